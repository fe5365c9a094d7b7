"""Read front matter safely, keeping the position of every key and value.

YAML is parsed event by event (libyaml when present), never composed into a graph, so anchors,
aliases, tags, duplicate and non-text keys are refused as they stream by, before anything is
built, and nesting is capped as it deepens. Scalars stay the text the contributor wrote: the
model decides what is a number or a date, so `NO`, `1.10` and `12:30` are never reinterpreted.
Nor is text silently lost: a `#word` after an unquoted value, which YAML drops as a comment
(`title: Coaching #1 for new managers`), is refused where it stands.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from . import policy
from .problems import Problem

try:  # libyaml is much faster; the pure-Python parser produces the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_YAML_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 10
FENCE = "---"

_resolver = yaml.resolver.Resolver()
_NULLS = {"", "~", "null", "Null", "NULL"}
_STR_TAG = "tag:yaml.org,2002:str"

Location = tuple[int, int]
Path_ = tuple[str | int, ...]

# What a parse gives depends on this module, the policy it applies and PyYAML: a parse kept by
# an earlier build (see ParseMemo) is used only under the same three.
PARSER = hashlib.sha256(
    b"\0".join(
        (
            Path(__file__).read_bytes(),
            Path(policy.__file__).read_bytes(),
            f"{yaml.__version__} {_Loader.__name__}".encode(),
        )
    )
).hexdigest()


class Positions:
    """Where each value (and each mapping key) stands in the file, by its path in the data.
    Kept between builds packed in a string (`pack`), which is read only when a position is
    asked for: a library without problems asks for none."""

    __slots__ = ("_values", "_keys", "_packed")

    def __init__(
        self,
        values: dict[Path_, Location] | None = None,
        keys: dict[Path_, Location] | None = None,
        *,
        packed: str | None = None,
    ) -> None:
        self._values = {} if values is None else values
        self._keys = {} if keys is None else keys
        self._packed = packed

    @property
    def values(self) -> dict[Path_, Location]:
        if self._packed is not None:
            self._unpack()
        return self._values

    @property
    def keys(self) -> dict[Path_, Location]:
        if self._packed is not None:
            self._unpack()
        return self._keys

    def pack(self) -> str:
        return json.dumps(
            [[[*path, *at] for path, at in found.items()] for found in (self.values, self.keys)],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def _unpack(self) -> None:
        packed, self._packed = self._packed, None
        try:
            self._values, self._keys = (
                {tuple(p[:-2]): (int(p[-2]), int(p[-1])) for p in rows}
                for rows in json.loads(packed)  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, IndexError):  # not what pack() wrote: positions unknown
            self._values, self._keys = {}, {}

    def of_value(self, path: Path_) -> Location:
        """The value at `path`, else the nearest enclosing value that has a position."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found:
                return found
        return (1, 1)

    def of_key(self, path: Path_) -> Location:
        return self.keys.get(path) or self.of_value(path)


@dataclass(slots=True)
class Document:
    """A Markdown file split into its front matter (plain data) and its body."""

    path: str
    data: dict[str, Any] | None
    positions: Positions
    body: str
    body_line: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


class ParseMemo(Protocol):
    """Front matter parsed by earlier builds (core/cache.py's ParseCache), by `parse_key`:
    what parsed without problems only, so that every problem is found by parsing, and
    reported as it is found."""

    def get(self, key: str) -> tuple[Any, Positions] | None: ...

    def put(self, key: str, data: Any, positions: Positions) -> None: ...


def parse_key(front: str) -> str:
    return hashlib.blake2b(front.encode(), digest_size=16).hexdigest()


class _Refused(Exception):
    def __init__(self, line: int, col: int, message: str, hint: str = ""):
        self.line, self.col, self.message, self.hint = line, col, message, hint


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 (with or without BOM) to text with LF line ends, or a located problem."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        return None, [
            Problem(
                path,
                line,
                col,
                f"the file is not UTF-8 text (byte 0x{byte} cannot be decoded)",
                "save the file as UTF-8 in your editor (most editors offer 'Save with encoding')",
            )
        ]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def split(text: str, path: str) -> tuple[str | None, str, int, list[Problem]]:
    """Split text into (front matter, body, body's first line); front matter None if absent."""
    if not (text.startswith(FENCE) and text[3:].split("\n", 1)[0].strip() == ""):
        return None, text, 1, []
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            return "\n".join(lines[1:index]) + "\n", "\n".join(lines[index + 1 :]), index + 2, []
    return (
        None,
        "",
        1,
        [
            Problem(
                path,
                1,
                1,
                "the front matter opened on line 1 is never closed",
                "add a line holding only --- after the last key, before the Markdown text",
            )
        ],
    )


def read_file(file: Path, root: Path, memo: ParseMemo | None = None) -> Document:
    """Read a Markdown file from disk; every failure becomes a located problem. `memo`: see
    read_text."""
    path = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
    if file.is_symlink():
        return _failed(
            path,
            "symbolic links are not read",
            "replace the link with the file itself; links can point outside the repository",
        )
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return _failed(path, f"the file cannot be read: {exc.strerror or exc}", "")
    return read_text(raw, path, memo)


def _failed(path: str, message: str, hint: str) -> Document:
    return Document(path, None, Positions(), "", 1, [Problem(path, 1, 1, message, hint)])


def read_text(raw: bytes | str, path: str, memo: ParseMemo | None = None) -> Document:
    """Read a whole Markdown document (front matter and body) from bytes or text. `memo`:
    where front matter that an earlier build parsed without problems is taken from, and
    this one's is kept when it has none."""
    text, problems = decode(raw, path) if isinstance(raw, bytes) else (raw, [])
    if text is None:
        return Document(path, None, Positions(), "", 1, problems)
    front, body, body_line, problems = split(text, path)
    if front is None:
        return Document(path, None, Positions(), body, body_line, problems)
    size = len(front.encode("utf-8"))
    if size > MAX_FRONT_MATTER_BYTES:
        return Document(
            path,
            None,
            Positions(),
            body,
            body_line,
            [
                Problem(
                    path,
                    1,
                    1,
                    f"the front matter is {size // 1024} KiB; the limit is "
                    f"{MAX_FRONT_MATTER_BYTES // 1024} KiB",
                    "move long text into the Markdown body below the closing ---",
                )
            ],
        )
    key = parse_key(front) if memo is not None else ""
    found = memo.get(key) if memo is not None else None
    if found is not None:
        return Document(path, found[0], found[1], body, body_line, [])
    data, positions, problems = parse_yaml(front, path, line_offset=1)
    positions.values[()] = (1, 1)  # a key missing from the front matter: point at its opening
    if data is not None and not isinstance(data, dict):
        line, col = positions.of_value(())
        problems = [
            Problem(
                path,
                line,
                col,
                "the front matter must be a set of `key: value` lines",
                "start each line with a key such as `title:`",
            )
        ]
        data = None
    if memo is not None and not problems:
        memo.put(key, data, positions)
    return Document(path, data, positions, body, body_line, problems)


def parse_yaml(
    text: str, path: str, *, line_offset: int = 0
) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML document to plain data (dicts, lists, str, None) with positions.

    `line_offset` is the number of file lines before the text (1 for front matter, whose
    line 1 is the opening fence).
    """
    positions = Positions()
    if not text.isascii():
        pasted = _pasted(text, path, line_offset)
        if pasted is not None:
            return None, positions, [pasted]
    try:
        parser = _Loader(text)
        try:  # iter(get_event, None): no generator between the C parser and the loop
            data = _build(iter(parser.get_event, None), positions, line_offset)
        finally:
            parser.dispose()
    except _Refused as refused:
        return (
            None,
            positions,
            [Problem(path, refused.line, refused.col, refused.message, refused.hint)],
        )
    except yaml.MarkedYAMLError as exc:
        return None, positions, [_parse_error(exc, text, path, line_offset)]
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        mark = getattr(exc, "position", None)
        mark = mark if isinstance(mark, int) else 0
        message, hint = _explain(exc, text[mark : mark + 1])
        line = 1 + line_offset + text.count("\n", 0, mark)
        col = mark - text.rfind("\n", 0, mark)
        return None, positions, [Problem(path, line, col, message, hint)]
    if "#" in text and _GLUED_COMMENT.search(text):  # rare: then look for comments eating text
        swallowed = _swallowed_comments(text, path, line_offset)
        if swallowed:
            return None, positions, swallowed
    return data, positions, []


# Where YAML needs an ordinary space: in the indent, or right after a key's colon or a list's
# hyphen. After that space the value begins, and a non-breaking space there is the value's
# text (the model strips it from text, and names it in an id).
_STRUCTURE = re.compile(r"[ \t]*(?:(?:-[ \t]+)*(?:[\w.-]+:|-))?")
_DASHES = {"\u2013": "an en dash (–)", "\u2014": "an em dash (—)", "\u2212": "a minus sign (−)"}
_LIST_DASH = re.compile(r"^([ \t]*)([\u2013\u2014\u2212])[ \t\u00a0]", re.M)


def _pasted(text: str, path: str, line_offset: int) -> Problem | None:
    """The first look-alike character where YAML needs its own: a non-breaking (or other
    typographic) space in an indent or after a colon or a list hyphen, and a dash from a word
    processor's autocorrect starting a list entry. YAML reads neither as what it looks like,
    so the line fails, or its text lands elsewhere, while it looks right."""
    for found in policy.ODD_SPACE.finditer(text):
        start = text.rfind("\n", 0, found.start()) + 1
        before = text[start : found.start()]
        if not _STRUCTURE.fullmatch(before):
            continue  # in a value: text, kept as written
        stripped = before.strip()
        role = (
            "indents this line"
            if not stripped
            else ("follows the colon" if stripped.endswith(":") else "follows the list's hyphen")
        )
        line = 1 + line_offset + text.count("\n", 0, start)
        return Problem(
            path,
            line,
            found.start() - start + 1,
            f"{policy.name_of(found.group())} at column {found.start() - start + 1} {role}; "
            "YAML reads only an ordinary space there",
            policy.ODD_SPACE_HINT,
        )
    for found in _LIST_DASH.finditer(text):
        start = found.start()
        above = text[:start].rstrip("\n").rsplit("\n", 1)[-1].strip()
        if not (above.endswith(":") or above[:1] in "-\u2013\u2014\u2212"):
            continue  # a line of text that begins with a dash
        column = len(found.group(1)) + 1
        return Problem(
            path,
            1 + line_offset + text.count("\n", 0, start),
            column,
            f"{_DASHES[found.group(2)]} at column {column} starts this list entry; YAML lists "
            "start with a hyphen (-)",
            "replace the dash with a hyphen (-); word processors turn '- ' into a dash",
        )
    return None


# ' #' starts a YAML comment. After a value, '# note' reads as a comment on purpose, but '#1' or
# '#tag' is almost always text the contributor meant to keep (`title: Coaching #1 for ...`).
_GLUED_COMMENT = re.compile(r"[ \t]#[^\s]")
_COMMENT_AFTER = re.compile(r"[ \t]+#[^\s]")


def _swallowed_comments(text: str, path: str, line_offset: int) -> list[Problem]:
    """A problem for each unquoted value followed on its line by a '#word' comment.

    Only called for the few texts holding ' #' glued to a word, and only after they parsed
    cleanly, so it parses them a second time rather than slowing down the main event loop.
    """
    lines = text.split("\n")
    problems = []
    parser = _Loader(text)
    try:
        for event in iter(parser.get_event, None):
            if type(event) is not _SCALAR or event.style:  # plain scalars only ('' or None)
                continue
            end = event.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            found = _COMMENT_AFTER.match(rest)
            if not found:
                continue
            start = event.start_mark
            hash_col = end.column + found.end() - 1  # 1-based column of the '#'
            value = event.value
            if start.line == end.line:
                written = lines[end.line][start.column :].strip()
                quoted = '"' + written.replace("\\", "\\\\").replace('"', '\\"') + '"'
                hint = f"put the whole value in double quotes: {quoted}"
            else:
                hint = "put the whole value in double quotes"
            if len(hint) > 160:
                hint = 'put the whole value in double quotes, e.g. title: "Coaching #1"'
            shown = value if len(value) <= 60 else "..." + value[-57:]
            ends = f"the value ends at '{shown}'" if value else "the value is left empty"
            problems.append(
                Problem(
                    path,
                    end.line + 1 + line_offset,
                    hash_col,
                    f"the text after ' #' is read as a YAML comment and dropped: {ends}",
                    hint,
                )
            )
    finally:
        parser.dispose()
    return problems


_QUOTE_OPENS = re.compile(r"^[ \t]*(?:-[ \t]+)*(?:[\w.-]+:[ \t]+)?([\"'])")
_INDENTED_KEY = re.compile(r"[ \t]+[A-Za-z_][\w-]*")
_CLOSE_QUOTE = (
    'end the value with the same quote on this line; inside double quotes write a quote as \\"'
)


def _too_deep(text: str, fallback: tuple[int, int]) -> tuple[int, int]:
    """(line, column), 0-based, of the bracket that opens the (MAX_DEPTH)th level below the
    top mapping, as the event loop would have reported it had the parser got that far."""
    depth, quote = 0, ""
    for number, line in enumerate(text.split("\n")):
        for column, char in enumerate(line):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char in "[{":
                depth += 1
                if depth >= MAX_DEPTH:
                    return number, column
            elif char in "]}":
                depth = max(depth - 1, 0)
    return fallback


def _parse_error(exc: yaml.MarkedYAMLError, text: str, path: str, line_offset: int) -> Problem:
    """The parser's complaint, moved to where the mistake most likely is and explained."""
    mark = exc.problem_mark or exc.context_mark
    context, problem = str(exc.context), str(exc.problem)
    lines = text.split("\n")
    where = (mark.line, mark.column) if mark else (0, 0)
    if "nesting depth" in problem:  # PyYAML 6.0.3+ stops deep flow nesting itself, far in
        where = _too_deep(text, where)
        message, hint = _explain(exc, "")
    elif "flow" in context and exc.context_mark and "expected ','" in problem:
        where = (exc.context_mark.line, exc.context_mark.column)  # where the bracket opened
        message, hint = (
            "this bracket is never closed",
            "close the list with ] (or the mapping with }) on the same line, "
            "or quote the value if the bracket is part of the text",
        )
    elif exc.context_mark and context == "while scanning a simple key":
        where = (exc.context_mark.line, 0)  # a line of text with no `key:`
        message, hint = _explain(exc, "")
    elif (
        exc.context_mark
        and context == "while scanning a quoted scalar"
        and ("end of stream" in problem)
    ):
        where = (exc.context_mark.line, exc.context_mark.column)  # where the quote opened
        message, hint = "this quote is never closed", _CLOSE_QUOTE
    elif (opened := _open_quote(lines, where[0])) is not None:
        failed = where[0] + 1 + line_offset
        where = opened
        message = (
            f"this quote is not closed on its line, so YAML reads on and fails on line {failed}"
        )
        hint = _CLOSE_QUOTE
    elif "mapping values are not allowed" in problem and _INDENTED_KEY.fullmatch(
        lines[where[0]][: where[1]] if where[0] < len(lines) else ""
    ):
        line_text = lines[where[0]]
        where = (where[0], len(line_text) - len(line_text.lstrip()))
        message, hint = (
            "this key is indented more than the key above it, so YAML reads its colon as part "
            "of the value above",
            "line the key up with the keys above it; if this line continues the value above, "
            "put that whole value in double quotes",
        )
    else:
        message, hint = _explain(exc, _char_at(text, mark))
    return Problem(path, where[0] + 1 + line_offset, where[1] + 1, message, hint)


def _open_quote(lines: list[str], upto: int) -> tuple[int, int] | None:
    """(line, column) of the first value at or before line `upto` whose opening quote is not
    closed on its own line: YAML then reads on, and fails somewhere later."""
    for number in range(min(upto, len(lines) - 1) + 1):
        line = lines[number]
        if '"' not in line and "'" not in line:
            continue
        found = _QUOTE_OPENS.match(line)
        if not found:
            continue
        quote, at = found.group(1), found.end(1)
        while True:
            end = line.find(quote, at)
            if end == -1:
                return number, found.start(1)
            if quote == '"' and _escaped(line, end):
                at = end + 1
            elif quote == "'" and line.startswith("''", end):
                at = end + 2
            else:
                break
    return None


def _escaped(line: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and line[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _char_at(text: str, mark: Any) -> str:
    if mark is None:
        return ""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column : mark.column + 1]


def _explain(exc: yaml.YAMLError, char: str) -> tuple[str, str]:
    """Turn a YAML parser complaint into a contributor's words and a fix."""
    problem = str(getattr(exc, "problem", "") or exc)
    if "control characters are not allowed" in problem or "special characters" in problem:
        return (
            f"the text holds an invisible character, {policy.name_of(char)}"
            if char
            else "the text holds an invisible character",
            "delete the character (it often arrives by copy and paste) or retype the line",
        )
    if char == "\t" or "'\\t'" in problem:
        return (
            "a tab character is used for indentation",
            "YAML indents with spaces only: replace the tab with spaces",
        )
    if "escape" in problem or "hexdecimal" in problem or "hexadecimal" in problem:
        return (
            "a backslash inside double quotes starts an escape sequence, and this one is invalid",
            "write \\\\ for a backslash, or put the value in single quotes instead",
        )
    if "mapping values are not allowed" in problem:
        return (
            "a colon followed by a space inside a value starts a new key here",
            'put the whole value in double quotes, e.g. title: "Lessons: what worked"',
        )
    if "could not find expected ':'" in problem or "simple key" in problem:
        return (
            "this line is not a `key: value` pair",
            "check the indentation and that each key ends with a colon and a space",
        )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return (
            "the indentation or a list marker is out of place",
            "line keys up with their siblings and start list items with '- '",
        )
    if "nesting depth" in problem:  # PyYAML 6.0.3+ stops deep flow nesting itself
        return (
            f"the data is nested more than {MAX_DEPTH} levels deep",
            "the content model needs at most four levels; flatten this value",
        )
    if "found unexpected end of stream" in problem or "found unexpected" in problem:
        return (
            f"YAML cannot read this: {problem}",
            "a quote or bracket is probably left open; close it on the same line",
        )
    return f"YAML cannot read this: {problem}", "check the indentation and quoting on this line"


_CURLY = "\u201c\u2018\u201e\u00ab"  # “ ‘ „ «
_CURLY_CLOSE = "\u201d\u2019\u201c\u00bb"


def _curly_quoted(value: str) -> bool:
    """Whether a value is wrapped in curly quotes: a word processor's quotes where YAML's
    were meant. A title that quotes a phrase and goes on (`“Ready now” is not ready`), or a
    lone quote mark, is text."""
    closes = [i for i, char in enumerate(value) if i and char in _CURLY_CLOSE]
    return closes == [len(value) - 1]


_KEY_IS_TEXT: dict[str, bool] = {}


def _key_is_text(key: str) -> bool:
    """Whether a plain key stays text under YAML's implicit typing (cached: keys repeat)."""
    found = _KEY_IS_TEXT.get(key)
    if found is None:
        found = _resolver.resolve(yaml.ScalarNode, key, (True, False)) == _STR_TAG
        if len(_KEY_IS_TEXT) < 10_000:
            _KEY_IS_TEXT[key] = found
    return found


_SCALAR, _MAP, _SEQ, _ALIAS = (
    yaml.ScalarEvent,
    yaml.MappingStartEvent,
    yaml.SequenceStartEvent,
    yaml.AliasEvent,
)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_SKIP = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)


def _build(events: Any, positions: Positions, line_offset: int) -> Any:
    """Build plain data from parser events, refusing what the contract forbids."""
    # Each frame: [container, path, pending_key, key_location, seen_keys]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    values = positions.values
    keys = positions.keys
    for event in events:
        kind = type(event)
        if kind in _ENDS:
            root = stack.pop()[0]
            continue
        if kind in _SKIP:
            continue
        mark = event.start_mark
        line, col = mark.line + 1 + line_offset, mark.column + 1
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Refused(
                    line, col, "only one YAML document is allowed here", "remove the extra '---'"
                )
            continue
        if kind is _ALIAS:
            raise _Refused(
                line,
                col,
                f"YAML aliases (*{event.anchor}) are not allowed",
                "write the value out in full; aliases can expand to huge documents",
            )
        if event.anchor:
            raise _Refused(
                line,
                col,
                f"YAML anchors (&{event.anchor}) are not allowed",
                "remove the anchor and write each value out in full",
            )
        tag = event.tag
        if tag and tag != "!" and tag != _STR_TAG:
            raise _Refused(
                line,
                col,
                f"YAML tags such as '{tag}' are not allowed",
                "remove the tag; if the value must stay text, put it in double quotes",
            )
        parent = stack[-1] if stack else None
        if parent is not None and parent[2] is None and type(parent[0]) is dict:
            # This event is a mapping key.
            if kind is not _SCALAR:
                raise _Refused(
                    line, col, "a key must be plain text", "write keys as simple words, e.g. title:"
                )
            key = event.value
            if key == "<<" and event.implicit[0]:
                raise _Refused(
                    line, col, "YAML merge keys (<<) are not allowed", "write the keys out in full"
                )
            if event.implicit[0] and not _key_is_text(key):
                raise _Refused(
                    line,
                    col,
                    f"the key '{key}' is not text (YAML reads it as a number, boolean or null)",
                    "keys must be words such as title or summary",
                )
            seen = parent[4]
            if key in seen:
                raise _Refused(
                    line,
                    col,
                    f"the key '{key}' appears twice",
                    f"it was first set on line {seen[key][0]}; keep one of the two",
                )
            seen[key] = parent[3] = (line, col)
            parent[2] = key
            continue
        # This event is a value: the root, a list element or a mapping value.
        if parent is None:
            path: Path_ = ()
        elif parent[2] is not None:
            path = (*parent[1], parent[2])
            keys[path] = parent[3]
        else:
            path = (*parent[1], len(parent[0]))
        values[path] = (line, col)
        if kind is _SCALAR:
            value: Any = event.value
            if event.implicit[0] and value in _NULLS:
                value = None
            elif value and value[0] in _CURLY and not event.style and _curly_quoted(value):
                raise _Refused(
                    line,
                    col,
                    f"the value starts with a curly quote {value[0]}, which YAML keeps as part "
                    "of the text (only straight quotes \" and ' quote a value)",
                    "delete the curly quotes; if the value needs quoting, type straight "
                    "double quotes around it",
                )
        else:
            if len(stack) >= MAX_DEPTH:
                raise _Refused(
                    line,
                    col,
                    f"the data is nested more than {MAX_DEPTH} levels deep",
                    "the content model needs at most four levels; flatten this value",
                )
            value = {} if kind is _MAP else []
            stack.append([value, path, None, None, {}])
        if parent is None:
            root = value
        elif parent[2] is not None:
            parent[0][parent[2]] = value
            parent[2] = None
        else:
            parent[0].append(value)
    return root

"""Check the Markdown body of a page: no invisible characters, no links out of the repository.

Front matter is checked by the models; the body is free Markdown, but a few things in it must
never reach the site or a PDF: links and images whose path climbs out of the repository
(`../../etc/passwd`), absolute file paths (`/etc/passwd`, `C:\\...`), `file:` addresses, and the
control and bidirectional characters that make text display differently from what it is.

Linear and cheap: str.find picks the few places where a link or tag can start, and one
compiled expression reads each; places inside code (fenced blocks and inline spans) are
skipped, so examples in code are never reported.
What the HTML sanitizer removes from the built page (scripts, frames, forms, `on...` handlers,
`javascript:` and `data:` addresses) is reported here as a warning with its place, so that a
contributor learns why something does not show, and `--strict` stops it.
"""

from __future__ import annotations

import html
import posixpath
import re
from bisect import bisect_right
from urllib.parse import unquote

from . import policy
from .problems import Problem

_AFTER_ALL = 1 << 62
HINT = "link to a file inside the repository with a relative path, or to an https:// address"
MAX_PER_FILE = 20

# C0 and C1 controls (tab and line feed aside) and the bidirectional marks, embeddings,
# overrides and isolates ("Trojan Source"), as the models refuse them in front matter.
_INVISIBLE = policy.INVISIBLE

_BACKTICK_FENCE = re.compile(r"^[ \t]*(`{3,})[^`\n]*\n.*?(?:^[ \t]*\1`*[ \t]*$|\Z)", re.M | re.S)
_TILDE_FENCE = re.compile(r"^[ \t]*(~{3,})[^\n]*\n.*?(?:^[ \t]*\1~*[ \t]*$|\Z)", re.M | re.S)

_DEST = r"<[^<>\n]*>|(?:[^\s()\\]++|\\.|\([^\s()]*\))++"
# Matched only where str.find (much faster than a regular expression scan) sees `](`, `<`,
# `{` or, for reference definitions, a line holding `]:`.
_TARGET = re.compile(
    # an inline link or image: [text](dest) or ![alt](dest), found from its `](`
    r"\]\([ \t]*\n?[ \t]*(?P<inline>" + _DEST + r")"
    # an autolink: <scheme:...>
    r"|<(?P<auto>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>"
    # a raw HTML tag, or an attribute list { href=... } that sets attributes on an element
    r"|<(?P<tag>[A-Za-z][A-Za-z0-9-]*[\s/][^<>]{0,4000})>"
    r"|\{(?P<attrs>[^{}\n]*)\}"  # one run of one class: no backtracking
    # a link reference definition at the start of a line: [label]: dest
    r"|^[ \t]{0,3}\[(?:[^\[\]\n\\]|\\.){1,999}\]:[ \t]*\n?[ \t]*(?P<reference>" + _DEST + r")",
    re.M,
)
_URL_ATTRIBUTES = (
    "href|src|srcset|data|poster|action|formaction|background|xlink:href|cite|longdesc|"
    "manifest|ping|usemap|codebase|archive|icon|lowsrc|dynsrc"
)
_ATTRIBUTE = re.compile(
    r"(?:^|(?<=[\s\"'{/]))(?P<name>" + _URL_ATTRIBUTES + r"|style)\s*=\s*"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<uq>[^\s\"'=<>`{}]+))",
    re.I,
)
_CSS_URL = re.compile(r"url\(\s*[\"']?(?P<url>[^\"')\s]+)", re.I)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_ENCODED = re.compile(r"[:%&\\\t\n\r]")  # a scheme, an escape, or characters browsers drop
_URL_SPACE = re.compile(r"[\t\n\r]")  # browsers drop these from anywhere in a URL
_URL_TRIM = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")  # and these from either end
# An HTML element's opening, and event-handler attributes: the filter (policy.py) drops
# every element and URL scheme outside its allowlist, and every handler
_ELEMENT = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])")
_HANDLER = re.compile(r"(?:^|(?<=[\s\"'/{]))(on[a-z]+)\s*=", re.I)
REMOVED_HINT = (
    "the site keeps Markdown only: links to https:// or relative addresses, images, tables, "
    "admonitions; write it so, or leave it out"
)


def check_body(
    body: str,
    path: str,
    body_line: int,
    remote_hosts: frozenset[str] | None = frozenset(),
    links: list[tuple[str, int, int]] | None = None,
) -> list[Problem]:
    """Located problems of a Markdown body that starts on line `body_line` of file `path`
    (relative to the project root, which relative links may not climb out of)."""
    problems = _limits(body, path, body_line)
    if problems:
        return problems  # Markdown, and the checks below, are not given what is too big
    plain = _plain_ascii(body)
    found = None if plain else _INVISIBLE.search(body)
    while found:
        line, col = _where(body, found.start(), body_line)
        problems.append(
            Problem(
                path,
                line,
                col,
                f"the text holds an invisible character, {policy.name_of(found.group())}",
                "delete it and retype the text around it; such characters arrive by copy and "
                "paste and can make text display differently from what it is",
            )
        )
        if len(problems) >= MAX_PER_FILE:
            return problems
        line_end = body.find("\n", found.start())  # one problem a line is enough
        found = _INVISIBLE.search(body, line_end) if line_end != -1 else None
    if not plain:
        problems += _pasted_spaces(body, path, body_line)
    if "](" not in body and "]:" not in body and "<" not in body and "{" not in body:
        return problems  # no link, image, tag or attribute list at all: the common case
    code = _code_ranges(body)
    base = posixpath.dirname(path)
    consumed = 0
    for at in _candidates(body):
        if at < consumed:
            continue  # inside the link or tag just read
        if code and _in_code(code, at):
            continue
        element = _ELEMENT.match(body, at) if body[at] == "<" else None
        if element and element.group(1).lower() not in policy.TAGS:
            problems.append(
                _removed(body, path, body_line, at, f"the HTML element <{element.group(1)}>")
            )
        found = _TARGET.match(body, at)
        if found is None:
            continue
        consumed = found.end()
        group = found.lastgroup or ""
        start, raw = found.start(group), found.group(group)
        if group == "tag" or group == "attrs":
            for handler in _HANDLER.finditer(raw):
                where = start + handler.start(1)
                attribute = f"the event-handler attribute {handler.group(1)}"
                problems.append(_removed(body, path, body_line, where, attribute))
            problems += _reserved_attributes(body, path, body_line, raw, start, group)
            targets = list(_attribute_targets(raw, start))
        else:
            if raw.startswith("<"):  # <destination with spaces>
                raw, start = raw[1:-1], start + 1
            targets = [(group, raw, start)]
        img_tag = group == "tag" and raw[:4].lower() in ("img ", "img/", "img\t", "img\n")
        for what, raw, start in targets:
            image = (what == "inline" and _is_image(body, found.start())) or (
                img_tag and what == "HTML attribute src"
            )
            host = policy.remote(raw, remote_hosts) if image and remote_hosts is not None else None
            if host:
                line, col = _where(body, start, body_line)
                problems.append(
                    Problem(
                        path,
                        line,
                        col,
                        f"this image is loaded from another site ({host}) by every reader",
                        "copy the image into the repository and link to it with a relative "
                        "path, or add the host to the playbook plugin's `remote_hosts` option",
                    )
                )
                continue
            verdict = _verdict(raw, base)
            if verdict is None:
                if links is not None and what in ("inline", "reference") and _relative(raw):
                    links.append((raw, *_where(body, start, body_line)))
                continue
            if what == "inline":
                what = "image" if image else "link"
            elif what in ("auto", "reference"):
                what = "link" if what == "auto" else "link reference"
            if isinstance(verdict, _Scheme):
                shown = f"the {verdict}: address of this {what}"
                problems.append(_removed(body, path, body_line, start, shown))
                continue
            line, col = _where(body, start, body_line)
            shown = _INVISIBLE.sub(lambda c: f"\\u{ord(c.group()):04x}", raw)  # as typed
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            problems.append(Problem(path, line, col, f"the {what} '{shown}' {verdict}", HINT))
            if len(problems) >= MAX_PER_FILE:
                return problems
    return problems


# What takes another file's text into a page on sites that use pymdownx.snippets (a line that
# starts with `--8<--`, inside code blocks too: snippets reads the lines before Markdown does)
# or mkdocs-include-markdown-plugin (`{% include "..." %}`, `{% include-markdown "..." %}`)
_INCLUDE = re.compile(
    r"^[ \t]*(?P<snippets>-+8<-+)|(?P<include>\{%-?\s*include(?:-markdown)?)\b", re.M
)
_INCLUDERS = {"snippets": "pymdownx.snippets", "include": "mkdocs-include-markdown-plugin"}


def check_includes(body: str, path: str, body_line: int) -> list[Problem]:
    """An item's text is its own. A site's Markdown extensions and plugins may take other
    files' text into its pages: in an item, that would publish whatever file its author
    named (the project's settings, a CI job's credentials in .git/config). Refused, where it
    is written; a hand-written page is the site's own and is not checked."""
    if "8<" not in body and "{%" not in body:
        return []
    problems = []
    for found in _INCLUDE.finditer(body):
        group = found.lastgroup or ""
        line, col = _where(body, found.start(group), body_line)
        problems.append(
            Problem(
                path,
                line,
                col,
                f"'{found.group(group)}' takes another file's text into the page on a site "
                f"that uses {_INCLUDERS[group]}",
                "an item's text is its own: paste the text in, or link to the file with a "
                "relative link",
            )
        )
        if len(problems) >= MAX_PER_FILE:
            break
    return problems


# What Markdown is given at most: its parser recurses into nested blocks and rescans long
# runs of brackets, so past these a body could hang or crash a build. Far above real items.
MAX_BODY = 500_000  # characters
MAX_LINE = 10_000  # characters on one line
MAX_DEPTH = 40  # nested HTML blocks, block quotes, or list levels
MAX_BRACKETS = 5_000  # `[` in one body
_OPENS = re.compile(r"<(?:div|section|details|blockquote|article|aside)\b", re.I)
_CLOSES = re.compile(r"</(?:div|section|details|blockquote|article|aside)\s*>", re.I)
_LIMIT_HINT = "split the text into several items or pages; the site accepts no more in one body"


def _limits(body: str, path: str, body_line: int) -> list[Problem]:
    """A located error for a body larger, wider or deeper than Markdown is given; linear."""
    if len(body) > MAX_BODY:
        message = f"the body is {len(body):,} characters long, more than {MAX_BODY:,}"
        return [Problem(path, body_line, 1, message, _LIMIT_HINT)]
    if body.count("[") > MAX_BRACKETS:
        at = body.find("[")
        line, col = _where(body, at, body_line)
        message = f"the body holds {body.count('['):,} '[' characters, more than {MAX_BRACKETS:,}"
        return [Problem(path, line, col, message, _LIMIT_HINT)]
    if (
        len(body) <= MAX_LINE
        and body.count("<") + body.count(">") <= MAX_DEPTH
        and " " * (2 * MAX_DEPTH) not in body
    ):
        return []  # no line too long, nor enough marks or spaces to nest too deep: most bodies
    depth = 0
    start = 0
    number = body_line
    size = len(body)
    while start <= size:
        end = body.find("\n", start)
        end = size if end == -1 else end
        if end - start > MAX_LINE:
            message = f"this line is {end - start:,} characters long, more than {MAX_LINE:,}"
            return [Problem(path, number, MAX_LINE + 1, message, _LIMIT_HINT)]
        line = body[start:end]
        stripped = line.lstrip(" ")
        quotes = len(stripped) - len(stripped.lstrip("> "))
        if "<" in line:
            depth += len(_OPENS.findall(line)) - len(_CLOSES.findall(line))
        indent = (len(line) - len(stripped)) // 2  # a list level is two spaces or more
        if max(depth, stripped[:quotes].count(">"), indent) > MAX_DEPTH:
            message = f"the text is nested more than {MAX_DEPTH} levels deep here"
            return [Problem(path, number, 1, message, "flatten the nesting; " + _LIMIT_HINT)]
        start, number = end + 1, number + 1
    return []


_CLASS_OR_TITLE = re.compile(
    r"(?:^|(?<=[\s\"'{/]))(?P<name>class|title)\s*=\s*"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<uq>[^\s\"'=<>`{}]+))",
    re.I,
)
_SHORT_CLASS = re.compile(r"(?:^|(?<=\s))\.(?P<uq>[\w-]+)")


def _reserved_attributes(
    body: str, path: str, body_line: int, raw: str, start: int, group: str
) -> list[Problem]:
    """Warnings for what the filter takes from a tag or attribute list, read as a browser
    reads it (entities decoded): Material's own classes (md-...), markup in a title (which
    Material's tooltips would show as HTML)."""
    found = []
    matches = list(_CLASS_OR_TITLE.finditer(raw))
    if group == "attrs":
        matches += list(_SHORT_CLASS.finditer(raw))
    for match in matches:
        kind = match.groupdict().get("name") or "class"
        value_group = next(g for g in ("dq", "sq", "uq") if match.groupdict().get(g) is not None)
        value = html.unescape(match.group(value_group))
        where = start + match.start(value_group)
        if kind.lower() == "class":
            for name in value.split():
                if name.lower().startswith(policy.RESERVED_CLASS):
                    what = f"the class {name} (one of Material's own)"
                    found.append(_removed(body, path, body_line, where, what))
        elif "<" in value or ">" in value:
            what = "the markup in this title (Material shows titles as HTML)"
            found.append(_removed(body, path, body_line, where, what))
    return found


def _relative(raw: str) -> bool:
    """A plain relative address (`../playbooks/x.md#y`): no scheme, not site-absolute."""
    return bool(raw) and raw[0] not in "#/\\" and _SCHEME.match(raw) is None


class _Scheme(str):
    """The verdict on an address whose scheme the sanitizer removes: the scheme's name."""


def _removed(body: str, path: str, body_line: int, at: int, what: str) -> Problem:
    line, col = _where(body, at, body_line)
    return Problem(path, line, col, f"{what} is removed from the page", REMOVED_HINT, "warning")


def _candidates(text: str) -> list[int]:
    """Where a link, tag, attribute list or reference definition may start, in order."""
    spots = []
    for needle in ("](", "<", "{"):
        at = text.find(needle)
        while at != -1:
            spots.append(at)
            at = text.find(needle, at + 1)
    at = text.find("]:")
    while at != -1:
        line_start = text.rfind("\n", max(at - 1005, 0), at) + 1
        if line_start or at < 1005:  # a label is at most 999 characters
            spots.append(line_start)
        at = text.find("]:", at + 2)
    spots.sort()
    return spots


_ODD = policy.ODD_SPACE.pattern
_MARKER = r"(?:[-*+>]|\d{1,9}[.)]|#{1,6})"
# A look-alike space in an indent before a list marker or heading, or right after one
_PASTED_SPACE = re.compile(
    rf"^[ \t]*(?:({_ODD})[ \t]*(?:{_ODD}[ \t]*)*(?={_MARKER}[ \t])|{_MARKER}({_ODD}))", re.M
)


def _pasted_spaces(body: str, path: str, body_line: int) -> list[Problem]:
    """A warning for each line that looks like a list entry or heading but, for a
    non-breaking (or other typographic) space where Markdown needs a space, is not one."""
    problems = []
    for found in _PASTED_SPACE.finditer(body):
        group = 1 if found.group(1) else 2
        line, col = _where(body, found.start(group), body_line)
        problems.append(
            Problem(
                path,
                line,
                col,
                f"{policy.name_of(found.group(group))} at column {col}: Markdown reads only an "
                "ordinary space there, so this line does not show as the list entry or "
                "heading it looks like",
                policy.ODD_SPACE_HINT,
                severity="warning",
            )
        )
    return problems[:MAX_PER_FILE]


_PRINTABLE_ASCII = bytes([9, 10, *range(32, 127)])


def _plain_ascii(body: str) -> bool:
    """Whether the body is ASCII without control characters: most are, and this is five
    times faster than the expression, which then only runs on the others."""
    return body.isascii() and not body.encode("ascii").translate(None, _PRINTABLE_ASCII)


def _is_image(text: str, close: int) -> bool:
    """Whether the `]` at `close` ends the alt text of an image: its `[` follows a `!`."""
    opening = text.rfind("[", max(close - 1000, 0), close)
    if (  # the usual case: no brackets and no blank line inside
        opening != -1
        and text.find("]", opening, close) == -1
        and text.find("\n\n", opening, close) == -1
    ):
        return opening > 0 and text[opening - 1] == "!"
    depth = 0
    for index in range(close - 1, max(close - 1000, 0) - 1, -1):
        char = text[index]
        if char == "]":
            depth += 1
        elif char == "[":
            if depth == 0:
                return index > 0 and text[index - 1] == "!"
            depth -= 1
        elif char == "\n" and text.startswith("\n\n", index - 1):
            return False  # a blank line: no opening bracket in this paragraph
    return False


def _where(body: str, index: int, body_line: int) -> tuple[int, int]:
    line_start = body.rfind("\n", 0, index) + 1
    return body_line + body.count("\n", 0, index), index - line_start + 1


def _attribute_targets(tag: str, offset: int):
    """(what, url, index in the body) of each URL an HTML tag or attribute list sets."""
    for attribute in _ATTRIBUTE.finditer(tag):
        name = attribute.group("name").lower()
        group = "dq" if attribute.group("dq") is not None else "sq"
        if attribute.group(group) is None:
            group = "uq"
        value, start = attribute.group(group), offset + attribute.start(group)
        what = f"HTML attribute {name}"
        if name == "style":
            for css in _CSS_URL.finditer(value):
                yield what, css.group("url"), start + css.start("url")
        elif name == "srcset":
            position = 0
            for candidate in value.split(","):
                stripped = candidate.lstrip()
                url = stripped.split(None, 1)[0] if stripped else ""
                at = position + len(candidate) - len(stripped)
                if url:
                    yield what, url, start + at
                position += len(candidate) + 1
        else:
            yield what, value, start


def _verdict(raw: str, base: str) -> str | None:
    """Why a link target leaves the repository, a _Scheme the sanitizer removes, or None."""
    if raw.startswith(("https://", "http://", "#", "mailto:")):
        return None  # the usual addresses, decided before any decoding
    if raw[:1] > " " and raw[0] not in "/\\" and not _ENCODED.search(raw):
        return _climbs(raw, base)  # a plain relative path: no scheme and nothing encoded
    url = html.unescape(raw) if "&" in raw else raw
    if "\t" in url or "\n" in url or "\r" in url:
        url = _URL_SPACE.sub("", url)
    if url and (url[0] <= " " or url[-1] <= " "):
        url = _URL_TRIM.sub("", url)
    if not url:
        return None
    scheme = _SCHEME.match(url)
    if scheme:
        name = scheme.group(1).lower()
        if name == "file":
            return "is a file: address, pointing at the reader's own disk outside the repository"
        if len(name) == 1:  # C:\Users\... or C:/...: a Windows drive, not a URL scheme
            return "is an absolute file path, outside the repository"
        return None if name in policy.SCHEMES else _Scheme(name)
    if url.startswith("\\\\"):  # \\server\share
        return "is an absolute file path, outside the repository"
    if url.startswith("//") or url.startswith("/\\"):
        return None  # another host, as //example.org/x: an address, not a file path
    if url.startswith("/") or url.startswith("\\"):
        return "is an absolute path, outside the repository"
    target = url.split("#", 1)[0].split("?", 1)[0]
    if "%" in target:
        target = unquote(target)  # %2e%2e/ climbs like ../ in a browser
    return _climbs(target.replace("\\", "/"), base)


def _climbs(target: str, base: str) -> str | None:
    """Whether a relative path, from the folder `base`, climbs above the project root."""
    if ".." not in target:
        return None  # a relative path that never climbs stays inside
    depth = base.count("/") + 1 if base else 0  # folders between the root and the file
    for part in target.split("#", 1)[0].split("?", 1)[0].split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return "points outside the repository"
        elif part and part != ".":
            depth += 1
    return None


def _code_ranges(body: str) -> list[tuple[int, int]]:
    """(start, end) of each fenced code block and code span, in order; [] when none."""
    if "`" not in body and "~~~" not in body:
        return []
    fences: list[tuple[int, int]] = []
    if "```" in body:
        fences += [m.span() for m in _BACKTICK_FENCE.finditer(body)]
    if "~~~" in body:
        fences += [m.span() for m in _TILDE_FENCE.finditer(body)]
    fences.sort()
    runs = []  # runs of backticks outside fenced blocks
    size = len(body)
    start = body.find("`")
    while start != -1:
        end = start + 1
        while end < size and body[end] == "`":
            end += 1
        if not (fences and _in_code(fences, start)):
            runs.append((start, end))
        start = body.find("`", end)
    following: dict[int, int] = {}  # run length -> index of the next run of that length
    closing = [-1] * len(runs)
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closing[index] = following.get(length, -1)
        following[length] = index
    spans = []
    index = 0
    while index < len(runs):
        close = closing[index]
        start = runs[index][0]
        if close == -1 or body.find("\n\n", start, runs[close][0]) != -1:
            index += 1  # a lone run of backticks, or its partner is past a blank line
            continue
        spans.append((start, runs[close][1]))
        index = close + 1
    return sorted(fences + spans)


def _in_code(ranges: list[tuple[int, int]], at: int) -> bool:
    """Whether `at` falls inside one of the sorted, non-overlapping ranges."""
    index = bisect_right(ranges, (at, _AFTER_ALL)) - 1
    return index >= 0 and at < ranges[index][1]

"""Check the Markdown body of a page: no invisible characters, no links out of the repository.

Front matter is checked by the models; the body is free Markdown, but a few things in it must
never reach the site or a PDF: links and images whose path climbs out of the repository
(`../../etc/passwd`), absolute file paths (`/etc/passwd`, `C:\\...`), `file:` addresses, and the
control and bidirectional characters that make text display differently from what it is.

One pass of one compiled expression over each body; code (fenced blocks and inline spans) is
blanked out first, only in the bodies that have any, so examples in code are never reported.
`javascript:` and `data:` addresses are left to the HTML sanitizer, which removes them.
"""

from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import unquote

from .problems import Problem

HINT = "link to a file inside the repository with a relative path, or to an https:// address"
MAX_PER_FILE = 20

# C0 and C1 controls (tab and line feed aside) and the bidirectional marks, embeddings,
# overrides and isolates ("Trojan Source"), as the models refuse them in front matter.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_BACKTICK_FENCE = re.compile(r"^[ \t]*(`{3,})[^`\n]*\n.*?(?:^[ \t]*\1`*[ \t]*$|\Z)", re.M | re.S)
_TILDE_FENCE = re.compile(r"^[ \t]*(~{3,})[^\n]*\n.*?(?:^[ \t]*\1~*[ \t]*$|\Z)", re.M | re.S)

_DEST = r"<[^<>\n]*>|(?:[^\s()\\]|\\.|\([^\s()]*\))+"
# Every alternative starts with a literal character, so the engine skips ahead to the next
# `]`, `<`, `{` or line break in C instead of trying the whole pattern at every position.
_TARGETS = re.compile(
    # an inline link or image: [text](dest) or ![alt](dest), found from its `](`
    r"\]\([ \t]*\n?[ \t]*(?P<inline>" + _DEST + r")"
    # a link reference definition at the start of a line: [label]: dest
    r"|\n[ \t]{0,3}\[(?:[^\[\]\n\\]|\\.)+\]:[ \t]*\n?[ \t]*(?P<reference>" + _DEST + r")"
    # an autolink: <scheme:...>
    r"|<(?P<auto>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>"
    # a raw HTML tag, or an attribute list { href=... } that sets attributes on an element
    r"|<(?P<tag>[A-Za-z][A-Za-z0-9-]*[\s/][^<>]{0,4000})>"
    r"|\{(?P<attrs>[^{}\n]*=[^{}\n]*)\}"
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
_URL_SPACE = re.compile(r"[\t\n\r]")  # browsers drop these from anywhere in a URL
_URL_TRIM = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")  # and these from either end


def check_body(body: str, path: str, body_line: int) -> list[Problem]:
    """Located problems of a Markdown body that starts on line `body_line` of file `path`
    (relative to the project root, which relative links may not climb out of)."""
    problems: list[Problem] = []
    found = _INVISIBLE.search(body)
    while found:
        line, col = _where(body, found.start(), body_line)
        problems.append(
            Problem(
                path,
                line,
                col,
                f"the text holds an invisible control character (U+{ord(found.group()):04X})",
                "delete it and retype the text around it; such characters arrive by copy and "
                "paste and can make text display differently from what it is",
            )
        )
        if len(problems) >= MAX_PER_FILE:
            return problems
        line_end = body.find("\n", found.start())  # one problem a line is enough
        found = _INVISIBLE.search(body, line_end) if line_end != -1 else None
    if "](" not in body and "]:" not in body and "<" not in body and "{" not in body:
        return problems  # no link, image, tag or attribute list at all: the common case
    text = "\n" + _blank_code(body)  # the line break lets a definition on line 1 be found
    base = posixpath.dirname(path)
    for found in _TARGETS.finditer(text):
        group = found.lastgroup or ""
        start, raw = found.start(group) - 1, found.group(group)  # -1: the added line break
        if group == "tag" or group == "attrs":
            targets = list(_attribute_targets(raw, start))
        else:
            if raw.startswith("<"):  # <destination with spaces>
                raw, start = raw[1:-1], start + 1
            what = "link reference" if group == "reference" else "link"
            if group == "inline" and _is_image(text, found.start()):
                what = "image"
            targets = [(what, raw, start)]
        for what, raw, start in targets:
            verdict = _verdict(raw, base)
            if verdict is None:
                continue
            line, col = _where(body, start, body_line)
            shown = _INVISIBLE.sub(lambda c: f"\\u{ord(c.group()):04x}", raw)  # as typed
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            problems.append(Problem(path, line, col, f"the {what} '{shown}' {verdict}", HINT))
            if len(problems) >= MAX_PER_FILE:
                return problems
    return problems


def _is_image(text: str, close: int) -> bool:
    """Whether the `]` at `close` ends the alt text of an image: its `[` follows a `!`."""
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
    """Why a link target leaves the repository, or None when it does not (or is not ours)."""
    if raw.startswith(("https://", "http://", "#", "mailto:")):
        return None  # the usual addresses, decided before any decoding
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
        return None  # https:, mailto:; javascript: and data: are the sanitizer's business
    if url.startswith("\\\\"):  # \\server\share
        return "is an absolute file path, outside the repository"
    if url.startswith("//") or url.startswith("/\\"):
        return None  # another host, as //example.org/x: an address, not a file path
    if url.startswith("/") or url.startswith("\\"):
        return "is an absolute path, outside the repository"
    target = url.split("#", 1)[0].split("?", 1)[0]
    if "%" in target:
        target = unquote(target)  # %2e%2e/ climbs like ../ in a browser
    target = target.replace("\\", "/")
    if ".." not in target:
        return None  # a relative path that never climbs stays inside
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        return "points outside the repository"
    return None


def _blank_code(body: str) -> str:
    """The body with code blocks and code spans replaced by spaces (lines and columns kept)."""
    if "```" in body:
        body = _BACKTICK_FENCE.sub(_blank, body)
    if "~~~" in body:
        body = _TILDE_FENCE.sub(_blank, body)
    if "`" not in body:
        return body
    runs = []
    size = len(body)
    start = body.find("`")
    while start != -1:
        end = start + 1
        while end < size and body[end] == "`":
            end += 1
        runs.append((start, end))
        start = body.find("`", end)
    following: dict[int, int] = {}  # run length -> index of the next run of that length
    closing = [-1] * len(runs)
    for index in range(len(runs) - 1, -1, -1):
        size = runs[index][1] - runs[index][0]
        closing[index] = following.get(size, -1)
        following[size] = index
    pieces = []
    done = 0
    index = 0
    while index < len(runs):
        close = closing[index]
        start = runs[index][0]
        if close == -1 or body.find("\n\n", start, runs[close][0]) != -1:
            index += 1  # a lone run of backticks, or its partner is past a blank line
            continue
        end = runs[close][1]
        pieces.append(body[done:start])
        pieces.append(_blank_text(body[start:end]))
        done = end
        index = close + 1
    pieces.append(body[done:])
    return "".join(pieces)


def _blank(found: re.Match[str]) -> str:
    return _blank_text(found.group())


def _blank_text(text: str) -> str:
    return "\n".join(" " * len(line) for line in text.split("\n"))

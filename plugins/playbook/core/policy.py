"""What contributor HTML may hold: one allowlist, for the filter that applies it while
Markdown is converted (site/markup.py) and for the check that warns where it will remove
something (bodycheck.py).

Markdown lets raw HTML through, and attribute lists (`{ onclick=... }`) add attributes to
anything. What a contributor's HTML keeps is cleaned by nh3 (the Python binding of the Rust
sanitizer ammonia): it parses HTML as a browser does (so entity-encoded and split-up
`javascript:` URLs are seen for what they are), keeps only the tags and attributes below,
drops `<script>` and `<style>` with their content, and keeps links to http(s), mailto and
relative addresses only.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

TAGS = nh3.ALLOWED_TAGS - {"acronym", "center", "strike", "tt", "map", "area"}
_EVERYWHERE = {"id", "class", "title", "lang", "dir"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _EVERYWHERE,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "abbr": {"title"},
    "del": {"datetime"},
    "ins": {"datetime"},
}
SCHEMES = {"http", "https", "mailto"}
DROPPED_WITH_CONTENT = {"script", "style"}  # nh3's default: their text goes too
URL_ATTRIBUTES = {"href", "src"}
# Material's own elements have ids starting with "__" (the search toggle, the drawer): a body
# must not shadow them; and its layout classes (md-header, md-dialog, ...) would let a body
# draw a second header or a fixed dialog over the page.
RESERVED_ID = "__"
RESERVED_CLASS = "md-"
# Material's `content.tooltips` shows a `title` as HTML: a title keeps no markup characters.
_MARKUP = str.maketrans("", "", "<>")
# Characters that do not show, or show as something else: controls (tab and line feed aside),
# bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), zero-width
# characters, a BOM inside text, and the Unicode line and paragraph separators.
INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
    r"\u2028\u2029\ufeff]"
)
# Spaces that look like a space but are not one to YAML or Markdown: pasted from Word or a
# web page, they break an indent or a list marker while the line looks right.
ODD_SPACE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
ODD_SPACE_HINT = (
    "delete it and type an ordinary space (text pasted from Word or a web page brings "
    "non-breaking spaces)"
)
_NAMES = {
    "\u00a0": "non-breaking space",
    "\u202f": "narrow non-breaking space",
    "\ufeff": "byte order mark",
}


def name_of(char: str) -> str:
    """A character named so a contributor can find it: 'a non-breaking space (U+00A0)'."""
    name = _NAMES.get(char) or unicodedata.name(char, "").lower() or "control character"
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name} (U+{ord(char):04X})"


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_NOISE = re.compile(r"[\x00-\x20]")  # browsers drop these from URLs (or trim them)


def clean_value(name: str, value: str) -> str | None:
    """An allowed attribute's value as it may stay (None: drop the attribute). Values are
    decoded already (as a browser reads them)."""
    if name == "id" and value.startswith(RESERVED_ID):
        return None
    if name == "class":
        kept = " ".join(c for c in value.split() if not c.lower().startswith(RESERVED_CLASS))
        return kept or None
    if name == "title":
        return value.translate(_MARKUP)
    return value


def remote(url: str, hosts: frozenset[str] = frozenset()) -> str | None:
    """The host of an address that makes every reader's browser fetch from elsewhere
    (`https://host/...`, `//host/...`), unless the host is allowed; else None."""
    url = _URL_NOISE.sub("", html.unescape(url))
    found = _REMOTE.match(url)
    if found is None:
        return None
    host = found.group(1).lower().rsplit("@", 1)[-1].split(":", 1)[0]
    return None if host in hosts else host


_REMOTE = re.compile(r"(?:https?:)?//([^/?#\\]*)", re.I)


def _cleaner(hosts: frozenset[str]) -> nh3.Cleaner:
    def attribute(tag: str, name: str, value: str) -> str | None:
        if tag == "img" and name == "src" and remote(value, hosts):
            return None  # an image from elsewhere: fetched by every reader (a tracking pixel)
        return clean_value(name, value)

    return nh3.Cleaner(
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=SCHEMES,
        filter_style_properties={"text-align"},  # Markdown tables align columns this way
        link_rel=None,
        strip_comments=True,
    )


_CLEANERS: dict[frozenset[str], nh3.Cleaner] = {}


def clean(fragment: str, remote_hosts: frozenset[str] = frozenset()) -> str:
    """An HTML fragment with everything outside the allowlist removed or neutralised; images
    load from the site itself or from `remote_hosts` only."""
    if not fragment:
        return fragment
    cleaner = _CLEANERS.get(remote_hosts)
    if cleaner is None:
        cleaner = _CLEANERS[remote_hosts] = _cleaner(remote_hosts)
    return cleaner.clean(fragment)


def safe_url(value: str) -> bool:
    """Whether a URL is one the allowlist keeps, read as a browser reads it."""
    url = _URL_NOISE.sub("", html.unescape(value))
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SCHEMES


def attribute(tag: str, name: str, value: str | None) -> str | None:
    """The value an attribute set from Markdown (an attribute list, a `<div markdown>`) may
    keep on its element, or None: it goes."""
    name = name.lower()
    if name not in ATTRIBUTES["*"] and name not in ATTRIBUTES.get(tag, ()):
        return None
    if name == "style":
        return None  # only nh3 reads styles (a table cell's text-align)
    if name in URL_ATTRIBUTES and not safe_url(value or ""):
        return None
    return clean_value(name, value or "")

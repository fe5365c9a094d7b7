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
# must not shadow them.
RESERVED_ID = "__"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_NOISE = re.compile(r"[\x00-\x20]")  # browsers drop these from URLs (or trim them)


def _attribute(_tag: str, name: str, value: str) -> str | None:
    return None if name == "id" and value.startswith(RESERVED_ID) else value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes=SCHEMES,
    filter_style_properties={"text-align"},  # Markdown tables align columns this way
    link_rel=None,
    strip_comments=True,
)


def clean(fragment: str) -> str:
    """An HTML fragment with everything outside the allowlist removed or neutralised."""
    return _CLEANER.clean(fragment) if fragment else fragment


def safe_url(value: str) -> bool:
    """Whether a URL is one the allowlist keeps, read as a browser reads it."""
    url = _URL_NOISE.sub("", html.unescape(value))
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SCHEMES


def allowed(tag: str, name: str, value: str | None) -> bool:
    """Whether an attribute set from Markdown (an attribute list) may stay on its element."""
    name = name.lower()
    if name not in ATTRIBUTES["*"] and name not in ATTRIBUTES.get(tag, ()):
        return False
    if name == "style":
        return False  # only nh3 reads styles (a table cell's text-align)
    if name == "id" and (value or "").startswith(RESERVED_ID):
        return False
    return name not in URL_ATTRIBUTES or safe_url(value or "")

"""Clean the HTML that contributors' Markdown bodies turn into, with an allowlist.

Markdown lets raw HTML through, and attribute lists (`{ onclick=... }`) add attributes to
anything. Every body is passed through nh3 (the Python binding of the Rust sanitizer ammonia):
it parses the HTML as a browser would (so entity-encoded and split-up `javascript:` URLs are
seen for what they are), keeps only the tags and attributes below, drops `<script>` and
`<style>` with their content, and keeps links to http(s), mailto and relative addresses only.
What stays is what Markdown, its tables, admonitions, details, code highlighting and heading
permalinks produce. Our own templates are rendered after this, from escaped values.
"""

from __future__ import annotations

import nh3

# What a body keeps; the check (bodycheck.py) warns at whatever else a body holds.
TAGS = nh3.ALLOWED_TAGS - {"acronym", "center", "strike", "tt", "map", "area"}
_EVERYWHERE = {"id", "class", "title", "lang", "dir"}
_ATTRIBUTES: dict[str, set[str]] = {
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
# Material's own elements have ids starting with "__" (the search toggle, the drawer): a body
# must not shadow them.
_RESERVED_ID = "__"


def _attribute(_tag: str, name: str, value: str) -> str | None:
    return None if name == "id" and value.startswith(_RESERVED_ID) else value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes=SCHEMES,
    filter_style_properties={"text-align"},  # Markdown tables align columns this way
    link_rel=None,
    strip_comments=True,
)


def clean(html: str) -> str:
    """The body HTML with everything outside the allowlist removed or neutralised."""
    return _CLEANER.clean(html) if html else html

"""The front matter of a hand-written page, made safe for a theme that prints it raw.

Builder-neutral: Material for MkDocs (and Zensical's copy of its templates) print some keys of a
page's front matter without escaping, in the page and in the nav of every page. The MkDocs face
escapes them as the page is read; the Zensical build as it copies the page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from markupsafe import escape

# The front matter keys Material's templates read (tests/test_hostile_meta.py checks this list
# against the installed Material's templates), and how each is made safe to print raw.
MATERIAL_META = {
    "title": "text",
    "description": "text",
    "subtitle": "text",
    "status": "text",
    "author": "text",
    "location": "text",
    "revision_date": "text",
    "git_revision_date_localized": "text",
    "git_creation_date_localized": "text",
    "hide": "text",
    "icon": "icon",
    "template": "template",
}
_ICON = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*(?:/[a-z0-9]+(?:[-_][a-z0-9]+)*)+")
_TEMPLATE = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.html")


def escape_material_meta(meta: dict[str, Any], src_uri: str, warn: Callable[[str], None]) -> None:
    """Text Material prints from a hand-written page's front matter, escaped (entities read as
    a browser reads them first); an icon or template that is not a plain name is dropped with
    a warning (they name files that Material includes)."""
    for key, kind in MATERIAL_META.items():
        if key not in meta:
            continue
        value = meta[key]
        if kind == "text":
            meta[key] = _escaped(value)
        elif not isinstance(value, str) or not (_ICON if kind == "icon" else _TEMPLATE).fullmatch(
            value
        ):
            del meta[key]
            warn(
                f"{src_uri}: the front matter key '{key}' must name a "
                + (
                    "Material icon, e.g. material/account-circle"
                    if kind == "icon"
                    else "template, e.g. main.html"
                )
                + "; it was left out"
            )


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return str(escape(html.unescape(value)))
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value

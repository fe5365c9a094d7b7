"""What printed pages carry that is not the item's own text: QR codes and CSS strings."""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

from markupsafe import Markup


def css_string(text: str) -> Markup:
    """A CSS string literal for any text, safe inside <style>: everything but letters, digits
    and spaces becomes a six-digit escape, so no quote, backslash or `</style>` survives."""
    return Markup(f'"{_CSS_UNSAFE.sub(_css_escape, str(text))}"')


_CSS_UNSAFE = re.compile(r"[^A-Za-z0-9 ]")


def _css_escape(found: re.Match[str]) -> str:
    return f"\\{ord(found.group()):06x}"


@lru_cache(maxsize=4096)
def qr_data_uri(url: str) -> str:
    """A QR code (segno) that opens url, as an SVG data URI for CSS `url()` and <img>."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=1.6, border=1, xmldecl=False, nl=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

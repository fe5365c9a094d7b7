"""What printed pages carry that is not the item's own text: QR codes and CSS strings."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from markupsafe import Markup

from ..core.cache import DiskCache


def css_string(text: str) -> Markup:
    """A CSS string literal for any text, safe inside <style>: everything but letters, digits
    and spaces becomes a six-digit escape, so no quote, backslash or `</style>` survives."""
    return Markup(f'"{_CSS_UNSAFE.sub(_css_escape, str(text))}"')


_CSS_UNSAFE = re.compile(r"[^A-Za-z0-9 ]")


def _css_escape(found: re.Match[str]) -> str:
    return f"\\{ord(found.group()):06x}"


def qr_data_uri(url: str, cache: DiskCache | None = None) -> str:
    """A QR code that opens url, as an SVG data URI for CSS `url()` and <img>: from the cache
    when an earlier build made it (segno takes about 5 ms a code, most of it choosing the mask
    that scans best; 10 s of a 2,000-item build), else made and kept there. An entry that is
    not an SVG as segno writes it (a path, nothing else) is made again, never published."""
    key = hashlib.sha256(f"qr\0{QR_MAKER}\0{url}".encode()).hexdigest()
    entry = cache.get(key) if cache is not None else None
    if entry is not None and _SEGNO_SVG.fullmatch(entry[0]):
        svg = entry[0]
    else:
        svg = _qr_svg(url)
        if cache is not None:
            cache.put(key, svg, {})
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@lru_cache(maxsize=4096)
def _qr_svg(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=1.6, border=1, xmldecl=False, nl=False
    )
    return buffer.getvalue()


def qr_cache_of(folder: Path | None, limit_mb: int) -> DiskCache:
    """The QR codes' cache inside a project's cache folder (see cache_folder), bounded by
    QR_LIMIT_MB; none on disk when `limit_mb` is 0."""
    return DiskCache.kind(folder, "qr", min(limit_mb, QR_LIMIT_MB))


QR_LIMIT_MB = 64  # about 2.5 KB a code: room for 20,000 items
QR_MAKER = f"segno {metadata.version('segno')}, error m, scale 1.6, border 1"  # in each key
_SEGNO_SVG = re.compile(
    rb'<svg xmlns="http://www\.w3\.org/2000/svg" width="[\d.]+" height="[\d.]+" class="segno">'
    rb'<path transform="scale\(1\.6\)" class="qrline" stroke="#000" d="[Mmhv\d .-]+"/></svg>'
)

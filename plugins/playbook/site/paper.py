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
    """A QR code that opens url, as a PNG data URI for CSS `url()` and <img>: black and white,
    QR_PIXELS pixels a module, with a quiet zone of one module (the page margin around it
    gives the rest); print.css sizes it, pixelated. From the cache when an earlier build
    made it (0.03 ms), else made (0.35 ms: zxing-cpp encodes it, error correction M, the
    smallest version that holds the address, the mask that scans best; Pillow writes it)
    and kept there: a warm build of 2,000 items makes 1,300 codes, a second of its time. An
    entry that does not decode as a square black-and-white image (0.05 ms to check) is made
    again, never published. A PNG, not an SVG: Chromium makes a document of every SVG image,
    which made a part's PDF cost a fifth more."""
    key = hashlib.sha256(f"qr\0{QR_MAKER}\0{url}".encode()).hexdigest()
    entry = cache.get(key) if cache is not None else None
    if entry is not None and is_qr_png(entry[0]):
        png = entry[0]
    else:
        png = _qr_png(url)
        if cache is not None:
            cache.put(key, png, {})
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=4096)
def _qr_png(url: str) -> bytes:
    import zxingcpp
    from PIL import Image, ImageOps

    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    height, width = modules.shape
    image = Image.frombytes("L", (width, height), modules.tobytes()).convert("1")
    image = ImageOps.expand(image, border=1, fill=1)  # a module of quiet zone, then scaled:
    # the same pixels as a code drawn at scale, in two thirds of the time (0.35 ms, not 0.5)
    image = image.resize((image.width * QR_PIXELS, image.height * QR_PIXELS), Image.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def is_qr_png(data: bytes) -> bool:
    """Whether `data` is a whole PNG of a square black-and-white image of whole modules."""
    from PIL import Image

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):  # Pillow reads other formats too
        return False
    try:
        with Image.open(io.BytesIO(data)) as image:
            # every chunk whole, its checksum right: WeasyPrint, once imported, tells Pillow
            # to load a cut-off image as if it were whole (ImageFile.LOAD_TRUNCATED_IMAGES)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            return image.mode == "1" and width == height and width % QR_PIXELS == 0
    except (OSError, ValueError, SyntaxError):  # cut off, or not an image Pillow reads
        return False


def qr_cache_of(folder: Path | None, limit_mb: int) -> DiskCache:
    """The QR codes' cache inside a project's cache folder (see cache_folder), bounded by
    QR_LIMIT_MB; none on disk when `limit_mb` is 0."""
    return DiskCache.kind(folder, "qr", min(limit_mb, QR_LIMIT_MB))


QR_PIXELS = 4  # a module's side: a code of 33 modules and its border is 140 pixels, 240 dpi
QR_LIMIT_MB = 16  # about 0.6 KB a code, its record included: room for 20,000 items
QR_MAKER = (  # in each key: a new encoder or writer makes the codes again
    f"zxing-cpp {metadata.version('zxing-cpp')}, pillow {metadata.version('pillow')}, "
    f"error M, {QR_PIXELS} pixels a module, border 1"
)

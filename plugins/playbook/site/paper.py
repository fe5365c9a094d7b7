"""What printed pages carry that is not the item's own text: QR codes and CSS strings."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import re
import shutil
import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from markupsafe import Markup

from ..core.cache import read_sealed_json, write_sealed_json
from ..core.library import page_url, source_files
from ..core.settings import Settings


def css_string(text: str) -> Markup:
    """A CSS string literal for any text, safe inside <style>: everything but letters, digits
    and spaces becomes a six-digit escape, so no quote, backslash or `</style>` survives."""
    return Markup(f'"{_CSS_UNSAFE.sub(_css_escape, str(text))}"')


_CSS_UNSAFE = re.compile(r"[^A-Za-z0-9 ]")


def _css_escape(found: re.Match[str]) -> str:
    return f"\\{ord(found.group()):06x}"


def printed_address(site_url: str | None, url: str) -> str:
    """A page's URL as printed on paper: absolute when the site's URL is known."""
    return (site_url.rstrip("/") + "/" if site_url else "/") + url


def item_addresses(settings: Settings, site_url: str | None) -> list[str]:
    """The addresses of the pages the files of the item folders make, known before the
    files are read: an item's page mirrors its file's path (see Item.url)."""
    root, prefix = settings.root, settings.docs_prefix
    return [
        printed_address(site_url, page_url(file.relative_to(root).as_posix().removeprefix(prefix)))
        for file, must in source_files(settings)
        if must and file.name.endswith(".md") and file.is_relative_to(root)
    ]


QR_PIXELS = 4  # a module's side: a code of 33 modules and its border is 140 pixels, 240 dpi
QR_LIMIT_MB = 16  # about 0.6 KB a code, its address included: room for 20,000 items


class QrCodes:
    """The QR codes on printed pages, by the address each opens, as the base64 of a PNG (see
    _qr_png): black and white, QR_PIXELS pixels a module, with a quiet zone of one module
    (the page margin around it gives the rest); print.css sizes it, pixelated. A PNG, not an
    SVG: Chromium makes a document of every SVG image, which made a part's PDF cost a fifth
    more.

    Kept between builds in one file of the project's cache folder, `qr-codes.json` (see
    read_sealed_json: a file that is not whole, or was made by another encoder or writer, is
    not used), holding the codes of one build: making one costs 0.35 ms, a build of 2,000
    items prints 2,000, and a file apiece added 0.2 ms to each code made and cost 0.11 ms a
    code to read back; the one file is read in 5 ms. A code in it that does not decode as a
    square black-and-white image of whole modules is made again, never published. The
    process that renders the item pages saves them (`save`): in a build, the second one
    (site/ahead.py)."""

    NAME = "qr-codes.json"
    MAKER = (  # in the header: a new encoder or writer makes the codes again
        f"zxing-cpp {metadata.version('zxing-cpp')}, pillow {metadata.version('pillow')}, "
        f"error M, {QR_PIXELS} pixels a module, border 1"
    )
    HEADER = f"playbook-qr-codes 1 {hashlib.sha256(MAKER.encode()).hexdigest()[:16]}"

    def __init__(self, folder: Path | None = None, limit_mb: int = 0) -> None:
        """The codes kept in a project's cache folder (see cache_folder); none on disk
        without a folder or when limit_mb is 0."""
        self.path = folder / self.NAME if folder is not None and limit_mb else None
        self.limit = min(limit_mb, QR_LIMIT_MB) * 2**20
        self.old: dict[str, object] | None = None  # the file's, read when first needed
        self.codes: dict[str, str] = {}  # this build's, found or made
        self.made = 0

    def data_uri(self, url: str) -> str:
        """The code that opens `url`, as a data URI for CSS `url()` and <img>."""
        if url not in self.codes:
            kept = self._kept(url)
            if kept is None:
                self.make([url])
            else:
                self.codes[url] = kept
        return "data:image/png;base64," + self.codes[url]

    def _kept(self, url: str) -> str | None:
        if self.old is None:
            self.old = read_sealed_json(self.path, self.HEADER, self.limit) if self.path else {}
        code = self.old.get(url)
        if not isinstance(code, str):
            return None
        try:
            png = base64.b64decode(code, validate=True)
        except ValueError:
            return None
        return code if is_qr_png(png) else None

    def make(self, urls: Iterable[str]) -> dict[str, str]:
        """The codes of `urls` this process does not hold yet, made (none read from the
        file): a first build's are made ahead of its pages (mkdocs/build.py's _codes_ahead)."""
        made = {}
        for url in urls:
            if url not in self.codes:
                made[url] = self.codes[url] = base64.b64encode(_qr_png(url)).decode("ascii")
        self.made += len(made)
        return made

    def add(self, made: dict[str, str]) -> None:
        """Codes another process made for this one (see make)."""
        self.codes.update(made)
        self.made += len(made)

    def save(self, addresses: set[str]) -> None:
        """Keep the codes of `addresses` (the pages of the library) for the next build: those
        this process printed, and those the file holds for pages it did not render (a
        preview's rebuild renders few); unless the file holds them already. A folder that
        cannot be written is said once, by the front matter's cache (core/cache.py): the
        codes are made again next time."""
        if self.path is None or not self.codes:
            return
        if self.old is None:
            self.old = read_sealed_json(self.path, self.HEADER, self.limit)
        found = {**self.old, **self.codes}
        kept = {u: c for u, c in found.items() if u in addresses and isinstance(c, str)}
        if not self.made and kept.keys() == self.old.keys():
            return
        with contextlib.suppress(OSError):
            write_sealed_json(self.path, self.HEADER, kept, self.limit)
            shutil.rmtree(self.path.parent / "qr", ignore_errors=True)  # a file a code, before


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
    """Whether `data` is a whole PNG of a square black-and-white image of whole modules: the
    PNG signature; first an IHDR of one bit a pixel, greyscale, not interlaced, square, a
    multiple of QR_PIXELS wide; every chunk's CRC right; image data that inflates to the
    rows of such an image, each with a filter type PNG has; IEND last, nothing after it.
    Read with zlib, not Pillow: Pillow took 0.07 ms a code (WeasyPrint, once imported, also
    tells it to load a cut-off image as if whole), which was most of what a build with the
    codes kept spent on them."""
    if not data.startswith(_SIGNATURE):
        return False
    position, header, image = len(_SIGNATURE), None, []
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 8 + length
        if end + 4 > len(data) or zlib.crc32(data[position + 4 : end]) != int.from_bytes(
            data[end : end + 4], "big"
        ):
            return False
        if header is None:
            if kind != b"IHDR" or length != 13:
                return False
            header = struct.unpack_from(">IIBBBBB", data, position + 8)
        elif kind == b"IDAT":
            image.append(data[position + 8 : end])
        elif kind == b"IEND":
            return end + 4 == len(data) and _black_and_white_square(header, b"".join(image))
        position = end + 4
    return False


_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _black_and_white_square(header: tuple[int, ...], compressed: bytes) -> bool:
    width, height, *kind = header  # bit depth, colour type, compression, filter, interlace
    if kind != [1, 0, 0, 0, 0] or width != height or not width or width % QR_PIXELS:
        return False
    try:
        rows = zlib.decompress(compressed)
    except zlib.error:
        return False
    stride = 1 + (width + 7) // 8  # a filter type, then a bit a pixel
    return len(rows) == height * stride and max(rows[::stride]) <= 4

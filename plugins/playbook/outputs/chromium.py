"""Chromium lays out the PDFs' documents, through Playwright: several at once, split after.

Laying out a document costs Chromium about 60 ms when it is printed on its own, most of it the
printing itself (a PDF written, its fonts embedded); printed together, two dozen documents
cost about 8 ms each (the headless shell, a sheet of 1.5 pages with its QR code as a PNG). So
the documents of a batch are printed as one: each in a block of its own that starts a page,
the blocks' first pages found in the PDF by a named destination each, and each document's
pages copied out into a PDF of its own with pikepdf. Every document, also one
printed alone, is laid out in that same block, so that a document's pages are the same
whichever batch it was printed in (tests/test_pdf_engines.py compares them).

The documents are the site model's (templates/playbook/pdf.html): a head with the paper size
and a body whose classes the block takes; their relative URLs are made absolute against the
document's own address, since the batch has one address of its own (about:blank). Chromium
runs headless, without JavaScript, and loads nothing but data: URLs and the files of the built
site under the site's address (served from site_dir by a route); what it may not load is
refused and reported with the document that asked for it.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

# where Debian, Ubuntu and Fedora put Chromium (or Chrome); else Playwright's own download.
# The headless shell first (Debian's chromium-headless-shell, the same engine without the
# browser around it): it starts in 0.47 s instead of 0.72, and a cold build of 2,000 items
# took 18.9 to 19.2 s with it, 19.1 to 21.3 s with the whole browser
EXECUTABLES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
ARGUMENTS = (
    "--no-sandbox",  # in containers and CI runners, where its sandbox cannot start
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
)

_HEAD = re.compile(r"<head>(.*?)</head>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_BODY = re.compile(r'<body(?: class="([^"]*)")?>(.*)</body>', re.S)
_URL = re.compile(r'(\s(?:href|src)=")([^"#][^"]*)"')


class ChromiumError(RuntimeError):
    """Chromium failed at its work: what it said."""


class ChromiumMissing(ChromiumError):
    """No Chromium to start: the reason."""


def executable() -> str | None:
    """The Chromium this machine has on its PATH, or None (Playwright's own, if installed)."""
    return next(filter(None, map(shutil.which, EXECUTABLES)), None)


def available() -> bool:
    """Whether there is a Chromium to start: on the PATH, or Playwright's own."""
    if executable() is not None:
        return True
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            return Path(playwright.chromium.executable_path).is_file()
    except Exception:  # noqa: BLE001  no driver, no browser: none to start
        return False


def identity() -> str:
    """Which Chromium lays out, for the cache keys: the executable and its size and time (a
    new Chromium lays out again), or Playwright's version, which fixes its own download's."""
    from importlib import metadata

    found = executable()
    if found is None:
        return f"playwright {metadata.version('playwright')}"
    path = Path(found).resolve()
    try:
        stat = path.stat()
    except OSError:  # not there: starting it fails, and says why
        return str(path)
    return f"{path} {stat.st_size} {stat.st_mtime_ns}"


def _launch() -> tuple[Any, Any]:
    """Playwright started and a headless browser launched in it; ChromiumMissing, with the
    reason, when none can be."""
    from playwright.sync_api import Error, sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    # Chromium makes a socket in TMPDIR, whose path must fit in 108 bytes; it stops (and
    # says so only in its own log) under a deep TMPDIR, as a test runner's may be
    temp = tempfile.gettempdir()
    env = {**os.environ, "TMPDIR": "/tmp"} if len(temp) > 50 and Path("/tmp").is_dir() else None
    try:
        return manager, playwright.chromium.launch(
            executable_path=executable(), args=list(ARGUMENTS), env=env
        )
    except Error as error:
        manager.__exit__(None, None, None)
        said = str(error).strip().splitlines()
        fatal = [line.split("] ", 1)[-1] for line in said if ":FATAL:" in line]
        raise ChromiumMissing((fatal or said or ["it did not start"])[0]) from None


class Chromium:
    """One headless browser and one page, printing documents of one site."""

    def __init__(self, site_dir: Path, base_url: str, stylesheets: Sequence[str]) -> None:
        self.root = site_dir.resolve()
        self.base = base_url
        self.links = "".join(f'<link rel="stylesheet" href="{base_url}{s}">' for s in stylesheets)
        self.mark = f"pb-{secrets.token_hex(6)}-"  # no document can use these ids
        self.refused: list[str] = []
        self._manager, self._browser = _launch()
        self.page = self._browser.new_context(java_script_enabled=False).new_page()
        self.page.route("**/*", self._load)

    def close(self) -> None:
        self._browser.close()
        self._manager.__exit__(None, None, None)

    def _load(self, route: Any) -> None:
        """Serve a file of the built site, and nothing else."""
        from .pdf import site_file

        found = site_file(self.root, self.base, route.request.url)
        if found is None:
            self.refused.append(route.request.url)
            route.abort()
        else:
            route.fulfill(body=found[0], content_type=found[1])

    def pdfs(self, documents: Sequence[tuple[str, str]], css: str) -> list[tuple[bytes, list[str]]]:
        """Each document (HTML, its address) printed, with the print stylesheets and `css`
        after them: its PDF and the URLs it was refused. Printed together; a batch in which
        something was refused is printed again one by one, to tell whose it was."""
        if not documents:
            return []
        self.refused = []
        printed = self._print(documents, css)
        if len(documents) > 1 and (self.refused or printed is None):
            return [self.pdfs([document], css)[0] for document in documents]
        if printed is None:
            raise ChromiumError(f"Chromium printed no page of {documents[0][1]}")
        return [(data, list(self.refused)) for data in printed]

    def _print(self, documents: Sequence[tuple[str, str]], css: str) -> list[bytes] | None:
        heads = {
            _TITLE.sub("", head[1]) if (head := _HEAD.search(html)) else "" for html, _ in documents
        }
        if len(heads) > 1:
            return None  # the paper size is the head's: a batch has one, so one by one
        blocks, links = [], []
        for n, (html, url) in enumerate(documents):
            body = _BODY.search(html)
            if body is None:
                raise ValueError(f"not a document of the site model: {url}")
            content = _URL.sub(lambda m, url=url: f'{m[1]}{urljoin(url, m[2])}"', body[2])
            blocks.append(
                f'<div id="{self.mark}{n}" class="{body[1] or ""}" '
                f'style="break-before: page; padding: 8px 0">{content}</div>'
            )
            links.append(f'<a href="#{self.mark}{n}"></a>')
        (head_html,) = heads
        batch = (
            f'<!doctype html><html lang="en"><head>{head_html}'
            f"{self.links}<style>{css}</style></head>"
            # the body's margin, as the user agent's is, on each document's block
            f'<body style="margin: 0 8px"><div style="display: none">{"".join(links)}</div>'
            f"{''.join(blocks)}</body></html>"
        )
        self.page.set_content(batch, wait_until="load")
        data = self.page.pdf(prefer_css_page_size=True, print_background=True)
        return self._split(data, len(documents))

    def _split(self, data: bytes, count: int) -> list[bytes] | None:
        """The batch's PDF cut at the first page of each document's block, which the named
        destination of its mark gives; None if a mark is missing or out of order."""
        import warnings

        import pikepdf

        from .pdf import save_pdf

        batch = pikepdf.open(io.BytesIO(data))
        # Chromium lists them in the catalog's /Dests (PDF 1.1); a name tree is PDF 1.2's way
        if "/Dests" in batch.Root:
            named: Any = {str(key)[1:]: value for key, value in batch.Root.Dests.items()}
        elif "/Names" in batch.Root and "/Dests" in batch.Root.Names:
            named = pikepdf.NameTree(batch.Root.Names.Dests)
        else:
            return None
        index = {page.obj.objgen: n for n, page in enumerate(batch.pages)}
        starts = []
        for n in range(count):
            mark = named.get(f"{self.mark}{n}")
            if mark is None:
                return None  # a document Chromium could not mark: printed one by one
            if isinstance(mark, pikepdf.Dictionary):
                mark = mark.D
            starts.append(index.get(mark[0].objgen, -1))
        ends = [*starts[1:], len(batch.pages)]
        if starts[0] != 0 or any(start >= end for start, end in zip(starts, ends, strict=True)):
            return None
        printed = []
        with warnings.catch_warnings():  # the marks' destinations stay behind, as they should
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            for start, end in zip(starts, ends, strict=True):
                part = pikepdf.new()
                part.pages.extend(batch.pages[start:end])
                printed.append(save_pdf(part))
        return printed

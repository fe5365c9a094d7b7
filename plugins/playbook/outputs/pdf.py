"""Paper: what printed pages carry, and PDFs through WeasyPrint. No MkDocs here.

Printed pages are laid out by one stylesheet (assets/print.css) for both the browser's print and
the PDFs. Each item page carries a small print style of its own: a named page whose margin boxes
print the title, the `updated` date, the page's URL and a QR code that opens it, so every sheet
can be traced back to the site, also when several items are printed together in a pack.

PDFs are rendered by WeasyPrint from the item's own article. Its URL fetcher reads files inside
the built site only: no network, no file:// outside it. Rendered documents are kept by content
hash, so a rebuild in `mkdocs serve` renders only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..core.library import Library
from ..core.types import ITEM_TYPES

PAPER_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class PdfJob:
    """One PDF to write: its path in the site and the items it holds, in order."""

    path: str
    title: str
    items: tuple[str, ...]


def pdf_jobs(library: Library) -> list[PdfJob]:
    jobs = []
    for item in library:
        name = ITEM_TYPES[item.type].pdf_name(item.id)
        if name is None:
            continue
        if item.type == "playbook":
            uses = tuple(i for i in getattr(item.meta, "uses", ()) if i in library.items)
            jobs.append(PdfJob(item.url + name, f"Workshop pack: {item.title}", (item.id, *uses)))
        else:
            jobs.append(PdfJob(item.url + name, item.title, (item.id,)))
    return jobs


def printed_ids(jobs: Iterable[PdfJob]) -> set[str]:
    return {item_id for job in jobs for item_id in job.items}


class OutsideSite(ValueError):
    """A PDF asked for a resource that is not a file of the built site."""


def site_fetcher(site_dir: Path, base_url: str, refused: list[str]):  # noqa: ANN201
    """A WeasyPrint URL fetcher that serves files of site_dir under base_url, data: URLs, and
    nothing else. What it refuses is appended to `refused`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = site_dir.resolve()
    base = urlsplit(base_url)

    class SiteFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            inside = (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and (
                parts.path.startswith(base.path)
            )
            if inside:
                relative = unquote(parts.path[len(base.path) :])
                if relative == "" or relative.endswith("/"):
                    relative += "index.html"
                target = (root / relative).resolve()
                if target.is_relative_to(root) and target.is_file():
                    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})
            refused.append(url)
            raise OutsideSite(f"{url} is not a file of the built site")

    return SiteFetcher(allowed_protocols=("data", base.scheme))


@dataclass
class PdfStats:
    rendered: int = 0
    reused: int = 0
    written: int = 0
    refused: dict[str, list[str]] = field(default_factory=dict)  # item id -> URLs refused


class PdfWriter:
    """Renders item documents with WeasyPrint and writes PDF jobs, reusing by content hash.

    Keep one writer for a whole `mkdocs serve` session: unchanged documents and PDFs are not
    rendered again. A document is the HTML of one item; a job joins documents page by page.
    """

    def __init__(self) -> None:
        self._documents: dict[str, object] = {}  # content key -> weasyprint Document
        self._pdfs: dict[tuple[str, ...], bytes] = {}  # document keys + title -> PDF bytes
        self._refused: dict[str, list[str]] = {}  # content key -> URLs its fetcher refused

    def write(
        self,
        site_dir: Path,
        base_url: str,
        documents: dict[str, tuple[str, str]],  # item id -> (html, its absolute page URL)
        jobs: Sequence[PdfJob],
        *,
        salt: str = "",
    ) -> PdfStats:
        """Write every job's PDF into site_dir. `salt` joins every key (e.g. the stylesheets'
        hash), so a change in the CSS renders everything again."""
        from weasyprint import HTML

        stats = PdfStats()
        keys = {
            item_id: hashlib.sha256(f"{salt}\0{url}\0{text}".encode()).hexdigest()
            for item_id, (text, url) in documents.items()
        }
        used_documents: dict[str, object] = {}
        used_pdfs: dict[tuple[str, ...], bytes] = {}

        def document(item_id: str) -> object:
            key = keys[item_id]
            found = used_documents.get(key) or self._documents.get(key)
            if found is None:
                text, url = documents[item_id]
                refused: list[str] = []
                found = HTML(
                    string=text,
                    base_url=url,
                    url_fetcher=site_fetcher(site_dir, base_url, refused),
                ).render()
                self._refused[key] = refused
                stats.rendered += 1
            else:
                stats.reused += 1
            used_documents[key] = found
            return found

        # WeasyPrint reports refused fetches through its logger, as warnings; we report them
        # ourselves with the item they belong to.
        weasy_log = logging.getLogger("weasyprint")
        previous_level = weasy_log.level
        weasy_log.setLevel(logging.ERROR)
        try:
            for job in jobs:
                pdf_key = (job.title, *(keys[i] for i in job.items))
                data = self._pdfs.get(pdf_key)
                if data is None:
                    rendered = [document(item_id) for item_id in job.items]
                    pages = [page for one in rendered for page in one.pages]
                    combined = rendered[0].copy(pages) if len(rendered) > 1 else rendered[0]
                    combined.metadata.title = job.title
                    data = combined.write_pdf()
                else:
                    stats.reused += len(job.items)
                    for item_id in job.items:
                        key = keys[item_id]
                        if key in self._documents:
                            used_documents[key] = self._documents[key]
                used_pdfs[pdf_key] = data
                target = site_dir / job.path
                if not target.resolve().is_relative_to(site_dir.resolve()):  # never elsewhere
                    raise OutsideSite(f"{job.path} is not a path inside the site")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                stats.written += 1
        finally:
            weasy_log.setLevel(previous_level)
        for item_id, key in keys.items():
            if self._refused.get(key):
                stats.refused[item_id] = self._refused[key]
        # keep only what this build used: a long serve session does not grow without bound
        self._documents = used_documents
        self._pdfs = used_pdfs
        self._refused = {key: self._refused[key] for key in used_documents if key in self._refused}
        return stats


PRINT_STYLES = ("playbook.css", "print.css")  # what pdf.html links


def write_pdfs(
    writer: PdfWriter,
    site: Path,
    base_url: str,
    documents: dict[str, tuple[str, str]],
    jobs: Sequence[PdfJob],
    paper_size: str,
) -> PdfStats:
    """Every job's PDF into the finished site; a change of the print styles or the paper
    renders everything again."""
    from importlib import resources

    assets = resources.files("playbook") / "assets"
    styles = hashlib.sha256(b"".join((assets / n).read_bytes() for n in PRINT_STYLES)).hexdigest()
    return writer.write(site, base_url, documents, jobs, salt=f"{styles}\0{paper_size}")

"""Paper: what printed pages carry, and PDFs through WeasyPrint. No MkDocs here.

Printed pages are laid out by one stylesheet (assets/print.css) for both the browser's print and
the PDFs. Each item page carries a small print style of its own: a named page whose margin boxes
print the title, the `updated` date, the page's URL and a QR code that opens it, so every sheet
can be traced back to the site, also when several items are printed together in a pack.

PDFs are rendered by WeasyPrint from the item's own article. Its URL fetcher reads files inside
the built site only: no network, no file:// outside it. Rendered PDFs are kept by content hash,
on disk between builds (PdfCache) and in memory across the rebuilds of `mkdocs serve`, so a
build renders only what changed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import mimetypes
import os
import sys
import tempfile
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..core.library import Library
from ..core.settings import Settings
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

    # every http(s) URL reaches fetch(), which refuses (and so reports) what is not the site
    return SiteFetcher(allowed_protocols=("data", "http", "https"))


@dataclass
class PdfStats:
    rendered: int = 0  # PDFs rendered by this build
    documents: int = 0  # item documents laid out for them (one is shared by several PDFs)
    reused: int = 0  # PDFs taken from the cache (memory or disk)
    written: int = 0
    workers: int = 1
    refused: dict[str, list[str]] = field(default_factory=dict)  # item id -> URLs refused


_CACHE_MAGIC = b"playbook-pdf-cache 1\n"


def cache_folder(settings: Settings, cache_dir: str, site_dir: Path) -> Path:
    """The project's cache folder (`cache_dir`): inside the project, never where the site is
    published from (docs_dir, site_dir), and not through a symbolic link; else ValueError,
    saying why and what to do."""
    root = settings.root
    folder = Path(os.path.abspath(root / cache_dir))
    published = (root / settings.docs_dir, Path(os.path.abspath(root / site_dir)))
    linked = [p for p in (folder, *folder.parents) if p.is_relative_to(root) and p.is_symlink()]
    reason = (
        "is outside the project"
        if not folder.is_relative_to(root) or folder == root
        else "is inside docs_dir or site_dir, which are published"
        if any(folder.is_relative_to(p) or p.is_relative_to(folder) for p in published)
        else f"goes through the symbolic link {linked[0]}"
        if linked
        else None
    )
    if reason:
        raise ValueError(
            f"the playbook plugin's cache_dir '{cache_dir}' {reason}: choose a folder of the "
            "project such as .cache/playbook, or set cache_limit_mb: 0"
        )
    return folder


def cache_of(folder: Path | None, limit_mb: int) -> PdfCache:
    """The PDF cache inside a project's cache folder (see cache_folder); none on disk when
    `limit_mb` is 0."""
    return PdfCache(folder / "pdf" if folder is not None and limit_mb else None, limit_mb * 2**20)


def report(
    stats: PdfStats, cache: PdfCache, library: Library, seconds: float
) -> tuple[list[str], str]:
    """What a build says after writing its PDFs, whichever builder made the site: warnings (a
    cache folder that cannot be written, what a PDF could not load) and one summary line."""
    warnings = [
        f"PDFs: the cache folder cannot be written ({cache.failed}), so every build renders "
        "every PDF again; make it writable, or set cache_limit_mb: 0"
    ] * bool(cache.failed)
    warnings += [
        f"{library.items[item_id].path}: its PDF may not load '{url}': PDFs read files of the "
        "built site only (link to a file inside the site, or leave it out)"
        for item_id, urls in stats.refused.items()
        for url in urls
    ]
    summary = (
        f"PDFs: {stats.written} written in {seconds:.1f} s ({stats.rendered} rendered from "
        f"{stats.documents} item documents in {stats.workers} "
        f"process{'' if stats.workers == 1 else 'es'}, {stats.reused} from the cache)"
    )
    return warnings, summary


class PdfCache:
    """Rendered PDFs on disk, by content key, so that a build reuses what an earlier one
    rendered (a CI job after each merge: one item changed, one item's PDFs to render).

    An entry is a header line, a JSON line (the PDF's SHA-256 and the URLs its fetcher
    refused, per item) and the PDF. An entry whose header, JSON or hash does not match is
    deleted and rendered again: a cut-off write, a foreign file or an edited one is never
    published. Entries are written to a temporary name and renamed, so a reader sees a whole
    entry or none. The folder is bounded: after each build the least recently used entries go
    until it holds at most `limit` bytes."""

    def __init__(self, folder: Path | None, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.failed: str | None = None  # why the folder cannot be used (then: no disk cache)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.pdfcache"

    def get(self, key: str) -> tuple[bytes, dict[str, list[str]]] | None:
        if self.folder is None or self.failed:
            return None
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            if not raw.startswith(_CACHE_MAGIC):
                raise ValueError("not an entry")
            line_end = raw.index(b"\n", len(_CACHE_MAGIC))
            meta = json.loads(raw[len(_CACHE_MAGIC) : line_end])
            data = raw[line_end + 1 :]
            if meta.get("sha256") != hashlib.sha256(data).hexdigest():
                raise ValueError("its content does not match its hash")
            refused = {str(k): [str(u) for u in v] for k, v in dict(meta["refused"]).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the folder is trimmed
        return data, refused

    def put(self, key: str, data: bytes, refused: dict[str, list[str]]) -> None:
        if self.folder is None or self.failed:
            return
        meta = json.dumps({"sha256": hashlib.sha256(data).hexdigest(), "refused": refused})
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(_CACHE_MAGIC + meta.encode() + b"\n" + data)
            os.replace(temporary, self._path(key))
        except OSError as error:
            self.failed = f"{self.folder}: {error.strerror or error}"

    def trim(self) -> None:
        """Delete the least recently used entries (and leftover partial writes) until the
        folder holds at most `limit` bytes."""
        if self.folder is None or self.failed or not self.folder.is_dir():
            return
        entries = []
        for path in self.folder.iterdir():
            with contextlib.suppress(OSError):
                if path.suffix == ".part" or not path.is_file() or path.is_symlink():
                    if path.suffix == ".part" and path.stat().st_mtime < time.time() - 3600:
                        path.unlink()
                    continue
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


@dataclass(frozen=True)
class _Task:
    """One PDF to render: its key, title and documents (document key, item id, HTML, page
    URL)."""

    key: str
    title: str
    documents: tuple[tuple[str, str, str, str], ...]  # (doc key, item id, html, url)


class _Renderer:
    """WeasyPrint with what every document shares parsed once: the fonts and the print
    stylesheets (passed as the documents' stylesheets rather than linked from each, which
    would parse them again for every document; the pages are byte for byte the same,
    tests/test_pdf_cache.py checks it)."""

    def __init__(self, site_dir: str, base_url: str) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.site_dir, self.base_url = Path(site_dir), base_url
        self.fonts = FontConfiguration()
        fetch = site_fetcher(self.site_dir, base_url, [])
        with _quiet():  # the screen rules WeasyPrint skips (sticky, overflow) are expected
            self.sheets = [
                CSS(url=f"{base_url}{STYLE_DIR}/{name}", url_fetcher=fetch, font_config=self.fonts)
                for name in PRINT_STYLES
            ]

    def render(self, tasks: Sequence[_Task]) -> list[tuple[str, bytes, dict[str, list[str]], int]]:
        """(key, PDF, refused URLs per item, documents laid out) for each task. A document
        shared by several tasks is laid out once, and kept only until its last task, or
        while it is among the KEPT_DOCUMENTS most recently used (a laid-out document holds
        every box of its pages: several hundred of them would not fit a worker's memory)."""
        from weasyprint import HTML

        uses = Counter(d[0] for task in tasks for d in task.documents)
        laid_out: OrderedDict[str, tuple[object, list[str]]] = OrderedDict()
        results = []
        with _quiet():  # refused fetches: reported by the build, with the item they are of
            for task in tasks:
                fresh = 0
                here: dict[str, tuple[object, list[str]]] = {}
                for doc_key, _item_id, text, url in task.documents:
                    found = laid_out.pop(doc_key, None) or here.get(doc_key)
                    if found is None:
                        refused: list[str] = []
                        found = (
                            HTML(
                                string=text,
                                base_url=url,
                                url_fetcher=site_fetcher(self.site_dir, self.base_url, refused),
                            ).render(stylesheets=self.sheets, font_config=self.fonts),
                            refused,
                        )
                        fresh += 1
                    here[doc_key] = found
                rendered = [here[d[0]][0] for d in task.documents]
                pages = [page for one in rendered for page in one.pages]  # type: ignore[attr-defined]
                combined = rendered[0].copy(pages) if len(rendered) > 1 else rendered[0]  # type: ignore[attr-defined]
                combined.metadata.title = task.title  # type: ignore[attr-defined]
                data = combined.write_pdf()  # type: ignore[attr-defined]
                # after writing: WeasyPrint may fetch an image only when it draws it
                refused_by_item = {
                    item_id: here[doc_key][1]
                    for doc_key, item_id, _text, _url in task.documents
                    if here[doc_key][1]
                }
                results.append((task.key, data, refused_by_item, fresh))
                for doc_key, _item_id, _text, _url in task.documents:
                    uses[doc_key] -= 1
                for doc_key, found in here.items():
                    if uses[doc_key] > 0:
                        laid_out[doc_key] = found  # most recently used last
                while len(laid_out) > KEPT_DOCUMENTS:
                    laid_out.popitem(last=False)
        return results


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """WeasyPrint's warnings off: what matters of them the build reports itself."""
    weasy_log = logging.getLogger("weasyprint")
    previous_level = weasy_log.level
    weasy_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        weasy_log.setLevel(previous_level)


_WORKER: _Renderer | None = None  # in a worker process: its renderer, for the whole build


def _start_worker(site_dir: str, base_url: str) -> None:
    global _WORKER
    # What the worker inherited from the build (the whole library, every page) is never
    # garbage here: frozen, the collector does not walk it (at 10,000 items each full
    # collection would) nor touch its pages, which stay shared with the build.
    gc.freeze()
    _WORKER = _Renderer(site_dir, base_url)


def _work(tasks: Sequence[_Task]) -> list[tuple[str, bytes, dict[str, list[str]], int]]:
    assert _WORKER is not None
    return _WORKER.render(tasks)


def _chunks(tasks: list[_Task], count: int) -> list[list[_Task]]:
    """Tasks in `count` chunks of about equal work, a task placed with the tasks that share
    most of its documents (a template and the packs holding it), so that a document is laid
    out in as few workers as possible."""
    total = sum(len(t.documents) for t in tasks)
    budget = total / count * 1.15 + 1
    chunks: list[list[_Task]] = [[] for _ in range(count)]
    held: list[set[str]] = [set() for _ in range(count)]
    work = [0] * count
    for task in sorted(tasks, key=lambda t: -len(t.documents)):
        keys = {d[0] for d in task.documents}

        def fit(i: int, keys: set[str] = keys) -> tuple[int, int]:
            new = len(keys - held[i])
            return (new if work[i] + new <= budget else total + work[i], work[i])

        best = min(range(count), key=fit)
        chunks[best].append(task)
        work[best] += len(keys - held[best])
        held[best] |= keys
    return [_in_order(c) for c in chunks if c]


def _in_order(chunk: list[_Task]) -> list[_Task]:
    """A chunk's tasks in an order that keeps few laid-out documents alive: packs sorted by
    the documents they share, each one-document PDF right after the last pack that holds
    its document (or first, if none does)."""
    packs = sorted(
        (t for t in chunk if len(t.documents) > 1),
        key=lambda t: sorted(d[0] for d in t.documents[1:]),
    )
    last = {d[0]: i for i, task in enumerate(packs) for d in task.documents}
    ordered = [t for t in chunk if len(t.documents) == 1 and t.documents[0][0] not in last]
    after: dict[int, list[_Task]] = {}
    for task in chunk:
        if len(task.documents) == 1 and task.documents[0][0] in last:
            after.setdefault(last[task.documents[0][0]], []).append(task)
    for i, task in enumerate(packs):
        ordered += [task, *after.get(i, ())]
    return ordered


def worker_count(wanted: int = 0) -> int:
    """`wanted`, or 0 for every core this process may run on. Workers are forked, which is
    safe on Linux only (macOS's system libraries, under Pango there, may not survive a fork):
    elsewhere PDFs render in the build's own process."""
    if sys.platform != "linux":
        return 1
    return wanted or len(os.sched_getaffinity(0))


class PdfWriter:
    """Writes PDF jobs into the site, rendering only what neither its memory (a `mkdocs
    serve` session) nor the disk cache holds, on several cores when there is enough to do."""

    def __init__(self) -> None:
        self._memory: dict[str, tuple[bytes, dict[str, list[str]]]] = {}

    def write(
        self,
        site_dir: Path,
        base_url: str,
        documents: dict[str, tuple[str, str]],  # item id -> (html, its absolute page URL)
        jobs: Sequence[PdfJob],
        *,
        salt: str = "",
        cache: PdfCache | None = None,
        workers: int = 1,
    ) -> PdfStats:
        """Write every job's PDF into site_dir. `salt` joins every key (the stylesheets, the
        paper, WeasyPrint's version), so that a change in any renders everything again."""
        cache = cache or PdfCache(None, 0)
        stats = PdfStats()
        doc_keys = {
            item_id: hashlib.sha256(f"{salt}\0{url}\0{text}".encode()).hexdigest()
            for item_id, (text, url) in documents.items()
        }
        found: dict[str, tuple[bytes, dict[str, list[str]]]] = {}
        tasks: dict[str, _Task] = {}
        job_keys = []
        for job in jobs:
            key = hashlib.sha256(
                "\0".join((salt, job.title, *(doc_keys[i] for i in job.items))).encode()
            ).hexdigest()
            job_keys.append(key)
            if key in found or key in tasks:
                continue
            entry = self._memory.get(key) or cache.get(key)
            if entry is not None:
                found[key] = entry
                stats.reused += 1
                continue
            tasks[key] = _Task(
                key,
                job.title,
                tuple((doc_keys[i], i, *documents[i]) for i in job.items),
            )
        for key, data, refused, fresh in self._render(
            site_dir, base_url, list(tasks.values()), workers, stats
        ):
            found[key] = (data, refused)
            cache.put(key, data, refused)
            stats.rendered += 1
            stats.documents += fresh
        root = site_dir.resolve()
        for job, key in zip(jobs, job_keys, strict=True):
            data, refused = found[key]
            target = site_dir / job.path
            if not target.resolve().is_relative_to(root):  # never elsewhere
                raise OutsideSite(f"{job.path} is not a path inside the site")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            stats.written += 1
            for item_id, urls in refused.items():
                stats.refused.setdefault(item_id, urls)
        self._memory = found  # what this build used: a long serve session stays bounded
        cache.trim()
        return stats

    @staticmethod
    def _render(
        site_dir: Path, base_url: str, tasks: list[_Task], workers: int, stats: PdfStats
    ) -> Iterable[tuple[str, bytes, dict[str, list[str]], int]]:
        """Render in this process when there is little to do (a preview's edit), else in a
        pool of worker processes, each parsing fonts and stylesheets once for all its tasks."""
        documents = len({d[0] for t in tasks for d in t.documents})
        workers = min(workers, max(1, documents // MIN_DOCUMENTS_PER_WORKER))
        stats.workers = workers
        if workers <= 1:
            if tasks:
                yield from _Renderer(str(site_dir), base_url).render(tasks)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # fork: a worker starts in milliseconds, shares this process's memory until it writes
        # to it, and does not import the host's main module again, as spawn and forkserver
        # do (a build script without a __main__ guard would run again in every worker)
        context = multiprocessing.get_context("fork")
        import weasyprint  # noqa: F401  imported once, here, not by each worker after the fork

        try:
            with ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(str(site_dir), base_url),
            ) as pool:
                for results in pool.map(_work, _chunks(tasks, workers)):
                    yield from results
        except BrokenProcessPool as error:
            raise PdfError(
                "a process rendering PDFs stopped before it finished (out of memory?); "
                "set pdf_workers: 1 in the playbook plugin's options to render in one process"
            ) from error


class PdfError(RuntimeError):
    """Rendering PDFs failed for a reason outside the library (the machine)."""


# Below this many documents per extra worker, starting one costs more than it saves. Each
# worker gets one chunk: balanced by document count, a chunk per worker lays out the fewest
# documents twice (at 2,000 items: 790 documents for 700 unique ones in 2 chunks, 897 in 6).
MIN_DOCUMENTS_PER_WORKER = 4
KEPT_DOCUMENTS = 256  # laid-out documents a renderer keeps for later tasks (about 0.5 MiB each)


STYLE_DIR = "assets/playbook"
PRINT_STYLES = ("playbook.css", "print.css")  # every document's stylesheets, in this order


def write_pdfs(
    writer: PdfWriter,
    site: Path,
    base_url: str,
    documents: dict[str, tuple[str, str]],
    jobs: Sequence[PdfJob],
    paper_size: str,
    *,
    cache: PdfCache | None = None,
    workers: int = 1,
) -> PdfStats:
    """Every job's PDF into the finished site; a change of the print styles, the paper or
    WeasyPrint renders everything again."""
    from importlib import metadata, resources

    assets = resources.files("playbook") / "assets"
    styles = hashlib.sha256(b"".join((assets / n).read_bytes() for n in PRINT_STYLES)).hexdigest()
    salt = f"{styles}\0{paper_size}\0{metadata.version('weasyprint')}"
    return writer.write(site, base_url, documents, jobs, salt=salt, cache=cache, workers=workers)

"""Paper: what printed pages carry, and PDFs through Chromium or WeasyPrint. No MkDocs here.

Printed pages are laid out by one stylesheet (assets/print.css) for both the browser's print and
the PDFs. Each item page carries a small print style of its own: a named page whose margin boxes
print the title, the `updated` date, the page's URL and a QR code that opens it, so every sheet
can be traced back to the site, also when several items are printed together in a pack.

A PDF is put together from parts, each an HTML document laid out on its own: an item's sheet
(its article), a template's facilitator notes, a playbook's run sheet. A part is laid out once
for every PDF that holds it (a template's sheet is its own PDF and a page of each pack that
uses it), and pikepdf puts the parts together after: a pack's cover, laid out last with the
page each part starts on, then the parts, then the page numbers drawn over every page but the
cover's. The engine (see engine_of) is Chromium, which prints a chunk of parts as one document
(outputs/chromium.py), or WeasyPrint, one at a time. Either reads files inside the built site
only: no network, no file:// outside it. Parts and PDFs are kept by content hash, on disk
between builds (DiskCache) and in memory across the rebuilds of `mkdocs serve`, so a build
lays out and puts together only what changed.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import logging
import mimetypes
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from ..core.cache import DiskCache
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


def site_file(root: Path, base_url: str, url: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the file of the built site (resolved folder `root`,
    published at `base_url`) that `url` names, or None if it names none: another host, a
    path outside the site, a folder without index.html. Both engines load through it."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not parts.path.startswith(base.path):
        return None
    relative = unquote(parts.path[len(base.path) :])
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    target = (root / relative).resolve()
    if not (target.is_relative_to(root) and target.is_file()):
        return None
    return target.read_bytes(), mimetypes.guess_type(target.name)[0] or "application/octet-stream"


def site_fetcher(site_dir: Path, base_url: str, refused: list[str]):  # noqa: ANN201
    """A WeasyPrint URL fetcher that serves files of site_dir under base_url, data: URLs, and
    nothing else. What it refuses is appended to `refused`."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = site_dir.resolve()

    class SiteFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if urlsplit(url).scheme == "data":
                return super().fetch(url, headers)
            found = site_file(root, base_url, url)
            if found is not None:
                return URLFetcherResponse(url, found[0], {"Content-Type": found[1]})
            refused.append(url)
            raise OutsideSite(f"{url} is not a file of the built site")

    # every http(s) URL reaches fetch(), which refuses (and so reports) what is not the site
    return SiteFetcher(allowed_protocols=("data", "http", "https"))


@dataclass
class PdfStats:
    rendered: int = 0  # PDFs put together by this build
    reused: int = 0  # PDFs taken from the cache (memory or disk)
    laid_out: int = 0  # parts (HTML documents) laid out by this build
    written: int = 0
    workers: int = 1
    refused: dict[str, list[str]] = field(default_factory=dict)  # item id -> URLs refused
    slow_fonts: bool = False  # fonts subset by fontTools (see subsets_fonts_slowly)
    engine_note: str = ""  # why not Chromium, when "auto" could not have it


def cache_of(folder: Path | None, limit_mb: int) -> DiskCache:
    """The PDF cache inside a project's cache folder (see cache_folder); none on disk when
    `limit_mb` is 0."""
    return DiskCache.kind(folder, "pdf", limit_mb)


def report(
    stats: PdfStats, cache: DiskCache, library: Library, seconds: float
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
        f"PDFs: {stats.written} written in {seconds:.1f} s ({stats.rendered} rendered in "
        f"{stats.workers} process{'' if stats.workers == 1 else 'es'}, {stats.reused} from the "
        f"cache; {stats.laid_out} part{'' if stats.laid_out == 1 else 's'} laid out)"
    )
    if stats.engine_note and stats.laid_out:  # not a warning either: the PDFs are right
        summary += f". {stats.engine_note}"
    if stats.slow_fonts:  # not a warning: the PDFs are right, so --strict must not fail
        summary += (
            ". WeasyPrint subset their fonts with fontTools, which took most of that time: "
            "install HarfBuzz's subsetter (Debian and Ubuntu: libharfbuzz-subset0) for PDFs "
            "made about three times as fast"
        )
    return warnings, summary


class Progress:
    """Says how far a long PDF stage has come, at most once every PROGRESS_EVERY seconds (a
    cold build of 2,000 items lays out parts for about 25 s, of 10,000 for nearly three
    minutes): `say` takes the line. A stage shorter than that says nothing but its summary."""

    def __init__(self, say: Callable[[str], object]) -> None:
        self.say = say
        self.started = self.last = time.monotonic()

    def __call__(self, stats: PdfStats, parts: int, pdfs: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        self.say(
            f"PDFs: {stats.laid_out:,} of {parts:,} parts laid out, {stats.rendered:,} of "
            f"{pdfs:,} PDFs put together, {stats.reused:,} from the cache "
            f"({now - self.started:.0f} s so far)"
        )


PROGRESS_EVERY = 15.0  # seconds between two lines of Progress


def subsets_fonts_slowly() -> bool:
    """Whether WeasyPrint subsets the fonts it embeds with fontTools: it does when HarfBuzz's
    subsetter (a C library, Debian's libharfbuzz-subset0) cannot be loaded, and in pure Python
    the subsetting then takes 0.26 s of every part's 0.35 s (0.03 s with HarfBuzz). Told by
    WeasyPrint's own warning when it writes a one-word PDF."""
    from weasyprint import HTML

    said: list[str] = []

    class Listen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())

    weasy_log, listen = logging.getLogger("weasyprint"), Listen()
    level, propagate = weasy_log.level, weasy_log.propagate
    weasy_log.setLevel(logging.WARNING)
    weasy_log.propagate = False  # heard here only: the build reports it, once
    weasy_log.addHandler(listen)
    try:
        HTML(string="<p>x</p>").write_pdf()
    finally:
        weasy_log.removeHandler(listen)
        weasy_log.setLevel(level)
        weasy_log.propagate = propagate
    return any("fontTools" in message for message in said)


@dataclass(frozen=True)
class _Task:
    """One part to lay out: its key, HTML document, base URL, and the item its refused URLs
    are reported under."""

    key: str
    html: str
    url: str
    item_id: str


class _Part(NamedTuple):
    """A laid-out part as a PDF put together takes it: its outline label, key and size, and
    its PDF, or b"" when it is to be read from the disk cache, where the build put it: the
    build does not hold every part it laid out until the PDFs are put together."""

    label: str
    key: str
    size: int
    data: bytes


@dataclass(frozen=True)
class _Assembly:
    """One PDF to put together from laid-out parts: its key and title; the cover (HTML with
    page marks, or None) and the cover's base URL and item; its parts."""

    key: str
    title: str
    cover: str | None
    cover_url: str
    item_id: str
    parts: tuple[_Part, ...]


Result = tuple[str, bytes, dict[str, list[str]]]  # key, PDF, refused URLs by item
PAGE_MARK = re.compile(r"<!--pb-page:(\d+)-->")  # on a cover: where part N's first page goes
# The page numbers ("3 / 12", print.css's top right) are drawn on the PDF put together, not
# by each part, so that a part is laid out once for every PDF that holds it.
UNNUMBERED = "@media print { @page { @top-right { content: none; } } }"


def _digest(salt: str, *values: str) -> str:
    """A cache key: what an entry is made of, under the salt of the stylesheets and
    versions that make it."""
    return hashlib.sha256("\0".join((salt, *values)).encode()).hexdigest()


class _WeasyPrint:
    """WeasyPrint with what every document shares parsed once: the fonts and the print
    stylesheets (passed as the documents' stylesheets rather than linked from each, which
    would parse them again for every document; the pages are byte for byte the same,
    tests/test_pdf_cache.py checks it). It lays out one document at a time."""

    def __init__(self, site_dir: Path, base_url: str) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.site_dir, self.base_url = site_dir, base_url
        self.fonts = FontConfiguration()
        fetch = site_fetcher(site_dir, base_url, [])
        with _quiet():  # the screen rules WeasyPrint skips (sticky, overflow) are expected
            self.print_sheets = [
                CSS(url=f"{base_url}{STYLE_DIR}/{name}", url_fetcher=fetch, font_config=self.fonts)
                for name in PRINT_STYLES
            ]
        self._css: dict[str, Any] = {}

    def pdfs(self, documents: Sequence[tuple[str, str]], css: str) -> list[tuple[bytes, list[str]]]:
        from weasyprint import CSS, HTML

        if css not in self._css:
            self._css[css] = CSS(string=css, font_config=self.fonts)
        sheets = [*self.print_sheets, self._css[css]]
        results = []
        for html, url in documents:
            refused: list[str] = []
            fetcher = site_fetcher(self.site_dir, self.base_url, refused)
            with _quiet():  # refused fetches: reported by the build, with the item they are of
                document = HTML(string=html, base_url=url, url_fetcher=fetcher)
                data = document.render(stylesheets=sheets, font_config=self.fonts).write_pdf()
            # after writing: WeasyPrint may fetch an image only when it draws it
            results.append((data, refused))
        return results

    def close(self) -> None:
        pass


class _Renderer:
    """Lays out parts with an engine (Chromium or WeasyPrint, see `engine_of`); pikepdf puts
    the laid-out parts together. A pack's cover and the page numbers drawn over a PDF are
    kept in the disk cache (`cache`, keys under `salt`) like the parts: an edit that leaves a
    pack's page counts as they were lays out neither again."""

    def __init__(
        self, site_dir: str, base_url: str, cache: DiskCache, salt: str, engine: str
    ) -> None:
        self.site_dir, self.base_url = Path(site_dir), base_url
        self.cache, self.salt = cache, salt
        if engine == "chromium":
            from .chromium import Chromium, ChromiumMissing

            styles = [f"{STYLE_DIR}/{name}" for name in PRINT_STYLES]
            try:
                self.engine: Any = Chromium(self.site_dir, base_url, styles)
            except ChromiumMissing as error:
                raise PdfError(f"Chromium did not start: {error}") from None
        else:
            self.engine = _WeasyPrint(self.site_dir, base_url)
        self._numbers: dict[tuple[tuple[float, float], ...], bytes] = {}

    def close(self) -> None:
        self.engine.close()

    def _layout(
        self, documents: Sequence[tuple[str, str]], css: str = UNNUMBERED
    ) -> list[tuple[bytes, list[str]]]:
        """Documents laid out with the print stylesheets and `css`; by default as parts are,
        their page numbers left to the PDF they go in."""
        from .chromium import ChromiumError

        try:
            return self.engine.pdfs(documents, css)
        except ChromiumError as error:
            raise PdfError(str(error)) from None

    def render(self, tasks: Sequence[_Task]) -> list[Result]:
        laid_out = self._layout([(task.html, task.url) for task in tasks])
        return [
            (task.key, data, {task.item_id: refused} if refused else {})
            for task, (data, refused) in zip(tasks, laid_out, strict=True)
        ]

    def assemble(self, assemblies: Sequence[_Assembly]) -> list[Result]:
        """Each PDF from its parts: the cover laid out with the page each part starts on, the
        parts after it (each under its label in the PDF's outline, when there is a cover),
        and every page but the cover's numbered "n / total"."""
        import pikepdf

        @functools.cache
        def opened(data: bytes) -> Any:
            """A PDF of the chunk, opened once: a template's sheet is in its own PDF and in
            each pack that uses it, every PDF of some length has the same page numbers, and
            a cover is counted, then put in: 0.3 ms an opening saved each time."""
            return pikepdf.open(io.BytesIO(data))

        @functools.cache
        def stored(key: str) -> bytes:
            found = self.cache.get(key)
            if found is None:
                raise PdfError(
                    f"a part laid out by this build is no longer in the cache folder "
                    f"{self.cache.folder} (deleted during the build?): build again"
                )
            return found[0]

        parts = [
            [opened(part.data or stored(part.key)) for part in job.parts] for job in assemblies
        ]
        with_cover = [n for n, job in enumerate(assemblies) if job.cover is not None]
        covers = dict(
            zip(
                with_cover,
                self._covers(
                    [assemblies[n] for n in with_cover],
                    [[len(part.pages) for part in parts[n]] for n in with_cover],
                    opened,
                ),
                strict=True,
            )
        )
        return [
            self._assemble(job, parts[n], covers.get(n), opened) for n, job in enumerate(assemblies)
        ]

    def _assemble(
        self,
        job: _Assembly,
        parts: Sequence[Any],
        cover: tuple[bytes, list[str]] | None,
        opened: Callable[[bytes], Any],
    ) -> Result:
        import warnings

        import pikepdf

        out = pikepdf.new()
        refused = cover[1] if cover is not None else []
        if cover is not None:
            out.pages.extend(opened(cover[0]).pages)
        cover_pages = len(out.pages)
        starts = []
        with warnings.catch_warnings():  # a link to a footnote inside a part is lost: minor
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            for part in parts:
                starts.append(len(out.pages))
                out.pages.extend(part.pages)
        if cover is not None:
            with out.open_outline() as outline:
                outline.root.append(pikepdf.OutlineItem("Cover and contents", 0))
                outline.root.extend(
                    pikepdf.OutlineItem(part.label, start)
                    for part, start in zip(job.parts, starts, strict=True)
                )
        sizes = tuple(
            (float(box.width), float(box.height))
            for box in (pikepdf.Rectangle(page.mediabox) for page in out.pages)
        )
        numbers = opened(self._page_numbers(sizes))
        for page, number in zip(out.pages[cover_pages:], numbers.pages[cover_pages:], strict=True):
            _stamp(page, number)
        out.docinfo["/Title"] = job.title
        return job.key, save_pdf(out), {job.item_id: refused} if refused else {}

    def _covers(
        self,
        jobs: Sequence[_Assembly],
        counts: Sequence[Sequence[int]],
        opened: Callable[[bytes], Any],
    ) -> list[tuple[bytes, list[str]]]:
        """Each job's cover, laid out with the pages its parts (of `counts` pages each) start
        on, which follow the cover's own pages, and what it was refused. Laid out together
        (the engine may print them as one), assuming a cover of one page; again, together,
        those whose number of pages changed the numbers. From the cache when the same cover
        was laid out for the same page counts."""
        keys = [
            _digest(self.salt, "cover", job.cover or "", job.cover_url, repr(list(count)))
            for job, count in zip(jobs, counts, strict=True)
        ]
        done: dict[int, tuple[bytes, list[str]]] = {}
        for n, key in enumerate(keys):
            found = self.cache.get(key)
            if found is not None:
                done[n] = (found[0], found[1].get(jobs[n].item_id, []))
        lengths = {n: 1 for n in range(len(jobs)) if n not in done}
        for _attempt in range(3):
            if not lengths:
                break
            order = list(lengths)
            filled = []
            for n in order:
                first = [lengths[n] + 1 + sum(counts[n][:k]) for k in range(len(counts[n]))]
                marks = functools.partial(_start, [str(page) for page in first])
                filled.append((PAGE_MARK.sub(marks, jobs[n].cover or ""), jobs[n].cover_url))
            for n, (data, refused) in zip(order, self._layout(filled), strict=True):
                done[n] = (data, refused)
                length = len(opened(data).pages)
                if length == lengths[n]:
                    del lengths[n]
                    self.cache.put(keys[n], data, {jobs[n].item_id: refused} if refused else {})
                else:
                    lengths[n] = length
        return [done[n] for n in range(len(jobs))]

    def _page_numbers(self, sizes: tuple[tuple[float, float], ...]) -> bytes:
        """Pages of the given sizes (in points) that carry nothing but their number, laid out
        by the print stylesheets (whose @page puts it at the top right): drawn over the pages
        of a PDF put together. Kept for the build, and in the cache: most PDFs share a few
        page counts."""
        if sizes in self._numbers:
            return self._numbers[sizes]
        key = _digest(self.salt, "page numbers", repr(sizes))
        found = self.cache.get(key)
        if found is not None:
            self._numbers[sizes] = found[0]
            return found[0]
        kinds = sorted(set(sizes))
        style = "".join(
            f"@page s{n} {{ size: {w}pt {h}pt; }} .s{n} {{ page: s{n}; }}"
            for n, (w, h) in enumerate(kinds)
        )
        breaks = ["", ' style="break-before: page"']  # a page each: none before the first
        pages = "".join(
            f'<div class="s{kinds.index(size)}"{breaks[bool(n)]}></div>'
            for n, size in enumerate(sizes)
        )
        # the page's own content shows through: print.css paints the body white
        clear = "html, body { background: transparent !important; }"
        html = f"<!doctype html><html><head></head><body>{pages}</body></html>"
        sized = f"@media print {{ {style} {clear} }}"
        ((data, _refused),) = self._layout([(html, self.base_url)], sized)
        self.cache.put(key, data, {})
        self._numbers[sizes] = data
        return data


def _start(starts: list[str], found: re.Match[str]) -> str:
    return starts[int(found[1]) - 1]


def _stamp(page: Any, number: Any) -> None:
    """Draw the page `number` (of another PDF) over `page`, as pikepdf's add_overlay does,
    under a fixed name: add_overlay names it at random, and a PDF must be the same bytes
    however often it is made."""
    import pikepdf

    form = number.as_form_xobject()
    name = page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name("/PbPageNumber"))
    placed = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)  # the page's own graphics state, closed
    page.contents_add(b"Q\n" + placed, prepend=False)


def save_pdf(document: Any) -> bytes:
    """A pikepdf document's bytes: compressed, and the same bytes for the same document."""
    import pikepdf

    out = io.BytesIO()
    document.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


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
_WORKER_FAILED = ""  # or why it has none: said by the first task it is given


def _start_worker(site_dir: str, base_url: str, cache: DiskCache, salt: str, engine: str) -> None:
    global _WORKER, _WORKER_FAILED
    # What the worker inherited from the build (the whole library, every page) is never
    # garbage here: frozen, the collector does not walk it (at 10,000 items each full
    # collection would) nor touch its pages, which stay shared with the build.
    gc.freeze()
    from multiprocessing.util import Finalize

    try:
        _WORKER = _Renderer(site_dir, base_url, cache, salt, engine)
    except PdfError as error:
        _WORKER_FAILED = str(error)
        return
    # a worker ends with os._exit, which runs no atexit hook: this closes its browser
    Finalize(_WORKER, _WORKER.close, exitpriority=10)


def _work(tasks: Sequence[_Task | _Assembly]) -> list[Result]:
    if _WORKER is None:
        raise PdfError(_WORKER_FAILED or "no renderer in this worker")
    return _run(_WORKER, tasks)


def _run(renderer: _Renderer, tasks: Sequence[_Task | _Assembly]) -> list[Result]:
    parts = [t for t in tasks if isinstance(t, _Task)]
    return renderer.render(parts) + renderer.assemble(
        [t for t in tasks if isinstance(t, _Assembly)]
    )


def _size(task: _Task | _Assembly) -> int:
    """A task's work, roughly: the length of what it lays out."""
    if isinstance(task, _Task):
        return len(task.html)
    return len(task.cover or "") + sum(part.size for part in task.parts) // 8


def _chunks(tasks: Sequence[_Task | _Assembly], count: int) -> list[list[_Task | _Assembly]]:
    """Tasks in `count` chunks of about equal work: the largest first, each to the chunk
    with least so far. The same tasks make the same chunks in whatever order they come:
    Chromium prints a chunk's parts as one document, and a part's bytes (not its pages)
    depend on what it was printed with."""
    chunks: list[list[_Task | _Assembly]] = [[] for _ in range(count)]
    work = [0] * count
    for task in sorted(tasks, key=lambda t: (-_size(t), t.key)):
        least = work.index(min(work))
        chunks[least].append(task)
        work[least] += _size(task)
    return [c for c in chunks if c]


def worker_count(wanted: int = 0) -> int:
    """`wanted`, or 0 for every core this process may run on. Workers are forked, which is
    safe on Linux only (macOS's system libraries, under Pango there, may not survive a fork):
    elsewhere PDFs render in the build's own process."""
    if sys.platform != "linux":
        return 1
    return wanted or len(os.sched_getaffinity(0))


class PdfWriter:
    """Writes PDF jobs into the site, laying out only the parts that neither its memory (a
    `mkdocs serve` session) nor the disk cache holds, and putting together only the PDFs
    neither holds, on several cores when there is enough to do."""

    def __init__(self) -> None:
        self._memory: dict[str, tuple[bytes, dict[str, list[str]]]] = {}

    def write(
        self,
        site_dir: Path,
        base_url: str,
        compose: Callable[[tuple[str, ...]], Any],  # a job's items -> cover, cover URL, parts
        jobs: Sequence[PdfJob],
        *,
        salt: str = "",
        engine: str = "weasyprint",
        cache: DiskCache | None = None,
        workers: int = 1,
        keep: bool = False,
        before_workers: Callable[[], None] | None = None,
        progress: Callable[[PdfStats, int, int], None] | None = None,
    ) -> PdfStats:
        """Write every job's PDF into site_dir, laid out by `engine` ("chromium" or
        "weasyprint"). `salt` joins every key (the stylesheets, the engine and its version),
        so that a change in either renders everything again. `keep`:
        hold what this build used in memory for the next (a `mkdocs serve` session); else a
        PDF is written as soon as it is found or made and not held, so that a build's memory
        does not grow with the library's PDFs. A job is composed when its turn comes, and only
        what is to be made is kept: one string per part, however many PDFs hold it.
        `before_workers` is called once before worker processes are started, if they are;
        `progress` (see Progress) after each part laid out and each PDF put together."""
        cache = cache or DiskCache(None, 0)
        stats = PdfStats()
        used: dict[str, tuple[bytes, dict[str, list[str]]]] = {}  # for the next build, if kept
        reported: set[str] = set()  # a template's image refused in its PDF and in a pack: once

        def find(key: str) -> tuple[bytes, dict[str, list[str]]] | None:
            entry = self._memory.get(key) or cache.get(key)
            if entry is not None and keep:
                used[key] = entry
            return entry

        root = site_dir.resolve()

        def publish(
            jobs: list[PdfJob], refused: dict[str, list[str]], data: bytes, file: Path | None
        ) -> None:
            for job in jobs:
                self._put(root, job.path, data, file)
                stats.written += 1
            for item_id, urls in refused.items():
                fresh = [u for u in urls if u not in reported]
                reported.update(fresh)
                if fresh:
                    stats.refused.setdefault(item_id, []).extend(fresh)

        by_key: dict[str, list[PdfJob]] = {}  # the jobs of the PDFs to make, by PDF key
        # the PDFs to make, by key: the job, its cover and cover URL, its parts' labels and keys
        wanted: dict[str, tuple[PdfJob, str | None, str, list[str], list[str]]] = {}
        sources: dict[str, tuple[str, str, str]] = {}  # part key -> HTML, URL, item: one copy
        for job in jobs:
            cover, cover_url, parts = compose(job.items)
            part_keys = [_digest(salt, "part", html, url) for _label, html, url, _item in parts]
            key = _digest(salt, "pdf", job.title, cover or "", cover_url, *part_keys)
            if key in wanted:  # the same PDF at another path
                by_key[key].append(job)
                continue
            kept = None if keep else cache.file(key)  # linked into the site, not read
            if kept is not None:
                publish([job], kept[1], b"", kept[0])
                stats.reused += 1
                continue
            entry = find(key)
            if entry is not None:
                if not keep:  # its data file's times were not as recorded: `find` checked
                    cache.put(key, *entry, apart=True)  # it; recorded again for next build
                publish([job], entry[1], entry[0], None)
                stats.reused += 1
                continue
            for (_label, html, url, item_id), part_key in zip(parts, part_keys, strict=True):
                sources.setdefault(part_key, (html, url, item_id))
            by_key[key] = [job]
            wanted[key] = (job, cover, cover_url, [label for label, *_ in parts], part_keys)
        # the parts of the PDFs to put together: from memory or the disk, else laid out;
        # by key, the PDF (b"": in the disk cache), its size and what its fetcher refused
        parts_found: dict[str, tuple[bytes, int, dict[str, list[str]]]] = {}
        tasks: list[_Task] = []
        for part_key, (html, url, item_id) in sources.items():
            entry = find(part_key)
            if entry is None:
                tasks.append(_Task(part_key, html, url, item_id))
            else:
                parts_found[part_key] = (entry[0], len(entry[0]), entry[1])
        sources.clear()
        parts_total, pdfs_total = len(tasks), len(wanted)
        told = progress or (lambda *_: None)
        with _Pool(
            _RendererArgs(str(site_dir), base_url, cache, salt, engine),
            workers,
            len(tasks) + len(wanted),
            stats,
        ) as pool:
            pool.before_workers = before_workers
            for key, data, refused in pool.run(tasks):
                if keep:
                    used[key] = (data, refused)
                cache.put(key, data, refused)
                # on disk, it is read from there when its PDFs are put together
                on_disk = not keep and cache.usable
                parts_found[key] = (b"" if on_disk else data, len(data), refused)
                stats.laid_out += 1
                told(stats, parts_total, pdfs_total)
            tasks.clear()  # their HTML is not needed any more
            assemblies = [
                _Assembly(
                    key,
                    job.title,
                    cover,
                    cover_url,
                    job.items[0],
                    tuple(
                        _Part(label, k, size=parts_found[k][1], data=parts_found[k][0])
                        for label, k in zip(labels, keys, strict=True)
                    ),
                )
                for key, (job, cover, cover_url, labels, keys) in wanted.items()
            ]
            for key, data, refused in pool.run(assemblies):
                for part_key in wanted[key][4]:  # what a part's fetcher refused, the PDF reports
                    for item_id, urls in parts_found[part_key][2].items():
                        refused.setdefault(item_id, []).extend(urls)
                file = cache.put(key, data, refused, apart=True)
                publish(by_key[key], refused, data, None if keep else file)
                if keep:
                    used[key] = (data, refused)
                stats.rendered += 1
                told(stats, parts_total, pdfs_total)
        self._memory = used if keep else {}  # a long serve session stays bounded
        cache.trim()
        return stats

    @staticmethod
    def _put(root: Path, path: str, data: bytes, file: Path | None) -> None:
        """Put a PDF at `path` in the site whose resolved folder is `root`: a link to `file`
        (the cache's copy: nothing read, nothing written), or a copy of it on a filesystem
        without links to it; else `data`. Whatever was at `path` is replaced, never written
        through: it may be a link to the cache's copy, or lead outside the site."""
        target = root / path
        if not Path(os.path.realpath(target.parent)).is_relative_to(root):  # never elsewhere
            raise OutsideSite(f"{path} is not a path inside the site")
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        if file is not None:
            try:
                os.link(file, target)
                return
            except OSError:  # another filesystem (EXDEV), or one without links
                data = file.read_bytes()
        with open(target, "xb") as out:
            out.write(data)


class _RendererArgs(NamedTuple):
    """What a renderer (see _Renderer) is made with: in each worker, or in this process."""

    site_dir: str
    base_url: str
    cache: DiskCache
    salt: str
    engine: str


class _Pool:
    """Where parts are laid out and PDFs put together: this process when there is little to
    do (a preview's edit), else a pool of worker processes, each parsing fonts and
    stylesheets once for all its tasks."""

    def __init__(self, args: _RendererArgs, workers: int, tasks: int, stats: PdfStats) -> None:
        self.args = args
        least = MIN_DOCUMENTS_PER_WORKER if args.engine == "weasyprint" else MIN_PRINTS_PER_WORKER
        self.workers = min(workers, max(1, tasks // least))
        stats.workers = self.workers
        self.pool: Any = None
        self.renderer: _Renderer | None = None
        self.stats = stats
        self.checked = False  # whether fonts are subset slowly (stats.slow_fonts)
        self.before_workers: Callable[[], None] | None = None  # called once, before the fork

    def __enter__(self) -> _Pool:
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # fork: a worker starts in milliseconds, shares this process's memory until it
            # writes to it, and does not import the host's main module again, as spawn and
            # forkserver do (a build script without a __main__ guard would run again in
            # every worker)
            import pikepdf  # noqa: F401  imported once, here, not by each worker after the fork

            if self.args.engine == "weasyprint":
                import weasyprint  # noqa: F401

            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=self.args,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        if self.renderer is not None:
            self.renderer.close()

    def run(self, tasks: Sequence[_Task | _Assembly]) -> Iterator[Result]:
        """The results of the tasks, as they come: in chunks of about CHUNK tasks, the largest
        first, so that no message between processes, and no list of results, holds more than
        a few PDFs, and a worker that is done takes the next chunk."""
        if not tasks:
            return
        if not self.checked and self.args.engine == "weasyprint":  # once, before the workers
            self.checked = True  # fork: they inherit what it loaded
            self.stats.slow_fonts = subsets_fonts_slowly()
        # PDFs with a cover apart from the rest, so that a chunk's covers, which are laid
        # out together, fill a print of their own as parts do
        groups: dict[bool, list[_Task | _Assembly]] = {True: [], False: []}
        for task in tasks:
            groups[isinstance(task, _Assembly) and task.cover is not None].append(task)
        chunks = [
            chunk
            for group in groups.values()
            if group
            for chunk in _chunks(group, max(self.workers, -(-len(group) // CHUNK)))
        ]
        if self.pool is None:
            if self.renderer is None:
                self.renderer = _Renderer(*self.args)
            for chunk in chunks:
                yield from _run(self.renderer, chunk)
            return
        from concurrent.futures.process import BrokenProcessPool

        if self.before_workers is not None:  # the executor forks its workers on the first map
            before, self.before_workers = self.before_workers, None
            before()
        try:
            for results in self.pool.map(_work, chunks):
                yield from results
        except BrokenProcessPool as error:
            raise PdfError(
                "a process rendering PDFs stopped before it finished (out of memory?); "
                "set pdf_workers: 1 in the playbook plugin's options to render in one process"
            ) from error


# tasks per message to a worker, and so the parts Chromium prints as one: 24 cost 15% less
# CPU a part than 12 (the fixed cost of a print, shared); 48 or 96 no less than 24
CHUNK = 24


class PdfError(RuntimeError):
    """Rendering PDFs failed for a reason outside the library (the machine)."""


# Below this many tasks (parts to lay out, PDFs to put together) per extra worker, starting
# one (0.3 s to parse fonts and stylesheets) costs more than it saves. Each worker gets one
# chunk of each stage, balanced by the work.
MIN_DOCUMENTS_PER_WORKER = 2
# The same for Chromium, whose worker starts a browser (0.5 s, alone; 2 s beside a cold
# build): an edit's few PDFs are made by one browser in the build's process
MIN_PRINTS_PER_WORKER = 24


STYLE_DIR = "assets/playbook"
PRINT_STYLES = ("playbook.css", "print.css")  # every document's stylesheets, in this order


def write_pdfs(
    writer: PdfWriter,
    site: Path,
    base_url: str,
    jobs: Sequence[PdfJob],
    compose: Callable[[tuple[str, ...]], Any],
    *,
    engine: str = "auto",
    cache: DiskCache | None = None,
    workers: int = 1,
    keep: bool = False,
    before_workers: Callable[[], None] | None = None,
    progress: Callable[[PdfStats, int, int], None] | None = None,
) -> PdfStats:
    """Every job's PDF into the finished site (`keep`, `before_workers`, `progress`: see
    PdfWriter.write; `engine`: see engine_of); `compose` gives what a job's PDF is made of
    (the site model's Renderer.pdf_document): a cover (HTML with page marks, or None), its
    base URL, and the parts, each (outline label, HTML document, base URL, item id). A change
    of the print styles, the engine or pikepdf renders everything again (the paper size is in
    each document)."""
    from importlib import metadata, resources

    used, note = engine_of(engine)
    assets = resources.files("playbook") / "assets"
    styles = b"".join((assets / n).read_bytes() for n in PRINT_STYLES) + UNNUMBERED.encode()
    styles = hashlib.sha256(styles).hexdigest()
    if used == "chromium":
        from .chromium import identity

        version = identity()
    else:
        version = f"weasyprint {metadata.version('weasyprint')}"
    salt = f"{styles}\0{version}\0{metadata.version('pikepdf')}"
    stats = writer.write(
        site, base_url, compose, jobs, salt=salt, engine=used, cache=cache, workers=workers,
        keep=keep, before_workers=before_workers, progress=progress,
    )  # fmt: skip
    stats.engine_note = note
    return stats


ENGINES = ("auto", "chromium", "weasyprint")


def engine_of(wanted: str) -> tuple[str, str]:
    """The engine that lays out the PDFs, and why, when it is not the one wanted. "auto":
    Chromium, five to eight times as fast, when the machine has it on its PATH (or
    Playwright's own download), else WeasyPrint, which the build's summary says."""
    if wanted != "auto":
        return wanted, ""
    from .chromium import available

    if available():
        return "chromium", ""
    return "weasyprint", (
        "WeasyPrint laid them out: no Chromium was found, which lays them out five times as "
        "fast (Debian and Ubuntu: apt-get install chromium; elsewhere: playwright install "
        "chromium)"
    )

"""The site's search index: Pagefind, run over the built site. Builder-neutral (no MkDocs).

Pagefind reads the HTML the build wrote and writes a chunked index into `pagefind/` beside it:
a reader's browser downloads the few chunks a query needs instead of the whole index. What is
indexed is marked in the templates:

- `data-pagefind-body` on an item's article (never a draft's) and on hand-written pages: only
  those pages are results. Hubs, type indexes, browse, coverage and the pack page are listings
  of other items' titles and summaries; indexed, they would outrank the items they list.
- `data-pagefind-filter` on an item's type and its competency, level and modality chips: the
  taxonomy's names, as the reader sees them, are the filter values; and `item`, the item's id,
  by which the browse page learns from one search which of its cards match.
- `data-pagefind-meta` on the title and the summary, shown with each result.

The parts of an item page that are not its own text (links both ways, related items, the PDF
button) are left out by selector (`NOT_INDEXED`), so templates overridden in a theme's
custom_dir keep working without knowing about Pagefind.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("pagefind", "material")
OUTPUT = "pagefind"  # the bundle's folder in the site: /pagefind/pagefind.js
NEXT = ".pagefind-next"  # in the site: an index being written, renamed to OUTPUT when whole
# Not this page's own text: other items' cards and the cases a playbook was applied in, the
# download button, the facts' labels, the headings' permalink signs.
NOT_INDEXED = (
    ".pb-links", ".pb-related", ".pb-applied", ".pb-download", ".pb-facts dt", ".pb-draft",
    ".headerlink",
)  # fmt: skip
# Pagefind's own ready-made interfaces, written with every index: the header search is ours
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
_FOUND = re.compile(r"Found (\d+) files? matching")
# Pagefind indexes beside the build's own work (the templates, the PDFs): at a lower priority,
# it takes the core the build leaves idle. At 2,000 items the templates took 2.5 s alone, 3.2 s
# beside Pagefind at the same priority and 2.7 s beside it with nice 10. Nice 19: a process
# sharing a core with it keeps 98.5% of it, not 90% (the scheduler's weights, 1024 to 15 and
# 1024 to 110); warm builds alternated with each, four each: median 7.40 s against 7.66.
_NICE = ("nice", "-n", "19") if shutil.which("nice") else ()
# Where the parts go if it has room (tmpfs on Linux): on disk, creating a folder and a file per
# page cost 0.3 to 0.7 ms on this machine, about 0.05 in memory
MEMORY = Path("/dev/shm")
ROOM_PER_PAGE = 256_000  # bytes asked of MEMORY per page; a part is 5 to 30 KB
PARTS = "playbook-index-"  # the temporary folders' prefix
STALE = 60  # seconds without a new entry before another build's folder may be swept
# A page's language, as its <html> tag gives it; the first heading the theme prints
_HTML_TAG = re.compile(r"""<html\b[^>]*?\slang=(["'])(.*?)\1""", re.I | re.S)
_HEADING = re.compile(r"<h1\b[^>]*>.*?</h1>", re.I | re.S)


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (its binary is missing, or it failed)."""


@dataclass(frozen=True)
class IndexStats:
    files: int  # HTML files read
    pages: int  # pages in the index: those marked with data-pagefind-body
    seconds: float


class IndexSource:
    """What Pagefind reads in a build: of each page to index, only its indexed part.

    Pagefind parses whole pages, and Material's header, navigation and footer are most of a
    page: at 10,000 items, parsing took 11 s of Pagefind's 20, and 6.6 s for the indexed
    parts alone. So a build marks the part (`mark`) and writes it to a temporary folder at the
    page's path, with the page's language and the heading the theme printed above it (the
    title Pagefind gives a page without data-pagefind-meta="title" is its first <h1>, and its
    image the first <img> after it). What is indexed is the same: only the parts marked with
    data-pagefind-body were results anyway. The markers are HTML comments, which the
    sanitizer removes from bodies; a page whose markers another plugin removed is written
    whole.

    The parts are written twice over, so that Pagefind need not wait for the templates:
    - `ahead`, once every page's content is final and before the templates render, from the
      content, the theme's language and the heading it will print (guessed: Material's rule);
    - `take`, as each page is finished, from the page itself: a source that differs from the
      one written ahead (a plugin changed the page after its content; another theme) is
      written again and counted in `rewritten`. Pagefind started on the sources written ahead
      has indexed the right ones only if `rewritten` is 0 once every page is finished.

    A build holds a lock on its folder while it runs. A build that was killed (SIGKILL, a
    runner's timeout) cannot delete its folder, which would stay in memory until the machine
    restarts: the next build deletes every folder whose lock is free (`_sweep`)."""

    START, END = "<!-- playbook:index -->", "<!-- playbook:/index -->"

    def __init__(self, pages: int) -> None:
        """pages: how many pages are to be written, for the room asked of MEMORY."""
        self.folder = Path(tempfile.mkdtemp(prefix=PARTS, dir=_memory(pages)))
        self._lock = os.open(self.folder, os.O_RDONLY)
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # released when this process and its children end
        self.failed: OSError | None = None  # a part could not be written: index the site
        self._ahead: dict[str, bytes] = {}  # url -> digest of the source written ahead
        self.rewritten = 0  # sources `take` wrote: not written ahead, or not as written ahead
        _sweep(self.folder.parent)

    def mark(self, part: str) -> str:
        return f"{self.START}{part}{self.END}"

    def ahead(self, url: str, content: str, lang: str | None, heading: str) -> None:
        """Write the source of the page at `url` from its content (marked, its deferred
        fragments in place), before the templates: `lang` and `heading` are those the theme
        is expected to print. A content whose markers are gone is left to `take`."""
        found = self._part(content)
        if found is not None:
            source = _source(lang, heading, content[found[0] : found[1]])
            self._ahead[url] = _digest(source)
            self._write(url, source)

    def take(self, url: str, output: str) -> str:
        """Write the page at `url` (a directory URL) for Pagefind unless it was written ahead
        as it is; return the page unmarked."""
        found = self._part(output)
        if found is None:
            source = output
        else:
            start, end = found
            lang = _HTML_TAG.search(output, 0, start)
            heading = _HEADING.search(output, 0, start)
            source = _source(
                lang and html.unescape(lang.group(2)),
                heading.group(0) if heading else "",
                output[start:end],
            )
            output = (
                output[: start - len(self.START)]
                + output[start:end]
                + output[end + len(self.END) :]
            )
        known = self._ahead.pop(url, None)
        if known is None or known != _digest(source):
            self.rewritten += 1
            self._write(url, source)
        return output

    def _part(self, page: str) -> tuple[int, int] | None:
        """Where the marked part of `page` starts and ends, without the markers."""
        start = page.find(self.START)
        end = page.find(self.END, start)
        return None if start < 0 or end < 0 else (start + len(self.START), end)

    def _write(self, url: str, source: str) -> None:
        if self.failed is None:
            path = self.folder / url / "index.html"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(source, encoding="utf-8")
            except OSError as error:  # e.g. no room left: the site itself is still whole
                self.failed = error

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


def _source(lang: str | None, heading: str, part: str) -> str:
    """What Pagefind reads of a page: its language (the index it goes to), the theme's
    heading above the part (its default title) and the part."""
    tag = f'<html lang="{html.escape(lang)}">' if lang else "<html>"
    return f'<!doctype html>{tag}<head><meta charset="utf-8"></head><body>{heading}{part}</body></html>'


def _digest(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8"), digest_size=16).digest()


def _sweep(where: Path) -> None:
    """Delete the parts folders in `where` left by builds that were killed: those whose lock
    is free. A folder is locked right after it is made; one with an entry newer than STALE
    seconds is left alone, so that a folder not yet locked is never taken for an orphan."""
    for folder in where.glob(f"{PARTS}*"):
        try:
            if time.time() - folder.stat().st_mtime < STALE:
                continue
            lock = os.open(folder, os.O_RDONLY)
        except OSError:  # gone, or not a folder of ours
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: that build is running
            continue
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(lock)


def _memory(pages: int) -> str | None:
    """MEMORY if it is there, writable and has room for the parts; else None (the system's
    temporary folder, $TMPDIR)."""
    try:
        stat = os.statvfs(MEMORY)
    except OSError:
        return None
    room = stat.f_bavail * stat.f_frsize
    return str(MEMORY) if os.access(MEMORY, os.W_OK) and room > pages * ROOM_PER_PAGE else None


def index_site(
    site_dir: Path,
    output: Path | None = None,
    on_start: Callable[[subprocess.Popen[str]], None] | None = None,
    source: Path | None = None,
) -> IndexStats:
    """Index the built site at site_dir into `output` (default site_dir/pagefind): see
    Indexing, started and waited for."""
    indexing = Indexing(site_dir, output, source)
    if on_start is not None:
        on_start(indexing.process)
    return indexing.wait()


class Indexing:
    """Pagefind indexing a site into `output` (default site_dir/pagefind), with the binary of
    the `pagefind_bin` wheel (`python -m pagefind`; nothing is downloaded): started when made,
    so that a build can do other work until it needs the index (`wait`). `source`: the folder
    Pagefind reads instead of site_dir (an IndexSource's: see IndexSource for when it is whole).

    Not through Pagefind's Python API (pagefind.index.PagefindIndex): it runs the same binary
    as a service and terminates it as soon as the service answers "files written", and under
    load some files are still being written then (an empty pagefind-entry.json in 2 runs of 20
    on this machine with its two cores busy). The command exits once everything is on disk."""

    def __init__(self, site_dir: Path, output: Path | None = None, source: Path | None = None):
        self.site_dir = site_dir.resolve()
        self.output = output or self.site_dir / OUTPUT
        command = [*_NICE, sys.executable, "-m", "pagefind", "--site", str(source or self.site_dir)]
        command += ["--output-path", str(self.output)]
        for selector in NOT_INDEXED:
            command += ["--exclude-selectors", selector]
        self.started = time.perf_counter()
        self.stats: IndexStats | None = None
        self.failed: SearchIndexError | None = None
        try:
            # cwd: the site, so that no pagefind.yml of the project changes what is indexed
            self.process = subprocess.Popen(
                command, cwd=self.site_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
        except OSError as error:
            raise SearchIndexError(f"Pagefind could not be started: {error}") from error

    def wait(self) -> IndexStats:
        """Wait for Pagefind and check what it wrote (once: later calls give the same)."""
        if self.failed is not None:
            raise self.failed
        if self.stats is None:
            try:
                self.stats = self._wait()
            except SearchIndexError as error:
                self.failed = error
                raise
        return self.stats

    def _wait(self) -> IndexStats:
        said = self.process.communicate()[0].strip()
        if self.process.returncode != 0:
            if "Could not find pagefind binary" in said:
                raise SearchIndexError(
                    "Pagefind's binary was not found: install the project with its "
                    "dependencies (pip install -e .), which bring pagefind[bin]"
                )
            last = "\n".join(said.splitlines()[-12:])
            raise SearchIndexError(
                f"Pagefind could not index {self.site_dir} (exit {self.process.returncode}):"
                f"\n{last}"
            )
        entry = self.output / "pagefind-entry.json"
        if not (self.output / "pagefind.js").is_file() or not entry.is_file():
            raise SearchIndexError(f"Pagefind wrote no index into {self.output}:\n{said[-2000:]}")
        for name in UNUSED:
            (self.output / name).unlink(missing_ok=True)
        languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
        pages = sum(int(language.get("page_count", 0)) for language in languages.values())
        found = _FOUND.search(said)
        return IndexStats(
            files=int(found.group(1)) if found else 0,
            pages=pages,
            seconds=time.perf_counter() - self.started,
        )

    def stop(self) -> None:
        """Stop Pagefind and delete what it wrote: an index cut short."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.communicate()
        shutil.rmtree(self.output, ignore_errors=True)


class BackgroundIndexer:
    """Pagefind over a site being served, in a thread, so that a rebuild shows its pages
    without waiting for the index (4 s for 2,000 items). The new index is written beside the
    one in use and swapped in when whole; until then, search answers from the previous one.
    A new build cancels an indexing under way: it would read pages being rewritten."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None
        self._cancelled = threading.Event()

    def start(self, site_dir: Path, done: Callable[[IndexStats | SearchIndexError], None]) -> None:
        self.cancel()
        self._cancelled.clear()
        self._thread = threading.Thread(
            target=self._run, args=(site_dir, done), name="pagefind", daemon=True
        )
        self._thread.start()

    def _started(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        if self._cancelled.is_set():
            process.terminate()

    def _run(self, site_dir: Path, done: Callable[[IndexStats | SearchIndexError], None]) -> None:
        fresh, old, live = (
            site_dir / NEXT,
            site_dir / ".pagefind-old",
            site_dir / OUTPUT,
        )
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            stats = index_site(site_dir, output=fresh, on_start=self._started)
        except SearchIndexError as error:
            shutil.rmtree(fresh, ignore_errors=True)
            if not self._cancelled.is_set():
                done(error)
            return
        if self._cancelled.is_set():
            shutil.rmtree(fresh, ignore_errors=True)
            return
        shutil.rmtree(old, ignore_errors=True)
        if live.exists():
            live.rename(old)
        fresh.rename(live)
        shutil.rmtree(old, ignore_errors=True)
        done(stats)

    def cancel(self) -> None:
        """Stop an indexing under way and wait for its thread; the index in use stays."""
        self._cancelled.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._process = None

    def wait(self) -> None:
        """Wait for an indexing under way to finish (tests, benchmarks)."""
        if self._thread is not None:
            self._thread.join()

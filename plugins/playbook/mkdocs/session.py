"""What lives as long as the plugin: in `mkdocs serve`, across rebuilds (MkDocs keeps a
plugin that has `on_startup`; in one process it is the same plugin for every build)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.library import Library, ReadCache
from ..outputs.pdf import PdfWriter
from ..outputs.search import BackgroundIndexer
from ..site.markup import ContributorHtml
from ..site.pages import PrintPart, Renderer
from ..site.preview import Preview

log = logging.getLogger("mkdocs.plugins.playbook")
STUB_TIME = (1, 1)  # a generated page's stand-in source: newer than an output dated (0, 0)


@dataclass
class Session:
    """What lives as long as the plugin: in `mkdocs serve`, across rebuilds."""

    serving: bool = False
    dirty: bool = False  # `mkdocs serve --dirty` (`playbook serve`): MkDocs' dirty rebuilds
    live: bool = False  # a server is up: index in the background
    read_cache: ReadCache = field(default_factory=dict)  # parsed files, while unchanged
    preview: Preview = field(default_factory=Preview)  # what the previous build rendered
    pdf_writer: PdfWriter = field(default_factory=PdfWriter)  # reuses unchanged PDFs
    indexer: BackgroundIndexer = field(default_factory=BackgroundIndexer)
    renderer: Renderer | None = None  # the previous build's: its related rankings
    documents: dict[str, PrintPart] = field(default_factory=dict)  # id -> what its PDFs hold
    indexed: set[str] = field(default_factory=set)  # src_uris marked for Pagefind
    markup: ContributorHtml = field(default_factory=ContributorHtml)
    said: set[str] = field(default_factory=set)  # notes logged once a session
    stubs: Path | None = None  # dirty rebuilds: the generated pages' stand-in sources
    good: tuple[Library, int] | None = None  # the last library without errors, and its count

    def start(self, command: str, dirty: bool) -> None:
        self.serving, self.dirty, self.live = command == "serve", dirty, False
        self.said = set()
        self.good = None  # MkDocs may hand the same plugin to the next command in a process

    def note(self, text: str) -> None:
        """Log an info line: once a `mkdocs serve` session (its rebuilds would repeat it)."""
        if text not in self.said:
            log.info(text)
        if self.serving:
            self.said.add(text)

    def close(self) -> None:
        self.indexer.cancel()
        if self.stubs is not None:
            shutil.rmtree(self.stubs, ignore_errors=True)
            self.stubs = None

    def stub(self, src_uri: str) -> str:
        """An empty source file for a generated page in a dirty rebuild, dated near the
        epoch: MkDocs renders the page again only if its output is dated older (see
        SiteBuild._plan), as for a page with a real source."""
        if self.stubs is None:
            self.stubs = Path(tempfile.mkdtemp(prefix="playbook-preview-"))
        path = self.stubs / src_uri
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            os.utime(path, STUB_TIME)
        return str(path)

    def forget(self) -> None:
        """After a failed build: pages may be half written; the next renders them all."""
        self.preview.forget()

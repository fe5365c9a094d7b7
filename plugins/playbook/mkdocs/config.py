"""The plugin's options, and the one way every tool reads a project's configuration:
MkDocs' own config loader (INHERIT, !ENV and the rest), so that `playbook check` and
`mkdocs build` read the same mkdocs.yml the same way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config import load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig

from ..core.library import Library
from ..core.settings import Settings
from ..outputs.pdf import ENGINES as PDF_ENGINES
from ..outputs.pdf import PAPER_SIZES
from ..outputs.search import ENGINES
from ..site.pages import Renderer
from ..site.paper import QrCodes


class _Count(c.Type):
    """A whole number within bounds, refused with the option's name otherwise."""

    def __init__(self, default: int, low: int, high: int) -> None:
        super().__init__(int, default=default)
        self.low, self.high = low, high

    def run_validation(self, value: object) -> int:
        number = super().run_validation(value)
        if isinstance(number, bool) or not self.low <= number <= self.high:
            raise c.ValidationError(f"expected a whole number from {self.low} to {self.high}")
        return number


class PlaybookConfig(Config):
    taxonomy = c.Optional(c.Type(str))
    """The taxonomy file, relative to mkdocs.yml. Default: DOCS_DIR/taxonomy.yml."""
    sources = c.ListOfItems(c.Type(str), default=["playbooks", "case_studies"])
    """Folders (relative to mkdocs.yml) holding library items, outside docs_dir."""
    related_limit = _Count(5, 0, 50)
    """How many related-by-competency items an item page lists."""
    stale_after_days = _Count(540, 1, 36_500)
    """The coverage page lists items whose `updated` date is older than this."""
    export = c.Type(bool, default=True)
    """Write library.json and the JSON Schemas into the site."""
    pdf = c.Type(bool, default=True)
    """Write PDFs (templates, frameworks, workshop packs) and QR codes; false for fast previews."""
    cache_dir = c.Type(str, default=".cache/playbook")
    """Where rendered PDFs are kept between builds, relative to mkdocs.yml: inside the
    project, outside docs_dir and site_dir. Safe to delete."""
    cache_limit_mb = _Count(1024, 0, 1_000_000)
    """The most the cache folder may hold; 0: no cache on disk (PDFs rendered every build)."""
    pdf_workers = _Count(0, 0, 256)
    """Processes that render PDFs; 0: one per core."""
    pdf_engine = c.Choice(PDF_ENGINES, default="auto")
    """What lays the PDFs out: `chromium` (headless, through Playwright), `weasyprint`, or
    `auto`: Chromium when the machine has it, else WeasyPrint (the build says so)."""
    paper_size = c.Choice(PAPER_SIZES, default="A4")
    """The PDFs' paper size. Browser printing uses the printer's paper."""
    fast_preview = c.Type(bool, default=True)
    """In `mkdocs serve --dirty` (`playbook serve`), rebuild only the pages an edit changes."""
    search = c.Choice(ENGINES, default="pagefind")
    """`pagefind`: a chunked static index, written after the build, behind the header search
    box. `material`: Material's own search plugin, unchanged."""
    remote_hosts = c.ListOfItems(c.Type(str), default=[])
    """Hosts whose images an item's body may show (`https://host/...`); by default none: an
    image from elsewhere is fetched by every reader's browser (a tracking pixel)."""
    clean_pages = c.Type(bool, default=False)
    """Filter raw HTML in hand-written pages too, as in items (for a site whose hand-written
    pages also come by pull request). Off: they are left as their authors wrote them."""


def settings_of(config: MkDocsConfig, options: PlaybookConfig) -> Settings:
    """Where the library lives, from MkDocs' config and the plugin's options."""
    config_file = Path(config.config_file_path or "mkdocs.yml").resolve()
    root = config_file.parent
    docs_dir = Path(config.docs_dir).resolve()
    docs = docs_dir.relative_to(root).as_posix() if docs_dir.is_relative_to(root) else str(docs_dir)
    site_dir = Path(os.path.abspath(config.site_dir))  # not resolved: it may be a link
    site = site_dir.relative_to(root).as_posix() if site_dir.is_relative_to(root) else str(site_dir)
    return Settings(
        root=root,
        docs_dir=docs,
        taxonomy=options.taxonomy or f"{docs}/taxonomy.yml",
        sources=tuple(options.sources),
        site_dir=site,
        config_file=config_file.name,
        clean_pages=options.clean_pages,
        remote_hosts=tuple(h.lower() for h in options.remote_hosts),
    )


def renderer_of(
    library: Library, config: MkDocsConfig, options: PlaybookConfig, cache: Path | None
) -> Renderer:
    """The site model's renderer for a library, as mkdocs.yml sets it up: templates of the
    theme's custom_dir, the plugin's options, the site's address; QR codes kept in the
    project's cache folder (`cache`, see cache_folder; None: not on disk)."""
    custom_dir = config.theme.custom_dir
    return Renderer(
        library,
        override_dirs=[Path(custom_dir)] if custom_dir else [],
        related_limit=options.related_limit,
        stale_after_days=options.stale_after_days,
        site_url=config.site_url,
        pdfs=options.pdf,
        pagefind=options.search == "pagefind",
        paper_size=options.paper_size,
        qr_codes=QrCodes(cache, options.cache_limit_mb),
    )


def plugin_options(config: MkDocsConfig) -> PlaybookConfig:
    """The playbook plugin's validated options; the defaults if it is not listed."""
    plugin: Any = config.plugins.get("playbook")
    if plugin is not None:
        return plugin.config
    options = PlaybookConfig()
    options.load_dict({})
    options.validate()
    return options


def load_project(config_file: Path, **overrides: Any) -> tuple[MkDocsConfig, PlaybookConfig]:
    """mkdocs.yml as MkDocs reads it (raises mkdocs.exceptions.ConfigurationError)."""
    config = load_config(str(config_file), **overrides)
    return config, plugin_options(config)


def read_settings(where: Path) -> Settings:
    """The settings of a project: `where` is its configuration file, or the folder of its
    mkdocs.yml (raises mkdocs.exceptions.ConfigurationError or Abort)."""
    where = Path(where)
    return settings_of(*load_project(where if where.is_file() else where / "mkdocs.yml"))

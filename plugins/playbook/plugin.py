"""The MkDocs plugin: an adapter that turns a checked Library into pages through events.

No content rule lives here: the library is loaded and checked by the core, before MkDocs
empties site_dir, so a bad file stops the build with the same errors as `playbook check`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import html
import inspect
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, PackageLoader, PrefixLoader, pass_context
from markupsafe import Markup, escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import sanitize
from .ahead import BODY, Ahead, Claims
from .export import library_json
from .library import Item, Library, ReadCache, page_url, scan
from .models import TYPE_NAMES
from .pages import GeneratedPage, Rendered, Renderer, fill_in, generated_pages, prefix_of
from .paper import PAPER_SIZES, PdfJob, PdfWriter, pdf_jobs, printed_ids
from .preview import Plan, Preview
from .schema import schemas
from .search import (
    ENGINES,
    BackgroundIndexer,
    IndexSource,
    IndexStats,
    SearchIndexError,
    index_site,
)
from .search import OUTPUT as SEARCH_OUTPUT
from .settings import Settings

log = logging.getLogger("mkdocs.plugins.playbook")

ASSETS = ("playbook.css", "print.css", "browse.js", "pack.js")
SEARCH_ASSETS = ("search.css", "search.js")  # with `search: pagefind` only
# Without site_url, PDFs still need one origin for their links and their URL fetcher
NO_SITE_URL = "https://site.invalid/"
ASSET_DIR = "assets/playbook"
NAV = "partials/nav.html"
NAV_PREFIX = "playbook-theme"
NAV_ORIGINAL = f"{NAV_PREFIX}/{NAV}"
SEARCH_PARTIAL = "partials/search.html"
# The template a page written by the second process gets in this one: nothing to write
ELSEWHERE = "playbook/written-elsewhere.html"
# Plugins whose page events may run in either process: none keeps what a page event saw
# (Material's search does, and is run here; see _write_ahead)
SHAREABLE = {"playbook", "search", "material/search"}


class PlaybookConfig(Config):
    taxonomy = c.Optional(c.Type(str))
    """The taxonomy file, relative to mkdocs.yml. Default: DOCS_DIR/taxonomy.yml."""
    sources = c.ListOfItems(c.Type(str), default=["playbooks", "case_studies"])
    """Folders (relative to mkdocs.yml) holding library items, outside docs_dir."""
    related_limit = c.Type(int, default=5)
    """How many related-by-competency items an item page lists."""
    stale_after_days = c.Type(int, default=540)
    """The coverage page lists items whose `updated` date is older than this."""
    export = c.Type(bool, default=True)
    """Write library.json and the JSON Schemas into the site."""
    pdf = c.Type(bool, default=True)
    """Write PDFs (templates, frameworks, workshop packs) and QR codes; false for fast previews."""
    paper_size = c.Choice(PAPER_SIZES, default="A4")
    """The PDFs' paper size. Browser printing uses the printer's paper."""
    fast_preview = c.Type(bool, default=True)
    """In `mkdocs serve`, rebuild only the pages an edit changes (with `search: pagefind`)."""
    search = c.Choice(ENGINES, default="pagefind")
    """`pagefind`: a chunked static index, written after the build, behind the header search
    box (readers download the index chunks a query needs). `material`: Material's own search
    plugin, unchanged (every reader downloads the whole index: fine for a small library)."""


def _modified() -> bool:
    return True


def _unmodified() -> bool:
    return False


def _no_dirty_warning(record: logging.LogRecord) -> bool:
    """MkDocs warns that a dirty build may leave links stale: the fast preview's are not."""
    return not str(record.msg).startswith("A 'dirty' build is being performed")


def _folder_stamp(folder: str | None) -> tuple[tuple[str, int], ...]:
    """The files of a theme's custom_dir and their modification times."""
    if not folder or not os.path.isdir(folder):
        return ()
    return tuple(
        sorted(
            (str(path), path.stat().st_mtime_ns)
            for path in Path(folder).rglob("*")
            if path.is_file()
        )
    )


def _log_indexed(stats: IndexStats | SearchIndexError) -> None:
    if isinstance(stats, SearchIndexError):  # serve, in the background: the site still shows
        log.error(f"search: {stats}")
        return
    log.info(
        "search: Pagefind indexed %d pages (of %d HTML files) in %.1f s",
        stats.pages,
        stats.files,
        stats.seconds,
    )


def _page_writer(config: Any) -> Callable[..., None] | None:
    """The builder's own function that writes one page (MkDocs', or its fork's, as running),
    if it has one: `_build_page(page, config, doc_files, nav, env, dirty, excluded)`."""
    package = type(config).__module__.split(".")[0]
    module = sys.modules.get(f"{package}.commands.build")
    found = getattr(module, "_build_page", None)
    return found if callable(found) else None


def _folders_to(url: str) -> list[str]:
    """The folders on the way to url, the shallowest first (a, a/b, a/b/c for a/b/c/)."""
    parts = url.strip("/").split("/")
    return ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]


def _nav_folders(items: Any) -> set[str]:
    """Every folder on the way to a page or link of the nav."""
    folders: set[str] = set()
    for item in items:
        url = getattr(item, "url", None)
        if isinstance(url, str) and "://" not in url:
            folders.update(_folders_to(url))
        folders |= _nav_folders(getattr(item, "children", None) or [])
    return folders


def _nav_place(url: str, folders: set[str]) -> tuple[int, str]:
    """What the nav's relative links depend on for the page at url: its depth and the
    deepest of the nav's folders it sits in."""
    deepest = next((f for f in reversed(_folders_to(url)) if f in folders), "")
    return url.count("/"), deepest


def _search_plugin(config: Any) -> Any:
    plugins = config.plugins
    return plugins.get("material/search") or plugins.get("search")


def _safe_striptags(value: Any) -> Markup:
    """Jinja's striptags unescapes entities; printed raw by Material (e.g. in <title>), a title
    like `</title><script>` would become markup again. Strip, then escape once more."""
    return escape(Markup(str(value)).striptags())


class PlaybookPlugin(BasePlugin[PlaybookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.serving = False
        self.library: Library | None = None
        self.renderer: Renderer | None = None
        self.settings: Settings | None = None
        self.item_files: dict[str, Item] = {}  # src_uri -> item
        self.all_item_paths: set[str] = set()
        self.generated: dict[str, GeneratedPage] = {}
        self.pending: dict[str, tuple[str, ...]] = {}  # deferred fragments, until on_post_page
        self.pdf_writer = PdfWriter()  # kept across `mkdocs serve` rebuilds: reuses PDFs
        self.pdf_jobs: list[PdfJob] = []
        self.printed: set[str] = set()  # ids of items that go into a PDF
        self.documents: dict[str, tuple[str, str]] = {}  # id -> (PDF source HTML, its URL)
        self.material_search: Any = None  # Material's search plugin, kept for its header only
        self.indexed: set[str] = set()  # src_uris of the pages marked for Pagefind
        # `mkdocs serve`: kept across rebuilds (MkDocs keeps a plugin with on_startup)
        self.read_cache: ReadCache = {}  # parsed files, by path, while unchanged on disk
        self.preview = Preview()  # what the previous build rendered
        self.plan: Plan | None = None  # this build's pages to render again (serve only)
        self.dirty = False  # this build keeps site_dir and skips unmodified pages
        self.startup_dirty = False  # `mkdocs serve --dirty`
        self.indexer = BackgroundIndexer()  # Pagefind, in serve: after the build, not in it
        self.live = False  # a `mkdocs serve` server is up: index in the background
        self.ahead: Ahead[Rendered] = Ahead()  # `mkdocs build`: our pages, rendered ahead
        self.writer: Ahead[str] = Ahead()  # `mkdocs build`: pages written by a second process
        self.nav: Any = None  # this build's, for the pages written ahead
        # `mkdocs build`, pages shared with the second process: src_uri -> (place, page, its
        # template), and those it writes
        self.shared: dict[str, tuple[int, Page, Any]] = {}
        self.elsewhere: set[str] = set()
        self.page_writer: functools.partial[None] | None = None  # MkDocs' own, for one page
        self.index_source: IndexSource | None = None  # `mkdocs build`: what Pagefind reads

    # ------------------------------------------------------------------ set-up

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.startup_dirty = self.dirty = dirty

    def on_shutdown(self) -> None:
        self.indexer.cancel()

    def on_build_error(self, *, error: Exception) -> None:
        self.ahead.close()
        self.writer.close()
        self.shared, self.elsewhere = {}, set()
        self._drop_index_source()
        gc.unfreeze()
        self.preview.forget()  # pages may be half written: the next build renders them all

    def on_config(self, config: Any) -> Any:
        if not config.use_directory_urls:
            raise PluginError(
                "the playbook plugin needs use_directory_urls: true (the MkDocs default); "
                "remove `use_directory_urls: false` from mkdocs.yml"
            )
        root = Path(config.config_file_path).resolve().parent
        docs_dir = Path(config.docs_dir).resolve()
        docs_rel = (
            docs_dir.relative_to(root).as_posix()
            if docs_dir.is_relative_to(root)
            else str(docs_dir)
        )
        self.settings = Settings(
            root=root,
            docs_dir=docs_rel,
            taxonomy=self.config.taxonomy or f"{docs_rel}/taxonomy.yml",
            sources=tuple(self.config.sources),
        )
        if self.serving:
            self.indexer.cancel()  # it would read pages this build is about to rewrite
        library, problems, count = scan(self.settings, self.read_cache if self.serving else None)
        if library is None:
            self.preview.forget()
            errors = [p for p in problems if p.severity == "error"]
            report = "\n".join(str(p) for p in errors)
            raise PluginError(
                f"the playbook library has {len(errors)} error(s); nothing was built and "
                f"the previous site is untouched:\n{report}"
            )
        for warning in library.warnings:
            log.warning(str(warning))
        # drafts too: under docs_dir MkDocs lists them, and a build must drop them
        self.all_item_paths = {item.path for item in library}
        self.library = library if self.serving else library.published()
        custom_dir = config.theme.custom_dir
        previous = self.renderer
        self.renderer = Renderer(
            self.library,
            override_dirs=[Path(custom_dir)] if custom_dir else [],
            related_limit=self.config.related_limit,
            stale_after_days=self.config.stale_after_days,
            site_url=config.site_url,
            pdfs=self.config.pdf,
            pagefind=self.pagefind,
        )
        if self.serving and previous is not None:
            self.renderer.reuse_rankings(previous)
        self.pdf_jobs = pdf_jobs(self.library) if self.config.pdf else []
        self.printed = printed_ids(self.pdf_jobs)
        # a fast preview renders only some pages: keep the others' PDF sources
        self.documents = {k: v for k, v in self.documents.items() if k in self.printed}
        if not self.serving:
            self.documents, self.indexed = {}, set()
        for name in self.assets:
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if f"{ASSET_DIR}/{name}" not in [str(x) for x in target]:
                target.append(f"{ASSET_DIR}/{name}")
        self.material_search = self._material_search(config)
        log.info("library: %d items checked, %d published", count, len(self.library))
        if not self.serving:
            # the library lives as long as the build: keep the collector from walking it
            # again and again (0.3 to 0.5 s of 1.5 s of collections at 5,000 items)
            gc.freeze()
        return config

    @property
    def pagefind(self) -> bool:
        return self.config.search == "pagefind"

    @property
    def assets(self) -> tuple[str, ...]:
        return ASSETS + SEARCH_ASSETS if self.pagefind else ASSETS

    def _material_search(self, config: Any) -> Any:
        """With `search: pagefind`, Material's search plugin (which mkdocs.yml keeps listed)
        stays for the header's search button and box, which our partial fills, but indexes
        nothing and writes no search/search_index.json: it is switched off for its page event
        (where it would parse every page) and just before it would write (see
        _stop_material_search), and on again for the templates, whose header asks for it."""
        found = _search_plugin(config)
        if not self.pagefind:
            return None
        if found is None or not getattr(found.config, "enabled", False):
            log.warning(
                "search: pagefind puts the search box in Material's header, which shows it only "
                "when Material's search plugin is listed and enabled: add `- search` before "
                "`- playbook` under plugins in mkdocs.yml (the index is written either way)"
            )
            return None
        log.info(
            "search: Pagefind indexes the site after the build; Material's search plugin "
            "writes no index (set `search: material` in the playbook plugin's options to use it)"
        )
        return found

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.settings is not None
        for folder in self.settings.sources:
            path = self.settings.root / folder
            if path.is_dir():
                server.watch(str(path))
        server.watch(str(self.settings.root / self.settings.taxonomy))
        self.live = True
        if self.config.fast_preview and self.pagefind and not self.startup_dirty:
            fast = self._fast_builder(builder)
            if fast is not None:
                server.builder = fast
        return server

    def _fast_builder(self, builder: Callable[..., None]) -> Callable[[], None] | None:
        """MkDocs' serve rebuilds everything after an edit (12 s for 2,000 items). Its
        `--dirty` rebuild skips every page whose own file did not change, and so leaves
        backlinks, hubs and related lists on other pages stale. This builder runs MkDocs'
        dirty build, and on_files marks as modified exactly the pages the edit changed (see
        preview.py). It calls what `mkdocs serve` would (its config loader, its URL), found in
        the builder it replaces; if they are not there (another MkDocs), None: keep MkDocs'."""
        from mkdocs.commands.build import build  # noqa: PLC0415 (MkDocs' own, at serve time)

        try:
            found = inspect.getclosurevars(builder).nonlocals
        except (TypeError, ValueError):
            return None
        get_config, serve_url = found.get("get_config"), found.get("serve_url")
        if not callable(get_config) or not isinstance(serve_url, str):
            log.info("preview: this MkDocs' serve is not known here; every edit rebuilds all")
            return None

        def rebuild() -> None:
            log.info("Building documentation (preview: the pages this change affects)...")
            config = get_config()
            config.site_url = serve_url
            self.dirty = True
            quiet = logging.getLogger("mkdocs.commands.build")
            quiet.addFilter(_no_dirty_warning)
            try:
                build(config, serve_url=serve_url, dirty=True)
            finally:
                quiet.removeFilter(_no_dirty_warning)
                self.dirty = self.startup_dirty

        return rebuild

    # ------------------------------------------------------------------ files

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.library is not None and self.settings is not None
        self.item_files = {}
        self.generated = {}
        # Items inside docs_dir were listed by MkDocs with its own lenient reader, and drafts
        # among them must not reach a build: the plugin supplies every item page itself.
        # URL collisions were already refused by the core, before site_dir was touched, so a
        # file of docs_dir with an item's path relative to docs_dir is that item.
        prefix = self.settings.docs_prefix
        ours = {path.removeprefix(prefix) for path in self.all_item_paths}
        if self.settings.taxonomy.startswith(prefix):
            ours.add(self.settings.taxonomy.removeprefix(prefix))
        for file in [f for f in files if f.src_uri in ours]:
            files.remove(file)
        for item in self.library:
            files.append(
                File.generated(
                    config, item.src_uri, content=item.body, inclusion=InclusionLevel.NOT_IN_NAV
                )
            )
            self.item_files[item.src_uri] = item
        for page in generated_pages(self.library):
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, page.src_uri, content="", inclusion=inclusion))
            self.generated[page.src_uri] = page
        assets = resources.files("playbook") / "assets"
        for name in self.assets:
            files.append(
                File.generated(config, f"{ASSET_DIR}/{name}", content=(assets / name).read_bytes())
            )
        if self.serving:
            self._plan(files, config)
        else:
            self._render_ahead(files)
            self._drop_index_source()
            if self.pagefind:
                self.index_source = IndexSource(len(files))
        return files

    def _drop_index_source(self) -> None:
        if self.index_source is not None:
            self.index_source.close()
            self.index_source = None

    def _render_ahead(self, files: Files) -> None:
        """Start a second process rendering our pages (see ahead.py) while MkDocs converts
        Markdown; not with templates of ours overridden in custom_dir, which may use the
        item's body in other ways than printing it where it stands."""
        assert self.renderer is not None
        if self.renderer.overridden:
            return
        jobs = []
        for file in files.documentation_pages():
            prefix = prefix_of(file.url)
            item, page = self.item_files.get(file.src_uri), self.generated.get(file.src_uri)
            if item is not None:
                jobs.append(
                    (file.src_uri, functools.partial(self.renderer.item, item, BODY, prefix))
                )
            elif page is not None:
                jobs.append((file.src_uri, functools.partial(self.renderer.page, page, prefix)))
        self.ahead.start(jobs)

    def _plan(self, files: Files, config: Any) -> None:
        """Serve: find the pages this build must render; in a dirty build, mark the others
        unmodified so that MkDocs keeps what the previous build wrote for them."""
        assert self.library is not None and self.renderer is not None
        written = files.documentation_pages()
        ours = set(self.item_files) | set(self.generated)
        config_file = Path(config.config_file_path or ".")
        context = (
            str(config_file),
            config_file.stat().st_mtime_ns if config_file.is_file() else 0,
            config.site_dir,
            self.library.taxonomy,
            tuple(sorted(f.src_uri for f in written if f.src_uri not in ours)),
            tuple(sorted((k, repr(v)) for k, v in self.config.items())),
            _folder_stamp(config.theme.custom_dir),
        )
        started = time.perf_counter()
        plan = self.plan = self.preview.plan(
            self.library, self.renderer, self.generated.values(), context
        )
        self.indexed &= ours
        if not self.dirty:
            return
        for file in written:
            if plan.whole:
                file.is_modified = _modified  # type: ignore[method-assign]
            elif file.src_uri in ours and file.src_uri not in plan.changed:
                file.is_modified = _unmodified  # type: ignore[method-assign]
        if not plan.whole:
            log.info(
                "preview: %d of %d pages to render again (found in %.2f s)",
                len(plan.changed),
                len(ours),
                time.perf_counter() - started,
            )

    # ------------------------------------------------------------------ pages

    def on_page_content(self, html_text: str, *, page: Page, config: Any, files: Files) -> str:
        assert self.renderer is not None
        src_uri = page.file.src_uri
        html_text = sanitize.clean(html_text)  # every body is contributor input

        prefix = prefix_of(page.url)
        item = self.item_files.get(src_uri)
        generated = self.generated.get(src_uri)
        # Material's own way to keep a page out of search, `search: {exclude: true}` in its
        # front matter, keeps a hand-written page out of Pagefind's index too
        wanted = page.meta.get("search")
        excluded = isinstance(wanted, dict) and bool(wanted.get("exclude"))
        if item is not None:
            self._set_meta(page, item.title, description=item.meta.summary)
            if not self.pagefind:
                page.meta["tags"] = self._search_tags(item)
                page.meta["search"] = {"boost": 2}
            elif not item.draft:
                self.indexed.add(src_uri)  # item.html marks it with data-pagefind-body
            else:
                self.indexed.discard(src_uri)
            rendered = self._item_ahead(src_uri, html_text) or self.renderer.item(
                item, html_text, prefix
            )
            if item.id in self.printed:
                self.documents[item.id] = (
                    self.renderer.document(item, rendered.whole(), prefix, self.config.paper_size),
                    self._base_url(config) + item.url,
                )
            return self._index_part(src_uri, self._later(src_uri, rendered))
        if generated is not None:
            self._set_meta(page, generated.title)
            rendered = self.ahead.take(src_uri) or self.renderer.page(generated, prefix)
            return self._later(src_uri, rendered)
        # A hand-written page: MkDocs took its title from the text; make it safe to print raw.
        title = page.meta.get("title") if isinstance(page.meta.get("title"), str) else page.title
        self._set_meta(
            page, html.unescape(str(title or "")), description=page.meta.get("description")
        )
        self.indexed.discard(src_uri)
        if self.pagefind and not excluded:
            # a result without filters: a chosen filter chip leaves these pages out
            self.indexed.add(src_uri)
            return self._index_part(
                src_uri, f'<div class="pb-page" data-pagefind-body>\n{html_text}\n</div>'
            )
        return html_text

    def _index_part(self, src_uri: str, part: str) -> str:
        """In a build, mark what Pagefind reads of the page (see search.IndexSource)."""
        if self.index_source is None or src_uri not in self.indexed:
            return part
        return self.index_source.mark(part)

    def _item_ahead(self, src_uri: str, body_html: str) -> Rendered | None:
        """The item's page from the second process, its body in place; None if not there."""
        rendered = self.ahead.take(src_uri)
        if rendered is None or rendered.html.count(BODY) != 1:
            return None
        return Rendered(rendered.html.replace(BODY, body_html), rendered.later)

    @staticmethod
    def _set_meta(page: Page, title: str, description: Any = None) -> None:
        """Material prints page.title and the meta description unescaped: store them escaped."""
        page.meta["title"] = str(escape(title))
        if isinstance(description, str):
            page.meta["description"] = str(escape(description))
        elif "description" in page.meta:
            page.meta["description"] = str(escape(str(page.meta["description"])))

    def _search_tags(self, item: Item) -> list[str]:
        assert self.library is not None
        names = self.library.taxonomy.names
        meta: Any = item.meta
        tags = [names("competencies").get(cid, cid) for cid in meta.competencies]
        tags += [names("modalities").get(m, m) for m in getattr(meta, "modalities", ())]
        tags += [names("levels").get(lv, lv) for lv in meta.levels]
        tags.append(TYPE_NAMES[item.type])
        return [str(escape(tag)) for tag in tags]

    def _later(self, src_uri: str, rendered: Rendered) -> str:
        """Keep the deferred fragments until search has read the page (see pages.LATER)."""
        if rendered.later:
            self.pending[src_uri] = rendered.later
        return rendered.html

    def on_post_page(self, output: str, *, page: Page, config: Any) -> str:
        if page.file.src_uri in self.elsewhere:
            return ""  # the second process writes it
        later = self.pending.pop(page.file.src_uri, None)
        if later is not None:
            output = fill_in(output, later)
        if self.index_source is not None and page.file.src_uri in self.indexed:
            output = self.index_source.take(page.url, output)
        return output

    @event_priority(-100)  # last: the nav the pages written ahead show
    def on_nav(self, nav: Any, *, config: Any, files: Files) -> Any:
        self.nav = nav
        return nav

    def _env(self, env: Any, *, config: Any, files: Files) -> Any:
        env.filters["striptags"] = _safe_striptags
        features = config.theme.get("features") or []
        # Material's templates, replaced by name in front of the theme's loader; the theme's
        # own (or a custom_dir override) stays reachable under NAV_PREFIX
        replaced: dict[str, str] = {ELSEWHERE: "{{ playbook_page() }}"}
        if "toc.integrate" not in features:
            replaced[NAV] = self._cache_nav(env)
        if self.material_search is not None:
            # the header's search box on Pagefind; overridable as custom_dir/playbook/search.html
            replaced[SEARCH_PARTIAL] = '{% include "playbook/search.html" %}'
        if replaced:
            original = env.loader
            env.loader = ChoiceLoader(
                [
                    DictLoader(replaced),
                    PrefixLoader({NAV_PREFIX: original}),
                    original,
                    PackageLoader("playbook", "templates"),
                ]
            )
        return env

    @event_priority(-100)  # last: every plugin's templates and filters are in place
    def _write_ahead(self, env: Any, *, config: Any, files: Files) -> Any:
        """Start a second process writing pages while MkDocs writes them here.

        Every page is converted by now (MkDocs converts them all, then fills the theme's
        template for each, on one core). MkDocs writes the pages in order from the first;
        the child writes them with MkDocs' own function for one page (hooks, template, file)
        from the last, and they stop where they meet (ahead.Claims). Each page's template
        here is ELSEWHERE, which fills the page's own template unless the child has the page;
        then the empty output makes MkDocs write nothing. The page events still run here for
        every page, so Material's search (`search: material`) indexes every page here; in
        the child it is off for its page event. Only with plugins known to keep nothing from
        a page event (SHAREABLE), in a whole build, where the builder has that function; else
        every page is written here. A page the child took but did not write (it failed) is
        written here at the end, where its error is reported (_gather_written)."""
        write_page = _page_writer(config)
        if self.serving or self.dirty or write_page is None or not set(config.plugins) <= SHAREABLE:
            return env
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        pages = [file.page for file in doc_files if file.page is not None]
        claims = Claims(len(pages))
        jobs = [
            (
                page.file.src_uri,
                functools.partial(
                    self._write_here, write_page, claims, n, page, config, doc_files, env
                ),
            )
            for n, page in reversed(list(enumerate(pages)))
        ]
        if not self.writer.start(jobs):
            return env
        self.shared = {
            page.file.src_uri: (n, page, page.meta.get("template")) for n, page in enumerate(pages)
        }
        self.page_writer = functools.partial(
            write_page, config=config, doc_files=doc_files, nav=self.nav, env=env
        )

        @pass_context
        def playbook_page(context: Any) -> Markup:
            """The page's own template, filled here, or nothing if the child has the page."""
            self.writer.receive()  # keep the child's pipe from filling up
            src_uri = context["page"].file.src_uri
            n, _, template = self.shared[src_uri]
            if not claims.front(n):
                self.elsewhere.add(src_uri)
                return Markup("")
            return Markup(env.get_template(template or "main.html").render(context.get_all()))

        env.globals["playbook_page"] = playbook_page
        for page in pages:
            page.meta["template"] = ELSEWHERE
        logging.getLogger(write_page.__module__).addFilter(self._written_elsewhere)
        return env

    on_env = CombinedEvent(_env, _write_ahead)

    def _write_here(
        self,
        write_page: Callable[..., None],
        claims: Claims,
        n: int,
        page: Page,
        config: Any,
        doc_files: Any,
        env: Any,
    ) -> str | None:
        """In the child: write page n, as MkDocs would, unless the parent has it (None).
        Returns why Pagefind's part of the page could not be written (see
        search.IndexSource), or ''."""
        if not claims.back(n):
            return None
        with self._seen_by_search(config):  # `search: material` indexes in the parent
            write_page(
                page, config, doc_files, self.nav, env, excluded=page.file.inclusion.is_excluded()
            )
        failed = self.index_source.failed if self.index_source is not None else None
        return "" if failed is None else str(failed)

    @contextlib.contextmanager
    def _seen_by_search(self, config: Any) -> Iterator[None]:
        """Pages written inside were indexed by Material's search already (`search:
        material`, in MkDocs' pass over every page): it is switched off for their page event,
        as with Pagefind (see _search_off), and stays on for the header, which asks for it."""
        searching = self.material_search
        self.material_search = searching or _search_plugin(config)
        try:
            yield
        finally:
            self.material_search = searching

    def _written_elsewhere(self, record: logging.LogRecord) -> bool:
        """MkDocs says it skipped a page with empty output: those the child wrote, it did not."""
        said = str(record.msg)
        if not said.startswith("Page skipped: '"):
            return True
        return said.split("'", 2)[1] not in self.elsewhere

    @event_priority(110)  # first: everything after reads the site
    def _gather_written(self, *, config: Any) -> None:
        """Wait for the pages the child took; write here any it did not write."""
        shared, self.shared = self.shared, {}
        elsewhere, self.elsewhere = self.elsewhere, set()
        if not shared:
            return
        assert self.page_writer is not None
        logging.getLogger(self.page_writer.func.__module__).removeFilter(self._written_elsewhere)
        for src_uri, (_, page, template) in shared.items():
            if template is None:
                page.meta.pop("template", None)
            else:
                page.meta["template"] = template
            if src_uri not in elsewhere:
                continue
            done = self.writer.take(src_uri)
            if done is None:  # the child failed: here, where the error is reported
                with self._seen_by_search(config):  # its page event saw this page above
                    self.page_writer(page, excluded=page.file.inclusion.is_excluded())
                continue
            self.pending.pop(src_uri, None)
            if done and self.index_source is not None and self.index_source.failed is None:
                self.index_source.failed = OSError(done)
        if self.writer.taken:
            log.info("pages: %d written by a second process", self.writer.taken)
        self.writer.close()

    def _cache_nav(self, env: Any) -> str:
        """Every page outside the nav (items, hubs) shows the same nav, differing only in
        where the page sits: render Material's nav partial once per place, not once per page.
        The nav's links are relative to the page: two pages get the same ones if they are as
        deep and share the same folders with the nav's links (case_studies/a/ and
        case_studies/b/, not competencies/c/, whose link to competencies/ is ../). The theme's
        own partial (or a custom_dir override) is still what renders it. Returns the template
        that stands in for the theme's partial."""
        cache: dict[tuple[int, str], Markup] = {}
        outside = set(self.item_files) | {
            uri for uri, page in self.generated.items() if not page.in_nav
        }
        folders = _nav_folders(self.nav.items if self.nav is not None else [])

        @pass_context
        def playbook_nav(context: Any) -> Markup:
            page = context.get("page")
            template = env.get_template(NAV_ORIGINAL)
            if page is None or page.file.src_uri not in outside:
                return Markup(template.render(context.get_all()))
            place = _nav_place(page.url, folders)
            if place not in cache:
                cache[place] = Markup(template.render(context.get_all()))
            return cache[place]

        env.globals["playbook_nav"] = playbook_nav
        return "{{ playbook_nav() }}"

    # ------------------------------------------------------------------ data out

    @staticmethod
    def _base_url(config: Any) -> str:
        return (config.site_url or NO_SITE_URL).rstrip("/") + "/"

    def _switch_material_search(self, enabled: bool) -> None:
        if self.material_search is not None:
            self.material_search.config.enabled = enabled

    @event_priority(100)
    def _search_off(self, context: Any, *, page: Page, config: Any, nav: Any) -> Any:
        self._switch_material_search(False)
        return context

    @event_priority(-100)
    def _search_on(self, context: Any, *, page: Page, config: Any, nav: Any) -> Any:
        self._switch_material_search(True)
        return context

    on_page_context = CombinedEvent(_search_off, _search_on)

    @event_priority(100)
    def _stop_material_search(self, *, config: Any) -> None:
        """Before Material's search plugin writes search/search_index.json (an empty one: it
        saw no page), switch it off; _post_build switches it back."""
        self._switch_material_search(False)

    def _post_build(self, *, config: Any) -> None:
        if self.ahead.taken:
            log.info("pages: %d rendered ahead by a second process", self.ahead.taken)
        self.ahead.close()
        self._switch_material_search(True)
        if self.library is None:
            return
        if self.plan is not None and self.dirty:
            self._remove_gone(Path(config.site_dir), self.plan.gone)
        if self.config.pdf:
            self._write_pdfs(config)
        if self.config.export:
            self._export(config)

    @event_priority(-100)
    def _index_search(self, *, config: Any) -> None:
        """Pagefind reads the finished site: last, after every plugin has written its pages.
        In `mkdocs serve`, after each rebuild (the whole site is indexed again)."""
        source, self.index_source = self.index_source, None
        try:
            self._index(Path(config.site_dir), source)
        finally:
            if source is not None:
                source.close()
            gc.unfreeze()  # the build is over (see on_config): a host process may go on

    def _index(self, site: Path, source: IndexSource | None) -> None:
        if self.library is None or not self.pagefind:
            return
        if not self.indexed:
            # without a single data-pagefind-body, Pagefind would index every page whole
            shutil.rmtree(site / SEARCH_OUTPUT, ignore_errors=True)
            log.info("search: no published item or page to index; no search index written")
            return
        if self.live:
            # the page shows now; its search results follow in a few seconds
            self.indexer.start(site, done=_log_indexed)
            return
        shutil.rmtree(site / SEARCH_OUTPUT, ignore_errors=True)  # a --dirty build's old index
        try:
            if source is not None and source.failed is not None:
                log.info("search: Pagefind reads the site (%s)", source.failed)
            usable = source is not None and source.failed is None
            _log_indexed(index_site(site, source=source.folder if usable else None))
        except SearchIndexError as error:
            raise PluginError(str(error)) from error

    @staticmethod
    def _remove_gone(site: Path, gone: frozenset[str]) -> None:
        """A dirty build keeps site_dir: delete the pages of items deleted or renamed since
        the previous build (the page and its PDFs; the folder if nothing else is left)."""
        for src_uri in gone:
            folder = site / page_url(src_uri)
            for stale in [folder / "index.html", *folder.glob("*.pdf")]:
                stale.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # not empty (pages below it), or gone
                folder.rmdir()

    on_post_build = CombinedEvent(
        _gather_written, _stop_material_search, _post_build, _index_search
    )

    def _write_pdfs(self, config: Any) -> None:
        assert self.library is not None
        started = time.perf_counter()
        assets = resources.files("playbook") / "assets"
        css = [name for name in ASSETS if name.endswith(".css")]  # what pdf.html links
        styles = hashlib.sha256(b"".join((assets / n).read_bytes() for n in css)).hexdigest()
        stats = self.pdf_writer.write(
            Path(config.site_dir),
            self._base_url(config),
            self.documents,
            self.pdf_jobs,
            salt=f"{styles}\0{self.config.paper_size}",
        )
        for item_id, urls in stats.refused.items():
            item = self.library.items[item_id]
            for url in urls:
                log.warning(
                    f"{item.path}: its PDF may not load '{url}': PDFs read files of the built "
                    "site only (link to a file inside the site, or leave it out)"
                )
        log.info(
            "PDFs: %d written in %.1f s (%d item pages rendered, %d reused)",
            stats.written,
            time.perf_counter() - started,
            stats.rendered,
            stats.reused,
        )

    def _export(self, config: Any) -> None:
        assert self.library is not None
        site = Path(config.site_dir)
        data = json.dumps(library_json(self.library), ensure_ascii=False, separators=(",", ":"))
        # JSON in HTML contexts: make "<" safe even if someone inlines it
        (site / "library.json").write_text(data.replace("<", "\\u003c"), encoding="utf-8")
        folder = site / "schemas"
        folder.mkdir(exist_ok=True)
        for name, schema in schemas().items():
            (folder / name).write_text(json.dumps(schema, indent=2), encoding="utf-8")

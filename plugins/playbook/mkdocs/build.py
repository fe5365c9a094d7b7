"""One MkDocs build of the library, and what a `mkdocs serve` session keeps between builds.

The plugin's events hand their work to a `SiteBuild`, made anew by each `on_config` (so a
build's state is reset in one place: by making a new one), and to the `Session`, which lives
as long as the plugin (MkDocs keeps a plugin that has `on_startup` across serve rebuilds).
Only MkDocs' and Material's public plugin API is used.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import html
import logging
import multiprocessing
import os
import posixpath
import shutil
import signal
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup, escape
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from ..core.cache import ParseCache, cache_folder
from ..core.library import Item, page_url
from ..core.problems import Problem
from ..outputs.export import Export, export_files, write_export
from ..outputs.pdf import (
    PdfError,
    PdfStats,
    Progress,
    cache_of,
    pdf_jobs,
    printed_ids,
    report,
    worker_count,
    write_pdfs,
)
from ..outputs.search import NEXT as SEARCH_NEXT
from ..outputs.search import OUTPUT as SEARCH_OUTPUT
from ..outputs.search import (
    Indexing,
    IndexSource,
    IndexStats,
    SearchIndexError,
    index_site,
)
from ..site import ASSET_DIR, ASSETS, SEARCH_ASSETS, base_url, scan
from ..site.ahead import BODY, Ahead, tell
from ..site.meta import escape_material_meta
from ..site.pages import (
    GeneratedPage,
    Rendered,
    fill_in,
    headings,
    prefix_of,
    search_tags,
    site_pages,
)
from ..site.paper import QrCodes, item_addresses
from ..site.preview import Plan, error_banner, with_banner
from .config import PlaybookConfig, renderer_of, settings_of
from .nav import NAV, cached_nav, replace_templates
from .session import Session

log = logging.getLogger("mkdocs.plugins.playbook")
# From this many pages to index, the PDF workers wait for Pagefind (see _before_pdf_workers)
WORKERS_AFTER_INDEX = 5000
T = TypeVar("T")

SEARCH_PARTIAL = "partials/search.html"
EXPORT_JOB = "\0export"  # the second process's last job: not a page's src_uri
QR_JOB = "\0qr"  # the one before: it keeps the QR codes its pages printed
PARSED_JOB = "\0parsed"  # and before: it keeps the front matter the scan parsed
CODES_JOB = "qr codes"  # the one job of the process that makes a first build's codes
# Plugins that cannot work beside ours, and why: said as an error, never a traceback
UNSUPPORTED = {
    "i18n": (
        "mkdocs-static-i18n rebuilds the file list of each language from docs_dir and drops "
        "every page it cannot place there (the library's items live in their own folders, and "
        "its hubs and indexes have no source file), then builds each language again inside "
        "the first build. Remove `i18n` from plugins in mkdocs.yml (the library is published in "
        "one language), or build the translated pages as a separate site"
    ),
}
EPOCH = (0, 0)  # an output's times set so, MkDocs' dirty build takes the page as modified


def _log_indexed(stats: IndexStats | SearchIndexError, beside: str = "") -> None:
    if isinstance(stats, SearchIndexError):  # serve, in the background: the site still shows
        log.error(f"search: {stats}")
        return
    log.info(
        "search: Pagefind indexed %d pages (of %d HTML files) in %.1f s%s",
        stats.pages,
        stats.files,
        stats.seconds,
        beside,
    )


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


def _safe_striptags(value: Any) -> Markup:
    """Jinja's striptags unescapes entities; printed raw by Material (e.g. in <title>), a title
    like `</title><script>` would become markup again. Strip, then escape once more."""
    return escape(Markup(str(value)).striptags())


def _search_plugin(config: Any) -> Any:
    plugins = config.plugins
    return plugins.get("material/search") or plugins.get("search")


class SiteBuild:
    """One build: the checked library, its renderer, and what the page events share."""

    def __init__(self, config: Any, options: PlaybookConfig, session: Session) -> None:
        if not config.use_directory_urls:
            raise PluginError(
                "the playbook plugin needs use_directory_urls: true (the MkDocs default); "
                "remove `use_directory_urls: false` from mkdocs.yml"
            )
        for name, why in UNSUPPORTED.items():
            if name in config.plugins:
                raise PluginError(f"the playbook plugin cannot work beside `{name}`: {why}")
        self.options, self.session = options, session
        self.settings = settings_of(config, options)
        self.pagefind = options.search == "pagefind"
        self.assets = ASSETS + SEARCH_ASSETS if self.pagefind else ASSETS
        if session.serving:
            session.indexer.cancel()  # it would read pages this build is about to rewrite
        # checked here, before MkDocs writes anything: a cache_dir that may not be used stops
        # the build before the site is emptied, not after its pages are written
        folder = self._cache_folder(config)
        self.codes_ahead = self._codes_ahead(config, folder)
        # front matter parsed by the last build; not by a rebuild of `mkdocs serve`, which
        # reads only the files that changed since the last (see scan's `cache`)
        read_cache = session.read_cache if session.serving else None
        parsed = None if read_cache else ParseCache(folder, options.cache_limit_mb)
        library, problems, count = scan(self.settings, read_cache, parsed)
        # kept for the next build by the second process, after the pages (its JSON took
        # 0.05 s of this one's, after an edit), or in `finish`
        self.parsed = parsed
        self.errors: list[Problem] = []  # serve: shown on every page, over the last good build
        self.banner = ""
        if library is None:
            for warning in self._save_parsed():
                log.warning(warning)
            self.errors = [p for p in problems if p.severity == "error"]
            for problem in self.errors:  # each, every time: MkDocs' own logger drops repeats
                log.error(str(problem))
            if not session.serving or session.good is None:
                session.forget()
                raise PluginError(
                    f"the playbook library has {len(self.errors)} error(s), above; nothing was "
                    "built and the previous site is untouched"
                )
            library, count = session.good
            self.banner = error_banner(self.errors)  # made once, put on every page
            log.info(
                "preview: the pages show the library as it was before the error(s) above, "
                "under a banner that lists them"
            )
        elif session.serving:
            session.good = (library, count)
        for warning in library.warnings:
            log.warning(str(warning))
        self.every_item = library  # drafts too: a build must leave theirs out
        self.library = library if session.serving else library.published()
        cache = folder if options.pdf else None
        self.renderer = renderer_of(self.library, config, options, cache)
        if session.serving and session.renderer is not None:
            self.renderer.reuse_rankings(session.renderer)
        session.renderer = self.renderer
        self.pdf_jobs = pdf_jobs(self.library) if options.pdf else []
        self.pdf_cache = cache_of(cache, options.cache_limit_mb)
        self.printed = printed_ids(self.pdf_jobs)
        if session.serving:  # a dirty rebuild renders only some pages: keep the others'
            session.documents = {k: v for k, v in session.documents.items() if k in self.printed}
        else:
            session.documents, session.indexed = {}, set()
        self.items: dict[str, Item] = {}  # src_uri -> item
        self.pages: dict[str, GeneratedPage] = {}  # src_uri -> generated page
        self.pending: dict[str, tuple[str, ...]] = {}  # deferred fragments, until post_page
        self.lost: list[str] = []  # pages whose fragments' markers another plugin removed
        # our pages (and the export, last) in a second process (see _render_ahead)
        self.ahead: Ahead[Rendered | Export | list[str]] = Ahead()
        # the PDF stage, in a second process while the templates render (see _pdfs_ahead)
        self.pdfs: Ahead[tuple[PdfStats, str | None, float]] = Ahead(say=log.info)
        self.pdfs_started = False
        self.index_source: IndexSource | None = None
        self.marked: list[Page] = []  # the pages whose part index_source is to take
        self.indexing: Indexing | None = None  # Pagefind, started before the templates or the PDFs
        self.indexing_ahead = False  # started before the templates, and kept
        self.nav: Any = None
        self.plan: Plan | None = None
        for name in self.assets:
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if f"{ASSET_DIR}/{name}" not in [str(x) for x in target]:
                target.append(f"{ASSET_DIR}/{name}")
        session.markup.remote_hosts = frozenset(self.settings.remote_hosts)
        if session.markup not in config.markdown_extensions:
            config.markdown_extensions.append(session.markup)
        self.material_search = self._material_search(config)
        log.info(
            "library: %d items checked, %d published%s",
            count,
            len(self.library),
            parsed.said() if parsed is not None else "",
        )
        if not session.serving:
            # the library lives as long as the build: keep the collector from walking it
            # again and again (0.3 to 0.5 s of 1.5 s of collections at 5,000 items); a last
            # build's, if no collection gave it back yet, is given back with this one's
            _thaw["pending"] = False
            gc.freeze()

    def _codes_ahead(self, config: Any, folder: Path | None) -> Ahead[dict[str, str]]:
        """A build with no QR codes kept (the first: see QrCodes) made its 2,000 codes in
        the second process that renders the pages, which then fell behind the build's own
        (0.4 s at 2,000 items). They are made instead by a process forked before the scan,
        on the core the scan leaves idle: an item page's address mirrors its file's path."""
        ahead: Ahead[dict[str, str]] = Ahead()
        codes = QrCodes(folder, self.options.cache_limit_mb)
        kept = codes.path is not None and codes.path.is_file()
        if self.options.pdf and config.site_url and not kept and not self.session.serving:
            addresses = functools.partial(item_addresses, self.settings, config.site_url)
            ahead.start([(CODES_JOB, lambda: codes.make(addresses()))])
        return ahead

    def _save_parsed(self) -> list[str]:
        """Keep the front matter the scan parsed for the next build (see ParseCache); the
        warnings to give if the folder cannot be written."""
        parsed, self.parsed = self.parsed, None
        return parsed.save() if parsed is not None else []

    def _material_search(self, config: Any) -> Any:
        """With `search: pagefind`, Material's search plugin (which mkdocs.yml keeps listed)
        stays for the header's search button and box, which our partial fills; the library's
        pages carry Material's own `search: {exclude: true}`, so it indexes only the
        hand-written pages, in an index nobody downloads."""
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
        self.session.note(
            "search: Pagefind indexes the site after the build; Material's search plugin "
            "skips the library's pages (set `search: material` in the playbook plugin's "
            "options to use it instead)"
        )
        return found

    # ------------------------------------------------------------------ nav

    def navigation(self, nav: Navigation, config: Any) -> Navigation:
        """Kept for the pages outside it (see nav.py). In a nav MkDocs made from the folders
        (no `nav:` in mkdocs.yml), a folder of ours that holds a single page of the nav
        (competencies/: its hubs are outside the nav) would be a section of one link, both
        named "Competencies": the page stands in the section's place. The site's own
        sections, and a nav written in mkdocs.yml, are left as they are."""
        if config.nav is None:
            nav.items = [self._unfolded(item) for item in nav.items]
        self.nav = nav
        return nav

    def _unfolded(self, item: Any) -> Any:
        if not isinstance(item, Section):
            return item
        children = item.children = [self._unfolded(child) for child in item.children]
        if len(children) != 1 or not children[0].is_page:
            return item
        if children[0].file.src_uri not in self.pages:
            return item
        children[0].parent = item.parent
        return children[0]

    # ------------------------------------------------------------------ files

    def files(self, files: Files, config: Any) -> Files:
        """Items are their real source files (in docs_dir as MkDocs listed them, elsewhere
        added with the project as their source folder), kept out of the nav; drafts leave a
        build; the generated pages and our assets are added."""
        prefix, root = self.settings.docs_prefix, self.settings.root
        in_docs = {f.src_uri: f for f in files}
        if self.settings.taxonomy.startswith(prefix):
            taxonomy = in_docs.get(self.settings.taxonomy.removeprefix(prefix))
            if taxonomy is not None:
                files.remove(taxonomy)
        for item in self.every_item:
            found = in_docs.get(item.src_uri) if item.path.startswith(prefix) else None
            if item.id not in self.library.items:  # a draft, in a build
                if found is not None:
                    files.remove(found)
                continue
            if found is None:
                found = File(
                    item.path,
                    src_dir=str(root),
                    dest_dir=config.site_dir,
                    use_directory_urls=True,
                    inclusion=InclusionLevel.NOT_IN_NAV,
                )
                # "Edit this page" (repo_url + edit_uri, which leads into docs_dir) leads to
                # the item's own file: a path from docs_dir to it
                found.edit_uri = posixpath.relpath(item.path, self.settings.docs_dir)
                files.append(found)
            else:
                found.inclusion = InclusionLevel.NOT_IN_NAV
            self.items[item.src_uri] = item
        stubs = self.session.serving and self.session.dirty
        for page in site_pages(self.library.taxonomy):
            inclusion = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            source = {"abs_src_path": self.session.stub(page.src_uri)} if stubs else {"content": ""}
            files.append(File.generated(config, page.src_uri, inclusion=inclusion, **source))
            self.pages[page.src_uri] = page
        assets = resources.files("playbook") / "assets"
        for name in self.assets:
            files.append(
                File.generated(config, f"{ASSET_DIR}/{name}", content=(assets / name).read_bytes())
            )
        if self.session.serving:
            self._plan(files, config)
        else:
            self._render_ahead(files)
            if self.pagefind:
                self.index_source = IndexSource(len(files))
        return files

    def _render_ahead(self, files: Files) -> None:
        """Start a second process rendering our pages (see site/ahead.py) while MkDocs
        converts Markdown; not with templates of ours overridden in custom_dir, which may use
        the item's body in other ways than printing it where it stands."""
        made = self.codes_ahead.take(CODES_JOB)  # a first build's QR codes (_codes_ahead)
        self.codes_ahead.close()
        if made:
            self.renderer.qr_codes.add(made)
        if self.renderer.overridden:
            self.session.note(
                "pages: rendered in this process only: templates of ours are overridden in "
                "custom_dir, and may use an item's body in other ways than printing it"
            )
            return
        jobs = []
        for file in files.documentation_pages():
            prefix = prefix_of(file.url)
            item, page = self.items.get(file.src_uri), self.pages.get(file.src_uri)
            if item is not None:
                jobs.append(
                    (file.src_uri, functools.partial(self.renderer.item, item, BODY, prefix))
                )
            elif page is not None:
                jobs.append((file.src_uri, functools.partial(self.renderer.page, page, prefix)))
        jobs.append((PARSED_JOB, self._save_parsed))
        jobs.append((QR_JOB, self.renderer.save_qr_codes))
        if self.options.export:  # depends on the library only: done once the pages are
            jobs.append((EXPORT_JOB, functools.partial(export_files, self.library)))
        why = self.ahead.start(jobs)
        if why:
            log.info("pages: rendered in this process only (no second process: %s)", why)
            return

    def _plan(self, files: Files, config: Any) -> None:
        """Serve: find the pages this build must render. In a dirty rebuild (`mkdocs serve
        --dirty`), MkDocs renders a page whose output is older than its source: the outputs
        of the pages the edit changes are dated back so that it renders them too."""
        written = files.documentation_pages()
        ours = set(self.items) | set(self.pages)
        config_file = Path(config.config_file_path or ".")
        context = (
            str(config_file),
            config_file.stat().st_mtime_ns if config_file.is_file() else 0,
            config.site_dir,
            self.library.taxonomy,
            tuple(sorted(f.src_uri for f in written if f.src_uri not in ours)),
            tuple(sorted((k, repr(v)) for k, v in self.options.items())),
            _folder_stamp(config.theme.custom_dir),
            tuple(str(problem) for problem in self.errors),  # the banner: on every page
        )
        started = time.perf_counter()
        plan = self.plan = self.session.preview.plan(
            self.library, self.renderer, self.pages.values(), context
        )
        self.session.indexed &= ours
        if not self.session.dirty:
            if self.options.fast_preview:
                self.session.note(
                    "preview: `mkdocs serve` renders every page after each edit; "
                    "`playbook serve` (or `mkdocs serve --dirty`) renders only the pages the "
                    "edit changes"
                )
            return
        if not self.options.fast_preview:
            plan = Plan(whole=True, changed=plan.changed, gone=plan.gone)
        for file in written:
            if plan.whole or file.src_uri in plan.changed:
                with contextlib.suppress(OSError):  # not written yet: rendered anyway
                    os.utime(file.abs_dest_path, EPOCH)
        if not plan.whole:
            log.info(
                "preview: %d of %d pages to render again (found in %.2f s)",
                len(plan.changed),
                len(ours),
                time.perf_counter() - started,
            )

    # ------------------------------------------------------------------ pages

    def read_source(self, page: Page) -> str | None:
        """An item's source, as MkDocs reads it: its body, read and checked already by the
        core, under an empty front matter. MkDocs would otherwise parse every item's front
        matter again with PyYAML's pure-Python loader (most of the plugin's build time at
        10,000 items), into a page.meta the plugin replaces anyway. The file stays the page's
        source for everything else (its path, its dates, its Git history).
        (`on_page_read_source` is public, and deprecated since MkDocs 1.6 in favour of
        setting a File's content, which would make the page a generated one: no source file
        for other plugins, and MkDocs' dirty rebuild could no longer tell it unchanged.)"""
        item = self.items.get(page.file.src_uri)
        return None if item is None else "---\n{}\n---\n" + item.body

    def markdown(self, page: Page, markdown: str) -> str:
        """The contributor-HTML filter is on for items (and for hand-written pages with
        `clean_pages`) while their Markdown is converted. An item's text is never code:
        mkdocs-macros would render its Markdown as a Jinja template, unsandboxed, after this
        (`{{ ... }}` in a case study run by the build); macros' own per-page switch turns it
        off for items."""
        item = self.items.get(page.file.src_uri)
        if item is not None:
            page.meta["render_macros"] = False
        self.session.markup.active = item is not None or (
            self.options.clean_pages and page.file.src_uri not in self.pages
        )
        if item is None and page.file.src_uri not in self.pages:
            # a hand-written page: Material prints some keys of its front matter raw (in this
            # page and in the nav of every page). Escaped here, before other plugins add
            # theirs (git dates come as HTML); nothing is added to page.meta that was not
            # there (Material lays out a page with front matter differently)
            escape_material_meta(
                page.meta, self.settings.docs_prefix + page.file.src_uri, log.warning
            )
        return markdown  # an item's is its body already (read_source), its page.meta empty

    def content(self, page: Page, html_text: str, config: Any) -> str:
        self.session.markup.active = False
        src_uri = page.file.src_uri
        prefix = prefix_of(page.url)
        item = self.items.get(src_uri)
        generated = self.pages.get(src_uri)
        indexed = self.session.indexed
        if item is not None:
            self._set_meta(page, item.title, description=item.meta.summary)
            if not self.pagefind:
                page.meta["tags"] = [str(escape(t)) for t in search_tags(self.library, item)]
                page.meta["search"] = {"boost": 2}
            elif not item.draft:
                indexed.add(src_uri)  # item.html marks it with data-pagefind-body
            else:
                indexed.discard(src_uri)
            rendered = self._item_ahead(src_uri, html_text) or self.renderer.item(
                item, html_text, prefix
            )
            whole = rendered.whole()  # the page with its deferred parts: its sections, its paper
            page.toc = _toc(page.toc, headings(whole))
            if item.id in self.printed:
                self.session.documents[item.id] = self.renderer.print_part(
                    item, whole, html_text, prefix, self.base_url(config) + item.url
                )
            return self._index_part(page, self._later(src_uri, rendered))
        if generated is not None:
            self._set_meta(page, generated.title)
            rendered = self.ahead.take(src_uri)
            if not isinstance(rendered, Rendered):
                rendered = self.renderer.page(generated, prefix)
            return self._later(src_uri, rendered)
        # A hand-written page (its front matter was escaped in markdown())
        if "title" not in page.meta and page.title:  # from its first heading: MkDocs' weak
            page.title = str(escape(html.unescape(page.title)))  # property, set for this page
        indexed.discard(src_uri)
        # Material's own way to keep a page out of search, `search: {exclude: true}` in its
        # front matter, keeps a hand-written page out of Pagefind's index too
        wanted = page.meta.get("search")
        excluded = isinstance(wanted, dict) and bool(wanted.get("exclude"))
        if self.pagefind and not excluded:
            # a result without filters: a chosen filter chip leaves these pages out
            indexed.add(src_uri)
            return self._index_part(
                page, f'<div class="pb-page" data-pagefind-body>\n{html_text}\n</div>'
            )
        return html_text

    def _set_meta(self, page: Page, title: str, description: str | None = None) -> None:
        """For an item's or a generated page's page.meta (empty until now): Material prints
        page.title and the meta description unescaped, so they are stored escaped. With
        Pagefind, Material's search skips the library's pages."""
        page.meta["title"] = str(escape(title))
        if description is not None:
            page.meta["description"] = str(escape(description))
        if self.pagefind:
            page.meta["search"] = {"exclude": True}

    def _index_part(self, page: Page, part: str) -> str:
        """In a build, mark what Pagefind reads of the page (see search.IndexSource)."""
        if self.index_source is None or page.file.src_uri not in self.session.indexed:
            return part
        self.marked.append(page)
        return self.index_source.mark(part)

    def _item_ahead(self, src_uri: str, body_html: str) -> Rendered | None:
        """The item's page from the second process, its body in place; None if not there."""
        rendered = self.ahead.take(src_uri)
        if not isinstance(rendered, Rendered) or rendered.html.count(BODY) != 1:
            return None
        return Rendered(rendered.html.replace(BODY, body_html), rendered.later)

    def _later(self, src_uri: str, rendered: Rendered) -> str:
        """Keep the deferred fragments until search has read the page (see pages.LATER)."""
        if rendered.later:
            self.pending[src_uri] = rendered.later
        return rendered.html

    def env(self, env: Any, config: Any) -> Any:
        env.filters["striptags"] = _safe_striptags
        features = config.theme.get("features") or []
        replaced: dict[str, str] = {}
        if "toc.integrate" not in features:
            outside = set(self.items) | {u for u, p in self.pages.items() if not p.in_nav}
            replaced[NAV] = cached_nav(env, outside, self.nav)
        if self.material_search is not None:
            # the header's search box on Pagefind; overridable as custom_dir/playbook/search.html
            replaced[SEARCH_PARTIAL] = '{% include "playbook/search.html" %}'
        replace_templates(env, replaced)
        self._index_ahead(config)
        return env

    def _index_ahead(self, config: Any) -> None:
        """Every page's content is final now (MkDocs converts them all, then renders the
        templates): write what Pagefind reads of each and start it, so that it indexes on
        another core while the templates render (at 2,000 items, 1.6 s it no longer adds after
        the last page). The language and the heading are Material's: `<html lang>` of the
        theme's language, and the page's title as an <h1> unless its content has one.
        IndexSource.take checks each page once finished; if one differs, `_start_index`
        starts Pagefind again, once every page is written."""
        source, marked, self.marked = self.index_source, self.marked, []
        if source is None or not self.pagefind or not marked:
            return
        theme = config.theme
        lang = theme.get("language") or str(theme.get("locale") or "") or None
        for page in marked:
            content = page.content or ""
            heading = "" if "<h1" in content else f"<h1>{page.title or config.site_name}</h1>"
            later = self.pending.get(page.file.src_uri, ())
            source.ahead(page.url, fill_in(content, later), lang, heading)
        self._start_index(Path(config.site_dir))
        self.indexing_ahead = self.indexing is not None

    def post_page(self, page: Page, output: str, config: Any) -> str:
        """The page made whole, before any other plugin's on_post_page (see plugin.py): the
        parts held back from Material's search in their places, so that a plugin listed
        before ours (a minifier that drops HTML comments) gets the page as it is published."""
        if not self.pdfs_started:
            self.pdfs_started = True
            self._pdfs_ahead(config)
        self.pdfs.receive()  # says the PDF stage's progress, if it told any
        later = self.pending.pop(page.file.src_uri, None)
        if later is not None:
            lost: list[int] = []
            output = fill_in(output, later, lost)
            if lost:
                item = self.items.get(page.file.src_uri)
                self.lost.append(item.path if item is not None else f"/{page.url}")
        if self.banner:
            output = with_banner(output, self.banner)
        return output

    def indexed_page(self, page: Page, output: str) -> str:
        """What Pagefind reads of the page, as the plugins listed before ours left it."""
        if self.index_source is not None and page.file.src_uri in self.session.indexed:
            output = self.index_source.take(page.url, output)
        return output

    def _say_lost(self) -> None:
        if not self.lost:
            return
        shown = ", ".join(self.lost[:10]) + (
            f" and {len(self.lost) - 10} more" if self.lost[10:] else ""
        )
        log.warning(
            "%d page(s) miss the parts held back from Material's search (fields, facts, "
            "cross-links): %s. The HTML comments that mark their places were removed by a "
            "plugin or hook that changed the pages' content after the playbook plugin: keep "
            "HTML comments in it, or use `search: pagefind` (the default), which holds "
            "nothing back.",
            len(self.lost),
            shown,
        )

    # ------------------------------------------------------------------ data out

    @staticmethod
    def base_url(config: Any) -> str:
        return base_url(config.site_url)

    def finish(self, config: Any) -> None:
        """After every page is written: PDFs and the export."""
        self._say_lost()
        if self.ahead.taken:
            log.info("pages: %d rendered ahead by a second process", self.ahead.taken)
        warnings = self.ahead.take(PARSED_JOB)  # kept by the second process, if it ran
        for warning in self._save_parsed() if warnings is None else warnings:
            log.warning(warning)
        codes_kept = self.ahead.take(QR_JOB)  # by the second process, if it ran
        made = self.ahead.take(EXPORT_JOB) if self.options.export else None
        self.ahead.close()
        site = Path(config.site_dir)
        if self.plan is not None and self.session.dirty:
            _remove_gone(site, self.plan.gone)
        self._start_index(site)
        try:
            if self.options.pdf:
                self._write_pdfs(config)
                if not codes_kept:  # the pages were rendered here (a preview)
                    self.renderer.save_qr_codes()
            if self.options.export:
                write_export(site, made if isinstance(made, dict) else export_files(self.library))
        except OSError as error:  # a full disk, a read-only folder: one line, no traceback
            where = error.filename or site
            raise PluginError(
                f"the site could not be written at {where}: {error.strerror}"
            ) from error

    def _start_index(self, site: Path) -> None:
        """Start Pagefind on what it reads of the pages (the IndexSource), so that it indexes
        while the templates render (`_index_ahead`) or, if the pages were not all as written
        ahead, again after them, while the PDFs are made; its index goes into the site when
        `index` has waited for it. Otherwise (no usable source: Pagefind reads the site;
        or a live preview) it starts in `index`, last."""
        source = self.index_source
        if not self.pagefind or not self.session.indexed or self.session.live:
            return
        if source is None or source.failed is not None:
            return
        if self.indexing is not None:  # started ahead
            if not source.rewritten:
                return
            log.info(
                "search: Pagefind started again after the pages: %d of them were not as "
                "their content gave them (a plugin listed before `- playbook` in mkdocs.yml "
                "changed them, a minifier perhaps, or the theme printed another heading or "
                "language); a plugin listed after it changes pages once Pagefind has them",
                source.rewritten,
            )
            self.indexing.stop()
            self.indexing, self.indexing_ahead = None, False
        # written into the site, so that it is renamed, not copied, into place (a copy of
        # 2,000 small files took 1.6 s); before the templates, the site may not be there yet
        shutil.rmtree(site / SEARCH_NEXT, ignore_errors=True)
        site.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(SearchIndexError):  # then `index` starts it, and says why not
            self.indexing = Indexing(site, site / SEARCH_NEXT, source=source.folder)

    def index(self, config: Any) -> None:
        """Pagefind reads the finished site: last, after every plugin has written its pages.
        In `mkdocs serve`, after each rebuild, in the background."""
        source, self.index_source = self.index_source, None
        try:
            self._index(Path(config.site_dir), source)
        finally:
            if source is not None:
                source.close()
            _thaw_at_next_collection()  # the build is over: a host process may go on

    def _index(self, site: Path, source: IndexSource | None) -> None:
        if not self.pagefind:
            return
        if not self.session.indexed:
            # without a single data-pagefind-body, Pagefind would index every page whole
            shutil.rmtree(site / SEARCH_OUTPUT, ignore_errors=True)
            log.info("search: no published item or page to index; no search index written")
            return
        if self.session.live:
            # the page shows now; its search results follow in a few seconds
            self.session.indexer.start(site, done=_log_indexed)
            return
        shutil.rmtree(site / SEARCH_OUTPUT, ignore_errors=True)  # a --dirty build's old index
        indexing, self.indexing = self.indexing, None
        try:
            if indexing is not None:
                try:
                    stats = indexing.wait()
                except SearchIndexError:
                    indexing.stop()
                    raise
                indexing.output.rename(site / SEARCH_OUTPUT)
                beside = [
                    w
                    for w, on in (
                        ("pages", self.indexing_ahead),
                        ("PDFs", self.options.pdf),
                        ("export", self.options.export),
                    )
                    if on
                ]
                said = " and ".join([", ".join(beside[:-1]), beside[-1]] if beside[1:] else beside)
                _log_indexed(stats, f", beside the {said}" if said else "")
                return
            if source is not None and source.failed is not None:
                log.info("search: Pagefind reads the site (%s)", source.failed)
            usable = source is not None and source.failed is None
            _log_indexed(index_site(site, source=source.folder if usable else None))
        except SearchIndexError as error:
            raise PluginError(str(error)) from error

    def fail(self) -> None:
        self.codes_ahead.close()
        self.ahead.close()
        self.pdfs.close()
        if self.indexing is not None:
            self.indexing.stop()
            self.indexing = None
        if self.index_source is not None:
            self.index_source.close()
            self.index_source = None
        _thaw_now()
        self.session.forget()

    def _cache_folder(self, config: Any) -> Path | None:
        """The project's cache folder (None when cache_limit_mb is 0); PluginError if
        cache_dir may not be used."""
        options = self.options
        if not options.cache_limit_mb:
            return None
        try:
            return cache_folder(self.settings, options.cache_dir, Path(config.site_dir))
        except ValueError as error:
            raise PluginError(str(error)) from None

    def _index_too_large_beside_pdfs(self) -> bool:
        """Pagefind needs about 85 KB per page at its peak (850 MiB for 10,000 pages): beside
        it, the PDF workers took a 10,000-item build over 1.5 GiB. From WORKERS_AFTER_INDEX
        pages to index, the two are not run side by side."""
        return self.indexing is not None and len(self.session.indexed) >= WORKERS_AFTER_INDEX

    def _before_pdf_workers(self) -> None:
        """On a site whose index is too large beside the PDF workers, they start once Pagefind
        is done (about 12 s at 10,000 pages); a build with nothing to lay out starts none."""
        indexing = self.indexing
        if indexing is not None and self._index_too_large_beside_pdfs():
            log.info(
                "PDF workers: they start once Pagefind is done (%d pages to index: their "
                "memory and Pagefind's would add up)",
                len(self.session.indexed),
            )
            with contextlib.suppress(SearchIndexError):  # reported by `index`, after
                indexing.wait()

    def _pdf_stage(
        self, config: Any, say: Callable[[str], object] = log.info
    ) -> tuple[PdfStats, str | None, float]:
        """Every PDF into the site: the stage's figures, why the cache could not be written
        (or None) and its seconds. `say`: where a long stage's progress goes."""
        started = time.perf_counter()
        stats = write_pdfs(
            self.session.pdf_writer,
            Path(config.site_dir),
            self.base_url(config),
            self.pdf_jobs,
            functools.partial(self.renderer.pdf_document, parts=self.session.documents),
            engine=self.options.pdf_engine,
            cache=self.pdf_cache,
            workers=worker_count(self.options.pdf_workers),
            before_workers=self._before_pdf_workers,
            keep=self.session.serving,  # for the next rebuild
            progress=Progress(say),
        )
        return stats, self.pdf_cache.failed, time.perf_counter() - started

    def _pdfs_ahead(self, config: Any) -> None:
        """When MkDocs renders the first page's template, every file the PDFs load is in the
        site (MkDocs copies them before), and what they print is known (every page's content
        is): a second process makes them, at a lower priority, while this one renders the
        templates. Not in `mkdocs serve` (its PDFs stay in this process's memory for the next
        rebuild), nor on a site whose index is too large beside the PDF workers (their memory
        and Pagefind's would add up). What that process did not do (it failed) is done
        in `_write_pdfs`, which reports it."""
        if not self.options.pdf or not self.pdf_jobs or self.session.serving:
            return
        if self._index_too_large_beside_pdfs():
            return
        why = self.pdfs.start(
            [("pdfs", functools.partial(_niced, self._pdf_stage, config, tell))], daemon=False
        )
        if why:
            log.info("PDF stage: after the pages, in this process (no second process: %s)", why)

    def _write_pdfs(self, config: Any) -> None:
        found = self.pdfs.take("pdfs")  # None if not started, or if it failed
        self.pdfs.close()
        if found is None:
            try:
                found = self._pdf_stage(config)
            except PdfError as error:
                raise PluginError(f"PDFs: {error}") from error
        stats, self.pdf_cache.failed, seconds = found
        warnings, summary = report(stats, self.pdf_cache, self.library, seconds)
        for warning in warnings:
            log.warning(warning)
        log.info(summary)


_thaw = {"pending": False, "registered": False}


def _thaw_at_next_collection() -> None:
    """Give the frozen library back to Python's collector at the process's next collection,
    not now: `mkdocs build` exits next, and the collection at exit walked the whole library
    once more when it was unfrozen here (0.15 to 0.25 s of a 2,000-item build). A process
    that goes on (a host building again, the tests) gets it back at its first collection
    after the build; the one at exit (`sys.is_finalizing()`) leaves it frozen, and the
    memory goes back with the process. One callback for the process, whatever the builds."""
    _thaw["pending"] = True
    if not _thaw["registered"]:
        _thaw["registered"] = True
        gc.callbacks.append(_thaw_callback)


def _thaw_callback(phase: str, _info: dict[str, int]) -> None:
    if phase == "start" and _thaw["pending"] and not sys.is_finalizing():
        _thaw_now()


def _thaw_now() -> None:
    _thaw["pending"] = False
    gc.unfreeze()


def _niced(job: Callable[..., T], *args: Any) -> T:
    """`job` in a second process, beside the build's own work: at the lowest priority (nice
    19, as Pagefind: see search.py), for it and the processes it starts; stopped (SIGTERM:
    the build failed) with the PDF workers it started, which would otherwise wait for work
    forever."""
    os.nice(19)
    signal.signal(signal.SIGTERM, _stop_with_workers)
    return job(*args)


def _stop_with_workers(_signum: int, _frame: Any) -> None:
    for child in multiprocessing.active_children():
        child.kill()
    os._exit(1)


def _toc(toc: TableOfContents, found: list[tuple[str, str]]) -> TableOfContents:
    """An item page's table of contents: every section it shows, in page order (the
    structured fields, the Markdown body's headings with their subheadings, sources and
    links), not only the body's, which is all MkDocs finds in the Markdown."""
    body = {link.id: link for link in toc}
    return TableOfContents([body.get(i) or AnchorLink(text, i, 2) for i, text in found])


def _remove_gone(site: Path, gone: frozenset[str]) -> None:
    """A dirty build keeps site_dir: delete the pages of items deleted or renamed since the
    previous build (the page and its PDFs; the folder if nothing else is left)."""
    for src_uri in gone:
        folder = site / page_url(src_uri)
        for stale in [folder / "index.html", *folder.glob("*.pdf")]:
            stale.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty (pages below it), or gone
            folder.rmdir()

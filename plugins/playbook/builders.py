"""The builders a project can be built with, and the builder-neutral path for those that do not
run our plugin (Zensical).

MkDocs and ProperDocs (a maintained fork of MkDocs 1.x) run the plugin: the library is built
inside their build. Zensical reads `mkdocs.yml` but ignores third-party plugins without a word,
so a bare `zensical build` drops the library. Here it is handed the library instead:

1. mkdocs.yml is read once, by MkDocs' own loader, as for every other command; the library is
   loaded and checked by the core (errors stop here, before anything is written).
2. The site model's pages are written as ordinary Markdown files into a folder that overlays
   docs_dir (site/overlay.py), inside the cache folder (`cache_dir`, default .cache/playbook),
   never into the contributor's folders; beside it, a configuration that inherits mkdocs.yml
   and only points Zensical at the overlay, the plugin's assets and its search box.
3. Zensical builds that folder; the outputs run over the finished site as after any build:
   PDFs and workshop packs, library.json and the schemas, the Pagefind index.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml

from .core.cache import ParseCache, cache_folder
from .core.problems import ContentError, Problem
from .outputs.export import export_files, write_export
from .outputs.pdf import (
    PdfError,
    PdfWriter,
    Progress,
    cache_of,
    pdf_jobs,
    printed_ids,
    report,
    worker_count,
    write_pdfs,
)
from .outputs.search import OUTPUT as SEARCH_OUTPUT
from .outputs.search import SearchIndexError, index_site
from .site import ASSET_DIR, ASSETS, SEARCH_ASSETS, base_url, scan
from .site.overlay import BodyConverter, Overlay, OverlayWriter, files_of, sync
from .site.pages import site_pages
from .site.preview import error_banner

# name -> the distribution that provides it, the module its command runs (MkDocs' through our
# wrapper, which says a failure to write in one line), and whether it runs our plugin
BUILDERS = {
    "mkdocs": ("mkdocs", "playbook.mkdocs", True),
    "properdocs": ("properdocs", "properdocs", True),
    "zensical": ("zensical", "zensical", False),
}
DEFAULT = "mkdocs"
# Zensical's themes have no styles for Material's search box, which the plugin's fills
OWN_SEARCH_BOX = ("search-box.css",)
FOLDER = "zensical"  # the overlay build's folder, inside cache_dir
CONFIG = "mkdocs.yml"  # its configuration, which inherits the project's
# Where Zensical's theme puts a page's text: marked for Pagefind on hand-written pages
_CONTENT = re.compile(r'<article class="md-content__inner md-typeset"')
_ISSUES = re.compile(r"^(\d+) issues? found", re.M)


def _without_traceback(said: str) -> str:
    """What Zensical printed, less a Python traceback (it ends --strict so): its last line
    says what happened."""
    if "Traceback (most recent call last):" not in said:
        return said[-4000:]
    before, _, trace = said.partition("Traceback (most recent call last):")
    last = [line for line in trace.splitlines() if line.strip()][-1:]
    return "\n".join([before.strip()[-4000:], *last]).strip()


class BuildError(Exception):
    """The build cannot go on: the message says why and what to do."""


def found() -> dict[str, str]:
    """The builders installed here, with their versions."""
    versions = {}
    for name, (distribution, _module, _runs) in BUILDERS.items():
        try:
            versions[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return versions


def describe(used: str) -> str:
    """One line: which builders were found and which is used."""
    here = found()
    listed = ", ".join(f"{name} {version}" for name, version in here.items()) or "none"
    runs = "runs the playbook plugin" if BUILDERS[used][2] else "is handed the library's pages"
    return f"builders found: {listed}; using {used} ({runs})"


def command(builder: str, verb: str, config_file: Path) -> list[str]:
    """The builder's own command line, run by this Python."""
    module = BUILDERS[builder][1]
    return [sys.executable, "-m", module, verb, "--config-file", str(config_file)]


@dataclass
class Project:
    """mkdocs.yml as MkDocs' loader reads it: the configuration, the plugin's options and the
    settings the core reads the library with."""

    config: Any
    options: Any
    settings: Any

    @classmethod
    def load(cls, config_file: Path) -> Project:
        from .mkdocs.config import load_project, settings_of

        config, options = load_project(config_file)
        return cls(config, options, settings_of(config, options))


class ZensicalBuild:
    """The library built by Zensical, through an overlay of docs_dir (see the module's text).

    `say` receives the lines a person reads (what was built, warnings)."""

    def __init__(
        self, project: Project, say: Callable[[str], None], *, preview: bool = False
    ) -> None:
        self.project, self.say = project, say
        settings, options = project.settings, project.options
        try:
            cache = cache_folder(settings, options.cache_dir, settings.root / settings.site_dir)
        except ValueError as error:
            raise BuildError(str(error)) from None
        self.cache = cache
        # a preview has a folder of its own: a build may run beside it
        self.preview = preview
        self.folder = cache / (f"{FOLDER}-preview" if preview else FOLDER)
        self.good: tuple[Any, int] | None = None  # a preview's last library without errors
        self.pagefind = options.search == "pagefind"
        # what the last prepare() checked: the library published, its renderer, its PDF jobs,
        # its warnings
        self.published: Any = None
        self.renderer: Any = None
        self.jobs: list[Any] = []
        self.warnings: list[Problem] = []

    # ------------------------------------------------------------------ the overlay

    def prepare(self) -> Overlay:
        """Check the library and write the overlay and its configuration. A preview keeps
        drafts, and after an edit that leaves errors shows the last library without errors
        under a banner that lists them (as the plugin's preview does)."""
        project, preview = self.project, self.preview
        settings, options, config = project.settings, project.options, project.config
        parsed = ParseCache(self.cache, options.cache_limit_mb)  # see ParseCache
        library, problems, count = scan(settings, parsed=parsed)
        for warning in parsed.save():
            self.say(f"WARNING: {warning}")
        banner = ""
        if library is None:
            errors = [p for p in problems if p.severity == "error"]
            if not preview or self.good is None:
                raise ContentError(errors)
            for problem in errors:
                self.say(str(problem))
            library, count = self.good
            banner = error_banner(errors)
            self.say(
                "preview: the pages show the library as it was before the error(s) above, "
                "under a banner that lists them"
            )
        elif preview:
            self.good = (library, count)
        self.warnings = list(library.warnings)
        for warning in self.warnings:
            self.say(f"WARNING: {warning}")
        published = self.published = library if preview else library.published()
        from .mkdocs.config import renderer_of

        cache = self.cache if options.pdf else None
        renderer = self.renderer = renderer_of(published, config, options, cache)
        jobs = self.jobs = pdf_jobs(published) if options.pdf else []
        assets_dir = resources.files("playbook") / "assets"
        names = ASSETS + SEARCH_ASSETS + OWN_SEARCH_BOX if self.pagefind else ASSETS
        assets = {f"{ASSET_DIR}/{name}": (assets_dir / name).read_bytes() for name in names}
        prefix = settings.docs_prefix
        skip = (
            {settings.taxonomy.removeprefix(prefix)}
            if settings.taxonomy.startswith(prefix)
            else set()
        )
        skip |= {i.src_uri for i in library if i.id not in published.items}  # drafts
        writer = OverlayWriter(
            published,
            renderer,
            site_pages(published.taxonomy),
            docs_dir=settings.root / settings.docs_dir,
            skip=skip,
            assets=assets,
            base_url=base_url(config.site_url),
            printed=printed_ids(jobs),
            pagefind=self.pagefind,
            clean_pages=settings.clean_pages,
            docs_prefix=prefix,
            warn=lambda message: self.say(f"WARNING: {message}"),
            banner=banner,
        )

        converter = BodyConverter(
            config.markdown_extensions, config.mdx_configs, settings.remote_hosts
        )
        overlay = writer.write(self.folder / "docs", converter)
        self._configure(names, writer.pages)
        self.say(
            f"library: {count} items checked, {len(published)} published{parsed.said()}; "
            f"{overlay.written} page files written for Zensical, {overlay.kept} unchanged"
        )
        return overlay

    def _configure(self, assets: tuple[str, ...], pages: list[Any]) -> None:
        """The configuration Zensical builds with: the project's, inherited, pointed at the
        overlay; the theme's custom_dir copied, with the header's search box on Pagefind."""
        custom_dir = self.project.config.theme.custom_dir
        wanted = files_of(Path(custom_dir)) if custom_dir and Path(custom_dir).is_dir() else {}
        if self.pagefind and "partials/search.html" not in wanted:
            ours = resources.files("playbook") / "templates/playbook/search.html"
            wanted["partials/search.html"] = wanted.get("playbook/search.html", ours.read_bytes())
        sync(self.folder / "overrides", wanted)
        project_config = Path(self.project.config.config_file_path)
        inherited = os.path.relpath(project_config, self.folder)
        listed = {
            "extra_css": [f"{ASSET_DIR}/{n}" for n in assets if n.endswith(".css")],
            "extra_javascript": [f"{ASSET_DIR}/{n}" for n in assets if n.endswith(".js")],
        }
        for key, values in listed.items():  # the project's lists are kept; ours follow
            already = {str(v) for v in self.project.config[key]}
            listed[key] = [v for v in values if v not in already]
        data = {
            "INHERIT": inherited,
            "docs_dir": "docs",
            "site_dir": "site",
            "theme": {"custom_dir": "overrides", **self._variant()},
            **{k: v for k, v in listed.items() if v},
        }
        text = (
            "# Written by `playbook build --builder zensical` at each build: do not edit.\n"
            f"# The configuration is {project_config.name}, inherited here.\n"
            + yaml.safe_dump(data, sort_keys=False)
            + "not_in_nav: |\n"
            + "".join(f"  {line}\n" for line in self._not_in_nav(pages))
        )
        path = self.folder / CONFIG
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")

    def _not_in_nav(self, pages: list[Any]) -> list[str]:
        """The library's items and the hubs stay out of the nav, as the plugin keeps them out
        (every page embeds the whole nav: thousands of items in it make the site quadratic);
        the project's own `not_in_nav` patterns are kept."""
        spec = self.project.config.not_in_nav
        own = [str(getattr(p, "pattern", "")) for p in getattr(spec, "patterns", ())]
        folders = {s.rstrip("/") + "/" for s in self.project.settings.sources}
        ours = [f"/{f}" for f in sorted(folders)]
        ours += sorted(
            f"/{i.src_uri}" for i in self.published if not any(map(i.src_uri.startswith, folders))
        )
        ours += sorted(f"/{p.src_uri}" for p in pages if not p.in_nav)
        return [*(p for p in own if p), *ours]

    def _variant(self) -> dict[str, str]:
        """Zensical's `classic` look unless the project chose one: the look of Material for
        MkDocs, whose header the plugin's search box is made for."""
        return {} if "variant" in self.project.config.theme else {"variant": "classic"}

    # ------------------------------------------------------------------ the build

    def build(self, target: Path, *, strict: bool = False) -> None:
        """Build the site into `target` (an empty folder); raises BuildError or ContentError."""
        started = time.perf_counter()
        overlay = self.prepare()
        if strict and self.warnings:
            raise BuildError(f"{len(self.warnings)} warning(s) in the library, above (--strict)")
        site = self.folder / "site"
        shutil.rmtree(site, ignore_errors=True)
        run = command("zensical", "build", self.folder / CONFIG) + (["--strict"] if strict else [])
        result = subprocess.run(
            run,
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        said = _without_traceback(result.stdout.strip())
        issues = _ISSUES.search(said)
        if result.returncode != 0 or not (site / "index.html").is_file():
            raise BuildError(f"Zensical did not build the site (exit {result.returncode}):\n{said}")
        if issues:
            self.say(said)
        self.say(f"zensical: built in {time.perf_counter() - started:.1f} s")
        self.finish(site, overlay)
        target.rmdir()
        try:
            os.rename(site, target)
        except OSError:  # another file system
            shutil.copytree(site, target)

    def finish(self, site: Path, overlay: Overlay) -> None:
        """The outputs, over the finished site: as after the plugin's build."""
        options, config = self.project.options, self.project.config
        missing = [url for url in overlay.searchable if not self._mark(site, url)]
        if missing:
            self.say(
                'WARNING: search: Zensical\'s theme has no <article class="md-content__inner"> '
                f"on {len(missing)} hand-written page(s) (e.g. /{missing[0]}); they are not indexed"
            )
        try:
            if options.pdf:
                started = time.perf_counter()
                cache = cache_of(self.cache, options.cache_limit_mb)
                stats = write_pdfs(
                    PdfWriter(),
                    site,
                    base_url(config.site_url),
                    self.jobs,
                    functools.partial(self.renderer.pdf_document, parts=overlay.documents),
                    engine=options.pdf_engine,
                    cache=cache,
                    workers=worker_count(options.pdf_workers),
                    progress=Progress(self.say),
                )
                warnings, summary = report(
                    stats, cache, self.published, time.perf_counter() - started
                )
                for warning in warnings:
                    self.say(f"WARNING: {warning}")
                self.say(summary)
                self.renderer.save_qr_codes()
            if options.export:
                write_export(site, export_files(self.published))
            if self.pagefind:
                shutil.rmtree(site / SEARCH_OUTPUT, ignore_errors=True)
                stats = index_site(site)
                self.say(f"search: Pagefind indexed {stats.pages} pages in {stats.seconds:.1f} s")
        except (PdfError, SearchIndexError) as error:
            raise BuildError(str(error)) from None
        except OSError as error:
            raise BuildError(
                f"the site could not be written at {error.filename or site}: {error.strerror}"
            ) from None

    @staticmethod
    def _mark(site: Path, url: str) -> bool:
        """Mark a hand-written page's text for Pagefind, as the plugin does."""
        path = site / url / "index.html"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return True  # not published (excluded, say): nothing to index
        marked, count = _CONTENT.subn(r"\g<0> data-pagefind-body", text, count=1)
        if count:
            path.write_text(marked, encoding="utf-8")
        return bool(count)


# ------------------------------------------------------------------ the preview

_BUILT = re.compile(r"(No issues found|\d+ issues? found)")
POLL = 0.5  # seconds between looks at the library's files


def _stamp(folders: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every file under the folders (or the file itself), with its size and time."""
    found = []
    for folder in folders:
        paths = [folder] if folder.is_file() else folder.rglob("*") if folder.is_dir() else []
        for path in paths:
            try:
                info = path.stat()
            except OSError:
                continue
            found.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


def _stamp_of(stamp: tuple[tuple[str, int, int], ...], path: Path) -> tuple:
    return tuple(entry for entry in stamp if entry[0] == str(path))


def serve_zensical(project: Project, say: Callable[[str], None], args: list[str]) -> int:
    """`zensical serve` of the library: the overlay is written again after each save in the
    library (items, hand-written pages, the taxonomy, mkdocs.yml's custom_dir), Zensical
    rebuilds what changed and reloads the browser, then the outputs run over its site."""
    import threading

    build = ZensicalBuild(project, say, preview=True)
    overlay = build.prepare()
    settings, config = project.settings, project.config
    watched = [settings.root / settings.docs_dir, settings.root / settings.taxonomy]
    watched += [settings.root / folder for folder in settings.sources]
    watched += [Path(config.theme.custom_dir)] if config.theme.custom_dir else []
    watched.append(Path(config.config_file_path))
    built = threading.Event()
    process = subprocess.Popen(
        command("zensical", "serve", build.folder / CONFIG) + args,
        cwd=build.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )

    def relay() -> None:  # Zensical's own lines, and the end of each of its builds
        assert process.stdout is not None
        for line in process.stdout:
            say(line.rstrip())
            if _BUILT.search(line):
                built.set()

    threading.Thread(target=relay, daemon=True).start()
    site = build.folder / "site"
    stamp = _stamp(watched)
    try:
        waiting = True
        while process.poll() is None:
            if waiting and built.wait(POLL):
                waiting = False
                try:
                    build.finish(site, overlay)
                except BuildError as error:
                    say(f"error: {error}")
            elif not waiting:
                time.sleep(POLL)
            now = _stamp(watched)
            if now == stamp:
                continue
            config_changed = _stamp_of(now, watched[-1]) != _stamp_of(stamp, watched[-1])
            stamp = now
            try:
                if config_changed:  # read again, as MkDocs' preview does
                    build.project = Project.load(Path(config.config_file_path))
                built.clear()
                overlay = build.prepare()
                waiting = overlay.written > 0  # else Zensical has nothing to rebuild
            except ContentError as error:  # no library without errors yet: say so, go on
                for problem in error.problems:
                    say(str(problem))
            except Exception as error:  # noqa: BLE001 - mkdocs.yml, mid-edit: said, and on
                say(f"error: {project.settings.config_file}: {error}")
    except KeyboardInterrupt:
        pass
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0 if process.returncode in (0, -15, None) else process.returncode

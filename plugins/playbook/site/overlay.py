"""The library's pages as ordinary Markdown files, for a builder that does not run our plugin.

Builder-neutral (no MkDocs). Zensical reads `mkdocs.yml` but ignores third-party plugins, so it
is handed a folder that overlays `docs_dir`: the hand-written files as they are, and every page
the plugin would make (items, hubs, indexes, browse, coverage, the pack page) as a Markdown file
holding the page's HTML, rendered by the same site model. Python-Markdown passes an HTML block
through untouched, so the builder lays the theme around exactly the article the plugin makes.

An item's body is converted here, as MkDocs would convert it: the site's Markdown extensions
and the contributor-HTML filter. Links are written as from the page's source file, as in a
hand-written page: the builder makes them relative to the page's URL.

Files are written only when their bytes change, and files no longer wanted are removed, so a
builder that caches by file (Zensical does) renders again only what changed.
"""

from __future__ import annotations

import html as _htmllib
import os
import posixpath
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown import Markdown
from markupsafe import escape

from ..core.frontmatter import split
from ..core.library import Library, page_url
from .markup import ContributorHtml
from .meta import escape_material_meta
from .pages import GeneratedPage, PrintPart, Renderer

# What a builder must not publish from docs_dir, as MkDocs leaves them out: dot files and folders
_HIDDEN = re.compile(r"(^|/)\.")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S | re.I)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TAGS = re.compile(r"<[^>]*>")


def _parents(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def file_prefix(src_uri: str) -> str:
    """The way back to the site root from a page's source file: a builder that rewrites the
    relative links of a page (Zensical does, in HTML too) reads them from there."""
    return "../" * src_uri.count("/")


class BodyConverter:
    """Markdown to HTML with the site's extensions: an item's body (and a hand-written page's,
    with `clean_pages`) through the contributor-HTML filter, as the plugin converts it. Links
    are left as written (`../playbooks/x.md`): the builder rewrites them, as in any page."""

    def __init__(
        self,
        extensions: Iterable[Any],
        configs: Mapping[str, Any],
        remote_hosts: Iterable[str] = (),
    ) -> None:
        self.extensions, self.configs = list(extensions), dict(configs)
        self.remote_hosts = frozenset(remote_hosts)
        self._md: dict[bool, Markdown] = {}

    def convert(self, text: str, *, clean: bool = True) -> str:
        md = self._md.get(clean)
        if md is None:  # the filter takes its place in the Markdown as it is made
            markup = ContributorHtml()
            markup.active, markup.remote_hosts = clean, self.remote_hosts
            md = Markdown(extensions=[*self.extensions, markup], extension_configs=self.configs)
            self._md[clean] = md
        try:
            return md.convert(text)
        finally:
            md.reset()


@dataclass
class Overlay:
    """What was written: the PDF documents of printed items, the hand-written pages that
    search indexes (their URLs), and how many files were written and kept."""

    documents: dict[str, PrintPart] = field(default_factory=dict)
    searchable: list[str] = field(default_factory=list)
    written: int = 0
    kept: int = 0


def _first_heading(html: str) -> str | None:
    """The text of a page's first <h1>, which a theme takes for its title."""
    found = _H1.search(html)
    if not found:
        return None
    return _htmllib.unescape(_TAGS.sub("", _PERMALINK.sub("", found.group(1)))).strip() or None


def _page(title: str, html: str, description: str | None = None) -> str:
    """A generated page: its HTML under a front matter whose values are escaped (the theme
    prints them raw), kept out of the builder's own search (Pagefind indexes the site)."""
    meta: dict[str, Any] = {"title": str(escape(title))}
    if description is not None:
        meta["description"] = str(escape(description))
    meta["search"] = {"exclude": True}
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    # the HTML as one block: no line of it may start a Markdown construct of its own
    return f"---\n{head}---\n\n{html.strip()}\n"


class OverlayWriter:
    """Writes the overlay folder for one build."""

    def __init__(
        self,
        library: Library,
        renderer: Renderer,
        pages: Iterable[GeneratedPage],
        *,
        docs_dir: Path,
        skip: Iterable[str],
        assets: Mapping[str, bytes],
        base_url: str,
        printed: set[str],
        pagefind: bool,
        clean_pages: bool,
        docs_prefix: str,
        warn: Callable[[str], None],
        banner: str = "",
    ) -> None:
        self.library, self.renderer, self.pages = library, renderer, list(pages)
        self.docs_dir, self.skip = docs_dir, set(skip)
        self.assets, self.base_url = assets, base_url
        self.printed, self.pagefind = printed, pagefind
        self.clean_pages, self.docs_prefix, self.warn = clean_pages, docs_prefix, warn
        self.banner = banner  # a preview's errors, first on every page

    def hand_written(self) -> dict[str, Path]:
        """docs_dir's own files (src_uri -> path), less the library's and what is skipped."""
        found: dict[str, Path] = {}
        ours = {item.src_uri for item in self.library} | {p.src_uri for p in self.pages}
        for folder, dirs, files in os.walk(self.docs_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                path = Path(folder, name)
                src_uri = path.relative_to(self.docs_dir).as_posix()
                if _HIDDEN.search(src_uri) or src_uri in self.skip or src_uri in ours:
                    continue
                if path.is_symlink() and not path.resolve().is_relative_to(self.root):
                    self.warn(
                        f"{self.docs_prefix}{src_uri}: a link to a file outside the project; left out"
                    )
                    continue
                found[src_uri] = path
        return found

    def write(self, folder: Path, converter: BodyConverter) -> Overlay:
        """Write the overlay into `folder`."""
        overlay = Overlay()
        wanted: dict[str, bytes] = {}
        for src_uri, path in self.hand_written().items():
            data = path.read_bytes()
            if src_uri.endswith(".md"):
                data = self._hand_written_page(src_uri, data, converter, overlay)
            wanted[src_uri] = data
        for item in self.library:
            prefix = file_prefix(item.src_uri)
            body = converter.convert(item.body)
            rendered = self.renderer.item(item, body, prefix).whole()
            if item.id in self.printed:  # its links, as the page's, lead from its source file
                where = posixpath.dirname(item.src_uri)
                overlay.documents[item.id] = self.renderer.print_part(
                    item, rendered, body, prefix, self.base_url + where + "/" * bool(where)
                )
            page = _page(item.title, self.banner + rendered, item.meta.summary)
            wanted[item.src_uri] = page.encode("utf-8")
        for generated in self.pages:
            rendered = self.renderer.page(generated, file_prefix(generated.src_uri)).whole()
            page = _page(generated.title, self.banner + rendered)
            wanted[generated.src_uri] = page.encode("utf-8")
        wanted.update(self.assets)
        overlay.written, overlay.kept = sync(folder, wanted)
        return overlay

    def _hand_written_page(
        self, src_uri: str, data: bytes, converter: BodyConverter, overlay: Overlay
    ) -> bytes:
        """A hand-written page as the plugin would publish it: the front matter keys the
        theme prints raw escaped (and its title, when it comes from the first heading), its
        HTML filtered with `clean_pages`; noted for search unless it opts out."""
        where = self.docs_prefix + src_uri
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data  # not UTF-8: the builder says what it makes of it
        # scan() has checked this page as it checks an item's front matter, and refused what
        # could blow up a YAML load (aliases, deep nesting) or read outside the project (links)
        front, body = split(text, where)[:2]
        try:
            loaded = yaml.safe_load(front) if front else None
        except yaml.YAMLError:
            loaded = None
        meta: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
        search = meta.get("search")
        if self.pagefind and not (isinstance(search, dict) and search.get("exclude") is True):
            overlay.searchable.append(page_url(src_uri))
        html = converter.convert(body, clean=self.clean_pages) if self.clean_pages else None
        if "title" not in meta:
            title = _first_heading(html or converter.convert(body, clean=False))
            if title:
                meta["title"] = title
        escape_material_meta(meta, where, self.warn)
        head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
        text = html if html is not None else body
        banner = f"{self.banner}\n\n" if self.banner else ""
        return f"---\n{head}---\n\n{banner}{text}".encode()


def files_of(folder: Path) -> dict[str, bytes]:
    """The regular files under a folder (relative path -> bytes); a symbolic link is not
    followed, so nothing outside the folder is read."""
    found: dict[str, bytes] = {}
    for where, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not Path(where, d).is_symlink())
        for name in files:
            path = Path(where, name)
            if not path.is_symlink():
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def sync(folder: Path, wanted: Mapping[str, bytes]) -> tuple[int, int]:
    """Make `folder` hold exactly `wanted`, writing only the files that differ, so that a
    builder caching by file renders again only what changed: (written, kept)."""
    written = kept = 0
    folder.mkdir(parents=True, exist_ok=True)
    dirs = {posixpath.dirname(k) for k in wanted}
    dirs |= {parent for d in dirs for parent in _parents(d)}
    for path in sorted(folder.rglob("*"), reverse=True):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink() or (path.is_file() and relative not in wanted):
            path.unlink()
        elif path.is_dir() and relative not in dirs:
            shutil.rmtree(path)
    for relative, data in wanted.items():
        path = folder / relative
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same:
            kept += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    return written, kept

"""The site model: every page the library makes, as data, rendered by Jinja templates.

`scan` is the core's, with the URLs of the site's own pages reserved, so that a file that
would be published where a generated page is is refused by every tool alike."""

from __future__ import annotations

from ..core.frontmatter import ParseMemo
from ..core.library import Library, ReadCache
from ..core.library import scan as _core_scan
from ..core.problems import ContentError, Problem
from ..core.settings import Settings
from .pages import site_pages


def reserved(taxonomy) -> dict[str, str]:  # noqa: ANN001
    """src_uri -> who publishes there, for every page the site generates."""
    return {page.src_uri: f"the generated page {page.src_uri}" for page in site_pages(taxonomy)}


# The plugin's styles and scripts, which every page of the site loads, in ASSET_DIR
ASSETS = ("playbook.css", "print.css", "browse.js", "pack.js")
SEARCH_ASSETS = ("search.css", "search.js")  # with `search: pagefind` only
ASSET_DIR = "assets/playbook"
# Without site_url, PDFs still need one origin for their links and their URL fetcher
NO_SITE_URL = "https://site.invalid/"


def base_url(site_url: str | None) -> str:
    """The site's address with one trailing slash: what PDFs resolve links against."""
    return (site_url or NO_SITE_URL).rstrip("/") + "/"


# Folders (and files, as folders of a page's URL) the build writes its own output to
OUTPUTS = {
    "pagefind/": "the search index (Pagefind)",
    "search/search_index.json/": "Material's search index",
    "schemas/": "the JSON Schemas",
    "library.json/": "the library's JSON export",
    "sitemap.xml/": "the sitemap",
    "sitemap.xml.gz/": "the sitemap",
    "assets/playbook/": "the plugin's styles and scripts",
}


def scan(
    settings: Settings, cache: ReadCache | None = None, parsed: ParseMemo | None = None
) -> tuple[Library | None, list[Problem], int]:
    return _core_scan(settings, cache, reserved=reserved, outputs=OUTPUTS, parsed=parsed)


def load(settings: Settings) -> Library:
    """The checked library; raises ContentError on errors."""
    library, problems, _count = scan(settings)
    if library is None:
        raise ContentError([p for p in problems if p.severity == "error"])
    return library


__all__ = ["ASSETS", "ASSET_DIR", "SEARCH_ASSETS", "base_url", "load", "reserved", "scan"]

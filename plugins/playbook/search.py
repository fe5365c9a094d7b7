"""The site's search index: Pagefind, run over the built site. Builder-neutral (no MkDocs).

Pagefind reads the HTML the build wrote and writes a chunked index into `pagefind/` beside it:
a reader's browser downloads the few chunks a query needs instead of the whole index. What is
indexed is marked in the templates:

- `data-pagefind-body` on an item's article (never a draft's) and on hand-written pages: only
  those pages are results. Hubs, type indexes, browse, coverage and the pack page are listings
  of other items' titles and summaries; indexed, they would outrank the items they list.
- `data-pagefind-filter` on an item's type and its competency, level and modality chips: the
  taxonomy's names, as the reader sees them, are the filter values.
- `data-pagefind-meta` on the title and the summary, shown with each result.

The parts of an item page that are not its own text (links both ways, related items, the PDF
button) are left out by selector (`NOT_INDEXED`), so templates overridden in a theme's
custom_dir keep working without knowing about Pagefind.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("pagefind", "material")
OUTPUT = "pagefind"  # the bundle's folder in the site: /pagefind/pagefind.js
# Not this page's own text: other items' cards, the download button, the facts' labels.
NOT_INDEXED = (".pb-links", ".pb-related", ".pb-download", ".pb-facts dt", ".pb-draft")


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (its binary is missing, or it failed)."""


@dataclass(frozen=True)
class IndexStats:
    files: int  # HTML files read
    pages: int  # pages in the index: those marked with data-pagefind-body
    seconds: float


async def _index(site_dir: Path, output: Path) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(exclude_selectors=list(NOT_INDEXED), output_path=str(output))
    async with PagefindIndex(config=config) as index:
        added = await index.add_directory(str(site_dir))
        return int(added.get("page_count", 0))


def index_site(site_dir: Path) -> IndexStats:
    """Index the built site at site_dir into site_dir/pagefind with Pagefind's Python API
    (which runs the binary shipped in the `pagefind_bin` wheel; nothing is downloaded)."""
    site_dir = site_dir.resolve()
    output = site_dir / OUTPUT
    started = time.perf_counter()
    try:
        files = asyncio.run(_index(site_dir, output))
    except FileNotFoundError as error:  # no binary: pagefind[bin] is not installed
        raise SearchIndexError(
            f"Pagefind's binary was not found ({error}): install the project with its "
            "dependencies (pip install -e .), which brings pagefind[bin]"
        ) from error
    except Exception as error:  # the service reports its failures as plain Exceptions
        raise SearchIndexError(f"Pagefind could not index {site_dir}: {error}") from error
    entry = output / "pagefind-entry.json"
    if not (output / "pagefind.js").is_file() or not entry.is_file():
        raise SearchIndexError(f"Pagefind wrote no index into {output}")
    languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
    pages = sum(int(language.get("page_count", 0)) for language in languages.values())
    return IndexStats(files=files, pages=pages, seconds=time.perf_counter() - started)

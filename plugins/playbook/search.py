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

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("pagefind", "material")
OUTPUT = "pagefind"  # the bundle's folder in the site: /pagefind/pagefind.js
# Not this page's own text: other items' cards, the download button, the facts' labels.
NOT_INDEXED = (".pb-links", ".pb-related", ".pb-download", ".pb-facts dt", ".pb-draft")
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


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (its binary is missing, or it failed)."""


@dataclass(frozen=True)
class IndexStats:
    files: int  # HTML files read
    pages: int  # pages in the index: those marked with data-pagefind-body
    seconds: float


def index_site(site_dir: Path) -> IndexStats:
    """Index the built site at site_dir into site_dir/pagefind with Pagefind's binary, from the
    `pagefind_bin` wheel (`python -m pagefind`; nothing is downloaded).

    Not through Pagefind's Python API (pagefind.index.PagefindIndex): it runs the same binary
    as a service and terminates it as soon as the service answers "files written", and under
    load some files are still being written then (an empty pagefind-entry.json in 2 runs of 20
    on this machine with its two cores busy). The command exits once everything is on disk."""
    site_dir = site_dir.resolve()
    output = site_dir / OUTPUT
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir)]
    command += ["--output-path", str(output)]
    for selector in NOT_INDEXED:
        command += ["--exclude-selectors", selector]
    started = time.perf_counter()
    try:
        # cwd: the site, so that no pagefind.yml of the project changes what is indexed
        run = subprocess.run(command, cwd=site_dir, capture_output=True, text=True, check=False)
    except OSError as error:
        raise SearchIndexError(f"Pagefind could not be started: {error}") from error
    said = (run.stdout + run.stderr).strip()
    if run.returncode != 0:
        if "Could not find pagefind binary" in said:
            raise SearchIndexError(
                "Pagefind's binary was not found: install the project with its dependencies "
                "(pip install -e .), which bring pagefind[bin]"
            )
        last = "\n".join(said.splitlines()[-12:])
        raise SearchIndexError(
            f"Pagefind could not index {site_dir} (exit {run.returncode}):\n{last}"
        )
    entry = output / "pagefind-entry.json"
    if not (output / "pagefind.js").is_file() or not entry.is_file():
        raise SearchIndexError(f"Pagefind wrote no index into {output}:\n{said[-2000:]}")
    for name in UNUSED:
        (output / name).unlink(missing_ok=True)
    languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
    pages = sum(int(language.get("page_count", 0)) for language in languages.values())
    found = _FOUND.search(said)
    return IndexStats(
        files=int(found.group(1)) if found else 0,
        pages=pages,
        seconds=time.perf_counter() - started,
    )

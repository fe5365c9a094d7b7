"""Where a project keeps its library. The values come from mkdocs.yml, read by MkDocs' own
config loader in the MkDocs face (playbook.mkdocs.config), so every tool reads one
configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    root: Path
    docs_dir: str = "content"
    taxonomy: str = "content/taxonomy.yml"
    sources: tuple[str, ...] = ("playbooks", "case_studies")
    site_dir: str = "site"
    config_file: str = "mkdocs.yml"  # relative to root
    clean_pages: bool = False  # hand-written pages' HTML filtered (and so checked) as items'
    remote_hosts: tuple[str, ...] = ()  # hosts whose images a body may show

    @property
    def docs_prefix(self) -> str:
        """docs_dir as a path prefix: what a file under it loses to become a site path."""
        return self.docs_dir.rstrip("/") + "/"


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding mkdocs.yml, else `start` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").is_file():
            return folder
    return start

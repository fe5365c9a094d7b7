"""Where a project keeps its library: read from mkdocs.yml without importing MkDocs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Settings:
    root: Path
    docs_dir: str = "content"
    taxonomy: str = "content/taxonomy.yml"
    sources: tuple[str, ...] = ("playbooks", "case_studies")
    site_dir: str = "site"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def docs_prefix(self) -> str:
        """docs_dir as a path prefix: what a file under it loses to become a site path."""
        return self.docs_dir.rstrip("/") + "/"


class _LenientLoader(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV or !!python/name; they are not our business."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, s, n: None)

OPTIONS = ("taxonomy", "sources")


def plugin_options(config: dict[str, Any]) -> dict[str, Any]:
    for entry in config.get("plugins") or []:
        if isinstance(entry, dict) and isinstance(entry.get("playbook"), dict):
            return entry["playbook"]
    return {}


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding mkdocs.yml, else `start` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").is_file():
            return folder
    return start


def read_settings(root: Path) -> Settings:
    root = root.resolve()
    config: dict[str, Any] = {}
    config_file = root / "mkdocs.yml"
    if config_file.is_file():
        try:
            loaded = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader)
            config = loaded if isinstance(loaded, dict) else {}
        except (yaml.YAMLError, UnicodeDecodeError):
            config = {}  # MkDocs itself reports a broken mkdocs.yml with its own message
    options = plugin_options(config)
    docs_dir = str(config.get("docs_dir") or "content")
    sources = options.get("sources") or Settings.sources
    return Settings(
        root=root,
        docs_dir=docs_dir,
        taxonomy=str(options.get("taxonomy") or f"{docs_dir}/taxonomy.yml"),
        sources=tuple(str(s) for s in sources),
        site_dir=str(config.get("site_dir") or "site"),
    )

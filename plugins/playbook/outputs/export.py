"""The library as data in the site: library.json and the JSON Schemas. Builder-neutral."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.export import library_json
from ..core.library import Library
from ..core.schema import schemas


def write_export(site: Path, library: Library) -> None:
    data = json.dumps(library_json(library), ensure_ascii=False, separators=(",", ":"))
    # JSON in HTML contexts: make "<" safe even if someone inlines it
    (site / "library.json").write_text(data.replace("<", "\\u003c"), encoding="utf-8")
    folder = site / "schemas"
    folder.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (folder / name).write_text(json.dumps(schema, indent=2), encoding="utf-8")

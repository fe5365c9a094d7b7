"""JSON Schemas for editors, generated from the models that check the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import Taxonomy
from .types import ITEM_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, one per item type and one for the taxonomy."""
    out: dict[str, dict[str, Any]] = {}
    for kind, item_type in ITEM_TYPES.items():
        schema = item_type.model.model_json_schema()
        schema["title"] = f"{item_type.label} front matter"
        out[f"{kind}.schema.json"] = {"$schema": DIALECT, "$id": f"{kind}.schema.json", **schema}
    taxonomy = Taxonomy.model_json_schema()
    taxonomy["title"] = "Taxonomy (content/taxonomy.yml)"
    out["taxonomy.schema.json"] = {"$schema": DIALECT, "$id": "taxonomy.schema.json", **taxonomy}
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written

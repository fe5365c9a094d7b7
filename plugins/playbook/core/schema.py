"""JSON Schemas for editors, generated from the models that check the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import SLUG_PATTERN, Taxonomy
from .types import ITEM_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


EXPORT = "library.schema.json"  # the schema of the site's library.json
# What an item's record in library.json adds to its front matter (core/export.py)
RECORD = {
    "id": {"type": "string", "pattern": SLUG_PATTERN},
    "url": {"type": "string", "description": "the item's page, from the site's root"},
    "source": {"type": "string", "description": "the item's file in the repository"},
    "links": {
        "type": "array",
        "description": "explicit links both ways, each under its relation's label",
        "items": {
            "type": "object",
            "properties": {"relation": {"type": "string"}, "id": {"type": "string"}},
            "required": ["relation", "id"],
            "additionalProperties": False,
        },
    },
}


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema: one per item type and one for the taxonomy (for editors), and
    one for the whole export, library.json."""
    out: dict[str, dict[str, Any]] = {}
    for kind, item_type in ITEM_TYPES.items():
        schema = item_type.model.model_json_schema()
        schema["title"] = f"{item_type.label} front matter"
        out[f"{kind}.schema.json"] = {"$schema": DIALECT, "$id": f"{kind}.schema.json", **schema}
    taxonomy = Taxonomy.model_json_schema()
    taxonomy["title"] = "Taxonomy (content/taxonomy.yml)"
    out["taxonomy.schema.json"] = {"$schema": DIALECT, "$id": "taxonomy.schema.json", **taxonomy}
    out[EXPORT] = export_schema(out)
    return out


def export_schema(parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """library.json's schema, self-contained: each item type's record is its front matter's
    schema with the keys the export adds; the definitions of every part gathered in one place
    (the same name always names the same definition: checked)."""
    defs: dict[str, Any] = {}

    def gather(schema: dict[str, Any]) -> dict[str, Any]:
        schema = json.loads(json.dumps(schema))  # a copy
        for name, definition in schema.pop("$defs", {}).items():
            if defs.setdefault(name, definition) != definition:
                raise ValueError(f"two models define {name} differently")
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        return schema

    records = []
    for kind in ITEM_TYPES:
        record = gather(parts[f"{kind}.schema.json"])
        record["title"] = record["title"].replace("front matter", "in library.json")
        record["properties"] = {**record["properties"], **RECORD}
        record["required"] = sorted({*record.get("required", ()), "id", "url", "source", "links"})
        records.append(record)
    taxonomy = gather(parts["taxonomy.schema.json"])
    return {
        "$schema": DIALECT,
        "$id": EXPORT,
        "title": "The library's export (library.json)",
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},
            "version": {"const": 1},
            "taxonomy": taxonomy,
            "items": {"type": "array", "items": {"oneOf": records}},
        },
        "required": ["version", "taxonomy", "items"],
        "additionalProperties": False,
        "$defs": defs,
    }


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written

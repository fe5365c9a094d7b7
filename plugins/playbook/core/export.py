"""Plain-data views of a library: the JSON export and the coverage report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .library import Item, Library
from .types import RELATIONS, TYPES


def item_record(library: Library, item: Item) -> dict[str, Any]:
    fields = item.meta.model_dump(mode="json", exclude_none=True)
    fields.pop("id", None)
    return {
        "id": item.id,
        "url": item.url,
        "source": item.path,
        **fields,
        "links": [
            {"relation": RELATIONS[link.relation].forward, "id": link.target}
            for link in library.outgoing.get(item.id, ())
        ]
        + [
            {"relation": RELATIONS[link.relation].backward, "id": link.source}
            for link in library.incoming.get(item.id, ())
        ],
    }


def library_json(library: Library) -> dict[str, Any]:
    return {
        "$schema": "schemas/library.schema.json",  # from the site's root, where it is published
        "version": 1,
        "taxonomy": library.taxonomy.model_dump(mode="json", exclude_none=True),
        "items": [item_record(library, item) for item in library],
    }


@dataclass(frozen=True)
class Coverage:
    types: tuple[str, ...]
    rows: list[tuple[Any, dict[str, int]]]  # (competency, count per type)
    gaps: int
    stale: list[tuple[Item, int]]  # (item, days since its review), oldest review first
    unreviewed: list[Item]  # no `reviewed` date
    stale_after_days: int


def coverage(library: Library, *, today: date, stale_after_days: int) -> Coverage:
    rows = []
    gaps = 0
    for competency in library.taxonomy.competencies:
        counts = dict.fromkeys(TYPES, 0)
        for item in library.by_competency.get(competency.id, ()):
            counts[item.type] += 1
        gaps += sum(1 for n in counts.values() if n == 0)
        rows.append((competency, counts))
    # `reviewed`, not `updated`: an edit to a typo says nothing about whether the item is right
    limit = today - timedelta(days=stale_after_days)
    stale = sorted(
        (
            (item, (today - item.meta.reviewed).days)
            for item in library
            if item.meta.reviewed and item.meta.reviewed < limit
        ),
        key=lambda pair: (-pair[1], pair[0].id),
    )
    unreviewed = [item for item in library if item.meta.reviewed is None]
    return Coverage(TYPES, rows, gaps, stale, unreviewed, stale_after_days)

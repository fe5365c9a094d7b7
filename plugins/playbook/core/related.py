"""Related items by shared competencies, weighted so that rare competencies count more.

A weighted inverted index in the manner of Hugo's related content: each competency weighs
log(1 + N / df), where df is how many items carry it. Candidates are gathered from the
postings of an item's rarer competencies first; a competency carried by more than `cap` items
only adds weight to candidates already found, so the work per item is bounded and the whole
ranking stays linear in the size of the library, never quadratic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Related:
    id: str
    score: float
    shared: tuple[str, ...]  # competency ids, rarest first


class RelatedIndex:
    def __init__(
        self,
        competencies: Mapping[str, Sequence[str]],
        postings: Mapping[str, Sequence[str]],
        *,
        cap: int = 60,
    ):
        """`competencies`: item id -> its competency ids; `postings`: competency -> item ids."""
        self.competencies = competencies
        self.postings = postings
        self.cap = cap
        total = max(len(competencies), 1)
        self.weight = {c: math.log(1 + total / max(len(ids), 1)) for c, ids in postings.items()}

    def related(
        self, item_id: str, limit: int = 5, exclude: set[str] | None = None
    ) -> list[Related]:
        mine = sorted(
            self.competencies.get(item_id, ()), key=lambda c: (len(self.postings.get(c, ())), c)
        )
        skip = {item_id, *(exclude or ())}
        scores: dict[str, float] = {}
        shared: dict[str, list[str]] = {}
        for competency in mine:
            ids = self.postings.get(competency, ())
            weight = self.weight.get(competency, 0.0)
            if len(ids) <= self.cap or not scores:
                candidates = ids[: self.cap] if len(ids) > self.cap else ids
                for other in candidates:
                    if other not in skip:
                        scores[other] = scores.get(other, 0.0) + weight
                        shared.setdefault(other, []).append(competency)
            else:  # too common to scan: only strengthen candidates found through rarer ones
                for other in scores:
                    if competency in self.competencies.get(other, ()):
                        scores[other] += weight
                        shared[other].append(competency)
        ranked = sorted(scores, key=lambda o: (-scores[o], -len(shared[o]), o))[:limit]
        return [Related(o, round(scores[o], 4), tuple(shared[o])) for o in ranked]

"""Search synonyms: the words a reader uses are not always the words an item uses.

The taxonomy lists groups of phrases that mean the same thing here (first-time manager, new
manager, first-line manager; 360, multi-rater). An item that holds one phrase of a group is
indexed with the others too, at the weight of the place it holds it in: a title that says "new
manager" makes the item a title match for "first-time manager" as well. Builder- and
engine-neutral: the site model decides how the words reach the index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache


def _words(text: str) -> str:
    """Lowercase, hyphens and other punctuation read as spaces: 'First-time' = 'first time'."""
    return " " + re.sub(r"[^\w]+", " ", text.lower()).strip() + " "


@lru_cache(maxsize=1024)
def _pattern(phrase: str) -> re.Pattern[str]:
    # a phrase matches as whole words, its last word also with a plural s or es
    words = _words(phrase).split()
    return re.compile(r" " + r" ".join(map(re.escape, words)) + r"(?:e?s)? ")


def expansions(groups: Sequence[Sequence[str]], places: Mapping[str, str]) -> dict[str, list[str]]:
    """For each place of an item (e.g. title, summary, text, most telling first), the phrases
    of every synonym group that the place holds a phrase of, less those the item already has
    there. A phrase found in an earlier place is not added again in a later one."""
    found: dict[str, list[str]] = {place: [] for place in places}
    done: set[int] = set()
    texts = {place: _words(text) for place, text in places.items()}
    for place, text in texts.items():
        for number, group in enumerate(groups):
            if number in done:
                continue
            if any(_pattern(phrase).search(text) for phrase in group):
                done.add(number)
                found[place] += [p for p in group if not _pattern(p).search(text)]
    return found

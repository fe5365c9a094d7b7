"""The relevance benchmark (issue #19): the queries a leader types (tests/data/relevance.yml),
each typed into the header search of the bundled library in Chromium, and the items a leader
would expect near the top. Prints the share of queries whose expected item comes first and in
the first three; every query must have one in the first three, and most first.

Also the dropdown itself: on a laptop screen it shows at least five results before any chip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from browser import chromium, serve
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
QUERIES = yaml.safe_load((ROOT / "tests/data/relevance.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bundled(bundled_site: Path) -> Path:
    return bundled_site


@pytest.fixture(scope="module")
def page(bundled: Path):
    with serve(bundled) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(base)
        yield page


def top_three(page, query: str, ids: dict[str, str]) -> list[str]:
    box = page.locator("[data-pb-search-input]")
    box.click()
    box.fill(query)
    expect(page.locator("[data-pb-search-status]")).to_have_text(
        re.compile(r"^(\d+ results?|No results) for “" + re.escape(query) + "”")
    )
    hrefs = page.locator("a.md-search-result__link").evaluate_all(
        "links => links.slice(0, 3).map(a => new URL(a.href).pathname)"
    )
    return [ids.get(h.lstrip("/"), h) for h in hrefs]


def test_the_expected_items_come_first(page, bundled: Path):
    library = json.loads((bundled / "library.json").read_text(encoding="utf-8"))
    ids = {item["url"]: item["id"] for item in library["items"]}
    missing = {e for q in QUERIES for e in q["expect"]} - set(ids.values())
    assert not missing, f"relevance.yml names items the library does not have: {missing}"
    first = top = 0
    misses = []
    for entry in QUERIES:
        found = top_three(page, entry["query"], ids)
        expected = set(entry["expect"])
        first += bool(found) and found[0] in expected
        top += bool(expected & set(found))
        if not expected & set(found[:1]):
            misses.append(f"{entry['query']!r}: {found}")
    count = len(QUERIES)
    print(
        f"\nrelevance: {count} queries; expected item first: {first}/{count} "
        f"({first / count:.0%}); in the top three: {top}/{count} ({top / count:.0%})"
    )
    for miss in misses:
        print("  not first:", miss)
    assert top == count, misses
    assert first / count >= 0.75, misses


def test_the_dropdown_shows_five_results_before_its_filters(page):
    box = page.locator("[data-pb-search-input]")
    box.click()
    box.fill("feedback")
    expect(page.locator("[data-pb-search-status]")).to_have_text(
        re.compile(r"^\d+ results for “feedback”$")
    )
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    toggle = page.locator("[data-pb-search-filter-toggle]")
    expect(toggle).to_be_visible()
    assert page.locator("[data-pb-search-filters]").is_hidden()  # folded until asked for
    assert results.count() >= 5
    # five whole results in the dropdown as it opens on a 1366x900 screen, without scrolling
    bottoms = results.evaluate_all(
        "items => items.slice(0, 5).map(i => i.getBoundingClientRect().bottom)"
    )
    panel = page.locator("[data-pb-search-scroll]").bounding_box()
    assert max(bottoms) <= min(panel["y"] + panel["height"], 900), (bottoms, panel)
    toggle.click()
    expect(page.locator("[data-pb-search-filters]")).to_be_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator('.pb-search-chip[data-facet="type"]').first.click()
    expect(toggle).to_have_text("Filter (1)")

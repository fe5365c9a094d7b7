"""The header search on Pagefind in Chromium, on a generated library of a few hundred items:
results while typing, a competency chip that narrows them, a result opened with the keyboard;
the browse page's search box with its facets; and the bytes a reader downloads for one query,
against Material's own search on the same library, side by side."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from browser import measure_search, serve
from conftest import build_site
from playbook.core.synth import generate
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ITEMS = 300
QUERY = "mentor"  # one of the generator's words: in most items, so there is something to narrow
BUDGET = 500_000  # bytes per query at 10,000 items (issue 7); a few hundred items stay far below
START = "case_studies/case-00001/"  # where the reader opens the site


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("search") / "lib", ITEMS)


@pytest.fixture(scope="module")
def pagefind_site(library: Path) -> Path:
    return build_site(library, site_dir=str(library / "site-pagefind"))


@pytest.fixture(scope="module")
def material_site(library: Path) -> Path:
    return build_site(
        library,
        site_dir=str(library / "site-material"),
        plugins=["search", {"playbook": {"search": "material", "pdf": False}}],
    )


@pytest.fixture(scope="module")
def base(pagefind_site: Path):
    with serve(pagefind_site) as url:
        yield url


def active(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def test_type_narrow_by_a_competency_chip_and_open_a_result(base, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + START)
    page.keyboard.press("/")
    assert active(page, "[data-pb-search-input]")
    page.keyboard.type(QUERY, delay=50)

    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=30_000)
    status = page.locator("[data-pb-search-status]")
    expect(status).to_have_text(re.compile(rf"^\d+ results for “{QUERY}”$"))
    total = int(status.text_content().split()[0])
    assert total > 20
    first = results.first
    assert first.locator(".pb-type").count() == 1  # the type beside each result...
    assert first.locator(".pb-hit__chips .pb-chip").count() >= 1  # ...and its competencies
    # an excerpt where the title and summary shown do not hold the word, and only there
    for i in range(results.count()):
        hit = results.nth(i)
        told = " ".join(hit.locator(".pb-hit__title, .pb-hit__summary").all_text_contents())
        excerpt = hit.locator(".pb-hit__excerpt")
        if QUERY in told.lower():
            assert excerpt.count() == 0, told
        else:
            assert excerpt.locator("mark").count() >= 1, told

    # the chips come folded behind "Filter": results first
    toggle = page.locator("[data-pb-search-filter-toggle]")
    assert page.locator("[data-pb-search-filters]").is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    # narrow by the competency chip that leaves the fewest results
    chips = page.locator('.pb-search-chip[data-facet="competency"][aria-pressed="false"]')
    counts = [int(c) for c in chips.locator(".pb-search-chip__count").all_text_contents()]
    pick = counts.index(min(counts))
    chip = chips.nth(pick)
    name, count = chip.get_attribute("data-value"), counts[pick]
    assert 0 < count < total
    chip.click()
    expect(status).to_have_text(
        re.compile(rf"^{count} results? for “{QUERY}” in {re.escape(name)}$")
    )
    pressed = page.locator('.pb-search-chip[data-facet="competency"][aria-pressed="true"]')
    expect(pressed).to_have_count(1)
    assert pressed.get_attribute("data-value") == name
    assert active(page, '.pb-search-chip[aria-pressed="true"]')  # focus stays on the chip
    shown = results.count()
    assert shown == min(count, 8)
    for i in range(shown):
        assert name in results.nth(i).locator(".pb-hit__chips .pb-chip").all_text_contents()

    # "all results" takes the query and the chip to the browse page, which checks the facet
    # and lists the same items
    listed = browser.new_page()
    listed.goto(urljoin(page.url, page.locator("[data-pb-search-browse] a").get_attribute("href")))
    expect(listed.locator("[data-pb-shown]")).to_have_text(
        re.compile(rf"^{count} of \d+ shown for “{QUERY}”$"), timeout=30_000
    )
    checked = listed.locator('input[name="competency"]:checked')
    expect(checked).to_have_count(1)
    assert checked.get_attribute("data-name") == name
    listed.close()

    # open the second result with the keyboard: back to the box, Down twice, Enter
    link = results.nth(1 if shown > 1 else 0).locator("a")
    href = link.get_attribute("href")
    title = link.locator(".pb-hit__title").text_content()
    page.locator("[data-pb-search-input]").focus()
    page.keyboard.press("ArrowDown")
    assert active(page, "a.md-search-result__link")
    if shown > 1:
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == href
    page.keyboard.press("Enter")
    page.wait_for_url(urljoin(base, href))
    assert page.locator("h1").first.text_content().strip() == title
    assert name in page.locator(".pb-facts .pb-chip").all_text_contents()
    assert errors == []


def test_enter_in_the_box_opens_the_first_result_and_escape_closes(base, browser):
    page = browser.new_page()
    page.goto(base)
    box = page.locator("[data-pb-search-input]")
    box.click()
    assert page.is_checked("#__search")  # Material's toggle: the panel is open
    page.keyboard.type("00012")  # "Framework 00012", "Case 00012: ...": a title's number
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=30_000)
    expect(page.locator("[data-pb-search-status]")).to_have_text(
        re.compile(r"^\d+ results? for “00012”$")
    )
    href = results.first.locator("a").get_attribute("href")
    assert "00012" in results.first.locator(".pb-hit__title").text_content()
    # Tab reaches the Filter button, Enter unfolds the chips and moves to the first; Escape
    # closes, focus and all
    for _ in range(3):
        page.keyboard.press("Tab")
        if active(page, "[data-pb-search-filter-toggle]"):
            break
    assert active(page, "[data-pb-search-filter-toggle]")
    page.keyboard.press("Enter")
    assert active(page, ".pb-search-chip")
    page.keyboard.press("Escape")
    assert not page.is_checked("#__search")
    assert not page.evaluate(
        "document.querySelector('[data-pb-search]').contains(document.activeElement)"
    )
    box.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(urljoin(base, href))


def test_search_works_on_a_site_served_under_a_sub_path(library, pagefind_site, browser):
    # the library's folder served at the root puts the site at /site-pagefind/
    with serve(library) as root:
        base = root + pagefind_site.name + "/"
        page = browser.new_page()
        page.goto(base + START)
        page.keyboard.press("/")
        page.keyboard.type("00012")
        first = page.locator(".md-search-result__item a").first
        first.wait_for(timeout=30_000)
        href = first.get_attribute("href")
        assert href.startswith(f"/{pagefind_site.name}/"), href
        first.click()
        page.wait_for_url(urljoin(base, href))
        assert "00012" in page.locator("h1").first.text_content()


def test_browse_search_narrows_the_list_and_the_facets_count_within_it(base, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "browse/")
    shown = page.locator("[data-pb-shown]")
    expect(shown).to_have_text(f"{ITEMS} of {ITEMS} shown")
    page.fill("[data-pb-browse-q]", "00012")
    # one item of each type carries the number in its title
    expect(shown).to_have_text(f"4 of {ITEMS} shown for “00012”", timeout=30_000)
    for kind in ("case-study", "playbook", "milestone-framework", "feedback-template"):
        assert page.locator(f'[data-count-for="type={kind}"]').text_content() == "(1)"
    page.click('[data-pb-toggle="type"]')  # the facets are folded into a bar of buttons
    page.check('input[name="type"][value="case-study"]')
    expect(shown).to_have_text(f"1 of {ITEMS} shown for “00012”")
    visible = page.locator("[data-pb-items] > li:visible")
    assert visible.count() == 1
    assert visible.locator(".pb-card__title").text_content().startswith("Case 00012")
    assert parse_qs(urlparse(page.url).query) == {"q": ["00012"], "type": ["case-study"]}

    # the shared link restores the search and the facet
    fresh = browser.new_page()
    fresh.goto(page.url)
    expect(fresh.locator("[data-pb-shown]")).to_have_text(
        f"1 of {ITEMS} shown for “00012”", timeout=30_000
    )
    # the header search hands its query to the browse page
    fresh.locator("[data-pb-search-input]").fill(QUERY)
    link = fresh.locator("[data-pb-search-browse] a")
    link.wait_for(timeout=30_000)
    link.click()
    fresh.wait_for_url(re.compile(rf"/browse/\?q={QUERY}$"))
    expect(fresh.locator("[data-pb-shown]")).to_have_text(
        re.compile(rf"^\d+ of {ITEMS} shown for “{QUERY}”$"), timeout=30_000
    )
    # Clear takes the search off too
    page.click("[data-pb-clear]")
    expect(shown).to_have_text(f"{ITEMS} of {ITEMS} shown")
    assert page.input_value("[data-pb-browse-q]") == ""
    assert errors == []


def test_bytes_per_query_pagefind_against_material(pagefind_site, material_site, browser):
    with serve(pagefind_site) as pagefind_base, serve(material_site) as material_base:
        pagefind = measure_search(browser, pagefind_base, START, QUERY)
        material = measure_search(browser, material_base, START, QUERY)
    assert pagefind.results > 0 and material.results > 0
    names = [d.url.rsplit("/", 2)[-2:] for d in pagefind.search_files()]
    assert ["pagefind", "wasm.en.pagefind"] in names, names  # the worker's fetches are kept
    assert any(folder == "index" for folder, _ in names), names
    assert any("search_index.json" in d.url for d in material.search_files())

    lines = [
        f"Search downloads from opening /{START} to the first results for “{QUERY}”, "
        f"{ITEMS} generated items (KB = 1,000 bytes):",
        f"{'engine':<10} {'files':>5} {'KB':>8} {'KB gzip':>8} {'page KB':>8}",
    ]
    for engine, measure in (("pagefind", pagefind), ("material", material)):
        lines.append(
            f"{engine:<10} {len(measure.search_files()):>5} {measure.bytes() / 1000:>8.1f} "
            f"{measure.bytes(gzipped=True) / 1000:>8.1f} {measure.bytes(search=False) / 1000:>8.1f}"
        )
    for d in pagefind.search_files():
        lines.append(f"  pagefind {d.size:>8,}  {d.url.split('/', 3)[-1]}")
    for d in material.search_files():
        lines.append(f"  material {d.size:>8,}  {d.url.split('/', 3)[-1]}")
    print("\n" + "\n".join(lines))
    assert pagefind.bytes() < BUDGET

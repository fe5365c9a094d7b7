"""Accessibility of the bundled library in Chromium: axe-core finds no serious or critical WCAG 2.1
A/AA violation on the site's kinds of page, in the light and the dark palette; the browse facets and
Material's header search work with the keyboard alone.

axe-core comes from the npm registry, pinned in tests/a11y/package-lock.json; scripts/test.sh
installs it into tests/a11y/node_modules (`npm ci --prefix tests/a11y`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
A11Y = ROOT / "tests" / "a11y"
AXE = A11Y / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
# Playwright's prefers-color-scheme -> the scheme Material picks through mkdocs.yml's media queries
PALETTES = {"light": "default", "dark": "slate"}
# A word of the bundled library, for the states of search that are audited
SEARCH_WORD = "feedback"
HEADER_SEARCH = "header search, results and chips"
# An item page or a competency hub (a search result may carry ?h= and a #fragment)
ITEM_OR_HUB = re.compile(r"/(playbooks|case_studies|competencies)/[a-z0-9-]+/(\?[^#]*)?(#.*)?$")


@pytest.fixture(scope="module")
def bundled(bundled_site: Path) -> Path:
    return bundled_site


@pytest.fixture(scope="module")
def library_json(bundled: Path) -> dict:
    return json.loads((bundled / "library.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base(bundled_base: str) -> str:
    return bundled_base


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail(
            "axe-core is not installed in tests/a11y/node_modules: run bash scripts/test.sh, "
            "or npm ci --prefix tests/a11y"
        )
    return AXE


def pinned_axe_version() -> str:
    package = json.loads((A11Y / "package.json").read_text(encoding="utf-8"))
    return package["dependencies"]["axe-core"]


def pages_to_audit(data: dict) -> list[tuple[str, str]]:
    """(name, path) of one page of each kind the site has; items and hub from library.json."""
    items = sorted(data["items"], key=lambda item: item["id"])
    first: dict[str, dict] = {}
    for item in items:
        first.setdefault(item["type"], item)
    assert set(first) == {"playbook", "case-study", "milestone-framework", "feedback-template"}
    uses = Counter(c for item in items for c in item["competencies"])
    busiest = max(sorted(uses), key=uses.__getitem__)  # the fullest hub
    rarest = min(sorted(uses), key=uses.__getitem__)  # a filter that empties other facet values
    return [
        ("home", ""),
        ("browse", "browse/"),
        ("browse, filtered", f"browse/?competency={rarest}"),
        ("coverage", "coverage/"),
        ("competencies", "competencies/"),
        ("competency hub", f"competencies/{busiest}/"),
        *((f"{kind} {item['id']}", item["url"]) for kind, item in sorted(first.items())),
        ("type index", "library/playbooks/"),
        ("print a pack", "print/"),
        ("about", "about/"),
        ("contributing", "contributing/"),
    ]


def search_states(site: Path) -> list[tuple[str, str]]:
    """With search on Pagefind: the header's search open with results and filter chips, and the
    browse page narrowed by its search box."""
    if not (site / "pagefind").is_dir():
        return []
    return [(HEADER_SEARCH, ""), ("browse, searched", f"browse/?q={SEARCH_WORD}")]


def describe(where: str, violation: dict, most: int = 6) -> str:
    """One violation as a reader fixing it needs it: rule, impact, elements, what fails."""
    nodes = violation["nodes"]
    lines = [
        f"{where}: {violation['id']} [{violation['impact']}] {violation['help']}"
        f" ({len(nodes)} element{'s' if len(nodes) != 1 else ''}) {violation['helpUrl']}"
    ]
    for node in nodes[:most]:
        lines.append(
            "    " + " ".join(" >> ".join(t) if isinstance(t, list) else t for t in node["target"])
        )
        summary = (node.get("failureSummary") or "").strip().splitlines()
        lines.extend("      " + line.strip() for line in summary)
    if len(nodes) > most:
        lines.append(f"    ... and {len(nodes) - most} more")
    return "\n".join(lines)


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_axe_finds_nothing_serious_in_either_palette(
    palette, base, browser, bundled, library_json, axe_script
):
    pages = pages_to_audit(library_json) + search_states(bundled)
    context = browser.new_context(color_scheme=palette)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    blocking: list[str] = []
    minor: list[str] = []
    elements = 0
    version = ""
    try:
        for name, path in pages:
            page.goto(base + path)
            scheme = page.get_attribute("body", "data-md-color-scheme")
            assert scheme == PALETTES[palette], (
                f"/{path} shows scheme {scheme} in the {palette} palette"
            )
            if name == "browse, filtered":  # the dimmed values are what this state is here for
                assert page.locator(".pb-facet--empty").count() > 0
                # the facets are folded into a bar: open one with a dimmed value, so axe sees it
                dimmed = page.locator("fieldset[data-facet]", has=page.locator(".pb-facet--empty"))
                page.click(f'[data-pb-toggle="{dimmed.first.get_attribute("data-facet")}"]')
                expect(page.locator(".pb-facet--empty:visible").first).to_be_visible()
            if name == HEADER_SEARCH:
                page.keyboard.press("/")
                page.keyboard.type(SEARCH_WORD)
                page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
                page.locator("[data-pb-search-filter-toggle]").click()  # the chips, unfolded
                expect(page.locator(".pb-search-chip").first).to_be_visible()
                page.wait_for_timeout(500)  # Material's opening transition: colours settle
            if name == "browse, searched":
                expect(page.locator("[data-pb-shown]")).to_contain_text("for “", timeout=15_000)
            page.add_script_tag(path=str(axe_script))
            result = page.evaluate(
                # resultTypes: details of violations only, which is what is asserted (faster)
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                WCAG_TAGS,
            )
            version = result["testEngine"]["version"]
            for violation in result["violations"]:
                text = describe(f"{palette} palette, {name} (/{path})", violation)
                if violation["impact"] in BLOCKING:
                    blocking.append(text)
                    elements += len(violation["nodes"])
                else:
                    minor.append(text)
    finally:
        context.close()
    summary = (
        f"axe-core {version}, {palette} palette: {len(pages)} pages audited, "
        f"{len(blocking)} serious or critical violations ({elements} elements), "
        f"{len(minor)} minor or moderate"
    )
    print("\n".join([*blocking, *minor, summary]))
    assert version == pinned_axe_version(), (
        f"axe-core {version} is installed, tests/a11y pins {pinned_axe_version()}: "
        "run npm ci --prefix tests/a11y"
    )
    assert not blocking, "\n".join([*blocking, summary])
    assert errors == []


def active(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, most: int = 300) -> int:
    """Press Tab until the focused element matches selector; return how many presses it took."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if active(page, selector):
            return presses
    pytest.fail(f"{most} presses of Tab never reached {selector}")


def test_browse_facets_work_with_the_keyboard_alone(base, browser):
    page = browser.new_page()
    page.goto(base + "browse/")
    shown = page.locator("[data-pb-shown]")
    everything = shown.text_content()
    assert re.fullmatch(r"(\d+) of \1 shown", everything)

    def ringed() -> None:  # a keyboard user sees where the focus is
        assert active(page, ":focus-visible")
        ring = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return {style: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}; })()"
        )
        assert (ring["style"] != "none" and ring["width"] != "0px") or ring["shadow"] != "none"

    # the facets are folded into a bar of buttons: Enter opens one, Tab goes into its values
    tab_to(page, "[data-pb-facets] [data-pb-toggle]")
    ringed()
    toggle = page.evaluate("document.activeElement.dataset.pbToggle")
    assert active(page, '[aria-expanded="false"]')
    page.keyboard.press("Enter")
    assert active(page, '[aria-expanded="true"]')
    page.keyboard.press("Tab")
    assert active(page, f'fieldset[data-facet="{toggle}"] input[type=checkbox]')
    facet, value = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    ringed()

    page.keyboard.press("Space")
    assert active(page, f'input[name="{facet}"][value="{value}"]:checked')
    narrowed = shown.text_content()
    assert narrowed != everything
    assert parse_qs(urlparse(page.url).query) == {facet: [value]}
    assert page.locator("[data-pb-items] > li:visible").count() == int(narrowed.split()[0])

    # Space again takes the filter off; Space once more puts it back
    page.keyboard.press("Space")
    assert shown.text_content() == everything
    assert urlparse(page.url).query == ""
    page.keyboard.press("Space")
    assert shown.text_content() == narrowed

    # on to the Clear button, pressed with Enter
    tab_to(page, "[data-pb-clear]")
    page.keyboard.press("Enter")
    expect(shown).to_have_text(everything)  # the form's reset handler updates on the next tick
    assert urlparse(page.url).query == ""
    assert page.locator("[data-pb-facets] input:checked").count() == 0


def test_header_search_works_with_the_keyboard_alone(base, browser, library_json):
    competencies = library_json["taxonomy"]["competencies"]
    name = competencies[0]["name"]
    page = browser.new_page()
    page.goto(base)
    page.keyboard.press("/")  # Material's shortcut for the search box
    assert active(page, "input.md-search__input")
    page.keyboard.type(name)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)  # the search worker loads its index first
    assert results.count() > 0

    page.keyboard.press("ArrowDown")
    assert active(page, "a.md-search-result__link")
    href = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(ITEM_OR_HUB)
    assert page.url.split("#")[0] == href.split("#")[0]
    heading = page.locator("h1").first.text_content()
    titles = {item["title"] for item in library_json["items"]} | {c["name"] for c in competencies}
    assert heading.strip() in titles


def test_no_page_of_the_library_is_wider_than_a_phone(bundled, base, browser, library_json):
    """At 390 px, no item page, hub or generated page scrolls sideways: a table that cannot
    fit (a template's grid, a case's outcomes) wraps or scrolls inside its own box."""
    urls = [item["url"] for item in library_json["items"]]
    urls += ["", "browse/", "coverage/", "print/", "competencies/"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = {}
    for url in urls:
        page.goto(base + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[url] = width
    assert wide == {}
    # a case's outcomes: one card per outcome, each value under its label
    case = next(i["url"] for i in library_json["items"] if i["type"] == "case-study")
    page.goto(base + case)
    table = page.locator('table[data-pb-table="outcomes"]')
    assert table.locator("thead").is_hidden()
    labels = table.locator("td").evaluate_all(
        "cells => cells.slice(0, 4).map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"Measure"', '"Before"', '"After"', '"Timeframe"']
    page.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_cards_line_up_with_the_heading_above_them(bundled, base, browser, width):
    """A hub's cards start where its headings start: Material indents every list item of
    the content (`[dir=ltr] .md-typeset ul li`), which the cards' own rule must outweigh."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "competencies/coaching-others/")
    edges = page.evaluate(
        """() => [document.querySelector('.md-content h1').getBoundingClientRect().left,
                  ...[...document.querySelectorAll('ul.pb-cards > li')].map(
                      li => li.getBoundingClientRect().left)]"""
    )
    page.close()
    heading, first, *_rest = edges
    assert abs(first - heading) < 1, edges

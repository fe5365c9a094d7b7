"""The browse page in a real browser: facets folded into a bar (on a phone behind one "Filters"
button), live counts, relevance order with a query, the sort, the whole choice in the URL, and
the first results above the fold on a laptop (1366x900) and a phone (390x844)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from browser import chromium, serve
from conftest import CASE, MKDOCS_YML, TAXONOMY, build_site
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
# words of the bundled library's titles: the relevance order differs from the alphabetical one
QUERY = "new manager"
TITLE_QUERY = "new manager foundations"  # the exact title of one playbook
VISIBLE_CARDS = "[data-pb-items] > li:not([hidden])"


def open_facet(page, facet: str) -> None:
    toggle = page.locator(f'[data-pb-toggle="{facet}"]')
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(page.locator(f'fieldset[data-facet="{facet}"]')).to_be_visible()


def shown_ids(page) -> list[str]:
    return page.locator(VISIBLE_CARDS).evaluate_all("els => els.map(e => e.dataset.id)")


def searched(page, query: str) -> None:
    """Wait until the browse page shows the results of query."""
    expect(page.locator("[data-pb-shown]")).to_contain_text(f"for “{query}”", timeout=30_000)


# ------------------------------------------------------------------ the fixture library


def test_browse_facets_filter_count_and_share(project):
    # a second case study so that the counts are not all ones
    project.write(
        "case_studies/plant-circles.md",
        CASE.replace("title: Circles at a hospital", "title: Circles at a plant")
        .replace("levels: [emerging]", "levels: [senior]")
        .replace("[feedback-practice, strategic-thinking]", "[delegation]"),
    )
    site = build_site(project.root)
    with serve(site) as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "browse/")
        items = page.locator("[data-pb-items] > li")
        assert items.count() == 5
        assert page.locator("[data-pb-shown]").text_content() == "5 of 5 shown"
        assert page.locator('[data-count-for="type=case-study"]').text_content() == "(2)"
        # folded: the values show only when their facet is opened
        assert page.locator('input[name="type"]').first.is_hidden()

        open_facet(page, "type")
        page.check('input[name="type"][value="case-study"]')
        assert page.locator("[data-pb-shown]").text_content() == "2 of 5 shown"
        # counts of the other facets follow the filter
        assert page.locator('[data-count-for="level=senior"]').text_content() == "(1)"
        assert page.locator('[data-count-for="competency=delegation"]').text_content() == "(1)"
        open_facet(page, "level")  # one facet open at a time
        assert page.locator('fieldset[data-facet="type"]').is_hidden()
        assert page.get_attribute('[data-pb-toggle="type"]', "aria-expanded") == "false"
        page.check('input[name="level"][value="senior"]')
        assert page.locator("[data-pb-shown]").text_content() == "1 of 5 shown"
        visible = page.locator("[data-pb-items] > li:visible")
        assert visible.count() == 1
        assert visible.locator(".pb-card__title").text_content() == "Circles at a plant"
        # each facet's button says how many of its values are ticked
        assert page.locator('[data-pb-active-for="type"]').text_content() == "1 selected"
        assert page.locator('[data-pb-active-for="competency"]').is_hidden()

        query = parse_qs(urlparse(page.url).query)
        assert query == {"type": ["case-study"], "level": ["senior"]}

        # the shared link restores the same filter
        fresh = browser.new_page()
        fresh.goto(page.url)
        assert fresh.locator("[data-pb-shown]").text_content() == "1 of 5 shown"
        assert fresh.is_checked('input[name="level"][value="senior"]')

        visible.locator("a").click()
        page.wait_for_load_state()
        assert page.url.rstrip("/").endswith("case_studies/plant-circles")
        assert page.locator("h1").first.text_content() == "Circles at a plant"
        assert errors == []


@pytest.fixture
def dated(project) -> Path:
    """The fixture library with review dates on two items (one older than the playbook's edit),
    a competency without a group and a group whose name holds markup."""
    project.write(
        "content/taxonomy.yml",
        TAXONOMY.replace(
            "group: Leading the business", "group: '<b>Business</b> & <i>strategy</i>'"
        ).replace(
            "modalities:",
            "  - id: self-awareness\n    name: Self-awareness\n"
            "    description: Knowing oneself.\nmodalities:",
            1,
        ),
    )
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("lessons:", "reviewed: 2026-03-01\nlessons:"),
    )
    framework = (project.root / "playbooks/circle-milestones.md").read_text(encoding="utf-8")
    project.write(
        "playbooks/circle-milestones.md",
        framework.replace("stages:", "reviewed: 2025-06-30\nupdated: 2026-12-01\nstages:", 1),
    )
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      pdf: false\n"),
    )
    return build_site(project.root)


def test_sort_newest_and_title_and_the_competency_groups(dated):
    with serve(dated) as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "browse/")
        everything = shown_ids(page)
        # by title, as the page lists them without JavaScript; no query, so no relevance
        assert everything == [
            "circle-milestones",
            "hospital-circles",
            "peer-circles",
            "review-form",
        ]
        assert page.input_value("[data-pb-sort]") == "title"
        assert page.locator('[data-pb-sort] option[value="relevance"]').is_disabled()

        page.select_option("[data-pb-sort]", "newest")
        # the review date first, else the last edit: 2026-03-01, 2026-01-05 (updated), 2025-06-30
        # (reviewed, though updated later); the item without a date last
        assert shown_ids(page) == [
            "hospital-circles",
            "peer-circles",
            "circle-milestones",
            "review-form",
        ]
        assert parse_qs(urlparse(page.url).query) == {"sort": ["newest"]}
        date = page.locator('[data-id="circle-milestones"] .pb-card__date')
        assert date.text_content() == "Reviewed 2025-06-30"
        assert page.locator('[data-id="review-form"] .pb-card__date').count() == 0

        # a shared link restores the sort
        fresh = browser.new_page()
        fresh.goto(page.url)
        assert fresh.input_value("[data-pb-sort]") == "newest"
        assert shown_ids(fresh) == shown_ids(page)

        # back to the default: the URL drops it
        page.select_option("[data-pb-sort]", "title")
        assert shown_ids(page) == everything
        assert urlparse(page.url).query == ""

        # competencies by taxonomy group, "Other" last; names are text, never markup
        open_facet(page, "competency")
        groups = page.locator('fieldset[data-facet="competency"] .pb-facet__group-name')
        assert groups.all_text_contents() == [
            "<b>Business</b> & <i>strategy</i>",
            "Leading others",
            "Other",
        ]
        assert page.locator('fieldset[data-facet="competency"] b').count() == 0
        other = page.locator('[role="group"]', has=page.get_by_text("Other", exact=True))
        expect(other.locator('input[value="self-awareness"]')).to_be_visible()
        assert errors == []


def test_browse_lists_everything_without_javascript(dated):
    with serve(dated) as base, chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "browse/")
        assert page.locator("[data-pb-items] > li:visible").count() == 4
        assert page.locator("[data-pb-items] > li[hidden]").count() == 0
        assert page.locator("[data-pb-facets]").is_hidden()
        titles = page.locator(".pb-card__title").all_text_contents()
        assert titles == sorted(titles, key=str.casefold)


# ------------------------------------------------------------------ the bundled library


@pytest.fixture(scope="module")
def bundled(bundled_site: Path) -> Path:
    return bundled_site


@pytest.fixture(scope="module")
def taxonomy(bundled: Path) -> dict:
    return json.loads((bundled / "library.json").read_text(encoding="utf-8"))["taxonomy"]


@pytest.fixture(scope="module")
def base(bundled_base: str) -> str:
    return bundled_base


@pytest.fixture
def page_at(browser):
    """A new page at one of SIZES; closed (with its context) at the end of the test."""
    contexts = []

    def make(size: str):
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("query", ["", QUERY])
def test_the_first_cards_are_above_the_fold(size, query, base, page_at, tmp_path):
    page = page_at(size)
    page.goto(base + "browse/" + (f"?{urlencode({'q': query})}" if query else ""))
    if query:
        searched(page, query)
    first = page.locator(VISIBLE_CARDS).first
    expect(first).to_be_visible()
    top = first.evaluate("e => e.getBoundingClientRect().top")
    height = SIZES[size][1]
    # its title and the start of its summary, not only its border
    title = first.locator(".pb-card__title").evaluate("e => e.getBoundingClientRect().bottom")
    shot = tmp_path / f"browse-{size}{'-query' if query else ''}.png"
    page.screenshot(path=str(shot))
    print(f"\n{size} {SIZES[size]}, {'q=' + query if query else 'no query'}: "
          f"first card at {top:.0f} px, its title ends at {title:.0f} px ({shot})")  # fmt: skip
    assert top >= 0 and title < height, (top, title, height)
    assert page.evaluate("scrollY") == 0
    assert page.errors == []


def test_on_a_phone_one_filters_button_counts_and_opens_the_facets(base, page_at, taxonomy):
    competency = taxonomy["competencies"][0]["id"]
    level = taxonomy["levels"][0]["id"]
    phone = page_at("phone")
    phone.goto(base + f"browse/?competency={competency}&level={level}")
    filters = phone.locator("[data-pb-filters]")
    expect(filters).to_be_visible()
    assert filters.get_attribute("aria-expanded") == "false"
    assert filters.locator("[data-pb-active]").text_content() == "2 active"
    expect(filters.locator("[data-pb-active] [data-pb-n]")).to_have_text("2")  # what one sees
    toggles = phone.locator("[data-pb-toggle]")
    assert toggles.count() >= 4
    for i in range(toggles.count()):
        assert toggles.nth(i).is_hidden()  # the whole bar is behind the button

    filters.click()
    assert filters.get_attribute("aria-expanded") == "true"
    for i in range(toggles.count()):
        expect(toggles.nth(i)).to_be_visible()
    open_facet(phone, "competency")
    expect(phone.locator(f'input[name="competency"][value="{competency}"]')).to_be_checked()
    # ticking one more counts it on the button
    phone.locator('input[name="competency"]:not(:checked)').first.check()
    assert filters.locator("[data-pb-active]").text_content() == "3 active"
    # Escape closes the facet and gives the focus back to its button, then the bar
    phone.keyboard.press("Escape")
    assert phone.evaluate("document.activeElement.dataset.pbToggle") == "competency"
    phone.keyboard.press("Escape")
    assert phone.evaluate("document.activeElement.hasAttribute('data-pb-filters')")
    assert filters.get_attribute("aria-expanded") == "false"
    assert toggles.first.is_hidden()

    # on a laptop there is no Filters button: the facets' buttons are the bar
    laptop = page_at("laptop")
    laptop.goto(base + f"browse/?competency={competency}&level={level}")
    expect(laptop.locator('[data-pb-toggle="competency"]')).to_be_visible()
    assert laptop.locator("[data-pb-filters]").is_hidden()
    badge = laptop.locator('[data-pb-active-for="competency"]')
    assert badge.text_content() == "1 selected"
    assert phone.errors == [] and laptop.errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_every_competency_shows_by_group_when_its_facet_is_open(size, base, page_at, taxonomy):
    page = page_at(size)
    page.goto(base + "browse/")
    if size == "phone":
        page.click("[data-pb-filters]")
    open_facet(page, "competency")
    panel = page.locator('fieldset[data-facet="competency"]')
    # no box that scrolls inside the page: every value is in view when scrolled to
    assert panel.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert panel.evaluate("e => getComputedStyle(e).overflowY") == "visible"
    expected: dict[str, list[str]] = {}
    for c in taxonomy["competencies"]:
        expected.setdefault(c.get("group") or "Other", []).append(c["name"])
    found: dict[str, list[str]] = {}
    groups = panel.locator('[role="group"]')
    for i in range(groups.count()):
        group = groups.nth(i)
        name = group.locator(".pb-facet__group-name").text_content()
        found[name] = [
            label.strip() for label in group.locator("label").evaluate_all(
                "ls => ls.map(l => l.firstChild.nextSibling.textContent)"
            )
        ]  # fmt: skip
        for box in group.locator("input").all():
            box.scroll_into_view_if_needed()
            expect(box).to_be_visible()
            assert box.evaluate(
                "e => { const r = e.getBoundingClientRect();"
                " return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }"
            )
    assert found == expected
    assert list(found) == list(expected)
    assert page.errors == []


def pagefind_order(page, query: str) -> list[str]:
    """The items of Pagefind's results for query, in its order, asked in the page itself."""
    return page.evaluate(
        """q => window.playbookPagefind()
            .then(pf => pf.search(q))
            .then(r => Promise.all(r.results.map(h => h.data())))
            .then(ds => ds.map(d => (d.filters.item || [])[0]).filter(Boolean))""",
        query,
    )


def test_with_a_query_the_cards_come_in_pagefind_order(base, page_at):
    page = page_at("laptop")
    page.goto(base + f"browse/?{urlencode({'q': QUERY})}")
    searched(page, QUERY)
    assert page.input_value("[data-pb-sort]") == "relevance"
    expected = pagefind_order(page, QUERY)
    assert len(expected) > 3
    assert shown_ids(page) == expected
    titles = page.locator(f"{VISIBLE_CARDS} .pb-card__title").all_text_contents()
    assert titles != sorted(titles, key=str.casefold)  # not the alphabetical order
    assert "sort" not in parse_qs(urlparse(page.url).query)  # relevance is the default

    # the item whose title is the query comes first
    page.fill("[data-pb-browse-q]", TITLE_QUERY)
    searched(page, TITLE_QUERY)
    assert shown_ids(page)[0] == "new-manager-foundations"

    # sorted by title, the same matches alphabetically; the URL says so
    page.select_option("[data-pb-sort]", "title")
    titles = page.locator(f"{VISIBLE_CARDS} .pb-card__title").all_text_contents()
    assert titles == sorted(titles, key=str.casefold)
    assert parse_qs(urlparse(page.url).query)["sort"] == ["title"]
    # the facets narrow the ranked list and keep its order
    page.select_option("[data-pb-sort]", "relevance")
    ranked = shown_ids(page)
    open_facet(page, "type")
    page.check('input[name="type"][value="case-study"]')
    narrowed = shown_ids(page)
    assert narrowed and narrowed == [i for i in ranked if i in narrowed]
    assert page.errors == []


def test_a_long_result_list_is_ranked_as_the_reader_scrolls(base, page_at):
    """Which item a result is costs one fragment: the first batch is ranked with the search,
    the next ones when the reader nears the cards not ranked yet."""
    query = "leader"  # in nearly every item: more results than one batch (20)
    page = page_at("laptop")
    fragments: list[str] = []
    page.on("request", lambda r: fragments.append(r.url) if "/fragment/" in r.url else None)
    page.goto(base + f"browse/?{urlencode({'q': query})}")
    searched(page, query)
    fetched = len(set(fragments))
    expected = pagefind_order(page, query)
    assert len(expected) > 30, expected
    assert fetched < len(expected)  # not every result's fragment before the reader scrolls
    # the first batch (20 results; a page that is not an item takes a place) in Pagefind's order
    assert shown_ids(page)[:15] == expected[:15]
    assert shown_ids(page) != expected
    page.keyboard.press("End")  # a jump to the end, past the cards in between
    page.wait_for_function(
        "ids => JSON.stringify([...document.querySelectorAll('[data-pb-items] > li:not([hidden])')]"
        ".map(e => e.dataset.id)) === JSON.stringify(ids)",
        arg=expected,
        timeout=15_000,
    )
    assert page.errors == []


def test_the_url_carries_query_facets_and_sort_and_restores_them(base, page_at, taxonomy):
    page = page_at("laptop")
    page.goto(base + "browse/")
    page.fill("[data-pb-browse-q]", QUERY)
    searched(page, QUERY)
    open_facet(page, "level")
    level = page.locator('input[name="level"]').first
    level.check()
    page.select_option("[data-pb-sort]", "newest")
    query = parse_qs(urlparse(page.url).query)
    assert query == {"q": [QUERY], "level": [level.get_attribute("value")], "sort": ["newest"]}
    order = shown_ids(page)
    dates = page.locator(VISIBLE_CARDS).evaluate_all("els => els.map(e => e.dataset.date)")
    assert [d for d in dates if d] == sorted((d for d in dates if d), reverse=True)
    status = page.locator("[data-pb-shown]").text_content()

    for size in SIZES:  # the same link on a laptop and a phone
        fresh = page_at(size)
        fresh.goto(page.url)
        searched(fresh, QUERY)
        assert fresh.input_value("[data-pb-browse-q]") == QUERY
        assert fresh.is_checked(f'input[name="level"][value="{level.get_attribute("value")}"]')
        assert fresh.input_value("[data-pb-sort]") == "newest"
        assert fresh.locator("[data-pb-shown]").text_content() == status
        assert shown_ids(fresh) == order
        assert fresh.url == page.url  # opening the link does not rewrite it
        assert fresh.errors == []

    # Clear takes everything off: query, facets, sort
    page.click("[data-pb-clear]")
    expect(page.locator("[data-pb-shown]")).to_have_text(re.compile(r"^(\d+) of \1 shown$"))
    assert urlparse(page.url).query == ""
    assert page.input_value("[data-pb-sort]") == "title"
    assert page.errors == []


@pytest.mark.parametrize("palette", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_serious_with_the_facets_open(size, palette, base, browser):
    """axe-core (tests/a11y, as test_browser_a11y.py runs it) on the states that only the
    browse page's bar has: a query, a facet open with values ticked and dimmed, and on a phone
    the Filters button open."""
    axe = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail(
            "axe-core is not installed: run bash scripts/test.sh, or npm ci --prefix tests/a11y"
        )
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=palette)
    try:
        page = context.new_page()
        page.goto(base + f"browse/?{urlencode({'q': QUERY, 'level': 'executive'})}")
        searched(page, QUERY)
        if size == "phone":
            page.click("[data-pb-filters]")
        open_facet(page, "competency")
        expect(page.locator(".pb-facet--empty:visible").first).to_be_visible()
        page.add_script_tag(path=str(axe))
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values:"
            " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
        )
    finally:
        context.close()
    blocking = [
        f"{v['id']} [{v['impact']}]: "
        + ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert blocking == []

"""The browse page in a real browser: two facets, live counts, the filter in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser import chromium, serve
from conftest import CASE, build_site

pytestmark = pytest.mark.browser


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

        page.check('input[name="type"][value="case-study"]')
        assert page.locator("[data-pb-shown]").text_content() == "2 of 5 shown"
        # counts of the other facets follow the filter
        assert page.locator('[data-count-for="level=senior"]').text_content() == "(1)"
        assert page.locator('[data-count-for="competency=delegation"]').text_content() == "(1)"
        page.check('input[name="level"][value="senior"]')
        assert page.locator("[data-pb-shown]").text_content() == "1 of 5 shown"
        visible = page.locator("[data-pb-items] > li:visible")
        assert visible.count() == 1
        assert visible.locator(".pb-card__title").text_content() == "Circles at a plant"

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


def test_browse_lists_everything_without_javascript(project):
    site = build_site(project.root)
    with serve(site) as base, chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "browse/")
        assert page.locator("[data-pb-items] > li:visible").count() == 4
        assert page.locator("[data-pb-facets]").is_hidden()

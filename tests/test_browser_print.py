"""Printing from the browser: Debian's Chromium prints item pages and the pack page to PDF."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from browser import chromium, serve
from conftest import build_site
from test_print import SIX_SECTIONS, WITH_URL, pages_of, text_of

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]


def print_page(page, tmp_path: Path, paper: str) -> Path:
    target = tmp_path / f"printed-{paper}-{len(list(tmp_path.glob('printed-*')))}.pdf"
    page.pdf(path=str(target), format=paper)
    return target


@pytest.fixture
def printed_site(project):
    project.write("mkdocs.yml", WITH_URL)
    project.write("playbooks/quarterly-check-in.md", SIX_SECTIONS)
    return build_site(project.root)


def test_a_template_page_prints_on_one_sheet_of_a4_and_of_letter(printed_site, tmp_path):
    with serve(printed_site) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(base + "playbooks/quarterly-check-in/")
        for paper in ("A4", "Letter"):
            pdf = print_page(page, tmp_path, paper)
            assert pages_of(pdf) == 1, paper
            text = text_of(pdf)
            for expected in (
                "Quarterly check-in",
                "Evidence brought",
                "Signature: Coach",
                "lib.example.org/playbooks/quarterly-check-in/",
            ):
                assert expected in text, (paper, expected)
            # no site chrome on paper: nav, search, footer, download button, cross-links
            for chrome in (
                "Search",
                "Browse",
                "Print a pack",
                "Download PDF",
                "Linked items",
                "Made with",
            ):
                assert chrome not in text, (paper, chrome)


def test_the_pack_page_prints_the_ticked_items_in_the_order_ticked(printed_site, tmp_path):
    with serve(printed_site) as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "print/")
        assert page.locator('input[name="pick"]').count() == 3  # 2 templates, 1 framework
        # each playbook's pack is offered as the PDF the build made
        ready = page.locator(".pb-pack__ready a")
        assert ready.all_inner_texts() == ["Peer circles"]
        href = ready.first.get_attribute("href")
        assert href.endswith("peer-circles-workshop-pack.pdf")
        assert (printed_site / "playbooks/peer-circles/peer-circles-workshop-pack.pdf").is_file()
        # nothing ticked yet: printing gives the list, not a blank sheet
        assert "Review form" in text_of(print_page(page, tmp_path, "A4"))
        # ticked against the list's (alphabetical) order
        page.check('input[name="pick"][value="review-form"]')
        page.check('input[name="pick"][value="quarterly-check-in"]')
        status = page.locator("[data-pb-pack-status]")
        status.filter(has_text="2 ready to print").wait_for()
        assert parse_qs(urlparse(page.url).query) == {"pick": ["review-form,quarterly-check-in"]}
        assert page.locator("[data-pb-pack-order] li").all_inner_texts() == [
            "Review form",
            "Quarterly check-in",
        ]
        assert page.is_enabled("[data-pb-print]")

        pdf = print_page(page, tmp_path, "A4")
        pages = [text_of(pdf, n) for n in range(1, pages_of(pdf) + 1)]
        # notes page, then sheet, for each, in the order ticked
        assert len(pages) == 4, pages
        assert "FACILITATOR NOTES" in pages[0] and "Print it." in pages[0]
        assert "Review form" in pages[1] and "playbooks/review-form/" in pages[1]
        assert "FACILITATOR NOTES" not in pages[1] and "Print it." not in pages[1]
        assert "FACILITATOR NOTES" in pages[2] and "30 minutes" in pages[2]
        assert "hand this out at the start" in pages[2]
        assert "Quarterly check-in" in pages[3] and "playbooks/quarterly-check-in/" in pages[3]
        assert "2–3 people" not in pages[3]  # planning stays off the participant's sheet
        whole = " ".join(pages)
        assert "Circle milestones" not in whole and "Print a workshop pack" not in whole

        # unticking and ticking again moves an item to the end
        page.uncheck('input[name="pick"][value="review-form"]')
        page.check('input[name="pick"][value="review-form"]')
        status.filter(has_text="2 ready to print").wait_for()
        assert parse_qs(urlparse(page.url).query) == {"pick": ["quarterly-check-in,review-form"]}

        # a shared link restores the pack and its order
        fresh = browser.new_page()
        fresh.goto(page.url)
        fresh.locator("[data-pb-pack-status]").filter(has_text="2 ready to print").wait_for()
        assert fresh.is_checked('input[name="pick"][value="review-form"]')
        assert not fresh.is_checked('input[name="pick"][value="circle-milestones"]')
        assert fresh.locator("[data-pb-pack-order] li").all_inner_texts() == [
            "Quarterly check-in",
            "Review form",
        ]
        assert errors == []


def test_every_bundled_template_prints_on_one_sheet_in_chromium(tmp_path):
    site = build_site(ROOT, site_dir=str(tmp_path / "site"))
    templates = sorted(
        path.stem
        for path in (ROOT / "playbooks").glob("*.md")
        if re.search(r"^type: feedback-template$", path.read_text(encoding="utf-8"), re.M)
    )
    assert len(templates) >= 9
    with serve(site) as base, chromium() as browser:
        page = browser.new_page()
        for name in templates:
            page.goto(f"{base}playbooks/{name}/")
            for paper in ("A4", "Letter"):
                assert pages_of(print_page(page, tmp_path, paper)) == 1, (name, paper)
            assert pages_of(site / f"playbooks/{name}/{name}.pdf") == 1, name

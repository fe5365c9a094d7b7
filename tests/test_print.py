"""Paper for facilitators: PDFs rendered by WeasyPrint in real builds, read back with Poppler.

Pages are counted with pdfinfo, text is extracted with pdftotext and page one is rendered to PNG
with pdftoppm, all from Debian's poppler-utils (installed by scripts/test.sh).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import MKDOCS_YML, TEMPLATE, build_site
from mkdocs.exceptions import Abort, BuildError, PluginError
from playbook.outputs.pdf import site_fetcher
from playbook.site.paper import QrCodes, css_string

SITE_URL = "https://lib.example.org/"
WITH_URL = MKDOCS_YML.replace(
    "site_name: Test library\n", f"site_name: Test library\nsite_url: {SITE_URL}\n"
)
TEMPLATE_PDF = "playbooks/review-form/review-form.pdf"
FRAMEWORK_PDF = "playbooks/circle-milestones/circle-milestones.pdf"
PACK_PDF = "playbooks/peer-circles/peer-circles-workshop-pack.pdf"
# the pack's parts after its cover, in the order the playbook lists what it uses
PACK_PARTS = [
    "Run sheet: phases, roles, pitfalls",
    "Facilitator notes: Quarterly check-in",
    "Quarterly check-in (participant's sheet)",
    "Facilitator notes: Circle milestones",
    "Circle milestones (milestone framework)",
    "Facilitator notes: Review form",
    "Review form (participant's sheet)",
]

SIX_SECTIONS = """\
---
type: feedback-template
title: Quarterly check-in
summary: A one-page check-in between a leader and their coach, filled in during the session.
competencies: [feedback-practice, delegation]
levels: [emerging, senior]
purpose: Review the quarter and agree what to try next
audience: A leader and their coach
minutes: 30
prep_minutes: 15
group_size: {min: 2, max: 3}
difficulty: introductory
materials: [One printed copy per person, A pen]
variations: [Run it by video call with a shared document.]
names: [Leader, Coach]
signatures: [Leader, Coach]
sections:
  - {title: What went well, prompt: Two things you did this quarter that worked and why., kind: text, lines: 3}
  - {title: What was hard, prompt: One situation you would handle differently next time., kind: text, lines: 3}
  - title: Confidence
    prompt: How confident are you in delegating outcomes rather than tasks?
    kind: rating
    scale: {min: 1, max: 5, low_label: Not yet, high_label: Fully}
  - title: Evidence brought
    prompt: Tick what you brought to the session.
    kind: checklist
    items: [Peer feedback, A delegated outcome, Team survey results, Notes from one-to-ones]
  - {title: Next experiment, prompt: The behaviour you will try and when., kind: text, lines: 3}
  - {title: Support, prompt: What your coach will do before the next session., kind: text, lines: 2}
---

Facilitator notes: hand this out at the start.
"""


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run bash scripts/test.sh, which installs poppler-utils")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


def pages_of(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M).group(1))


def text_of(pdf: Path, page: int | None = None) -> str:
    span = ["-f", str(page), "-l", str(page)] if page else []
    return re.sub(r"\s+", " ", poppler("pdftotext", "-layout", *span, str(pdf), "-"))


def ink_of_first_page(pdf: Path, tmp_path: Path) -> float:
    """Share of page one's pixels that are not white, rendered at 30 dpi."""
    from PIL import Image

    poppler("pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p"))
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(1 for value in image.get_flattened_data() if value < 200)
    return dark / (image.width * image.height)


@pytest.fixture
def printed(project, site):
    """The fixture library with a site URL (for QR codes) and a six-section template."""
    project.write("mkdocs.yml", WITH_URL)
    project.write("playbooks/quarterly-check-in.md", SIX_SECTIONS)
    project.write(
        "playbooks/peer-circles.md",
        (project.root / "playbooks/peer-circles.md")
        .read_text(encoding="utf-8")
        .replace(  # the order a facilitator uses them in, not the alphabet's
            "uses: [review-form]", "uses: [quarterly-check-in, circle-milestones, review-form]"
        )
        .replace(
            "measures:",
            "cohort_size: {min: 6, max: 8}\n"
            "effort: {participants: 2 hours a month, coaches: Half a day to launch}\n"
            "roles:\n  - {role: Circle host, does: Keeps time and the agenda.}\n"
            "pitfalls: [Circles that turn into complaint sessions.]\n"
            "measures:",
        ),
    )
    return site()


def test_every_template_and_framework_gets_a_pdf_linked_from_its_page(printed):
    out = printed
    for pdf, page in (
        (TEMPLATE_PDF, "playbooks/review-form/index.html"),
        (FRAMEWORK_PDF, "playbooks/circle-milestones/index.html"),
        (
            "playbooks/quarterly-check-in/quarterly-check-in.pdf",
            "playbooks/quarterly-check-in/index.html",
        ),
        (PACK_PDF, "playbooks/peer-circles/index.html"),
    ):
        assert (out / pdf).read_bytes().startswith(b"%PDF-"), pdf
        html = (out / page).read_text(encoding="utf-8")
        label = "Download workshop pack (PDF)" if "pack" in pdf else "Download PDF"
        assert f'href="../../{pdf}" download>{label}</a>' in html
    case = (out / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8")
    assert "Download" not in case
    assert not list((out / "case_studies").rglob("*.pdf"))


def test_a_template_pdf_is_one_page_with_every_section_and_checklist_item(printed, tmp_path):
    pdf = printed / "playbooks/quarterly-check-in/quarterly-check-in.pdf"
    assert pages_of(pdf) == 1
    text = text_of(pdf)
    for expected in (
        "Quarterly check-in",
        "A one-page check-in between a leader and their coach",
        "What went well",
        "What was hard",
        "Confidence",
        "Evidence brought",
        "Next experiment",
        "Support",
        "Peer feedback",
        "A delegated outcome",
        "Team survey results",
        "Notes from one-to-ones",
        "Not yet",
        "Fully",  # the rating scale's end labels
        "Leader",
        "Coach",
        "Date",
        "Signature: Leader",
        "Signature: Coach",
    ):
        assert expected in text, expected
    assert "Facilitator notes" not in text  # the participant's sheet leaves the notes online
    assert ink_of_first_page(pdf, tmp_path) > 0.01


def print_style(html: str) -> str:
    """The print style sheet an item page carries for its printed pages (paper_style.html)."""
    import base64

    found = re.search(r'<link rel="stylesheet" href="data:text/css;base64,([^"]*)">', html)
    assert found, "no print style sheet on the page"
    return base64.b64decode(found.group(1)).decode()


def test_printed_pages_carry_title_date_url_and_a_qr_code_of_the_page(printed):
    text = text_of(printed / TEMPLATE_PDF)
    assert "Review form" in text
    assert f"{SITE_URL}playbooks/review-form/" in text
    framework = text_of(printed / FRAMEWORK_PDF)
    assert "No review date" in framework  # the fixture framework has no `updated`
    html = (printed / "playbooks/review-form/index.html").read_text(encoding="utf-8")
    style = print_style(html).removeprefix("@media print{@page pb-review-form{")
    assert f'url("{QrCodes().data_uri(SITE_URL + "playbooks/review-form/")}")' in style
    assert (
        str(css_string(f"Review form\nNo review date · {SITE_URL}playbooks/review-form/")) in style
    )


def qr_codes_of(pdf: Path, tmp_path: Path) -> list[list[str]]:
    """What the QR codes on each page of a PDF say, read by zxing-cpp from the pages drawn by
    Poppler at 150 dpi, as a phone's camera would read the paper."""
    import zxingcpp
    from PIL import Image

    out = tmp_path / pdf.stem
    poppler("pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(out))
    return [
        sorted(code.text for code in zxingcpp.read_barcodes(Image.open(page)))
        for page in sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
    ]


def test_the_qr_code_on_every_printed_page_opens_the_page_of_its_item(printed, tmp_path):
    template, framework = (
        f"{SITE_URL}playbooks/review-form/",
        f"{SITE_URL}playbooks/circle-milestones/",
    )
    assert qr_codes_of(printed / TEMPLATE_PDF, tmp_path) == [[template]]
    framework_pages = qr_codes_of(printed / FRAMEWORK_PDF, tmp_path)
    assert framework_pages and all(codes == [framework] for codes in framework_pages)
    pack = qr_codes_of(printed / PACK_PDF, tmp_path)
    assert len(pack) == pages_of(printed / PACK_PDF)
    for number, codes in enumerate(pack, 1):  # one on each page but the facilitators' notes
        notes = "FACILITATOR NOTES" in text_of(printed / PACK_PDF, number)
        assert len(codes) == (not notes), (number, codes)
    playbook = f"{SITE_URL}playbooks/peer-circles/"
    assert pack[0] == [playbook]  # the cover
    uses = {f"{SITE_URL}playbooks/{name}/" for name in ("quarterly-check-in", "review-form")}
    assert {code for codes in pack for code in codes} == {playbook, framework, *uses}


def test_a_workshop_pack_opens_with_a_cover_and_contents_and_numbers_pages_through(printed):
    pack = printed / PACK_PDF
    total = pages_of(pack)
    pages = [text_of(pack, n) for n in range(1, total + 1)]
    cover = pages[0]
    assert "WORKSHOP PACK" in cover and "Peer circles" in cover
    assert "Six leaders meet monthly" in cover
    # the contents, in the order the playbook lists what it uses, each with its page
    entries = re.findall(r"\d+\. ([A-Z][^\n]*?) (\d+)(?= \d+\. | The playbook)", cover)
    titles = [title.strip() for title, _page in entries]
    assert titles == PACK_PARTS, cover
    starts = {title: int(page) for title, page in entries}
    assert list(starts.values()) == sorted(starts.values())
    # each part starts on the page the contents give
    assert "RUN SHEET" in pages[starts["Run sheet: phases, roles, pitfalls"] - 1]
    for name in ("Quarterly check-in", "Circle milestones", "Review form"):
        notes = pages[starts[f"Facilitator notes: {name}"] - 1]
        assert "FACILITATOR NOTES" in notes and name in notes
        sheet_title = next(t for t in starts if t.startswith(f"{name} ("))
        sheet = pages[starts[sheet_title] - 1]
        assert "FACILITATOR NOTES" not in sheet and name in sheet
    # numbered through the pack: every page but the cover says which of how many it is
    assert not re.search(rf"\b1 ?/ ?{total}\b", cover)
    for number, text in enumerate(pages[1:], start=2):
        assert re.search(rf"\b{number} ?/ ?{total}\b", text), number
    # the run sheet: phases with their timings, roles, pitfalls, effort and cohort
    run_sheet = " ".join(pages[1 : starts["Facilitator notes: Quarterly check-in"] - 1])
    for expected in (
        "Launch", "2 weeks", "Agree norms", "Circle host", "Keeps time and the agenda",
        "Circles that turn into complaint sessions", "6–8 participants", "2 hours a month",
    ):  # fmt: skip
        assert expected in run_sheet, expected
    assert "Circles meet monthly" not in text_of(pack)  # the playbook's narrative stays online
    # the notes page: the planning facts and the template's own text
    notes = pages[starts["Facilitator notes: Quarterly check-in"] - 1]
    for expected in (
        "30 minutes", "15 minutes", "2–3 people", "Introductory", "One printed copy per person",
        "Run it by video call", "hand this out at the start",
    ):  # fmt: skip
        assert expected in notes, expected
    # the template's own PDF stays the participant's sheet alone
    alone = printed / "playbooks/quarterly-check-in/quarterly-check-in.pdf"
    assert pages_of(alone) == 1 and "Run it by video call" not in text_of(alone)


def test_a_packs_outline_leads_to_each_part_and_its_sheets_are_the_items_own(printed):
    """Each part of a pack is laid out once and put together after: the PDF's outline has an
    entry per part, at the page the contents give, and a template's sheet in the pack draws
    the same page as its own PDF but for the page number."""
    from pypdf import PdfReader

    pack = PdfReader(printed / PACK_PDF)
    entries = [(item.title, pack.get_destination_page_number(item)) for item in pack.outline
               if not isinstance(item, list)]  # fmt: skip
    assert entries[0] == ("Cover and contents", 0)
    entries = entries[1:]
    assert [title for title, _page in entries] == PACK_PARTS
    cover = text_of(printed / PACK_PDF, 1)
    for title, page in entries:  # the outline's page (from 0) is the contents' (from 1)
        assert re.search(rf"{re.escape(title)} {page + 1}\b", cover), title
    assert pack.metadata.title == "Workshop pack: Peer circles"
    page = dict(entries)["Review form (participant's sheet)"]
    own = text_of(printed / "playbooks/review-form/review-form.pdf", 1)
    in_pack = text_of(printed / PACK_PDF, page + 1)
    total = pages_of(printed / PACK_PDF)
    assert re.sub(r"\b1 ?/ ?1\b", "", own) == re.sub(rf"\b{page + 1} ?/ ?{total}\b", "", in_pack)


def test_hostile_titles_print_as_text_and_never_break_the_print_style(project, site):
    hostile = '</style><script>alert(1)</script> "quoted" \\ & {}'
    project.write("mkdocs.yml", WITH_URL)
    project.write(
        "playbooks/review-form.md",
        TEMPLATE.replace("title: Review form", "title: " + json.dumps(hostile)),
    )
    out = site()
    html = (out / "playbooks/review-form/index.html").read_text(encoding="utf-8")
    style = print_style(html)
    assert style.startswith("@media print{@page pb-review-form{")
    # the sheet is a data: URL in a link's attribute: nothing in it ends the attribute
    link = re.search(r'<link rel="stylesheet" href="data:text/css;base64,([^"]*)">', html)
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", link.group(1))
    assert "<" not in style and "\\" + "00003c" in style
    assert "<script>alert(1)" not in html
    assert '</style><script>alert(1)</script> "quoted"' in text_of(out / TEMPLATE_PDF)


def test_css_string_escapes_everything_but_letters_digits_and_spaces():
    assert css_string("Plan A 2") == '"Plan A 2"'
    assert css_string('a"b') == '"a\\000022b"'
    assert css_string("</style>") == '"\\00003c\\00002fstyle\\00003e"'
    assert css_string("é\n") == '"\\0000e9\\00000a"'


# ---------------------------------------------------------------- the URL fetcher


@pytest.fixture
def fetcher(tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the site")
    refused: list[str] = []
    return site_fetcher(site, SITE_URL, refused), refused


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://outside.example/tracker.png",
        "http://lib.example.org/assets/logo.svg",  # same host, other scheme
        "https://lib.example.org.evil.example/assets/logo.svg",
        f"{SITE_URL}../secret.txt",
        f"{SITE_URL}%2e%2e/secret.txt",
        f"{SITE_URL}assets/missing.png",
    ],
)
def test_the_url_fetcher_refuses_anything_but_files_of_the_built_site(fetcher, url):
    fetch, refused = fetcher
    with pytest.raises(ValueError):
        fetch(url)
    assert refused == [url]


def test_the_url_fetcher_serves_site_files_and_data_urls(fetcher):
    fetch, refused = fetcher
    response = fetch(f"{SITE_URL}assets/logo.svg")
    assert response.read().startswith(b"<svg") and response.content_type == "image/svg+xml"
    assert fetch("data:text/plain,hello").read() == b"hello"
    assert refused == []


def test_a_body_image_outside_the_site_is_refused_and_named_with_its_file(project, site, caplog):
    # its host allowed on the site's pages (remote_hosts), a PDF still fetches nothing from it
    project.write(
        "mkdocs.yml",
        WITH_URL.replace(
            "  - playbook\n", "  - playbook:\n      remote_hosts: [outside.example]\n"
        ),
    )
    framework = project.root / "playbooks/circle-milestones.md"
    framework.write_text(
        framework.read_text(encoding="utf-8") + "\n![pixel](https://outside.example/pixel.png)\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.playbook"):
        site(strict=False)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if "PDFs read files of the built site" in r.getMessage()
    ]
    assert any(
        m.startswith("playbooks/circle-milestones.md:") and "https://outside.example/pixel.png" in m
        for m in warnings
    )
    with pytest.raises((Abort, BuildError)):
        site()  # --strict turns the refusal into a failed build


def test_a_file_url_image_in_a_body_stops_the_build_before_any_fetch(project, site, caplog):
    framework = project.root / "playbooks/circle-milestones.md"
    framework.write_text(
        framework.read_text(encoding="utf-8") + "\n![passwd](file:///etc/passwd)\n",
        encoding="utf-8",
    )
    with pytest.raises((Abort, PluginError)), caplog.at_level(logging.ERROR):
        site()
    said = caplog.text  # each problem is logged, located; the build stops before any fetch
    assert re.search(r"playbooks/circle-milestones.md:\d+:\d+: .*'file:///etc/passwd'", said)


def test_a_file_url_in_front_matter_is_printed_as_text_and_never_fetched(project, site, caplog):
    project.write("mkdocs.yml", WITH_URL)
    project.write(
        "playbooks/review-form.md",
        TEMPLATE.replace(
            "summary: A one-page review.",
            "summary: See file:///etc/passwd and https://outside.example/x.png",
        ),
    )
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.playbook"):
        out = site()
    assert "file:///etc/passwd" in text_of(out / TEMPLATE_PDF)
    assert not [r for r in caplog.records if "PDFs read files" in r.getMessage()]


# ---------------------------------------------------------------- switches and reuse


def test_pdf_false_writes_no_pdfs_no_links_and_no_qr_codes(project, site):
    project.write(
        "mkdocs.yml", WITH_URL.replace("  - playbook\n", "  - playbook:\n      pdf: false\n")
    )
    out = site()
    assert not list(out.rglob("*.pdf"))
    html = (out / "playbooks/review-form/index.html").read_text(encoding="utf-8")
    assert "Download PDF" not in html and "data:image/svg+xml" not in print_style(html)
    assert "@bottom-left" in print_style(html)  # the printed page still carries title, date, URL


def test_paper_size_letter_gives_letter_pdfs(project, site):
    project.write(
        "mkdocs.yml",
        WITH_URL.replace("  - playbook\n", "  - playbook:\n      paper_size: Letter\n"),
    )
    out = site()
    assert "612 x 792 pts (letter)" in poppler("pdfinfo", str(out / TEMPLATE_PDF))


def test_a_rebuild_in_the_same_session_renders_only_what_changed(project, caplog):
    """`mkdocs serve` keeps the plugin (it has on_startup) and rebuilds with it: PDFs of
    unchanged items are reused. Here the same process builds three times, as serve does."""
    project.write("mkdocs.yml", WITH_URL)

    def pdf_line() -> str:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
            build_site(project.root, command="serve")
        line = next(m for r in caplog.records if (m := r.getMessage()).startswith("PDFs:"))
        return re.sub(r" in \d+ process(es)?,", ",", line)  # one process or two: the same

    assert "(3 rendered, 0 from the cache; 4 parts laid out)" in pdf_line()
    assert "(0 rendered, 3 from the cache; 0 parts laid out)" in pdf_line()
    form = project.root / "playbooks/review-form.md"
    form.write_text(form.read_text(encoding="utf-8").replace("Book a follow-up", "Book a review"))
    # the template changed: its own PDF and the pack that holds it are put together again, with
    # its sheet laid out once for both; the framework's PDF comes from the cache
    assert "(2 rendered, 1 from the cache; 1 part laid out)" in pdf_line()
    assert "Book a review" in text_of(project.root / "site" / TEMPLATE_PDF)


def test_names_and_signatures_are_checked_with_their_location(problems_of):
    text = TEMPLATE.replace(
        "minutes: 20\n", "minutes: 20\nnames: []\nsignatures: [A, B, C, D, E]\n"
    )
    problems = problems_of("playbooks/review-form.md", text)
    by_line = {p.line: p.message for p in problems}
    assert set(by_line) == {8, 9}, problems
    assert "at least 1" in by_line[8] and "at most 4" in by_line[9]

"""Issue #20: the fields practitioners plan with, checked where they are written, shown on the
page and on paper, filterable where they help choosing."""

from __future__ import annotations

import re

import pytest
from conftest import CASE, FRAMEWORK, MKDOCS_YML, PLAYBOOK, TEMPLATE
from test_print import pages_of, text_of
from test_site import content, page

PLANNED = TEMPLATE.replace(
    "minutes: 20\n",
    """\
minutes: 20
prep_minutes: 10
group_size: {min: 4, max: 12}
difficulty: intermediate
materials: [Sticky notes, A timer]
variations: [Pairs instead of a group when time is short.]
owner: Learning Design Team
reviewed: 2026-03-01
sources:
  - {title: The Lessons of Experience, kind: book}
  - {title: Coaching guide, kind: guide, url: "https://example.org/guide?a=1&b=2"}
""",
).replace(
    "    items: [Book a follow-up, Share with the coach]\n",
    """\
    items: [Book a follow-up, Share with the coach]
  - title: Status
    prompt: Where are you now?
    kind: rating
    scale:
      min: 1
      max: 4
      low_label: Not started
      high_label: Done
      labels: [Not started, Planned, Under way, Done]
  - title: Next meeting
    prompt: When do we meet again?
    kind: choice
    items: [In two weeks, In a month, No further meeting]
  - title: Self and others
    prompt: Mark the average rating in each cell.
    kind: grid
    rows: [Listening, Delegating]
    columns: [Self, Others]
""",
)

CASE_FACTS = CASE.replace(
    "duration_months: 12\n",
    """\
duration_months: 12
evidence: anonymised
participants: 1240
comparison: The two wards that started a year later.
cost: About £900 per manager
""",
)

FRAMEWORK_FACTS = FRAMEWORK.replace(
    "        evidence: A written charter.\n",
    """\
        evidence: A written charter.
        confirmed_by: The circle host
        not_yet: The group still argues about when to meet.
""",
)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "difficulty: intermediate",
            "difficulty: hard",
            "valid values: advanced, intermediate, introductory",
        ),
        (
            "group_size: {min: 4, max: 12}",
            "group_size: {min: 12, max: 4}",
            "min (12) is above max (4)",
        ),
        (
            "labels: [Not started, Planned, Under way, Done]",
            "labels: [Not started, Done]",
            "the scale has 4 points but 2 labels",
        ),
        (
            "kind: choice\n    items: [In two weeks, In a month, No further meeting]",
            "kind: choice\n    items: [In two weeks]",
            "at least two items to choose from",
        ),
        ("    columns: [Self, Others]\n", "", "needs rows and columns"),
        ("kind: grid", "kind: text", "'rows' belongs to grid sections"),
        ('url: "https://example.org/guide?a=1&b=2"', 'url: "javascript:alert(1)"', "url"),
        ("kind: book}", "kind: blog}", "valid values: article, book, guide"),
        ("reviewed: 2026-03-01", "reviewed: 01/03/2026", "YYYY-MM-DD"),
    ],
)
def test_new_fields_are_checked_where_they_are_written(problems_of, old, new, words):
    assert old in PLANNED
    text = PLANNED.replace(old, new)
    problems = problems_of("playbooks/review-form.md", text)
    assert problems, new
    line = PLANNED[: PLANNED.index(old)].count("\n") + 1
    found = [p for p in problems if words in f"{p.message} {p.hint}"]
    assert found, [str(p) for p in problems]
    # located on the line that holds the mistake, or on the mapping (section, scale) it is in
    assert line - 5 <= found[0].line <= line + 1, (found[0].line, line)


@pytest.mark.parametrize(
    ("path", "text", "old", "new", "words"),
    [
        (
            "case_studies/hospital-circles.md",
            CASE_FACTS,
            "evidence: anonymised",
            "evidence: real",
            "valid values: anonymised, composite, named",
        ),
        (
            "case_studies/hospital-circles.md",
            CASE_FACTS,
            "participants: 1240",
            "participants: 0",
            "participants",
        ),
        (
            "playbooks/peer-circles.md",
            PLAYBOOK,
            "measures:",
            "cohort_size: {min: 9}\nmeasures:",
            "max",
        ),
        (
            "playbooks/peer-circles.md",
            PLAYBOOK,
            "measures:",
            "effort: {learners: 2 hours}\nmeasures:",
            "learners",
        ),
        (
            "playbooks/peer-circles.md",
            PLAYBOOK,
            "measures:",
            "roles: [{role: Host}]\nmeasures:",
            "does",
        ),
    ],
)
def test_case_and_playbook_fields_are_checked(problems_of, path, text, old, new, words):
    problems = problems_of(path, text.replace(old, new, 1))
    assert any(words in f"{p.message} {p.hint}" for p in problems), [str(p) for p in problems]


@pytest.fixture
def practice(project, site):
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace(
            "site_name: Test library\n",
            "site_name: Test library\nsite_url: https://lib.example.org/\n",
        ),
    )
    project.write("playbooks/review-form.md", PLANNED)
    project.write("case_studies/hospital-circles.md", CASE_FACTS)
    project.write("playbooks/circle-milestones.md", FRAMEWORK_FACTS)
    project.write(
        "playbooks/card.md",
        TEMPLATE.replace("title: Review form", "title: Pocket card").replace(
            "minutes: 20\n", "minutes: 5\npaper: half-page\n"
        ),
    )
    return site()


def facts(article) -> dict[str, str]:
    """Every fact (dt: dd) the item's page states."""
    found = {}
    for dl in article.find_all("dl", "pb-facts"):
        for dt in dl.find_all("dt"):
            siblings = dt.parent.elements()
            found[dt.text()] = siblings[siblings.index(dt) + 1].text()
    return found


def test_the_page_shows_planning_facts_sources_owner_and_review(practice):
    article = content(page(practice, "playbooks/review-form/"))
    assert facts(article) | {
        "Running time": "20 minutes",
        "Preparation": "10 minutes",
        "Group size": "4–12 people",
        "Difficulty": "Intermediate",
        "Owner": "Learning Design Team",
        "Reviewed": "2026-03-01",
    } == facts(article)
    text = article.text()
    for expected in (
        "Sticky notes",
        "Pairs instead of a group",
        "The Lessons of Experience (book)",
    ):
        assert expected in text, expected
    (link,) = [a for a in article.find_all("a") if a.text() == "Coaching guide"]
    assert link.attrs["href"] == "https://example.org/guide?a=1&b=2"
    # the new section kinds
    choice = article.find("ul", "pb-choice")
    assert [li.text().strip() for li in choice.find_all("li")] == [
        "In two weeks", "In a month", "No further meeting",
    ]  # fmt: skip
    scale = article.find("ol", "pb-scale--labelled")
    assert [re.sub(r"\s+", " ", li.text()).strip() for li in scale.find_all("li")] == [
        "1 Not started", "2 Planned", "3 Under way", "4 Done",
    ]  # fmt: skip
    grid = article.find("table", "pb-grid")
    assert [th.text() for th in grid.find("thead").find_all("th")] == ["Self", "Others"]
    assert [tr.find("th").text() for tr in grid.find("tbody").find_all("tr")] == [
        "Listening", "Delegating",
    ]  # fmt: skip


def test_case_and_framework_facts_are_on_their_pages(practice):
    case = facts(content(page(practice, "case_studies/hospital-circles/")))
    assert (
        case
        | {
            "Evidence": "One real programme, anonymised",
            "Participants": "1,240",
            "Compared with": "The two wards that started a year later.",
            "Cost": "About £900 per manager",
        }
        == case
    )
    framework = re.sub(r"\s+", " ", content(page(practice, "playbooks/circle-milestones/")).text())
    assert "Not yet: The group still argues about when to meet." in framework
    assert "Confirmed by: The circle host" in framework


def test_the_participant_sheet_prints_the_kinds_and_leaves_planning_to_the_notes(practice):
    pdf = practice / "playbooks/review-form/review-form.pdf"
    assert pages_of(pdf) == 1
    text = text_of(pdf)
    for expected in (
        "Tick one",
        "In a month",
        "Under way",
        "Planned",
        "Listening",
        "Self",
        "Others",
    ):
        assert expected in text, expected
    for planning in ("Sticky notes", "Preparation", "The Lessons of Experience"):
        assert planning not in text, planning
    assert "Reviewed 2026-03-01" in text  # the band: the review date, not the edit date


def test_a_half_page_card_prints_on_half_a_sheet(practice):
    import subprocess

    info = subprocess.run(
        ["pdfinfo", str(practice / "playbooks/card/card.pdf")], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (420, 595)  # A5 in points, against A4's 595 x 842
    full = subprocess.run(
        ["pdfinfo", str(practice / "playbooks/review-form/review-form.pdf")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", full).groups())
    assert (round(width), round(height)) == (595, 842)  # A4


def test_difficulty_and_evidence_are_browse_facets(practice):
    browse = content(page(practice, "browse/"))
    facets = {f.attrs["data-facet"]: f for f in browse.find_all("fieldset")}
    assert {"difficulty", "evidence"} <= set(facets)
    values = [i.attrs["value"] for i in facets["evidence"].find_all("input")]
    assert values == ["composite", "anonymised", "named"]
    card = browse.find("li", **{"data-id": "hospital-circles"})
    assert card.attrs["data-evidence"] == "anonymised"
    form = browse.find("li", **{"data-id": "review-form"})
    assert form.attrs["data-difficulty"] == "intermediate"


def test_the_export_carries_the_new_fields(practice):
    import json

    data = json.loads((practice / "library.json").read_text(encoding="utf-8"))
    items = {i["id"]: i for i in data["items"]}
    assert items["review-form"]["group_size"] == {"min": 4, "max": 12}
    assert items["review-form"]["sources"][1]["url"] == "https://example.org/guide?a=1&b=2"
    assert items["hospital-circles"]["evidence"] == "anonymised"
    assert (
        items["circle-milestones"]["stages"][0]["milestones"][0]["confirmed_by"]
        == "The circle host"
    )

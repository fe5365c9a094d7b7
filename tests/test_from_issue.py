"""A way in without YAML: the issue form, made from the library, and `playbook from-issue`,
which turns a submitted form into a checked case study. Sample bodies, as GitHub writes them
for an issue form, are in tests/data/issues/."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import load
from playbook.cli import cli
from playbook.core.issueform import FIELDS, FORM_PATH, parse_issue

ISSUES = Path(__file__).parent / "data" / "issues"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_form_offers_the_librarys_own_choices(project):
    assert run("issue-form", "--root", str(project.root)).exit_code == 0
    form = yaml.safe_load((project.root / FORM_PATH).read_text(encoding="utf-8"))
    fields = {f["attributes"]["label"]: f for f in form["body"] if f["type"] != "markdown"}
    assert list(fields) == [f.label for f in FIELDS]
    assert fields["Competencies"]["attributes"]["options"] == [
        "Strategic thinking",
        "Delegation",
        "Feedback practice",
    ]
    assert fields["Playbooks applied"]["attributes"]["options"] == ["Peer circles"]
    evidence = fields["Kind of evidence"]["attributes"]
    assert evidence["multiple"] is False and evidence["options"] == [
        "Composite, drawn from several programmes",
        "One real programme, anonymised",
        "One real programme, named with consent",
    ]
    assert fields["Title"]["validations"]["required"] is True
    assert form["labels"] == ["case-study"]


def test_the_check_says_when_the_form_no_longer_matches_the_taxonomy(project):
    run("issue-form", "--root", str(project.root))
    assert run("check", "--root", str(project.root)).exit_code == 0
    taxonomy = project.root / "content/taxonomy.yml"
    taxonomy.write_text(
        taxonomy.read_text().replace("name: Delegation", "name: Delegating"), encoding="utf-8"
    )
    result = run("check", "--root", str(project.root))
    assert result.exit_code == 1 and f"{FORM_PATH}:1:1: error:" in result.output
    assert "run `playbook issue-form`" in result.output


def test_a_submitted_form_becomes_a_checked_case_study(project):
    result = run("from-issue", "--root", str(project.root), str(ISSUES / "good.md"))
    assert result.exit_code == 0, result.output
    slug = "ward-managers-coach-each-other-retention-up"
    assert f"wrote case_studies/{slug}.md" in result.output
    item = load(project.root).items[slug]
    meta = item.meta
    assert meta.organization == "A regional hospital network" and meta.function is None
    assert meta.competencies == ["feedback-practice", "delegation"]
    assert meta.levels == ["emerging"] and meta.modalities == ["peer-feedback"]
    assert meta.playbooks == ["peer-circles"] and meta.duration_months == 12
    assert meta.evidence == "anonymised" and meta.participants == 1240
    assert meta.comparison == "The two wards that started a year later." and meta.cost is None
    assert [(o.measure, o.before, o.after, o.timeframe) for o in meta.outcomes] == [
        ("Retention of ward managers", "71%", "86%", "12 months"),
        ("Rotas published on time", None, "9 of 12", None),
    ]
    assert meta.lessons[1].startswith("A sponsor who turns up")
    assert "## What was done" in item.body and meta.status == "published"


def test_problems_are_named_by_the_forms_fields_and_nothing_is_written(project):
    before = sorted(p.name for p in (project.root / "case_studies").iterdir())
    result = run("from-issue", "--root", str(project.root), str(ISSUES / "bad.md"))
    assert result.exit_code == 1
    said = result.output
    assert "- Summary: this field is required" in said
    assert (
        "- Competencies: 'Delegashun' is not one of the choices; did you mean 'Delegation'?" in said
    )
    assert "- Duration in months: write a whole number, e.g. 6" in said
    assert "- Kind of evidence: 'A true story' is not one of the choices" in said
    assert "- Participants: write a whole number, e.g. 24" in said
    assert "- Outcomes, line 1: write `what was measured: before -> after" in said
    assert "nothing was written" in said
    assert sorted(p.name for p in (project.root / "case_studies").iterdir()) == before


def test_a_problem_the_check_finds_is_named_by_its_field_too(project):
    """A title that would collide, a value the model refuses: the file is checked as any
    contribution, and its problems come back in the form's words; the file does not stay."""
    body = (ISSUES / "good.md").read_text(encoding="utf-8")
    body = body.replace("A regional hospital network", "A network\u200bof hospitals")
    path = project.root / "issue.md"
    path.write_text(body, encoding="utf-8")
    result = run("from-issue", "--root", str(project.root), str(path))
    assert result.exit_code == 1
    assert "- Organisation: the text holds an invisible" in result.output
    assert not (
        project.root / "case_studies/ward-managers-coach-each-other-retention-up.md"
    ).exists()


def test_the_body_github_writes_is_read_label_by_label():
    answers = parse_issue("### A\n\nx\ny\n\n### B\n\n_No response_\n\n### C\n\nz\n")
    assert answers == {"A": "x\ny", "B": None, "C": "z"}

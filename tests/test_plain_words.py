"""Messages in plain words: pasted look-alike characters named where they stand, places in
the front matter said with the key's name, one mistake one message."""

from __future__ import annotations

import pytest
from conftest import CASE
from playbook.core.validation import label

PATH = "case_studies/hospital-circles.md"


def _one(problems_of, text: str):
    problems = problems_of(PATH, text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


@pytest.mark.parametrize(
    ("old", "new", "where", "says"),
    [
        # an indent typed in Word: the list entry would otherwise fail as "not a key"
        ("  - measure:", "\u00a0 - measure:", (12, 1), "indents this line"),
        ("industry: Healthcare", "industry:\u2009Healthcare", (8, 10), "follows the colon"),
        ("[emerging]", "\n  -\u00a0emerging", (7, 4), "follows the list's hyphen"),
        ("  - measure:", "  \u202f- measure:", (12, 3), "narrow non-breaking space"),
    ],
)
def test_a_look_alike_space_is_named_where_it_stands(problems_of, old, new, where, says):
    problem = _one(problems_of, CASE.replace(old, new, 1))
    assert (problem.line, problem.col) == where
    assert f"at column {where[1]}" in problem.message and says in problem.message
    assert "ordinary space" in problem.hint


def test_a_space_between_words_is_text(problems_of):
    """A non-breaking space inside a value is typography, kept as written; at a text value's
    start, after YAML's own space, it is the value's (and the model strips it)."""
    text = CASE.replace("A regional hospital network", "A regional\u00a0hospital network")
    assert problems_of(PATH, text) == []
    text = CASE.replace("industry: Healthcare", "industry: \u00a0Healthcare")
    assert problems_of(PATH, text) == []


def test_a_pasted_space_in_an_id_is_named(problems_of):
    problem = _one(problems_of, CASE.replace("[emerging]", "\n  - \u00a0emerging"))
    assert (problem.line, problem.col) == (7, 5)
    assert "a non-breaking space (U+00A0) at position 1" in problem.message
    assert "ordinary space" in problem.hint


@pytest.mark.parametrize("dash", ["\u2013", "\u2014"])
def test_a_word_processor_dash_starting_a_list_entry_is_named(problems_of, dash):
    text = CASE.replace("lessons: [Fixed days help.]", f"lessons:\n  {dash} Fixed days help.")
    problem = _one(problems_of, text)
    assert (problem.line, problem.col) == (17, 3)
    assert "starts this list entry" in problem.message and "hyphen (-)" in problem.hint


def test_a_dash_opening_a_line_of_text_is_text(problems_of):
    text = CASE.replace(
        "summary: Ward managers coached each other.",
        "summary: >-\n  Ward managers coached each other\n  \u2013 and it worked.",
    )
    assert problems_of(PATH, text) == []


@pytest.mark.parametrize(
    "title",
    ["\u201cCircles at a hospital\u201d", "\u2018Circles at a hospital\u2019"],
)
def test_curly_quotes_around_a_value_are_refused(problems_of, title):
    problem = _one(problems_of, CASE.replace("Circles at a hospital", title))
    assert (problem.line, problem.col) == (3, 8) and "curly quote" in problem.message


def test_a_title_that_quotes_a_phrase_is_text(problems_of):
    text = CASE.replace("Circles at a hospital", "\u201cReady now\u201d is not ready")
    assert problems_of(PATH, text) == []
    lone = CASE.replace("industry: Healthcare", "industry: \u00ab")  # a lone mark is text
    assert problems_of(PATH, lone) == []
    quoted = CASE.replace("Circles at a hospital", "'\u201cReady now\u201d'")  # quoted: meant
    assert problems_of(PATH, quoted) == []


def test_an_invisible_character_is_named(problems_of):
    problem = _one(problems_of, CASE.replace("Fixed days", "Fixed\u200b days"))
    assert "a zero width space (U+200B), at position 6" in problem.message


def test_a_body_list_with_a_pasted_space_is_a_located_warning(problems_of):
    text = CASE + "\nThree things changed:\n\n-\u00a0Rotas were fixed.\n\u00a0\u00a0- Huddles.\n"
    problems = problems_of(PATH, text)
    assert [(p.line, p.col, p.severity) for p in problems] == [
        (27, 2, "warning"),
        (28, 1, "warning"),
    ]
    assert all("non-breaking space (U+00A0)" in p.message for p in problems)
    assert "list entry or heading" in problems[0].message
    # the same character between words of a paragraph is fine
    assert problems_of(PATH, CASE + "\nTen\u00a0weeks.\n") == []


@pytest.mark.parametrize(
    ("loc", "said"),
    [
        (("competencies", 1), "competencies, second entry"),
        (("outcomes", 0, "after"), "outcomes, first entry, after"),
        (("lessons", 14), "lessons, entry 15"),
        ((), "front matter"),
    ],
)
def test_a_place_is_said_with_the_key_name(loc, said):
    assert label(loc) == said


def test_a_capitalised_competency_is_one_error_in_words(problems_of):
    text = CASE.replace(
        "[feedback-practice, strategic-thinking]", "[feedback-practice, Delegation]"
    )
    problem = _one(problems_of, text)
    assert "competencies, second entry" in problem.message and "[" not in problem.message
    assert "'delegation'" in problem.hint


def test_a_link_to_an_item_with_errors_says_nothing_more(problems_of, project):
    """The broken item's own error is the one message: the links leading to it (from the
    home page here) are not reported as dead as well."""
    project.write("content/index.md", "# Home\n\n[A case](case_studies/hospital-circles.md)\n")
    problems = problems_of(PATH, CASE.replace("industry: Healthcare", "industry:\u00a0Healthcare"))
    assert len(problems) == 1
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    _library, everything, _count = scan(read_settings(project.root))
    assert [p.path for p in everything] == [PATH]


def test_the_preview_banner_escapes_what_it_quotes():
    """Messages quote what a contributor wrote; the banner prints them as text."""
    from playbook.core.problems import Problem
    from playbook.site.preview import error_banner, with_banner

    problem = Problem(
        'case_studies/<b>"x".md', 4, 2, "unknown competency '<img src=x onerror=alert(1)>'", "<i>"
    )
    page = with_banner('<html><body class="a"><p>page</p></body></html>', error_banner([problem]))
    assert page.startswith('<html><body class="a"><aside class="pb-preview-errors" role="alert"')
    assert "<img" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "Fix: &lt;i&gt;" in page
    assert "1 error in the library" in page and page.endswith("<p>page</p></body></html>")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("duration_months: 12", "duration_months: 0"),
        ("duration_months: 12", "duration_months: 900"),
        ("competencies: [feedback-practice, strategic-thinking]", "competencies: []"),
    ],
)
def test_a_number_or_count_out_of_range_says_how_to_fix_it(problems_of, old, new):
    problem = _one(problems_of, CASE.replace(old, new))
    assert problem.hint

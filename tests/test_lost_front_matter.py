"""No silent loss: front matter a contributor wrote never ends up as body text without an
error at the line that is wrong."""

from __future__ import annotations

import pytest
from conftest import CASE


def _one(problems_of, text: str):
    problems = problems_of("case_studies/hospital-circles.md", text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_stray_fence_before_the_last_keys_is_located(problems_of):
    text = CASE.replace("lessons: [Fixed days help.]", "---\nlessons: [Fixed days help.]")
    fence = text.split("\n").index("---", 1) + 1  # the stray one, not the opening
    problem = _one(problems_of, text)
    assert (problem.line, problem.col) == (fence, 1)
    assert "line" in problem.message and "'lessons'" in problem.message
    assert "delete this line" in problem.hint


def test_a_stray_fence_after_the_title_is_one_error_not_six(problems_of):
    text = CASE.replace("title: Circles at a hospital", "title: Circles at a hospital\n...")
    problem = _one(problems_of, text)
    assert problem.line == 4 and "'summary'" in problem.message  # the `...` after the title


@pytest.mark.parametrize("top", ["\n", "\n\n  \n"])
def test_front_matter_below_blank_lines_is_located(problems_of, top):
    problem = _one(problems_of, top + CASE)
    assert problem.line == top.count("\n") + 1 and "must start on line 1" in problem.message


def test_an_extra_fence_at_the_top_is_located(problems_of):
    problem = _one(problems_of, "---\n" + CASE)
    assert (problem.line, problem.col) == (2, 1) and "'type'" in problem.message


def test_keys_without_any_fence_are_located(problems_of):
    text = CASE.split("---\n", 2)[1]  # the keys, no fences
    problem = _one(problems_of, text + "\nBody.\n")
    assert problem.line == 1 and "no --- line opens it" in problem.message


def test_a_body_that_merely_mentions_a_word_is_fine(problems_of):
    text = CASE.replace("## Context", "Summary: the first line of the body\n\n## Context")
    assert problems_of("case_studies/hospital-circles.md", text) == []


def test_an_item_in_docs_dir_whose_fence_is_lost_is_caught(problems_of):
    """In docs_dir a file is an item by its `type:`; the check still sees one whose front
    matter did not open, while hand-written pages without it are left alone."""
    problem = _one_at(problems_of, "content/extra/item.md", "\n" + CASE)
    assert "must start on line 1" in problem.message
    assert problems_of("content/notes.md", "\n---\ntitle: Notes\n---\n\nText.\n") == []


def _one_at(problems_of, path: str, text: str):
    problems = problems_of(path, text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]

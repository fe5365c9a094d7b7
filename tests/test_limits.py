"""Bounded work: what a body may hold before Markdown sees it, and checks linear in their input.

Each limit is fed at ten times its size: the check answers with one located error, and the
work it did (processor time, compared with the same check on a tenth of the input) grows no
faster than the input."""

from __future__ import annotations

import time

import pytest
from playbook.core import bodycheck
from playbook.core.bodycheck import check_body

CASES = {
    "body size": ("x " * (bodycheck.MAX_BODY * 10 // 2), "characters long, more than"),
    "line length": ("{" + "=" * (bodycheck.MAX_LINE * 10), "this line is"),
    "brackets": ("[" * (bodycheck.MAX_BRACKETS * 10), "'[' characters"),
    "nested blocks": ('<div markdown="1">\n' * (bodycheck.MAX_DEPTH * 10), "nested more than"),
    "nested quotes": ("> " * (bodycheck.MAX_DEPTH * 10) + "x\n", "nested more than"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_limit_is_one_located_error(name):
    body, says = CASES[name]
    problems = check_body(body, "case_studies/x.md", 20)
    assert len(problems) == 1 and says in problems[0].message, problems
    assert problems[0].severity == "error" and problems[0].hint


def _work(body: str) -> float:
    started = time.process_time()
    for _ in range(5):
        check_body(body, "case_studies/x.md", 20)
    return time.process_time() - started


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "{" + "=" * n,  # an attribute list that never closes (was quadratic)
        lambda n: "[a](" + "(" * n,  # a link destination that never closes
        lambda n: "<span " + "a=b " * (n // 4),  # a tag with many attributes
        lambda n: "`" * (n // 10) + " x " + "`" * (n // 10 + 1),  # unmatched backtick runs
        lambda n: "x](" * (n // 3),  # many places where a link may start
    ],
)
def test_checks_are_linear_in_their_input(make):
    """Ten times the input, on one line (where a backtracking expression would be quadratic)."""
    small, large = make(900), make(9_000)
    assert len(large) <= bodycheck.MAX_LINE
    ratio = _work("\n".join([large] * 3)) / max(_work("\n".join([small] * 3)), 1e-4)
    assert ratio < 30, f"ten times the input cost {ratio:.0f} times the work"

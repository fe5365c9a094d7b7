"""The one error type for content problems, and how problems are printed."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One located content problem: file, line and column (1-based), message and hint."""

    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ContentError(Exception):
    """Raised when a library has problems; carries every problem found, not the first only."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(value: object, choices: Iterable[str], *, listing: int = 8) -> str:
    """A hint naming the nearest valid choice, or listing the choices when few."""
    choices = sorted(set(choices))
    if not choices:
        return ""
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(choices) <= listing:
        return "valid values: " + ", ".join(choices)
    return f"no close match among {len(choices)} valid values"


def summary(problems: Sequence[Problem], items: int) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    if not problems:
        return f"checked {items} items: no problems"
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{' and '.join(parts)} in {files} file{'s' * (files != 1)} (checked {items} items)"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """A GitHub Actions workflow command, escaped as the Actions toolkit escapes them."""
    message = problem.message + (f"\nhint: {problem.hint}" if problem.hint else "")
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", problem.path),
            ("line", problem.line),
            ("col", problem.col),
            ("title", "playbook check"),
        )
    )
    return f"::{problem.severity} {props}::{_escape_data(message)}"


def as_json(problems: Sequence[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False)

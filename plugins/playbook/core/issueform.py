"""A way in without YAML: a GitHub issue form for a new case study, and the file it becomes.

The form is made from the content model and the library (the competency, level and modality
choices are the taxonomy's names; the playbooks are the library's), so `playbook check` can
tell when the committed form is out of date. A submitted form arrives as the Markdown body
GitHub writes for it: each field's label as a `### Label` heading, its answer below, and
`_No response_` for an optional field left empty. `case_from_issue` turns that body into the
front matter and body of a case study, and names each problem by the field's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from .library import Library
from .models import EVIDENCE_LABELS, slugify
from .problems import Problem, did_you_mean

NO_RESPONSE = "_No response_"
FORM_PATH = ".github/ISSUE_TEMPLATE/case-study.yml"
LABEL = "case-study"  # the label the form puts on an issue; the workflow acts on it


@dataclass(frozen=True)
class Field:
    key: str  # the front matter key it fills ("body": the Markdown body)
    label: str
    kind: str  # input, textarea, dropdown
    description: str
    required: bool = True
    choices: str = ""  # dropdowns: competencies, levels, modalities, playbooks
    placeholder: str = ""


FIELDS = (
    Field("title", "Title", "input", "A short title that says what happened.",
          placeholder="New store managers learn to delegate in six weeks"),
    Field("summary", "Summary", "textarea",
          "One or two plain sentences: what a reader learns from this case."),
    Field("organization", "Organisation", "input",
          "The organisation; anonymise it if needed, e.g. \"A regional grocery chain\"."),
    Field("industry", "Industry", "input", "The industry, e.g. Retail."),
    Field("function", "Function", "input", "The function or department, if it matters.",
          required=False),
    Field("competencies", "Competencies", "dropdown",
          "The competencies the programme developed (one to eight).", choices="competencies"),
    Field("levels", "Levels", "dropdown", "Who took part.", required=False, choices="levels"),
    Field("modalities", "Modalities", "dropdown", "How people learned.",
          choices="modalities"),
    Field("duration_months", "Duration in months", "input",
          "How long the programme ran, in whole months.", required=False, placeholder="6"),
    Field("evidence", "Kind of evidence", "dropdown",
          "Is this one real programme, or drawn from several?", choices="evidence"),
    Field("participants", "Participants", "input",
          "How many people took part, as a whole number.", required=False, placeholder="24"),
    Field("comparison", "Compared with", "input",
          "What the outcomes are compared with (an earlier cohort, a group that started "
          "later), or say there was no comparison.", required=False),
    Field("cost", "Cost", "input", "What the programme cost, if known, e.g. about 1,500 per "
          "participant.", required=False),
    Field("outcomes", "Outcomes", "textarea",
          "One outcome a line: what was measured, the value before and after, and over what "
          "time, e.g. `Retention of new managers: 71% -> 86% (12 months)`. The value before "
          "may be left out: `Projects delivered on time: 9 of 12`."),
    Field("lessons", "Lessons", "textarea",
          "One lesson a line: what another organisation could use.", required=False),
    Field("playbooks", "Playbooks applied", "dropdown",
          "The library's playbooks this programme followed, if any.", required=False,
          choices="playbooks"),
    Field("authors", "Authors", "input", "Who wrote this case (names, separated by commas).",
          required=False),
    Field("body", "The story", "textarea",
          "What happened, in your own words: the context, what was done, what changed. "
          "Markdown works (## headings, lists, links)."),
)  # fmt: skip


SINGLE = {"evidence"}  # dropdowns with one answer


def _choices(library: Library, kind: str) -> dict[str, str]:
    """name -> id for a dropdown's choices."""
    if kind == "playbooks":
        return {item.title: item.id for item in library.by_type.get("playbook", ())}
    if kind == "evidence":
        return {label: key for key, label in EVIDENCE_LABELS.items()}
    return {term.name: term.id for term in getattr(library.taxonomy, kind)}


def issue_form(library: Library) -> dict[str, Any]:
    """The issue form (GitHub's YAML schema for issue forms) for a new case study."""
    body: list[dict[str, Any]] = [
        {
            "type": "markdown",
            "attributes": {
                "value": "Tell the library what happened when a programme was run. No YAML "
                "needed: a maintainer's review turns this into a page. This form is made by "
                "`playbook issue-form` from the library; do not edit it by hand."
            },
        }
    ]
    for f in FIELDS:
        attributes: dict[str, Any] = {"label": f.label, "description": f.description}
        if f.placeholder:
            attributes["placeholder"] = f.placeholder
        if f.kind == "dropdown":
            attributes["multiple"] = f.key not in SINGLE
            attributes["options"] = list(_choices(library, f.choices)) or ["(none yet)"]
        body.append(
            {
                "type": f.kind,
                "id": f.key.replace("_", "-"),
                "attributes": attributes,
                "validations": {"required": f.required},
            }
        )
    return {
        "name": "New case study",
        "description": "Add a case study to the playbook library, without YAML.",
        "title": "Case study: ",
        "labels": [LABEL],
        "body": body,
    }


def form_text(library: Library) -> str:
    return "# Made by `playbook issue-form`; `playbook check` says when it is out of date.\n" + (
        yaml.safe_dump(issue_form(library), sort_keys=False, allow_unicode=True, width=100)
    )


def parse_issue(text: str) -> dict[str, str | None]:
    """label -> answer (None for `_No response_`) from the body GitHub writes for a form."""
    answers: dict[str, str | None] = {}
    label, lines = None, []
    for line in text.replace("\r\n", "\n").split("\n") + ["### "]:
        if line.startswith("### "):
            if label is not None:
                answer = "\n".join(lines).strip()
                answers[label] = None if answer in ("", NO_RESPONSE) else answer
            label, lines = line[4:].strip(), []
        elif label is not None:
            lines.append(line)
    return answers


_OUTCOME = re.compile(
    r"^(?P<measure>.+?):\s*(?:(?P<before>.+?)\s*(?:->|→|to)\s*)?(?P<after>[^()]+?)"
    r"\s*(?:\((?P<timeframe>[^()]+)\))?\s*$"
)


def _entries(answer: str) -> list[tuple[int, str]]:
    """(line number, text) of each entry of a one-per-line answer, list markers dropped."""
    lines = (line.strip().lstrip("-* ").strip() for line in answer.splitlines())
    return [(n, line) for n, line in enumerate(lines, 1) if line]


@dataclass
class Submission:
    """A case study made from a form: its file's text and the problems, by the form's words."""

    slug: str = ""
    text: str = ""
    problems: list[str] = field(default_factory=list)


def case_from_issue(text: str, library: Library, today: date | None = None) -> Submission:
    answers = parse_issue(text)
    result = Submission()
    data: dict[str, Any] = {"type": "case-study"}
    body = ""
    for f in FIELDS:
        answer = answers.get(f.label)
        if answer is None:
            if f.label not in answers:
                result.problems.append(f"{f.label}: the form has no such field; use the form")
            elif f.required:
                result.problems.append(f"{f.label}: this field is required")
            continue
        if f.key == "body":
            body = answer
        elif f.kind == "dropdown":
            choices = _choices(library, f.choices)
            picked = []
            names = [answer] if f.key in SINGLE else answer.split(",")  # a choice may hold commas
            for name in (n.strip() for n in names):
                if name in choices:
                    picked.append(choices[name])
                elif name:
                    hint = did_you_mean(name, choices)
                    result.problems.append(f"{f.label}: '{name}' is not one of the choices; {hint}")
            data[f.key] = picked[0] if f.key in SINGLE and len(picked) == 1 else picked
        elif f.key == "outcomes":
            outcomes = []
            for n, line in _entries(answer):
                found = _OUTCOME.match(line)
                if found is None:
                    result.problems.append(
                        f"{f.label}, line {n}: write `what was measured: before -> after "
                        f"(timeframe)`, e.g. `Retention: 71% -> 86% (12 months)`"
                    )
                    continue
                outcomes.append({k: v.strip() for k, v in found.groupdict().items() if v})
            data[f.key] = outcomes
        elif f.key == "lessons":
            data[f.key] = [line for _n, line in _entries(answer)]
        elif f.key == "authors":
            data[f.key] = [a.strip() for a in answer.split(",") if a.strip()]
        elif f.key in ("duration_months", "participants"):
            number = answer.strip().replace(",", "")
            if not number.isdigit():
                example = "6" if f.key == "duration_months" else "24"
                result.problems.append(f"{f.label}: write a whole number, e.g. {example}")
                continue
            data[f.key] = int(number)
        else:
            data[f.key] = answer.strip()
    data["updated"] = (today or date.today()).isoformat()
    data["status"] = "published"
    result.slug = slugify(str(data.get("title", "")))[:80].strip("-")
    if not result.slug:
        result.problems.append("Title: write a title with letters or digits in it")
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    result.text = f"---\n{front}---\n\n{body.strip()}\n"
    return result


def in_form_words(problem: Problem, keys: dict[int, str]) -> str:
    """A problem of the file made from a form, named by the field whose line it is on."""
    key = keys.get(problem.line, "")
    label = next((f.label for f in FIELDS if f.key == key), None)
    if label is None:
        label = "The story" if key == "body" else "The submission"
    return f"{label}: {problem.message}" + (f" ({problem.hint})" if problem.hint else "")

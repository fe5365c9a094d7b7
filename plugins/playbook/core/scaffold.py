"""`playbook new`: a new item file with every key of its type, commented, valid as a draft."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .models import Taxonomy, slugify
from .settings import Settings
from .types import ITEM_TYPES, TYPES

# Every placeholder the scaffold writes starts so: a published item may hold none
PLACEHOLDER = ("Replace with ", "Replace this with ")

COMMON = """\
---
# {type_name}. Every key is explained in content/contributing.md; run `playbook check` after editing.
type: {type}
title: {title}
# One or two plain sentences: what a reader gets from this page.
summary: Replace this with one or two sentences that say what this {noun} is about.
# 1 to 8 competency ids from content/taxonomy.yml, e.g. [{competency_examples}]
competencies: [{competency}]
# Optional: career levels ({levels})
levels: []
# Optional: ids of other library items worth reading next (shown on both pages)
related: []
authors: []
# The team or role that keeps this item current (not a person: people move on)
owner: Replace with the team or role that keeps this item current
# The last edit, and the last time someone checked the item is still right (the coverage page
# lists items not reviewed for a while)
updated: {today}
reviewed: {today}
# Optional: what the item draws on; kind is research, book, article, guide, internal,
# interview or other; url only for a public http(s) address
sources: []
#  - {{title: The Lessons of Experience, kind: book}}
#  - {{title: Programme evaluation 2025, kind: internal}}
#  - {{title: Center for Creative Leadership, kind: guide, url: "https://www.ccl.org/"}}
# draft shows in `mkdocs serve` only; change to published when it is ready
status: draft
"""

# What a facilitator plans a session with (templates and frameworks)
PLANNING = """\
# Planning: running and preparation time in minutes, people taking part at once, difficulty for
# the facilitator (introductory, intermediate or advanced), what to bring, other ways to run it
minutes: 30
prep_minutes: 15
group_size: {min: 2, max: 12}
difficulty: introductory
materials:
  - Replace with what to bring
variations:
  - Replace with another way to run it, e.g. by video call.
"""

BODIES = {
    "case-study": """\
# The organisation; anonymise it if needed, e.g. "A regional logistics firm"
organization: Replace with the organisation
industry: Replace with the industry
# Optional: the function or department
function: Replace with the function
# Modality ids from the taxonomy, e.g. [{modality_examples}]
modalities: [{modality}]
# Optional: how long the programme ran
duration_months: 6
# What kind of evidence this is: composite (drawn from several programmes), anonymised (one
# real programme, names removed) or named (one real programme, named with its consent)
evidence: composite
# Optional: how many people took part, what the outcomes are compared with, what it cost
participants: 12
comparison: Replace with what the outcomes are compared with, or say there was no comparison
# cost: About 1,500 per participant, mostly coaching time
# At least one measurable outcome; quote values that hold % or : e.g. "62%"
outcomes:
  - measure: Replace with what was measured
    before: "0"
    after: "0"
    timeframe: 6 months
lessons:
  - Replace with a lesson another organisation could use.
# Optional: ids of the playbooks this case applied
playbooks: []
---

!!! note "Illustrative case"
    Say here whether names and figures are real or illustrative.

## Context

## What they did

## What changed

## What they would do differently
""",
    "playbook": """\
# Modality ids from the taxonomy, e.g. [{modality_examples}]
modalities: [{modality}]
# Optional: participants per cohort, and the time the programme asks of each role
cohort_size: {{min: 8, max: 12}}
effort:
  participants: Replace with e.g. 3 hours a week for 12 weeks
  coaches: Replace with e.g. one hour a fortnight per participant
  sponsors: Replace with e.g. a launch and a closing session
# At least one phase; weeks and outputs are optional
phases:
  - name: Replace with the first phase
    weeks: 4
    activities:
      - Replace with an activity
    outputs:
      - Replace with what the phase produces
# Who does what, and what goes wrong: both are printed on the workshop pack's run sheet
roles:
  - role: Replace with a role, e.g. Sponsor
    does: Replace with what the role does in the programme.
pitfalls:
  - Replace with something that goes wrong, and how to avoid it.
measures:
  leading:
    - Replace with an early signal
  lagging:
    - Replace with a result that shows later
# Optional: ids of milestone frameworks and feedback templates this playbook uses
uses: []
---

## When to use it

## How the parts fit together
""",
    "milestone-framework": """\
# Stages in order; each milestone id is unique within this framework
stages:
  - name: Replace with the first stage
    milestones:
      - id: first-milestone
        title: Replace with the milestone
        competency: {competency}
        evidence: Replace with what an observer can see or check.
        weeks: 4
        # Optional: ids of milestones that come first
        requires: []
        # Optional: who confirms the milestone, and what "not yet" looks like
        confirmed_by: Replace with who confirms it, e.g. Line manager
        not_yet: Replace with what an observer sees when it is not reached yet.
{planning}---

## How to use this framework
""",
    "feedback-template": """\
# What the template is for, on one line
purpose: Replace with the purpose
audience: Replace with who fills it in
# full-page, or half-page for a small card (printed on half a sheet)
paper: full-page
{planning}# A name line is printed for each person who fills the form in (default: Name), then Date
names: [Name]
# Optional: a signature line for each person who signs, e.g. [Participant, Coach]
signatures: []
# Sections in print order; kind is text (with lines), rating (with scale; labels: one per point
# are optional), checklist (tick any of items), choice (tick one of items) or grid (rows by
# columns, e.g. competencies by [Self, Others])
sections:
  - title: Replace with a section title
    prompt: Replace with the question to answer.
    kind: text
    lines: 4
  - title: Replace with a rating
    prompt: Replace with what to rate.
    kind: rating
    scale: {{min: 1, max: 5, low_label: Not yet, high_label: Consistently}}
    # labels: [Not yet, Rarely, Sometimes, Often, Consistently]
  - title: Replace with a checklist
    prompt: Tick what applies.
    kind: checklist
    items:
      - Replace with an item
  - title: Replace with a question with one answer
    prompt: Replace with the question.
    kind: choice
    items: [Replace with an answer, Replace with another answer]
  - title: Replace with a grid
    prompt: Replace with what to write in each cell.
    kind: grid
    rows: [Replace with a row]
    columns: [Self, Others]
---

## How to run it
""",
}


@dataclass(frozen=True)
class Scaffold:
    path: Path
    text: str


class ScaffoldError(Exception):
    """Raised with a message for the contributor when no file can be written."""


def scaffold(settings: Settings, kind: str, title: str, taxonomy: Taxonomy | None) -> Scaffold:
    if kind not in TYPES:
        raise ScaffoldError(f"unknown type '{kind}'; valid types: {', '.join(TYPES)}")
    slug = slugify(title)
    if not slug:
        raise ScaffoldError(
            f"the title {title!r} gives no usable file name; use letters or digits in it"
        )
    path = settings.root / ITEM_TYPES[kind].folder / f"{slug}.md"
    competencies = [c.id for c in taxonomy.competencies] if taxonomy else ["strategic-thinking"]
    modalities = [m.id for m in taxonomy.modalities] if taxonomy else []
    levels = [lv.id for lv in taxonomy.levels] if taxonomy else []
    fields = {
        "type": kind,
        "type_name": ITEM_TYPES[kind].label,
        "noun": ITEM_TYPES[kind].label.lower(),
        # a JSON string is a valid YAML double-quoted scalar: any title stays text
        "title": json.dumps(title.strip(), ensure_ascii=False),
        "competency": competencies[0],
        "competency_examples": ", ".join(competencies[:3]),
        "levels": ", ".join(levels),
        "modality": modalities[0] if modalities else "coaching",
        "modality_examples": ", ".join(modalities[:3]),
        "today": date.today().isoformat(),
        "planning": PLANNING,
    }
    return Scaffold(path, COMMON.format(**fields) + BODIES[kind].format(**fields))

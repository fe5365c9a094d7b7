"""The content model: one typed, frozen model per item type, and the taxonomy.

These models are the single source of truth: they check the files, and their JSON Schemas
(`playbook schema`) are what editors validate against.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import policy

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
STATUSES = ("published", "draft")
SECTION_KINDS = ("text", "rating", "checklist", "choice", "grid")
SOURCE_KINDS = ("research", "book", "article", "guide", "internal", "interview", "other")
DIFFICULTIES = ("introductory", "intermediate", "advanced")
EVIDENCE_LABELS = {  # what a case study's evidence is, as a reader sees it
    "composite": "Composite, drawn from several programmes",
    "anonymised": "One real programme, anonymised",
    "named": "One real programme, named with consent",
}
EVIDENCE_KINDS = tuple(EVIDENCE_LABELS)
PAPER_FORMATS = ("full-page", "half-page")
DEFAULT_LEVELS = (
    ("emerging", "Emerging leader"),
    ("established", "Established manager"),
    ("senior", "Senior leader"),
    ("executive", "Executive"),
)


def slugify(text: str) -> str:
    """A slug for a title: ASCII, lowercase, words joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


_OTHER_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")


def _iso_suggestion(value: str) -> str:
    """A hint for a date written another common way: 31/12/2025, 12/31/2025, 2025/12/31."""
    found = _OTHER_DATE.fullmatch(value.strip())
    if not found:
        return "write it as YYYY-MM-DD, e.g. 2025-12-31"
    a, b, c = found.groups()
    candidates = []
    if len(a) == 4:
        candidates.append((a, b, c))
    elif len(c) == 4:
        candidates += [(c, b, a), (c, a, b)]  # day first, month first
    real = []
    for year, month, day in candidates:
        try:
            real.append(date(int(year), int(month), int(day)).isoformat())
        except ValueError:
            continue
    real = sorted(set(real))
    if len(real) == 1:
        return f"did you mean {real[0]}? Dates are written YYYY-MM-DD"
    if real:
        return f"did you mean {' or '.join(real)}? Dates are written YYYY-MM-DD"
    return "write it as YYYY-MM-DD, e.g. 2025-12-31"


def _real_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise PydanticCustomError(
            "content",
            "'{value}' is not a date in the form YYYY-MM-DD",
            {"value": value, "hint": _iso_suggestion(str(value))},
        )
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError(
            "content", "'{value}' is not a real date", {"value": value}
        ) from None


# C0/C1 controls (tab and line feed aside) and the bidirectional overrides that make text
# display differently from what it is ("Trojan Source").
_INVISIBLE = policy.INVISIBLE


def _visible(value: str) -> str:
    found = _INVISIBLE.search(value)
    if found:
        raise PydanticCustomError(
            "content",
            "the text holds an invisible character, {name}, at position {at}",
            {
                "name": policy.name_of(found.group()),
                "at": found.start() + 1,
                "hint": "delete it and retype the text around it; such characters arrive by copy "
                "and paste and can make text display differently from what it is",
            },
        )
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=100)]
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=r"^[^\n]*$"),
    AfterValidator(_visible),
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(_visible),
]
Day = Annotated[date, BeforeValidator(_real_date)]
Count = Annotated[int, Field(ge=1, le=520)]
Minutes = Annotated[int, Field(ge=1, le=600)]
WebLink = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://[^\s<>\"]+$")
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Model):
    title: Line = Field(description="The source's title, as a reader would look it up.")
    kind: Literal[SOURCE_KINDS] = Field(  # type: ignore[valid-type]
        description="research, book, article, guide, internal, interview or other."
    )
    url: WebLink | None = Field(None, description="Where to read it: an http(s) address.")


class Range(Model):
    """A number of people, from min to max."""

    min: Annotated[int, Field(ge=1, le=100000)]
    max: Annotated[int, Field(ge=1, le=100000)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise PydanticCustomError(
                "content",
                "min ({min}) is above max ({max})",
                {"min": self.min, "max": self.max, "hint": "e.g. min: 6 and max: 12"},
            )
        return self


class ItemBase(Model):
    title: Line = Field(description="The item's title, on one line.")
    summary: Text = Field(description="Plain text, one or two sentences.")
    competencies: Annotated[list[Slug], Field(min_length=1, max_length=8)] = Field(
        description="1 to 8 competency ids from content/taxonomy.yml."
    )
    id: Slug | None = Field(None, description="Unique slug; defaults to the file name.")
    levels: list[Slug] = Field([], description="Career level ids from the taxonomy.")
    related: list[Slug] = Field([], description="Ids of related items; shown both ways.")
    authors: list[Line] = Field([], description="Names of the authors.")
    updated: Day | None = Field(None, description="Date of the last edit, YYYY-MM-DD.")
    reviewed: Day | None = Field(
        None,
        description="Date someone last checked the item is still right, YYYY-MM-DD; the "
        "coverage page lists items not reviewed for a while.",
    )
    owner: Line | None = Field(None, description="Who keeps the item current: a team or role.")
    sources: Annotated[list[Source], Field(max_length=20)] = Field(
        [], description="What the item draws on: title, kind and, if public, a link."
    )
    status: Literal["published", "draft"] = Field(
        "published", description="Drafts show in preview only, never in a build."
    )


class Outcome(Model):
    measure: Line = Field(description="What was measured.")
    before: Line | None = Field(None, description="The value before, e.g. 58%.")
    after: Line = Field(description="The value after, e.g. 81%.")
    timeframe: Line | None = Field(None, description="Over what period, e.g. 12 months.")


class CaseStudy(ItemBase):
    type: Literal["case-study"]
    organization: Line = Field(description="The organisation; may be anonymised.")
    industry: Line
    function: Line | None = None
    modalities: Annotated[list[Slug], Field(min_length=1)] = Field(
        description="Modality ids from the taxonomy."
    )
    duration_months: Count | None = None
    evidence: Literal[EVIDENCE_KINDS] | None = Field(  # type: ignore[valid-type]
        None,
        description="composite (drawn from several programmes), anonymised (one real "
        "programme, names removed) or named (one real programme, named with consent).",
    )
    participants: Annotated[int, Field(ge=1, le=1000000)] | None = Field(
        None, description="How many people took part."
    )
    comparison: Text | None = Field(
        None, description="What the outcomes are compared with, if anything."
    )
    cost: Line | None = Field(None, description="What the programme cost, if known.")
    outcomes: Annotated[list[Outcome], Field(min_length=1)] = Field(
        description="At least one measurable outcome."
    )
    lessons: list[Text] = []
    playbooks: list[Slug] = Field([], description="Ids of the playbooks this case applied.")


class Phase(Model):
    name: Line
    weeks: Count | None = Field(None, description="The phase's length in weeks.")
    activities: Annotated[list[Text], Field(min_length=1)]
    outputs: list[Text] = []


class Measures(Model):
    leading: list[Text] = Field([], description="Early signals that the program works.")
    lagging: list[Text] = Field([], description="Results that show later.")


class Effort(Model):
    participants: Line | None = Field(None, description="e.g. 3 hours a week for 12 weeks")
    coaches: Line | None = Field(None, description="Coaches, mentors or facilitators.")
    sponsors: Line | None = Field(None, description="Sponsors and line managers.")


class Role(Model):
    role: Line
    does: Text = Field(description="What the role does in the programme.")


class Playbook(ItemBase):
    type: Literal["playbook"]
    modalities: Annotated[list[Slug], Field(min_length=1)]
    cohort_size: Range | None = Field(None, description="How many participants a cohort takes.")
    effort: Effort | None = Field(None, description="The time the programme asks of each role.")
    phases: Annotated[list[Phase], Field(min_length=1)]
    roles: list[Role] = Field([], description="Who does what; printed on the run sheet.")
    pitfalls: list[Text] = Field([], description="What goes wrong; printed on the run sheet.")
    measures: Measures | None = None
    uses: list[Slug] = Field([], description="Ids of milestone frameworks and feedback templates.")


class Milestone(Model):
    id: Slug = Field(description="Unique within the framework.")
    title: Line
    competency: Slug = Field(description="A competency id from the taxonomy.")
    evidence: Text = Field(description="What an observer can see or check.")
    weeks: Count | None = Field(None, description="Target week.")
    requires: list[Slug] = Field([], description="Ids of milestones of this framework.")
    confirmed_by: Line | None = Field(None, description="Who confirms the milestone is reached.")
    not_yet: Text | None = Field(None, description="What 'not yet' looks like.")


class Stage(Model):
    name: Line
    milestones: Annotated[list[Milestone], Field(min_length=1)]


class Facilitated(ItemBase):
    """What a facilitator plans a session with."""

    group_size: Range | None = Field(None, description="How many people take part at once.")
    prep_minutes: Minutes | None = Field(None, description="Preparation time, in minutes.")
    minutes: Minutes | None = Field(None, description="Running time, in minutes.")
    difficulty: Literal[DIFFICULTIES] | None = Field(  # type: ignore[valid-type]
        None, description="For the facilitator: introductory, intermediate or advanced."
    )
    materials: list[Line] = Field([], description="What to bring.")
    variations: list[Text] = Field([], description="Other ways to run it.")


class MilestoneFramework(Facilitated):
    type: Literal["milestone-framework"]
    stages: Annotated[list[Stage], Field(min_length=1)]


class Scale(Model):
    min: Annotated[int, Field(ge=0, le=10)]
    max: Annotated[int, Field(ge=1, le=10)]
    low_label: Line
    high_label: Line
    labels: list[Line] = Field(
        [], description="Optional: a label for every point, from min to max."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise PydanticCustomError(
                "content",
                "the scale's min ({min}) must be below its max ({max})",
                {"min": self.min, "max": self.max, "hint": "e.g. min: 1 and max: 5"},
            )
        points = self.max - self.min + 1
        if self.labels and len(self.labels) != points:
            raise PydanticCustomError(
                "content",
                "the scale has {points} points but {count} labels",
                {
                    "points": points,
                    "count": len(self.labels),
                    "hint": f"give one label for each point from {self.min} to {self.max}",
                },
            )
        return self

    def points(self) -> list[tuple[int, str | None]]:
        """Each point with its label (the ends' labels when no label is given per point)."""
        labels = self.labels or [
            self.low_label,
            *[None] * (self.max - self.min - 1),
            self.high_label,
        ]
        return list(zip(range(self.min, self.max + 1), labels, strict=True))


class Section(Model):
    title: Line
    prompt: Text = Field(description="The question or instruction printed on the page.")
    kind: Literal[SECTION_KINDS] = Field(  # type: ignore[valid-type]
        description="text (ruled lines), rating (a scale), checklist (tick any), choice "
        "(tick one) or grid (rows by columns)."
    )
    lines: Annotated[int, Field(ge=1, le=40)] | None = Field(
        None, description="Ruled write-in lines (text sections)."
    )
    scale: Scale | None = Field(None, description="Required for rating sections.")
    items: list[Line] = Field([], description="Required for checklist and choice sections.")
    rows: Annotated[list[Line], Field(max_length=20)] = Field(
        [], description="Grid sections: the row labels, e.g. competencies."
    )
    columns: Annotated[list[Line], Field(max_length=6)] = Field(
        [], description="Grid sections: the column headings, e.g. [Self, Others]."
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> Section:
        if self.kind == "rating" and self.scale is None:
            raise PydanticCustomError(
                "content",
                "the rating section '{title}' has no scale",
                {
                    "title": self.title,
                    "hint": "add scale: {min: 1, max: 5, low_label: ..., high_label: ...}",
                },
            )
        if self.kind == "checklist" and not self.items:
            raise PydanticCustomError(
                "content",
                "the checklist section '{title}' has no items",
                {"title": self.title, "hint": "add items: [first, second]"},
            )
        if self.kind == "choice" and len(self.items) < 2:
            raise PydanticCustomError(
                "content",
                "the choice section '{title}' needs at least two items to choose from",
                {"title": self.title, "hint": "add items: [first, second]"},
            )
        if self.kind == "grid" and not (self.rows and self.columns):
            raise PydanticCustomError(
                "content",
                "the grid section '{title}' needs rows and columns",
                {
                    "title": self.title,
                    "hint": "add rows: [Listening, Delegating] and columns: [Self, Others]",
                },
            )
        for key, allowed in (
            ("scale", ("rating",)),
            ("items", ("checklist", "choice")),
            ("lines", ("text",)),
            ("rows", ("grid",)),
            ("columns", ("grid",)),
        ):
            if getattr(self, key) and self.kind not in allowed:
                raise PydanticCustomError(
                    "content",
                    "'{key}' belongs to {allowed} sections, but this section is {kind}",
                    {
                        "key": key,
                        "allowed": " and ".join(allowed),
                        "kind": self.kind,
                        "hint": f"remove '{key}' or set kind: {allowed[0]}",
                    },
                )
        return self


class FeedbackTemplate(Facilitated):
    type: Literal["feedback-template"]
    purpose: Line = Field(description="What the template is for, on one line.")
    audience: Line | None = None
    paper: Literal[PAPER_FORMATS] = Field(  # type: ignore[valid-type]
        "full-page",
        description="full-page, or half-page: a card printed on half a sheet (A5, half letter).",
    )
    names: Annotated[list[Line], Field(min_length=1, max_length=4)] = Field(
        ["Name"], description="Who fills the form in: a name line is printed for each."
    )
    signatures: Annotated[list[Line], Field(max_length=4)] = Field(
        [], description="Who signs the form: a signature line is printed for each."
    )
    sections: Annotated[list[Section], Field(min_length=1)]


def _not_index(value: str) -> str:
    if value == "index":
        raise PydanticCustomError(
            "content",
            "a competency cannot have the id 'index'",
            {"hint": "its page would take the place of the competency index; choose another id"},
        )
    return value


class Competency(Model):
    id: Annotated[Slug, AfterValidator(_not_index)]
    name: Line
    description: Text
    group: Line | None = None


class Term(Model):
    id: Slug
    name: Line
    description: Text | None = None


class Taxonomy(Model):
    competencies: Annotated[list[Competency], Field(min_length=1)]
    modalities: list[Term] = []
    levels: list[Term] = Field(
        default_factory=lambda: [Term(id=i, name=n) for i, n in DEFAULT_LEVELS]
    )
    synonyms: list[Annotated[list[Line], Field(min_length=2, max_length=12)]] = Field(
        [],
        description="Groups of words and phrases a reader may use for the same thing (new "
        "manager, first-time manager): search finds an item by any of its group's phrases.",
    )

    def names(self, vocabulary: str) -> dict[str, str]:
        return {term.id: term.name for term in getattr(self, vocabulary)}

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
SECTION_KINDS = ("text", "rating", "checklist")
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


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    updated: Day | None = Field(None, description="Date of the last review, YYYY-MM-DD.")
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


class Playbook(ItemBase):
    type: Literal["playbook"]
    modalities: Annotated[list[Slug], Field(min_length=1)]
    phases: Annotated[list[Phase], Field(min_length=1)]
    measures: Measures | None = None
    uses: list[Slug] = Field([], description="Ids of milestone frameworks and feedback templates.")


class Milestone(Model):
    id: Slug = Field(description="Unique within the framework.")
    title: Line
    competency: Slug = Field(description="A competency id from the taxonomy.")
    evidence: Text = Field(description="What an observer can see or check.")
    weeks: Count | None = Field(None, description="Target week.")
    requires: list[Slug] = Field([], description="Ids of milestones of this framework.")


class Stage(Model):
    name: Line
    milestones: Annotated[list[Milestone], Field(min_length=1)]


class MilestoneFramework(ItemBase):
    type: Literal["milestone-framework"]
    stages: Annotated[list[Stage], Field(min_length=1)]


class Scale(Model):
    min: Annotated[int, Field(ge=0, le=10)]
    max: Annotated[int, Field(ge=1, le=10)]
    low_label: Line
    high_label: Line

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise PydanticCustomError(
                "content",
                "the scale's min ({min}) must be below its max ({max})",
                {"min": self.min, "max": self.max, "hint": "e.g. min: 1 and max: 5"},
            )
        return self


class Section(Model):
    title: Line
    prompt: Text = Field(description="The question or instruction printed on the page.")
    kind: Literal["text", "rating", "checklist"]
    lines: Annotated[int, Field(ge=1, le=40)] | None = Field(
        None, description="Ruled write-in lines (text sections)."
    )
    scale: Scale | None = Field(None, description="Required for rating sections.")
    items: list[Line] = Field([], description="Required for checklist sections.")

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
        for key, allowed in (("scale", "rating"), ("items", "checklist"), ("lines", "text")):
            if getattr(self, key) and self.kind != allowed:
                raise PydanticCustomError(
                    "content",
                    "'{key}' belongs to {allowed} sections, but this section is {kind}",
                    {
                        "key": key,
                        "allowed": allowed,
                        "kind": self.kind,
                        "hint": f"remove '{key}' or set kind: {allowed}",
                    },
                )
        return self


class FeedbackTemplate(ItemBase):
    type: Literal["feedback-template"]
    purpose: Line = Field(description="What the template is for, on one line.")
    audience: Line | None = None
    minutes: Annotated[int, Field(ge=1, le=600)] | None = None
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

    def names(self, vocabulary: str) -> dict[str, str]:
        return {term.id: term.name for term in getattr(self, vocabulary)}

"""The two tables everything else reads: the item types and the relations between items.

Adding an item type means adding its model (models.py) and one row here: the checker, the
scaffold, the schemas, the site's type indexes, facets and PDFs all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import CaseStudy, FeedbackTemplate, ItemBase, MilestoneFramework, Playbook


@dataclass(frozen=True)
class ItemType:
    name: str  # the `type:` value, e.g. case-study
    label: str  # what a reader sees: Case study
    plural: str  # Case studies
    slug: str  # the type index's URL: library/<slug>/
    folder: str  # where `playbook new` writes it, relative to the project
    model: type[ItemBase]
    pdf: str | None  # the PDF beside its page: "{id}.pdf" or "{id}-workshop-pack.pdf"; None
    printable: bool = False  # printed alone (its own PDF, the pack page)

    def pdf_name(self, item_id: str) -> str | None:
        return self.pdf.format(id=item_id) if self.pdf else None


ITEM_TYPES: dict[str, ItemType] = {
    t.name: t
    for t in (
        ItemType(
            "playbook", "Playbook", "Playbooks", "playbooks", "playbooks", Playbook,
            "{id}-workshop-pack.pdf",
        ),
        ItemType(
            "case-study", "Case study", "Case studies", "case-studies", "case_studies",
            CaseStudy, None,
        ),
        ItemType(
            "milestone-framework", "Milestone framework", "Milestone frameworks",
            "milestone-frameworks", "playbooks", MilestoneFramework, "{id}.pdf", printable=True,
        ),
        ItemType(
            "feedback-template", "Feedback template", "Feedback templates",
            "feedback-templates", "playbooks", FeedbackTemplate, "{id}.pdf", printable=True,
        ),
    )
}  # fmt: skip
TYPES = tuple(ITEM_TYPES)
PRINTABLE = tuple(t.name for t in ITEM_TYPES.values() if t.printable)


@dataclass(frozen=True)
class Relation:
    key: str  # the front matter key that makes the link
    name: str  # the relation, as the export and the site's data name it
    targets: tuple[str, ...]  # item types the key may point at
    forward: str  # the label on the linking item's page
    backward: str  # the label on the linked item's page


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation("uses", "uses", ("milestone-framework", "feedback-template"), "Uses", "Used in"),
        Relation("playbooks", "applies", ("playbook",), "Applies", "Applied in"),
        Relation("related", "related", TYPES, "Related", "Related"),
    )
}

"""The fast preview's plan (core, no MkDocs): which pages an edit changes."""

from __future__ import annotations

import os

from conftest import CASE
from playbook.mkdocs.config import read_settings
from playbook.site import scan
from playbook.site.pages import (
    Browse,
    CompetencyIndex,
    Coverage,
    Hub,
    Pack,
    Renderer,
    TypeIndex,
    site_pages,
)
from playbook.site.preview import Preview

CASE_PAGE = "case_studies/hospital-circles.md"


class Session:
    """A `mkdocs serve` session's view of the project: a read cache and the previous build."""

    def __init__(self, root):
        self.root = root
        self.cache: dict = {}
        self.preview = Preview()
        self.renderer: Renderer | None = None
        self.context = "same settings"

    def build(self):
        library, problems, _count = scan(read_settings(self.root), self.cache)
        assert library is not None, problems
        previous = self.renderer
        self.renderer = Renderer(library)
        reused = previous is not None and self.renderer.reuse_rankings(previous)
        plan = self.preview.plan(library, self.renderer, site_pages(library.taxonomy), self.context)
        return library, plan, reused


def _edit(project, relative: str, old: str, new: str) -> None:
    path = project.root / relative
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a coarse clock must still see it


def test_the_first_build_renders_everything_and_an_unchanged_rebuild_nothing(project):
    session = Session(project.root)
    library, plan, _ = session.build()
    assert plan.whole
    assert {item.src_uri for item in library} <= plan.changed
    assert {page.src_uri for page in site_pages(library.taxonomy)} <= plan.changed
    again, plan, reused = session.build()
    assert not plan.whole and plan.changed == frozenset() and plan.gone == frozenset()
    assert reused  # the related-item rankings were taken over, not computed again
    # unchanged files are not parsed again: the very same Item objects
    assert all(again.items[i] is library.items[i] for i in library.items)


def test_a_title_edit_renders_the_item_and_every_page_that_shows_it(project):
    # an item that shares nothing with the case: no link, no competency
    unrelated = (
        CASE.replace("title: Circles at a hospital", "title: Unrelated")
        .replace(
            "competencies: [feedback-practice, strategic-thinking]", "competencies: [delegation]"
        )
        .replace("playbooks: [peer-circles]\n", "")
        .replace("related: [circle-milestones]\n", "")
    )
    project.write("case_studies/unrelated.md", unrelated)
    session = Session(project.root)
    library, _, _ = session.build()
    _edit(project, CASE_PAGE, "title: Circles at a hospital", "title: Circles, renamed")
    edited, plan, _ = session.build()
    assert edited.items["hospital-circles"] is not library.items["hospital-circles"]
    assert edited.items["peer-circles"] is library.items["peer-circles"]
    generated = {_key(p): p.src_uri for p in site_pages(edited.taxonomy)}
    expected = {
        CASE_PAGE,  # its own page
        "playbooks/peer-circles.md",  # "Applied in": the case applies the playbook
        "playbooks/circle-milestones.md",  # "Related": the case names it
        generated["feedback-practice"],  # the hubs of its competencies
        generated["strategic-thinking"],
        generated["case-study"],  # its type's index
        generated["browse"],
        generated["competencies"],
        generated["coverage"],
        generated["pack"],
    }
    assert expected <= plan.changed
    # not shown anywhere on these: a hub it is not in, another type's index
    assert generated["delegation"] not in plan.changed
    assert generated["playbook"] not in plan.changed
    # of the item pages: exactly the case and those that show its card
    showing = {i.src_uri for i in edited if _shows(session, i.id, "hospital-circles")}
    assert {p for p in plan.changed if p.startswith(("case_studies/", "playbooks/"))} == {
        CASE_PAGE
    } | showing
    assert "case_studies/unrelated.md" not in plan.changed
    assert not plan.whole


_KINDS = {Browse: "browse", CompetencyIndex: "competencies", Coverage: "coverage", Pack: "pack"}


def _key(page) -> str:
    if isinstance(page, Hub):
        return page.competency
    if isinstance(page, TypeIndex):
        return page.item_type
    return _KINDS[type(page)]


def _shows(session: Session, item_id: str, other: str) -> bool:
    renderer = session.renderer
    item = renderer.library.items[item_id]
    links = renderer.links(item)
    linked = {o.id for _label, others in links for o in others}
    return other in linked | {r.id for r, _shared in renderer.related(item, linked)}


def test_a_competency_edit_ranks_related_items_again(project):
    session = Session(project.root)
    session.build()
    _edit(
        project,
        CASE_PAGE,
        "competencies: [feedback-practice, strategic-thinking]",
        "competencies: [delegation, strategic-thinking]",
    )
    edited, plan, reused = session.build()
    assert not reused  # competencies changed: the rankings are computed again
    generated = {_key(p): p.src_uri for p in site_pages(edited.taxonomy)}
    # it left one hub and joined another: both change
    assert {generated["feedback-practice"], generated["delegation"]} <= plan.changed


def test_a_deleted_item_is_gone_and_its_backlinks_change(project):
    session = Session(project.root)
    session.build()
    (project.root / CASE_PAGE).unlink()
    _library, plan, _ = session.build()
    assert plan.gone == {CASE_PAGE}
    assert "playbooks/peer-circles.md" in plan.changed


def test_a_new_item_renders_with_the_pages_that_list_it(project):
    session = Session(project.root)
    session.build()
    project.write(
        "case_studies/second.md", CASE.replace("title: Circles at a hospital", "title: Second")
    )
    _library, plan, _ = session.build()
    assert {"case_studies/second.md", "playbooks/peer-circles.md"} <= plan.changed
    assert not plan.gone


def test_a_change_of_context_renders_everything(project):
    session = Session(project.root)
    session.build()
    session.context = "mkdocs.yml edited"
    library, plan, _ = session.build()
    assert plan.whole and {item.src_uri for item in library} <= plan.changed


def test_after_a_failed_build_the_next_renders_everything(project):
    session = Session(project.root)
    session.build()
    session.preview.forget()
    _library, plan, _ = session.build()
    assert plan.whole

"""Pages rendered ahead by a second process (ahead.py) while MkDocs converts Markdown."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
from conftest import MKDOCS_YML, build_site
from playbook import ahead
from playbook.ahead import Ahead
from playbook.pages import Rendered
from test_site import _hostile_library, _with_draft

AHEAD_LOG = "rendered ahead by a second process"


def _html_files(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.suffix in (".html", ".json") and "pagefind" not in p.parts
    }


def _hostile(project, engine: str) -> None:
    """Titles and names that must stay escaped, a draft, and a body with HTML in it."""
    _with_draft(project)  # writes mkdocs.yml (with a site_url)
    config = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    project.write(
        "mkdocs.yml", config.replace("  - playbook\n", f"  - playbook:\n      search: {engine}\n")
    )
    _hostile_library(project)
    case = project.root / "case_studies/hospital-circles.md"
    project.write(
        "case_studies/hospital-circles.md",
        case.read_text(encoding="utf-8") + "\n<b>bold</b> <script>x()</script>\n",
    )


@pytest.mark.parametrize("engine", ["pagefind", "material"])
def test_pages_rendered_ahead_equal_pages_rendered_in_process(project, caplog, monkeypatch, engine):
    assert threading.active_count() == 1, "a thread left running by another test"
    _hostile(project, engine)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        ahead_site = build_site(
            project.root, strict=False, site_dir=str(project.root / "site-ahead")
        )
    told = [r.getMessage() for r in caplog.records if AHEAD_LOG in r.getMessage()]
    # 4 items and every generated page (browse, competencies, 3 hubs, 4 type indexes, ...)
    assert told and int(told[0].split()[1]) >= 4 + 9, told

    caplog.clear()
    monkeypatch.setattr(ahead, "can_fork", lambda: False)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        plain_site = build_site(
            project.root, strict=False, site_dir=str(project.root / "site-plain")
        )
    assert AHEAD_LOG not in caplog.text

    rendered_ahead, rendered_here = _html_files(ahead_site), _html_files(plain_site)
    assert rendered_ahead.keys() == rendered_here.keys()
    for name, data in rendered_ahead.items():
        assert data == rendered_here[name], name
    case = (ahead_site / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case and "<b>bold</b>" in case
    assert "x()" not in case  # the body was sanitized in the parent, as before
    assert not (ahead_site / "playbooks/succession-plan").exists()


def test_templates_overridden_in_custom_dir_render_in_process(project, caplog):
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"),
    )
    project.write(
        "overrides/playbook/item.html",
        '<article class="mine">{% if body_html %}{{ body_html }}{% else %}No body{% endif %}</article>\n',
    )
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        out = build_site(project.root)
    assert AHEAD_LOG not in caplog.text
    assert "Circles meet monthly." in (out / "playbooks/peer-circles/index.html").read_text(
        encoding="utf-8"
    )


def test_serve_renders_in_process(project, caplog):
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        build_site(project.root, command="serve")
    assert AHEAD_LOG not in caplog.text


def _page(text: str) -> Rendered:
    return Rendered(text, ())


def _fails() -> Rendered:
    raise ValueError("a template error")


def test_take_hands_over_each_page_and_none_for_a_failed_one():
    worker = Ahead()
    jobs = [(f"p{n}", lambda n=n: _page(f"page {n}")) for n in range(60)]
    jobs.insert(30, ("bad", _fails))
    assert worker.start(jobs)
    try:
        assert worker.take("p0") == _page("page 0")
        assert worker.take("bad") is None  # the caller renders it, and reports its error
        assert worker.take("p59") == _page("page 59")
        assert worker.take("p1") == _page("page 1")  # received earlier, kept until taken
        assert worker.take("unknown") is None  # waits for the end, then gives up
        assert worker.taken == 3
    finally:
        worker.close()
    assert worker.process is None and worker.pipe is None


def test_every_page_is_handed_over_after_the_child_is_done():
    worker = Ahead()
    assert worker.start([(f"p{n}", lambda n=n: _page(str(n))) for n in range(200)])
    worker.process.join()  # all sent: the pipe holds the pages, then its end
    assert [worker.take(f"p{n}") for n in range(200)] == [_page(str(n)) for n in range(200)]
    assert worker.process is None


def test_a_child_that_dies_leaves_the_rest_to_the_caller():
    worker = Ahead()
    jobs = [("first", lambda: _page("first")), ("exit", lambda: os._exit(3))]
    jobs += [(f"p{n}", lambda n=n: _page(str(n))) for n in range(100)]
    assert worker.start(jobs)
    assert worker.take("p99") is None
    assert worker.take("p0") is None
    assert worker.process is None  # reaped


def test_close_stops_a_child_still_at_work():
    worker = Ahead()
    never = threading.Event()
    assert worker.start([("slow", lambda: never.wait(60) and _page("x"))])
    process = worker.process
    worker.close()
    assert not process.is_alive() and process.exitcode is not None


def test_no_fork_beside_another_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        worker = Ahead()
        assert not worker.start([("p", lambda: _page("x"))])
        assert worker.take("p") is None
    finally:
        stop.set()
        thread.join()

"""Work done ahead by a second process (site/ahead.py): our pages rendered while MkDocs
converts Markdown."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import MKDOCS_YML, build_site, pagefind_fragments
from playbook.site import ahead
from playbook.site.ahead import Ahead
from playbook.site.pages import Rendered
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


def _told(caplog, what: str) -> int:
    """How many pages the build said were done by the second process (0: not said)."""
    told = [r.getMessage() for r in caplog.records if what in r.getMessage()]
    return int(told[0].split()[1]) if told else 0


def _in_one_process(project, caplog, monkeypatch) -> Path:
    caplog.clear()
    monkeypatch.setattr(ahead, "can_fork", lambda: False)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root, strict=False, site_dir=str(project.root / "site-plain"))
    assert AHEAD_LOG not in caplog.text
    monkeypatch.undo()
    return site


def _assert_same_sites(site: Path, other: Path) -> None:
    """Every page, JSON file (Material's search index among them) and Pagefind result."""
    written, expected = _html_files(site), _html_files(other)
    assert written.keys() == expected.keys()
    for name, data in written.items():
        assert data == expected[name], name
    assert pagefind_fragments(site) == pagefind_fragments(other)


@pytest.mark.parametrize("engine", ["pagefind", "material"])
def test_pages_rendered_ahead_equal_pages_rendered_in_process(project, caplog, monkeypatch, engine):
    assert threading.active_count() == 1, "a thread left running by another test"
    _hostile(project, engine)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        ahead_site = build_site(
            project.root, strict=False, site_dir=str(project.root / "site-ahead")
        )
    # 4 items and every generated page (browse, competencies, 3 hubs, 4 type indexes, ...)
    assert _told(caplog, AHEAD_LOG) >= 4 + 9

    plain_site = _in_one_process(project, caplog, monkeypatch)
    _assert_same_sites(ahead_site, plain_site)
    if engine == "pagefind":
        assert len(pagefind_fragments(ahead_site)) >= 4
    else:
        docs = json.loads((ahead_site / "search/search_index.json").read_text())["docs"]
        # indexed once, in the parent (the same bytes as above)
        assert [d["location"] for d in docs].count("case_studies/hospital-circles/") == 1
    case = (ahead_site / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case and "<b>bold</b>" in case
    assert "x()" not in case  # the body was sanitized in the parent, as before
    assert not (ahead_site / "playbooks/succession-plan").exists()


def test_the_export_is_made_by_the_second_process(project, monkeypatch, tmp_path):
    """library.json and the schemas depend on the library only: the second process makes
    them after our pages (0.4 s at 10,000 items off the build's core), and the build writes
    them as it would have made them; without that process, the build makes them itself."""
    from playbook.mkdocs import build as face
    from playbook.outputs.export import export_files

    makers = tmp_path / "makers"

    def recorded(library):
        with makers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return export_files(library)

    monkeypatch.setattr(face, "export_files", recorded)
    site = build_site(project.root, site_dir=str(project.root / "site-ahead"))
    assert makers.read_text().split() != [str(os.getpid())]
    assert len(makers.read_text().split()) == 1  # made once, and not again by the build

    monkeypatch.setattr(ahead, "can_fork", lambda: False)
    alone = build_site(project.root, site_dir=str(project.root / "site-alone"))
    assert makers.read_text().split()[1:] == [str(os.getpid())]
    schemas = sorted(p.relative_to(site) for p in (site / "schemas").iterdir())
    assert Path("schemas/library.schema.json") in schemas
    exported = [Path("library.json"), *schemas]
    for path in exported:
        assert (site / path).read_bytes() == (alone / path).read_bytes(), path


def test_pages_are_rendered_ahead_beside_another_plugin(project, caplog):
    """Rendering ahead needs nothing of other plugins: it stays on beside them."""
    project.write("mkdocs.yml", MKDOCS_YML + "  - tags\n")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root)
    assert AHEAD_LOG in caplog.text
    assert (site / "playbooks/peer-circles/index.html").is_file()


def test_templates_overridden_in_custom_dir_render_in_process(project, caplog):
    project.override(
        "item.html",
        '<article class="mine">{% if body_html %}{{ body_html }}{% else %}No body{% endif %}</article>\n',
    )
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        out = build_site(project.root)
    assert AHEAD_LOG not in caplog.text
    assert "overridden in custom_dir" in caplog.text  # said, not silent
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
    assert not worker.start(jobs)
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
    assert not worker.start([(f"p{n}", lambda n=n: _page(str(n))) for n in range(200)])
    worker.process.join()  # all sent: the pipe holds the pages, then its end
    assert [worker.take(f"p{n}") for n in range(200)] == [_page(str(n)) for n in range(200)]
    assert worker.process is None


def _tells(*lines: str) -> Rendered:
    for line in lines:
        ahead.tell(line)
    return _page("told")


def test_a_job_tells_the_parent_the_newest_of_its_lines():
    """A job in the child hands lines to the parent (the PDF stage's progress); the parent
    says the newest of those waiting when it reads, so a late read says no stale lines."""
    said: list[str] = []
    worker = Ahead(say=said.append)
    jobs = [("a", lambda: _tells("1 of 3", "2 of 3")), ("b", lambda: _tells("3 of 3"))]
    assert not worker.start(jobs)
    worker.process.join()  # everything waits in the pipe
    assert worker.take("b") == _page("told") and worker.take("a") == _page("told")
    assert said == ["3 of 3"]
    ahead.tell("not in a child")  # nothing to hand over to, and no error
    assert Ahead().say is None  # without `say`, what a job tells is dropped


def test_a_child_that_dies_leaves_the_rest_to_the_caller():
    worker = Ahead()
    jobs = [("first", lambda: _page("first")), ("exit", lambda: os._exit(3))]
    jobs += [(f"p{n}", lambda n=n: _page(str(n))) for n in range(100)]
    assert not worker.start(jobs)
    assert worker.take("p99") is None
    assert worker.take("p0") is None
    assert worker.process is None  # reaped


def test_close_stops_a_child_still_at_work():
    worker = Ahead()
    never = threading.Event()
    assert not worker.start([("slow", lambda: never.wait(60) and _page("x"))])
    process = worker.process
    worker.close()
    assert not process.is_alive() and process.exitcode is not None


def test_no_fork_beside_another_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        worker = Ahead()
        assert "other thread" in worker.start([("p", lambda: _page("x"))])
        assert worker.take("p") is None
    finally:
        stop.set()
        thread.join()


def test_every_nav_link_on_every_page_leads_to_a_page(project):
    """The nav, rendered once per place for pages outside it, links right from each of them:
    keyed on depth alone, the nav rendered for a hub (whose link to competencies/ is ../)
    would stand in the item pages of the same depth."""
    site = build_site(project.root)
    link = re.compile(r'<a href="([^"#]*)" class="md-nav__link')
    checked = 0
    for page in site.rglob("index.html"):
        url = "/" + page.parent.relative_to(site).as_posix() + "/"
        for href in link.findall(page.read_text(encoding="utf-8")):
            target = urljoin(f"http://site{url.replace('/./', '/')}", href)
            path = target.removeprefix("http://site/")
            assert (site / path / "index.html").is_file(), (url, href)
            checked += 1
    assert checked > 100


def test_nothing_the_child_logs_is_said_twice(capfd):
    """Logging is off in the child: a job that logs says nothing (the parent says it all)."""
    worker = Ahead()

    def loud() -> Rendered:
        logging.getLogger("mkdocs.plugins.playbook").warning("said in the child")
        return _page("x")

    assert not worker.start([("p", loud)])
    try:
        assert worker.take("p") == _page("x")
    finally:
        worker.close()
    assert "said in the child" not in capfd.readouterr().err

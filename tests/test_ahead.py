"""Work done ahead by a second process (ahead.py): our pages rendered while MkDocs converts
Markdown, then finished pages written from the last while MkDocs writes from the first."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import MKDOCS_YML, build_site, pagefind_fragments
from mkdocs.exceptions import Abort
from playbook import ahead
from playbook.ahead import Ahead, Claims
from playbook.pages import Rendered
from playbook.plugin import PlaybookPlugin
from test_site import _hostile_library, _with_draft

AHEAD_LOG = "rendered ahead by a second process"
WRITTEN_LOG = "written by a second process"


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
    assert AHEAD_LOG not in caplog.text and WRITTEN_LOG not in caplog.text
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
    pages = len(list(ahead_site.rglob("index.html")))
    # from the last, until they met (all of them if MkDocs had not reached its first page)
    assert 0 < _told(caplog, WRITTEN_LOG) <= pages
    assert "Page skipped" not in caplog.text  # MkDocs wrote nothing for them: not worth a word

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


def test_pages_the_second_process_leaves_are_written_here_as_before(project, caplog, monkeypatch):
    """The template that stands in each page's own fills it in this process."""
    _hostile(project, "pagefind")
    monkeypatch.setattr(Claims, "back", lambda self, n: False)  # the child takes none
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root, strict=False, site_dir=str(project.root / "site-ahead"))
    assert WRITTEN_LOG not in caplog.text and AHEAD_LOG in caplog.text
    monkeypatch.undo()
    _assert_same_sites(site, _in_one_process(project, caplog, monkeypatch))


@pytest.mark.parametrize("engine", ["pagefind", "material"])
def test_a_page_the_second_process_did_not_write_is_written_here(
    project, caplog, monkeypatch, engine
):
    """Its error would be reported here; written here, it is the same page (and Material's
    search, which saw it once, does not index it twice)."""
    _hostile(project, engine)
    write_here = PlaybookPlugin._write_here
    failed = project.root / "failed.txt"

    def fails_once(self, write_page, claims, n, page, *args):
        if failed.exists():
            return write_here(self, write_page, claims, n, page, *args)
        claims.back(n)  # the child has it, then fails
        failed.write_text(page.file.dest_uri)
        raise RuntimeError("the child could not write it")

    monkeypatch.setattr(PlaybookPlugin, "_write_here", fails_once)  # the child inherits it
    site = build_site(project.root, strict=False, site_dir=str(project.root / "site-ahead"))
    assert (site / failed.read_text()).is_file()
    monkeypatch.undo()
    _assert_same_sites(site, _in_one_process(project, caplog, monkeypatch))


def test_what_the_second_process_logs_counts_in_strict_mode(project, monkeypatch):
    write_here = PlaybookPlugin._write_here

    def warns(self, *args):
        logging.getLogger("mkdocs.plugins.playbook").warning("a warning in the child")
        return write_here(self, *args)

    monkeypatch.setattr(PlaybookPlugin, "_write_here", warns)
    monkeypatch.setattr(Claims, "front", lambda self, n: False)  # the child writes them all
    with pytest.raises(Abort, match=r"Aborted with \d+ warnings in strict mode"):
        build_site(project.root, strict=True)


def test_pages_are_written_here_beside_another_plugin(project, caplog):
    """A plugin not known to keep nothing from a page event (e.g. Material's tags plugin,
    which collects each page's tags) sees every page in this process."""
    project.write("mkdocs.yml", MKDOCS_YML + "  - tags\n")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root)
    assert WRITTEN_LOG not in caplog.text and AHEAD_LOG in caplog.text
    assert (site / "playbooks/peer-circles/index.html").is_file()


def test_templates_overridden_in_custom_dir_render_in_process(project, caplog):
    project.override(
        "item.html",
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
    assert AHEAD_LOG not in caplog.text and WRITTEN_LOG not in caplog.text


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


def _logs(n: int) -> Rendered:
    logging.getLogger("mkdocs.plugins.playbook").warning("job %d says %s", n, {"a": n})
    return _page(str(n))


def test_what_a_job_logs_is_logged_here_when_its_result_is_taken(caplog):
    worker = Ahead()
    assert worker.start([(f"p{n}", lambda n=n: _logs(n)) for n in range(3)])
    try:
        with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.playbook"):
            worker.process.join()
            assert not caplog.records  # nothing reached this process's handlers yet
            assert worker.take("p1") == _page("1")
            assert [r.getMessage() for r in caplog.records] == ["job 1 says {'a': 1}"]
            worker.take("p0")
    finally:
        worker.close()
    assert [r.getMessage() for r in caplog.records][-1] == "job 0 says {'a': 0}"
    assert caplog.records[-1].levelno == logging.WARNING


def test_claims_give_each_task_to_exactly_one_side():
    claims = Claims(300)
    worker = Ahead()
    assert worker.start([(str(n), lambda n=n: claims.back(n)) for n in reversed(range(300))])
    try:
        mine = set()
        for n in range(300):
            if claims.front(n):
                mine.add(n)
                time.sleep(0.002)  # slower than the child: it gets some
        theirs = {n for n in range(300) if worker.take(str(n))}
    finally:
        worker.close()
    assert mine and theirs
    assert not mine & theirs and mine | theirs == set(range(300))
    assert max(mine) < min(theirs)  # the front took the first ones, the back the last ones


def test_every_nav_link_on_every_page_leads_to_a_page(project, caplog, monkeypatch):
    """The nav, rendered once per place for pages outside it, links right from each of them.
    The child starts from the last page, a hub: keyed on depth alone, the nav rendered for a
    hub (whose link to competencies/ is ../) stood in the item pages of the same depth."""
    monkeypatch.setattr(Claims, "front", lambda self, n: False)  # the child writes them all
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(project.root)
    assert _told(caplog, WRITTEN_LOG) == len(list(site.rglob("index.html")))
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

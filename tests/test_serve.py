"""`mkdocs serve` watches the item folders and the taxonomy, outside docs_dir, and rebuilds."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from browser import mkdocs_serve
from conftest import CASE, pagefind_fragments


@contextmanager
def _serving(root: Path, tmp_path: Path, *args: str) -> Iterator[tuple[str, Path, Path]]:
    """`mkdocs serve` in root: (base URL, the folder holding its site_dir, its log)."""
    temp = tmp_path / "serve-tmp"  # where `mkdocs serve` makes its site_dir
    temp.mkdir()
    log_path = tmp_path / "serve.log"
    with mkdocs_serve(root, log_path, *args, TMPDIR=str(temp)) as base:
        yield base, temp, log_path


def _wait_for(url: str, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8")
            if text in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{text!r} did not appear at {url} within {timeout}s")


def test_serve_rebuilds_when_an_item_or_the_taxonomy_changes(project, tmp_path):
    with _serving(project.root, tmp_path) as (base, _temp, log_path):
        _wait_for(base + "case_studies/hospital-circles/", "Circles at a hospital")
        project.write(
            "case_studies/hospital-circles.md",
            CASE.replace("Circles at a hospital", "Circles renamed live"),
        )
        _wait_for(base + "case_studies/hospital-circles/", "Circles renamed live")
        # the playbook's backlink, on another page, follows too
        _wait_for(base + "playbooks/peer-circles/", "Circles renamed live")
        taxonomy = (project.root / "content/taxonomy.yml").read_text(encoding="utf-8")
        project.write(
            "content/taxonomy.yml", taxonomy.replace("name: Delegation", "name: Delegating well")
        )
        _wait_for(base + "competencies/delegation/", "Delegating well")
        # a draft shows in preview, marked as such
        project.write(
            "case_studies/new-draft.md",
            CASE.replace("title: Circles at a hospital", "title: Work in progress\nstatus: draft"),
        )
        body = _wait_for(base + "case_studies/new-draft/", "Work in progress")
        assert "Draft" in body
        # a plain `mkdocs serve` renders every page again, and says how to render fewer
        assert "`playbook serve`" in log_path.read_text(encoding="utf-8")
        _broken_then_fixed(project, base, log_path)


def _broken_then_fixed(project, base: str, log_path: Path) -> None:
    """A broken file, fixed, then broken the same way again: located in the log both times
    (MkDocs drops a message it has logged once; the plugin says each problem itself), and in
    the browser on every page, above the library as it was, until it is fixed."""
    page = base + "case_studies/hospital-circles/"
    good = (project.root / "case_studies/hospital-circles.md").read_text(encoding="utf-8")
    bad = good.replace("[feedback-practice, strategic-thinking]", "[feedback-practis]")
    located = "case_studies/hospital-circles.md:5:16: error: unknown competency"
    for n in (1, 2):
        project.write("case_studies/hospital-circles.md", bad)
        _wait_for_log(log_path, located, n)
        body = _wait_for(page, 'class="pb-preview-errors"')
        assert "<code>case_studies/hospital-circles.md:5:16</code>" in body
        assert "Fix: " in body  # the hint, as the terminal gives it
        assert "Circles" in body  # the page itself, as it was, under the banner
        other = _wait_for(base + "playbooks/peer-circles/", 'class="pb-preview-errors"')
        assert "unknown competency" in other
        project.write("case_studies/hospital-circles.md", good)
        for url in (page, base + "playbooks/peer-circles/", base):
            _wait_for_absent(url, "pb-preview-errors")


def _wait_for_absent(url: str, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if text not in response.read().decode("utf-8"):
                    return
        except OSError:  # a page being written again (Zensical's server answers 404 then)
            pass
        time.sleep(0.3)
    raise AssertionError(f"{text!r} still at {url} after {timeout}s")


def _wait_for_log(log_path: Path, text: str, count: int, timeout: float = 60) -> None:
    """Until `text` is in the log `count` times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said = log_path.read_text(encoding="utf-8")
        if said.count(text) >= count:
            return
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not logged {count} times within {timeout}s")


def _gone(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} still answers after {timeout}s")


def test_an_edit_renders_only_the_pages_it_changes(project, tmp_path):
    """The fast preview (`mkdocs serve --dirty`, as `playbook serve` runs it): MkDocs' dirty
    rebuild, which renders exactly the pages that show the edited item (their outputs dated
    back); the search index follows in the background."""
    project.write(
        "case_studies/unrelated.md",
        CASE.replace("title: Circles at a hospital", "title: Unrelated")
        .replace(
            "competencies: [feedback-practice, strategic-thinking]", "competencies: [delegation]"
        )
        .replace("playbooks: [peer-circles]\n", "")
        .replace("related: [circle-milestones]\n", ""),
    )
    with _serving(project.root, tmp_path, "--dirty") as (base, temp, log_path):
        _wait_for(base + "case_studies/hospital-circles/", "Circles at a hospital")
        (site,) = temp.glob("mkdocs_*")
        kept = {
            name: (site / name / "index.html").stat().st_mtime_ns
            for name in ("case_studies/unrelated", "library/playbooks", "competencies/delegation")
        }
        case = site / "case_studies/hospital-circles/index.html"
        before = case.stat().st_mtime_ns
        project.write(
            "case_studies/hospital-circles.md",
            CASE.replace("Circles at a hospital", "Circles renamed live"),
        )
        # its own page, the playbook it applies (backlink), its hub: all follow
        _wait_for(base + "case_studies/hospital-circles/", "Circles renamed live")
        _wait_for(base + "playbooks/peer-circles/", "Circles renamed live")
        _wait_for(base + "competencies/feedback-practice/", "Circles renamed live")
        assert case.stat().st_mtime_ns != before
        # pages that do not show it were kept as they were
        for name, mtime in kept.items():
            assert (site / name / "index.html").stat().st_mtime_ns == mtime, name
        said = log_path.read_text(encoding="utf-8")
        assert "preview: " in said and " pages to render again" in said
        # the search index follows, a moment later
        deadline = time.monotonic() + 60
        while not any(
            "Circles renamed live" in f["meta"].get("title", "") for f in pagefind_fragments(site)
        ):
            assert time.monotonic() < deadline, "the search index did not follow the edit"
            time.sleep(0.5)
        # an error shows on every page, not only the ones the edit changes, and goes again
        _broken_then_fixed(project, base, log_path)
        # a deleted item: its page goes, and so does its backlink
        (project.root / "case_studies/hospital-circles.md").unlink()
        _gone(base + "case_studies/hospital-circles/")
        deadline = time.monotonic() + 60
        while "Circles renamed live" in urllib.request.urlopen(
            base + "playbooks/peer-circles/", timeout=5
        ).read().decode("utf-8"):
            assert time.monotonic() < deadline, "the backlink of a deleted item stayed"
            time.sleep(0.3)
        assert not (site / "case_studies/hospital-circles").exists()


def test_a_build_after_a_preview_in_one_process_still_stops_at_errors(project):
    """MkDocs hands the same plugin to every config loaded in a process (it has on_startup):
    the last good library a preview kept must not stand in for a build's broken one."""
    import pytest
    from conftest import build_site
    from mkdocs.exceptions import Abort, BuildError

    site = build_site(project.root, command="serve")
    (site / "marker.txt").write_text("the previous site", encoding="utf-8")
    good = (project.root / "case_studies/hospital-circles.md").read_text(encoding="utf-8")
    project.write(
        "case_studies/hospital-circles.md", good.replace("feedback-practice,", "feedback-practis,")
    )
    with pytest.raises((Abort, BuildError)):
        build_site(project.root)
    assert (site / "marker.txt").is_file(), "the failed build emptied the previous site"

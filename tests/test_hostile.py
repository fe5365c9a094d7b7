"""The hostile-input corpus: every bad file in tests/hostile/ is refused where it stands.

tests/hostile/cases.yml lists each case: the files a contributor (or a pull request) could add,
where they go in the project, and the located error(s) `playbook check` must report. Each case
is added to the fixture library of conftest.py; the check must name every expected
path:line:col with words a contributor understands, must not raise, and must not publish.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import build_site
from mkdocs.exceptions import Abort, BuildError
from playbook.mkdocs.config import read_settings
from playbook.site import scan

HOSTILE = Path(__file__).resolve().parent / "hostile"
MANIFEST: list[dict] = yaml.safe_load((HOSTILE / "cases.yml").read_text(encoding="utf-8"))["cases"]
CASES = {case["name"]: case for case in MANIFEST}

# The kinds of bad input issue #6 names; each must have cases of its own.
CATEGORIES = {
    "broken YAML",
    "duplicate keys",
    "ambiguous scalars",
    "comments swallowing text",
    "anchors and aliases",
    "deep nesting",
    "huge front matter",
    "custom tags",
    "not UTF-8",
    "control and bidirectional characters",
    "pasted look-alike characters",
    "symlinks",
    "links out of the repository",
    "same URL",
    "ids equal up to case or normalisation",
    "misspelt keys",
}


def location(at: str) -> tuple[str, int, int]:
    path, line, col = at.rsplit(":", 2)
    return path, int(line), int(col)


def add_case(root: Path, case: dict) -> None:
    """Write a case's files into the project at root, byte for byte, or link them."""
    for entry in case["files"]:
        target = root / entry["to"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if "link" in entry:
            target.symlink_to(entry["link"])
        else:
            target.write_bytes((HOSTILE / entry["from"]).read_bytes())


def replaces_a_file(root: Path, case: dict) -> bool:
    """Whether the case overwrites a file of the fixture library (the taxonomy cases do)."""
    return any((root / entry["to"]).exists() for entry in case["files"])


# ---------------------------------------------------------------- the manifest itself


def test_the_corpus_is_large_covers_every_category_and_uses_every_file():
    assert len(MANIFEST) >= 40
    assert len(CASES) == len(MANIFEST), "case names must be unique"
    assert {case["category"] for case in MANIFEST} >= CATEGORIES
    used = {entry["from"] for case in MANIFEST for entry in case["files"] if "from" in entry}
    stored = {
        p.relative_to(HOSTILE).as_posix()
        for p in HOSTILE.rglob("*")
        if p.is_file() and p.name not in ("cases.yml", ".gitattributes")
    }
    assert stored - used == set(), "files in tests/hostile/ that no case uses"
    assert used - stored == set(), "cases naming files that tests/hostile/ does not hold"
    for case in MANIFEST:
        assert case["errors"], f"{case['name']} expects no error"
        for error in case["errors"]:
            assert error["says"], f"{case['name']}: say which words the message must hold"


def test_corpus_files_are_stored_as_committed():
    # the bytes matter: git must not normalise line ends or re-encode these files
    attributes = (HOSTILE / ".gitattributes").read_text(encoding="utf-8")
    assert "* -text" in attributes
    assert b"\xe9" in (HOSTILE / "latin1-title.md").read_bytes()
    assert (HOSTILE / "utf16-file.md").read_bytes().startswith(b"\xff\xfe")
    assert (HOSTILE / "huge-front-matter.md").stat().st_size > 64 * 1024


# ---------------------------------------------------------------- one case at a time


@pytest.mark.parametrize("case", MANIFEST, ids=[case["name"] for case in MANIFEST])
def test_a_hostile_file_is_refused_where_it_stands(project, case):
    add_case(project.root, case)
    library, problems, _count = scan(read_settings(project.root))
    assert library is None, "a hostile file was published"
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.path, p.line, p.col) for p in errors] == [
        location(error["at"]) for error in case["errors"]
    ], "\n".join(str(p) for p in errors)
    for problem, error in zip(errors, case["errors"], strict=True):
        assert problem.hint, f"no hint: {problem}"  # every error says how to fix it
        for words in error["says"]:
            assert words in problem.message, problem
        for words in error.get("hint", ()):
            assert words in problem.hint, problem


# ---------------------------------------------------------------- all at once, through the CLI


def _playbook() -> list[str]:
    installed = Path(sys.executable).with_name("playbook")
    if installed.is_file():
        return [str(installed)]  # the console script pip installed, as contributors run it
    return [sys.executable, "-c", "from playbook.cli import main; main()"]


def test_the_cli_reports_every_case_at_once_without_a_traceback(project, tmp_path):
    # Cases that replace a fixture file (the taxonomy) cannot share one project: each gets its own.
    shared = [case for case in MANIFEST if replaces_a_file(project.root, case)]
    batches = [[case for case in MANIFEST if case not in shared]] + [[case] for case in shared]
    assert len(batches[0]) >= 40
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_MKDOCS_2_WARNING": "1"}
    for number, batch in enumerate(batches):
        root = tmp_path / f"all-{number}" / "lib"
        shutil.copytree(project.root, root, symlinks=True)
        for case in batch:
            add_case(root, case)
        result = subprocess.run(
            [*_playbook(), "check", "--root", str(root)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=120,
        )
        output = result.stdout + result.stderr
        assert "Traceback" not in output, output
        assert result.returncode == 1, output
        for case in batch:
            for error in case["errors"]:
                assert f"{error['at']}: error: " in result.stdout, (case["name"], output)
        expected = sum(len(case["errors"]) for case in batch)
        assert f"{expected} error" in result.stdout.splitlines()[-1], output


# ---------------------------------------------------------------- a MkDocs build


def _failed_build(root: Path, caplog) -> str:
    with caplog.at_level(logging.ERROR), pytest.raises((Abort, BuildError)) as raised:
        build_site(root)
    cause = raised.value.__context__ or raised.value.__cause__
    return "\n".join([caplog.text, str(raised.value), str(cause or "")])


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_build_with_a_hostile_file_writes_no_site(project, caplog):
    case = CASES["comment-in-title"]
    add_case(project.root, case)
    reported = _failed_build(project.root, caplog)
    assert f"{case['errors'][0]['at']}: error: " in reported, reported
    assert not (project.root / "site").exists()


@pytest.mark.parametrize("name", ["link-file-url", "url-case-folders"])
def test_a_build_with_a_hostile_file_leaves_the_previous_site_untouched(project, caplog, name):
    site = build_site(project.root)
    (site / "marker.txt").write_text("from the previous build", encoding="utf-8")
    before = _snapshot(site)
    case = CASES[name]
    add_case(project.root, case)
    reported = _failed_build(project.root, caplog)
    for error in case["errors"]:
        assert f"{error['at']}: error: " in reported, reported
    assert _snapshot(site) == before, "the failed build changed the previous site"

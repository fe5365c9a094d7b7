"""Front matter kept parsed between builds (core/cache.py's ParseCache): a build parses the
files that changed only, finds exactly what parsing finds, and never trusts a cache file that
is not what a build wrote."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import pytest
from conftest import CASE, MKDOCS_YML, build_site
from mkdocs.exceptions import Abort, PluginError
from playbook.core.cache import ParseCache
from playbook.core.frontmatter import PARSER, Positions
from playbook.mkdocs.config import read_settings
from playbook.site import scan

NO_PDF = MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      pdf: false\n")
CACHE_FILE = ".cache/playbook/front-matter.json"
CASE_PAGE = "case_studies/hospital-circles/index.html"


@pytest.fixture
def library(project):
    project.write("mkdocs.yml", NO_PDF)
    return project


def _build(root: Path, caplog, strict: bool = True) -> tuple[Path, str]:
    """A build; its site and what it said of the library."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(root, strict=strict)
    said = next(m for r in caplog.records if "items checked" in (m := r.getMessage()))
    return site, said


def _parsed(said: str) -> tuple[int, int]:
    """(files parsed, files from the cache) of the build's library line."""
    found = re.search(r"\(front matter: (\d+) parsed, (\d+) from the cache\)", said)
    assert found, said
    return int(found.group(1)), int(found.group(2))


def test_a_second_build_parses_only_the_file_that_changed(library, caplog):
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (4, 0)
    assert (library.root / CACHE_FILE).is_file()
    first = {p: p.read_bytes() for p in site.rglob("*.html")}
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (0, 4)
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == first  # the same site
    library.write(
        "case_studies/hospital-circles.md",
        CASE.replace("title: Circles at a hospital", "title: Circles at a county hospital"),
    )
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (1, 3)
    assert "Circles at a county hospital" in (site / CASE_PAGE).read_text(encoding="utf-8")


def _scan(root: Path, parsed: ParseCache | None):
    library, problems, _count = scan(read_settings(root), parsed=parsed)
    return library, [str(p) for p in problems]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(("levels: [emerging]", "levels: [emerging, nowhere]"), id="unknown-level"),
        pytest.param(("duration_months: 12", "duration_months: twelve"), id="not-a-number"),
        pytest.param(
            ("  - measure: Retention\n    before:", "  - before:"), id="missing-in-a-list"
        ),
        pytest.param(("playbooks: [peer-circles]", "playbooks: [peer-circle]"), id="broken-ref"),
    ],
)
def test_problems_found_from_the_cache_stand_where_parsing_puts_them(library, edit):
    """Front matter that parses but breaks the content model is kept like any other: its
    problems, found from the cache's data and positions, are word for word, line and column,
    those found after parsing it."""
    library.write("case_studies/hospital-circles.md", CASE.replace(*edit))
    folder = library.root / ".cache/playbook"
    first = ParseCache(folder, 10)
    fresh, problems = _scan(library.root, first)
    assert first.made == 4 and not first.save()
    assert problems and all(":" in p for p in problems)
    again = ParseCache(folder, 10)
    cached, from_cache = _scan(library.root, again)
    assert again.made == 0 and len(again.new) == 4
    assert from_cache == problems
    assert _scan(library.root, None)[1] == problems  # and as without a cache


def test_an_item_read_from_the_cache_is_the_item_parsing_gives(library):
    folder = library.root / ".cache/playbook"
    parsed = ParseCache(folder, 10)
    fresh, _ = _scan(library.root, parsed)
    parsed.save()
    cached, _ = _scan(library.root, ParseCache(folder, 10))
    assert fresh is not None and cached is not None
    for item in fresh:
        twin = cached.items[item.id]
        assert twin.meta == item.meta and twin.body == item.body
        assert twin.positions.values == item.positions.values
        assert twin.positions.keys == item.positions.keys


def test_front_matter_that_does_not_parse_is_parsed_and_reported_every_time(library, caplog):
    library.write("case_studies/broken.md", "---\ntype: case-study\ntitle: [unclosed\n---\n")
    errors = []
    for _build_number in range(2):
        caplog.clear()
        with pytest.raises((PluginError, Abort)):
            build_site(library.root)
        errors.append([r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR])
    assert errors[0] == errors[1] and any("case_studies/broken.md:" in e for e in errors[0])
    parsed = ParseCache(library.root / ".cache/playbook", 10)
    assert len(parsed.old) == 4  # the four files that parse; not the broken one


def _valid_cache_file(root: Path, caplog) -> bytes:
    _build(root, caplog)
    return (root / CACHE_FILE).read_bytes()


def _other_title(raw: bytes) -> bytes:
    """The cache file with the case study's title changed and its header kept."""
    assert b"Circles at a hospital" in raw
    return raw.replace(b"Circles at a hospital", b"Circles somewhere else")


def _rehashed(raw: bytes, body: bytes) -> bytes:
    """A cache file with another body under a header that matches it: what a build might
    have written."""
    prefix = raw.partition(b"\n")[0].rsplit(b" ", 1)[0]
    return prefix + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda raw: b"\x00\xff not a cache file", id="foreign"),
        pytest.param(lambda raw: raw[: len(raw) // 2], id="cut-off"),
        pytest.param(_other_title, id="edited"),
        pytest.param(
            lambda raw: raw.replace(PARSER.encode(), b"0" * len(PARSER), 1), id="other-version"
        ),
        pytest.param(lambda raw: b"\n".join([raw.split(b"\n")[0], b"[]"]), id="not-an-object"),
    ],
)
def test_a_spoilt_cache_file_is_not_used_and_is_replaced(library, caplog, spoil):
    raw = _valid_cache_file(library.root, caplog)
    (library.root / CACHE_FILE).write_bytes(spoil(raw))
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (4, 0)
    assert "Circles at a hospital" in (site / CASE_PAGE).read_text(encoding="utf-8")
    assert (library.root / CACHE_FILE).read_bytes() == raw  # replaced by what the build parsed


def test_an_entry_that_is_not_an_entry_is_parsed_again(library, caplog):
    """A file whose header matches (its hash recomputed) but whose entries are not what a
    build writes: each such entry is parsed again, and unknown positions do not crash."""
    raw = _valid_cache_file(library.root, caplog)
    entries = json.loads(raw.partition(b"\n")[2])
    keys = sorted(entries)
    entries[keys[0]] = {"not": "an entry"}
    entries[keys[1]] = [entries[keys[1]][0], "not packed positions"]
    (library.root / CACHE_FILE).write_bytes(_rehashed(raw, json.dumps(entries).encode()))
    parsed = ParseCache(library.root / ".cache/playbook", 10)
    found, _problems = _scan(library.root, parsed)
    assert found is not None and parsed.made == 1  # the one that is no entry
    for item in found:
        item.positions.of_value(("title",))  # packed positions that are not: unknown, no error


def test_a_cache_file_that_links_elsewhere_is_not_read(library, caplog, tmp_path):
    raw = _valid_cache_file(library.root, caplog)
    outside = tmp_path / "elsewhere.json"  # a cache file as a build could write it
    elsewhere = _rehashed(raw, _other_title(raw).partition(b"\n")[2])
    outside.write_bytes(elsewhere)
    (library.root / CACHE_FILE).unlink()
    (library.root / CACHE_FILE).symlink_to(outside)
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (4, 0)
    assert "Circles at a hospital" in (site / CASE_PAGE).read_text(encoding="utf-8")
    assert outside.read_bytes() == elsewhere  # untouched
    assert not (library.root / CACHE_FILE).is_symlink()


def test_the_second_process_keeps_the_front_matter_once_the_pages_are_done(
    library, caplog, monkeypatch, tmp_path
):
    """Writing what the scan parsed (0.05 s at 2,000 items, after an edit) is left to the
    process that renders the pages ahead, after them: not on the build's own time."""
    import os

    monkeypatch.setattr("playbook.site.ahead.can_fork", lambda: True)  # beside a served site
    save = ParseCache.save

    def recorded(self):
        (tmp_path / "saved by").write_text(str(os.getpid()), encoding="utf-8")
        return save(self)

    monkeypatch.setattr(ParseCache, "save", recorded)
    _site, said = _build(library.root, caplog)
    assert "rendered ahead by a second process" in caplog.text
    assert int((tmp_path / "saved by").read_text(encoding="utf-8")) != os.getpid()
    _site, said = _build(library.root, caplog)
    assert _parsed(said) == (0, 4)


@pytest.mark.parametrize("fork", [True, False], ids=["second process", "this process"])
def test_a_cache_folder_that_cannot_be_written_is_said_and_the_build_goes_on(
    library, caplog, monkeypatch, fork
):
    monkeypatch.setattr("playbook.site.ahead.can_fork", lambda: fork)
    (library.root / CACHE_FILE).mkdir(parents=True)  # where the file should go: a folder
    with pytest.raises(Abort):  # --strict: the warning counts
        build_site(library.root)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        w.startswith("library: the cache folder cannot be written") and "cache_limit_mb: 0" in w
        for w in warnings
    )
    site, said = _build(library.root, caplog, strict=False)
    assert _parsed(said) == (4, 0) and (site / CASE_PAGE).is_file()


def test_no_cache_file_when_the_cache_limit_is_zero(library, caplog):
    library.write("mkdocs.yml", NO_PDF + "      cache_limit_mb: 0\n")
    _site, said = _build(library.root, caplog)
    assert "front matter" not in said
    assert not (library.root / ".cache").exists()


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("entry", [CACHE_FILE, ".cache/playbook/pdf/0123.pdfcache"])
def test_a_cache_committed_to_the_repository_stops_the_build(library, caplog, entry):
    """A pull request could commit a cache entry made to publish what its Markdown does not
    say: a build refuses a cache folder that holds committed files, before it writes."""
    _build(library.root, caplog)  # a cache folder, as builds leave it
    (library.root / "site" / "marker.txt").write_text("the last site", encoding="utf-8")
    (library.root / entry).parent.mkdir(parents=True, exist_ok=True)
    (library.root / entry).write_bytes((library.root / CACHE_FILE).read_bytes())
    _git(library.root, "init", "-q")
    library.write(".gitignore", ".cache/\nsite/\n")
    _git(library.root, "add", ".")
    _git(library.root, "add", "-f", entry)  # -f: past the .gitignore
    _git(library.root, "commit", "-q", "-m", "a library and its cache")
    with pytest.raises((PluginError, Abort)) as raised:
        build_site(library.root)
    said = str(raised.value) + caplog.text
    assert f"holds {entry}, a file committed to the repository" in said
    assert "git rm -r --cached '.cache/playbook'" in said
    assert (library.root / "site" / "marker.txt").is_file()  # the last site is untouched
    _git(library.root, "rm", "-r", "-q", "--cached", ".cache")
    _git(library.root, "commit", "-q", "-m", "no cache in the repository")
    _site, said = _build(library.root, caplog)
    assert _parsed(said) == (0, 4)  # the folder is the build's again


def test_a_cache_file_larger_than_the_limit_is_neither_written_nor_read(library):
    """The next build would not read a file over the cache's limit: none is written."""
    folder = library.root / ".cache/playbook"
    parsed = ParseCache(folder, 1)  # 1 MB
    _scan(library.root, parsed)
    parsed.put("0" * 32, {"title": "x" * 2**20}, Positions())  # past 1 MB with it
    assert parsed.save() == [] and not (folder / CACHE_FILE.rsplit("/", 1)[1]).exists()
    del parsed.new["0" * 32]
    parsed.save()
    assert ParseCache(folder, 1).old.keys() == parsed.new.keys()


def test_an_entry_whose_data_is_not_front_matter_is_parsed_again(library, caplog):
    """Front matter is kept as a mapping (or nothing): anything else, under a header that
    matches, is parsed again."""
    raw = _valid_cache_file(library.root, caplog)
    entries = json.loads(raw.partition(b"\n")[2])
    for entry in entries.values():
        entry[0] = ["not", "a", "mapping"]
    (library.root / CACHE_FILE).write_bytes(_rehashed(raw, json.dumps(entries).encode()))
    site, said = _build(library.root, caplog)
    assert _parsed(said) == (4, 0)
    assert "Circles at a hospital" in (site / CASE_PAGE).read_text(encoding="utf-8")

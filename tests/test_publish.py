"""`playbook build` publishes atomically: a failed or killed build leaves a complete site."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playbook.core.synth import generate
from playbook.outputs.publish import PublishError, builds_dir, complete_builds, publish, rollback

PLAYBOOK = [sys.executable, "-c", "from playbook.cli import main; main()"]


def playbook(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PLAYBOOK, *args], cwd=root, capture_output=True, text=True, timeout=300, **kwargs
    )


def files_of(folder: Path) -> set[str]:
    """The site's files. Pagefind's chunks are named by a hash of their content, and its filter
    chunks and page list are not the same from one build of a library to the next: those count
    as "pagefind/<folder>/<n>th chunk", and the bundle's entry file must name its page list."""
    names: set[str] = set()
    chunks: dict[str, int] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if name.startswith("pagefind/") and ".pf_" in name:
            kind = name.rsplit(".", 1)[1]
            chunks[kind] = chunks.get(kind, 0) + 1
            name = f"pagefind/{kind} #{chunks[kind]}"
        names.add(name)
    entry = folder / "pagefind" / "pagefind-entry.json"
    if entry.is_file():
        for language in json.loads(entry.read_text(encoding="utf-8"))["languages"].values():
            assert (folder / "pagefind" / f"pagefind.{language['hash']}.pf_meta").is_file()
    return names


def title_on_home(site: Path) -> str:
    return (site / "index.html").read_text(encoding="utf-8")


def test_build_publishes_a_link_and_keeps_the_previous_build(project):
    first = playbook(project.root, "build")
    assert first.returncode == 0, first.stderr
    site = project.root / "site"
    assert site.is_symlink() and (site / "index.html").is_file()
    assert "published site ->" in first.stdout
    project.write("content/index.md", "# Home\n\nSecond edition.\n")
    second = playbook(project.root, "build", "--strict")
    assert second.returncode == 0, second.stderr
    assert "Second edition." in title_on_home(site)
    assert "kept for `playbook rollback`" in second.stdout
    assert len(complete_builds(site)) == 2
    back = playbook(project.root, "rollback")
    assert back.returncode == 0, back.stderr
    assert "Second edition." not in title_on_home(site)
    assert "Welcome." in title_on_home(site)
    # the link is relative: moving the project keeps the site working
    assert not os.readlink(site).startswith("/")


def test_a_failed_build_publishes_nothing(project):
    assert playbook(project.root, "build").returncode == 0
    site = project.root / "site"
    before = os.readlink(site), files_of(site)
    project.write("case_studies/broken.md", "---\ntype: case-study\ntitle: [unclosed\n---\n")
    failed = playbook(project.root, "build")
    assert failed.returncode == 1
    assert "case_studies/broken.md:3:" in failed.stdout + failed.stderr
    assert "nothing was published" in failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr
    assert (os.readlink(site), files_of(site)) == before
    assert [p.name for p in builds_dir(site).iterdir() if p.name.startswith(".partial")] == []


def test_strict_warning_publishes_nothing(project):
    assert playbook(project.root, "build").returncode == 0
    site = project.root / "site"
    before = os.readlink(site)
    project.write("content/about.md", "# About\n\n[gone](missing.md)\n")
    assert playbook(project.root, "build", "--strict").returncode == 1
    assert os.readlink(site) == before


def test_a_plain_mkdocs_site_folder_is_adopted_as_the_first_build(project):
    site = project.root / "site"
    site.mkdir()
    (site / "index.html").write_text("old site", encoding="utf-8")
    assert playbook(project.root, "build").returncode == 0
    assert site.is_symlink()
    assert playbook(project.root, "rollback").returncode == 0
    assert title_on_home(site) == "old site"


def test_rollback_without_an_earlier_build_is_a_clear_error(project):
    result = playbook(project.root, "rollback")
    assert result.returncode == 1
    assert "no builds to roll back to" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_keeps_only_the_current_and_previous_builds(tmp_path):
    site = tmp_path / "site"

    def write(text: str):
        def run(folder: Path, _fd: int) -> bool:
            (folder / "index.html").write_text(text, encoding="utf-8")
            return True

        return run

    for n in range(4):
        done = publish(site, write(f"build {n}"))
        assert done is not None and title_on_home(site) == f"build {n}"
    assert len(complete_builds(site)) == 2
    assert title_on_home(rollback(site).build) == "build 2"
    with pytest.raises(PublishError):
        rollback(site)  # only one earlier build is kept


def test_an_exception_in_the_build_publishes_nothing(tmp_path):
    site = tmp_path / "site"
    publish(site, lambda folder, fd: (folder / "index.html").write_text("ok") > 0)

    def explode(folder: Path, _fd: int) -> bool:
        (folder / "index.html").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(site, explode)
    assert title_on_home(site) == "ok"
    assert sorted(p.name for p in builds_dir(site).iterdir()) == [".lock", site.resolve().name]


KILLS = 10


def test_killing_builds_at_random_moments_always_leaves_a_complete_site(tmp_path):
    """Builds of an 80-item library with PDFs, killed one after another at random moments
    (the whole process group, or only `playbook`, orphaning its MkDocs child); after every
    kill the site is whole, and the next build sweeps up and publishes."""
    root = generate(tmp_path / "lib", 80, pdf=True)
    started = time.perf_counter()
    assert playbook(root, "build").returncode == 0
    seconds = time.perf_counter() - started
    site = root / "site"
    complete = files_of(site)
    rng = random.Random(20261121)
    for n in range(KILLS):
        delay = rng.uniform(0.05, seconds * 1.1)
        process = subprocess.Popen(
            [*PLAYBOOK, "build"],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, as a CI runner kills it
        )
        time.sleep(delay)
        if n % 2:
            process.kill()  # only `playbook`: the MkDocs child goes on, holding the lock
        else:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert site.is_symlink()
        assert files_of(site) == complete, f"kill {n} after {delay:.2f} s: the site is not whole"
    again = playbook(root, "build")  # waits for any orphan, sweeps, publishes
    assert again.returncode == 0, again.stderr
    assert files_of(site) == complete
    assert [p for p in builds_dir(site).iterdir() if p.name.startswith(".partial")] == []

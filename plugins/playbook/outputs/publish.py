"""Atomic publishing: build into a fresh folder, then switch the published site by a rename.

The published `site_dir` is a symbolic link to one complete build in `<site_dir>.builds/`.
A build is written to a hidden `.partial-*` folder there; only when it succeeded is the folder
renamed to its final name and a new link renamed over `site_dir` (`rename(2)` replaces the old
link in one step). Killing the build at any moment leaves the link on the previous build, and
the partial folder is swept away by the next build. The build before the current one is kept,
so `rollback` can switch back to it. A lock keeps two builds from publishing at once.

Nothing here knows MkDocs: the caller passes the function that writes a site into a folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PARTIAL = ".partial-"
LOCK = ".lock"


class PublishError(Exception):
    """Publishing cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Published:
    site: Path  # the link readers are served from
    build: Path  # the build it now points to
    previous: Path | None  # the build it pointed to before, kept for rollback


def builds_dir(site: Path) -> Path:
    return site.with_name(site.name + ".builds")


def complete_builds(site: Path) -> list[Path]:
    """Finished builds, oldest first (their names are UTC time stamps)."""
    folder = builds_dir(site)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_build(site: Path) -> Path | None:
    if not site.is_symlink():
        return None
    return (site.parent / os.readlink(site)).resolve()


@contextmanager
def _locked(folder: Path, waiting: Callable[[str], None]) -> Iterator[int]:
    """An exclusive lock on the builds folder, held until the block ends. The descriptor is
    yielded so a child process can inherit it: a build orphaned by a killed parent keeps the
    lock until it ends, and never races the next build."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting(f"another build of {folder.name} is running; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point(site: Path, build: Path) -> None:
    """Make `site` a link to `build`, replacing the old link in one rename."""
    link = site.with_name(f".{site.name}.{build.name}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(build, site.parent), link)
    os.replace(link, site)
    _sync_dir(site.parent)


def _stamp(folder: Path) -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    name, n = base, 1
    while (folder / name).exists() or (folder / f"{PARTIAL}{name}").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _adopt(site: Path, folder: Path) -> None:
    """Bring a site_dir that is not yet a link under this scheme (once per project)."""
    if site.is_symlink():
        if not site.exists():  # a link to a build that is gone: point at the newest there is
            builds = complete_builds(site)
            if builds:
                _point(site, builds[-1])
        return
    if site.is_dir():
        # A folder from a plain `mkdocs build`: keep it as the first build. (Two renames,
        # once: a kill between them is repaired by the next build, below.)
        adopted = folder / _stamp(folder)
        os.rename(site, adopted)
        _point(site, adopted)
    elif site.exists():
        raise PublishError(f"{site} is a file, not a site folder; move it away and build again")
    else:
        builds = complete_builds(site)
        if builds:
            _point(site, builds[-1])


def _sweep(folder: Path, keep: list[Path]) -> None:
    """Remove partial builds left by killed runs and complete builds not in `keep`."""
    for path in folder.iterdir():
        if path.name == LOCK or path in keep:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)


def publish(
    site: Path,
    write: Callable[[Path, int], bool],
    *,
    waiting: Callable[[str], None] = lambda message: None,
) -> Published | None:
    """Build with `write(folder, lock_fd)` into a fresh folder; publish it if it returns True.

    Returns None when the build failed: the published site is then exactly as it was.
    """
    site = site.absolute()
    folder = builds_dir(site)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder, waiting) as lock_fd:
        _adopt(site, folder)
        previous = current_build(site)
        _sweep(folder, [p for p in (previous,) if p is not None] + _rollback_target(site))
        partial = folder / f"{PARTIAL}{_stamp(folder)}"
        partial.mkdir()
        try:
            ok = write(partial, lock_fd)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        if not ok:
            shutil.rmtree(partial, ignore_errors=True)
            return None
        build = folder / partial.name.removeprefix(PARTIAL)
        os.rename(partial, build)
        _sync_dir(folder)
        _point(site, build)
        # keep the new build and the one before it; older ones go
        _sweep(folder, [build] + ([previous] if previous else []))
        return Published(site, build, previous)


def _rollback_target(site: Path) -> list[Path]:
    """The build before the current one (kept while a new build runs, so rollback works)."""
    current = current_build(site)
    older = [b for b in complete_builds(site) if current is None or b.name < current.name]
    return older[-1:]


def rollback(site: Path) -> Published:
    """Point the site back at the build before the current one."""
    site = site.absolute()
    folder = builds_dir(site)
    if not folder.is_dir():
        raise PublishError(f"no builds to roll back to: {folder} does not exist")
    with _locked(folder, lambda message: None):
        current = current_build(site)
        target = _rollback_target(site)
        if current is None or not target:
            raise PublishError(
                "there is no earlier build to roll back to (builds are kept after "
                "`playbook build` publishes a second time)"
            )
        _point(site, target[0])
        return Published(site, target[0], current)

"""The project's cache folder, kept between builds (`cache_dir`, default .cache/playbook), and
the entries in it. No MkDocs here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

from .frontmatter import PARSER, Positions
from .settings import Settings

_CACHE_MAGIC = b"playbook-pdf-cache 1\n"  # named when it held PDFs only
ENTRY, DATA = ".pdfcache", ".data"  # an entry; the data of one put apart (DiskCache)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows


def cache_folder(settings: Settings, cache_dir: str, site_dir: Path) -> Path:
    """The project's cache folder (`cache_dir`): inside the project, never where the site is
    published from (docs_dir, site_dir), and not through a symbolic link; else ValueError,
    saying why and what to do."""
    root = settings.root
    folder = Path(os.path.abspath(root / cache_dir))
    published = (root / settings.docs_dir, Path(os.path.abspath(root / site_dir)))
    linked = [p for p in (folder, *folder.parents) if p.is_relative_to(root) and p.is_symlink()]
    reason = (
        "is outside the project"
        if not folder.is_relative_to(root) or folder == root
        else "is inside docs_dir or site_dir, which are published"
        if any(folder.is_relative_to(p) or p.is_relative_to(folder) for p in published)
        else f"goes through the symbolic link {linked[0]}"
        if linked
        else None
    )
    if reason:
        raise ValueError(
            f"the playbook plugin's cache_dir '{cache_dir}' {reason}: choose a folder of the "
            "project such as .cache/playbook, or set cache_limit_mb: 0"
        )
    committed = _committed(folder, root)
    if committed:
        raise ValueError(
            f"the playbook plugin's cache folder '{cache_dir}' holds {committed}, a file "
            "committed to the repository: what is in the cache is published as it is, so a "
            "committed entry could put into the site what no reviewer saw. Remove the folder "
            f"from the repository (git rm -r --cached '{cache_dir}') and keep it in .gitignore"
        )
    return folder


def _committed(folder: Path, root: Path) -> str | None:
    """A file of the cache folder that Git tracks in the project's repository; None when the
    folder is not there, when the project is not in a repository (a checkout without Git
    history, as a CI runner without Git makes one, cannot be told) or Git is missing."""
    if not folder.is_dir():
        return None
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", str(folder)],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    first = found.stdout.split(b"\0", 1)[0] if found.returncode == 0 else b""
    return first.decode("utf-8", "replace") or None


class DiskCache:
    """What a build made, on disk by content key, so that a build reuses what an earlier one
    made (a CI job after each merge: one item changed, one item's PDFs to render): PDFs and
    their parts (outputs/pdf.py), in a folder of their own.

    An entry is a header line, a JSON line (the data's SHA-256, and what its maker reported:
    for a PDF, the URLs its fetcher refused, per item) and the data. An entry whose header,
    JSON or hash does not match is deleted and made again: a cut-off write, a foreign file or
    an edited one is never published. Entries are written to a temporary name and renamed, so
    a reader sees a whole entry or none. The folder is bounded: after each build the least
    recently used entries go until it holds at most `limit` bytes.

    An entry put `apart` (a finished PDF) keeps its data in a file of its own, `<key>.data`,
    readable as a site's files are, and records that file's size and modification time: a
    build links it into the site (`file`), reading and writing none of it, as long as both
    are as recorded (Git's index trusts a file's stat data the same way). A data file whose
    size or time is not as recorded (a copy of the folder that did not keep times, a file
    edited or replaced) is read and checked against the SHA-256 (`get`), as any entry is."""

    def __init__(self, folder: Path | None, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.failed: str | None = None  # why the folder cannot be used (then: no disk cache)

    @classmethod
    def kind(cls, folder: Path | None, name: str, limit_mb: int) -> DiskCache:
        """The entries of one kind (`name`: its subfolder) in a project's cache folder (see
        cache_folder), bounded by limit_mb; none on disk without a folder or when limit_mb
        is 0."""
        if folder is None or not limit_mb:
            return cls(None, 0)
        return cls(folder / name, limit_mb * 2**20)

    @property
    def usable(self) -> bool:
        """Whether entries are kept on disk: there is a folder, and no write to it failed."""
        return self.folder is not None and not self.failed

    def _path(self, key: str, suffix: str = ENTRY) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}{suffix}"

    def get(self, key: str) -> tuple[bytes, dict[str, list[str]]] | None:
        found = self._entry(key)
        if found is None:
            return None
        meta, data, notes = found
        if "size" in meta:  # kept apart
            data = _read_inside(self._path(key, DATA), self.limit)
        if data is None or meta.get("sha256") != hashlib.sha256(data).hexdigest():
            self._drop(key)
            return None
        self._used(key)
        return data, notes

    def file(self, key: str) -> tuple[Path, dict[str, list[str]]] | None:
        """The data file of an entry put apart, and its notes, when the file is a regular one
        of the recorded size and modification time; else None (then `get` checks it)."""
        found = self._entry(key)
        if found is None or "size" not in found[0]:
            return None
        meta, _data, notes = found
        path = self._path(key, DATA)
        try:
            info = os.lstat(path)
        except OSError:
            return None
        recorded = (meta["size"], meta["mtime_ns"])
        if not stat.S_ISREG(info.st_mode) or (info.st_size, info.st_mtime_ns) != recorded:
            return None
        self._used(key)
        return path, notes

    def put(
        self, key: str, data: bytes, notes: dict[str, list[str]], apart: bool = False
    ) -> Path | None:
        """Keep an entry; put `apart`, its data file (see `file`), or None if none was kept."""
        if not self.usable:
            return None
        meta: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "refused": notes}
        try:
            if apart:
                path = self._path(key, DATA)
                _write_atomically(path, data, mode=0o666)  # less the umask: as a site's files
                info = os.stat(path)
                meta.update(size=info.st_size, mtime_ns=info.st_mtime_ns)
                data = b""
            _write_atomically(
                self._path(key), _CACHE_MAGIC + json.dumps(meta).encode() + b"\n" + data
            )
        except OSError as error:
            self.failed = f"{self.folder}: {error.strerror or error}"
            return None
        return self._path(key, DATA) if apart else None

    def _entry(self, key: str) -> tuple[dict[str, Any], bytes, dict[str, list[str]]] | None:
        """An entry's record, data (empty if kept apart) and notes; None if there is none,
        and none that reads as an entry (then it is deleted)."""
        if not self.usable:
            return None
        raw = _read_inside(self._path(key), self.limit)
        if raw is None:
            return None
        try:
            if not raw.startswith(_CACHE_MAGIC):
                raise ValueError("not an entry")
            line_end = raw.index(b"\n", len(_CACHE_MAGIC))
            meta = json.loads(raw[len(_CACHE_MAGIC) : line_end])
            notes = {str(k): [str(u) for u in v] for k, v in dict(meta["refused"]).items()}
            if "size" in meta and not all(type(meta[k]) is int for k in ("size", "mtime_ns")):
                raise ValueError("not a record of a data file")
        except (ValueError, KeyError, TypeError, AttributeError):
            self._drop(key)
            return None
        return meta, raw[line_end + 1 :], notes

    def _used(self, key: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(self._path(key))  # recently used: kept when the folder is trimmed

    def _drop(self, key: str) -> None:
        for suffix in (ENTRY, DATA):
            with contextlib.suppress(OSError):
                self._path(key, suffix).unlink()

    def trim(self) -> None:
        """Delete the least recently used entries (each with its data file, which counts in
        its size) and leftover partial writes until the folder holds at most `limit` bytes."""
        if not self.usable or not self.folder.is_dir():
            return
        entries: dict[str, list[float]] = {}  # key -> [last used, bytes]
        stale = time.time() - 3600
        for path in self.folder.iterdir():
            with contextlib.suppress(OSError):
                info = path.lstat()
                if path.suffix not in (ENTRY, DATA) or not stat.S_ISREG(info.st_mode):
                    if path.suffix == ".part" and info.st_mtime < stale:
                        path.unlink()
                    continue
                # last used: its entry's time; a data file without its entry is stale
                found = entries.setdefault(path.name.split(".")[0], [stale, 0])
                found[1] += info.st_size
                if path.suffix == ENTRY:
                    found[0] = info.st_mtime
        total = sum(size for _used, size in entries.values())
        for (_used, size), key in sorted((v, k) for k, v in entries.items()):
            if total <= self.limit:
                break
            self._drop(key)
            total -= size


class ParseCache:
    """Front matter as an earlier build parsed it, by its text's hash (see ParseMemo), so
    that a build parses only the files that changed: parsing was most of the time a build
    spends reading the library (0.5 s of 0.9 at 2,000 items).

    One file in the cache folder, `front-matter.json`: a header line (the format; the
    parser's version, from its code, the policy it applies and PyYAML's; the SHA-256 of the
    rest) and a JSON object whose entries are each the data and the positions (packed, see
    Positions) of front matter that parsed without problems. A file that does not match
    (another version, cut off, edited, foreign, larger than the cache's limit, a symbolic
    link) is not used, and a complete scan replaces it. It holds what one scan read, so it
    grows with the library, not with its history (2.3 KB per item)."""

    NAME = "front-matter.json"
    HEADER = f"playbook-front-matter 1 {PARSER}"

    def __init__(self, folder: Path | None, limit_mb: int) -> None:
        """The parses kept in a project's cache folder (see cache_folder); none on disk
        without a folder or when limit_mb is 0."""
        self.path = folder / self.NAME if folder is not None and limit_mb else None
        self.limit = limit_mb * 2**20
        self.old = read_sealed_json(self.path, self.HEADER, self.limit) if self.path else {}
        self.new: dict[str, Any] = {}  # the entries of this scan, found or made
        self.made = 0  # entries parsed by this scan

    def get(self, key: str) -> tuple[Any, Positions] | None:
        entry = self.old.get(key)
        if not (
            isinstance(entry, list)
            and len(entry) == 2
            and (entry[0] is None or isinstance(entry[0], dict))  # as read_text keeps them
            and isinstance(entry[1], str)
        ):
            return None  # not there, or not an entry: parsed again
        self.new[key] = entry
        return entry[0], Positions(packed=entry[1])

    def put(self, key: str, data: Any, positions: Positions) -> None:
        self.made += 1
        self.new[key] = [data, positions.pack()]

    def said(self) -> str:
        """What the build says of it after its item count: how many files' front matter was
        parsed, how many taken as the last build parsed it."""
        if self.path is None:
            return ""
        return f" (front matter: {self.made} parsed, {len(self.new) - self.made} from the cache)"

    def save(self) -> list[str]:
        """Keep this scan's entries for the next build, unless the file holds them already or
        would be larger than the cache's limit (the next build would not read it); the
        warning to give when the folder cannot be written."""
        if self.path is None or (not self.made and self.new.keys() == self.old.keys()):
            return []
        try:
            write_sealed_json(self.path, self.HEADER, self.new, self.limit)
        except OSError as error:
            return [
                f"library: the cache folder cannot be written ({self.path}: "
                f"{error.strerror or error}), so every build parses every file again; make it "
                "writable, or set cache_limit_mb: 0"
            ]
        return []


def read_sealed_json(path: Path, header: str, limit: int) -> dict[str, Any]:
    """The object write_sealed_json wrote at `path` under the same `header`; empty if there
    is none, or the file is not whole: another header (another version), a SHA-256 that does
    not match (cut off, edited, foreign), larger than `limit`, or a symbolic link."""
    raw = _read_inside(path, limit)
    if raw is None:
        return {}
    first, _, body = raw.partition(b"\n")
    if first.decode("ascii", "replace") != f"{header} {hashlib.sha256(body).hexdigest()}":
        return {}
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def write_sealed_json(path: Path, header: str, data: dict[str, Any], limit: int) -> None:
    """Write `data` as JSON after a line of `header` and the SHA-256 of the JSON (see
    read_sealed_json), unless it would be larger than `limit` (the next build would not read
    it). OSError if it cannot be written."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    first = f"{header} {hashlib.sha256(body).hexdigest()}\n".encode()
    if len(first) + len(body) <= limit:
        _write_atomically(path, first + body)


def _read_inside(path: Path, limit: int) -> bytes | None:
    """A cache file's bytes; None if it is missing, not a regular file (a symbolic link could
    lead outside the project), larger than `limit` or unreadable."""
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with open(handle, "rb", closefd=False) as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(handle)


def _write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary name in the same folder (created with `mode`, less the umask),
    then rename: a reader sees the whole file or the one before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

"""The project's cache folder, kept between builds (`cache_dir`, default .cache/playbook), and
the entries in it. No MkDocs here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from .settings import Settings

_CACHE_MAGIC = b"playbook-pdf-cache 1\n"  # named when it held PDFs only


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
    return folder


class DiskCache:
    """What a build made, on disk by content key, so that a build reuses what an earlier one
    made (a CI job after each merge: one item changed, one item's PDFs to render): PDFs and
    their parts (outputs/pdf.py), QR codes (site/paper.py), each kind in a folder of its own.

    An entry is a header line, a JSON line (the data's SHA-256, and what its maker reported:
    for a PDF, the URLs its fetcher refused, per item) and the data. An entry whose header,
    JSON or hash does not match is deleted and made again: a cut-off write, a foreign file or
    an edited one is never published. Entries are written to a temporary name and renamed, so a reader sees a whole
    entry or none. The folder is bounded: after each build the least recently used entries go
    until it holds at most `limit` bytes."""

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

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.pdfcache"

    def get(self, key: str) -> tuple[bytes, dict[str, list[str]]] | None:
        if self.folder is None or self.failed:
            return None
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            if not raw.startswith(_CACHE_MAGIC):
                raise ValueError("not an entry")
            line_end = raw.index(b"\n", len(_CACHE_MAGIC))
            meta = json.loads(raw[len(_CACHE_MAGIC) : line_end])
            data = raw[line_end + 1 :]
            if meta.get("sha256") != hashlib.sha256(data).hexdigest():
                raise ValueError("its content does not match its hash")
            notes = {str(k): [str(u) for u in v] for k, v in dict(meta["refused"]).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the folder is trimmed
        return data, notes

    def put(self, key: str, data: bytes, notes: dict[str, list[str]]) -> None:
        if self.folder is None or self.failed:
            return
        meta = json.dumps({"sha256": hashlib.sha256(data).hexdigest(), "refused": notes})
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(_CACHE_MAGIC + meta.encode() + b"\n" + data)
            os.replace(temporary, self._path(key))
        except OSError as error:
            self.failed = f"{self.folder}: {error.strerror or error}"

    def trim(self) -> None:
        """Delete the least recently used entries (and leftover partial writes) until the
        folder holds at most `limit` bytes."""
        if self.folder is None or self.failed or not self.folder.is_dir():
            return
        entries = []
        for path in self.folder.iterdir():
            with contextlib.suppress(OSError):
                if path.suffix == ".part" or not path.is_file() or path.is_symlink():
                    if path.suffix == ".part" and path.stat().st_mtime < time.time() - 3600:
                        path.unlink()
                    continue
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

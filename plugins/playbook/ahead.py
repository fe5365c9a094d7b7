"""The plugin's pages rendered ahead, in a second process. Builder-neutral (no MkDocs).

A builder such as MkDocs renders pages one after the other on one core: it converts each
page's Markdown, then asks the plugin for the page around it. What the plugin adds to an item
page (its fields, chips, links both ways, related items) does not depend on the Markdown, and
neither do the listing pages (hubs, indexes, browse), so a forked child renders all of them
on the second core while the parent converts Markdown, and hands them over in the builder's
order. The item's body goes in last, in the parent, where BODY stands.

Nothing changes in what is written: a page the child did not render (it failed, or it was not
started) is rendered in the parent as before, so errors surface there, as before. The child is
only forked from a process without other threads (a fork copies no thread, and a lock one of
them held would stay locked in the child); `mkdocs serve` runs a server thread and renders
few pages per rebuild anyway.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from .pages import Rendered

# Where the item's body goes: an HTML comment, which the sanitizer removes from every body
BODY = "<!-- playbook:body -->"
BATCH = 25  # pages per message from the child


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


class Ahead:
    """Pages rendered by a child process; `take(key)` waits for a page's turn."""

    def __init__(self) -> None:
        self.process: Any = None
        self.pipe: Connection | None = None
        self.ready: dict[str, Rendered | None] = {}
        self.taken = 0

    def start(self, jobs: Sequence[tuple[str, Callable[[], Rendered]]]) -> bool:
        """Fork a child that runs each job in order. False (and nothing started) where a
        fork is not safe or not available: every page is then rendered by the caller."""
        self.close()
        self.taken = 0
        if not jobs or not can_fork():
            return False
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        try:
            self.process = context.Process(target=_work, args=(jobs, send), daemon=True)
            self.process.start()
        finally:
            send.close()
        self.pipe = receive
        return True

    def take(self, key: str) -> Rendered | None:
        """The page the child rendered for key, waiting for it if need be; None if the child
        did not render it (failed, stopped, or never had it)."""
        # read what has come, and wait only if the page has not: a child blocked on a full
        # pipe renders nothing
        while self.pipe is not None and (key not in self.ready or self.pipe.poll()):
            try:
                self.ready.update(self.pipe.recv())
            except (EOFError, OSError):  # the child is done (or gone): keep what it sent
                self._stop()
        found = self.ready.pop(key, None)
        self.taken += found is not None
        return found

    def close(self) -> None:
        """Stop the child (if still at work) and drop what it rendered."""
        self._stop()
        self.ready = {}

    def _stop(self) -> None:
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None


def _work(jobs: Sequence[tuple[str, Callable[[], Rendered]]], send: Connection) -> None:
    gc.disable()  # short-lived; a collection would touch, and so copy, the inherited heap
    batch: dict[str, Rendered | None] = {}
    try:
        for key, job in jobs:
            try:
                batch[key] = job()
            except Exception:  # noqa: BLE001 (the parent renders it again and reports)
                batch[key] = None
            if len(batch) >= BATCH:
                send.send(batch)
                batch = {}
        send.send(batch)
    except (BrokenPipeError, OSError):  # the parent stopped listening (its build failed)
        pass
    finally:
        send.close()

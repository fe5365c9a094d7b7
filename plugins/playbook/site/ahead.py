"""Work done ahead, in a second process. Builder-neutral (no MkDocs).

A builder such as MkDocs renders pages one after the other on one core: it converts each
page's Markdown, then asks the plugin for the page around it. What the plugin adds to an item
page (its fields, chips, links both ways, related items) does not depend on the Markdown, and
neither do the listing pages (hubs, indexes, browse), so a forked child renders all of them
on the second core while the parent converts Markdown, and hands them over in the builder's
order. The item's body goes in last, in the parent, where BODY stands.

Nothing changes in what is written: a job the child did not do (it failed, or it was not
started) is done in the parent as before, so errors surface there, as before. Jobs render
templates and do not log; logging is off in the child (`logging.disable`), so that nothing is
said twice. The child is only forked from a process without other threads (a fork copies no
thread, and a lock one of them held would stay locked in the child); `mkdocs serve` runs a
server thread and renders few pages per rebuild anyway.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

# Where the item's body goes: an HTML comment, which the sanitizer removes from every body
BODY = "<!-- playbook:body -->"
BATCH = 25  # pages per message from the child
TOLD = "\0told"  # a message's key for a line the child's job says (see tell)
T = TypeVar("T")
_SEND: Connection | None = None  # in a child: its end of the pipe, for tell()


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def tell(line: str) -> None:
    """From a job running in a child: hand `line` to the parent, which says it (the child's
    own logging is off) when it next reads the pipe; only the newest of the lines waiting
    there is said. Outside a child, nothing."""
    if _SEND is not None:
        with contextlib.suppress(OSError):  # the parent stopped listening
            _SEND.send({TOLD: line})


class Ahead(Generic[T]):
    """Jobs done by a child process; `take(key)` waits for a job's result."""

    def __init__(self, say: Callable[[str], object] | None = None) -> None:
        """say: what the parent does with a line a job tells (see tell); None: drop it."""
        self.say = say
        self.process: Any = None
        self.pipe: Connection | None = None
        self.ready: dict[str, T | None] = {}
        self.taken = 0

    def start(self, jobs: Sequence[tuple[str, Callable[[], T]]], daemon: bool = True) -> str:
        """Fork a child that runs each job in order. Returns why nothing was started (a fork
        is not safe or not available: every job is then done by the caller), or ''. `daemon`:
        killed when this process exits; a daemon child may not start processes of its own."""
        self.close()
        if not jobs:
            return "nothing to render"
        if not hasattr(os, "fork"):
            return "this system cannot fork a process"
        if not can_fork():
            return f"{threading.active_count() - 1} other thread(s) run in this process"
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        try:
            self.process = context.Process(target=_work, args=(jobs, send), daemon=daemon)
            self.process.start()
        finally:
            send.close()
        self.pipe = receive
        return ""

    def take(self, key: str) -> T | None:
        """The result of the child's job for key, waiting for it if need be; None if the child
        did not do it (failed, stopped, or never had it)."""
        self.receive()
        while self.pipe is not None and key not in self.ready:
            self.receive(wait=True)
        found = self.ready.pop(key, None)
        self.taken += found is not None
        return found

    def receive(self, wait: bool = False) -> None:
        """Read what the child has sent (and, if wait, wait for its next batch): a child
        blocked on a full pipe does nothing, so a caller that takes nothing for a while
        calls this now and then."""
        told = None
        while self.pipe is not None and (wait or self.pipe.poll()):
            wait = False
            try:
                batch = self.pipe.recv()
            except (EOFError, OSError):  # the child is done (or gone): keep what it sent
                self._stop()
                break
            told = batch.pop(TOLD, told)
            self.ready.update(batch)
        if told is not None and self.say is not None:
            self.say(told)

    def close(self) -> None:
        """Stop the child (if still at work) and drop what it did."""
        self._stop()
        self.ready = {}
        self.taken = 0

    def _stop(self) -> None:
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None


def _work(jobs: Sequence[tuple[str, Callable[[], T]]], send: Connection) -> None:
    global _SEND
    _SEND = send
    # the inherited heap goes where the collector never walks it (a walk would touch, and so
    # copy, every page of it); what the jobs make is collected as usual
    gc.freeze()
    logging.disable(logging.CRITICAL)  # the parent says what there is to say
    batch: dict[str, T | None] = {}
    try:
        for key, job in jobs:
            try:
                result: T | None = job()
            except Exception:  # noqa: BLE001 (the parent does it again and reports)
                result = None
            batch[key] = result
            if len(batch) >= BATCH:
                send.send(batch)
                batch = {}
        send.send(batch)
    except (BrokenPipeError, OSError):  # the parent stopped listening (its build failed)
        pass
    finally:
        send.close()

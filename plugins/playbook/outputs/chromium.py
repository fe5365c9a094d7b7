"""Chromium lays out the PDFs' documents, over its DevTools protocol: several at once, split after.

Laying out a document costs Chromium about 60 ms when it is printed on its own, most of it the
printing itself (a PDF written, its fonts embedded); printed together, two dozen documents
cost about 8 ms each (the headless shell, a sheet of 1.5 pages with its QR code as a PNG). So
the documents of a batch are printed as one: each in a block of its own that starts a page,
the blocks' first pages found in the PDF by a named destination each, and each document's
pages copied out into a PDF of its own with pikepdf. Every document, also one
printed alone, is laid out in that same block, so that a document's pages are the same
whichever batch it was printed in (tests/test_pdf_engines.py compares them).

The documents are the site model's (templates/playbook/pdf.html): a head with the paper size
and a body whose classes the block takes; their relative URLs are made absolute against the
document's own address, since the batch has one address of its own (about:blank). Chromium
runs headless, without JavaScript, and loads nothing but data: URLs and the files of the built
site under the site's address (each request is stopped and answered from site_dir); what it
may not load is refused and reported with the document that asked for it.

Chromium is driven over the pipe it is started with (`--remote-debugging-pipe`), not through
Playwright: Playwright's driver is a Node.js process that every message crosses twice, a PDF
among them, and it starts in 0.5 s where the pipe is ready in 0.14. A cold 2,000-item build
spent 1.2 core-seconds in it and took 13.2 to 13.6 s instead of 14.5 to 15.1. Playwright
remains the way to Chromium for the end-to-end tests, and finds its own download here when
the machine has no Chromium on its PATH.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import re
import secrets
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

# where Debian, Ubuntu and Fedora put Chromium (or Chrome); else Playwright's own download.
# The headless shell first (Debian's chromium-headless-shell, the same engine without the
# browser around it): it starts in 0.47 s instead of 0.72, and a cold build of 2,000 items
# took 18.9 to 19.2 s with it, 19.1 to 21.3 s with the whole browser
EXECUTABLES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
ARGUMENTS = (
    "--headless",  # the headless shell is nothing else; the whole browser is told
    "--no-sandbox",  # in containers and CI runners, where its sandbox cannot start
    "--disable-background-networking",
    "--disable-breakpad",  # no crash reports
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--force-color-profile=srgb",  # the same colours whatever the machine's display says
    "--hide-scrollbars",
    "--mute-audio",
    "--no-default-browser-check",
    "--no-first-run",
    "--password-store=basic",
)

_HEAD = re.compile(r"<head>(.*?)</head>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_BODY = re.compile(r'<body(?: class="([^"]*)")?>(.*)</body>', re.S)
_URL = re.compile(r'(\s(?:href|src)=")([^"#][^"]*)"')


class ChromiumError(RuntimeError):
    """Chromium failed at its work: what it said."""


class ChromiumMissing(ChromiumError):
    """No Chromium to start: the reason."""


def executable() -> str | None:
    """The Chromium this machine has on its PATH, or None (Playwright's own, if installed)."""
    return next(filter(None, map(shutil.which, EXECUTABLES)), None)


def available() -> bool:
    """Whether there is a Chromium to start: on the PATH, or Playwright's own."""
    try:
        return Path(_to_start()).is_file()
    except Exception:  # noqa: BLE001  no driver, no browser: none to start
        return False


def identity() -> str:
    """Which Chromium lays out, for the cache keys: the executable and its size and time (a
    new Chromium lays out again), or Playwright's version, which fixes its own download's."""
    from importlib import metadata

    found = executable()
    if found is None:
        return f"playwright {metadata.version('playwright')}"
    path = Path(found).resolve()
    try:
        stat = path.stat()
    except OSError:  # not there: starting it fails, and says why
        return str(path)
    return f"{path} {stat.st_size} {stat.st_mtime_ns}"


TIMEOUT = 120  # seconds Chromium may take over one answer: a document's load or its print
PRINTS_PER_PAGE = 8  # prints (of a batch each) before the page is renewed: see _renew_page

# Page.printToPDF's parameters: the paper and margins of the documents' own @page rules, their
# backgrounds, and no tagged PDF (which Chromium now makes by default: twice the bytes, and
# its structure would not survive the split into parts anyway)
PRINT = {
    "preferCSSPageSize": True,
    "printBackground": True,
    "paperWidth": 8.5,
    "paperHeight": 11,
    "marginTop": 0,
    "marginBottom": 0,
    "marginLeft": 0,
    "marginRight": 0,
    "generateTaggedPDF": False,
    "generateDocumentOutline": False,
}


class _Pipe:
    """A headless Chromium and the DevTools protocol over the pipe it is started with
    (`--remote-debugging-pipe`): JSON messages, each ended by a NUL byte, written to its file
    descriptor 3 and read from its 4. Events are given to `on_event` as they come, also while
    an answer is awaited."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        ours, theirs = os.pipe(), os.pipe()  # (Chromium writes, we read), (we write, it reads)
        self.read_end, self.write_end = ours[0], theirs[1]
        # Chromium's ends moved above 9, out of the way of the descriptors they become
        reads, writes = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (theirs[0], ours[1]))
        for fd in (theirs[0], ours[1]):
            os.close(fd)
        # what Chromium says, in a file with no name: gone with us, however we end
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  closed by close()
        self.on_event: Any = lambda message: None
        self.buffer = bytearray()
        self.last = 0
        said = self.log.fileno()
        try:
            # posix_spawn, not subprocess: its ends must become the child's descriptors 3
            # and 4, which subprocess can do only with code run between fork and exec,
            # unsafe beside other threads (those of `mkdocs serve`, say)
            self.pid = os.posix_spawn(
                command[0],
                command,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, said, 1),
                    (os.POSIX_SPAWN_DUP2, said, 2),
                    (os.POSIX_SPAWN_DUP2, reads, 3),
                    (os.POSIX_SPAWN_DUP2, writes, 4),
                ],
            )
        except OSError as error:
            for fd in (self.read_end, self.write_end):
                os.close(fd)
            self.log.close()
            raise ChromiumMissing(f"{command[0]}: {error.strerror or error}") from None
        finally:
            for fd in (reads, writes):
                os.close(fd)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Send a command and wait for its answer (events meanwhile go to `on_event`)."""
        number = self.send(method, params, session)
        answer = self.until(lambda message: message.get("id") == number, method)
        if "error" in answer:
            raise ChromiumError(f"{method}: {answer['error'].get('message', '')}")
        return answer.get("result", {})

    def until(self, done: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """Read messages, each event given to `on_event`, until one that is `done` (checked
        after its event is handled), within TIMEOUT: that message."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self.receive(deadline, what)
            if "method" in message:
                self.on_event(message)
            if done(message):
                return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> int:
        """Send a command without waiting for its answer (ignored when it comes): its id."""
        self.last += 1
        message: dict[str, Any] = {"id": self.last, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = memoryview(json.dumps(message).encode() + b"\0")
        try:
            while data:
                data = data[os.write(self.write_end, data) :]
        except OSError:
            raise ChromiumError(f"Chromium stopped: {self.reason()}") from None
        return self.last

    def receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        """The next message; ChromiumError if Chromium stops or says nothing until `deadline`."""
        while (end := self.buffer.find(0)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_end], [], [], left)[0]:
                raise ChromiumError(f"Chromium did not answer within {TIMEOUT} s ({waiting_for})")
            chunk = os.read(self.read_end, 1 << 20)
            if not chunk:
                raise ChromiumError(f"Chromium stopped: {self.reason()}")
            self.buffer += chunk
        message = json.loads(self.buffer[:end])
        del self.buffer[: end + 1]
        return message

    def reason(self) -> str:
        """The reason Chromium gave for stopping: its fatal line, else its last line."""
        self.log.seek(0)
        said = self.log.read().decode("utf-8", "replace").strip().splitlines()
        fatal = [line.split("] ", 1)[-1] for line in said if ":FATAL:" in line]
        return (fatal or said[-1:] or ["it said nothing"])[0]

    def close(self) -> None:
        with contextlib.suppress(ChromiumError):
            self.send("Browser.close")
        for fd in (self.write_end, self.read_end):
            with contextlib.suppress(OSError):
                os.close(fd)
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):  # still running
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.01)
        self.log.close()


def _to_start() -> str:
    """The Chromium on the PATH, else Playwright's own download (which may not be there)."""
    found = executable()
    if found is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            found = playwright.chromium.executable_path
    return found


def _launch(found: str, profile: Path | None) -> _Pipe:
    """Chromium (`found`) started headless, and the protocol's pipe to it; ChromiumMissing,
    with the reason, when it cannot be. `profile`: the folder for its profile, or None for
    the headless shell, which keeps its profile in memory."""
    # Chromium makes a socket in TMPDIR, whose path must fit in 108 bytes; it stops (and
    # says so only in its own log) under a deep TMPDIR, as a test runner's may be
    temp = tempfile.gettempdir()
    deep = len(temp) > 50 and Path("/tmp").is_dir()
    env = {**os.environ, "TMPDIR": "/tmp"} if deep else dict(os.environ)
    command = [found, *ARGUMENTS, "--remote-debugging-pipe", "about:blank"]
    if profile is not None:  # its profile, its crash reports' folder and GTK's settings
        command.insert(-2, f"--user-data-dir={profile / 'profile'}")
        env.update(CHROME_CONFIG_HOME=str(profile), GSETTINGS_BACKEND="memory")
    pipe = _Pipe(command, env)
    try:
        pipe.call("Browser.getVersion")
    except ChromiumError as error:
        pipe.close()
        raise ChromiumMissing(str(error)) from None
    return pipe


class Chromium:
    """One headless browser and one page, printing documents of one site."""

    def __init__(self, site_dir: Path, base_url: str, stylesheets: Sequence[str]) -> None:
        self.root = site_dir.resolve()
        self.base = base_url
        self.links = "".join(f'<link rel="stylesheet" href="{base_url}{s}">' for s in stylesheets)
        self.mark = f"pb-{secrets.token_hex(6)}-"  # no document can use these ids
        self.refused: list[str] = []
        self.loaded = False
        # The headless shell writes nothing to disk. The whole browser keeps a profile (and
        # its crash reports, and GTK its settings) in the user's home unless told otherwise:
        # here a fresh folder, deleted when it closes (left in the temporary folder if this
        # process is killed first)
        found = _to_start()
        shell = "headless" in Path(found).name
        self._folder = None if shell else tempfile.TemporaryDirectory(prefix="playbook-chromium-")
        try:
            self._pipe = _launch(found, None if self._folder is None else Path(self._folder.name))
        except BaseException:
            self._close_folder()
            raise
        self._pipe.on_event = self._event
        self.target, self.prints = "", 0
        try:
            (first,) = (
                info["targetId"]
                for info in self._pipe.call("Target.getTargets")["targetInfos"]
                if info["type"] == "page"
            )
            self._open_page(first)  # the page it starts with: no second renderer
        except (ChromiumError, KeyError, ValueError) as error:
            self.close()
            raise ChromiumMissing(f"Chromium's page did not open ({error})") from None

    def _open_page(self, target: str = "") -> None:
        """Attach to the page `target`, else to a new one (in a renderer process of its own):
        JavaScript off, every request stopped for `_load`, told when a document is loaded."""
        if not target:
            target = self._pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.target = target
        attached = self._pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for method, params in (
            ("Inspector.enable", {}),  # tells when the page crashes
            ("Page.enable", {}),  # tells when a document is loaded
            ("Emulation.setScriptExecutionDisabled", {"value": True}),
            ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),  # every request: _load
        ):
            self._pipe.call(method, params, self.session)
        tree = self._pipe.call("Page.getFrameTree", session=self.session)
        self.frame = tree["frameTree"]["frame"]["id"]

    def _renew_page(self) -> None:
        """A renderer keeps what it printed until a garbage collection that, without
        JavaScript, never comes: 10 MB or more a batch (1.2 GB each by the end of a cold
        10,000-item build). Forcing a collection after each print cost a quarter more CPU,
        and asking it to purge its JavaScript memory (which kept the same batch flat) made
        cold 2,000-item builds 1 to 1.5 s longer; a new page, in a new renderer, every
        PRINTS_PER_PAGE prints costs 0.05 s."""
        self.prints += 1
        if self.prints % PRINTS_PER_PAGE == 0:
            self._pipe.call("Target.closeTarget", {"targetId": self.target})
            self._open_page()

    def close(self) -> None:
        self._pipe.close()
        self._close_folder()

    def _close_folder(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()

    def _event(self, message: dict[str, Any]) -> None:
        method = message["method"]
        if method == "Fetch.requestPaused":
            self._load(message["params"])
        elif method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Inspector.targetCrashed":
            raise ChromiumError("Chromium's page crashed")

    def _load(self, request: dict[str, Any]) -> None:
        """Serve a file of the built site, and nothing else."""
        from .pdf import site_file

        url = request["request"]["url"]
        found = site_file(self.root, self.base, url)
        if found is None:
            self.refused.append(url)
            reply: dict[str, Any] = {"requestId": request["requestId"], "errorReason": "Failed"}
            self._pipe.send("Fetch.failRequest", reply, self.session)
            return
        reply = {
            "requestId": request["requestId"],
            "responseCode": 200,
            "responseHeaders": [{"name": "Content-Type", "value": found[1]}],
            "body": base64.b64encode(found[0]).decode("ascii"),
        }
        self._pipe.send("Fetch.fulfillRequest", reply, self.session)

    def _show(self, html: str) -> None:
        """Put `html` in the page and wait until it and what it loads are loaded."""
        self.loaded = False
        self._pipe.call(
            "Page.setDocumentContent", {"frameId": self.frame, "html": html}, self.session
        )
        if not self.loaded:  # (it may have come before the answer)
            self._pipe.until(lambda _message: self.loaded, "the document's load")

    def pdfs(self, documents: Sequence[tuple[str, str]], css: str) -> list[tuple[bytes, list[str]]]:
        """Each document (HTML, its address) printed, with the print stylesheets and `css`
        after them: its PDF and the URLs it was refused. Printed together; a batch in which
        something was refused is printed again one by one, to tell whose it was."""
        if not documents:
            return []
        self.refused = []
        printed = self._print(documents, css)
        if len(documents) > 1 and (self.refused or printed is None):
            return [self.pdfs([document], css)[0] for document in documents]
        if printed is None:
            raise ChromiumError(f"Chromium printed no page of {documents[0][1]}")
        return [(data, list(self.refused)) for data in printed]

    def _print(self, documents: Sequence[tuple[str, str]], css: str) -> list[bytes] | None:
        heads = {
            _TITLE.sub("", head[1]) if (head := _HEAD.search(html)) else "" for html, _ in documents
        }
        if len(heads) > 1:
            return None  # the paper size is the head's: a batch has one, so one by one
        blocks, links = [], []
        for n, (html, url) in enumerate(documents):
            body = _BODY.search(html)
            if body is None:
                raise ValueError(f"not a document of the site model: {url}")
            content = _URL.sub(lambda m, url=url: f'{m[1]}{urljoin(url, m[2])}"', body[2])
            blocks.append(
                f'<div id="{self.mark}{n}" class="{body[1] or ""}" '
                f'style="break-before: page; padding: 8px 0">{content}</div>'
            )
            links.append(f'<a href="#{self.mark}{n}"></a>')
        (head_html,) = heads
        batch = (
            f'<!doctype html><html lang="en"><head>{head_html}'
            f"{self.links}<style>{css}</style></head>"
            # the body's margin, as the user agent's is, on each document's block
            f'<body style="margin: 0 8px"><div style="display: none">{"".join(links)}</div>'
            f"{''.join(blocks)}</body></html>"
        )
        self._show(batch)
        printed = self._pipe.call("Page.printToPDF", PRINT, self.session)
        self._renew_page()
        return self._split(base64.b64decode(printed["data"]), len(documents))

    def _split(self, data: bytes, count: int) -> list[bytes] | None:
        """The batch's PDF cut at the first page of each document's block, which the named
        destination of its mark gives; None if a mark is missing or out of order."""
        import warnings

        import pikepdf

        from .pdf import save_pdf

        batch = pikepdf.open(io.BytesIO(data))
        # Chromium lists them in the catalog's /Dests (PDF 1.1); a name tree is PDF 1.2's way
        if "/Dests" in batch.Root:
            named: Any = {str(key)[1:]: value for key, value in batch.Root.Dests.items()}
        elif "/Names" in batch.Root and "/Dests" in batch.Root.Names:
            named = pikepdf.NameTree(batch.Root.Names.Dests)
        else:
            return None
        index = {page.obj.objgen: n for n, page in enumerate(batch.pages)}
        starts = []
        for n in range(count):
            mark = named.get(f"{self.mark}{n}")
            if mark is None:
                return None  # a document Chromium could not mark: printed one by one
            if isinstance(mark, pikepdf.Dictionary):
                mark = mark.D
            starts.append(index.get(mark[0].objgen, -1))
        ends = [*starts[1:], len(batch.pages)]
        if starts[0] != 0 or any(start >= end for start, end in zip(starts, ends, strict=True)):
            return None
        printed = []
        with warnings.catch_warnings():  # the marks' destinations stay behind, as they should
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            for start, end in zip(starts, ends, strict=True):
                part = pikepdf.new()
                part.pages.extend(batch.pages[start:end])
                printed.append(save_pdf(part))
        return printed

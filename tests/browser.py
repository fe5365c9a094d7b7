"""Debian's Chromium, driven by Playwright, against a site served on loopback; and
`mkdocs serve` in a child process (the serve tests and the serve benchmark)."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# This machine has no internet: keep Chromium from trying to reach Google's services.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (an ephemeral port); yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def mkdocs_serve(root: Path, log_path: Path, *args: str, **env: str) -> Iterator[str]:
    """`mkdocs serve` of the project at root on a free loopback port (`args` added to its
    command line), its log written to log_path, `env` added to its environment; yield its base
    URL; stop it at the end (its whole process group: MkDocs' server and any Pagefind it
    started)."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    with serving([str(mkdocs), "serve"], root, log_path, *args, **env) as base:
        yield base


@contextmanager
def serving(
    command: list[str], root: Path, log_path: Path, *args: str, **env: str
) -> Iterator[str]:
    """A preview server's command (`mkdocs serve`, `playbook serve ...`) run in root on a free
    loopback port given as --dev-addr, its log (standard error) written to log_path; yield its
    base URL; stop its whole process group at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [*command, "--dev-addr", f"127.0.0.1:{port}", *args],
            cwd=root,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is not installed: run bash scripts/test.sh, which installs it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


# What a reader downloads for search, by engine: Pagefind's bundle (script, worker, WebAssembly,
# index, filter and fragment chunks) and the plugin's search script and styles; Material's
# index and its search worker (and lunr's language files, if any).
SEARCH_FILES = re.compile(
    r"/pagefind/|/assets/playbook/search\.(js|css)$"
    r"|/search/search_index\.json$|/assets/javascripts/workers/search\.|/assets/javascripts/lunr/"
)


@dataclass
class Download:
    url: str
    size: int  # the body as served (this test server does not compress)
    gzipped: int  # the same body gzipped, as a compressing server would send it

    @property
    def search(self) -> bool:
        return bool(SEARCH_FILES.search(self.url.split("?")[0]))


@dataclass
class Measure:
    path: str
    query: str
    downloads: list[Download]
    results: int  # result items shown

    def bytes(self, search: bool = True, gzipped: bool = False) -> int:
        return sum(d.gzipped if gzipped else d.size for d in self.downloads if d.search == search)

    def search_files(self) -> list[Download]:
        return [d for d in self.downloads if d.search]


def measure_search(browser, base: str, path: str, query: str, timeout: float = 60_000) -> Measure:
    """Open base+path in a fresh context (empty cache), type a one-word query in the header search
    as a fast typist does, and keep every response from the page's opening to the first results
    shown, with its body's size. Works for both engines: the results are `.md-search-result__item`
    in Material's box and in ours."""
    context = browser.new_context()
    downloads: list[Download] = []

    def keep(response) -> None:
        try:
            body = response.body()
        except Exception:  # a redirect or an aborted request has no body
            return
        downloads.append(Download(response.url, len(body), len(gzip.compress(body, 6))))

    # context-wide, so that requests from Pagefind's and Material's web workers are kept too
    context.on("response", keep)
    try:
        page = context.new_page()
        page.goto(base + path)
        page.keyboard.press("/")
        page.keyboard.type(query, delay=50)
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=timeout)
        page.wait_for_load_state("networkidle")  # bodies of responses already under way
        return Measure(path, query, list(downloads), results.count())
    finally:
        context.close()

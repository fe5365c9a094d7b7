"""`mkdocs serve` watches the item folders and the taxonomy, outside docs_dir, and rebuilds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import CASE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8")
            if text in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{text!r} did not appear at {url} within {timeout}s")


def test_serve_rebuilds_when_an_item_or_the_taxonomy_changes(project):
    port = _free_port()
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [str(mkdocs), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(base + "case_studies/hospital-circles/", "Circles at a hospital")
        project.write(
            "case_studies/hospital-circles.md",
            CASE.replace("Circles at a hospital", "Circles renamed live"),
        )
        _wait_for(base + "case_studies/hospital-circles/", "Circles renamed live")
        # the playbook's backlink, on another page, follows too
        _wait_for(base + "playbooks/peer-circles/", "Circles renamed live")
        taxonomy = (project.root / "content/taxonomy.yml").read_text(encoding="utf-8")
        project.write(
            "content/taxonomy.yml", taxonomy.replace("name: Delegation", "name: Delegating well")
        )
        _wait_for(base + "competencies/delegation/", "Delegating well")
        # a draft shows in preview, marked as such
        project.write(
            "case_studies/new-draft.md",
            CASE.replace("title: Circles at a hospital", "title: Work in progress\nstatus: draft"),
        )
        body = _wait_for(base + "case_studies/new-draft/", "Work in progress")
        assert "Draft" in body
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)

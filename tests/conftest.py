"""Fixtures: small real libraries written to disk in tmp_path."""

from __future__ import annotations

import gzip
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

TAXONOMY = """\
competencies:
  - id: strategic-thinking
    name: Strategic thinking
    group: Leading the business
    description: Seeing where the organisation must go.
  - id: delegation
    name: Delegation
    group: Leading others
    description: Handing over work and authority.
  - id: feedback-practice
    name: Feedback practice
    group: Leading others
    description: Giving and receiving feedback.
modalities:
  - id: coaching
    name: Coaching
  - id: peer-feedback
    name: Peer feedback
levels:
  - id: emerging
    name: Emerging leader
  - id: senior
    name: Senior leader
"""

MKDOCS_YML = """\
site_name: Test library
docs_dir: content
theme:
  name: material
plugins:
  - search
  - playbook
"""

PLAYBOOK = """\
---
type: playbook
title: Peer circles
summary: Six leaders meet monthly to coach each other.
competencies: [feedback-practice, delegation]
levels: [emerging]
modalities: [coaching]
phases:
  - name: Launch
    weeks: 2
    activities: [Agree norms]
    outputs: [A charter]
measures:
  leading: [Attendance]
  lagging: [Retention]
uses: [review-form]
updated: 2026-01-05
---

## How it works

Circles meet monthly.
"""

TEMPLATE = """\
---
type: feedback-template
title: Review form
summary: A one-page review.
competencies: [feedback-practice]
purpose: Review progress against milestones
minutes: 20
sections:
  - title: What happened
    prompt: Describe what you saw.
    kind: text
    lines: 4
  - title: Consistency
    prompt: How consistent was it?
    kind: rating
    scale: {min: 1, max: 5, low_label: Rarely, high_label: Always}
  - title: Next steps
    prompt: Tick what applies.
    kind: checklist
    items: [Book a follow-up, Share with the coach]
---
Print it.
"""

FRAMEWORK = """\
---
type: milestone-framework
title: Circle milestones
summary: What progress looks like.
competencies: [feedback-practice]
stages:
  - name: Foundations
    milestones:
      - id: norms
        title: Norms agreed
        competency: feedback-practice
        evidence: A written charter.
        weeks: 2
  - name: Practice
    milestones:
      - id: first-feedback
        title: First feedback given
        competency: delegation
        evidence: A logged conversation.
        requires: [norms]
---
"""

CASE = """\
---
type: case-study
title: Circles at a hospital
summary: Ward managers coached each other.
competencies: [feedback-practice, strategic-thinking]
levels: [emerging]
organization: A regional hospital network
industry: Healthcare
modalities: [peer-feedback]
duration_months: 12
outcomes:
  - measure: Retention
    before: "71%"
    after: "86%"
    timeframe: 12 months
lessons: [Fixed days help.]
playbooks: [peer-circles]
related: [circle-milestones]
---

## Context

A network of hospitals.
"""


class Project:
    """A project folder with mkdocs.yml, a taxonomy and items."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def override(self, template: str, text: str) -> Path:
        """Use the theme's custom_dir `overrides/`, with our template `template` replaced."""
        self.write(
            "mkdocs.yml",
            MKDOCS_YML.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"),
        )
        return self.write(f"overrides/playbook/{template}", text)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A small valid library: one item of each type and a taxonomy."""
    p = Project(tmp_path / "lib")
    p.write("mkdocs.yml", MKDOCS_YML)
    p.write("content/taxonomy.yml", TAXONOMY)
    p.write("content/index.md", "# Home\n\nWelcome.\n")
    p.write("playbooks/peer-circles.md", PLAYBOOK)
    p.write("playbooks/review-form.md", TEMPLATE)
    p.write("playbooks/circle-milestones.md", FRAMEWORK)
    p.write("case_studies/hospital-circles.md", CASE)
    return p


@pytest.fixture
def problems_of(project: Project) -> Callable[..., list]:
    """Write one file into the fixture library and return the problems of that file."""
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    def run(relative: str, text: str | bytes) -> list:
        project.write(relative, text)
        _library, problems, _count = scan(read_settings(project.root))
        return [p for p in problems if p.path == relative]

    return run


def page_texts(pdf_file: Path | bytes) -> list[str]:
    """The text of each page of a PDF, as pypdf reads it."""
    import io

    from pypdf import PdfReader

    data = pdf_file if isinstance(pdf_file, bytes) else pdf_file.read_bytes()
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def build_site(root: Path, *, strict: bool = True, command: str = "build", **overrides) -> Path:
    """Build the project at root with MkDocs' own build, as `mkdocs build` does; return site_dir."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(root / "mkdocs.yml"), strict=strict, **overrides)
    config.plugins.on_startup(command=command, dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    return Path(config.site_dir)


@pytest.fixture
def site(project: Project) -> Callable[..., Path]:
    """Build the fixture library (after any edits the test made) and return the site folder."""

    def run(**kwargs) -> Path:
        return build_site(project.root, **kwargs)

    return run


def pagefind_fragments(site: Path, bundle: Path | None = None) -> list[dict]:
    """Every result in the site's Pagefind index (or in the bundle written elsewhere), as
    Pagefind stores it: one fragment per page (gzip, a `pagefind_dcd` signature, then JSON
    with url, content, filters and meta)."""
    fragments = []
    for path in sorted((bundle or site / "pagefind").joinpath("fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        fragments.append(json.loads(data[len(b"pagefind_dcd") :]))
    return fragments


def load(root: Path):
    """The checked library of the project at root, read as every tool reads it."""
    from playbook.mkdocs.config import read_settings
    from playbook.site import load as load_library

    return load_library(read_settings(root))


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The repository's own library built once for the whole run with MkDocs (`--strict`,
    Pagefind search, no PDFs), for the tests that only read it: browser, relevance, HTML."""
    root = Path(__file__).resolve().parent.parent
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLAYBOOK_PDF", "false")  # mkdocs.yml: pdf: !ENV [PLAYBOOK_PDF, true]
        return build_site(root, strict=True, site_dir=str(tmp_path_factory.mktemp("bundled-site")))


@pytest.fixture(scope="session")
def bundled_base(bundled_site: Path):
    """The URL the bundled site is served at, on loopback, for the whole run."""
    from browser import serve

    with serve(bundled_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for the tests of one module."""
    from browser import chromium

    with chromium() as launched:
        yield launched

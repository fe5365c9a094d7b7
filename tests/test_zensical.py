"""The library built by Zensical, which ignores our plugin: the same site as MkDocs builds.

`playbook build --builder zensical` hands Zensical the site model's pages as ordinary pages in a
folder that overlays docs_dir, then runs the outputs over the finished site. These tests build
the bundled library, the hostile library and the payload library with both builders and compare
what comes out: the URLs, every item's article, the export, the search index; and drive the
Zensical site's search box in Chromium at laptop and phone sizes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import MKDOCS_YML, Project, build_site, page_texts, pagefind_fragments
from test_site import (
    ESCAPED_SCRIPT,
    HOSTILE,
    RAW_SCRIPT,
    _hostile_library,
    content,
    html_pages,
    parse,
)

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = Path(sys.executable).with_name("playbook")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
# What the themes write of their own: compared neither way
THEME = re.compile(
    r"^(assets/(javascripts|stylesheets|images)/|search(/|\.json)|sitemap\.xml|404\.html)"
)
_ARTICLE = re.compile(
    r'<(?:article|div) class="pb-(?:item|hub|browse|coverage|pack|competencies|type-index)[^"]*"'
)
_DEAD = re.compile(r'\b(src|href)="(?:\.\./)*x"')  # the payloads' <img src="x">
_THEME_END = '<footer class="md-footer"'


def zensical_site(root: Path, *, strict: bool = False, said: list[str] | None = None) -> Path:
    """Build the project at root with Zensical, as `playbook build --builder zensical` does;
    what it says goes into `said`."""
    from playbook.builders import Project as BuildProject
    from playbook.builders import ZensicalBuild

    out = root.parent / f"{root.name}-zensical"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    say = said.append if said is not None else lambda line: None
    ZensicalBuild(BuildProject.load(root / "mkdocs.yml"), say).build(out, strict=strict)
    return out


def copy_bundled(where: Path) -> Path:
    for name in ("mkdocs.yml", "content", "playbooks", "case_studies"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name)
        else:
            shutil.copy2(source, where / name)
    return where


def outputs(site: Path) -> set[str]:
    """Every file of the site but the theme's own (pages, PDFs, JSON, the search index)."""
    found = set()
    for path in site.rglob("*"):
        relative = path.relative_to(site).as_posix()
        if path.is_file() and not THEME.match(relative) and not relative.startswith("pagefind/"):
            found.add(relative)
    return found


def article(text: str) -> str | None:
    """The plugin's part of a page (from its <article class="pb-..."> or, for an item, its
    <div class="pb-item ...">, to the theme's end of
    the content), each line stripped of the spaces a template leaves at its end. A link to a
    file the site does not have (warned about by the check) is made relative to the page by
    MkDocs and left as written by Zensical: both lead nowhere, so its address is left out."""
    text = _DEAD.sub(r'\1="(dead)"', text)
    start = _ARTICLE.search(text)
    if start is None:
        return None
    end = text.rfind("</article>", start.start(), text.find(_THEME_END))
    lines = (line.rstrip() for line in text[start.start() : end].splitlines())
    return "\n".join(line for line in lines if line)


def indexed(site: Path) -> dict[str, tuple]:
    """What Pagefind holds per URL: for the library's pages, their filters and meta."""
    return {
        f["url"]: (json.dumps(f["filters"], sort_keys=True), f["meta"].get("title"))
        for f in pagefind_fragments(site)
    }


def assert_same_site(mkdocs: Path, zensical: Path) -> int:
    """The two builds publish the same files and the same article on every library page."""
    # Zensical's themes have no styles for the search box: the build adds its own
    assert outputs(mkdocs) == outputs(zensical) - {"assets/playbook/search-box.css"}
    compared = 0
    for relative in sorted(outputs(mkdocs)):
        if not relative.endswith("index.html"):
            continue
        ours = article((mkdocs / relative).read_text(encoding="utf-8"))
        theirs = article((zensical / relative).read_text(encoding="utf-8"))
        assert ours == theirs, f"/{relative} differs between MkDocs and Zensical"
        compared += ours is not None
    assert (mkdocs / "library.json").read_bytes() == (zensical / "library.json").read_bytes()
    in_mkdocs, in_zensical = indexed(mkdocs), indexed(zensical)
    assert set(in_mkdocs) == set(in_zensical)
    items = [url for url in in_mkdocs if "/" in url.strip("/")]
    assert {u: in_mkdocs[u] for u in items} == {u: in_zensical[u] for u in items}
    return compared


# ------------------------------------------------------------------ the bundled library

DRAFT = """\
---
type: case-study
title: Draft case that must not be published
summary: Still being written.
competencies: [delegation]
organization: A draft
industry: Retail
modalities: [mentoring]
outcomes:
  - measure: Nothing yet
    after: To be seen
status: draft
---

Not ready.
"""


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("bundled") / "lib"
    root.mkdir()
    copy_bundled(root)
    (root / "case_studies/draft-case.md").write_text(DRAFT, encoding="utf-8")
    mkdocs = build_site(root, strict=True, site_dir=str(root.parent / "mkdocs-site"))
    return root, mkdocs, zensical_site(root, strict=True)


def test_the_bundled_library_is_the_same_site_with_both_builders(bundled):
    root, mkdocs, zensical = bundled
    compared = assert_same_site(mkdocs, zensical)
    items = len(list((root / "playbooks").glob("*.md"))) + len(
        list((root / "case_studies").glob("*.md"))
    )
    assert compared >= items - 1 + 4  # every published item, and the generated pages
    pdfs = {p for p in outputs(zensical) if p.endswith(".pdf")}
    assert len(pdfs) >= 10
    for pdf in pdfs:  # rendered from the same article, its links resolved to the same URLs:
        # the same pages (Chromium prints parts and covers in batches, and a document's bytes
        # depend on what it was printed with: tests/test_pdf_engines.py)
        assert page_texts(zensical / pdf) == page_texts(mkdocs / pdf), pdf
    assert (zensical / "schemas").is_dir() and (zensical / "pagefind/pagefind.js").is_file()


def test_drafts_and_the_taxonomy_stay_out_of_the_zensical_site(bundled):
    _root, _mkdocs, zensical = bundled
    assert not (zensical / "case_studies/draft-case").exists()
    assert "draft-case" not in (zensical / "library.json").read_text(encoding="utf-8")
    assert not (zensical / "taxonomy.yml").exists()
    for path in zensical.rglob("*.html"):
        assert "Draft case that must not be published" not in path.read_text(encoding="utf-8")


def test_item_pages_carry_backlinks_related_items_and_pdf_links(bundled):
    _root, _mkdocs, zensical = bundled
    pages = html_pages(zensical)
    playbook = parse(pages["playbooks/new-manager-foundations/"].read_text(encoding="utf-8"))
    text = content(playbook).text()
    assert "Applied in" in text and "Uses" in text and "Related" in text
    links = [a.attrs.get("href", "") for a in playbook.find_all("a")]
    pack = "playbooks/new-manager-foundations/new-manager-foundations-workshop-pack.pdf"
    assert f"../../{pack}" in links and (zensical / pack).is_file()
    # every link of every page leads to a file of the site (Zensical rewrote nothing wrongly)
    for url, path in pages.items():
        for href in re.findall(r'href="([^"#?:]+)"', path.read_text(encoding="utf-8")):
            target = (path.parent / href).resolve()
            assert target.exists() or (target / "index.html").exists(), f"/{url}: {href}"


# ------------------------------------------------------------------ hostile libraries


def test_hostile_text_is_escaped_in_the_zensical_site_as_in_mkdocs(project):
    _hostile_library(project)
    mkdocs = build_site(project.root, strict=False)
    zensical = zensical_site(project.root)
    assert_same_site(mkdocs, zensical)
    pages = html_pages(zensical)
    for url, path in pages.items():
        text = path.read_text(encoding="utf-8")
        assert RAW_SCRIPT not in text and "<script>alert" not in text, f"raw script on /{url}"
        assert "&amp;lt;script" not in text, f"escaped twice on /{url}"  # titles in the nav too
    hub = parse(pages["competencies/delegation/"].read_text(encoding="utf-8"))
    assert hub.find("title").text() == f"{HOSTILE} - Test library"  # a hub's title: the name
    for url in ("case_studies/hospital-circles/", "about/", "browse/"):
        text = pages[url].read_text(encoding="utf-8")
        assert ESCAPED_SCRIPT in text and "&amp;lt;script" not in text, url
        assert HOSTILE in content(parse(text)).text()
    title = parse(pages["case_studies/hospital-circles/"].read_text(encoding="utf-8")).find("title")
    assert title.text() == f"{HOSTILE} - Test library"
    assert (
        parse(pages["about/"].read_text(encoding="utf-8")).find("title").text().startswith(HOSTILE)
    )


def test_a_hand_written_page_front_matter_is_escaped_for_zensical(project):
    project.write(
        "content/about.md",
        "---\ntitle: '</title><script>alert(1)</script>'\n"
        "description: '\"><script>alert(2)</script>'\nicon: '../../etc/passwd'\n---\n\n# About\n",
    )
    zensical = zensical_site(project.root)
    text = (zensical / "about/index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert parse(text).find("title").text().startswith("</title><script>alert(1)</script>")


def test_hand_written_pages_are_checked_before_zensical_reads_them(project, tmp_path):
    """A link to a file outside the project, or a front matter that could blow up a YAML load
    (an alias), stops the Zensical build at the check, as it stops MkDocs': nothing is read
    from outside the project, nothing published."""
    from playbook.core.problems import ContentError

    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    (project.root / "content/leak.md").symlink_to(tmp_path / "secret.txt")
    project.write("content/bomb.md", "---\na: &a [x, x]\nb: [*a, *a]\n---\n\n# Bomb\n")
    with pytest.raises(ContentError) as stopped:
        zensical_site(project.root)
    said = str(stopped.value)
    assert "content/leak.md:1:1" in said and "content/bomb.md:2" in said
    overlay = project.root / ".cache/playbook/zensical/docs"
    assert not overlay.exists() or not any(overlay.rglob("leak.md"))


def test_a_hand_written_page_keeps_the_types_of_its_front_matter(project):
    project.write("content/typed.md", "---\nsearch:\n  exclude: true\n---\n\n# Typed\n")
    project.write("content/kept.md", "---\nsearch:\n  exclude: false\n---\n\n# Kept\n")
    urls = {fragment["url"] for fragment in pagefind_fragments(zensical_site(project.root))}
    assert "/kept/" in urls and "/typed/" not in urls


def test_payload_library_is_the_same_site_with_both_builders(tmp_path):
    from payloads import write_payload_library

    project = Project(tmp_path / "lib")
    write_payload_library(project, pdf=True)
    mkdocs = build_site(project.root, strict=False)
    zensical = zensical_site(project.root)
    assert_same_site(mkdocs, zensical)
    for url, path in html_pages(zensical).items():
        assert not active_markup(path.read_text(encoding="utf-8")), f"/{url}"


def active_markup(text: str) -> list[str]:
    """What of a page would run: an event-handler attribute, or a script that calls alert
    (the payloads' own signature; the theme's scripts do not)."""
    found: list[str] = []

    class Reader(HTMLParser):
        script = False

        def handle_starttag(self, tag: str, attrs: list) -> None:
            found.extend(f"<{tag} {name}>" for name, _value in attrs if name.startswith("on"))
            self.script = tag == "script"

        def handle_data(self, data: str) -> None:
            if self.script and "alert(" in data:
                found.append(f"<script>{data[:60]}")

    Reader().feed(text)
    return found


# ------------------------------------------------------------------ the command


def playbook(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PLAYBOOK), *args], cwd=root, capture_output=True, text=True, env=ENV, timeout=600
    )


def test_playbook_build_with_zensical_publishes_and_says_which_builder(project):
    result = playbook(project.root, "build", "--builder", "zensical")
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"builders found: mkdocs [\d.]+, properdocs [\d.]+, zensical 0\.0\.73", result.stderr
    )
    assert "using zensical (is handed the library's pages)" in result.stderr
    site = project.root / "site"
    assert site.is_symlink() and (site / "case_studies/hospital-circles/index.html").is_file()
    # the overlay lives in the cache folder, never in the contributor's folders
    overlay = project.root / ".cache/playbook/zensical"
    assert (overlay / "docs/case_studies/hospital-circles.md").is_file()
    assert not (project.root / "content/case_studies").exists()
    config = (overlay / "mkdocs.yml").read_text(encoding="utf-8")
    assert "INHERIT: ../../../mkdocs.yml" in config and "docs_dir: docs" in config


def test_check_says_which_builders_were_found(project):
    result = playbook(project.root, "check", "--builder", "zensical")
    assert result.returncode == 0, result.stderr
    assert "using zensical" in result.stdout and "zensical 0.0.73" in result.stdout


def test_a_library_with_errors_publishes_nothing_with_zensical(project):
    assert playbook(project.root, "build", "--builder", "zensical").returncode == 0
    before = os.readlink(project.root / "site")
    project.write("case_studies/broken.md", "---\ntype: case-study\ntitle: [\n---\n")
    result = playbook(project.root, "build", "--builder", "zensical")
    assert result.returncode == 1
    assert "case_studies/broken.md:" in result.stderr and "Traceback" not in result.stderr
    assert "nothing was published" in result.stderr
    assert os.readlink(project.root / "site") == before


def test_strict_fails_on_a_library_warning_with_zensical(project):
    project.write("content/about.md", "# About\n\n[gone](nowhere.md)\n")
    result = playbook(project.root, "build", "--builder", "zensical", "--strict")
    assert result.returncode == 1, result.stderr
    assert "nothing was published" in result.stderr and "Traceback" not in result.stderr


def test_an_edit_rewrites_only_the_pages_it_changes(project):
    from playbook.builders import Project as BuildProject
    from playbook.builders import ZensicalBuild

    said: list[str] = []
    build = ZensicalBuild(BuildProject.load(project.root / "mkdocs.yml"), said.append)
    first = build.prepare()
    assert first.written > 10
    again = build.prepare()
    assert again.written == 0
    case = project.root / "case_studies/hospital-circles.md"
    case.write_text(case.read_text().replace("A network of hospitals.", "A network of clinics."))
    edited = build.prepare()
    assert 1 <= edited.written <= 3  # the case study's page (its summary is not on others)
    # front matter is parsed when it changed only (not the body's edit): the last parse is
    # kept in the cache folder
    checked = [line for line in said if line.startswith("library: 4 items checked")]
    assert [line.split("(front matter: ")[1].split(")")[0] for line in checked] == [
        "4 parsed, 0 from the cache",
        "0 parsed, 4 from the cache",
        "0 parsed, 4 from the cache",
    ]
    overlay = build.folder / "docs/case_studies/hospital-circles.md"
    assert "A network of clinics." in overlay.read_text(encoding="utf-8")


def test_a_bare_zensical_build_drops_the_library(project):
    """The trap the README warns about: Zensical ignores the plugin without a word."""
    result = subprocess.run(
        [sys.executable, "-m", "zensical", "build"],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert result.returncode == 0
    assert not (project.root / "site/case_studies").exists()
    assert (project.root / "site/taxonomy.yml").exists()


# ------------------------------------------------------------------ in the browser


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["laptop", "phone"])
def test_the_search_box_answers_in_the_zensical_site(bundled, size):
    """Zensical's theme has a search of its own and no styles for Material's box: the
    plugin's box, styled by search-box.css, opens, answers and leads to the item."""
    from browser import chromium, serve
    from playwright.sync_api import expect

    _root, _mkdocs, zensical = bundled
    width, height = size
    with serve(zensical) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "case_studies/")
        page.goto(base + "playbooks/new-manager-foundations/")
        box = page.locator("[data-pb-search-input]")
        if width < 960:  # a phone: the header's magnifier opens the box over the whole screen
            expect(box).not_to_be_visible()
            page.locator('label.md-header__button[for="__search"]').click()
        else:
            expect(box).to_be_visible()
            page.keyboard.press("/")
        expect(box).to_be_focused()
        page.keyboard.type("stakeholder map", delay=30)
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=30_000)
        found = box.bounding_box()
        assert found and 0 <= found["y"] < 80 and found["x"] + found["width"] <= width
        first = results.first.bounding_box()
        assert first and first["y"] < height  # the first result is on screen
        title = results.first.locator(".pb-hit__title").text_content()
        assert "Stakeholder map" in title
        with page.expect_navigation():
            results.first.locator("a").click()
        assert page.locator("h1").first.text_content().strip() == title.strip()
        assert not errors, errors


# ------------------------------------------------------------------ the preview


def test_the_zensical_preview_follows_edits_backlinks_and_errors(project, tmp_path):
    from browser import serving
    from conftest import CASE
    from test_serve import _broken_then_fixed, _wait_for

    log_path = tmp_path / "serve.log"
    command = [str(PLAYBOOK), "serve", "--builder", "zensical"]
    with serving(command, project.root, log_path) as base:
        _wait_for(base + "case_studies/hospital-circles/", "Circles at a hospital")
        project.write(
            "case_studies/hospital-circles.md",
            CASE.replace("Circles at a hospital", "Circles renamed live"),
        )
        _wait_for(base + "case_studies/hospital-circles/", "Circles renamed live")
        _wait_for(base + "playbooks/peer-circles/", "Circles renamed live")  # the backlink
        project.write(
            "case_studies/new-draft.md",
            CASE.replace("title: Circles at a hospital", "title: Work in progress\nstatus: draft"),
        )
        assert "Draft" in _wait_for(base + "case_studies/new-draft/", "Work in progress")
        _wait_for(base + "pagefind/pagefind.js", "")  # the search index, after the build
        _broken_then_fixed(project, base, log_path)
    said = log_path.read_text(encoding="utf-8")
    assert "using zensical" in said and "Traceback" not in said


def test_playbook_build_with_properdocs_publishes_the_library(project):
    """ProperDocs, the maintained MkDocs fork, runs the plugin: the same command, the builder
    named."""
    result = playbook(project.root, "build", "--builder", "properdocs", "--strict")
    assert result.returncode == 0, result.stderr
    assert "using properdocs (runs the playbook plugin)" in result.stderr
    assert (project.root / "site/case_studies/hospital-circles/index.html").is_file()


def test_items_and_hubs_stay_out_of_the_zensical_nav(project):
    """Without a nav in mkdocs.yml, Zensical lists every page in every page's nav: thousands of
    items would make the site quadratic (at 2,000 items, 91 KB a page and 30 s of indexing).
    The build keeps them out, as the plugin does, beside the project's own patterns."""
    project.write("mkdocs.yml", MKDOCS_YML + "not_in_nav: |\n  /secret-page.md\n")
    project.write("content/secret-page.md", "# Secret page\n")
    zensical = zensical_site(project.root)
    page = parse((zensical / "case_studies/hospital-circles/index.html").read_text("utf-8"))
    nav = [a.attrs.get("href", "") for a in page.find_all("a", "md-nav__link")]
    assert any(h.endswith("browse/") for h in nav)  # the generated pages in the nav stay
    for href in nav:
        item_or_hub = r"^(\.\./)*(case_studies|playbooks)/|competencies/[a-z-]+/|secret"
        assert not re.search(item_or_hub, href), href

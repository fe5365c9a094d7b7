"""Search in built sites: Pagefind's index and the attributes it reads (the default), and
Material's own search when `search: material` is chosen. Real MkDocs builds, as in test_site.

The index is read back from Pagefind's own files (conftest.pagefind_fragments).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CASE, TAXONOMY, pagefind_fragments
from playbook.outputs import search
from playbook.outputs.search import IndexSource, index_site

ITEMS = {
    "peer-circles": "/playbooks/peer-circles/",
    "review-form": "/playbooks/review-form/",
    "circle-milestones": "/playbooks/circle-milestones/",
    "hospital-circles": "/case_studies/hospital-circles/",
}
HOSTILE = '<script>alert(1)</script> & "q"'


def material() -> dict:
    """Build options for `search: material` (new each time: MkDocs consumes plugin options)."""
    return {"plugins": ["search", {"playbook": {"search": "material"}}]}


def indexed(site: Path, bundle: Path | None = None) -> dict[str, dict]:
    """Every page in Pagefind's index: its URL -> its fragment (url, content, filters, meta)."""
    fragments = pagefind_fragments(site, bundle)
    pages = {fragment["url"]: fragment for fragment in fragments}
    assert len(pages) == len(fragments), "a URL is in the index twice"
    return pages


class Marked(HTMLParser):
    """The elements of a page carrying data-pagefind-* attributes, with their text."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, "attrs": dict(attrs), "text": ""}
        if any(name.startswith("data-pagefind") for name, _ in attrs):
            self.found.append(node)
        if tag not in self.VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for node in self.open:
            node["text"] += data


def marked(site: Path, url: str) -> list[dict]:
    parser = Marked()
    parser.feed((site / url.strip("/") / "index.html").read_text(encoding="utf-8"))
    return parser.found


def values(nodes: list[dict], attribute: str, name: str) -> list[str]:
    return [n["text"].strip() for n in nodes if n["attrs"].get(attribute) == name]


# ---------------------------------------------------------------- the index


def test_pagefind_writes_its_index_and_material_writes_none(project, site):
    out = site()
    bundle = out / "pagefind"
    for name in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name
    assert list((bundle / "index").glob("*.pf_index"))
    assert list((bundle / "filter").glob("*.pf_filter"))
    # Pagefind's ready-made interfaces are not used (the header search is the plugin's)
    assert (
        not list(bundle.glob("pagefind-*ui*")) and not (bundle / "pagefind-highlight.js").exists()
    )
    # Material's search plugin stays listed (mkdocs.yml) for the header: the library's pages
    # carry its own `search: {exclude: true}`, so its index (which no reader downloads) holds
    # the hand-written pages only
    docs = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    assert {d["location"].split("#")[0] for d in docs} == {""}
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'name="search"' not in home  # Material fetches its index only for a form so named
    assert 'data-md-component="search"' not in home  # nor starts its worker
    assert "data-pb-search" in home and "assets/playbook/search.js" in home
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(indexed(out))


def test_results_are_the_items_and_hand_written_pages_only(project, site):
    project.write("content/about.md", "# About\n\nHow the method works.\n")
    out = site()
    pages = indexed(out)
    assert set(pages) == {*ITEMS.values(), "/", "/about/"}
    # listings of other items (hubs, indexes, browse, coverage, pack) are not results
    for url in ("/browse/", "/competencies/delegation/", "/library/playbooks/", "/coverage/"):
        assert url not in pages
    # a hand-written page is a result without filters, so a chosen filter leaves it out
    assert pages["/about/"]["filters"] == {}
    assert "How the method works" in pages["/about/"]["content"]


def test_item_results_carry_type_competencies_levels_modalities_and_summary(project, site):
    out = site()
    pages = indexed(out)
    playbook = pages[ITEMS["peer-circles"]]
    assert playbook["filters"] == {
        "type": ["Playbook"],
        "competency": ["Feedback practice", "Delegation"],
        "level": ["Emerging leader"],
        "modality": ["Coaching"],
        "item": ["peer-circles"],
    }
    assert playbook["meta"]["title"] == "Peer circles"
    assert playbook["meta"]["summary"] == "Six leaders meet monthly to coach each other."
    case = pages[ITEMS["hospital-circles"]]
    assert case["filters"]["type"] == ["Case study"]
    assert case["filters"]["competency"] == ["Feedback practice", "Strategic thinking"]
    assert case["filters"]["modality"] == ["Peer feedback"]
    # a milestone's competency chip (in the fields) is not one of the item's own competencies
    framework = pages[ITEMS["circle-milestones"]]
    assert framework["filters"]["competency"] == ["Feedback practice"]


def test_item_pages_mark_body_filters_and_meta(project, site):
    out = site()
    nodes = marked(out, ITEMS["peer-circles"])
    body = [n for n in nodes if "data-pagefind-body" in n["attrs"]]
    assert len(body) == 1 and body[0]["tag"] == "div"
    assert body[0]["attrs"]["data-pagefind-filter"] == "item[data-pb-id]"
    assert body[0]["attrs"]["data-pb-id"] == "peer-circles"
    assert values(nodes, "data-pagefind-filter", "type") == ["Playbook"]
    assert values(nodes, "data-pagefind-filter", "competency") == [
        "Feedback practice",
        "Delegation",
    ]
    assert values(nodes, "data-pagefind-filter", "level") == ["Emerging leader"]
    assert values(nodes, "data-pagefind-filter", "modality") == ["Coaching"]
    assert values(nodes, "data-pagefind-meta", "title") == ["Peer circles"]
    assert values(nodes, "data-pagefind-meta", "summary") == [
        "Six leaders meet monthly to coach each other."
    ]


def test_what_is_not_the_items_own_text_stays_out_of_its_result(project, site):
    out = site()
    content = indexed(out)[ITEMS["peer-circles"]]["content"]
    assert "Circles meet monthly" in content  # the body
    assert "Launch" in content and "A charter" in content  # the structured fields
    # linked and related items are other pages' text; the facts' labels are on every page
    assert "Circles at a hospital" not in content and "Review form" not in content
    assert "Competencies" not in content
    # level and modality chips are filters, not words of the page ("Emerging leader" would
    # make the playbook a match for "leader"); competency names are words of the lowest
    # weight, at the end (item.html's synonyms), so that a search for one finds the item
    assert "Emerging leader" not in content and "Coaching" not in content.split("Measures")[0]
    assert content.rstrip(". ").endswith("Feedback practice · Delegation")


def test_hostile_taxonomy_names_stay_text_in_attributes_pages_and_index(project, site):
    project.write(
        "content/taxonomy.yml",
        TAXONOMY.replace("name: Delegation", "name: " + json.dumps(HOSTILE)).replace(
            "name: Coaching", "name: " + json.dumps(HOSTILE + " coach")
        ),
    )
    out = site()
    html = (out / "playbooks/peer-circles/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34;" in html
    nodes = marked(out, ITEMS["peer-circles"])
    assert values(nodes, "data-pagefind-filter", "competency") == ["Feedback practice", HOSTILE]
    assert values(nodes, "data-pagefind-filter", "modality") == [HOSTILE + " coach"]
    # Pagefind reads them back as the exact text: the search box shows them with textContent
    playbook = indexed(out)[ITEMS["peer-circles"]]
    assert playbook["filters"]["competency"] == ["Feedback practice", HOSTILE]
    assert playbook["filters"]["modality"] == [HOSTILE + " coach"]


def test_hostile_title_and_summary_stay_text_in_the_meta(project, site):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("title: Circles at a hospital", "title: " + json.dumps(HOSTILE)).replace(
            "summary: Ward managers coached each other.", "summary: " + json.dumps(HOSTILE)
        ),
    )
    out = site()
    html = (out / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    meta = indexed(out)[ITEMS["hospital-circles"]]["meta"]
    assert {"title": meta["title"], "summary": meta["summary"]} == {
        "title": HOSTILE,
        "summary": HOSTILE,
    }
    assert set(meta) <= {"title", "summary", "synonyms"}


def _draft(project) -> None:
    project.write(
        "case_studies/work-in-progress.md",
        CASE.replace("title: Circles at a hospital", "title: Work in progress\nstatus: draft"),
    )


def test_a_draft_is_never_indexed_not_even_in_preview(project, site):
    _draft(project)
    out = site(command="serve")  # the preview renders the draft, marked...
    assert (out / "case_studies/work-in-progress/index.html").is_file()
    nodes = marked(out, "/case_studies/work-in-progress/")
    assert not [n for n in nodes if "data-pagefind-body" in n["attrs"]]
    pages = indexed(out)  # ...and leaves it out of the index
    assert "/case_studies/work-in-progress/" not in pages
    assert set(ITEMS.values()) <= set(pages)
    assert not any("Work in progress" in p["content"] for p in pages.values())


def test_a_draft_is_not_in_a_builds_index(project, site):
    _draft(project)
    out = site()
    assert not (out / "case_studies/work-in-progress").exists()
    assert set(indexed(out)) == {*ITEMS.values(), "/"}


def test_a_page_excluded_from_search_stays_out_of_pagefind(project, site):
    project.write("content/private.md", "---\nsearch:\n  exclude: true\n---\n# Private\n\nNotes.\n")
    out = site()
    assert "/private/" not in indexed(out)
    assert "/" in indexed(out)


def test_a_rebuild_indexes_again(project, site):
    out = site()
    project.write("case_studies/hospital-circles.md", CASE.replace("Ward managers", "Nurses"))
    again = site()
    assert again == out
    assert "Nurses coached" in indexed(out)[ITEMS["hospital-circles"]]["meta"]["summary"]


def test_pagefind_reads_only_the_indexed_parts_and_indexes_what_whole_pages_hold(
    project, site, tmp_path, monkeypatch, caplog
):
    temporary = tmp_path / "memory"
    temporary.mkdir()
    monkeypatch.setattr(search, "MEMORY", temporary)
    project.write(
        "content/about.md", "Text of a page without a heading, and an image:\n\n![A](a.png)\n"
    )
    project.write("content/a.png", b"\x89PNG\r\n\x1a\n")
    project.write("content/private.md", "---\nsearch:\n  exclude: true\n---\n# Private\n")
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("title: Circles at a hospital", "title: " + json.dumps(HOSTILE)).replace(
            "---\n\n", "---\n\n## A heading with an anchor\n\nIts text.\n\n", 1
        ),
    )
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        out = site()
    from_parts = indexed(out)
    # Pagefind read one small page per result, not the site's every HTML file
    told = next(r.getMessage() for r in caplog.records if "Pagefind indexed" in r.getMessage())
    assert f"indexed {len(from_parts)} pages (of {len(from_parts)} HTML files)" in told, told
    # from the sources written before the templates: every page as its content gave it
    assert "beside the pages, PDFs and export" in told, told
    assert "started again" not in caplog.text
    # the same index as Pagefind makes from the whole pages of the finished site
    index_site(out, output=tmp_path / "whole")
    from_pages = indexed(out, bundle=tmp_path / "whole")
    for url, fragment in from_pages.items():
        assert from_parts[url] == fragment, url
    assert from_parts.keys() == from_pages.keys()
    assert set(from_parts) == {*ITEMS.values(), "/", "/about/"}
    case = from_parts[ITEMS["hospital-circles"]]
    assert case["meta"]["title"] == HOSTILE
    assert any(a["text"] == "A heading with an anchor" for a in case["anchors"])
    # the markers are gone from the pages, and the parts from the temporary folder
    assert not [p for p in out.rglob("*.html") if "playbook:index" in p.read_text("utf-8")]
    assert not list(temporary.iterdir())


def test_a_page_changed_after_its_content_is_indexed_as_published(project, site, caplog):
    """Pagefind starts before the templates, on each page's content: a plugin that changes a
    page after that (here a hook, in on_page_context) has it start again once every page is
    written, so that the index holds the page as it is published."""
    project.write(
        "hooks.py",
        "def on_page_context(context, page, config, nav):\n"
        "    page.content = page.content.replace('Ward managers', 'Night nurses')\n"
        "    return context\n",
    )
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        out = site(hooks=["hooks.py"])
    # the case, and the pages that quote its summary
    assert "Pagefind started again after the pages: 3 of them" in caplog.text
    case = indexed(out)[ITEMS["hospital-circles"]]
    assert "Night nurses" in case["meta"]["summary"] and "Ward managers" not in case["content"]
    assert set(indexed(out)) == {*ITEMS.values(), "/"}
    told = next(r.getMessage() for r in caplog.records if "Pagefind indexed" in r.getMessage())
    assert "beside the PDFs and export" in told, told


def test_index_source_writes_the_marked_part_or_else_the_whole_page(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "MEMORY", tmp_path)
    source = IndexSource(3)
    assert source.folder.parent == tmp_path
    head = (
        '<!doctype html><html class="no-js" lang="fr&amp;x"><head><title>T &amp; t</title></head>'
    )
    body = "<body><nav>menu</nav><h1>The &lt;title&gt;</h1>\n"
    page = f"{head}{body}{source.mark('<article>Mine</article>')}</body></html>"
    assert source.take("a/b/", page) == f"{head}{body}<article>Mine</article></body></html>"
    written = (source.folder / "a/b/index.html").read_text(encoding="utf-8")
    assert written == (  # its language and the theme's heading above the part: nothing else
        '<!doctype html><html lang="fr&amp;x"><head><meta charset="utf-8"></head>'
        "<body><h1>The &lt;title&gt;</h1><article>Mine</article></body></html>"
    )
    # markers removed by another plugin: the page is written whole, and returned unchanged
    unmarked = f"{head}<body><article>Mine</article></body></html>"
    assert source.take("", unmarked) == unmarked
    assert (source.folder / "index.html").read_text(encoding="utf-8") == unmarked
    assert source.rewritten == 2
    source.close()
    assert not source.folder.exists()


def test_index_source_written_ahead_is_checked_against_the_finished_pages(tmp_path, monkeypatch):
    """Sources written before the templates (from each page's content) are left alone when
    the finished page gives the same; one that differs is written again, and counted."""
    monkeypatch.setattr(search, "MEMORY", tmp_path)
    source = IndexSource(3)
    mark = source.mark
    source.ahead("same/", f"<p>x</p>{mark('<article>Same</article>')}", "en", "<h1>Same</h1>")
    source.ahead("changed/", mark("<article>Before</article>"), "en", "<h1>Changed</h1>")
    source.ahead("heading/", mark("<article>Part</article>"), "en", "<h1>Guessed</h1>")
    source.ahead("unmarked/", "<article>No markers</article>", "en", "")  # left to take
    assert not (source.folder / "unmarked").exists()
    same = source.folder / "same/index.html"
    written = same.read_text(encoding="utf-8")
    assert written == (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"></head>'
        "<body><h1>Same</h1><article>Same</article></body></html>"
    )
    same.write_text("left alone", encoding="utf-8")  # not written again by take

    def finished(heading: str, part: str) -> str:
        return f'<html lang="en" class="no-js"><body>{heading}\n{mark(part)}</body></html>'

    source.take("same/", finished("<h1>Same</h1>", "<article>Same</article>"))
    assert same.read_text(encoding="utf-8") == "left alone"
    assert source.rewritten == 0
    source.take("changed/", finished("<h1>Changed</h1>", "<article>After</article>"))
    source.take("heading/", finished("<h1>Printed</h1>", "<article>Part</article>"))
    assert source.rewritten == 2
    assert "After" in (source.folder / "changed/index.html").read_text(encoding="utf-8")
    assert "Printed" in (source.folder / "heading/index.html").read_text(encoding="utf-8")
    source.close()


def test_index_source_goes_to_disk_without_room_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "MEMORY", tmp_path / "memory")  # not there
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "disk"))
    (tmp_path / "disk").mkdir()
    assert IndexSource(10).folder.parent == tmp_path / "disk"
    (tmp_path / "memory").mkdir()
    monkeypatch.setattr(search, "ROOM_PER_PAGE", 2**62)  # no room
    assert IndexSource(10).folder.parent == tmp_path / "disk"


def test_parts_left_by_a_killed_build_are_swept_by_the_next_one(tmp_path, monkeypatch):
    """A build killed with SIGKILL cannot delete its parts (in memory, until a restart): the
    next build deletes them; the folders of builds still running are kept."""
    monkeypatch.setattr(search, "MEMORY", tmp_path)
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from playbook.outputs import search; "
            "search.MEMORY = Path(sys.argv[1]); source = search.IndexSource(3); "
            "source.take('a/', '<p>part</p>'); print(source.folder, flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout is not None
    orphan = Path(killed.stdout.readline().strip())
    killed.kill()
    killed.wait()
    killed.stdout.close()
    running = IndexSource(3)  # another build, under way in this process
    for folder in (orphan, running.folder):
        os.utime(folder, (time.time() - 2 * search.STALE,) * 2)
    assert (orphan / "a/index.html").is_file()
    fresh = tmp_path / f"{search.PARTS}just-made"  # made, not locked yet: too new to sweep
    fresh.mkdir()
    unrelated = tmp_path / "someone-else"
    unrelated.mkdir()
    os.utime(unrelated, (0, 0))

    source = IndexSource(3)
    assert not orphan.exists()
    assert {p.name for p in tmp_path.iterdir()} == {
        running.folder.name,
        source.folder.name,
        fresh.name,
        unrelated.name,
    }
    running.close()
    source.close()
    source.close()  # twice: nothing else is closed
    assert {p.name for p in tmp_path.iterdir()} == {fresh.name, unrelated.name}


def test_a_part_that_cannot_be_written_leaves_pagefind_to_read_the_site(
    project, site, monkeypatch, caplog
):
    made = []
    original = IndexSource.__init__

    def unwritable(self, pages):
        original(self, pages)
        self.folder.rmdir()
        self.folder.write_text("a file where the folder was", encoding="utf-8")
        made.append(self.folder)

    monkeypatch.setattr(IndexSource, "__init__", unwritable)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        out = site()
    made[0].unlink()
    assert "Pagefind reads the site" in caplog.text
    assert set(indexed(out)) == {*ITEMS.values(), "/"}
    assert not [p for p in out.rglob("*.html") if "playbook:index" in p.read_text("utf-8")]


# ---------------------------------------------------------------- search: material


def test_search_material_keeps_materials_index_and_writes_no_pagefind(project, site):
    out = site(**material())
    assert not (out / "pagefind").exists()
    docs = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    assert {d["location"] for d in docs} >= {url.lstrip("/") for url in ITEMS.values()}
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'name="search"' in home and "data-pb-search" not in home
    assert "assets/playbook/search.js" not in home
    assert not (out / "assets/playbook/search.js").exists()
    for url in ITEMS.values():
        assert marked(out, url) == [], url  # no Pagefind attribute on any item page


def test_search_option_is_checked(project, site):
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        site(plugins=["search", {"playbook": {"search": "lunr"}}])


# ---------------------------------------------------------------- configuration


def test_without_materials_search_plugin_the_index_is_written_and_the_box_missing(
    project, site, caplog
):
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.playbook"):
        out = site(strict=False, plugins=["playbook"])
    assert "add `- search` before `- playbook`" in caplog.text
    assert (out / "pagefind/pagefind.js").is_file()
    assert "data-pb-search" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_search_box_can_be_overridden_in_custom_dir(project, site):
    project.override("search.html", '<div class="my-search">Ask us</div>\n')
    out = site()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert '<div class="my-search">Ask us</div>' in home
    assert "data-pb-search" not in home


def test_the_build_says_which_search_it_uses(project, site, caplog):
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site()
    assert "search: Pagefind indexes the site after the build" in caplog.text
    assert "search: Pagefind indexed 5 pages" in caplog.text


def test_pagefind_runs_at_the_lowest_priority(tmp_path):
    """Pagefind indexes beside the templates and the PDFs: at nice 19, a core it shares with
    the build's own process stays 98.5% the build's (90% at nice 10)."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><body data-pagefind-body><h1>A page</h1></body></html>',
        encoding="utf-8",
    )
    indexing = search.Indexing(tmp_path)
    stat = Path(f"/proc/{indexing.process.pid}/stat")
    deadline = time.monotonic() + 30
    while "(nice)" in stat.read_text() and time.monotonic() < deadline:  # not exec'd yet
        time.sleep(0.01)
    niceness = int(stat.read_text().rsplit(")", 1)[1].split()[16])
    assert indexing.wait().pages == 1
    assert niceness == 19

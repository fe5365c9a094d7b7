"""The built site: real MkDocs builds in tmp_path, asserting on the HTML and JSON they write.

Each test builds a small library with MkDocs' own build (`build_site` in conftest) and reads
the files in site_dir with a tiny html.parser-based tree (no extra dependencies).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import (
    CASE,
    FRAMEWORK,
    MKDOCS_YML,
    PLAYBOOK,
    TAXONOMY,
    TEMPLATE,
    pagefind_fragments,
)
from mkdocs.exceptions import Abort, BuildError

ITEM_PAGES = {
    "peer-circles": "playbooks/peer-circles/",
    "review-form": "playbooks/review-form/",
    "circle-milestones": "playbooks/circle-milestones/",
    "hospital-circles": "case_studies/hospital-circles/",
}
HUBS = {
    "strategic-thinking": "competencies/strategic-thinking/",
    "delegation": "competencies/delegation/",
    "feedback-practice": "competencies/feedback-practice/",
}
GENERATED_PAGES = (
    "browse/",
    "competencies/",
    *HUBS.values(),
    "library/playbooks/",
    "library/case-studies/",
    "library/milestone-frameworks/",
    "library/feedback-templates/",
    "coverage/",
)
EXPLICIT_NAV = """\
nav:
  - Home: index.md
  - Browse: browse.md
  - Competencies: competencies/index.md
  - Library:
      - library/playbooks.md
      - library/case-studies.md
      - library/milestone-frameworks.md
      - library/feedback-templates.md
  - Coverage: coverage.md
"""

HOSTILE = '<script>alert(1)</script> & "quotes"'
HOSTILE_YAML = '"<script>alert(1)</script> & \\"quotes\\""'  # the same, as a YAML scalar
RAW_SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;"


# ---------------------------------------------------------------- a tiny HTML tree

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'} class={cls!r} {attrs}> in <{self.tag} {self.attrs}>"
        return found[0]

    def text(self) -> str:
        """The visible text, entities decoded, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>{self.text()[:60]!r}"


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html_text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html_text)
    builder.close()
    return builder.root


def page(site: Path, url: str) -> Node:
    """The parsed page published at the site-relative URL (directory URLs)."""
    return parse(page_path(site, url).read_text(encoding="utf-8"))


def page_path(site: Path, url: str) -> Path:
    path = site / url / "index.html"
    assert path.is_file(), (
        f"no page at /{url}: {sorted(p.parent.relative_to(site).as_posix() for p in site.rglob('index.html'))}"
    )
    return path


def resolve(page_url: str, href: str) -> str:
    """A link on the page at `page_url` as a site-relative URL (no fragment, no query)."""
    target = urlsplit(urljoin("https://site.test/" + page_url, href))
    return target.path.removeprefix("/")


def content(doc: Node) -> Node:
    """Material's article: the page's own content, without header, nav and footer."""
    return doc.find("article", "md-content__inner")


def cards(container: Node, page_url: str) -> list[tuple[str, str]]:
    """(title, site-relative URL) of each card in a container, in order."""
    return [
        (a.text(), resolve(page_url, a.attrs["href"]))
        for a in container.find_all("a", "pb-card__title")
    ]


def headed_groups(container: Node, heading: str, page_url: str) -> dict[str, list[tuple[str, str]]]:
    """For each `heading` element among the container's children: its text -> the cards of the
    list that follows it (up to the next heading of the same kind)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    current: str | None = None
    for child in container.elements():
        if child.tag == heading:
            current = child.text()
            groups[current] = []
        elif current is not None and child.tag == "ul":
            groups[current] += cards(child, page_url)
    return groups


def nav_links(doc: Node, page_url: str) -> set[str]:
    """Site-relative URLs of every link inside a <nav> element (in-page anchors left out)."""
    found = set()
    for nav in doc.find_all("nav"):
        for a in nav.find_all("a"):
            href = a.attrs.get("href", "")
            if href and not href.startswith("#"):
                found.add(resolve(page_url, href))
    return found


def html_pages(site: Path) -> dict[str, Path]:
    """Site-relative URL -> file, for every page of the site (404.html left out)."""
    return {
        p.parent.relative_to(site).as_posix().removeprefix(".")
        + ("/" if p.parent != site else ""): p
        for p in site.rglob("index.html")
        if "assets" not in p.relative_to(site).parts
    }


def snapshot(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def assert_unchanged(site: Path, before: dict[str, bytes]) -> None:
    """site_dir holds exactly the files it held, with the same bytes."""
    after = snapshot(site)
    missing = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (missing or added or changed), (
        f"site_dir changed: {len(missing)} files gone (e.g. {missing[:5]}), "
        f"{len(added)} added (e.g. {added[:5]}), {len(changed)} rewritten (e.g. {changed[:5]})"
    )


def material_search() -> dict:
    """Build options for Material's own search instead of Pagefind (the default). A new dict each
    time: MkDocs consumes the plugin options it is given."""
    return {"plugins": ["search", {"playbook": {"search": "material"}}]}


def search_docs(site: Path) -> list[dict]:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


def indexed_urls(site: Path) -> list[str]:
    """The URLs of Pagefind's results, relative like the site's own links."""
    return [fragment["url"].lstrip("/") for fragment in pagefind_fragments(site)]


def library_json(site: Path) -> dict:
    return json.loads((site / "library.json").read_text(encoding="utf-8"))


def front_matter(text: str, **changes: str) -> str:
    """Replace whole `key: value` lines of a fixture's front matter; add keys not present."""
    head, sep, body = text.partition("\n---\n")
    for key, value in changes.items():
        line = f"{key}: {value}"
        pattern = re.compile(rf"^{re.escape(key)}:.*$", re.M)
        head = (
            pattern.sub(lambda _m, line=line: line, head, count=1)
            if pattern.search(head)
            else head + "\n" + line
        )
    return head + sep + body


def item_text(kind: str, title: str, competencies: str, **extra: str) -> str:
    """A minimal valid item of a type, for libraries the tests grow."""
    fields = {
        "playbook": "modalities: [coaching]\nphases:\n  - name: Start\n    activities: [Meet]\n",
        "case-study": (
            "organization: Org\nindustry: Retail\nmodalities: [coaching]\n"
            "outcomes:\n  - measure: Engagement\n    after: up\n"
        ),
        "feedback-template": (
            "purpose: Reflect\nsections:\n  - title: Notes\n    prompt: Write.\n"
            "    kind: text\n    lines: 2\n"
        ),
    }[kind]
    more = "".join(f"{k}: {v}\n" for k, v in extra.items())
    return (
        f"---\ntype: {kind}\ntitle: {title}\nsummary: A short summary.\n"
        f"competencies: {competencies}\n{fields}{more}---\n\nBody.\n"
    )


# ---------------------------------------------------------------- 1. item pages


def test_item_pages_mirror_their_source_paths(project, site):
    out = site()
    for url in ITEM_PAGES.values():
        assert (out / url / "index.html").is_file(), url
        article = content(page(out, url))
        assert article.find_all("div", "pb-item"), f"/{url} is not rendered as an item"
    assert not (out / "case_studies" / "hospital-circles.html").exists()


def test_case_study_page_shows_the_outcomes_table(project, site):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace(
            "    timeframe: 12 months\n",
            "    timeframe: 12 months\n  - measure: Vacancy rate\n    after: 4%\n",
        ),
    )
    doc = page(site(), ITEM_PAGES["hospital-circles"])
    table = content(doc).find("table", **{"data-pb-table": "outcomes"})
    head = [th.text() for th in table.find("thead").find_all("th")]
    assert head == ["Measure", "Before", "After", "Timeframe"]
    rows = [[td.text() for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    assert rows[0] == ["Retention", "71%", "86%", "12 months"]
    assert rows[1][0] == "Vacancy rate" and rows[1][2] == "4%"
    assert len(rows) == 2


def test_playbook_page_shows_phases_and_measures(project, site):
    doc = page(site(), ITEM_PAGES["peer-circles"])
    article = content(doc)
    phases = article.find("ol", "pb-phases").find_all("li", "pb-phase")
    assert len(phases) == 1
    phase = phases[0]
    assert phase.find("h3").text().startswith("Launch")
    assert "2 weeks" in phase.find("h3").text()
    lists = {}
    label = None
    for child in phase.elements():
        if child.tag == "p":
            label = child.text()
        elif child.tag == "ul":
            lists[label] = [li.text() for li in child.find_all("li")]
    assert lists == {"Activities": ["Agree norms"], "Outputs": ["A charter"]}
    measures = article.find("div", "pb-measures")
    by_heading = {
        box.find("h3").text(): [li.text() for li in box.find_all("li")]
        for box in measures.elements()
    }
    assert by_heading == {"Leading": ["Attendance"], "Lagging": ["Retention"]}


def test_framework_page_shows_stages_milestones_evidence_and_requires(project, site):
    doc = page(site(), ITEM_PAGES["circle-milestones"])
    article = content(doc)
    stages = article.find_all("section", "pb-stage")
    assert [s.find("h2").text() for s in stages] == ["Stage 1: Foundations", "Stage 2: Practice"]
    norms = article.find("li", id="milestone-norms")
    assert norms.find("h3").text().startswith("Norms agreed")
    assert "A written charter." in norms.text()
    first = article.find("li", id="milestone-first-feedback")
    assert first in stages[1].iter() and norms in stages[0].iter()
    assert "A logged conversation." in first.text()
    requires = first.find("p", "pb-requires")
    assert "Requires" in requires.text()
    links = requires.find_all("a")
    assert [a.text() for a in links] == ["Norms agreed"]
    # the link lands on the prerequisite milestone of the same page
    target = resolve(ITEM_PAGES["circle-milestones"], links[0].attrs["href"])
    assert target == ITEM_PAGES["circle-milestones"]
    fragment = urlsplit(links[0].attrs["href"]).fragment
    assert doc.find(id=fragment) is norms
    # each milestone's competency chip points at its hub
    chip = first.find("a", "pb-chip")
    assert resolve(ITEM_PAGES["circle-milestones"], chip.attrs["href"]) == HUBS["delegation"]
    assert "norms" not in [a.text() for a in norms.find_all("a")]
    assert norms.find_all("p", "pb-requires") == []


def test_template_page_shows_sections_lines_scale_and_checklist(project, site):
    project.write(
        "playbooks/review-form.md",
        TEMPLATE.replace("lines: 4", "lines: 7").replace(
            "{min: 1, max: 5, low_label: Rarely, high_label: Always}",
            "{min: 0, max: 3, low_label: Rarely, high_label: Always}",
        ),
    )
    doc = page(site(), ITEM_PAGES["review-form"])
    sections = content(doc).find("ol", "pb-sections").find_all("li", "pb-section")
    assert [s.find("h2").text() for s in sections] == ["What happened", "Consistency", "Next steps"]
    text, rating, checklist = sections
    assert text.find("p", "pb-prompt").text() == "Describe what you saw."
    assert len(text.find_all("span", "pb-line")) == 7
    assert rating.find("p", "pb-prompt").text() == "How consistent was it?"
    points = [p.text() for p in rating.find_all("span", "pb-scale__point")]
    assert points == ["0", "1", "2", "3"]
    labels = [label.text() for label in rating.find_all("span", "pb-scale__label")]
    assert labels == ["Rarely", "Always"]
    scale = rating.find("div", "pb-scale")
    ordered = [c for c in scale.elements() if c.classes & {"pb-scale__label", "pb-scale__point"}]
    assert ordered[0].text() == "Rarely" and ordered[-1].text() == "Always"
    assert checklist.find("p", "pb-prompt").text() == "Tick what applies."
    items = [li.text() for li in checklist.find("ul", "pb-checklist").find_all("li")]
    assert items == ["Book a follow-up", "Share with the coach"]
    assert not rating.find_all("span", "pb-line") and not checklist.find_all("span", "pb-line")


def test_item_page_renders_the_markdown_body(project, site):
    out = site()
    doc = page(out, ITEM_PAGES["peer-circles"])
    body = content(doc).find("section", "pb-body")
    assert body.find("h2", id="how-it-works").text().startswith("How it works")
    assert "Circles meet monthly." in [p.text() for p in body.find_all("p")]
    html_text = page_path(out, ITEM_PAGES["peer-circles"]).read_text(encoding="utf-8")
    assert "## How it works" not in html_text
    assert "type: playbook" not in html_text  # the front matter is not printed as text


def test_competency_chips_link_to_their_hubs(project, site):
    out = site()
    for item_id, url in ITEM_PAGES.items():
        header = content(page(out, url)).find("header", "pb-header")
        chips = header.find_all("a", "pb-chip")
        assert chips, item_id
        for chip in chips:
            href = chip.attrs["href"]
            assert not href.startswith("/") and "://" not in href, "links must be relative"
            target = resolve(url, href)
            assert target in HUBS.values()
            assert (out / target / "index.html").is_file()
            hub = content(page(out, target))
            assert hub.find("h1").text() == chip.text()
    chips = content(page(out, ITEM_PAGES["hospital-circles"])).find("header", "pb-header")
    assert [(a.text(), resolve(ITEM_PAGES["hospital-circles"], a.attrs["href"]))
            for a in chips.find_all("a", "pb-chip")] == [
        ("Feedback practice", HUBS["feedback-practice"]),
        ("Strategic thinking", HUBS["strategic-thinking"]),
    ]  # fmt: skip


def test_every_link_the_plugin_writes_resolves(project, site):
    out = site()
    pages = html_pages(out)
    for url, path in pages.items():
        doc = parse(path.read_text(encoding="utf-8"))
        for article in doc.find_all("article"):
            if not any(c.startswith("pb-") for c in article.classes):
                continue
            for a in article.find_all("a"):
                href = a.attrs.get("href", "")
                if not href or href.startswith("#") or "://" in href:
                    continue
                target = resolve(url, href)
                found = target in pages or (out / target).is_file()  # pages, and PDFs
                assert found, f"/{url} links to missing /{target} ({a.text()!r})"


# ---------------------------------------------------------------- 2. navigation


def _assert_no_items_or_hubs_in_nav(out: Path) -> set[str]:
    every_nav_link: set[str] = set()
    for url, path in html_pages(out).items():
        links = nav_links(parse(path.read_text(encoding="utf-8")), url)
        every_nav_link |= links
        for item_url in ITEM_PAGES.values():
            assert item_url not in links, f"/{url} has the item /{item_url} in its nav"
        for hub_url in HUBS.values():
            assert hub_url not in links, f"/{url} has the hub /{hub_url} in its nav"
    return every_nav_link


def test_items_and_hubs_stay_out_of_the_automatic_nav(project, site):
    out = site()
    in_nav = _assert_no_items_or_hubs_in_nav(out)
    # the nav was read: the index pages are in it
    assert {"browse/", "competencies/", "library/playbooks/", "coverage/"} <= in_nav


def test_items_and_hubs_stay_out_of_an_explicit_nav(project, site):
    project.write("mkdocs.yml", MKDOCS_YML + EXPLICIT_NAV)
    out = site()
    in_nav = _assert_no_items_or_hubs_in_nav(out)
    assert {"browse/", "competencies/", "library/case-studies/", "coverage/"} <= in_nav


def test_generated_pages_exist(project, site):
    out = site()
    for url in GENERATED_PAGES:
        doc = page(out, url)
        assert content(doc).find_all("article"), f"/{url} has no generated content"
    titles = {url: content(page(out, url)).find("h1").text() for url in GENERATED_PAGES}
    assert titles["library/playbooks/"] == "Playbooks"
    assert titles["library/case-studies/"] == "Case studies"
    assert titles["library/milestone-frameworks/"] == "Milestone frameworks"
    assert titles["library/feedback-templates/"] == "Feedback templates"
    assert titles["competencies/delegation/"] == "Delegation"


def test_type_index_lists_the_items_of_its_type(project, site):
    out = site()
    expected = {
        "library/playbooks/": ["peer-circles"],
        "library/case-studies/": ["hospital-circles"],
        "library/milestone-frameworks/": ["circle-milestones"],
        "library/feedback-templates/": ["review-form"],
    }
    for url, ids in expected.items():
        found = [link for _title, link in cards(content(page(out, url)), url)]
        assert found == [ITEM_PAGES[i] for i in ids], url


# ---------------------------------------------------------------- 3. hubs and the competency index


def test_competency_hub_lists_every_item_grouped_by_type(project, site):
    out = site()
    url = HUBS["feedback-practice"]
    hub = content(page(out, url)).find("article", "pb-hub")
    groups = headed_groups(hub, "h2", url)
    by_type = {re.sub(r"\s*\d+$", "", heading): links for heading, links in groups.items()}
    assert by_type == {
        "Playbooks": [("Peer circles", ITEM_PAGES["peer-circles"])],
        "Case studies": [("Circles at a hospital", ITEM_PAGES["hospital-circles"])],
        "Milestone frameworks": [("Circle milestones", ITEM_PAGES["circle-milestones"])],
        "Feedback templates": [("Review form", ITEM_PAGES["review-form"])],
    }


def test_hub_lists_only_items_carrying_the_competency(project, site):
    out = site()
    for competency, expected in {
        "delegation": {"Playbooks": [("Peer circles", ITEM_PAGES["peer-circles"])]},
        "strategic-thinking": {
            "Case studies": [("Circles at a hospital", ITEM_PAGES["hospital-circles"])]
        },
    }.items():
        url = HUBS[competency]
        hub = content(page(out, url)).find("article", "pb-hub")
        groups = headed_groups(hub, "h2", url)
        by_type = {re.sub(r"\s*\d+$", "", h): links for h, links in groups.items() if links}
        assert by_type == expected, competency


def test_hub_groups_several_items_of_a_type(project, site):
    project.write(
        "playbooks/second-circle.md", item_text("playbook", "Another circle", "[delegation]")
    )
    out = site()
    url = HUBS["delegation"]
    groups = headed_groups(content(page(out, url)).find("article", "pb-hub"), "h2", url)
    ((heading, links),) = [(h, v) for h, v in groups.items() if h.startswith("Playbooks")]
    assert sorted(links) == [
        ("Another circle", "playbooks/second-circle/"),
        ("Peer circles", ITEM_PAGES["peer-circles"]),
    ]
    assert heading == "Playbooks 2"


def test_competencies_index_groups_by_group_with_counts(project, site):
    out = site()
    url = "competencies/"
    article = content(page(out, url)).find("article", "pb-competencies")
    grouped: dict[str, dict[str, tuple[str, str]]] = {}
    current = None
    for child in article.elements():
        if child.tag == "h2":
            current = child.text()
            grouped[current] = {}
        elif child.tag == "ul" and current:
            for li in child.find_all("li"):
                a = li.find("a")
                grouped[current][a.text()] = (
                    resolve(url, a.attrs["href"]),
                    li.find("span", "pb-count").text(),
                )
    assert grouped == {
        "Leading the business": {"Strategic thinking": (HUBS["strategic-thinking"], "1")},
        "Leading others": {
            "Delegation": (HUBS["delegation"], "1"),
            "Feedback practice": (HUBS["feedback-practice"], "4"),
        },
    }


# ---------------------------------------------------------------- 4. cross-links


def _links_section(out: Path, item_id: str) -> dict[str, list[tuple[str, str]]]:
    url = ITEM_PAGES[item_id]
    article = content(page(out, url))
    sections = article.find_all("section", "pb-links")
    if not sections:
        return {}
    return headed_groups(sections[0], "h3", url)


def test_uses_and_used_in_both_ways(project, site):
    out = site()
    assert _links_section(out, "peer-circles")["Uses"] == [
        ("Review form", ITEM_PAGES["review-form"])
    ]
    assert _links_section(out, "review-form") == {
        "Used in": [("Peer circles", ITEM_PAGES["peer-circles"])]
    }


def test_applies_and_applied_in_both_ways(project, site):
    out = site()
    assert _links_section(out, "hospital-circles")["Applies"] == [
        ("Peer circles", ITEM_PAGES["peer-circles"])
    ]
    # a playbook's cases come near the top, each with its headline outcome, and not again at
    # the foot of the page
    applied = content(page(out, ITEM_PAGES["peer-circles"])).find("section", "pb-applied")
    entries = applied.find_all("li")
    assert [
        (li.find("a").text(), resolve(ITEM_PAGES["peer-circles"], li.find("a").attrs["href"]))
        for li in entries
    ] == [("Circles at a hospital", ITEM_PAGES["hospital-circles"])]
    assert entries[0].find("span", "pb-muted").text() == "Retention: 71% → 86% (12 months)"
    assert "Applied in" not in _links_section(out, "peer-circles")


def test_related_shows_on_both_ends(project, site):
    out = site()
    assert _links_section(out, "hospital-circles")["Related"] == [
        ("Circle milestones", ITEM_PAGES["circle-milestones"])
    ]
    assert _links_section(out, "circle-milestones") == {
        "Related": [("Circles at a hospital", ITEM_PAGES["hospital-circles"])]
    }


def test_related_by_competency_says_why(project, site):
    out = site()
    url = ITEM_PAGES["hospital-circles"]
    section = content(page(out, url)).find("section", "pb-related")
    entries = section.find_all("li", "pb-card")
    # the explicitly linked items are not repeated; the template shares Feedback practice
    assert [cards(li, url)[0] for li in entries] == [("Review form", ITEM_PAGES["review-form"])]
    assert entries[0].find("p", "pb-card__reason").text() == "Shares Feedback practice"


def test_related_by_competency_ranks_rare_competencies_first(project, site):
    # strategic-thinking is rare (the case study and two others); feedback-practice is common
    for n in range(4):
        project.write(
            f"playbooks/filler-{n}.md",
            item_text("feedback-template", f"Filler {n}", "[feedback-practice]"),
        )
    # by name, the rare-sharing item sorts last: only its score can put it first
    project.write(
        "case_studies/zz-rare.md", item_text("case-study", "Zz shares rare", "[strategic-thinking]")
    )
    project.write(
        "case_studies/aa-common.md",
        item_text("case-study", "Aa shares common", "[feedback-practice]"),
    )
    project.write(
        "case_studies/mm-both.md",
        item_text("case-study", "Mm shares both", "[feedback-practice, strategic-thinking]"),
    )
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      related_limit: 10\n"),
    )
    out = site()
    url = ITEM_PAGES["hospital-circles"]
    entries = content(page(out, url)).find("section", "pb-related").find_all("li", "pb-card")
    ranked = [(cards(li, url)[0][0], li.find("p", "pb-card__reason").text()) for li in entries]
    titles = [title for title, _reason in ranked]
    assert titles[:2] == ["Mm shares both", "Zz shares rare"], ranked
    assert titles.index("Zz shares rare") < titles.index("Aa shares common")
    reasons = dict(ranked)
    assert reasons["Zz shares rare"] == "Shares Strategic thinking"
    assert reasons["Aa shares common"] == "Shares Feedback practice"
    assert set(reasons["Mm shares both"].removeprefix("Shares ").split(", ")) == {
        "Strategic thinking",
        "Feedback practice",
    }
    # every item sharing only the common competency ranks below the rare one
    assert set(titles[2:]) == {
        "Aa shares common",
        "Review form",
        *(f"Filler {n}" for n in range(4)),
    }
    assert "Circle milestones" not in titles  # linked explicitly, so not repeated here


# ---------------------------------------------------------------- 5. escaping


def _hostile_library(project) -> None:
    taxonomy = TAXONOMY.replace(
        "    name: Delegation\n    group: Leading others\n    description: Handing over work and authority.\n",
        f"    name: {HOSTILE_YAML}\n    group: Leading others\n    description: {HOSTILE_YAML}\n",
    )
    assert taxonomy != TAXONOMY
    project.write("content/taxonomy.yml", taxonomy)
    case = front_matter(
        CASE,
        title=HOSTILE_YAML,
        summary=HOSTILE_YAML,
        competencies="[feedback-practice, delegation]",
    )
    case = case.replace("  - measure: Retention\n", f"  - measure: {HOSTILE_YAML}\n")
    project.write("case_studies/hospital-circles.md", case)
    template = TEMPLATE.replace("prompt: Describe what you saw.", f"prompt: {HOSTILE_YAML}")
    project.write("playbooks/review-form.md", template)
    # a hand-written page whose heading holds the text (written with entities, so it is text)
    project.write(
        "content/about.md", '# &lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"\n\nAbout us.\n'
    )


def test_hostile_text_is_escaped_on_every_page(project, site):
    _hostile_library(project)
    out = site()
    pages = html_pages(out)
    for url, path in pages.items():
        text = path.read_text(encoding="utf-8")
        assert RAW_SCRIPT not in text, f"raw script on /{url}"
        assert "<script>alert" not in text, f"raw script on /{url}"
    # ... and it shows where it belongs, escaped once (not twice)
    where = {
        "case_studies/hospital-circles/": "item page",
        "competencies/feedback-practice/": "hub (item card)",
        HUBS["delegation"]: "hub of the hostile competency",
        "browse/": "browse page",
        "library/case-studies/": "type index",
        "competencies/": "competencies index",
        "coverage/": "coverage",
        ITEM_PAGES["peer-circles"]: "related card (Applied in)",
        ITEM_PAGES["review-form"]: "prompt",
        "about/": "hand-written page",
    }
    for url, what in where.items():
        text = pages[url].read_text(encoding="utf-8")
        assert ESCAPED_SCRIPT in text, f"{what}: the escaped text is missing on /{url}"
        assert "&amp;lt;script" not in text, f"{what}: escaped twice on /{url}"
        assert HOSTILE in content(parse(text)).text(), f"{what}: /{url} does not show the text"


def test_hostile_item_title_in_title_tag_header_and_meta(project, site):
    _hostile_library(project)
    out = site()
    url = ITEM_PAGES["hospital-circles"]
    text = page_path(out, url).read_text(encoding="utf-8")
    doc = parse(text)
    assert doc.find("title").text() == f"{HOSTILE} - Test library"
    assert re.search(
        r"<title>&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; (&#34;|&quot;)quotes", text
    )
    topic = [t.text() for t in doc.find_all("div", "md-header__topic")]
    assert HOSTILE in topic
    description = doc.find("meta", name="description").attrs["content"]
    assert description == HOSTILE
    assert content(doc).find("h1").text() == HOSTILE
    outcome = content(doc).find("table", **{"data-pb-table": "outcomes"}).find("tbody").find("td")
    assert outcome.text() == HOSTILE


def test_hostile_competency_in_hub_and_index(project, site):
    _hostile_library(project)
    out = site()
    hub = content(page(out, HUBS["delegation"]))
    assert hub.find("h1").text() == HOSTILE
    assert hub.find("p", "pb-summary").text() == HOSTILE
    index = content(page(out, "competencies/"))
    assert HOSTILE in [a.text() for a in index.find_all("a")]
    chips = content(page(out, ITEM_PAGES["hospital-circles"])).find_all("a", "pb-chip")
    assert HOSTILE in [a.text() for a in chips]
    hub_doc = page(out, HUBS["delegation"])
    assert hub_doc.find("title").text() == f"{HOSTILE} - Test library"


def test_hostile_hand_written_heading_in_title_header_and_nav(project, site):
    _hostile_library(project)
    out = site()
    doc = page(out, "about/")
    assert doc.find("title").text() == f"{HOSTILE} - Test library"
    assert HOSTILE in [t.text() for t in doc.find_all("div", "md-header__topic")]
    # the page is in the automatic nav of every page: its title shows there as text
    home = page(out, "")
    nav_titles = [a.text() for nav in home.find_all("nav") for a in nav.find_all("a")]
    assert HOSTILE in nav_titles


@pytest.mark.parametrize("clean_pages", [False, True])
def test_raw_html_in_a_hand_written_heading_does_not_leak_into_title_header_or_nav(
    project, site, clean_pages
):
    # Markdown lets a hand-written page hold raw HTML in its body: its author's to keep by
    # default, filtered with `clean_pages: true`. The title MkDocs derives from that heading is
    # printed by Material in <title>, the header and the nav of every page, and must never
    # arrive there as markup.
    if clean_pages:
        config = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
        project.write(
            "mkdocs.yml",
            config.replace("  - playbook\n", "  - playbook:\n      clean_pages: true\n"),
        )
    project.write("content/about.md", f"# {HOSTILE}\n\nAbout us.\n")
    out = site(strict=False)
    for url, path in html_pages(out).items():
        text = path.read_text(encoding="utf-8")
        if url == "about/" and not clean_pages:  # in its own article only, as written
            article = re.search(r"<article.*?</article>", text, re.S).group(0)
            assert RAW_SCRIPT in article
            text = text.replace(article, "")
        assert RAW_SCRIPT not in text, f"raw script on /{url}"
    title = re.search(
        r"<title>(.*?)</title>", page_path(out, "about/").read_text(encoding="utf-8"), re.S
    )
    assert title and "<" not in title.group(1) and "quotes" in unescape(title.group(1))


def test_hostile_text_in_library_json_is_exact_and_never_raw(project, site):
    _hostile_library(project)
    out = site()
    raw = (out / "library.json").read_text(encoding="utf-8")
    assert RAW_SCRIPT not in raw and "<" not in raw
    data = json.loads(raw)
    case = next(i for i in data["items"] if i["id"] == "hospital-circles")
    assert case["title"] == HOSTILE and case["summary"] == HOSTILE
    assert case["outcomes"][0]["measure"] == HOSTILE
    names = {c["id"]: c for c in data["taxonomy"]["competencies"]}
    assert names["delegation"]["name"] == HOSTILE
    assert names["delegation"]["description"] == HOSTILE


def test_hostile_text_in_search_index_is_not_raw_markup(project, site):
    _hostile_library(project)
    out = site(**material_search())  # Pagefind's side: test_search.py
    raw = (out / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in raw  # the text is indexed, as text
    for entry in json.loads(raw)["docs"]:
        for key in ("title", "text"):
            assert RAW_SCRIPT not in entry.get(key, ""), (entry["location"], key)
        for tag in entry.get("tags", ()):
            assert RAW_SCRIPT not in tag, entry["location"]


def test_title_cannot_break_out_of_the_title_element(project, site):
    breaking = "</title><script>alert(2)</script>"
    project.write("case_studies/hospital-circles.md", front_matter(CASE, title=f'"{breaking}"'))
    out = site()
    for url, path in html_pages(out).items():
        text = path.read_text(encoding="utf-8")
        assert "<script>alert(2)" not in text, f"/{url}"
    text = page_path(out, ITEM_PAGES["hospital-circles"]).read_text(encoding="utf-8")
    head = text.split("</head>")[0]
    titles = re.findall(r"<title>(.*?)</title>", head, re.S)
    assert len(titles) == 1 and "<" not in titles[0]
    assert unescape(titles[0]) == f"{breaking} - Test library"
    assert head.count("</title>") == 1


# ---------------------------------------------------------------- 6. fail before harm


def test_a_broken_item_stops_the_build_and_leaves_the_site_untouched(project, site, caplog):
    out = site()
    (out / "marker.txt").write_text("from the previous build", encoding="utf-8")
    before = snapshot(out)
    broken = CASE.replace(
        "competencies: [feedback-practice, strategic-thinking]",
        "competencies: [feedback-practice, strategic-thinkng]",
    )
    project.write("case_studies/hospital-circles.md", broken)
    line_number, line = next(
        (n, text) for n, text in enumerate(broken.splitlines(), 1) if "strategic-thinkng" in text
    )
    col = line.index("strategic-thinkng") + 1
    with caplog.at_level(logging.ERROR), pytest.raises((Abort, BuildError)) as raised:
        site()
    messages = [caplog.text, str(raised.value)]
    cause = raised.value.__context__ or raised.value.__cause__
    if cause is not None:
        messages.append(str(cause))
    reported = "\n".join(messages)
    assert (
        f"case_studies/hospital-circles.md:{line_number}:{col}: error: unknown competency "
        "'strategic-thinkng'" in reported
    ), reported
    assert "did you mean 'strategic-thinking'" in reported
    assert_unchanged(out, before)


def test_a_broken_taxonomy_reference_in_a_framework_also_keeps_the_site(project, site):
    out = site()
    before = snapshot(out)
    project.write(
        "playbooks/circle-milestones.md",
        FRAMEWORK.replace("requires: [norms]", "requires: [nroms]"),
    )
    with pytest.raises((Abort, BuildError)):
        site()
    assert_unchanged(out, before)


# ---------------------------------------------------------------- 7. --strict


def _link_to_a_draft(project) -> None:
    project.write("playbooks/circle-milestones.md", front_matter(FRAMEWORK, status="draft"))


def test_strict_build_fails_on_a_link_to_a_draft(project, site, caplog):
    _link_to_a_draft(project)
    with caplog.at_level(logging.WARNING), pytest.raises(Abort) as raised:
        site(strict=True)
    assert "strict" in str(raised.value)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "case_studies/hospital-circles.md" in r.getMessage() and "draft" in r.getMessage()
        for r in warnings
    ), [r.getMessage() for r in warnings]


def test_non_strict_build_succeeds_despite_the_warning(project, site):
    _link_to_a_draft(project)
    out = site(strict=False)
    links = _links_section(out, "hospital-circles")
    assert "Related" not in links  # the draft is left out of the published site
    assert links["Applies"] == [("Peer circles", ITEM_PAGES["peer-circles"])]


# ---------------------------------------------------------------- 8. drafts


DRAFT_TITLE = "Confidential succession plan"


def _with_draft(project) -> None:
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace(
            "site_name: Test library\n",
            "site_name: Test library\nsite_url: https://example.test/\n",
        ),
    )
    project.write(
        "playbooks/succession-plan.md",
        item_text(
            "playbook",
            DRAFT_TITLE,
            "[feedback-practice, strategic-thinking, delegation]",
            status="draft",
            related="[hospital-circles]",
            uses="[review-form]",
        ),
    )


def test_a_draft_is_nowhere_in_a_build(project, site):
    _with_draft(project)
    out = site(strict=True)
    assert not (out / "playbooks" / "succession-plan").exists()
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".js"}:
            text = path.read_text(encoding="utf-8")
            where = path.relative_to(out)
            assert DRAFT_TITLE not in text, f"the draft's title is in {where}"
            assert "succession-plan" not in text, f"the draft's id or URL is in {where}"
    # the places it would show are there, and list the published items
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.test/case_studies/hospital-circles/" in sitemap
    assert set(indexed_urls(out)) == {*ITEM_PAGES.values(), ""}  # the items and the home page
    assert {i["id"] for i in library_json(out)["items"]} == set(ITEM_PAGES)
    assert _links_section(out, "review-form") == {  # the draft uses it too: not shown
        "Used in": [("Peer circles", ITEM_PAGES["peer-circles"])]
    }
    assert "Related" not in _links_section(out, "hospital-circles") or all(
        "succession" not in link for _t, link in _links_section(out, "hospital-circles")["Related"]
    )
    hub = content(page(out, HUBS["strategic-thinking"]))
    assert [link for _t, link in cards(hub, HUBS["strategic-thinking"])] == [
        ITEM_PAGES["hospital-circles"]
    ]
    assert [
        link for _t, link in cards(content(page(out, "library/playbooks/")), "library/playbooks/")
    ] == [ITEM_PAGES["peer-circles"]]
    coverage = content(page(out, "coverage/"))
    assert DRAFT_TITLE not in coverage.text()


def test_serve_builds_the_draft_and_marks_it(project, site):
    _with_draft(project)
    out = site(command="serve")
    doc = page(out, "playbooks/succession-plan/")
    article = content(doc)
    assert article.find("h1").text() == DRAFT_TITLE
    assert "Draft" in article.find("header", "pb-header").text()
    # the preview lists it too, marked, so a reviewer can tell it from published items
    hub = content(page(out, HUBS["strategic-thinking"]))
    card = next(li for li in hub.find_all("li", "pb-card") if DRAFT_TITLE in li.text())
    assert "Draft" in card.text()
    assert "Draft" not in content(page(out, ITEM_PAGES["peer-circles"])).find("header").text()


# ---------------------------------------------------------------- 9. data out


def test_library_json_has_every_published_item_with_links_and_taxonomy(project, site):
    out = site()
    data = library_json(out)
    items = {i["id"]: i for i in data["items"]}
    assert set(items) == set(ITEM_PAGES)
    for item_id, url in ITEM_PAGES.items():
        record = items[item_id]
        assert record["url"] == url
        assert (out / record["url"] / "index.html").is_file()
        assert {"id", "url", "type", "title", "competencies", "links"} <= set(record)
    assert items["hospital-circles"]["type"] == "case-study"
    assert items["hospital-circles"]["title"] == "Circles at a hospital"
    assert items["hospital-circles"]["competencies"] == ["feedback-practice", "strategic-thinking"]
    links = {
        item_id: {(l["relation"], l["id"]) for l in r["links"]} for item_id, r in items.items()
    }
    assert links == {
        "peer-circles": {("Uses", "review-form"), ("Applied in", "hospital-circles")},
        "review-form": {("Used in", "peer-circles")},
        "hospital-circles": {("Applies", "peer-circles"), ("Related", "circle-milestones")},
        "circle-milestones": {("Related", "hospital-circles")},
    }
    taxonomy = data["taxonomy"]
    assert [c["id"] for c in taxonomy["competencies"]] == [
        "strategic-thinking",
        "delegation",
        "feedback-practice",
    ]
    assert {m["id"] for m in taxonomy["modalities"]} == {"coaching", "peer-feedback"}


def test_json_schemas_are_published_and_accept_the_fixture(project, site):
    import jsonschema
    import yaml

    out = site()
    folder = out / "schemas"
    names = sorted(p.name for p in folder.glob("*.json"))
    assert names == [
        "case-study.schema.json",
        "feedback-template.schema.json",
        "library.schema.json",
        "milestone-framework.schema.json",
        "playbook.schema.json",
        "taxonomy.schema.json",
    ]
    export = json.loads((out / "library.json").read_text(encoding="utf-8"))
    jsonschema.validate(export, json.loads((folder / "library.schema.json").read_text("utf-8")))
    for kind, text in {
        "case-study": CASE,
        "playbook": PLAYBOOK,
        "milestone-framework": FRAMEWORK,
        "feedback-template": TEMPLATE,
    }.items():
        schema = json.loads((folder / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert schema["$schema"].startswith("https://json-schema.org/")
        data = yaml.safe_load(text.split("---\n")[1])
        data = json.loads(json.dumps(data, default=str))  # dates as strings, as an editor sends
        jsonschema.validate(data, schema)
    taxonomy = json.loads((folder / "taxonomy.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(TAXONOMY), taxonomy)


def test_coverage_marks_gaps(project, site):
    out = site()
    url = "coverage/"
    table = content(page(out, url)).find("table", **{"data-pb-table": "coverage"})
    header = [th.text() for th in table.find("thead").find_all("th")][1:]
    assert header == ["Playbooks", "Case studies", "Milestone frameworks", "Feedback templates"]
    grid = {}
    for tr in table.find("tbody").find_all("tr"):
        name = tr.find("th").text()
        grid[name] = ["gap" if "pb-gap" in td.classes else td.text() for td in tr.find_all("td")]
    assert grid == {
        "Strategic thinking": ["gap", "1", "gap", "gap"],
        "Delegation": ["1", "gap", "gap", "gap"],
        "Feedback practice": ["1", "1", "1", "1"],
    }


def test_coverage_lists_items_due_for_review_by_reviewed_not_updated(project, site):
    today = date.today()
    project.write(
        "case_studies/hospital-circles.md",
        front_matter(
            CASE,
            updated=(today - timedelta(days=2)).isoformat(),  # edited lately, checked long ago
            reviewed=(today - timedelta(days=100)).isoformat(),
            owner="Nursing Education Team",
        ),
    )
    project.write(
        "playbooks/peer-circles.md",
        front_matter(
            PLAYBOOK,
            updated=(today - timedelta(days=900)).isoformat(),  # old edit, recent check
            reviewed=(today - timedelta(days=3)).isoformat(),
        ),
    )

    def due(out: Path) -> list[tuple[str, ...]]:
        article = content(page(out, "coverage/"))
        tables = article.find_all("table", **{"data-pb-table": "stale"})
        if not tables:
            return []
        return [
            (
                tr.find("a").text(),
                resolve("coverage/", tr.find("a").attrs["href"]),
                tr.find_all("td")[2].text(),
            )
            for tr in tables[0].find("tbody").find_all("tr")
        ]

    def never(out: Path) -> list[str]:
        article = content(page(out, "coverage/"))
        if not article.find_all("h2", id="unreviewed"):
            return []
        return [a.text() for a in article.find_all("ul")[-1].find_all("a")]

    out = site()
    assert due(out) == []  # the default (540 days): nothing checked that long ago
    assert "Circles at a hospital" not in never(out)
    assert "Peer circles" not in never(out)
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      stale_after_days: 30\n"),
    )
    out = site()
    assert due(out) == [
        ("Circles at a hospital", ITEM_PAGES["hospital-circles"], "Nursing Education Team")
    ]
    assert all(title != "Peer circles" for title, *_ in due(out))


# ---------------------------------------------------------------- 10. search


def test_search_index_tags_item_pages_with_competency_names(project, site):
    out = site(**material_search())  # Pagefind's filters: test_search.py
    index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
    entries = {d["location"]: d for d in index["docs"]}
    expected = {
        "peer-circles": {"Feedback practice", "Delegation"},
        "review-form": {"Feedback practice"},
        "circle-milestones": {"Feedback practice"},
        "hospital-circles": {"Feedback practice", "Strategic thinking"},
    }
    for item_id, names in expected.items():
        entry = entries[ITEM_PAGES[item_id]]
        assert names <= set(entry.get("tags", ())), (item_id, entry.get("tags"))
    assert "Strategic thinking" not in entries[ITEM_PAGES["peer-circles"]]["tags"]
    fields = index["config"]["fields"]
    assert "tags" in fields
    assert fields["tags"]["boost"] > fields["text"]["boost"]


# ---------------------------------------------------------------- 11. overrides


def test_theme_custom_dir_overrides_a_field_template(project, site):
    project.override(
        "fields/case-study.html",
        '<section class="my-case">Custom for {{ item.meta.organization }}</section>\n',
    )
    out = site()
    article = content(page(out, ITEM_PAGES["hospital-circles"]))
    assert article.find("section", "my-case").text() == "Custom for A regional hospital network"
    assert not article.find_all("table", **{"data-pb-table": "outcomes"})
    # the other types keep the package's templates
    assert content(page(out, ITEM_PAGES["peer-circles"])).find_all("ol", "pb-phases")


# ---------------------------------------------------------------- 12. URL collisions


def _build_error(site, caplog) -> str:
    """Build, expecting MkDocs to abort; return what the user is told (log and exceptions)."""
    with caplog.at_level(logging.ERROR), pytest.raises((Abort, BuildError)) as raised:
        site()
    cause = raised.value.__context__ or raised.value.__cause__
    return "\n".join([caplog.text, str(raised.value), str(cause or "")])


def test_two_files_at_one_url_stop_the_build(project, site, caplog):
    # a hand-written page in docs_dir and an item outside it, both at /case_studies/hospital-circles/
    project.write("content/case_studies/hospital-circles.md", "# Hand-written\n\nText.\n")
    reported = _build_error(site, caplog)
    assert "case_studies/hospital-circles/" in reported, reported
    # both files are named, each so a contributor can find it (paths from the project root,
    # as every other content error names them)
    assert "content/case_studies/hospital-circles.md" in reported, reported
    assert re.search(r"(?<!content/)case_studies/hospital-circles\.md", reported), reported


def test_a_url_collision_leaves_the_previous_site_untouched(project, site, caplog):
    out = site()
    (out / "marker.txt").write_text("from the previous build", encoding="utf-8")
    before = snapshot(out)
    project.write("content/browse.md", "# My own browse page\n")
    _build_error(site, caplog)
    assert_unchanged(out, before)


def test_a_hand_written_page_cannot_take_a_generated_pages_url(project, site, caplog):
    project.write("content/browse.md", "# My browse\n")
    reported = _build_error(site, caplog)
    assert "/browse/" in reported and "browse.md" in reported, reported


# ---------------------------------------------------------------- 13. items inside docs_dir


def test_items_under_docs_dir_are_published_once(project, site):
    project.write(
        "content/guides/quick-wins.md",
        item_text("playbook", "Quick wins", "[delegation]", related="[hospital-circles]"),
    )
    out = site()
    url = "guides/quick-wins/"
    doc = page(out, url)
    article = content(doc)
    assert len(article.find_all("div", "pb-item")) == 1
    assert article.find("h1").text() == "Quick wins"
    text = page_path(out, url).read_text(encoding="utf-8")
    assert "type: playbook" not in text
    assert not (out / "content").exists()
    # listed once on the browse page and the hub, and those links land on the page
    browse = [link for _t, link in cards(content(page(out, "browse/")), "browse/")]
    assert browse.count(url) == 1, browse
    hub = [link for _t, link in cards(content(page(out, HUBS["delegation"])), HUBS["delegation"])]
    assert hub.count(url) == 1, hub
    assert sorted(_links_section(out, "hospital-circles")["Related"]) == [
        ("Circle milestones", ITEM_PAGES["circle-milestones"]),
        ("Quick wins", url),
    ]
    # once in the data and the search index
    records = [i for i in library_json(out)["items"] if i["id"] == "quick-wins"]
    assert len(records) == 1 and records[0]["url"] == url
    assert indexed_urls(out).count(url) == 1
    # not in the nav either
    for page_url, path in html_pages(out).items():
        assert url not in nav_links(parse(path.read_text(encoding="utf-8")), page_url), page_url


def test_a_docs_dir_item_is_checked_like_the_others(project, site):
    project.write(
        "content/guides/quick-wins.md", item_text("playbook", "Quick wins", "[delegaton]")
    )
    with pytest.raises((Abort, BuildError)):
        site()


def test_a_build_leaves_nothing_frozen_for_the_collector(project, site):
    """The build freezes the checked library for Python's collector; a process that builds
    again and again (these tests, a host program) gets it back at its first collection after
    the build, and a second build does not keep the first one's frozen."""
    import gc

    site()
    assert gc.get_freeze_count() > 0  # not yet: `mkdocs build` would exit now
    gc.collect(0)  # the youngest generation's collection is enough
    assert gc.get_freeze_count() == 0
    site()
    site()  # no collection between: the first library is given back with the second
    gc.collect(0)
    assert gc.get_freeze_count() == 0
    assert len(gc.callbacks) == len(set(map(id, gc.callbacks)))  # one callback, not one a build
    # a build that fails after the library is frozen gives it back at once
    project.write(
        "failing_hook.py", "def on_post_page(output, **kwargs):\n    raise OSError('no room')\n"
    )
    config = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    project.write("mkdocs.yml", config + "hooks:\n  - failing_hook.py\n")
    with pytest.raises(OSError, match="no room"):
        site()
    assert gc.get_freeze_count() == 0


EXIT_WATCH = """
import gc, os, sys
from mkdocs.__main__ import cli

def watch(phase, info):
    if phase == "start" and sys.is_finalizing():
        os.write(1, f"frozen at exit: {gc.get_freeze_count()}\\n".encode())

gc.callbacks.append(watch)
sys.argv = ["mkdocs", "build", "-f", sys.argv[1]]
cli()
"""


def test_mkdocs_build_exits_without_walking_the_library_again(project):
    """In `mkdocs build`, the process exits after the build: Python's collection at exit
    finds the library still frozen, and does not walk it (0.2 s at 2,000 items)."""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_WATCH, str(project.root / "mkdocs.yml")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PLAYBOOK_PDF": "false"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    frozen = re.findall(r"frozen at exit: (\d+)", done.stdout)
    assert frozen and int(frozen[0]) > 10_000, done.stdout


def test_edit_this_page_leads_to_the_items_own_file(project, site):
    config = (
        (project.root / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .replace("  name: material\n", "  name: material\n  features: [content.action.edit]\n")
    )
    project.write(
        "mkdocs.yml",
        config + "repo_url: https://git.example.org/team/library/\nedit_uri: edit/main/content/\n",
    )
    out = site()
    for url, source in (
        ("case_studies/hospital-circles/", "case_studies/hospital-circles.md"),
        ("playbooks/peer-circles/", "playbooks/peer-circles.md"),
        ("", "content/index.md"),
    ):
        text = page_path(out, url).read_text(encoding="utf-8")
        assert f'href="https://git.example.org/team/library/edit/main/{source}"' in text, url


def test_related_never_repeats_an_item_linked_by_a_closer_relation(project, site):
    project.write(
        "playbooks/peer-circles.md",
        (project.root / "playbooks/peer-circles.md")
        .read_text(encoding="utf-8")
        .replace(
            "uses: [review-form]", "uses: [review-form]\nrelated: [review-form, circle-milestones]"
        ),
    )
    out = site()
    groups = _links_section(out, "peer-circles")
    assert groups["Uses"] == [("Review form", ITEM_PAGES["review-form"])]
    assert groups["Related"] == [("Circle milestones", ITEM_PAGES["circle-milestones"])]


def _top_of_nav(out: Path, url: str) -> dict[str, tuple[bool, str]]:
    """The primary nav's top entries on the page at url: name -> (a section?, its link)."""
    nav = page(out, url).find("nav", "md-nav--primary").find("ul", "md-nav__list")
    entries = {}
    for li in nav.elements():
        first = next(e for e in li.elements() if e.tag in ("a", "label"))
        entries[first.text()] = ("md-nav__item--nested" in li.classes, first.attrs.get("href", ""))
    return entries


def test_a_nav_made_from_the_folders_lists_the_competencies_as_one_link(project, site):
    """With no `nav:` in mkdocs.yml, MkDocs makes a section of each folder: competencies/
    holds one page of the nav (its hubs are outside it), which would be a section named
    Competencies with one link named Competencies. It is a link, on every page (pages
    outside the nav get a cached copy); the site's own one-page folder stays a section."""
    project.write(
        "mkdocs.yml", MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      pdf: false\n")
    )
    project.write("content/team/index.md", "# Our team\n")
    out = site()
    for url, competencies in (
        ("", "competencies/"),
        (ITEM_PAGES["peer-circles"], "../../competencies/"),
        (HUBS["delegation"], "../"),
    ):
        top = _top_of_nav(out, url)
        assert top["Competencies"] == (False, competencies), (url, top)
        assert top["Team"][0], (url, top)
        assert top["Library"][0], (url, top)  # four pages: a section, as MkDocs made it


def test_the_table_of_contents_lists_the_structured_sections_in_page_order(project, site):
    out = site()
    url = ITEM_PAGES["peer-circles"]
    toc = page(out, url).find("nav", "md-nav--secondary")
    entries = [(a.text(), a.attrs["href"]) for a in toc.find_all("a", "md-nav__link")]
    assert entries[:5] == [
        ("Applied in", "#applied-in"),
        ("Phases", "#phases"),
        ("Measures", "#measures"),
        ("How it works", "#how-it-works"),  # the Markdown body's heading, after the fields
        ("Linked items", "#pb-links"),
    ]
    ids = {a.attrs.get("id") for a in content(page(out, url)).iter() if a.attrs.get("id")}
    assert {href[1:] for _text, href in entries} <= ids  # every entry leads to its heading

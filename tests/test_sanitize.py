"""Hostile Markdown bodies and values: what the built HTML keeps and what it loses.

The library from tests/payloads.py puts a script payload in every value and every body; the
site built from it must hold no executable trace of them, and keep the markup bodies need.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from payloads import write_payload_library
from playbook.core.policy import clean
from test_site import ITEM_PAGES, Node, content, html_pages, page, parse

# Where a URL may run script or load a document: these attributes on any element.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"}
DANGEROUS_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
NEVER = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory):
    from conftest import Project, build_site

    project = Project(tmp_path_factory.mktemp("payloads") / "lib")
    write_payload_library(project)
    return build_site(project.root, strict=False)  # every removal is warned: see below


def _url(value: str) -> str:
    """A URL as a browser reads it: entities decoded, spaces and control characters dropped."""
    return "".join(ch for ch in unescape(value) if ch > " ")


def _print_sheet(node: Node) -> bool:
    """The one data: URL a page of ours holds: an item's print style sheet (paper_style.html),
    a link to CSS that sets its printed page's band and nothing that runs or ends a tag."""
    import base64

    href = node.attrs.get("href") or ""
    prefix = "data:text/css;base64,"
    if node.tag != "link" or node.attrs.get("rel") != "stylesheet" or not href.startswith(prefix):
        return False
    sheet = base64.b64decode(href[len(prefix) :]).decode()
    code = re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', '""', sheet)  # what is not inside a string
    return (
        sheet.startswith("@media print{@page pb-")
        and "<" not in sheet
        and not re.search(r"javascript|expression|@import|url\((?!\"\")", code, re.I)
    )


def _problems(doc: Node) -> list[str]:
    found = []
    for node in doc.iter():
        if node.tag in NEVER:
            found.append(f"<{node.tag}> element")
        if node.tag == "meta" and node.attrs.get("http-equiv", "").lower() == "refresh":
            found.append("meta refresh")
        for name, value in node.attrs.items():
            if name.startswith("on"):
                found.append(f"<{node.tag} {name}=...>")
            dangerous = name in URL_ATTRIBUTES and DANGEROUS_URL.match(_url(value))
            if dangerous and not _print_sheet(node):
                found.append(f"<{node.tag} {name}={value[:40]!r}>")
            if name == "id" and node.attrs[name] == "__search" and node.tag != "input":
                found.append(f"<{node.tag} id=__search> shadows Material's search toggle")
        if node.tag == "script":
            text = "".join(c for c in node.children if isinstance(c, str))
            if node.attrs.get("type") == "application/json":
                json.loads(text)  # data stays data: a `</script>` breakout would break it
            elif "alert(" in text:
                found.append(f"an executable script holding a payload: {text[:60]!r}")
    return found


def test_no_page_carries_an_executable_payload(payload_site):
    pages = html_pages(payload_site)
    assert len(pages) >= 15
    for url, path in pages.items():
        problems = _problems(parse(path.read_text(encoding="utf-8")))
        assert not problems, f"/{url}: {problems}"


def test_without_clean_pages_items_are_filtered_and_hand_written_pages_left_whole(tmp_path):
    """By default only the library's pages are filtered: a hand-written page keeps what its
    author wrote (its article), while titles, navigation and every page of ours stay clean."""
    from conftest import Project, build_site

    project = Project(tmp_path / "lib")
    write_payload_library(project, clean_pages=False)
    site = build_site(project.root, strict=False)
    kept = 0
    for url, path in html_pages(site).items():
        doc = parse(path.read_text(encoding="utf-8"))
        if url in ("", "about/"):
            article = content(doc)
            kept += len(_problems(article))
            article.children.clear()  # the author's, as written
        assert not _problems(doc), f"/{url}: {_problems(doc)}"
    assert kept > 20  # the hand-written pages' own payloads are there, as their author wrote


def test_bodies_keep_the_markup_they_need(payload_site):
    for url in (*ITEM_PAGES.values(), "", "about/"):
        article = content(page(payload_site, url))
        heading = article.find("h2", id="kept-a-heading")
        assert heading.find("a", "headerlink").attrs["href"] == "#kept-a-heading"
        table = next(t for t in article.find_all("table") if t.text().startswith("Measure Value"))
        styles = [th.attrs.get("style", "") for th in table.find_all("th")]  # Markdown's own
        assert [st.replace(" ", "").rstrip(";") for st in styles] == [
            "text-align:left",
            "text-align:right",
        ]
        assert article.find("div", "admonition").find("p", "admonition-title").text() == (
            "Kept admonition"
        )
        assert article.find("details", "info").find("summary").text() == "Kept details"
        code = article.find("div", "highlight").text()
        assert "print(\"<script>alert('code')</script>\")" in code, "code shows as text"
        # the links that were neutralised keep their text, without a dangerous target
        assert not [a for a in article.find_all("a") if a.text() == "plain javascript"]
        link = next(s for s in article.find_all("span") if s.text() == "plain javascript")
        assert not link.attrs
        safe = next(a for a in article.find_all("a") if a.text() == "attribute list link")
        assert safe.attrs == {"href": "https://example.org/"}


def test_payload_text_shows_as_text_and_templates_do_not_evaluate_it(payload_site):
    text = content(page(payload_site, ITEM_PAGES["peer-circles"])).text()
    assert '<script>alert("text-script")</script>' in text
    assert "{{ 7*7 }} {% if true %}jinja{% endif %} ${7*7}" in text
    assert "49" not in text


def test_the_check_warns_where_the_sanitizer_will_remove_something(project):
    from conftest import build_site
    from mkdocs.exceptions import Abort
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    lines = [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        "[go](javascript:alert(1))",
        "A paragraph.",
        '{: onclick="alert(1)" }',
        "![pixel](data:image/png;base64,AAAA)",
        "`<script>` in code is fine",
    ]
    case = project.root / "case_studies/hospital-circles.md"
    text = case.read_text(encoding="utf-8")
    first = text.count("\n") + 1  # the line the appended text starts on
    case.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    library, problems, _count = scan(read_settings(project.root))
    assert library is not None  # warnings: the library still builds without --strict
    found = [(p.line - first, p.col, p.message) for p in problems if p.severity == "warning"]
    assert found == [
        (0, 1, "the HTML element <script> is removed from the page"),
        (1, 18, "the event-handler attribute onerror is removed from the page"),
        (2, 6, "the javascript: address of this link is removed from the page"),
        (4, 4, "the event-handler attribute onclick is removed from the page"),
        (5, 10, "the data: address of this image is removed from the page"),
    ]
    with pytest.raises(Abort):
        build_site(project.root)  # --strict stops on them


def test_the_check_warns_from_the_sanitizers_own_allowlist(project):
    """Whatever clean() drops is warned about, and what it keeps is not: one allowlist."""
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    lines = [
        "<font color=red>red</font> <kbd>Ctrl</kbd> <abbr title=x>x</abbr>",
        "[call](tel:+441)",
    ]
    assert clean("<p>" + lines[0] + "</p>") == '<p>red <kbd>Ctrl</kbd> <abbr title="x">x</abbr></p>'
    assert clean('<a href="tel:+441">call</a>') == "<a>call</a>"
    case = project.root / "case_studies/hospital-circles.md"
    text = case.read_text(encoding="utf-8")
    first = text.count("\n") + 1
    case.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    _library, problems, _count = scan(read_settings(project.root))
    assert [(p.line - first, p.col, p.message) for p in problems] == [
        (0, 1, "the HTML element <font> is removed from the page"),
        (1, 8, "the tel: address of this link is removed from the page"),
    ]


@pytest.mark.parametrize(
    ("dirty", "kept"),
    [
        ('<a href="&#106;avascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="java&#x09;script:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="  JAVASCRIPT:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,&lt;script&gt;">x</a>', "<a>x</a>"),
        ('<img src="x" onerror="alert(1)">', '<img src="x">'),
        ('<p onclick="x" class="a" id="__drawer">t</p>', '<p class="a">t</p>'),
        ("<iframe src=//evil.test></iframe>kept", "kept"),
        ("<script>alert(1)</script><style>p{}</style>", ""),
        ('<svg onload="alert(1)"><circle/></svg>', ""),
        ('<a href="../case_studies/x/">rel</a>', '<a href="../case_studies/x/">rel</a>'),
        ('<a href="mailto:a@b.test">m</a>', '<a href="mailto:a@b.test">m</a>'),
        ('<td style="text-align: right; position: fixed">1</td>', "1"),  # outside a table
        ("<!-- hidden --><p>t</p>", "<p>t</p>"),
    ],
)
def test_clean_keeps_the_allowlist_only(dirty, kept):
    assert clean(dirty) == kept


def test_an_items_body_keeps_what_materials_extensions_make(project):
    """The filter sees what the contributor wrote, not what extensions make of it: content
    tabs, icons, code line anchors and task lists come through whole on an item's page, while
    the contributor's own raw HTML is filtered beside them."""
    from conftest import MKDOCS_YML, build_site

    project.write(
        "mkdocs.yml",
        MKDOCS_YML
        + "markdown_extensions:\n  - attr_list\n  - md_in_html\n"
        + "  - pymdownx.emoji:\n"
        + "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        + "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n"
        + "  - pymdownx.highlight:\n      anchor_linenums: true\n"
        + "  - pymdownx.superfences\n  - pymdownx.tabbed:\n      alternate_style: true\n"
        + "  - pymdownx.tasklist:\n      custom_checkbox: true\n",
    )
    case = project.root / "case_studies/hospital-circles.md"
    case.write_text(
        case.read_text(encoding="utf-8")
        + '\n=== "One"\n\n    First :material-account-circle:\n\n=== "Two"\n\n    Second\n\n'
        + '``` py linenums="1"\nprint(1)\n```\n\n- [x] done\n- [ ] to do\n\n'
        + '<span title="kept" onclick="alert(1)">raw</span>\n',
        encoding="utf-8",
    )
    site = build_site(project.root, strict=False)
    article = re.search(
        r"<article.*?</article>",
        (site / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8"),
        re.S,
    ).group(0)
    assert article.count('name="__tabbed_1"') == 2 and "<svg" in article
    assert 'id="__codelineno-0-1"' in article and article.count('type="checkbox"') == 2
    assert '<span title="kept">raw</span>' in article and "onclick" not in article

"""The plugin as a guest in a host site: a Material site of its own, written here, that uses
the Markdown features of Material's reference pages on hand-written pages, with the playbook
library beside them.

The host's hand-written pages are none of the plugin's business: each page's article must be
exactly what Material alone makes of it. The site is built twice from one tree with MkDocs'
own build, once with the plugin listed and once with `plugins: [search]` only, and the inner
HTML of each hand-written page's <article class="md-content__inner ..."> is compared byte for
byte. The one difference allowed is search's: with `search: pagefind` the plugin may wrap a
page's content in an element marked `data-pagefind-body` (that wrapper, and nothing inside it,
is taken away before comparing). The nav is outside the article, so the pages the plugin adds
to the nav do not count.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium, serve
from conftest import CASE, FRAMEWORK, PLAYBOOK, TAXONOMY, TEMPLATE, Project, build_site

HOST_YML = """\
site_name: Guest host
docs_dir: content
theme:
  name: material
  features:
    - content.tabs.link
    - content.code.annotate
    - content.tooltips
    - content.code.copy
plugins:
  - search
  - playbook:
      pdf: false
markdown_extensions:
  - abbr
  - admonition
  - attr_list
  - def_list
  - footnotes
  - md_in_html
  - tables
  - toc:
      permalink: true
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.betterem
  - pymdownx.caret
  - pymdownx.details
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.highlight:
      anchor_linenums: true
      line_spans: __span
      pygments_lang_class: true
  - pymdownx.inlinehilite
  - pymdownx.keys
  - pymdownx.mark
  - pymdownx.smartsymbols
  - pymdownx.superfences
  - pymdownx.tabbed:
      alternate_style: true
  - pymdownx.tasklist:
      custom_checkbox: true
  - pymdownx.tilde
"""

# The hand-written pages of the host, by file under docs_dir, with their URLs.
INDEX = """\
# Guest host

Welcome to a site that keeps a leadership library beside its own pages.
:material-account-circle: :smile: :fontawesome-brands-github: :octicons-heart-fill-24:{ .heart }

<div class="grid cards" markdown>

-   :material-clock-fast:{ .lg .middle } __Set up in 5 minutes__

    ---

    Install with `pip` and get up and running in minutes.

    [:octicons-arrow-right-24: Getting started](tabs.md)

-   :fontawesome-brands-markdown:{ .lg .middle } __It's just Markdown__

    ---

    Focus on your content and write it in [code](code.md).

    [:octicons-arrow-right-24: Reference](formatting.md)

-   :material-format-font:{ .lg .middle } __Made to measure__

    ---

    Change the colours, fonts, language, icons and more.

    [:octicons-arrow-right-24: Customization](admonitions.md#details)

</div>

[Subscribe to our newsletter](#){ .md-button }
[Send :fontawesome-solid-paper-plane:](#){ .md-button .md-button--primary }

:material-information-outline:{ title="Important information" }
[Hover me](https://example.com "I'm a tooltip!")
"""

TABS = """\
# Content tabs

=== "C"

    ``` c
    #include <stdio.h>

    int main(void) {
      printf("Hello world!\\n");
      return 0;
    }
    ```

=== "C++"

    ``` c++
    #include <iostream>

    int main(void) {
      std::cout << "Hello world!" << std::endl;
      return 0;
    }
    ```

## Linked tabs

=== "C"

    The second set, linked to the first by its labels.

=== "C++"

    Choosing *C++* above chooses it here too.

## Tabs in an admonition

!!! example

    === "Unordered list"

        * Sed sagittis eleifend rutrum
        * Donec vitae suscipit est

    === "Ordered list"

        1. Sed sagittis eleifend rutrum
        2. Donec vitae suscipit est
"""

CODE = """\
# Code blocks

``` py title="bubble_sort.py" linenums="1" hl_lines="2 3"
def bubble_sort(items):
    for i in range(len(items)):
        for j in range(len(items) - 1 - i):
            if items[j] > items[j + 1]:
                items[j], items[j + 1] = items[j + 1], items[j]
```

## Annotations

``` yaml linenums="1"
theme:
  features:
    - content.code.annotate # (1)!
```

1.  :man_raising_hand: I'm a code annotation! I can contain `code`, __formatted
    text__, images, ... basically anything that can be written in Markdown.

Lorem ipsum dolor sit amet, (1) consectetur adipiscing elit.
{ .annotate }

1.  :man_raising_hand: I'm an annotation in plain text.

## Inline code and keys

The `#!python range()` function is used to generate a sequence of numbers.

Press ++ctrl+alt+del++ to restart, or ++cmd+c++ to copy.
"""

FORMATTING = """\
# Formatting

Text can be ~~deleted~~ and ^^inserted^^, ==marked==, H~2~O and A^T^A.
Smart symbols: (c) (tm) (r) c/o +/- --> <-- 1/4.

The HTML specification is maintained by the W3C.

*[HTML]: Hyper Text Markup Language
*[W3C]: World Wide Web Consortium

## Task list

- [x] Lorem ipsum dolor sit amet, consectetur adipiscing elit
- [ ] Vestibulum convallis sit amet nisi a tincidunt
    * [x] In hac habitasse platea dictumst
    * [ ] Praesent sed risus massa
- [ ] Aenean pretium efficitur erat, donec pharetra

## Definitions

`Lorem ipsum dolor sit amet`

:   Sed sagittis eleifend rutrum. Donec vitae suscipit est.

`Cras arcu libero`

:   Aliquam metus eros, pretium sed nulla venenatis.

## A table

| Method      | Description                          | Cost |
| :---------- | :----------------------------------: | ---: |
| `GET`       | :material-check:     Fetch resource  | 1    |
| `PUT`       | :material-check-all: Update resource | 2    |
| `DELETE`    | :material-close:     Delete resource | 3    |

## Footnotes

Lorem ipsum[^1] dolor sit amet, consectetur adipiscing elit.[^2]

[^1]: Lorem ipsum dolor sit amet, consectetur adipiscing elit.
[^2]:
    Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nulla et euismod
    nulla. Curabitur feugiat, tortor non consequat finibus.
"""

ADMONITIONS = """\
# Admonitions and math

!!! note "Phasellus posuere in sem ut cursus"

    Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nulla et euismod
    nulla.

!!! tip inline end "Inline"

    Beside the text.

## Details

??? question "How to collapse?"

    Like this.

???+ warning "Open by default"

    Collapsible, and open.

## Math

$$
\\cos x=\\sum_{k=0}^{\\infty}\\frac{(-1)^k}{(2k)!}x^{2k}
$$

The homomorphism $f$ is injective if and only if its kernel is only the
singleton set $e_G$, because otherwise $\\exists a,b\\in G$ with $a\\neq b$ such
that $f(a)=f(b)$.

What arithmatex writes without `generic: true`, as a MathJax script (raw HTML here):

<script type="math/tex; mode=display">E = mc^2</script>
"""

PAGES = {
    "index.md": ("", INDEX),
    "tabs.md": ("tabs/", TABS),
    "code.md": ("code/", CODE),
    "formatting.md": ("formatting/", FORMATTING),
    "admonitions.md": ("admonitions/", ADMONITIONS),
}
ITEM_PAGES = ("playbooks/peer-circles/", "case_studies/hospital-circles/")


# ---------------------------------------------------------------- the article, as written


class _Article(HTMLParser):
    """Finds, by a real HTML parse, the source text between Material's <article
    class="md-content__inner ..."> start tag and its matching end tag."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.depth = 0
        self.start: int | None = None
        self.end: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "article" or self.end is not None:
            return
        if self.start is None:
            if "md-content__inner" in (dict(attrs).get("class") or "").split():
                self.start = self._offset() + len(self.get_starttag_text() or "")
                self.depth = 1
        else:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.start is not None and self.end is None:
            self.depth -= 1
            if self.depth == 0:
                self.end = self._offset()


def article(path: Path) -> str:
    """The inner HTML of the page's Material article, exactly as written in the file."""
    text = path.read_text(encoding="utf-8")
    finder = _Article(text)
    finder.feed(text)
    finder.close()
    assert finder.start is not None and finder.end is not None, f"no md-content__inner in {path}"
    return text[finder.start : finder.end]


class _SearchWrappers(HTMLParser):
    """The spans of the start and end tags of elements marked data-pagefind-body."""

    VOID = frozenset(
        {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    )

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.open: list[tuple[str, int | None]] = []
        self.cuts: list[tuple[str, int, int]] = []  # ("start" or "end", from, to)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        marked = "data-pagefind-body" in dict(attrs)
        if marked:
            start = self._offset()
            self.cuts.append(("start", start, start + len(self.get_starttag_text() or "")))
        self.open.append((tag, len(self.cuts) if marked else None))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                marked = self.open[index][1] is not None
                del self.open[index:]
                if marked:
                    end = self._offset()
                    self.cuts.append(("end", end, end + len(f"</{tag}>")))
                return


def without_search_wrapper(inner: str) -> str:
    """The article's HTML less any element the plugin wraps a page in for Pagefind: its tags
    and the newline the plugin writes inside each of them go, its content stays as is."""
    finder = _SearchWrappers(inner)
    finder.feed(inner)
    finder.close()
    for kind, start, end in sorted(finder.cuts, key=lambda cut: cut[1], reverse=True):
        if kind == "start" and inner[end : end + 1] == "\n":
            end += 1
        elif kind == "end" and inner[start - 1 : start] == "\n":
            start -= 1
        inner = inner[:start] + inner[end:]
    return inner


# ---------------------------------------------------------------- the host


def write_host(root: Path, yml: str = HOST_YML) -> Project:
    host = Project(root)
    host.write("mkdocs.yml", yml)
    for name, (_url, text) in PAGES.items():
        host.write(f"content/{name}", text)
    host.write("content/taxonomy.yml", TAXONOMY)
    host.write("playbooks/peer-circles.md", PLAYBOOK)
    host.write("playbooks/review-form.md", TEMPLATE)
    host.write("playbooks/circle-milestones.md", FRAMEWORK)
    host.write("case_studies/hospital-circles.md", CASE)
    return host


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    """The host built with the plugin and without it, from one tree: the same mkdocs.yml,
    the same docs_dir (taxonomy.yml in it is a plain file to MkDocs), the same library folders
    beside it (outside docs_dir, where MkDocs alone does not look); only the plugins differ."""
    host = write_host(tmp_path_factory.mktemp("guest") / "host")
    with_plugin = build_site(host.root, strict=True, site_dir=str(host.root / "site-with"))
    alone = build_site(
        host.root, strict=True, site_dir=str(host.root / "site-alone"), plugins=["search"]
    )
    return with_plugin, alone


def page_file(site: Path, url: str) -> Path:
    path = site / url / "index.html"
    assert path.is_file(), f"no page at /{url}"
    return path


# ---------------------------------------------------------------- the tests


def test_the_library_is_there_beside_the_host(sites):
    with_plugin, alone = sites
    for url in ITEM_PAGES:
        assert 'class="pb-item' in page_file(with_plugin, url).read_text(encoding="utf-8")
        assert not (alone / url / "index.html").exists()


@pytest.mark.parametrize("name", list(PAGES))
def test_a_hand_written_page_is_what_material_alone_makes(sites, name):
    with_plugin, alone = sites
    url = PAGES[name][0]
    ours = without_search_wrapper(article(page_file(with_plugin, url)))
    theirs = article(page_file(alone, url))
    assert theirs.strip(), f"Material wrote an empty article for /{url}"
    if ours != theirs:
        # the first difference, with some context, for the failure message
        at = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(len(ours), len(theirs)),
        )
        how = " (in whitespace only)" if ours.split() == theirs.split() else ""
        pytest.fail(
            f"/{url}: the article differs from Material's{how} at character {at} "
            f"(lengths {len(ours)} and {len(theirs)}):\n"
            f"  with the plugin: {ours[max(0, at - 120) : at + 200]!r}\n"
            f"  Material alone:  {theirs[max(0, at - 120) : at + 200]!r}"
        )


def _count(site: Path, pattern: str) -> int:
    return sum(
        len(re.findall(pattern, article(page_file(site, url)))) for url, _text in PAGES.values()
    )


@pytest.mark.parametrize(
    ("what", "pattern", "at_least"),
    [
        # twemoji and Material's icons, inline
        ("svg icons and emoji", r"<svg\b", 12),
        ("the radio inputs of content tabs", r'<input\b[^>]*\bid="__tabbed_\d+_\d+"', 6),
        ("the labels of content tabs", r'<label\b[^>]*\bfor="__tabbed_\d+_\d+"', 6),
        ("the linked tabs' data-tabs", r"\bdata-tabs=", 3),
        ("code line number anchors", r'\bid="__codelineno-0-1"', 1),
        ("code line spans", r'\bid="__span-0-1"', 1),
        ("task list checkboxes", r'<input\b[^>]*type="checkbox"', 5),
        ("buttons", r'class="md-button', 2),
        ("inline and block math", r'class="arithmatex"', 6),
        ("MathJax's script", r'<script type="math/tex; mode=display">', 1),
        ("abbreviations", r"<abbr title=", 2),
        ("keys", r'<kbd class="key-', 3),
        ("footnotes", r'class="footnote-ref"', 2),
        ("a grid of cards", r'class="grid cards"', 1),
        ("collapsible details", r"<details\b", 2),
        ("heading permalinks", r'class="headerlink"', 10),
    ],
)
def test_materials_features_survive_on_hand_written_pages(sites, what, pattern, at_least):
    with_plugin, alone = sites
    theirs = _count(alone, pattern)
    assert theirs >= at_least, f"the host's pages should have {what} (Material alone: {theirs})"
    assert _count(with_plugin, pattern) == theirs, f"{what}: with the plugin, not as many"


def test_the_host_builds_strict_with_no_warning(tmp_path, caplog):
    """`strict: true` in the host's own mkdocs.yml (no override): no warning at all."""
    host = write_host(
        tmp_path / "host",
        HOST_YML.replace("docs_dir: content\n", "docs_dir: content\nstrict: true\n"),
    )
    with caplog.at_level(logging.WARNING):
        site = build_site(host.root, strict=None)  # None: mkdocs.yml's own `strict`
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [], [f"{r.name}: {r.getMessage()}" for r in warnings]
    for url, _text in PAGES.values():
        assert page_file(site, url).is_file()
    for url in ITEM_PAGES:
        assert page_file(site, url).is_file()


@pytest.mark.browser
def test_content_tabs_switch_in_chromium(sites):
    with_plugin, _alone = sites
    with serve(with_plugin) as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # no network here: twemoji's CDN image and the like are refused at once
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(base) else route.abort()
            ),
        )
        page.goto(base + "tabs/")
        first_set = page.locator(".tabbed-set").first
        blocks = first_set.locator(".tabbed-content > .tabbed-block")
        assert blocks.count() == 2
        assert blocks.nth(0).is_visible()
        assert not blocks.nth(1).is_visible()
        labels = first_set.locator(".tabbed-labels > label")
        assert labels.count() == 2, "the tabs' labels are gone"
        labels.nth(1).click()
        blocks.nth(1).wait_for(state="visible", timeout=5_000)
        assert blocks.nth(1).is_visible()
        assert not blocks.nth(0).is_visible()
        assert "std::cout" in blocks.nth(1).inner_text()
        assert errors == []

"""The library site with common MkDocs plugins beside ours, one at a time.

Each case builds the conftest fixture library (a taxonomy, one item of each type, a home page)
with one more plugin in mkdocs.yml, listed where its documentation puts it, with the least
configuration it needs, by MkDocs' own build in strict mode. Every case asserts that the build
passes with no warning and no traceback, and that the item pages are still ours: the case
study and the playbook exist, carry their competency chips (links to competencies/<id>/) and
link to each other (the case study applies the playbook; the playbook lists it back), and
that Pagefind indexed the pages as their content gave them, while the templates rendered (no
plugin here changes a page after its content, so none makes it start again). Then one
assertion per plugin that it did its job, on the item pages where it applies:

- i18n (mkdocs-static-i18n) cannot work beside ours (it drops every page outside docs_dir and
  builds each language again inside the first build): the build stops with an error that says
  so and why, with no traceback (test_i18n_is_refused_in_words);
- rss (mkdocs-rss-plugin): the feed lists the item pages, dated by their git commit;
- git-revision-date-localized: an item page shows its file's commit date, not today's;
- redirects (mkdocs-redirects): redirect pages to a hand-written page and to an item page;
- minify (mkdocs-minify-plugin): the item page's HTML is minified, its chips kept; listed
  before ours and dropping HTML comments too, with either search (our pages are finished
  before any other plugin's on_post_page); a hook that drops them earlier is named;
- minify-html (mkdocs-minify-html-plugin, compiled): the same, after ours and before it;
- awesome-nav (mkdocs-awesome-nav): the nav of .nav.yml, on an item page too;
- macros (mkdocs-macros-plugin): a macro in a hand-written page is expanded, and never one
  in an item's text (test_macros_never_runs_what_a_contributor_wrote);
- blog (Material's): the post page exists;
- tags (Material's): the tags index lists a tagged page.

The plugins that read a page's source (git-revision-date-localized, rss with git) get a git
repository whose one commit is dated COMMITTED, so a date read from the real file is told apart
from a fallback to the build's date.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import Project, build_site

COMMITTED = "2024-03-05T12:00:00+00:00"
COMMITTED_DAY = "2024-03-05"
SITE_URL = "https://library.example.org/"
CASE_PAGE = "case_studies/hospital-circles/"
PLAYBOOK_PAGE = "playbooks/peer-circles/"
CHIPS = {
    CASE_PAGE: {"competencies/feedback-practice/", "competencies/strategic-thinking/"},
    PLAYBOOK_PAGE: {"competencies/feedback-practice/", "competencies/delegation/"},
}
LINKED = {CASE_PAGE: PLAYBOOK_PAGE, PLAYBOOK_PAGE: CASE_PAGE}


# ---------------------------------------------------------------- a tiny HTML reader


class _Links(HTMLParser):
    """Every <a> with its href, classes, and the classes of the elements it sits in."""

    VOID = frozenset(
        {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[set[str]] = []
        self.links: list[tuple[str, set[str], set[str]]] = []  # href, classes, inside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if tag == "a" and values.get("href") is not None:
            inside = set().union(*self.stack) if self.stack else set()
            self.links.append((values["href"] or "", classes, inside))
        if tag not in self.VOID:
            self.stack.append(classes | {f"<{tag}>"})

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if f"<{tag}>" in self.stack[index]:
                del self.stack[index:]
                return


def links(html_text: str, page_url: str) -> list[tuple[str, set[str], set[str]]]:
    """(site-relative URL, classes, classes of the ancestors) of each link on the page."""
    reader = _Links()
    reader.feed(html_text)
    reader.close()
    found = []
    for href, classes, inside in reader.links:
        target = urlsplit(urljoin("https://site.test/" + page_url, href))
        if target.netloc == "site.test":
            found.append((target.path.removeprefix("/"), classes, inside))
    return found


def page_html(site: Path, url: str) -> str:
    path = site / url / "index.html"
    assert path.is_file(), f"no page at /{url}: " + ", ".join(
        sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html"))
    )
    return path.read_text(encoding="utf-8")


def assert_item_pages_are_ours(site: Path) -> None:
    """Both item pages exist, with their competency chips and their links to each other."""
    for url, chips in CHIPS.items():
        html_text = page_html(site, url)
        assert 'class="pb-item' in html_text, f"/{url} is not an item page of ours"
        found = links(html_text, url)
        shown = {target for target, classes, _ in found if "pb-chip" in classes}
        assert shown == chips, f"/{url}: competency chips {shown}, not {chips}"
        linked = {  # cards under the linked items, and a playbook's cases near its top
            target
            for target, classes, inside in found
            if ("pb-card__title" in classes and "pb-links" in inside) or "pb-applied" in inside
        }
        assert LINKED[url] in linked, f"/{url} does not link to /{LINKED[url]}: {linked}"


# ---------------------------------------------------------------- the project


def mkdocs_yml(before: str = "", after: str = "", top: str = "") -> str:
    """The fixture's mkdocs.yml: `before` and `after` are plugin entries (YAML list items,
    two spaces in) listed before and after ours; `top` is more top-level settings."""
    return (
        "site_name: Test library\n"
        "docs_dir: content\n"
        f"{top}"
        "theme:\n"
        "  name: material\n"
        "plugins:\n"
        "  - search\n"
        f"{before}"
        "  - playbook:\n"
        "      pdf: false\n"
        f"{after}"
    )


def commit_all(root: Path) -> None:
    """Make the project a git repository with one commit of every file, dated COMMITTED."""
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": COMMITTED,
        "GIT_COMMITTER_DATE": COMMITTED,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    git = [
        "git",
        "-c",
        "user.name=Playbook Tests",
        "-c",
        "user.email=tests@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
    ]
    (root / ".gitignore").write_text("site/\n", encoding="utf-8")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "The library"]):
        subprocess.run([*git, *command], cwd=root, env=env, check=True, capture_output=True)


@dataclass
class Case:
    yml: str
    files: dict[str, str] = field(default_factory=dict)
    git: bool = False
    check: Callable[[Path], None] = lambda site: None


# ---------------------------------------------------------------- each plugin's job


def i18n_built(site: Path) -> None:  # the check it would have, were it supported
    assert 'lang="en"' in page_html(site, PLAYBOOK_PAGE)
    assert "Bienvenue" in page_html(site, "fr/")


def rss_lists_items(site: Path) -> None:
    feed = (site / "feed_rss_created.xml").read_text(encoding="utf-8")
    for url in CHIPS:
        assert f"<link>{SITE_URL}{url}</link>" in feed, f"the feed does not list /{url}"
    # each item dated by its file's commit (RFC 822), not by the build
    entries = re.findall(r"<item>.*?</item>", feed, re.S)
    for url in CHIPS:
        entry = next(e for e in entries if f"<link>{SITE_URL}{url}</link>" in e)
        assert "05 Mar 2024" in entry, f"/{url} is not dated by its commit: {entry}"


def git_date_on_items(site: Path) -> None:
    today = date.today().isoformat()
    for url in [*CHIPS, ""]:
        html_text = page_html(site, url)
        dates = re.findall(
            r'<span class="git-revision-date-localized-plugin[^"]*"[^>]*>([^<]*)</span>', html_text
        )
        assert dates, f"/{url} shows no revision date"
        assert COMMITTED_DAY in dates, f"/{url} shows {dates}, not the commit's {COMMITTED_DAY}"
        assert today not in dates or today == COMMITTED_DAY


def redirects_written(site: Path) -> None:
    for old, new in (("old-home/", ""), ("old-circles/", PLAYBOOK_PAGE)):
        html_text = page_html(site, old)
        refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html_text)
        assert refresh, f"/{old} is not a redirect page"
        assert urlsplit(urljoin("https://site.test/" + old, refresh.group(1))).path == f"/{new}"


def item_minified(site: Path) -> None:
    html_text = page_html(site, PLAYBOOK_PAGE)
    # htmlmin: no whitespace-only text between tags, no indentation left
    assert not re.search(r">\s*\n\s*<", html_text), "the item page is not minified"
    assert "<!--" not in html_text


def awesome_nav_on_items(site: Path) -> None:
    for url in ["", *CHIPS]:
        html_text = page_html(site, url)
        nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', html_text, re.S)
        assert nav and "Start here" in nav.group(0), f"/{url}: the nav is not .nav.yml's"


def macro_expanded(site: Path) -> None:
    html_text = page_html(site, "about/")
    assert "Six times seven is 42, says The coaching team." in html_text
    assert "{{" not in html_text


def blog_post(site: Path) -> None:
    post = page_html(site, "blog/2024/01/31/hello-from-the-blog/")
    assert "First post." in post
    assert "blog/2024/01/31/hello-from-the-blog/" in {
        target for target, _c, _i in links(page_html(site, "blog/"), "blog/")
    }


def tags_index(site: Path) -> None:
    html_text = page_html(site, "tags/")
    assert "Coaching" in html_text
    assert "guide/" in {target for target, _c, _i in links(html_text, "tags/")}, (
        "the tags index does not list the tagged page"
    )


I18N = Case(
    mkdocs_yml(
        before=(
            "  - i18n:\n"
            "      docs_structure: suffix\n"
            "      languages:\n"
            "        - locale: en\n"
            "          default: true\n"
            "          name: English\n"
            "          build: true\n"
            "        - locale: fr\n"
            "          name: Français\n"
            "          build: true\n"
        )
    ),
    files={"content/index.fr.md": "# Accueil\n\nBienvenue.\n"},
    check=i18n_built,
)


CASES = {
    "rss": Case(
        mkdocs_yml(
            top=f"site_url: {SITE_URL}\n",
            after='  - rss:\n      match_path: "(playbooks|case_studies)/.*"\n',
        ),
        git=True,
        check=rss_lists_items,
    ),
    "git-revision-date-localized": Case(
        mkdocs_yml(after="  - git-revision-date-localized:\n      type: iso_date\n"),
        git=True,
        check=git_date_on_items,
    ),
    "redirects": Case(
        mkdocs_yml(
            after=(
                "  - redirects:\n"
                "      redirect_maps:\n"
                "        old-home.md: index.md\n"
                "        old-circles.md: playbooks/peer-circles.md\n"
            )
        ),
        check=redirects_written,
    ),
    "minify": Case(
        mkdocs_yml(after="  - minify:\n      minify_html: true\n"),
        check=item_minified,
    ),
    "minify-html": Case(
        mkdocs_yml(after="  - minify_html\n"),
        check=item_minified,
    ),
    "awesome-nav": Case(
        mkdocs_yml(after="  - awesome-nav\n"),
        files={"content/.nav.yml": 'nav:\n  - Start here: index.md\n  - "*"\n'},
        check=awesome_nav_on_items,
    ),
    "macros": Case(
        mkdocs_yml(
            before="  - macros\n",
            top="extra:\n  team: The coaching team\n",
        ),
        files={"content/about.md": "# About\n\nSix times seven is {{ 6 * 7 }}, says {{ team }}.\n"},
        check=macro_expanded,
    ),
    "blog": Case(
        mkdocs_yml(before="  - blog\n"),
        files={
            "content/blog/index.md": "# Blog\n",
            "content/blog/posts/hello.md": (
                "---\ndate: 2024-01-31\n---\n\n# Hello from the blog\n\nFirst post.\n"
            ),
        },
        check=blog_post,
    ),
    "tags": Case(
        mkdocs_yml(before="  - tags\n"),
        files={
            "content/tags.md": "# Tags\n\n<!-- material/tags -->\n",
            "content/guide.md": "---\ntags:\n  - Coaching\n---\n\n# A guide\n\nTagged.\n",
        },
        check=tags_index,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_library_builds_beside(name: str, project: Project, caplog, monkeypatch) -> None:
    case = CASES[name]
    # as `mkdocs build` is run: in the project's folder (rss finds its git repository there)
    monkeypatch.chdir(project.root)
    project.write("mkdocs.yml", case.yml)
    for relative, text in case.files.items():
        project.write(relative, text)
    if case.git:
        commit_all(project.root)
    with caplog.at_level(logging.INFO):
        site = build_site(project.root, strict=True)
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [f"{r.name}: {r.getMessage()}" for r in noisy]
    assert "Traceback" not in caplog.text
    # Pagefind indexed the pages as their content gave them, while the templates rendered:
    # no plugin here changes a page after that
    assert "search: Pagefind started again" not in caplog.text
    assert "beside the pages" in caplog.text
    assert_item_pages_are_ours(site)
    case.check(site)


def test_i18n_is_refused_in_words(project: Project, caplog) -> None:
    from mkdocs.exceptions import Abort

    project.write("mkdocs.yml", I18N.yml)
    for relative, text in I18N.files.items():
        project.write(relative, text)
    with pytest.raises(Abort), caplog.at_level(logging.INFO):
        build_site(project.root, strict=True)
    said = caplog.text
    assert "cannot work beside `i18n`" in said and "drops every page" in said
    assert "Traceback" not in said


# Minifiers that drop HTML comments, listed before ours (their pages are finished first)
MINIFY_FIRST = {
    "minify": (
        "  - minify:\n      minify_html: true\n      htmlmin_opts:\n        remove_comments: true\n"
    ),
    "minify-html": "  - minify_html\n",
}


def _searched_by(yml: str, search: str) -> str:
    return yml.replace("      pdf: false\n", f"      pdf: false\n      search: {search}\n")


@pytest.mark.parametrize("minifier", list(MINIFY_FIRST))
@pytest.mark.parametrize("search", ["pagefind", "material"])
def test_a_minifier_listed_before_ours_gets_the_item_pages_whole(
    search: str, minifier: str, project: Project, caplog, monkeypatch
) -> None:
    """With Material's search, the parts of a page its index must not read as the page's text
    (an item's fields, facts and cross-links) wait in HTML comments until the page is finished.
    A plugin listed before ours finishes the page first: it must get them in place, or a
    minifier that drops comments deletes them from the site without a word."""
    monkeypatch.chdir(project.root)
    project.write("mkdocs.yml", _searched_by(mkdocs_yml(before=MINIFY_FIRST[minifier]), search))
    with caplog.at_level(logging.INFO):
        site = build_site(project.root, strict=True)
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [f"{r.name}: {r.getMessage()}" for r in noisy]
    if search == "pagefind":  # its markers were gone too: it read the pages again, and says
        assert "a plugin listed before `- playbook`" in caplog.text  # what to change
    item_minified(site)
    assert_item_pages_are_ours(site)
    for url in CHIPS:
        html_text = page_html(site, url)
        assert re.search(r"<section class=.?pb-fields", html_text), f"/{url} lost its fields"
        assert "playbook:later" not in html_text


def test_a_plugin_that_drops_the_held_back_parts_is_named(project: Project, caplog) -> None:
    """A hook that rewrites the page's content after ours, dropping HTML comments, leaves the
    held-back parts nowhere to go: the build says, once, which pages lost them and why."""
    project.write(
        "strip_comments.py",
        "import re\n\n\n"
        "def on_page_context(context, page, config, nav):\n"
        "    page.content = re.sub(r'<!--.*?-->', '', page.content or '', flags=re.S)\n"
        "    return context\n",
    )
    project.write("mkdocs.yml", _searched_by(mkdocs_yml(), "material"))
    with caplog.at_level(logging.WARNING):
        build_site(project.root, strict=False, hooks=["strip_comments.py"])
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 1, warned  # one warning for the build, not one a page
    said = warned[0]
    assert "miss the parts held back" in said, said
    for path in ("case_studies/hospital-circles.md", "playbooks/peer-circles.md"):
        assert path in said, said
    assert "comments that mark their places were removed" in said and "search: pagefind" in said
    assert "Traceback" not in caplog.text


def test_macros_never_runs_what_a_contributor_wrote(project: Project, monkeypatch) -> None:
    """mkdocs-macros renders each page's Markdown as a Jinja template, unsandboxed: in a case
    study, `{{ ... }}` would run whatever its author wrote inside the build (a pull request's
    CI job, with its secrets). The library's items are text; the site's own pages still
    expand their macros."""
    monkeypatch.chdir(project.root)
    case = CASES["macros"]
    project.write("mkdocs.yml", case.yml)
    for relative, text in case.files.items():
        project.write(relative, text)
    source = project.root / "case_studies" / "hospital-circles.md"
    probe = "Probe {{ 6 * 7 }} {{ config.site_name }} {{ range(3) | list }}"
    source.write_text(source.read_text(encoding="utf-8") + f"\n{probe}\n", encoding="utf-8")
    site = build_site(project.root, strict=True)
    shown = re.search(r"Probe [^<]*", page_html(site, CASE_PAGE))
    assert shown is not None and shown.group(0).strip() == probe, shown
    macro_expanded(site)

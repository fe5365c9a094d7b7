"""Hostile input, round two: one case per class, and `playbook check` and `mkdocs build
--strict` agree on each (both refuse, or both accept)."""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
from click.testing import CliRunner
from conftest import CASE, MKDOCS_YML, TAXONOMY, build_site
from mkdocs.exceptions import Abort
from playbook.cli import cli


def check(project) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--root", str(project.root)])
    return result.exit_code, result.output


def builds(project) -> bool:
    try:
        build_site(project.root, strict=True)
    except (Abort, SystemExit):
        return False
    return True


def _body(project, text: str) -> None:
    project.write("case_studies/hospital-circles.md", CASE + "\n" + text + "\n")


def _article(site) -> str:
    page = (site / "case_studies/hospital-circles/index.html").read_text(encoding="utf-8")
    return re.search(r"<article.*?</article>", page, re.S).group(0)


def test_titles_lose_their_markup_for_materials_tooltips(project):
    """`content.tooltips` shows a title as HTML: an entity-written payload in a raw title, a
    Markdown link's title or an attribute list's title arrives as text without markup."""
    _body(
        project,
        '<span title="&lt;img src=x &#111;nerror=alert(1)&gt;">a</span>\n\n'
        '[b](https://example.org/ "<img src=x onerror=alert(2)>")\n\n'
        "para\n{: title='<b onmouseover=alert(3)>' }\n",
    )
    code, said = check(project)
    assert code == 0 and said.count("the markup in this title") == 2  # raw and attribute list
    assert not builds(project)  # --strict stops on the warnings, as the check said
    site = build_site(project.root, strict=False)
    titles = re.findall(r'title="([^"]*)"', _article(site))
    assert titles and not any("<" in unescape(t) or ">" in unescape(t) for t in titles), titles


def test_materials_layout_classes_are_not_for_bodies(project):
    project.write("mkdocs.yml", MKDOCS_YML + "markdown_extensions:\n  - attr_list\n")
    _body(
        project,
        '<div class="md-dialog md-dialog--active"><a href="https://example.org/">Sign in again'
        "</a></div>\n\npara\n{: .md-header .kept }\n",
    )
    code, said = check(project)
    assert code == 0 and "the class md-dialog " in said and "the class md-header " in said
    assert not builds(project)
    site = build_site(project.root, strict=False)
    body = re.search(r'<section class="pb-body">.*?</section>', _article(site), re.S).group(0)
    classes = " ".join(re.findall(r'class="([^"]*)"', body)).split()
    assert "kept" in classes and not [c for c in classes if c.startswith("md-")], classes


def test_a_link_out_of_the_project_in_docs_dir_is_refused(project):
    os.symlink("/etc/passwd", project.root / "content/passwd.txt")
    code, said = check(project)
    assert code == 1 and "content/passwd.txt:1:1: error: symbolic links are not read" in said
    assert not builds(project)


@pytest.mark.parametrize("where", ["../elsewhere", "/tmp"])
def test_sources_outside_the_project_are_refused(project, where):
    (project.root.parent / "elsewhere").mkdir(exist_ok=True)
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", f"  - playbook:\n      sources: [{where}]\n"),
    )
    code, said = check(project)
    assert code == 1 and f"sources '{where}' is outside the project" in said
    assert "mkdocs.yml:1:1: error:" in said
    assert not builds(project)


def test_a_taxonomy_outside_the_project_or_linked_is_refused(project):
    outside = project.root.parent / "taxonomy.yml"
    outside.write_text(TAXONOMY, encoding="utf-8")
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", f"  - playbook:\n      taxonomy: {outside}\n"),
    )
    code, said = check(project)
    assert code == 1 and "is outside the project" in said and not builds(project)
    project.write("mkdocs.yml", MKDOCS_YML)
    (project.root / "content/taxonomy.yml").unlink()
    os.symlink(outside, project.root / "content/taxonomy.yml")
    code, said = check(project)
    assert code == 1 and "taxonomy" in said and not builds(project)
    assert "outside the project" in said or "symbolic link" in said


def test_a_competency_called_index_is_refused(project):
    project.write(
        "content/taxonomy.yml",
        TAXONOMY + "  - id: index\n    name: Index\n    description: Taken.\n",
    )
    # the taxonomy appends to modalities... put it among competencies instead
    project.write(
        "content/taxonomy.yml",
        TAXONOMY.replace(
            "modalities:", "  - id: index\n    name: Index\n    description: Taken.\nmodalities:"
        ),
    )
    code, said = check(project)
    assert code == 1 and "a competency cannot have the id 'index'" in said
    assert not builds(project)


@pytest.mark.parametrize(
    "page", ["content/pagefind.md", "content/library.json.md", "content/schemas/x.md"]
)
def test_a_page_where_the_build_writes_its_own_files_is_refused(project, page):
    project.write(page, "# Mine\n")
    code, said = check(project)
    assert code == 1 and "where the build writes" in said
    assert not builds(project)


@pytest.mark.parametrize(
    ("option", "value"), [("related_limit", "-1"), ("stale_after_days", "-30")]
)
def test_options_out_of_range_are_refused_alike(project, option, value):
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", f"  - playbook:\n      {option}: {value}\n"),
    )
    code, said = check(project)
    assert code == 1 and option in said and "whole number" in said
    assert not builds(project)


@pytest.mark.parametrize("char", ["\\u200b", "\\u2028", "\\ufeff", "\\u2060"])
def test_zero_width_and_separator_characters_in_a_title_are_refused(project, char):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("title: Circles at a hospital", f'title: "Circles{char}at a hospital"'),
    )
    code, said = check(project)
    assert code == 1 and "case_studies/hospital-circles.md:3:8: error:" in said
    assert not builds(project)


def test_a_file_name_too_long_for_an_id_is_located(project):
    name = "a" * 248
    project.write(f"playbooks/{name}.md", (project.root / "playbooks/peer-circles.md").read_text())
    code, said = check(project)
    assert code == 1 and f"playbooks/{name}.md:1:1: error: the file name is 248 characters" in said
    assert "Traceback" not in said and not builds(project)


def test_images_from_elsewhere_are_refused_unless_their_host_is_allowed(project):
    _body(
        project,
        "![pixel](https://tracker.example.com/p.png)\n\n"
        '<img src="//tracker.example.com/q.gif" alt="q">\n\n'
        "[a link is fine](https://example.org/)\n",
    )
    code, said = check(project)
    assert code == 1 and said.count("loaded from another site (tracker.example.com)") == 2
    assert not builds(project)
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace(
            "  - playbook\n", "  - playbook:\n      remote_hosts: [tracker.example.com]\n"
        ),
    )
    code, said = check(project)
    assert code == 0, said
    site = build_site(project.root, strict=True)
    assert _article(site).count("tracker.example.com") == 2  # allowed: shown


def test_a_hand_written_page_keeps_its_images_from_elsewhere(project):
    """The host's own pages are the host's: only items (and, with clean_pages, hand-written
    pages) are held to the library's rules on remote images."""
    project.write("content/about.md", "# About\n\n![logo](https://cdn.example.com/logo.png)\n")
    code, said = check(project)
    assert code == 0, said
    site = build_site(project.root, strict=True)
    assert "https://cdn.example.com/logo.png" in (site / "about/index.html").read_text()


def test_an_item_cannot_publish_a_file_through_snippets(project, monkeypatch):
    """On a site that uses pymdownx.snippets (Material's documentation does), a case study
    line `--8<-- "secret.env"` would put that project file's text on its page. The check and
    the strict build refuse it, with its place; the site's own pages keep their snippets."""
    monkeypatch.chdir(project.root)  # snippets reads paths from where `mkdocs build` runs
    project.write(
        "mkdocs.yml",
        MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      pdf: false\n")
        + "markdown_extensions:\n  - pymdownx.snippets\n",
    )
    project.write("secret.env", "TOKEN=do-not-publish\n")
    project.write("content/part.md", "Shared words from the site.\n")
    project.write("content/guide.md", '# Guide\n\n--8<-- "content/part.md"\n')
    _body(project, 'The log:\n\n--8<-- "secret.env"\n')
    code, said = check(project)
    assert code == 1 and "case_studies/hospital-circles.md:" in said, said
    assert "takes another file's text into the page" in said
    assert not builds(project)
    _body(project, "The log, pasted: nothing to hide.\n")
    site = build_site(project.root, strict=True)
    assert "Shared words from the site." in (site / "guide/index.html").read_text()
    assert not [p for p in site.rglob("*.html") if "do-not-publish" in p.read_text()]


def test_a_full_disk_is_one_line_and_no_traceback(project, monkeypatch, caplog):
    import errno

    import playbook.mkdocs.build as face

    def full(site, library):
        raise OSError(errno.ENOSPC, "No space left on device", str(site / "library.json"))

    monkeypatch.setattr(face, "write_export", full)
    with pytest.raises(Abort):
        build_site(project.root, strict=False)
    assert "could not be written at" in caplog.text and "No space left on device" in caplog.text
    assert "Traceback" not in caplog.text


def test_playbook_builds_write_failure_is_one_line(project, tmp_path):
    """What `playbook build` runs: MkDocs' command, whose failure to write the site (here a
    site folder under a file; a full disk alike) is said in one line, never a traceback."""
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    project.write(
        "mkdocs.yml", MKDOCS_YML.replace("  - playbook\n", "  - playbook:\n      pdf: false\n")
    )
    result = subprocess.run(
        [sys.executable, "-m", "playbook.mkdocs", "build", "-d", str(blocker / "site")],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "error: the site could not be written at" in result.stderr

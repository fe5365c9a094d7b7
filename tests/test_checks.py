"""Each rule of the content model, with the line and column of the problem it reports."""

from __future__ import annotations

import pytest
from conftest import CASE, FRAMEWORK, PLAYBOOK, TEMPLATE, load
from playbook.core.problems import ContentError
from playbook.core.types import RELATIONS
from playbook.mkdocs.config import read_settings
from playbook.site import scan
from pydantic import ValidationError


def test_fixture_library_loads_with_links_both_ways(project):
    library = load(project.root)
    assert set(library.items) == {
        "peer-circles",
        "review-form",
        "circle-milestones",
        "hospital-circles",
    }
    assert [i.id for i in library.by_type["playbook"]] == ["peer-circles"]
    assert {i.id for i in library.by_competency["feedback-practice"]} == set(library.items)
    outgoing = {(l.target, l.relation) for l in library.outgoing["hospital-circles"]}
    assert outgoing == {("peer-circles", "applies"), ("circle-milestones", "related")}
    incoming = {(l.source, l.relation) for l in library.incoming["review-form"]}
    assert incoming == {("peer-circles", "uses")}
    assert (RELATIONS["applies"].forward, RELATIONS["applies"].backward) == (
        "Applies",
        "Applied in",
    )
    assert library.items["hospital-circles"].url == "case_studies/hospital-circles/"


def test_library_is_immutable(project):
    library = load(project.root)
    with pytest.raises(TypeError):
        library.items["x"] = library.items["peer-circles"]  # type: ignore[index]
    with pytest.raises(ValidationError):
        library.items["peer-circles"].meta.title = "changed"  # type: ignore[misc]


def located(problems, line, col):
    found = [p for p in problems if (p.line, p.col) == (line, col)]
    assert found, f"no problem at {line}:{col} in {[str(p) for p in problems]}"
    return found[0]


def test_unknown_key_with_did_you_mean(problems_of):
    problems = problems_of(
        "case_studies/hospital-circles.md", CASE.replace("industry:", "industy:")
    )
    problem = located(problems, 8, 1)
    assert problem.message == "unknown key 'industy'"
    assert "did you mean 'industry'" in problem.hint
    assert any("'industry' is required" in p.message for p in problems)


def test_missing_required_key_points_at_the_opening_fence(problems_of):
    problems = problems_of(
        "case_studies/hospital-circles.md",
        CASE.replace("summary: Ward managers coached each other.\n", ""),
    )
    problem = located(problems, 1, 1)
    assert problem.message == "'summary' is required"


def test_nested_missing_key_points_at_its_mapping(problems_of):
    text = CASE.replace('    after: "86%"\n', "")
    problem = located(problems_of("case_studies/hospital-circles.md", text), 12, 5)
    assert problem.message == "'outcomes, first entry, after' is required"


def test_unknown_competency_names_the_nearest(problems_of):
    text = CASE.replace(
        "[feedback-practice, strategic-thinking]", "[feedback-practice, strategic-thinkng]"
    )
    problem = located(problems_of("case_studies/hospital-circles.md", text), 5, 35)
    assert problem.message == "unknown competency 'strategic-thinkng'"
    assert problem.hint == "did you mean 'strategic-thinking'?"


def test_unknown_modality_and_level(problems_of):
    text = CASE.replace("modalities: [peer-feedback]", "modalities: [peer-feedbak]").replace(
        "levels: [emerging]", "levels: [junior]"
    )
    problems = problems_of("case_studies/hospital-circles.md", text)
    assert located(problems, 6, 10).message == "unknown level 'junior'"
    assert "did you mean 'peer-feedback'" in located(problems, 9, 14).hint


def test_enum_value_with_choices(problems_of):
    text = TEMPLATE.replace("kind: rating", "kind: ratings")
    problem = located(problems_of("playbooks/review-form.md", text), 15, 11)
    assert "cannot be 'ratings'" in problem.message
    assert "did you mean 'rating'" in problem.hint


def test_unknown_type(problems_of):
    problem = located(problems_of("playbooks/x.md", "---\ntype: play-book\ntitle: t\n---\n"), 2, 7)
    assert problem.message == "unknown type 'play-book'" and "playbook" in problem.hint


def test_missing_type_and_missing_front_matter(problems_of):
    assert (
        located(problems_of("playbooks/x.md", "---\ntitle: t\n---\n"), 1, 1).message
        == "'type' is required"
    )
    assert "no front matter" in located(problems_of("playbooks/y.md", "# Title\n"), 1, 1).message


def test_hand_written_pages_without_type_are_not_items(project):
    project.write("content/about.md", "---\ntitle: About\n---\n# About\n")
    project.write("content/guide.md", "# Guide\n")
    library = load(project.root)
    assert "about" not in library.items and "guide" not in library.items


def test_items_may_live_under_content(project):
    project.write(
        "content/extra/team-form.md", TEMPLATE.replace("title: Review form", "title: Team form")
    )
    assert load(project.root).items["team-form"].path == "content/extra/team-form.md"


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("minutes: 20", "minutes: twenty", (7, 10), "whole number"),
        ("minutes: 20", "minutes: 0", (7, 10), "at least 1"),
        (
            "competencies: [feedback-practice]",
            "competencies: feedback-practice",
            (5, 15),
            "must be a list",
        ),
        ("title: Review form", "title: [a, b]", (3, 8), "must be text"),
        (
            "purpose: Review progress against milestones",
            "purpose:",
            (6, 9),
            "'purpose' has no value",
        ),
        ("    lines: 4", "    lines: 4\n    items: [a]", (9, 5), "'items' belongs to checklist"),
    ],
)
def test_value_types(problems_of, old, new, where, words):
    problems = problems_of("playbooks/review-form.md", TEMPLATE.replace(old, new))
    problem = located(problems, *where)
    assert words in problem.message, problem


def test_empty_required_value(problems_of):
    problems = problems_of(
        "playbooks/review-form.md",
        TEMPLATE.replace("purpose: Review progress against milestones", "purpose:"),
    )
    assert any("purpose" in p.message for p in problems)


def test_rating_section_needs_a_scale(problems_of):
    text = TEMPLATE.replace(
        "    scale: {min: 1, max: 5, low_label: Rarely, high_label: Always}\n", ""
    )
    problem = located(problems_of("playbooks/review-form.md", text), 13, 5)
    assert "has no scale" in problem.message and "scale:" in problem.hint


def test_checklist_section_needs_items_and_scale_is_ordered(problems_of):
    text = TEMPLATE.replace("    items: [Book a follow-up, Share with the coach]\n", "").replace(
        "min: 1, max: 5", "min: 5, max: 1"
    )
    problems = problems_of("playbooks/review-form.md", text)
    assert "has no items" in located(problems, 17, 5).message
    assert "must be below its max" in located(problems, 16, 12).message


@pytest.mark.parametrize(
    ("value", "words"),
    [("2026-02-30", "not a real date"), ("5 May 2026", "YYYY-MM-DD"), ("1700000000", "YYYY-MM-DD")],
)
def test_dates_are_real(problems_of, value, words):
    problem = located(
        problems_of("playbooks/peer-circles.md", PLAYBOOK.replace("2026-01-05", value)), 17, 10
    )
    assert words in problem.message


def test_bad_id_gets_a_slug_suggestion(problems_of):
    problem = located(
        problems_of(
            "playbooks/peer-circles.md",
            PLAYBOOK.replace("title: Peer circles", "title: Peer circles\nid: Peer_Circles"),
        ),
        4,
        5,
    )
    assert "not a valid id" in problem.message and "peer-circles" in problem.hint


def test_file_name_must_be_a_slug(problems_of):
    problem = located(problems_of("playbooks/Peer Circles 2.md", PLAYBOOK), 1, 1)
    assert "not a valid id" in problem.message and "peer-circles-2.md" in problem.hint


def test_duplicate_ids_across_the_library(problems_of):
    text = TEMPLATE.replace("title: Review form", "title: Another\nid: review-form")
    problem = located(problems_of("case_studies/zzz.md", text), 4, 5)
    assert "already used by playbooks/review-form.md" in problem.message


def test_references_resolve_to_the_right_type(problems_of):
    text = CASE.replace(
        "playbooks: [peer-circles]", "playbooks: [review-form, peer-circle]"
    ).replace("related: [circle-milestones]", "related: [hospital-circles]")
    problems = problems_of("case_studies/hospital-circles.md", text)
    assert "but 'playbooks' takes playbooks" in located(problems, 17, 13).message
    missing = located(problems, 17, 26)
    assert missing.message == "no item has the id 'peer-circle'" and "peer-circles" in missing.hint
    assert "refers to itself" in located(problems, 18, 11).message


def test_uses_takes_frameworks_and_templates(problems_of):
    problems = problems_of(
        "playbooks/peer-circles.md",
        PLAYBOOK.replace("uses: [review-form]", "uses: [hospital-circles]"),
    )
    assert "milestone frameworks or feedback templates" in located(problems, 16, 8).message


def test_requires_resolves_within_the_framework_and_has_no_cycles(problems_of):
    text = FRAMEWORK.replace(
        "        weeks: 2\n", "        weeks: 2\n        requires: [first-feedback]\n"
    )
    problems = problems_of("playbooks/circle-milestones.md", text)
    cycle = [p for p in problems if "go round in a circle" in p.message]
    assert len(cycle) == 1 and "norms -> first-feedback -> norms" in cycle[0].message
    text = FRAMEWORK.replace("requires: [norms]", "requires: [norm]")
    problem = located(problems_of("playbooks/circle-milestones.md", text), 20, 20)
    assert problem.message == "no milestone 'norm' in this framework" and "norms" in problem.hint


def test_milestone_ids_unique_and_competency_known(problems_of):
    text = (
        FRAMEWORK.replace("id: first-feedback", "id: norms")
        .replace("requires: [norms]", "requires: []")
        .replace("competency: delegation", "competency: delegate")
    )
    problems = problems_of("playbooks/circle-milestones.md", text)
    assert "used twice in this framework" in located(problems, 16, 13).message
    assert "did you mean 'delegation'" in located(problems, 18, 21).hint


def test_repeated_entries(problems_of):
    text = CASE.replace(
        "[feedback-practice, strategic-thinking]", "[feedback-practice, feedback-practice]"
    )
    assert (
        "listed twice"
        in located(problems_of("case_studies/hospital-circles.md", text), 5, 35).message
    )


def test_too_many_competencies(problems_of):
    text = CASE.replace(
        "[feedback-practice, strategic-thinking]", "[" + ", ".join(["delegation"] * 9) + "]"
    )
    assert (
        "at most 8" in located(problems_of("case_studies/hospital-circles.md", text), 5, 15).message
    )


def test_all_problems_in_one_run(project):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("industry:", "industy:").replace("strategic-thinking]", "strategic-thinkng]"),
    )
    project.write("playbooks/review-form.md", TEMPLATE.replace("minutes: 20", "minutes: x"))
    project.write("playbooks/broken.md", "---\ntitle: [\n---\n")
    _library, problems, count = scan(read_settings(project.root))
    assert {p.path for p in problems} == {
        "case_studies/hospital-circles.md",
        "playbooks/review-form.md",
        "playbooks/broken.md",
    }
    # an invalid file still has its references checked, and references *to* it are not reported
    assert any("strategic-thinkng" in p.message for p in problems)
    assert not any("review-form" in p.message for p in problems)
    assert count == 5
    with pytest.raises(ContentError) as raised:
        load(project.root)
    assert len(raised.value.problems) == len([p for p in problems if p.severity == "error"])


def test_link_to_a_draft_is_a_warning_and_drafts_leave_published_view(project):
    project.write(
        "playbooks/review-form.md", TEMPLATE.replace("minutes: 20", "minutes: 20\nstatus: draft")
    )
    library = load(project.root)
    assert [w.message for w in library.warnings] == [
        "'review-form' is a draft, so this link will not show in the built site"
    ]
    published = library.published()
    assert "review-form" not in published.items
    assert "peer-circles" not in published.incoming or all(
        l.source != "review-form" for l in published.incoming.get("peer-circles", ())
    )
    assert not published.outgoing.get("peer-circles")


def test_taxonomy_problems_are_located(project):
    project.write(
        "content/taxonomy.yml",
        "competencies:\n  - id: a\n    name: A\n    description: x\n  - id: a\n    name: B\n    descripton: y\n",
    )
    _library, problems, _count = scan(read_settings(project.root))
    tax = [p for p in problems if p.path == "content/taxonomy.yml"]
    assert any((p.line, p.col) == (7, 5) and "did you mean 'description'" in p.hint for p in tax)


def test_taxonomy_duplicate_ids(project):
    project.write(
        "content/taxonomy.yml",
        "competencies:\n  - {id: a, name: A, description: x}\n  - {id: a, name: B, description: y}\n",
    )
    _library, problems, _count = scan(read_settings(project.root))
    assert any(p.line == 3 and "defined twice" in p.message for p in problems)


def test_missing_taxonomy(project):
    (project.root / "content/taxonomy.yml").unlink()
    _library, problems, _count = scan(read_settings(project.root))
    assert any(p.path == "content/taxonomy.yml" and "missing" in p.message for p in problems)


def test_symlinks_are_refused_not_followed(project, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(CASE, encoding="utf-8")
    (project.root / "case_studies/link.md").symlink_to(outside)
    (project.root / "case_studies/folder").symlink_to(tmp_path)
    _library, problems, _count = scan(read_settings(project.root))
    messages = {p.path: p.message for p in problems}
    assert messages["case_studies/link.md"] == "symbolic links are not read"
    assert messages["case_studies/folder"] == "symbolic links are not read"


def test_settings_follow_the_plugin_options(project):
    project.write(
        "mkdocs.yml",
        "site_name: x\ndocs_dir: docs\nplugins:\n  - playbook:\n      taxonomy: vocab.yml\n      sources: [items]\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    )
    project.write("docs/index.md", "# Home\n")
    settings = read_settings(project.root)
    assert (settings.docs_dir, settings.taxonomy, settings.sources) == (
        "docs",
        "vocab.yml",
        ("items",),
    )


@pytest.mark.parametrize("char", ["\\x1b", "\\u202e", "\\u2066", "\\x00"])
def test_invisible_and_bidirectional_characters_are_refused(problems_of, char):
    text = CASE.replace("title: Circles at a hospital", f'title: "Circles{char}at a hospital"')
    problem = located(problems_of("case_studies/hospital-circles.md", text), 3, 8)
    assert "invisible character" in problem.message and "position 8" in problem.message


# ---------------------------------------------------------------- bodies: links and characters


def body_problems(problems_of, body: str, path: str = "case_studies/hospital-circles.md"):
    """The problems of the fixture case study with `body` as its Markdown (line 21 on)."""
    return problems_of(path, CASE.replace("## Context\n\nA network of hospitals.\n", body))


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        (
            "![A chart](../../../secret.png)\n",
            (21, 12),
            "image '../../../secret.png' points outside",
        ),
        ("See [it](../../etc/passwd).\n", (21, 10), "link '../../etc/passwd' points outside"),
        ("![x](/etc/passwd)\n", (21, 6), "is an absolute path"),
        ("![x](C:\\Users\\me\\secret.png)\n", (21, 6), "absolute file path"),
        ("![x](\\\\server\\share\\x.png)\n", (21, 6), "absolute file path"),
        ("[notes](file:///etc/passwd)\n", (21, 9), "file: address"),
        ("[notes](FILE:///C:/secret.txt)\n", (21, 9), "file: address"),
        ("Text.\n\n[notes]: File:///etc/passwd\n", (23, 10), "link reference 'File:"),
        ('<img src="file:///etc/passwd" alt="">\n', (21, 11), "HTML attribute src"),
        ('<a href="&#102;ile:///etc/passwd">x</a>\n', (21, 10), "file: address"),
        ("<file:///etc/hosts>\n", (21, 2), "file: address"),
        ('[ok](https://example.org){: href="file:///etc/passwd" }\n', (21, 35), "href"),
        ("![x](%2e%2e/%2e%2e/%2e%2e/secret.png)\n", (21, 6), "points outside"),
        ("![x](..\\..\\..\\secret.png)\n", (21, 6), "points outside"),
        ("[![badge](../../../b.svg)](https://example.org)\n", (21, 11), "image"),
        ('<img srcset="a.png 1x, ../../../b.png 2x">\n', (21, 24), "srcset"),
        ("A [link\nover lines](<../../../x y.md>)\n", (22, 14), "points outside"),
    ],
)
def test_links_and_images_may_not_leave_the_repository(problems_of, body, where, words):
    problems = body_problems(problems_of, body)
    assert len(problems) == 1, problems
    problem = located(problems, *where)
    assert words in problem.message, problem
    assert problem.hint == (
        "link to a file inside the repository with a relative path, or to an https:// address"
    )


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ('--8<-- ".git/config"\n', (21, 1), "'--8<--' takes another file's text"),
        ("Intro.\n\n  -8<-\n  mkdocs.yml\n  -8<-\n", (23, 3), "pymdownx.snippets"),
        ('```ini\n--8<-- "../secrets.env"\n```\n', (22, 1), "pymdownx.snippets"),
        ('Text {% include "../.env" %}\n', (21, 6), "'{% include' takes"),
        ('{%-\n  include-markdown "/etc/passwd" %}\n', (21, 1), "mkdocs-include-markdown"),
    ],
)
def test_an_item_may_not_take_in_another_files_text(problems_of, body, where, words):
    """pymdownx.snippets and mkdocs-include-markdown-plugin, on a site that uses them, would
    publish the file an item names: refused where it is written (snippets reads lines before
    Markdown, so inside code blocks too)."""
    problems = [p for p in body_problems(problems_of, body) if p.severity == "error"]
    problem = located(problems, *where)
    assert words in problem.message, problem
    assert problem.hint.startswith("an item's text is its own")


def test_snippets_written_as_text_and_hand_written_pages_are_left_alone(problems_of):
    # snippets' own escape (a `;` before the marker) and the marker inside a line are text
    body = ';--8<-- "x.md"\n\nScissors -8<- in a sentence, and {{ include }}.\n'
    assert [p for p in body_problems(problems_of, body) if p.severity == "error"] == []
    # a hand-written page is the site's own: its snippets are its maintainers' choice
    assert problems_of("content/guide.md", '# Guide\n\n--8<-- "content/part.md"\n') == []


def test_ordinary_links_and_links_in_code_are_fine(project):
    project.write(
        "case_studies/hospital-circles.md",
        CASE + "\n[a case](../playbooks/peer-circles.md) [top](#context) [mail](mailto:a@b.org)\n"
        "![chart](images/chart.png){ width=300 } [web](https://example.org/../../x)\n"
        "[js](javascript:alert(1)) ![d](data:image/png;base64,AAAA) [far](//cdn.example.org/x)\n"
        "<a href='../content/index.md'>home</a> [up](../index.md)\n\n"
        "Use `![x](/etc/passwd)` or ``[a](file:///x)`` in examples.\n\n"
        "```markdown\n![x](../../../secret.png)\n[y]: file:///etc/passwd\n```\n\n"
        "~~~~\n<img src='file:///x'>\n~~~~\n",
    )
    library, problems, _count = scan(read_settings(project.root))
    assert library is not None
    # no errors; the sanitizer's removals are warned about (see test_sanitize.py)
    assert [(p.severity, p.message.split(" is removed")[0]) for p in problems] == [
        ("warning", "the javascript: address of this link"),
        ("warning", "the data: address of this image"),
    ]


def test_hand_written_pages_are_checked_too(problems_of):
    problems = problems_of("content/guide/setup.md", "# Setup\n\n![shot](../../../shot.png)\n")
    assert "points outside the repository" in located(problems, 3, 9).message
    problems = problems_of("content/up.md", "---\ntitle: Up\n---\n[root](../README.md)\n")
    # inside the repository, so no error; but no page of the site either: MkDocs warns, and so
    # does the check, with the line
    assert [(p.severity, p.line, p.col) for p in problems] == [("warning", 4, 8)]
    assert "leads to no page" in problems[0].message


def test_a_control_character_in_the_body_is_refused(problems_of):
    problems = body_problems(problems_of, "A \u202eversed line and a bell\x07.\n\nNUL\x00\n")
    assert [(p.line, p.col) for p in problems] == [(21, 3), (23, 4)]  # the first of each line
    assert "invisible character, a right-to-left override (U+202E)" in problems[0].message
    assert "(U+0000)" in problems[1].message


# ---------------------------------------------------------------- URLs up to case and Unicode


def test_urls_equal_up_to_case_are_refused(project):
    project.write("case_studies/Team/plan.md", CASE.replace("title:", "id: plan-a\ntitle:"))
    project.write("case_studies/team/plan.md", CASE.replace("title:", "id: plan-b\ntitle:"))
    _library, problems, _count = scan(read_settings(project.root))
    assert [(p.path, p.line, p.col) for p in problems] == [("case_studies/team/plan.md", 1, 1)]
    assert "differs only in letter case from /case_studies/Team/plan/" in problems[0].message
    assert "case_studies/Team/plan.md" in problems[0].message
    assert "lowercase" in problems[0].hint


def test_urls_equal_up_to_unicode_normalisation_are_refused(project):
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    project.write(f"case_studies/{nfc}/plan.md", CASE.replace("title:", "id: plan-a\ntitle:"))
    project.write(f"case_studies/{nfd}/plan.md", CASE.replace("title:", "id: plan-b\ntitle:"))
    _library, problems, _count = scan(read_settings(project.root))
    assert len(problems) == 1 and "Unicode normalisation" in problems[0].message


def test_pages_and_generated_pages_equal_up_to_case(problems_of):
    assert "letter case" in located(problems_of("content/Browse.md", "# B\n"), 1, 1).message
    problems_of("content/About.md", "# About\n")
    problem = located(problems_of("content/about.md", "# about\n"), 1, 1)
    assert "from /About/, where content/About.md is published" in problem.message


def test_file_names_must_be_lowercase_ascii_slugs(problems_of):
    problem = located(problems_of("case_studies/Coaching-Pilot.md", CASE), 1, 1)
    assert "lowercase letters a-z" in problem.message and "'coaching-pilot.md'" in problem.hint
    problem = located(problems_of("case_studies/cafe\u0301.md", CASE), 1, 1)
    assert "not a valid id" in problem.message and "'cafe.md'" in problem.hint


def test_a_list_entry_read_as_a_mapping_gets_a_quoted_suggestion(problems_of):
    text = CASE.replace("lessons: [Fixed days help.]", "lessons:\n  - Rule one: fixed days")
    problem = located(problems_of("case_studies/hospital-circles.md", text), 17, 5)
    assert (
        problem.message
        == "'lessons, first entry' must be text, but its ': ' makes YAML read a `key: value` pair"
    )
    assert problem.hint == 'put the whole text in double quotes: "Rule one: fixed days"'
    text = CASE.replace("lessons: [Fixed days help.]", "lessons:\n  - [a, b]")
    problem = located(problems_of("case_studies/hospital-circles.md", text), 17, 5)
    assert "of this entry" in problem.hint and "`0:`" not in problem.hint


def test_code_hides_only_what_is_code():
    from playbook.core.bodycheck import check_body

    body = (
        "A lone ` backtick does not open code: [a](file:///x)\n\n"
        "`` a span with ` inside [b](file:///y) ``\n\n"
        "  ```\n  [c](file:///z)\n  ```\n"
        "[d](file:///after-the-fence)\n"
    )
    found = [(p.line, p.col) for p in check_body(body, "case_studies/x.md", 1)]
    assert found == [(1, 43), (8, 5)]


@pytest.mark.parametrize("name", ["night-shift.MD", "night-shift.markdown", "night-shift.Md"])
def test_a_markdown_file_with_another_ending_is_refused_not_skipped(problems_of, name):
    problems = problems_of(f"case_studies/{name}", CASE)
    assert [(p.line, p.col, p.message, p.hint) for p in problems] == [
        (
            1,
            1,
            f"'{name}' is not published: only files ending in .md are",
            "rename it to night-shift.md",
        )
    ]


@pytest.mark.parametrize("value", ["[case-study]", "{a: b}", "[]"])
def test_a_type_that_is_not_one_word_is_located(problems_of, value):
    problems = problems_of("case_studies/odd.md", f"---\ntype: {value}\ntitle: T\n---\n")
    assert [(p.line, p.col, p.message) for p in problems] == [(2, 7, "'type' must be one word")]


def test_a_capitalised_competency_is_one_mistake_and_one_error(problems_of):
    text = CASE.replace(
        "competencies: [feedback-practice, strategic-thinking]",
        "competencies: [feedback-practice, Delegation]",
    )
    problems = problems_of("case_studies/hospital-circles.md", text)
    assert len(problems) == 1, [str(p) for p in problems]
    assert "Delegation" in problems[0].message


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("31/12/2025", "did you mean 2025-12-31?"),
        ("2025/12/31", "did you mean 2025-12-31?"),
        ("03/04/2025", "did you mean 2025-03-04 or 2025-04-03?"),
        ("next week", "write it as YYYY-MM-DD"),
    ],
)
def test_a_date_written_another_way_gets_the_iso_form(problems_of, written, hint):
    text = CASE.replace("duration_months: 12", f"duration_months: 12\nupdated: {written}")
    (problem,) = problems_of("case_studies/hospital-circles.md", text)
    assert "is not a date in the form YYYY-MM-DD" in problem.message
    assert hint in problem.hint


def test_a_link_to_a_page_the_site_does_not_have_is_located(project):
    """The link MkDocs would warn about, without a line, is found by the check with its line
    and the page meant; links that lead somewhere are not reported."""
    from conftest import build_site
    from mkdocs.exceptions import Abort
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    # from content/about.md (about.md in the site) the item is playbooks/peer-circles.md
    project.write("content/about.md", "# About\n\nSee [the playbook](playbooks/peer-circles.md).\n")
    case = project.root / "case_studies/hospital-circles.md"
    case.write_text(
        case.read_text(encoding="utf-8")
        + "\nSee [the form](../playbooks/reveiw-form.md#top), [about](../about.md), "
        + "[browse](../browse.md) and [the circles](../playbooks/peer-circles.md).\n",
        encoding="utf-8",
    )
    _library, problems, _count = scan(read_settings(project.root))
    found = [p for p in problems if "leads to no page" in p.message]
    line = CASE.count("\n") + 2  # the line appended after a blank one
    assert [(p.path, p.line, p.col) for p in found] == [
        ("case_studies/hospital-circles.md", line, 16)
    ]
    assert "the site has no playbooks/reveiw-form.md" in found[0].message
    assert found[0].hint == "did you mean '../playbooks/review-form.md'?"
    assert found[0].severity == "warning"
    with pytest.raises(Abort):
        build_site(project.root)  # --strict: MkDocs warns about the same link

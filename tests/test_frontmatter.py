"""The safe front matter reader: every refused YAML feature, positions, and text kept as text."""

from __future__ import annotations

import tracemalloc

import pytest
from playbook.core.frontmatter import MAX_DEPTH, read_text


def only_problem(text: str | bytes):
    document = read_text(text, "f.md")
    assert document.data is None
    assert len(document.problems) == 1, document.problems
    return document.problems[0]


def test_text_stays_text():
    document = read_text(
        "---\na: NO\nb: 1.10\nc: 12:30\nd: yes\ne: 0o17\nf: ~\n---\nBody\n", "f.md"
    )
    assert document.ok
    assert document.data == {
        "a": "NO",
        "b": "1.10",
        "c": "12:30",
        "d": "yes",
        "e": "0o17",
        "f": None,
    }


def test_positions_count_the_opening_fence_as_line_one():
    document = read_text("---\ntitle: Hello\nlist:\n  - first\n  - second\n---\nBody\n", "f.md")
    assert document.positions.values[("title",)] == (2, 8)
    assert document.positions.keys[("title",)] == (2, 1)
    assert document.positions.values[("list", 1)] == (5, 5)
    assert document.body == "Body\n"
    assert document.body_line == 7


def test_bom_and_crlf_are_accepted():
    document = read_text(b"\xef\xbb\xbf---\r\ntitle: Hello\r\n---\r\nBody\r\n", "f.md")
    assert document.ok
    assert document.data == {"title": "Hello"}
    assert document.body == "Body\n"


def test_not_utf8_is_located():
    problem = only_problem(b"---\ntitle: caf\xe9\n---\n")
    assert (problem.line, problem.col) == (2, 11)
    assert "UTF-8" in problem.message


def test_unclosed_block_names_its_opening_line():
    problem = only_problem("---\ntitle: Hello\nsummary: never closed\n\nBody text\n")
    assert (problem.line, problem.col) == (1, 1)
    assert "opened on line 1 is never closed" in problem.message
    assert "---" in problem.hint


def test_no_front_matter_is_not_an_error_of_the_reader():
    document = read_text("# Just a page\n", "f.md")
    assert document.ok and document.data is None


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("---\na: &anchor x\nb: 1\n---\n", (2, 4), "anchors"),
        ("---\na: x\nb: *alias\n---\n", (3, 4), "aliases"),
        ("---\na: !!python/object:os.system x\n---\n", (2, 4), "tags"),
        ("---\na: !custom x\n---\n", (2, 4), "tags"),
        ("---\na: !!binary aGVsbG8=\n---\n", (2, 4), "tags"),
        ("---\ntitle: One\nsummary: s\ntitle: Two\n---\n", (4, 1), "appears twice"),
        ("---\n1: x\n---\n", (2, 1), "not text"),
        ("---\ntrue: x\n---\n", (2, 1), "not text"),
        ("---\n? [a, b]\n: x\n---\n", (2, 3), "plain text"),
        ("---\n? {a: b}\n: x\n---\n", (2, 3), "plain text"),
    ],
)
def test_refused_yaml_features(text, where, words):
    problem = only_problem(text)
    assert (problem.line, problem.col) == where
    assert words in problem.message
    assert problem.hint


def test_duplicate_key_hint_names_the_first_line():
    problem = only_problem("---\ntitle: One\nsummary: s\ntitle: Two\n---\n")
    assert "line 2" in problem.hint


def test_merge_key_is_refused():
    problem = only_problem("---\n<<: {a: b}\n---\n")
    assert "merge keys" in problem.message and (problem.line, problem.col) == (2, 1)


def test_alias_bomb_is_refused_with_little_memory():
    levels = ["a: &a ['x','x','x','x','x','x','x','x','x']"]
    for i in range(1, 10):
        levels.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    text = "---\n" + "\n".join(levels) + "\n---\n"
    tracemalloc.start()
    problem = only_problem(text)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "anchors" in problem.message
    assert peak < 1_000_000, f"an alias bomb used {peak} bytes"


def test_deep_nesting_is_capped():
    text = "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    problem = only_problem(text)
    assert f"more than {MAX_DEPTH} levels" in problem.message
    block = "---\n" + "".join("  " * i + f"k{i}:\n" for i in range(50)) + "---\n"
    assert "levels deep" in only_problem(block).message


def test_huge_front_matter_is_refused_before_parsing():
    text = "---\n" + "".join(f"key{i}: {'x' * 60}\n" for i in range(2000)) + "---\n"
    problem = only_problem(text)
    assert "KiB" in problem.message and (problem.line, problem.col) == (1, 1)


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("---\ntitle: Lessons: what worked\n---\n", (2, 15), "colon"),
        ("---\ntitle: x\n\tsummary: y\n---\n", (3, 1), "tab"),
        ("---\ntitle: bell\x07\n---\n", (2, 12), "control character"),
        ("---\ntitle: [unclosed\n---\n", (2, 8), "never closed"),
        ("---\ntitle: x\n  summary: y\n---\n", (3, 3), "indented more than the key above"),
        ("---\ntitle: A: b\n  summary: y\n---\n", (2, 9), "colon"),
        (
            '---\ntitle: "Circles at a depot\nsummary: y\nafter: "86%"\n---\n',
            (2, 8),
            "not closed on its line, so YAML reads on and fails on line 4",
        ),
        ('---\ntitle: "Circles at a depot\nsummary: y\n---\n', (2, 8), "quote is never closed"),
        ("---\ntitle: 'Circles\n---\n", (2, 8), "quote is never closed"),
        ("---\ntitle: x\nA line of prose\nsummary: y\n---\n", (3, 1), "not a `key: value` pair"),
        ('---\nfunction: "Ops\\qteam"\n---\n', (2, 15), "escape sequence"),
        ('---\norganization: "C:\\Users\\me"\n---\n', (2, 20), "escape sequence"),
    ],
)
def test_broken_yaml_is_located_and_explained(text, where, words):
    problem = only_problem(text)
    assert (problem.line, problem.col) == where, problem
    assert words in problem.message
    assert problem.hint


def test_front_matter_must_be_a_mapping():
    problem = only_problem("---\n- a\n- b\n---\n")
    assert "key: value" in problem.message


@pytest.mark.parametrize(
    ("text", "where", "ends", "quoted"),
    [
        (
            "---\ntitle: Coaching #1 for new managers\n---\n",
            (2, 17),
            "the value ends at 'Coaching'",
            '"Coaching #1 for new managers"',
        ),
        (
            "---\nlessons:\n  - Keep circles small #peoplefirst\n---\n",
            (3, 24),
            "the value ends at 'Keep circles small'",
            '"Keep circles small #peoplefirst"',
        ),
        ("---\nfunction: #2 plant\n---\n", (2, 11), "the value is left empty", '"#2 plant"'),
        ("---\nupdated: 2026-01-05\t#reviewed\n---\n", (2, 21), "ends at '2026-01-05'", ""),
        ('---\ntitle: Say "hi" #1\n---\n', (2, 17), "ends at 'Say \"hi\"'", '"Say \\"hi\\" #1"'),
    ],
)
def test_a_comment_swallowing_text_is_located(text, where, ends, quoted):
    problem = only_problem(text)
    assert (problem.line, problem.col) == where, problem
    assert "read as a YAML comment and dropped" in problem.message and ends in problem.message
    assert "double quotes" in problem.hint and quoted in problem.hint


def test_a_comment_swallowing_the_end_of_a_multi_line_value():
    problem = only_problem("---\nsummary: Circles met\n  every month #1 rule\n---\n")
    assert (problem.line, problem.col) == (3, 15)
    assert "ends at 'Circles met every month'" in problem.message


def test_every_swallowing_comment_is_reported():
    document = read_text("---\ntitle: A #1\nlessons:\n  - B #2\n  - C #3\n---\n", "f.md")
    assert [(p.line, p.col) for p in document.problems] == [(2, 10), (4, 7), (5, 7)]


def test_ordinary_comments_and_hashes_inside_values_stay_allowed():
    text = (
        "---\n"
        "# A comment line, as `playbook new` writes them\n"
        "#no-space comment line\n"
        "title: Coaching in C# and F#\n"
        'subtitle: "Coaching #1 for new managers"\n'
        "other: 'Issue #2'\n"
        "lines: 4          # ruled write-in lines\n"
        "body: |\n"
        "  Step #1 stays text in a block\n"
        "link: https://example.org/page#section\n"
        "list: [a, b] #tags after a closing bracket\n"
        "---\n"
    )
    document = read_text(text, "f.md")
    assert document.ok, document.problems
    assert document.data["title"] == "Coaching in C# and F#"
    assert document.data["subtitle"] == "Coaching #1 for new managers"
    assert document.data["body"] == "Step #1 stays text in a block\n"


def test_a_comment_swallowing_text_in_any_yaml_file():
    from playbook.core.frontmatter import parse_yaml

    data, _positions, problems = parse_yaml("competencies:\n  - name: Priorities #1\n", "t.yml")
    assert data is None and [(p.line, p.col) for p in problems] == [(2, 22)]

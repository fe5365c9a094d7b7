"""Property-based tests: valid items always load; mutated items never raise, always locate."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from conftest import CASE, MKDOCS_YML, TAXONOMY
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from playbook.core import policy
from playbook.mkdocs.config import read_settings
from playbook.site import scan

HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "&a",
    "*a",
    "!!python/object:os.system",
    "{{ config }}",
    ": ",
    "- ",
    "\t",
    "\u202e",
    "\x00",
    "\x1b[31m",
    "NO",
    "1.10",
    "12:30",
    "~",
    "'",
    '"',
    "[",
    "{",
    "#",
    "|",
    ">",
    "%",
    "@",
    "`",
    "---",
    "\ufeff",
]


def _curly_wrapped(value: str) -> bool:
    """Refused by design (a word processor's quotes where YAML's were meant)."""
    return (
        len(value) > 1
        and value[0] in "\u201c\u2018\u201e\u00ab"
        and value[-1] in "\u201d\u2019\u201c\u00bb"
    )


def _accepted_text(value: str) -> bool:
    """Text the checker takes as it is. Invisible characters are refused by design, with
    their position (found on a fresh clone: an outcome of one byte order mark, U+FEFF, a
    format character)."""
    stripped = value.strip()
    return (
        bool(stripped)
        and len(stripped) <= 300
        and not _curly_wrapped(stripped)
        and not policy.INVISIBLE.search(value)
    )


text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
        blacklist_characters="\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    min_size=1,
    max_size=80,
).filter(_accepted_text)
VISIBLE_HOSTILE = [h for h in HOSTILE if h.strip() and h.isprintable() and h != "\u202e"]
hostile_text = st.one_of(text, st.sampled_from(VISIBLE_HOSTILE))
competency = st.sampled_from(["strategic-thinking", "delegation", "feedback-practice"])

case_studies = st.fixed_dictionaries(
    {
        "type": st.just("case-study"),
        "title": hostile_text,
        "summary": hostile_text,
        "competencies": st.lists(competency, min_size=1, max_size=3, unique=True),
        "organization": hostile_text,
        "industry": hostile_text,
        "modalities": st.lists(
            st.sampled_from(["coaching", "peer-feedback"]), min_size=1, max_size=2, unique=True
        ),
        "outcomes": st.lists(
            st.fixed_dictionaries(
                {"measure": hostile_text, "after": hostile_text}, optional={"before": hostile_text}
            ),
            min_size=1,
            max_size=3,
        ),
        "lessons": st.lists(hostile_text, max_size=3),
    },
    optional={"duration_months": st.integers(1, 520), "function": hostile_text},
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="pbprop-"))
    (root / "content").mkdir()
    (root / "case_studies").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "content/taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
    return root


def _scan_one(raw: bytes):
    root = _project()
    try:
        (root / "case_studies/item.md").write_bytes(raw)
        return scan(read_settings(root))
    finally:
        shutil.rmtree(root)


@SETTINGS
@given(case_studies)
@example(  # found on a fresh clone: a value that starts with a non-breaking space is text
    {
        "type": "case-study",
        "title": "0",
        "summary": "0",
        "competencies": ["strategic-thinking"],
        "organization": "0",
        "industry": "0",
        "modalities": ["coaching"],
        "outcomes": [{"measure": "0", "after": "\xa00"}],
        "lessons": [],
    }
)
@example(  # found on a fresh clone: a lone guillemet is text, not a curly-quoted value
    {
        "type": "case-study",
        "title": "0",
        "summary": "0",
        "competencies": ["strategic-thinking"],
        "organization": "0",
        "industry": "\u00ab",
        "modalities": ["coaching"],
        "outcomes": [{"measure": "0", "after": "0"}],
        "lessons": [],
    }
)
def test_generated_valid_items_always_load(data):
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    library, problems, _count = _scan_one(f"---\n{front}---\n\nBody\n".encode())
    assert library is not None, [str(p) for p in problems]
    item = library.items["item"]
    assert item.title == data["title"].strip()
    assert [o.after for o in item.meta.outcomes] == [o["after"].strip() for o in data["outcomes"]]


mutations = st.tuples(
    st.sampled_from(["insert", "replace-line", "delete-line", "duplicate-line", "truncate"]),
    st.integers(0, 10_000),
    st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=20),
        st.binary(max_size=8).map(lambda b: b.decode("latin-1")),
    ),
)


@SETTINGS
@given(st.lists(mutations, min_size=1, max_size=4), st.booleans())
def test_mutated_items_never_raise_and_every_problem_is_located(steps, as_bytes):
    lines = CASE.split("\n")
    for kind, where, fragment in steps:
        index = where % len(lines)
        if kind == "insert":
            line = lines[index]
            cut = where % (len(line) + 1)
            lines[index] = line[:cut] + fragment + line[cut:]
        elif kind == "replace-line":
            lines[index] = fragment
        elif kind == "delete-line" and len(lines) > 1:
            del lines[index]
        elif kind == "duplicate-line":
            lines.insert(index, lines[index])
        elif kind == "truncate":
            lines = lines[: index + 1]
    document = "\n".join(lines)
    raw = document.encode("utf-8", "surrogatepass")
    if as_bytes:
        raw = raw.replace(b"\xc3", b"\xff")  # sometimes not UTF-8 at all
    _library, problems, _count = _scan_one(raw)
    total_lines = raw.count(b"\n") + 1
    for problem in problems:
        assert problem.path in ("case_studies/item.md", "content/taxonomy.yml")
        assert 1 <= problem.line <= total_lines + 1, str(problem)
        assert problem.col >= 1 and problem.message


BAD = [
    ("industry: Healthcare", "industy: Healthcare", 8, "unknown key"),
    (
        "competencies: [feedback-practice, strategic-thinking]",
        "competencies: [nonsense]",
        5,
        "unknown competency",
    ),
    ("playbooks: [peer-circles]", "playbooks: [no-such-playbook]", 17, "no item has the id"),
    ("duration_months: 12", "duration_months: [12]", 10, "whole number"),
    ("organization: A regional hospital network", "organization: &x A", 7, "anchors"),
    ("organization: A regional hospital network", "organization: !!str A", 7, None),
    ("industry: Healthcare", "industry: Healthcare\nindustry: Retail", 9, "appears twice"),
    ("title: Circles at a hospital", "title: Circles: at a hospital", 3, "colon"),
]


@SETTINGS
@given(st.sampled_from(BAD), hostile_text)
def test_known_bad_mutations_are_located_errors(case, noise):
    old, new, line, words = case
    text = CASE.replace(old, new).replace(
        "Ward managers coached each other.",
        yaml.safe_dump(noise, allow_unicode=True, default_style='"', width=10**9).strip(),
    )
    library, problems, _count = _scan_one(text.encode())
    if words is None:  # an explicit !!str tag is harmless and allowed
        assert not [p for p in problems if p.line == line and p.severity == "error"]
        return
    assert library is None
    matching = [p for p in problems if p.line == line and words in p.message]
    assert matching, [str(p) for p in problems]

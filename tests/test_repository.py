"""The bundled library: clean, complete, and carrying the seed guides' concepts."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import build_site, load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def library():
    return load(ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_site(ROOT, strict=True, site_dir=str(tmp_path_factory.mktemp("site")))


def test_bundled_library_checks_clean():
    from playbook.mkdocs.config import read_settings
    from playbook.site import scan

    library, problems, count = scan(read_settings(ROOT))
    assert problems == [] and library is not None
    assert count >= 34


def test_library_has_what_the_starter_promises(library):
    counts = Counter(item.type for item in library)
    assert counts["playbook"] >= 4
    assert counts["milestone-framework"] >= 4
    assert counts["feedback-template"] >= 8
    assert counts["case-study"] >= 12
    assert 18 <= len(library.taxonomy.competencies) <= 24
    assert {
        "stretch-assignment",
        "coaching",
        "formal-education",
        "peer-feedback",
        "micro-learning",
        "project-work",
        "mentoring",
        "peer-coaching",
    } <= {m.id for m in library.taxonomy.modalities}


def test_every_competency_is_used_by_at_least_two_items(library):
    thin = {c.id: len(library.by_competency.get(c.id, ())) for c in library.taxonomy.competencies}
    assert {c: n for c, n in thin.items() if n < 2} == {}


def test_every_template_and_framework_is_used_by_a_playbook(library):
    for item in library:
        if item.type in ("feedback-template", "milestone-framework"):
            users = [
                link.source for link in library.incoming.get(item.id, ()) if link.relation == "uses"
            ]
            assert users, f"{item.path} is used by no playbook"


def test_case_studies_are_measurable_and_marked_illustrative(library):
    for item in library.by_type["case-study"]:
        assert item.meta.playbooks, item.path
        assert any(o.before for o in item.meta.outcomes), item.path
        assert "Illustrative case" in item.body, item.path


def _text(path: Path) -> str:
    raw = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(raw)).casefold()


def test_seed_concepts_are_in_the_built_site(built):
    concepts = yaml.safe_load((ROOT / "tests/data/seed_concepts.yml").read_text(encoding="utf-8"))
    assert len(concepts) >= 25
    pages = " ".join(_text(p) for p in built.rglob("*.html"))
    missing = [c["concept"] for c in concepts if c["find"].casefold() not in pages]
    assert missing == []
    seeds = {p.name for p in (ROOT.parent / "shared/seeds").glob("*.txt")}
    assert {c["seed"] for c in concepts} <= seeds and len({c["seed"] for c in concepts}) == 4


def test_properdocs_builds_the_library_strictly(tmp_path):
    """ProperDocs, the maintained MkDocs fork, builds the same site with --strict."""
    properdocs = Path(sys.executable).with_name("properdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [
            str(properdocs),
            "build",
            "--strict",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site/case_studies").is_dir()
    assert (tmp_path / "site/competencies/strategic-thinking/index.html").is_file()


def test_constraints_pin_every_dependency_of_the_project():
    """A fresh clone installs exactly what the suite passed with: every requirement of
    pyproject.toml (test extras included) has one pinned version in constraints.txt, and that
    version is one the requirement allows."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[canonicalize_name(name)] = version
    for text in wanted:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not pinned in constraints.txt (scripts/lock.sh)"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"constraints.txt pins {requirement.name}=={version}, outside {requirement.specifier}"
        )


def test_library_json_validates_against_the_schema_published_beside_it(built):
    """Issue #20: every item of the export failed the schema the site published (`links`,
    `source` and `url` were not allowed), and the file's top level had none."""
    import json

    import jsonschema

    data = json.loads((built / "library.json").read_text(encoding="utf-8"))
    assert data["$schema"] == "schemas/library.schema.json"
    schema = json.loads((built / data["$schema"]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not [e.message for e in validator.iter_errors(data)]
    assert len(data["items"]) >= 30
    # and it is strict: an unknown key, a record of no type, a missing link id all fail
    item = data["items"][0]
    for broken in ({**item, "colour": "red"}, {**item, "type": "memo"}, {**item, "links": [{}]}):
        assert not validator.is_valid({**data, "items": [broken]})
    assert not validator.is_valid({**data, "extra": 1})

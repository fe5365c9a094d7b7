"""The playbook command, run as a contributor and CI run it."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import CASE, load
from playbook.cli import cli
from playbook.core.types import TYPES

PLAYBOOK_BIN = [sys.executable, "-c", "from playbook.cli import main; main()"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_clean_library_exits_zero(project):
    result = run("check", "--root", str(project.root))
    assert result.exit_code == 0
    assert "checked 4 items: no problems" in result.output


def test_check_reports_located_errors_and_exits_one(project):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("strategic-thinking]", "strategic-thinkng]"),
    )
    result = run("check", "--root", str(project.root))
    assert result.exit_code == 1
    assert (
        "case_studies/hospital-circles.md:5:35: error: unknown competency 'strategic-thinkng'"
        in result.output
    )
    assert "  hint: did you mean 'strategic-thinking'?" in result.output
    assert "1 error in 1 file (checked 4 items)" in result.output


def test_check_github_annotations_are_escaped(project):
    project.write(
        "case_studies/hospital-circles.md",
        CASE.replace("title: Circles at a hospital", "title: a: b"),
    )
    result = run("check", "--root", str(project.root), "--format", "github")
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if l.startswith("::error"))
    assert line.startswith("::error file=case_studies/hospital-circles.md,line=3,col=")
    assert "title=playbook check::" in line
    assert "%0Ahint: " in line and "\n" not in line


def test_github_escaping_of_properties_and_data():
    from playbook.core.problems import Problem, github_annotation

    text = github_annotation(Problem("a,b:c%.md", 2, 3, "100% bad\r\nnext", "fix: it"))
    assert (
        text
        == "::error file=a%2Cb%3Ac%25.md,line=2,col=3,title=playbook check::100%25 bad%0D%0Anext%0Ahint: fix: it"
    )


def test_check_json_is_a_list(project):
    project.write("playbooks/broken.md", "---\ntitle: x\n")
    result = run("check", "--root", str(project.root), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data == [
        {
            "path": "playbooks/broken.md",
            "line": 1,
            "col": 1,
            "message": "the front matter opened on line 1 is never closed",
            "hint": "add a line holding only --- after the last key, before the Markdown text",
            "severity": "error",
        }
    ]


def test_check_finds_the_project_from_a_subfolder(project, monkeypatch):
    monkeypatch.chdir(project.root / "case_studies")
    assert run("check").exit_code == 0


@pytest.mark.parametrize("kind", TYPES)
def test_new_scaffolds_a_draft_that_passes_check(project, kind):
    title = 'Leading: "change" & <growth> in 2026'
    result = run("new", "--root", str(project.root), kind, title)
    assert result.exit_code == 0, result.output
    folder = "case_studies" if kind == "case-study" else "playbooks"
    path = project.root / folder / "leading-change-growth-in-2026.md"
    text = path.read_text(encoding="utf-8")
    assert "status: draft" in text and text.count("\n# ") >= 1
    item = load(project.root).items["leading-change-growth-in-2026"]
    assert item.title == title and item.draft and item.type == kind
    check = run("check", "--root", str(project.root))
    assert check.exit_code == 0, check.output


def _keys(model: type, found: set[str] | None = None) -> set[str]:
    """Every key a contributor may write for a model, nested models' keys included."""
    import typing

    from pydantic import BaseModel

    found = set() if found is None else found
    for name, field in model.model_fields.items():
        found.add(name)
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not model:
                    _keys(inner, found)
    return found


@pytest.mark.parametrize("kind", TYPES)
def test_the_scaffold_names_every_key_of_its_type(project, kind):
    """The scaffold is how a contributor learns the keys: none may be missing from it (set or
    shown in a comment)."""
    import re

    from playbook.core.types import ITEM_TYPES

    result = run("new", "--root", str(project.root), kind, "Every key")
    assert result.exit_code == 0, result.output
    folder = "case_studies" if kind == "case-study" else "playbooks"
    text = (project.root / folder / "every-key.md").read_text(encoding="utf-8")
    written = set(re.findall(r"^[#\s-]*\{?([a-z_]+):", text, re.M))
    written |= set(re.findall(r"[{,] ?([a-z_]+):", text))
    missing = _keys(ITEM_TYPES[kind].model) - written - {"id"}  # id: the file name
    assert not missing, missing


def test_new_never_overwrites(project):
    before = (project.root / "playbooks/peer-circles.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["new", "--root", str(project.root), "playbook", "Peer circles"]
    )
    assert result.exit_code != 0
    assert "playbooks/peer-circles.md already exists" in result.output
    assert (project.root / "playbooks/peer-circles.md").read_text(encoding="utf-8") == before


def test_new_refuses_a_title_without_letters(project):
    result = CliRunner().invoke(cli, ["new", "--root", str(project.root), "playbook", "!!!"])
    assert result.exit_code != 0 and "no usable file name" in result.output


def test_schema_writes_valid_schemas_that_accept_real_items(project, tmp_path):
    result = run("schema", "--root", str(project.root), "--out", str(tmp_path / "schemas"))
    assert result.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    expected = [f"{t}.schema.json" for t in TYPES] + ["taxonomy.schema.json", "library.schema.json"]
    assert names == sorted(expected)
    schema = json.loads((tmp_path / "schemas/case-study.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    front = yaml.safe_load(CASE.split("---")[1])
    front["updated"] = "2026-01-01"
    jsonschema.validate(front, schema)
    front["industy"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(front, schema)
    taxonomy = json.loads((tmp_path / "schemas/taxonomy.schema.json").read_text())
    jsonschema.validate(
        yaml.safe_load((project.root / "content/taxonomy.yml").read_text()), taxonomy
    )


def test_installed_command_prints_no_traceback_on_hostile_input(project):
    project.write("case_studies/evil.md", b"---\ntitle: \xff\xfe\n---\n")
    project.write("case_studies/bomb.md", "---\na: &a [x]\nb: [*a, *a]\n---\n")
    project.write("case_studies/deep.md", "---\na: " + "[" * 50000 + "\n---\n")
    project.write("case_studies/huge.md", "---\na: " + "[" * 100000 + "\n---\n")
    result = subprocess.run(
        [*PLAYBOOK_BIN, "check", "--root", str(project.root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "case_studies/evil.md:2:8: error:" in result.stdout
    assert "case_studies/bomb.md:2:4: error: YAML anchors" in result.stdout
    assert "case_studies/deep.md:2:" in result.stdout and "levels deep" in result.stdout
    assert "case_studies/huge.md:1:1: error: the front matter is 97 KiB" in result.stdout


def test_check_reads_mkdocs_yml_as_mkdocs_does(project, monkeypatch):
    """INHERIT, !ENV and -f: `playbook check` reads the configuration the build reads, with
    MkDocs' own loader, so the two never disagree about where the library is."""
    project.write(
        "elsewhere/extra.md", CASE.replace("title: Circles at a hospital", "title: Extra")
    )
    project.write("vocab/taxonomy.yml", (project.root / "content/taxonomy.yml").read_text())
    project.write(
        "base.yml",
        "site_name: Base\ndocs_dir: content\ntheme:\n  name: material\nplugins:\n  - search\n"
        "  - playbook:\n      sources: [elsewhere]\n"
        "      taxonomy: !ENV [PLAYBOOK_TAXONOMY, content/taxonomy.yml]\n",
    )
    project.write("mkdocs.yml", "INHERIT: base.yml\n")
    monkeypatch.setenv("PLAYBOOK_TAXONOMY", "vocab/missing.yml")
    result = run("check", "--root", str(project.root))
    assert "vocab/missing.yml:1:1: error: the taxonomy file is missing" in result.output
    monkeypatch.delenv("PLAYBOOK_TAXONOMY")
    result = run("check", "--root", str(project.root))
    assert "(checked 1 items)" in result.output, result.output  # elsewhere/, by INHERIT
    project.write("other.yml", "INHERIT: base.yml\nplugins:\n  - search\n  - playbook\n")
    result = run("check", "-f", str(project.root / "other.yml"))
    assert "checked 4 items: no problems" in result.output, result.output


def test_a_broken_configuration_is_one_line_not_a_traceback(project):
    project.write(
        "mkdocs.yml",
        "site_name: x\ndocs_dir: content\nplugins:\n  - playbook:\n      sources: case_studies\n",
    )
    result = subprocess.run(
        [*PLAYBOOK_BIN, "check", "--root", str(project.root)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Error: mkdocs.yml: " in result.stderr and "'sources'" in result.stderr


def test_a_scaffold_published_with_its_placeholders_is_refused(project):
    """`playbook new` writes a draft full of placeholders; publishing it as it is fails, at
    each placeholder, until the text is the contributor's own."""
    run("new", "--root", str(project.root), "case-study", "Leading change")
    path = project.root / "case_studies/leading-change.md"
    assert run("check", "--root", str(project.root)).exit_code == 0  # a draft: fine
    path.write_text(path.read_text().replace("status: draft", "status: published"))
    result = run("check", "--root", str(project.root))
    assert result.exit_code == 1
    assert "case_studies/leading-change.md:" in result.output
    assert "'Replace with the industry' is the text `playbook new` wrote" in result.output

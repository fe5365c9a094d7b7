"""Coverage-guided fuzzing (atheris, libFuzzer) of the front matter reader and the checker.

Each input is a file a contributor could commit: its first byte picks where it goes (a case
study, a playbook, or the taxonomy), the rest is its bytes. The whole check runs on a small
real library, as `playbook check` does. A crash is any exception, or a problem whose location
falls outside the file. Run by tests/test_fuzz.py for a bounded time; by hand:

    .venv/bin/python tests/fuzz_frontmatter.py -max_total_time=300 tests/hostile

A crash input is written to crash-*; copy it to tests/fuzz_regressions/ (test_fuzz.py replays
every file there through `one_input`) and fix the code.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import FRAMEWORK, MKDOCS_YML, PLAYBOOK, TAXONOMY, TEMPLATE  # noqa: E402
from playbook.core.settings import Settings
from playbook.mkdocs.config import read_settings  # noqa: E402

TARGETS = ("case_studies/fuzzed.md", "playbooks/fuzzed.md", "content/taxonomy.yml")


@cache
def project() -> Settings:
    """A small real library in a temporary folder, made once per process."""
    root = Path(tempfile.mkdtemp(prefix="pbfuzz-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for relative, text in {
        "mkdocs.yml": MKDOCS_YML,
        "content/taxonomy.yml": TAXONOMY,
        "playbooks/peer-circles.md": PLAYBOOK,
        "playbooks/review-form.md": TEMPLATE,
        "playbooks/circle-milestones.md": FRAMEWORK,
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "case_studies").mkdir()
    return read_settings(root)


def one_input(data: bytes) -> None:
    if not data:
        return
    settings = project()
    root = settings.root
    target = TARGETS[data[0] % len(TARGETS)]
    raw = data[1:]
    path = root / target
    for other in TARGETS[:2]:
        (root / other).unlink(missing_ok=True)
    if target.endswith("taxonomy.yml"):
        (root / "case_studies/fuzzed.md").write_text(
            "---\ntype: case-study\ntitle: T\n---\n", encoding="utf-8"
        )
    path.write_bytes(raw)
    from playbook.site import scan  # imported (and instrumented) by main() when fuzzing

    try:
        _library, problems, _count = scan(settings)
    finally:
        if target.endswith("taxonomy.yml"):
            path.write_text(TAXONOMY, encoding="utf-8")
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1  # as decoded
    for problem in problems:
        if problem.path != target:
            continue
        if not (1 <= problem.line <= lines + 1 and problem.col >= 1 and problem.message):
            raise AssertionError(f"badly located problem for {target}: {problem}")


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["playbook"]):  # coverage of the core guides it
        import playbook.core.library  # noqa: F401

    project()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

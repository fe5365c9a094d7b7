"""The synthetic library generator used by the benchmarks is valid by construction."""

from __future__ import annotations

from conftest import load
from playbook.core.synth import generate


def test_generated_library_is_valid_and_linked(tmp_path):
    library = load(generate(tmp_path / "lib", 300, seed=7))
    assert len(library) == 300
    counts = {kind: len(items) for kind, items in library.by_type.items()}
    assert counts == {
        "milestone-framework": 30,
        "feedback-template": 30,
        "playbook": 45,
        "case-study": 195,
    }
    assert sum(len(links) for links in library.outgoing.values()) > 300
    # competencies are skewed, so related-content weighting has rare and common ones to tell apart
    sizes = sorted(len(items) for items in library.by_competency.values())
    assert sizes[0] * 5 < sizes[-1]


def test_generation_is_deterministic(tmp_path):
    a = generate(tmp_path / "a", 50, seed=3)
    b = generate(tmp_path / "b", 50, seed=3)
    for file in sorted((a / "case_studies").iterdir()):
        assert file.read_bytes() == (b / "case_studies" / file.name).read_bytes()

"""The fuzz target runs in CI for a bounded time; every input it ever failed on is replayed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_frontmatter import one_input

HERE = Path(__file__).parent
REGRESSIONS = sorted((HERE / "fuzz_regressions").glob("*.bin"))
SECONDS = int(os.environ.get("PLAYBOOK_FUZZ_SECONDS", "60"))
# A fixed seed makes CI's run repeatable (a slower machine explores a prefix of the same
# sequence); set PLAYBOOK_FUZZ_SEED=0 for a random one when fuzzing by hand.
SEED = int(os.environ.get("PLAYBOOK_FUZZ_SEED", "20261121"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_inputs_the_fuzzer_failed_on_stay_fixed(path):
    one_input(path.read_bytes())


def _seeds(folder: Path) -> int:
    """The hostile corpus and the bundled library, each with its target byte in front."""
    root = HERE.parent
    sources = [(0, p) for p in (HERE / "hostile").rglob("*.md")]
    sources += [(0, p) for p in (root / "case_studies").glob("*.md")]
    sources += [(1, p) for p in (root / "playbooks").glob("*.md")]
    sources += [(2, root / "content" / "taxonomy.yml")]
    for n, (target, path) in enumerate(sources):
        (folder / f"{n:03d}-{path.name}").write_bytes(bytes([target]) + path.read_bytes())
    return len(sources)


def test_fuzzing_the_reader_and_checker_finds_no_crash(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert _seeds(corpus) >= 40
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    run = subprocess.run(
        [
            sys.executable,
            str(HERE / "fuzz_frontmatter.py"),
            f"-max_total_time={SECONDS}",
            f"-seed={SEED}",
            "-max_len=16384",
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 300,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # libFuzzer exits without atexit
    )
    found = list(crashes.iterdir())
    if found:  # keep it where a developer finds it, as a regression test to be
        keep = HERE / "fuzz_regressions" / f"new-{found[0].name}.bin"
        shutil.copy(found[0], keep)
    assert run.returncode == 0 and not found, (
        f"the fuzzer found a failing input, copied to {found and keep}:\n{run.stderr[-3000:]}"
    )
    executed = int(re.search(r"stat::number_of_executed_units: (\d+)", run.stderr).group(1))
    assert executed > 100
    print(f"\nfuzzing: {executed} inputs in {SECONDS} s, no crash")

"""Benchmarks on generated libraries. Prints a Markdown table; numbers, not assertions.

    python benchmarks/bench.py check [--sizes 1000,5000,10000]

`check`: `playbook check` wall time and peak memory (each size in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from playbook.synth import generate

CHECK = """
import json, resource, sys, time
from pathlib import Path
from playbook.library import scan
from playbook.settings import read_settings
start = time.perf_counter()
library, problems, count = scan(read_settings(Path(sys.argv[1])))
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "peak": peak, "items": count, "problems": len(problems)}))
"""


def measure_check(root: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, str(root)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def bench_check(sizes: list[int], workdir: Path) -> None:
    print("| items | check (s) | peak memory (MiB) | problems |")
    print("| ---: | ---: | ---: | ---: |")
    for size in sizes:
        root = generate(workdir / f"lib-{size}", size)
        result = measure_check(root)
        print(
            f"| {result['items']:,} | {result['seconds']:.2f} | "
            f"{result['peak'] / 2**20:.0f} | {result['problems']} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("what", choices=["check"])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="playbook-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        if args.what == "check":
            bench_check(sizes, workdir)


if __name__ == "__main__":
    main()

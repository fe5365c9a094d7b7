"""Benchmarks on generated libraries. Prints Markdown tables; numbers, not assertions.

    python benchmarks/bench.py check [--sizes 1000,5000,10000]
    python benchmarks/bench.py build [--sizes 1000,5000,10000] [--serve-size 2000]
    python benchmarks/bench.py serve [--serve-size 2000]
    python benchmarks/bench.py pdf [--sizes 2000,10000] [--with-plugins]
    python benchmarks/bench.py search [--sizes 1000,2000,10000] [--query mentor]
    python benchmarks/bench.py zensical [--sizes 2000,10000]

`check`: `playbook check` wall time and peak memory (each size in a fresh process).
`build`: everything issues #3 and #7 measure, in one run. For each size, `mkdocs build` with
the plugin (PDFs off, as in a preview; Pagefind's indexing included) against a plain Material
build of the same Markdown (the item files copied into docs_dir, Material's search on, items
kept out of the nav), and the plugin with `search: material` (the same search engine as the
plain build: what the plugin itself adds, issue #3's ratio), alternated, best of --repeat each; peak memory of each (the process and
its children, Pagefind's indexer among them); the plugin's site bytes per item, its search
index apart; then both sites served on loopback and opened in Debian's Chromium, which types a
one-word query in the header search: the bytes of every search response from the page's
opening to the first results (tests/browser.py), Pagefind's against Material's. Last, `serve`.
`serve`: `mkdocs serve` on a library of --serve-size items; one case study's title edited
three times; the seconds from saving to the new title on its page and on its playbook's page
(a backlink, on another page), with the fast preview and with `fast_preview: false`.
`pdf`: the default configuration (PDFs on, and `site_url` set, as a published site has it: its
printed pages carry QR codes) as issue #21 measures it: cold (no cache folder),
warm with no change and warm after editing one case study and one template, and PDFs off,
against the plain build; the PDF stage in PDFs per second per core (and the parts it laid out
for them: sheets, notes and run sheets; covers are laid out as a PDF is put together); the
peak memory of the build and every process it started, summed.
`zensical`: issue #17: `playbook build --builder zensical` beside `playbook build` (MkDocs)
and beside each builder's plain build of the same Markdown (see bench_zensical).
`search`: each library built with `search: pagefind` and with `search: material`, and the
bytes per query of each (as in `build`), with the indexing time and the bundle's files.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playbook.core.synth import generate

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import json, resource, sys, time
from pathlib import Path
from playbook.site import scan
from playbook.mkdocs.config import read_settings
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


PLAIN_YML = """\
site_name: Plain Material build of the same Markdown
docs_dir: content
theme:
  name: material
plugins:
  - search
nav:
  - index.md
not_in_nav: |
  /playbooks/
  /case_studies/
"""


SITE_URL = "site_url: https://playbooks.example.org/\n"

# --with-plugins: three common plugins listed beside ours, in both builds (a user's setup)
OTHER_PLUGINS = (
    "  - redirects:\n      redirect_maps:\n        old-home.md: index.md\n"
    "  - minify:\n      minify_html: true\n"
    "  - git-revision-date-localized:\n      type: iso_date\n"
)


def with_other_plugins(root: Path, configs: list[Path]) -> None:
    """List OTHER_PLUGINS in each config (after the last plugin) and make root a Git
    repository with one commit, which git-revision-date-localized reads."""
    for config in configs:
        text = config.read_text(encoding="utf-8")
        head, sep, tail = text.partition("\nplugins:\n")
        lines = tail.split("\n")
        end = next(
            (i for i, line in enumerate(lines) if line and not line.startswith(" ")),
            len(lines) - (lines[-1] == ""),
        )
        lines.insert(end, OTHER_PLUGINS.rstrip("\n"))
        config.write_text(head + sep + "\n".join(lines), encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "library"], cwd=root, check=True)


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def plain_copy(root: Path) -> Path:
    """The same Markdown as a plain MkDocs project: items copied into docs_dir."""
    plain = root.with_name(root.name + "-plain")
    shutil.rmtree(plain, ignore_errors=True)
    shutil.copytree(root / "content", plain / "content")
    for folder in ("playbooks", "case_studies"):
        shutil.copytree(root / folder, plain / "content" / folder)
    (plain / "mkdocs.yml").write_text(PLAIN_YML, encoding="utf-8")
    return plain


def bench_build(
    sizes: list[int],
    workdir: Path,
    repeat: int = 2,
    query: str = "mentor",
    start: str = "case_studies/case-00001/",
    serve_size: int = 2000,
    other_plugins: bool = False,
) -> None:
    """Issues #3 and #7 in one run: for each size, the plugin's build (Pagefind's indexing
    included) against a plain Material build of the same Markdown with its own search,
    alternated, best of `repeat` each; peaks; site bytes per item; then both sites served
    and searched in Chromium; last, the fast preview's rebuild in `mkdocs serve`."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium, measure_search, serve

    print(
        "| items | plugin build (s) | plain build (s) | ratio (#7) "
        "| plugin, `search: material` (s) | ratio (#3) | plugin peak (MiB) "
        "| plain peak (MiB) | site KB/item | Pagefind index (MB) | Pagefind KB/query "
        "| Material KB/query |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    previous = None
    with chromium() as browser:
        for size in sizes:
            root = generate(workdir / f"lib-{size}", size)
            plain = plain_copy(root)
            material_config = root / "mkdocs-material-search.yml"
            material_config.write_text(
                (root / "mkdocs.yml")
                .read_text(encoding="utf-8")
                .replace("  - playbook:\n", "  - playbook:\n      search: material\n"),
                encoding="utf-8",
            )
            if other_plugins:
                with_other_plugins(root, [root / "mkdocs.yml", material_config])
                with_other_plugins(plain, [plain / "mkdocs.yml"])
            plugin_site, plain_site = root / "site", plain / "site"
            # alternate the builds and keep each one's best run: this machine is noisy
            plugin_runs, material_runs, plain_runs = [], [], []
            for _ in range(repeat):
                plugin_runs.append(build_logged(root / "mkdocs.yml", plugin_site)[:2])
                material_runs.append(build_logged(material_config, root / "site-material")[0])
                plain_runs.append(build_logged(plain / "mkdocs.yml", plain_site)[:2])
            plugin_s, plugin_peak = min(plugin_runs)
            material_s = min(material_runs)
            plain_s, plain_peak = min(plain_runs)
            index_bytes = folder_bytes(plugin_site / "pagefind")
            per_item = (folder_bytes(plugin_site) - index_bytes) / size / 1000
            with serve(plugin_site) as base:
                pagefind = measure_search(browser, base, start, query)
            with serve(plain_site) as base:
                material = measure_search(browser, base, start, query)
            print(
                f"| {size:,} | {plugin_s:.1f} | {plain_s:.1f} | {plugin_s / plain_s:.2f} | "
                f"{material_s:.1f} | {material_s / plain_s:.2f} | {plugin_peak / 2**20:.0f} | {plain_peak / 2**20:.0f} | {per_item:.1f} | "
                f"{index_bytes / 1e6:.1f} | {pagefind.bytes() / 1000:.0f} | "
                f"{material.bytes() / 1000:,.0f} |",
                flush=True,
            )
            if previous:
                print(
                    f"<!-- growth {previous[0]}->{size}: x{plugin_s / previous[1]:.2f} -->",
                    flush=True,
                )
            previous = (size, plugin_s)
            shutil.rmtree(plain)
            shutil.rmtree(root)
    if serve_size:
        bench_serve(serve_size, workdir)


def _poll(url: str, text: str, timeout: float = 120) -> float:
    """Seconds until the page at url holds text (polled every 50 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if text in response.read().decode("utf-8"):
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{text!r} did not appear at {url} within {timeout} s")


def _serve_edits(root: Path, edits: int, *args: str) -> tuple[float, list[float], str]:
    """Start `mkdocs serve` in root; time its first build, then `edits` edits of one case
    study's title, each until both its page and its playbook's page (a backlink) show it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import mkdocs_serve

    case = root / "case_studies" / "case-00001.md"
    text = case.read_text(encoding="utf-8")
    playbook = re.search(r"^playbooks: \[([^\],]+)", text, re.M).group(1)
    log = root / "serve.log"
    try:
        with mkdocs_serve(root, log, *args) as base:
            first = _poll(base + "case_studies/case-00001/", "Case 00001", timeout=600)
            time.sleep(5)  # let a background indexing finish: it would compete for the CPU
            times = []
            for n in range(edits):
                title = f"Edited live {n}"
                case.write_text(
                    re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.M),
                    encoding="utf-8",
                )
                edited = time.perf_counter()
                _poll(base + "case_studies/case-00001/", title)
                _poll(base + f"playbooks/{playbook}/", title)
                times.append(time.perf_counter() - edited)
                time.sleep(6)
    finally:
        case.write_text(text, encoding="utf-8")
    return first, times, log.read_text(encoding="utf-8")


def bench_serve(size: int, workdir: Path, edits: int = 3) -> None:
    """`mkdocs serve` on a library of `size` items: an edit of one case study until the
    change shows on its page and on its playbook's, with the fast preview and without."""
    root = generate(workdir / f"lib-serve-{size}", size)
    config = root / "mkdocs.yml"
    fast = config.read_text(encoding="utf-8")
    print(
        f"\n`mkdocs serve`, {size:,} items, PDFs off: seconds from saving an edit of one "
        "case study to its new title on its page and on its playbook's page\n"
    )
    print("| rebuild | first build (s) | edit visible (s), each of 3 | pages rendered again |")
    print("| --- | ---: | --- | --- |")
    for label, text, args in (
        ("fast preview (`playbook serve`: `mkdocs serve --dirty`)", fast, ("--dirty",)),
        ("full (`mkdocs serve`)", fast, ()),
    ):
        config.write_text(text, encoding="utf-8")
        first, times, said = _serve_edits(root, edits, *args)
        planned = re.findall(r"preview: (\d+ of \d+) pages", said)
        print(
            f"| {label} | {first:.1f} | {', '.join(f'{t:.1f}' for t in times)} | "
            f"{', '.join(planned) or 'all'} |",
            flush=True,
        )
    shutil.rmtree(root)


def tree_peak(
    command: list[str], cwd: Path, env: dict[str, str], sample: bool = True
) -> tuple[float, int, str]:
    """Run a command in a session of its own: wall seconds, the peak of the summed memory of
    every process of that session (the build, its PDF workers and their Chromium, Pagefind;
    not a process that starts a session of its own, as Playwright's driver started Chromium
    until the fifth session of 2026-12-07, which this left uncounted), sampled every
    0.1 s (0 when not `sample`d: reading every process's memory takes CPU, more the more
    processes a build runs, so timed builds are not sampled), and its stderr. Memory is PSS:
    a page shared by several processes (a forked worker's inherited heap) counts once, in
    shares, as it costs the machine. The files the last command wrote are flushed first, so
    that their writing back does not slow this one."""
    os.sync()
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err,
            start_new_session=True,
        )  # fmt: skip
        peak = 0
        while sample and process.poll() is None:
            total = 0
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[3]) == process.pid:  # the session: pid == sid
                    total += _pss(stat.parent)
            peak = max(peak, total)
            time.sleep(0.1)
        process.wait()
        elapsed = time.perf_counter() - start
        err.seek(0)
        said = err.read()
    if process.returncode:
        raise RuntimeError(f"{command} failed:\n{said[-3000:]}")
    return elapsed, peak, said


def _pss(proc: Path) -> int:
    """A process's proportional set size in bytes (0 if it is gone)."""
    try:
        for line in (proc / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


PDF_LINE = re.compile(
    r"PDFs: (\d+) written in ([\d.]+) s \((\d+) rendered in (\d+) .*; (\d+) parts? laid out\)"
)


def bench_pdf(sizes: list[int], workdir: Path, repeat: int, other_plugins: bool) -> None:
    """Issue #21: the default build (PDFs on, `plugins: [search, playbook]`) against a plain
    Material build of the same Markdown: cold (no PDF cache), warm with no change, warm after
    editing one case study and one template; and with PDFs off. Best of `repeat` each; the
    PDF stage of the cold build in PDFs put together per second per core, with the parts laid
    out for them; the peak of all processes, in one more cold build, not timed (sampling every
    process's memory ten times a second takes CPU, more the more processes a build runs).

    Every build starts as in a CI job, the plain one too: no site folder (the last build's is
    moved aside), the cache folder kept from the last build (warm) or none (cold). Nothing
    is deleted until every size is done: on a filesystem without a journal (ext4 as this
    machine has it), creating a file skips every inode freed in the last minute, so a build
    that follows the deletion of thousands of files (MkDocs cleaning the last site) pays for
    each of them: 2.5 s of write time instead of 0.25 in a 2,000-item build."""
    trash = workdir / "trash"
    trash.mkdir(exist_ok=True)

    def aside(path: Path) -> None:
        if path.exists():
            path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")

    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cores = len(os.sched_getaffinity(0))
    print(
        "| items | plain (s) | default, cold (s) | ratio | warm, no change (s) | ratio "
        "| warm, 1 case + 1 template edited (s) | ratio | PDFs off (s) | ratio "
        "| PDFs (parts laid out) | PDF stage, cold (s) | PDFs/s/core | peak, cold (MiB) |"
    )
    print(
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for size in sizes:
        root = generate(workdir / f"lib-{size}", size)
        config = root / "mkdocs.yml"
        config.write_text(  # the default: PDFs on, no option given; the site's address set,
            # as a published site has it (its printed pages carry QR codes)
            SITE_URL
            + config.read_text(encoding="utf-8").replace(
                "  - playbook:\n      pdf: false\n", "  - playbook\n"
            ),
            encoding="utf-8",
        )
        off = root / "mkdocs-pdf-off.yml"
        off.write_text(
            config.read_text(encoding="utf-8").replace(
                "  - playbook\n", "  - playbook:\n      pdf: false\n"
            ),
            encoding="utf-8",
        )
        plain = plain_copy(root)
        plain_yml = plain / "mkdocs.yml"
        plain_yml.write_text(SITE_URL + plain_yml.read_text(encoding="utf-8"), encoding="utf-8")
        if other_plugins:
            with_other_plugins(root, [config, off])
            with_other_plugins(plain, [plain_yml])
        case = root / "case_studies" / "case-00001.md"
        template = next(p for p in sorted((root / "playbooks").iterdir()) if "template" in p.name)
        originals = {path: path.read_text(encoding="utf-8") for path in (case, template)}

        def build(config_file: Path, sample: bool = False) -> tuple[float, int, str]:
            aside(config_file.parent / "site")
            return tree_peak(
                [mkdocs, "build", "-f", str(config_file), "-d", str(config_file.parent / "site")],
                config_file.parent,
                env,
                sample,  # an extra cold build only, not timed: the table's memory is its
            )

        runs: dict[str, list[tuple[float, int, str]]] = {}
        for n in range(repeat):
            runs.setdefault("plain", []).append(build(plain / "mkdocs.yml"))
            aside(root / ".cache")
            runs.setdefault("cold", []).append(build(config))
            runs.setdefault("warm", []).append(build(config))
            for path, text in originals.items():  # a different edit each time
                path.write_text(text + f"\nEdited for the benchmark, run {n}.\n", encoding="utf-8")
            runs.setdefault("edited", []).append(build(config))
            runs.setdefault("off", []).append(build(off))
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        aside(root / ".cache")
        peak = build(config, sample=True)[1]  # sampling costs CPU: this build is not timed
        best = {name: min(found) for name, found in runs.items()}
        plain_s = best["plain"][0]
        stage = PDF_LINE.search(best["cold"][2])
        written, stage_s, documents, workers, parts = (
            (int(stage.group(1)), float(stage.group(2)), int(stage.group(3)), int(stage.group(4)),
             int(stage.group(5)))
            if stage
            else (0, float("nan"), 0, 1, 0)
        )  # fmt: skip
        cells = [f"{size:,}", f"{plain_s:.1f}"]
        for name in ("cold", "warm", "edited", "off"):
            cells += [f"{best[name][0]:.1f}", f"{best[name][0] / plain_s:.2f}"]
        cells += [
            f"{written:,} ({parts:,})",
            f"{stage_s:.1f}",
            f"{documents / stage_s / min(workers, cores):.1f}" if stage_s else "",
            f"{peak / 2**20:.0f}",
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
        for name in ("cold", "warm", "edited"):
            found = PDF_LINE.search(best[name][2])  # the summary, not a progress line
            if found:
                print(f"<!-- {size:,} {name}: {found.group(0)} -->", flush=True)
        aside(plain)
        aside(root)
    shutil.rmtree(trash)


def bench_zensical(sizes: list[int], workdir: Path, repeat: int) -> None:
    """Issue #17: Zensical's build time beside MkDocs', on the same generated libraries. The
    plain Markdown built by each (items copied into docs_dir); `playbook build` with each
    builder and PDFs off (the library's pages, search index and export; cold: no cache folder,
    warm: built before, nothing changed); and the default (PDFs on) with Zensical, warm, its
    PDFs from the cache a first default build filled (the PDF stage is the same code for both
    builders: `pdf` measures it cold). Best of `repeat` each."""
    python, playbook = sys.executable, str(Path(sys.executable).with_name("playbook"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    print(
        "| items | plain, MkDocs (s) | plain, Zensical cold (s) | plain, Zensical warm (s) "
        "| playbook, MkDocs, PDFs off (s) | playbook, Zensical, PDFs off, cold (s) "
        "| playbook, Zensical, PDFs off, warm (s) | playbook, Zensical, default, warm (s) "
        "| peak, Zensical cold (MiB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in sizes:
        root = generate(workdir / f"lib-{size}", size)
        config = root / "mkdocs.yml"  # the generator's: PDFs off
        default = root / "mkdocs-default.yml"
        default.write_text(
            config.read_text(encoding="utf-8").replace(
                "  - playbook:\n      pdf: false\n", "  - playbook\n"
            ),
            encoding="utf-8",
        )
        plain = plain_copy(root)

        def run(command: list[str], cwd: Path) -> tuple[float, int, str]:
            return tree_peak(command, cwd, env)

        def ours(builder: str, config_file: Path) -> list[str]:
            return [playbook, "build", "--builder", builder, "-f", str(config_file)]

        runs: dict[str, list[tuple[float, int, str]]] = {}
        for _n in range(repeat):
            site = ["-d", str(plain / "site")]
            runs.setdefault("plain", []).append(
                run([python, "-m", "mkdocs", "build", *site], plain)
            )
            shutil.rmtree(plain / ".cache", ignore_errors=True)
            zensical = [python, "-m", "zensical", "build"]
            runs.setdefault("plain z cold", []).append(run(zensical, plain))
            runs.setdefault("plain z warm", []).append(run(zensical, plain))
            runs.setdefault("mkdocs off", []).append(run(ours("mkdocs", config), root))
            shutil.rmtree(root / ".cache", ignore_errors=True)
            runs.setdefault("z off cold", []).append(run(ours("zensical", config), root))
            runs.setdefault("z off warm", []).append(run(ours("zensical", config), root))
        run(ours("zensical", default), root)  # fills the PDF cache (`pdf` measures it cold)
        for _n in range(repeat):
            runs.setdefault("z default warm", []).append(run(ours("zensical", default), root))
        best = {name: min(found) for name, found in runs.items()}
        cells = [f"{size:,}"]
        for name in ("plain", "plain z cold", "plain z warm", "mkdocs off", "z off cold"):
            cells.append(f"{best[name][0]:.1f}")
        cells += [f"{best['z off warm'][0]:.1f}", f"{best['z default warm'][0]:.1f}"]
        cells.append(f"{best['z off cold'][1] / 2**20:.0f}")
        print("| " + " | ".join(cells) + " |", flush=True)
        for name in ("z off cold", "z off warm", "z default warm"):
            lines = [line for line in best[name][2].splitlines() if ":" in line][-6:]
            print(f"<!-- {size:,} {name}: {' / '.join(lines)} -->", flush=True)
        shutil.rmtree(plain)
        shutil.rmtree(root)


def build_logged(config: Path, site: Path) -> tuple[float, int, str]:
    """`mkdocs build` of a config into site: wall seconds, peak RSS bytes (the process and its
    children, Pagefind's indexer among them) and the build's log."""
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        run = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "%M",
                "-o",
                report.name,
                mkdocs,
                "build",
                "-f",
                str(config),
                "-d",
                str(site),
            ],
            cwd=config.parent,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        peak_kib = int(report.read().strip().splitlines()[-1])
    return elapsed, peak_kib * 1024, run.stderr


INDEXED = re.compile(r"search: Pagefind indexed (\d+) pages \(of \d+ HTML files\) in ([\d.]+) s")


def bench_search(sizes: list[int], workdir: Path, query: str, start: str, repeat: int = 2) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium, measure_search, serve

    print(
        f"Search bytes from opening /{start} to the first results for “{query}” "
        "(KB = 1,000 bytes; gzip: as a compressing server would send them)\n"
    )
    print(
        "| items | Pagefind KB/query | gzip | Material KB/query | gzip | Pagefind index (s) "
        "| build, Pagefind (s) | build, Material (s) | peak, Pagefind (MiB) "
        "| peak, Material (MiB) | index on disk (MB) | Material index (MB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with chromium() as browser:
        for size in sizes:
            root = generate(workdir / f"lib-{size}", size)
            config = root / "mkdocs.yml"
            material_config = root / "mkdocs-material.yml"
            material_config.write_text(
                config.read_text(encoding="utf-8").replace(
                    "  - playbook:\n", "  - playbook:\n      search: material\n"
                ),
                encoding="utf-8",
            )
            pagefind_site, material_site = root / "site-pagefind", root / "site-material"
            # alternate the two builds and keep each one's best run: this machine is shared
            pagefind_runs, material_runs = [], []
            for _ in range(repeat):
                pagefind_runs.append(build_logged(config, pagefind_site))
                material_runs.append(build_logged(material_config, material_site))
            pagefind_s, pagefind_peak, log = min(pagefind_runs)
            material_s, material_peak, _ = min(material_runs)
            indexed = INDEXED.search(log)
            index_s = float(indexed.group(2)) if indexed else float("nan")
            with serve(pagefind_site) as base:
                pagefind = measure_search(browser, base, start, query)
            with serve(material_site) as base:
                material = measure_search(browser, base, start, query)
            on_disk = folder_bytes(pagefind_site / "pagefind")
            material_index = (material_site / "search" / "search_index.json").stat().st_size
            print(
                f"| {size:,} | {pagefind.bytes() / 1000:.0f} | "
                f"{pagefind.bytes(gzipped=True) / 1000:.0f} | {material.bytes() / 1000:,.0f} | "
                f"{material.bytes(gzipped=True) / 1000:,.0f} | {index_s:.1f} | {pagefind_s:.1f} | "
                f"{material_s:.1f} | {pagefind_peak / 2**20:.0f} | {material_peak / 2**20:.0f} | "
                f"{on_disk / 1e6:.1f} | "
                f"{material_index / 1e6:.1f} |",
                flush=True,
            )
            files = ", ".join(
                f"{d.url.split('/pagefind/')[-1].split('?')[0]} {d.size / 1000:.1f}"
                for d in pagefind.search_files()
                if "/pagefind/" in d.url
            )
            print(f"<!-- {size:,} items, Pagefind files (KB): {files} -->", flush=True)
            shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("what", choices=["check", "build", "pdf", "search", "serve", "zensical"])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2, help="build runs per size (best kept)")
    parser.add_argument("--query", default="mentor", help="search: the one-word query typed")
    parser.add_argument(
        "--serve-size", type=int, default=2000, help="build, serve: the library served (0: none)"
    )
    parser.add_argument(
        "--start", default="case_studies/case-00001/", help="search: the page opened first"
    )
    parser.add_argument(
        "--with-plugins",
        action="store_true",
        help="build, pdf: list redirects, minify and git-revision-date-localized in every build",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # the plugin's bytecode, as scripts/bootstrap.sh writes it: with PYTHONDONTWRITEBYTECODE
    # set, a module edited since would be compiled again in every build measured
    compileall.compile_dir(ROOT / "plugins", quiet=1)
    with tempfile.TemporaryDirectory(prefix="playbook-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        if args.what == "check":
            bench_check(sizes, workdir)
        elif args.what == "pdf":
            bench_pdf(sizes, workdir, args.repeat, args.with_plugins)
        elif args.what == "search":
            bench_search(sizes, workdir, args.query, args.start, args.repeat)
        elif args.what == "zensical":
            bench_zensical(sizes, workdir, args.repeat)
        elif args.what == "serve":
            bench_serve(args.serve_size, workdir)
        else:
            bench_build(
                sizes,
                workdir,
                args.repeat,
                args.query,
                args.start,
                args.serve_size,
                args.with_plugins,
            )


if __name__ == "__main__":
    main()

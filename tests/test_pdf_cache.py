"""PDFs at scale: a cache on disk that outlives the build, rendering on every core, and the
same bytes whichever way a PDF was made."""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

import playbook.outputs.pdf as pdf
import pytest
from conftest import CASE, MKDOCS_YML, build_site, page_texts
from mkdocs.exceptions import Abort, BuildError, PluginError
from playbook.core.cache import DiskCache

TEMPLATE_PDF = "playbooks/review-form/review-form.pdf"
FRAMEWORK_PDF = "playbooks/circle-milestones/circle-milestones.pdf"
PACK_PDF = "playbooks/peer-circles/peer-circles-workshop-pack.pdf"
PDFS = (TEMPLATE_PDF, FRAMEWORK_PDF, PACK_PDF)


def _with(options: str) -> str:
    return MKDOCS_YML.replace("  - playbook\n", f"  - playbook:\n{options}")


def _build(root: Path, caplog, strict: bool = True) -> tuple[Path, str]:
    """A build as `mkdocs build` runs it (a fresh plugin each time: nothing kept in memory
    between builds but what is on disk); the site and the log line of its PDFs."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.playbook"):
        site = build_site(root, strict=strict)
    line = next(
        m for r in caplog.records if (m := r.getMessage()).startswith("PDFs:") and " written " in m
    )
    return site, line


def _counts(line: str) -> tuple[int, int]:
    """(PDFs rendered, PDFs from the cache) of a PDFs log line."""
    found = re.search(r"\((\d+) rendered in .* (\d+) from the cache;", line)
    assert found, line
    return int(found.group(1)), int(found.group(2))


def _assert_indexed_beside_the_pages_and_pdfs(caplog) -> None:
    """Pagefind indexed the fixture's 5 pages, started before the templates and kept."""
    said = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("search: Pagefind indexed 5 pages")
        and m.endswith("beside the pages, PDFs and export")
        for m in said
    ), said


def _pdfs(site: Path) -> dict[str, bytes]:
    return {name: (site / name).read_bytes() for name in PDFS}


def _in_this_process(monkeypatch) -> None:
    """The PDF stage in the build's own process, not in a second one beside the templates
    (see test_the_pdfs_are_made_beside_the_templates_by_a_second_process), so that the test
    sees what it does in memory."""
    import playbook.mkdocs.build as build

    monkeypatch.setattr(build.SiteBuild, "_pdfs_ahead", lambda self, config: None)


def _fork_beside_threads(monkeypatch) -> None:
    """The build forks its second processes even beside a thread another test left (the
    bundled site, served once a run), which would keep them from starting: it sits in
    select() and holds nothing a child needs."""
    monkeypatch.setattr("playbook.site.ahead.can_fork", lambda: True)


@pytest.fixture(autouse=True)
def _fresh_plugin(monkeypatch):
    """MkDocs hands the same plugin to every build of a process; its session would keep the
    PDFs in memory. These tests are about the disk: each build gets a new session."""
    from playbook.mkdocs.plugin import PlaybookPlugin
    from playbook.mkdocs.session import Session

    original = PlaybookPlugin.on_startup

    def startup(self, *, command: str, dirty: bool) -> None:
        self.session = Session()
        original(self, command=command, dirty=dirty)

    monkeypatch.setattr(PlaybookPlugin, "on_startup", startup)


def test_a_second_build_renders_nothing_and_publishes_the_same_bytes(project, caplog, monkeypatch):
    writers = []
    original = pdf.PdfWriter.write

    def watch(self, *args, **kwargs):
        writers.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pdf.PdfWriter, "write", watch)
    _in_this_process(monkeypatch)
    site, line = _build(project.root, caplog)
    # a build writes each PDF as soon as it has it and holds none (only `mkdocs serve` keeps
    # them in memory, for its next rebuild)
    assert len(writers) == 1 and writers[0]._memory == {}
    assert _counts(line) == (3, 0)
    first = _pdfs(site)
    entries = list((project.root / ".cache/playbook/pdf").glob("*.pdfcache"))
    # the PDFs; the parts they were put together from; the pack's cover; the page numbers
    # drawn over them (two PDFs have the same page sizes)
    assert len(entries) == 3 + 4 + 1 + 2
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3)
    assert _pdfs(site) == first
    assert not list(site.rglob("*.pdfcache")) and not (site / ".cache").exists()  # never served


def _progress(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if re.match(r"PDFs: \d+ of \d+ parts", r.getMessage())]


@pytest.mark.parametrize("where", ["second process", "this process"])
def test_a_long_pdf_stage_says_how_far_it_has_come(project, caplog, monkeypatch, where):
    """A cold build of thousands of items makes PDFs for minutes: a line every
    PROGRESS_EVERY seconds says how far it is, from the second process through the build's
    log, or from the build's own process. Here every step is long enough to be told."""
    monkeypatch.setattr(pdf, "PROGRESS_EVERY", 0.0)
    _fork_beside_threads(monkeypatch)
    if where == "this process":
        _in_this_process(monkeypatch)
    _site, line = _build(project.root, caplog)
    said = [r.getMessage() for r in caplog.records]
    records = _progress(caplog)
    progress = [r.getMessage() for r in records]
    # said by the build's log: handed over by the second process (site/ahead.py), or said
    # where the stage runs (outputs/pdf.py)
    told_by = {"second process": "ahead.py", "this process": "pdf.py"}[where]
    assert {r.filename for r in records} == {told_by}, progress
    assert _counts(line) == (3, 0) and "; 4 parts laid out" in line, line
    last = "PDFs: 4 of 4 parts laid out, 3 of 3 PDFs put together, 0 from the cache ("
    assert progress and progress[-1].startswith(last), progress
    assert said.index(progress[-1]) < said.index(line)  # then the summary
    if where == "this process":  # each part, then each PDF
        assert [m.split(" (")[0] for m in progress] == [
            f"PDFs: {n} of 4 parts laid out, 0 of 3 PDFs put together, 0 from the cache"
            for n in range(1, 5)
        ] + [
            f"PDFs: 4 of 4 parts laid out, {n} of 3 PDFs put together, 0 from the cache"
            for n in range(1, 4)
        ]
    assert len(set(progress)) == len(progress)  # none said twice


def test_a_short_pdf_stage_says_only_its_summary(project, caplog):
    _build(project.root, caplog)
    assert _progress(caplog) == []


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_an_edit_renders_the_item_and_the_packs_that_hold_it(project, caplog, monkeypatch, engine):
    # layouts counted here, in this process
    project.write("mkdocs.yml", _with(f"      pdf_workers: 1\n      pdf_engine: {engine}\n"))
    _in_this_process(monkeypatch)
    laid_out: list[str] = []
    original = pdf._Renderer._layout

    def count(self, documents, *css):
        if not css:  # parts and covers; not the pages that carry page numbers
            laid_out.extend(html for html, _url in documents)
        return original(self, documents, *css)

    monkeypatch.setattr(pdf._Renderer, "_layout", count)
    _build(project.root, caplog)
    assert len(laid_out) == 4 + 1  # the parts, the pack's cover
    laid_out.clear()
    form = project.root / "playbooks/review-form.md"
    form.write_text(form.read_text(encoding="utf-8").replace("Book a follow-up", "Book a review"))
    site, line = _build(project.root, caplog)
    # the template's own PDF and the pack are put together again, from the template's sheet
    # laid out once for both and the pack's other parts from the disk; the framework's PDF
    # comes from the disk
    assert _counts(line) == (2, 1) and "; 1 part laid out)" in line
    # and the pack's cover too: its parts start on the same pages as before
    assert len(laid_out) == 1 and "Book a review" in laid_out[0]
    pack = (site / PACK_PDF).read_bytes()
    shutil.rmtree(project.root / ".cache")
    site, line = _build(project.root, caplog)
    if engine == "weasyprint":
        assert (site / PACK_PDF).read_bytes() == pack  # as made with nothing in the cache
    else:  # the same pages: Chromium printed the edited sheet alone, now in a batch, at
        # another offset, which changes its bytes (tests/test_pdf_engines.py)
        assert page_texts(site / PACK_PDF) == page_texts(pack)
    case = project.root / "case_studies/hospital-circles.md"
    case.write_text(case.read_text(encoding="utf-8").replace("Ward managers", "Ward leads"))
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3)  # a case study has no PDF and is in none


@pytest.mark.parametrize(
    "spoil",
    [
        lambda raw: raw[: len(raw) // 2],  # a write cut off
        lambda raw: raw[:-100] + bytes([raw[-100] ^ 1]) + raw[-99:],  # one bit changed
        lambda raw: b"%PDF-1.7\nnot ours\n%%EOF\n",  # a foreign file under the name
        lambda raw: b"",
    ],
)
def test_a_spoilt_cache_entry_is_rendered_again_never_published(project, caplog, spoil):
    """Every file that holds data: the entries of parts, covers and page numbers, and the
    data files of the PDFs (their entries record them)."""
    site, _line = _build(project.root, caplog)
    first = _pdfs(site)
    folder = project.root / ".cache/playbook/pdf"
    data = list(folder.glob("*.data"))
    held = [p for p in folder.glob("*.pdfcache") if not p.with_suffix(".data").exists()]
    assert len(data) == 3 and len(held) == 4 + 1 + 2
    for path in data + held:
        path.write_bytes(spoil(path.read_bytes()))
    site, line = _build(project.root, caplog)
    assert _counts(line) == (3, 0)
    assert _pdfs(site) == first
    site, line = _build(project.root, caplog)  # and replaced
    assert _counts(line) == (0, 3)


def test_the_cache_keeps_the_warning_of_a_refused_resource(project, caplog):
    """What a PDF's fetcher refused is part of the entry: a build that reuses the PDF warns
    as the build that rendered it did."""
    framework = project.root / "playbooks/circle-milestones.md"
    framework.write_text(
        framework.read_text(encoding="utf-8") + "\n![A chart](https://example.org/chart.png)\n",
        encoding="utf-8",
    )
    project.write("mkdocs.yml", _with("      remote_hosts: [example.org]\n"))
    for expected in ((3, 0), (0, 3)):
        _site, line = _build(project.root, caplog, strict=False)
        assert _counts(line) == expected
        said = [r.getMessage() for r in caplog.records if "PDFs read files" in r.getMessage()]
        assert len(said) == 1 and "https://example.org/chart.png" in said[0], said


def test_the_folder_is_trimmed_to_its_limit_least_recently_used_first(tmp_path):
    cache = DiskCache(tmp_path / "pdf", limit=2500)
    for n in range(5):
        cache.put(f"{n:064x}", b"%PDF" + bytes(1000), {})
        os.utime(tmp_path / "pdf" / f"{n:064x}.pdfcache", (1000 + n, 1000 + n))  # 4 the newest
    for n in (0, 1):
        assert cache.get(f"{n:064x}") is not None  # used again: kept
    cache.trim()
    kept = sorted(p.stem for p in (tmp_path / "pdf").iterdir())
    assert [int(k, 16) for k in kept] == [0, 1]


def test_an_entry_put_apart_is_trimmed_with_its_data_file(tmp_path):
    """A PDF's data file counts in its entry's size and goes with it; the entry's use, not
    the data file's time (which its record holds), says when it was last used."""
    folder = tmp_path / "pdf"
    cache = DiskCache(folder, limit=2500)
    for n in range(3):
        cache.put(f"{n:064x}", b"%PDF" + bytes(1000), {}, apart=True)
        os.utime(folder / f"{n:064x}.pdfcache", (1000 + n, 1000 + n))
    assert cache.file(f"{0:064x}") is not None  # used again: kept
    assert sorted(p.suffix for p in folder.iterdir()) == [".data"] * 3 + [".pdfcache"] * 3
    cache.trim()
    assert sorted(p.name.split(".")[0] for p in folder.iterdir()) == [
        f"{n:064x}" for n in (0, 0, 2, 2)
    ]


def _same_file(a: Path, b: Path) -> bool:
    return os.stat(a).st_ino == os.stat(b).st_ino


def _data_files(root: Path) -> list[Path]:
    return sorted((root / ".cache/playbook/pdf").glob("*.data"))


def test_a_warm_build_links_its_pdfs_to_the_cache(project, caplog):
    """A PDF from the cache is a link to the cache's data file: nothing read, nothing
    written (at 10,000 items, copying took 4 s). It reads as any other file of the site."""
    site, _line = _build(project.root, caplog)
    first = _pdfs(site)
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3) and _pdfs(site) == first
    data = _data_files(project.root)
    for name in PDFS:
        assert any(_same_file(site / name, d) for d in data), name
        umask = os.umask(0)
        os.umask(umask)
        assert (site / name).stat().st_mode & 0o777 == 0o666 & ~umask  # as a file written


def test_a_cache_copied_without_its_times_is_checked_then_linked_again(project, caplog):
    """A copy of the folder that did not keep times (`cp -r`, an archive of seconds): each
    PDF is read and checked against its hash, published, and recorded again, so that the
    build after links it."""
    site, _line = _build(project.root, caplog)
    first = _pdfs(site)
    for path in _data_files(project.root):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3) and _pdfs(site) == first
    assert not any(_same_file(site / PACK_PDF, d) for d in _data_files(project.root))
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3) and _pdfs(site) == first
    assert any(_same_file(site / PACK_PDF, d) for d in _data_files(project.root))


def test_a_pdf_changed_in_the_site_is_rendered_again_never_published(project, caplog):
    """Something that writes into a published PDF (it is the cache's data file, linked)
    changes its time and size: the next build checks it, finds it is not what was made,
    and makes it again."""
    site, _line = _build(project.root, caplog)
    first = _pdfs(site)
    with (site / PACK_PDF).open("r+b") as published:
        published.seek(100)
        published.write(b"changed")
    site, line = _build(project.root, caplog)
    assert _counts(line) == (1, 2) and _pdfs(site) == first


def test_pdfs_are_copied_where_links_cannot_be_made(project, caplog, monkeypatch):
    """A site on another filesystem than the cache (EXDEV), or on one without links."""
    import errno

    site, _line = _build(project.root, caplog)
    first = _pdfs(site)

    def no_link(*_args, **_kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    site, line = _build(project.root, caplog)
    assert _counts(line) == (0, 3) and _pdfs(site) == first
    assert not any(_same_file(site / n, d) for n in PDFS for d in _data_files(project.root))


def test_a_pdf_is_put_in_place_of_a_file_never_through_it(tmp_path):
    """What stands at a PDF's path (a link to a cache file from an earlier build into the
    same folder, a symbolic link out of the site) is replaced, and left as it was."""
    site, outside = tmp_path / "site", tmp_path / "outside.pdf"
    (site / "a").mkdir(parents=True)
    outside.write_bytes(b"outside")
    os.link(outside, site / "a/linked.pdf")
    (site / "a/symlinked.pdf").symlink_to(outside)
    for name in ("a/linked.pdf", "a/symlinked.pdf"):
        pdf.PdfWriter._put(site.resolve(), name, b"%PDF new", None)
        assert (site / name).read_bytes() == b"%PDF new" and not (site / name).is_symlink()
    assert outside.read_bytes() == b"outside"
    with pytest.raises(pdf.OutsideSite):
        pdf.PdfWriter._put(site.resolve(), "../escape.pdf", b"%PDF", None)


@pytest.mark.parametrize(
    ("folder", "says"),
    [
        ("../outside", "is outside the project"),
        ("/tmp/elsewhere", "is outside the project"),
        (".", "is outside the project"),
        ("content/cache", "inside docs_dir or site_dir"),
        ("site/cache", "inside docs_dir or site_dir"),
        ("linked/cache", "symbolic link"),
    ],
)
def test_a_cache_folder_where_it_must_not_be_is_refused(project, caplog, folder, says):
    (project.root / "linked").symlink_to(project.root.parent)
    project.write("mkdocs.yml", _with(f"      cache_dir: '{folder}'\n"))
    with pytest.raises((Abort, BuildError, PluginError)) as raised:
        build_site(project.root)
    assert says in str(raised.value) + caplog.text
    assert not (project.root.parent / "cache").exists()


def test_no_disk_cache_when_its_limit_is_zero(project, caplog):
    project.write("mkdocs.yml", _with("      cache_limit_mb: 0\n"))
    _build(project.root, caplog)
    _site, line = _build(project.root, caplog)
    assert _counts(line) == (3, 0) and not (project.root / ".cache").exists()


def _entries(root: Path) -> dict[str, bytes]:
    """The disk cache's entries: key -> PDF (a part laid out, or a PDF put together)."""
    folder = root / ".cache/playbook/pdf"
    cache = DiskCache(folder, 2**30)
    return {path.stem: cache.get(path.stem)[0] for path in folder.glob("*.pdfcache")}


def test_workers_and_one_process_write_the_same_bytes_as_a_plain_render(
    project, caplog, monkeypatch
):
    """With WeasyPrint: the pool (here forced on for a handful of documents), one process, and WeasyPrint run
    plainly with the stylesheets linked from the document as a browser would: the same
    parts, and the same PDFs put together from them."""
    # WeasyPrint's: Chromium prints parts in batches, whose makeup changes a part's bytes
    # (not its pages: tests/test_pdf_engines.py)
    project.write("mkdocs.yml", _with("      pdf_workers: 2\n      pdf_engine: weasyprint\n"))
    monkeypatch.setattr(pdf, "MIN_DOCUMENTS_PER_WORKER", 1)
    monkeypatch.setattr(pdf, "CHUNK", 1)  # a message per task: results come back in turns
    documents: dict = {}
    original = pdf.write_pdfs

    def keep(writer, site_dir, base_url, jobs, compose, **kwargs):
        documents.update({job.path: compose(job.items) for job in jobs})
        return original(writer, site_dir, base_url, jobs, compose, **kwargs)

    monkeypatch.setattr("playbook.mkdocs.build.write_pdfs", keep)
    _in_this_process(monkeypatch)
    site, line = _build(project.root, caplog)
    assert "in 2 processes" in line
    pooled, pooled_entries = _pdfs(site), _entries(project.root)
    assert len(pooled_entries) == 3 + 4 + 1 + 2  # PDFs, parts, a cover, page numbers
    shutil.rmtree(project.root / ".cache")
    monkeypatch.setattr(pdf, "MIN_DOCUMENTS_PER_WORKER", 1000)
    site, line = _build(project.root, caplog)
    assert "in 1 process," in line
    assert _pdfs(site) == pooled and _entries(project.root) == pooled_entries

    # WeasyPrint on its own, from the template's document with the stylesheets linked
    from weasyprint import HTML

    ((_label, text, url, _item),) = documents[TEMPLATE_PDF].parts
    links = (
        "".join(
            f'<link rel="stylesheet" href="{"../" * 2}assets/playbook/{name}">'
            for name in pdf.PRINT_STYLES
        )
        + f"<style>{pdf.UNNUMBERED}</style>"
    )
    linked = text.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + links, 1)
    base = url[: url.index("playbooks/")]
    alone = HTML(string=linked, base_url=url, url_fetcher=pdf.site_fetcher(site, base, []))
    assert alone.render().write_pdf() in pooled_entries.values()


def _parts_put_together(monkeypatch) -> list[tuple[str, bool]]:
    """What each PDF put together is handed of its parts: (key, whether its bytes came)."""
    seen: list[tuple[str, bool]] = []
    original = pdf._Renderer.assemble

    def watch(self, assemblies):
        seen.extend((part.key, bool(part.data)) for job in assemblies for part in job.parts)
        return original(self, assemblies)

    monkeypatch.setattr(pdf._Renderer, "assemble", watch)
    return seen


def test_parts_are_read_back_from_the_cache_not_held_by_the_build(project, caplog, monkeypatch):
    """A cold build does not hold every part it laid out until the PDFs are put together
    (at 10,000 items, 140 MiB of the build's peak memory): a part in the disk cache is read
    back from there by whoever puts its PDFs together; without a disk cache, the part's
    bytes are handed over. The same PDFs either way (WeasyPrint's: Chromium's bytes depend
    on each print's batch)."""
    one = "      pdf_engine: weasyprint\n      pdf_workers: 1\n"  # seen here, not in a worker
    project.write("mkdocs.yml", _with(one))
    _in_this_process(monkeypatch)
    seen = _parts_put_together(monkeypatch)
    site, _line = _build(project.root, caplog)
    assert len(seen) >= 4 and not any(carried for _key, carried in seen), seen
    from_the_cache = _pdfs(site)
    seen.clear()
    shutil.rmtree(project.root / ".cache")
    project.write("mkdocs.yml", _with(one + "      cache_limit_mb: 0\n"))
    site, _line = _build(project.root, caplog)
    assert len(seen) >= 4 and all(carried for _key, carried in seen), seen
    assert _pdfs(site) == from_the_cache


def test_a_part_gone_from_the_cache_during_the_build_stops_it_and_says_so(
    project, caplog, monkeypatch
):
    _in_this_process(monkeypatch)
    original = pdf._Renderer.assemble

    def delete_the_cache_first(self, assemblies):
        shutil.rmtree(project.root / ".cache/playbook/pdf", ignore_errors=True)
        return original(self, assemblies)

    monkeypatch.setattr(pdf._Renderer, "assemble", delete_the_cache_first)
    with pytest.raises((Abort, BuildError, PluginError)) as raised:
        build_site(project.root)
    said = str(raised.value) + caplog.text
    assert "no longer in the cache folder" in said and "build again" in said, said
    assert "Traceback" not in said


def test_a_part_gone_from_the_cache_in_the_second_process_is_laid_out_again(
    project, caplog, monkeypatch
):
    """The same, in the second process that makes the PDFs beside the templates: the build
    does what it did not, laying the part out again."""
    _fork_beside_threads(monkeypatch)
    build_process = os.getpid()
    here = []  # what the build's own process put together (the second process's is not seen)
    original = pdf._Renderer.assemble

    def delete_the_cache_there(self, assemblies):
        if os.getpid() != build_process:
            shutil.rmtree(project.root / ".cache/playbook/pdf", ignore_errors=True)
        here.extend(job.key for job in assemblies)
        return original(self, assemblies)

    monkeypatch.setattr(pdf._Renderer, "assemble", delete_the_cache_there)
    site, line = _build(project.root, caplog)
    assert len(here) == 3 and _counts(line) == (3, 0)
    assert all(data.startswith(b"%PDF-") for data in _pdfs(site).values())


def test_the_ci_workflow_keeps_the_cache_folder():
    import yaml
    from playbook.mkdocs.config import PlaybookConfig

    options = PlaybookConfig()
    options.load_dict({})
    options.validate()
    workflow = Path(__file__).parent.parent / ".github/workflows/library.yml"
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["check-and-build"]["steps"]
    names = [step.get("name") for step in steps]
    (kept,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    assert kept["with"]["path"] == options.cache_dir
    assert names.index(kept["name"]) < names.index("Build site")
    ignored = (workflow.parents[2] / ".gitignore").read_text(encoding="utf-8").split()
    assert ".cache/" in ignored
    # the Debian packages the PDFs need, as scripts/bootstrap.sh installs them, before the build
    bootstrap = (workflow.parents[2] / "scripts/bootstrap.sh").read_text(encoding="utf-8")
    (line,) = [x for x in bootstrap.splitlines() if x.startswith("apt_ensure libpango")]
    (system,) = [s for s in steps if "apt-get install" in str(s.get("run", ""))]
    assert set(line.split()[1:]) <= set(system["run"].split())
    assert names.index(system["name"]) < names.index("Build site")


def test_chunks_hold_every_pdf_once_and_balance_the_work():
    import random

    from playbook.outputs.pdf import _chunks, _Task

    rng = random.Random(7)
    tasks = [_Task(f"k{n}", "x" * rng.randint(100, 5000), "u", "i") for n in range(120)]
    chunks = _chunks(tasks, 2)
    assert sorted(t.key for c in chunks for t in c) == sorted(t.key for t in tasks)
    work = [sum(len(t.html) for t in c) for c in chunks]
    assert max(work) <= 1.05 * min(work)


def test_workers_only_where_fork_is_safe(monkeypatch):
    monkeypatch.setattr(pdf.sys, "platform", "darwin")
    assert pdf.worker_count(0) == 1 and pdf.worker_count(4) == 1
    monkeypatch.setattr(pdf.sys, "platform", "linux")
    assert pdf.worker_count(3) == 3 and pdf.worker_count(0) >= 1


def test_a_refused_cache_folder_stops_the_build_before_the_site_is_touched(project, caplog):
    site, _line = _build(project.root, caplog)
    (site / "marker.txt").write_text("the previous site", encoding="utf-8")
    project.write("mkdocs.yml", _with("      cache_dir: ../outside\n"))
    with pytest.raises((Abort, BuildError, PluginError)):
        build_site(project.root)
    assert (site / "marker.txt").is_file(), "the refused build emptied the previous site"


def test_pagefind_indexes_while_the_pages_and_pdfs_are_made(project, caplog, monkeypatch):
    """Pagefind reads the pages' indexed parts, written from their content: it starts before
    the templates render the first page, runs beside them and the PDFs, and its index lands
    in the site after."""
    import playbook.mkdocs.build as build
    from playbook.outputs.search import Indexing

    events: list[str] = []

    class Watched(Indexing):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            events.append("pagefind started")
            outputs.append(self.output)

    outputs: list[Path] = []

    original = build.write_pdfs

    def pdfs(*args, **kwargs):
        events.append("PDFs")
        return original(*args, **kwargs)

    post_page = build.SiteBuild.post_page

    def page(self, *args, **kwargs):
        if "page" not in events:
            events.append("page")
        return post_page(self, *args, **kwargs)

    monkeypatch.setattr(build, "Indexing", Watched)
    monkeypatch.setattr(build, "write_pdfs", pdfs)
    monkeypatch.setattr(build.SiteBuild, "post_page", page)
    _in_this_process(monkeypatch)
    site, _line = _build(project.root, caplog)
    assert events == ["pagefind started", "page", "PDFs"]
    assert (site / "pagefind/pagefind-entry.json").is_file()
    # written into the site and renamed into place when whole, not copied from elsewhere
    assert outputs == [site.resolve() / ".pagefind-next"] and not outputs[0].exists()
    _assert_indexed_beside_the_pages_and_pdfs(caplog)


def test_the_pdfs_are_made_beside_the_templates_by_a_second_process(
    project, caplog, monkeypatch, tmp_path
):
    """Every file a PDF loads is in the site once MkDocs renders the first page's template:
    the PDF stage starts then, in a second process (at a lower priority), and the build takes
    its figures after the last page. The PDFs are those the build's own process makes."""
    import playbook.mkdocs.build as build

    here = os.getpid()
    stage, post_page = build.SiteBuild._pdf_stage, build.SiteBuild.post_page
    pages: list[float] = []

    def timed_stage(self, config, *say):
        (tmp_path / "stage").write_text(
            f"{os.getpid()} {time.monotonic()} {os.nice(0)}", encoding="utf-8"
        )
        return stage(self, config, *say)

    def page(self, *args, **kwargs):
        pages.append(time.monotonic())
        return post_page(self, *args, **kwargs)

    monkeypatch.setattr(build.SiteBuild, "_pdf_stage", timed_stage)
    monkeypatch.setattr(build.SiteBuild, "post_page", page)
    _fork_beside_threads(monkeypatch)
    site, line = _build(project.root, caplog)
    pid, started, niceness = (tmp_path / "stage").read_text(encoding="utf-8").split()
    assert int(pid) != here and float(started) < pages[-1], (started, pages[-1])
    assert int(niceness) == 19  # the lowest: see build._niced
    assert _counts(line) == (3, 0) and line.count("PDFs:") == 1
    beside = _pdfs(site)
    shutil.rmtree(project.root / ".cache")
    _in_this_process(monkeypatch)
    site, line = _build(project.root, caplog)
    assert _counts(line) == (3, 0) and _pdfs(site) == beside
    assert (tmp_path / "stage").read_text(encoding="utf-8").split()[0] == str(here)


def test_pdfs_a_second_process_failed_to_make_are_made_by_the_build(
    project, caplog, monkeypatch, tmp_path
):
    """A second process that fails (here: raises as it starts the stage) has made nothing the
    build keeps: the build makes every PDF itself, and says nothing but its usual line."""
    import playbook.mkdocs.build as build

    here = os.getpid()
    stage = build.SiteBuild._pdf_stage

    def failing(self, config, *say):
        if os.getpid() != here:
            (tmp_path / "failed").touch()
            raise RuntimeError("the second process fails, for the test")
        return stage(self, config, *say)

    monkeypatch.setattr(build.SiteBuild, "_pdf_stage", failing)
    _fork_beside_threads(monkeypatch)
    site, line = _build(project.root, caplog)
    assert (tmp_path / "failed").exists()
    assert _counts(line) == (3, 0)
    assert all((site / name).read_bytes().startswith(b"%PDF-") for name in PDFS)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "the second process fails" not in caplog.text


def test_a_build_that_fails_stops_the_second_process_and_its_pdf_workers(
    project, caplog, monkeypatch, tmp_path
):
    """A build that fails while the second process's PDF workers lay out parts (here a hook
    fails on the last page, once a worker is at work) stops them all: none is left waiting
    for work that will never come."""
    project.write("mkdocs.yml", _with("      pdf_workers: 2\n"))
    monkeypatch.setattr(pdf, "MIN_PRINTS_PER_WORKER", 1)  # Chromium's workers
    workers = tmp_path / "workers"
    workers.mkdir()

    def stuck(self, tasks):
        (workers / str(os.getpid())).touch()
        time.sleep(120)

    monkeypatch.setattr(pdf._Renderer, "render", stuck)
    _fork_beside_threads(monkeypatch)
    project.write(
        "hooks.py",
        "import time\nfrom pathlib import Path\n\n"
        "def on_post_page(output, page, config):\n"
        "    if page.file.src_uri == 'index.md':\n"
        f"        for _ in range(600):\n"
        f"            if any(Path({str(workers)!r}).iterdir()):\n"
        "                raise RuntimeError('the build fails, for the test')\n"
        "            time.sleep(0.05)\n"
        "    return output\n",
    )
    with pytest.raises(RuntimeError, match="the build fails, for the test"):
        build_site(project.root, hooks=["hooks.py"])

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    pids = [int(p.name) for p in workers.iterdir()]
    assert pids
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if alive(pid)], "a PDF worker outlived the failed build"
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_a_failed_index_leaves_no_half_written_index_in_the_site(project, caplog, monkeypatch):
    from playbook.outputs.search import Indexing, SearchIndexError

    def fail(self):
        self.process.wait()  # Pagefind has written what it wrote
        assert (self.output / "pagefind-entry.json").is_file()
        raise SearchIndexError("Pagefind failed, for the test")

    monkeypatch.setattr(Indexing, "wait", fail)
    with pytest.raises((Abort, BuildError, PluginError)):
        build_site(project.root)
    assert "Pagefind failed, for the test" in caplog.text
    site = project.root / "site"
    assert not (site / ".pagefind-next").exists() and not (site / "pagefind").exists()


def test_fonts_are_cut_by_harfbuzz_and_a_machine_without_it_is_told(monkeypatch):
    """HarfBuzz's subsetter (installed by scripts/bootstrap.sh) cuts the fonts a PDF embeds
    three times as fast as fontTools, WeasyPrint's fallback: a build without it says so, after
    its summary, without a warning (the PDFs are right)."""
    assert not pdf.subsets_fonts_slowly(), "install libharfbuzz-subset0 (scripts/bootstrap.sh)"
    stats = pdf.PdfStats(rendered=1, written=1, slow_fonts=True)
    no_cache = DiskCache(None, 0)
    warnings, summary = pdf.report(stats, no_cache, None, 2.0)  # nothing refused: no item read
    assert warnings == []
    assert summary.startswith("PDFs: 1 written in 2.0 s") and "libharfbuzz-subset0" in summary
    stats.slow_fonts = False
    warnings, summary = pdf.report(stats, no_cache, None, 2.0)
    assert summary.startswith("PDFs: 1 written in 2.0 s") and "libharfbuzz" not in summary

    # told by WeasyPrint's own warning, which it gives when it falls back to fontTools
    import weasyprint.pdf.fonts as fonts

    def fallback(self, to_unicode, hinting):
        logging.getLogger("weasyprint").warning("Using fontTools instead of HarfBuzz-Subset")
        self._fonttools_subset(to_unicode, hinting)

    monkeypatch.setattr(fonts.Font, "subset", fallback)
    assert pdf.subsets_fonts_slowly()


def _with_site_url(project) -> None:
    """The project's site with its address set: printed pages carry QR codes."""
    project.write("mkdocs.yml", "site_url: https://playbooks.example.org/\n" + MKDOCS_YML)


def _pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def _qr_codes(project) -> dict[str, str]:
    """The QR codes kept in the project's cache folder, by address."""
    from playbook.core.cache import read_sealed_json
    from playbook.site.paper import QrCodes

    path = project.root / ".cache/playbook" / QrCodes.NAME
    return read_sealed_json(path, QrCodes.HEADER, 2**30)


def test_qr_codes_are_made_once_and_kept_between_builds(project, caplog, monkeypatch):
    """A code costs 0.35 ms to make, 2,000 codes in a build of 2,000 items: they are kept in
    one file of the cache folder by address (a file apiece cost more to create and read
    back), saved by the second process that renders the item pages, and a build with
    nothing new makes none, neither in this process nor in that one."""
    import zxingcpp
    from playbook.site import paper

    _with_site_url(project)
    _fork_beside_threads(monkeypatch)
    (project.root / ".cache/playbook/qr").mkdir(parents=True)  # where they were, a file each
    (project.root / ".cache/playbook/qr/old.pdfcache").write_bytes(b"an old entry")
    site, _line = _build(project.root, caplog)
    assert "rendered ahead by a second process" in caplog.text
    items = [*project.root.glob("playbooks/*.md"), *project.root.glob("case_studies/*.md")]
    codes = _qr_codes(project)  # one per item page (a pack's cover shares its playbook's)
    assert sorted(codes) == sorted(
        f"https://playbooks.example.org/{p.parent.name}/{p.stem}/" for p in items
    )
    assert not (project.root / ".cache/playbook/qr").exists()
    pages = _pages(site)
    assert sum("data:text/css;base64," in text for text in pages.values()) == len(items)

    def refuse(*args, **kwargs):
        raise AssertionError("a QR code was made again")

    monkeypatch.setattr(zxingcpp, "create_barcode", refuse)
    paper._qr_png.cache_clear()  # this process's own memory of them
    saved = (project.root / ".cache/playbook" / paper.QrCodes.NAME).stat().st_mtime_ns
    site, _line = _build(project.root, caplog)  # the pages made ahead, in a child, too
    assert _pages(site) == pages
    assert (project.root / ".cache/playbook" / paper.QrCodes.NAME).stat().st_mtime_ns == saved


def test_a_first_builds_qr_codes_are_made_beside_the_scan(project, caplog, monkeypatch, tmp_path):
    """With no codes kept, a process forked before the scan makes every item page's code
    (its address mirrors its file's path) on the core the scan leaves idle: neither the
    build's own process nor the one that renders the pages makes any, and a draft's code,
    made in passing, is not kept."""
    import os

    from playbook.site import pages, paper

    _with_site_url(project)
    _fork_beside_threads(monkeypatch)
    project.write(
        "case_studies/work-in-progress.md",
        CASE.replace("title: Circles at a hospital", "title: Work in progress\nstatus: draft"),
    )
    made, render = paper._qr_png.__wrapped__, pages.Renderer.item
    paper._qr_png.cache_clear()

    def recorded(url):
        with (tmp_path / "made").open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {time.monotonic()} {url}\n")
        return made(url)

    def rendered(self, *args, **kwargs):
        with (tmp_path / "rendered").open("a", encoding="utf-8") as out:
            out.write(f"{time.monotonic()}\n")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(paper, "_qr_png", recorded)
    monkeypatch.setattr(pages.Renderer, "item", rendered)
    site, _line = _build(project.root, caplog)
    makers = {line.split()[0] for line in (tmp_path / "made").read_text().splitlines()}
    assert len(makers) == 1 and str(os.getpid()) not in makers
    last_made = max(float(line.split()[1]) for line in (tmp_path / "made").read_text().splitlines())
    assert last_made < min(map(float, (tmp_path / "rendered").read_text().split()))
    items = [*project.root.glob("playbooks/*.md"), *project.root.glob("case_studies/*.md")]
    draft = "https://playbooks.example.org/case_studies/work-in-progress/"
    assert len((tmp_path / "made").read_text().splitlines()) == len(items)
    assert draft in (tmp_path / "made").read_text() and draft not in _qr_codes(project)
    assert len(_qr_codes(project)) == len(items) - 1
    assert not (site / "case_studies/work-in-progress").exists()


def test_qr_codes_of_pages_a_build_did_not_render_are_kept_those_of_gone_pages_not(tmp_path):
    """A preview's rebuild renders a few pages: the codes of the others stay in the file, as
    long as their pages are in the library; a code printed again is not saved again."""
    from playbook.core.cache import read_sealed_json
    from playbook.site.paper import QrCodes

    first = QrCodes(tmp_path, 16)
    pages = [f"https://lib.example.org/case_studies/case-{n}/" for n in range(3)]
    for url in pages:
        first.data_uri(url)
    first.save(set(pages))
    path = tmp_path / QrCodes.NAME
    saved = path.read_bytes()

    again = QrCodes(tmp_path, 16)
    again.data_uri(pages[0])
    again.save(set(pages))
    assert path.read_bytes() == saved and again.made == 0

    fewer = QrCodes(tmp_path, 16)
    fewer.data_uri(pages[1])
    fewer.save(set(pages[1:]))  # case-0 was deleted
    kept = read_sealed_json(path, QrCodes.HEADER, 2**30)
    assert sorted(kept) == pages[1:] and kept[pages[2]] == first.codes[pages[2]]
    saved = path.read_bytes()
    QrCodes(tmp_path, 16).save(set(pages))  # nothing printed: nothing written
    assert path.read_bytes() == saved


def _foreign(kind: str, own: bytes) -> bytes:
    """What a foreign hand may leave in a QR code's entry, its hash made to match."""
    import io

    from PIL import Image

    if kind == "cut off":  # the entry's own PNG, cut in the middle
        return own[: len(own) // 2]
    if kind == "colour":  # a whole PNG, of the right size, in colour: not one of ours
        out = io.BytesIO()
        Image.new("RGB", (140, 140), "red").save(out, "PNG")
        return out.getvalue()
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_a_cut_off_qr_code_is_refused_whatever_pillow_was_told(monkeypatch):
    """WeasyPrint, once imported, sets Pillow to load cut-off images as if whole: the check
    of a cached code must not depend on which module was imported first."""
    from PIL import ImageFile
    from playbook.site import paper

    own = paper._qr_png("https://lib.example.org/playbooks/review-form/")
    assert paper.is_qr_png(own)
    for loads_cut_off in (False, True):
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", loads_cut_off)
        assert not paper.is_qr_png(own[: len(own) // 2])
        assert not paper.is_qr_png(own[:-12])  # all but the end chunk


def _pillow_says_qr_png(data: bytes) -> bool:
    """What is_qr_png answers, as Pillow reads the image (with cut-off images refused)."""
    import io

    from PIL import Image, ImageFile

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    loads_cut_off, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.mode == "1" and image.width == image.height and image.width % 4 == 0
    except (OSError, ValueError, SyntaxError):
        return False
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = loads_cut_off


def test_the_qr_code_check_agrees_with_pillow():
    """is_qr_png reads a PNG with zlib (five times as fast as Pillow). It takes nothing
    Pillow would refuse, and takes only whole codes: none cut off anywhere, none with a byte
    changed anywhere (Pillow takes some of those: bytes after the end, a damaged end
    chunk), no PNG of another kind or size."""
    import io

    from PIL import Image
    from playbook.site import paper

    whole, damaged = [], []
    for url in ("https://a.example/", "https://lib.example.org/playbooks/" + "x" * 90 + "/"):
        own = paper._qr_png(url)
        whole.append(own)
        damaged += [own + b"\0", *(own[:cut] for cut in range(len(own)))]
        damaged += [own[:n] + bytes([own[n] ^ 0x10]) + own[n + 1 :] for n in range(len(own))]
    for mode, size in [("1", (140, 140)), ("1", (140, 144)), ("1", (142, 142)), ("L", (140, 140)),
                       ("RGB", (140, 140)), ("P", (140, 140))]:  # fmt: skip
        out = io.BytesIO()
        Image.new(mode, size).save(out, "PNG")
        (whole if size == (140, 140) and mode == "1" else damaged).append(out.getvalue())
    assert all(paper.is_qr_png(data) and _pillow_says_qr_png(data) for data in whole)
    assert not any(paper.is_qr_png(data) for data in damaged)


@pytest.mark.parametrize("kind", ["svg with a script", "cut off", "colour", "not base64"])
def test_a_foreign_qr_code_in_the_cache_is_made_again_never_published(project, caplog, kind):
    import base64

    from playbook.core.cache import write_sealed_json
    from playbook.site import paper

    _with_site_url(project)
    site, _line = _build(project.root, caplog)
    pages = _pages(site)
    codes = _qr_codes(project)
    foreign = {
        url: "not base64!" if kind == "not base64"
        else base64.b64encode(_foreign(kind, base64.b64decode(code))).decode()
        for url, code in codes.items()
    }  # fmt: skip
    path = project.root / ".cache/playbook" / paper.QrCodes.NAME
    write_sealed_json(path, paper.QrCodes.HEADER, foreign, 2**30)  # whole, hash and all
    paper._qr_png.cache_clear()
    site, _line = _build(project.root, caplog)
    assert _pages(site) == pages
    assert _qr_codes(project) == codes


@pytest.mark.parametrize("damage", ["cut off", "edited", "another maker"])
def test_a_damaged_qr_codes_file_is_not_used_and_is_replaced(project, caplog, damage):
    from playbook.site import paper

    _with_site_url(project)
    site, _line = _build(project.root, caplog)
    pages, codes = _pages(site), _qr_codes(project)
    path = project.root / ".cache/playbook" / paper.QrCodes.NAME
    raw = path.read_bytes()
    header, _, body = raw.partition(b"\n")
    path.write_bytes(
        raw[: len(raw) // 2] if damage == "cut off"
        else raw.replace(b"iVBOR", b"iVBOX", 1) if damage == "edited"
        else header.replace(paper.QrCodes.HEADER.encode(), b"playbook-qr-codes 1 0000") + b"\n" + body
    )  # fmt: skip
    paper._qr_png.cache_clear()
    site, _line = _build(project.root, caplog)
    assert _pages(site) == pages
    assert _qr_codes(project) == codes


def test_on_a_large_site_the_pdf_workers_start_once_pagefind_is_done(project, caplog, monkeypatch):
    """Pagefind's memory grows with the pages it indexes (850 MiB for 10,000): from
    WORKERS_AFTER_INDEX pages on, the PDF workers are forked only once it has finished, so
    that the two peaks do not add up; a smaller site runs them side by side."""
    import multiprocessing

    import playbook.mkdocs.build as build

    project.write("mkdocs.yml", _with("      pdf_workers: 2\n"))
    monkeypatch.setattr(pdf, "MIN_PRINTS_PER_WORKER", 1)  # Chromium's workers
    seen: list[tuple[bool, int]] = []  # (Pagefind done?, worker processes) as the hook ends
    original = build.SiteBuild._before_pdf_workers

    def watch(self):
        original(self)
        done = self.indexing.process.poll() is not None
        seen.append((done, len(multiprocessing.active_children())))

    monkeypatch.setattr(build.SiteBuild, "_before_pdf_workers", watch)
    _in_this_process(monkeypatch)
    _site, line = _build(project.root, caplog)
    assert "in 2 processes" in line and seen == [(seen[0][0], 0)]  # called before the fork
    assert "start once Pagefind is done" not in caplog.text  # 5 pages: side by side

    monkeypatch.setattr(build, "WORKERS_AFTER_INDEX", 1)
    shutil.rmtree(project.root / ".cache")
    seen.clear()
    site, line = _build(project.root, caplog)
    assert "in 2 processes" in line and seen == [(True, 0)]
    assert "PDF workers: they start once Pagefind is done (5 pages to index" in caplog.text
    assert (site / "pagefind/pagefind-entry.json").is_file()
    _assert_indexed_beside_the_pages_and_pdfs(caplog)


@pytest.mark.parametrize("length", [1, 40, 120])
def test_a_qr_code_has_the_pixels_zxing_draws_at_scale(length):
    """The code is drawn a pixel a module and then scaled (faster): every pixel is the one
    zxing-cpp draws at QR_PIXELS a module, with a module of white around, and the code reads
    back as its URL. Codes of several sizes (versions)."""
    import io

    import zxingcpp
    from PIL import Image
    from playbook.site import paper

    url = f"https://lib.example.org/{'p' * length}/case/"
    image = Image.open(io.BytesIO(paper._qr_png.__wrapped__(url)))
    drawn = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    drawing = memoryview(drawn.to_image(scale=paper.QR_PIXELS, add_quiet_zones=False))
    side, border, modules = drawing.shape[0], paper.QR_PIXELS, drawing.tobytes()
    assert image.size == (side + 2 * border, side + 2 * border)
    pixels = image.convert("L").load()
    for y in range(image.height):
        for x in range(image.width):
            inside = border <= x < border + side and border <= y < border + side
            expected = modules[(y - border) * side + x - border] if inside else 255
            assert pixels[x, y] == expected, (x, y)
    (found,) = zxingcpp.read_barcodes(image.convert("L"))
    assert found.text == url


def test_a_pdf_is_opened_once_however_many_pdfs_it_goes_in(project, caplog, monkeypatch):
    """Putting PDFs together opens each PDF it takes from once a chunk: the page numbers
    every PDF of the same length shares, a sheet in its own PDF and in a pack, a cover
    counted, then put in (0.3 ms an opening, for 700 PDFs and 2,500 parts at 2,000 items)."""
    import io

    import pikepdf

    _in_this_process(monkeypatch)
    calls: list[list[bytes]] = []
    original_open, original_assemble = pikepdf.open, pdf._Renderer.assemble

    def assemble(self, assemblies):
        calls.append([])
        return original_assemble(self, assemblies)

    def counting_open(source, *args, **kwargs):
        if calls and isinstance(source, io.BytesIO):
            calls[-1].append(source.getvalue())
        return original_open(source, *args, **kwargs)

    monkeypatch.setattr(pdf._Renderer, "assemble", assemble)
    monkeypatch.setattr(pikepdf, "open", counting_open)
    _site, line = _build(project.root, caplog)
    opened = [data for call in calls for data in call]
    assert len(opened) > len(calls) >= 2  # the packs and the PDFs of one item, apart
    assert all(len(call) == len(set(call)) for call in calls), line

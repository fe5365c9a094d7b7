"""What lays the PDFs out: Chromium, several documents printed as one and split after, with the
same pages as each printed alone; WeasyPrint where there is no Chromium, which the build says;
and a change of engine lays everything out again."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import playbook.outputs.chromium as chromium
import playbook.outputs.pdf as pdf
import pypdf
import pytest
from conftest import MKDOCS_YML, build_site
from test_pdf_cache import PACK_PDF, TEMPLATE_PDF, _build, _in_this_process, _with

pytestmark = pytest.mark.skipif(
    not chromium.available(), reason="needs Chromium (scripts/bootstrap.sh installs it)"
)


def _documents(project, monkeypatch) -> tuple[Path, str, list[tuple[str, str]]]:
    """The fixture's site built, and every part of its PDFs: (HTML, address)."""
    documents: dict[str, str] = {}  # HTML -> address
    bases: list[str] = []
    original = pdf.write_pdfs

    def keep(writer, site_dir, base_url, jobs, compose, **kwargs):
        bases.append(base_url)
        for job in jobs:
            for _label, html, url, _item in compose(job.items).parts:
                documents[html] = url
        return original(writer, site_dir, base_url, jobs, compose, **kwargs)

    monkeypatch.setattr("playbook.mkdocs.build.write_pdfs", keep)
    _in_this_process(monkeypatch)
    site = build_site(project.root)
    return site, bases[0], list(documents.items())


def _gray(data: bytes, tmp: Path, name: str) -> list[bytes]:
    """Each page of a PDF drawn by Poppler at 100 dpi, in grey: its pixels."""
    (tmp / f"{name}.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", str(tmp / f"{name}.pdf"), str(tmp / name)], check=True
    )
    pages = []
    for path in sorted(tmp.glob(f"{name}-*.pgm")):
        _header, pixels = path.read_bytes().split(b"\n255\n", 1)
        pages.append(pixels)
    return pages


def _engine(site: Path, base: str) -> chromium.Chromium:
    return chromium.Chromium(site, base, [f"{pdf.STYLE_DIR}/{n}" for n in pdf.PRINT_STYLES])


def test_documents_printed_together_have_the_pages_each_has_alone(project, monkeypatch, tmp_path):
    """Every part of the fixture's PDFs, printed in one batch (the template's sheet after
    the others, so not on the batch's first page) and each on its own: the same number of
    pages, the same text on each, and the same pixels but for the edges of a few glyphs (the
    batch draws them at another offset, which moves their anti-aliasing)."""
    site, base, documents = _documents(project, monkeypatch)
    assert len(documents) == 4  # the sheets of the template and the framework, notes, run sheet
    engine = _engine(site, base)
    try:
        together = engine.pdfs(documents, pdf.UNNUMBERED)
        alone = [engine.pdfs([document], pdf.UNNUMBERED)[0] for document in documents]
    finally:
        engine.close()
    for n, ((batched, refused_b), (single, refused_s)) in enumerate(
        zip(together, alone, strict=True)
    ):
        assert refused_b == refused_s == []
        a, b = pypdf.PdfReader(io.BytesIO(batched)), pypdf.PdfReader(io.BytesIO(single))
        assert len(a.pages) == len(b.pages) >= 1
        assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
        for x, y in zip(
            _gray(batched, tmp_path, f"b{n}"), _gray(single, tmp_path, f"s{n}"), strict=True
        ):
            assert len(x) == len(y)
            differ = [abs(p - q) for p, q in zip(x, y, strict=True) if p != q]
            assert len(differ) < len(x) / 1000 and max(differ, default=0) < 64


def test_a_refused_resource_is_told_with_the_document_that_asked_for_it(
    project, monkeypatch, tmp_path
):
    """A batch in which Chromium was refused a URL is printed again one by one: the
    refusal is the one document's, the others' PDFs are as in any batch."""
    site, base, documents = _documents(project, monkeypatch)
    html, url = documents[1]
    asking = html.replace(
        "</body>",
        '<img src="https://elsewhere.example/pixel.png" alt="">'
        '<img src="../../../../../etc/hostname" alt=""></body>',
    )
    engine = _engine(site, base)
    try:
        printed = engine.pdfs([documents[0], (asking, url), documents[2]], pdf.UNNUMBERED)
    finally:
        engine.close()
    refused = [said for _data, said in printed]
    assert refused[0] == refused[2] == []
    assert "https://elsewhere.example/pixel.png" in refused[1]
    assert any(u.endswith("/etc/hostname") for u in refused[1]), refused[1]
    assert all(pypdf.PdfReader(io.BytesIO(data)).pages for data, _ in printed)


def test_the_build_says_when_weasyprint_lays_out_for_want_of_chromium(project, caplog, monkeypatch):
    """`auto` without a Chromium: WeasyPrint lays the PDFs out, and the summary says why
    and how to have Chromium; with `pdf_engine: weasyprint` chosen, nothing to say. A change
    of engine lays every part out again (the cache keys hold it)."""
    monkeypatch.setattr(chromium, "available", lambda: False)
    site, line = _build(project.root, caplog)
    assert "WeasyPrint laid them out: no Chromium was found" in line
    assert "apt-get install chromium" in line
    assert round(float(pypdf.PdfReader(site / TEMPLATE_PDF).pages[0].mediabox.width), 2) == 595.28
    cover = pypdf.PdfReader(site / PACK_PDF).pages[0].extract_text()
    assert re.search(r"Run sheet: phases, roles, pitfalls\W*2\b", cover), cover  # its page
    project.write("mkdocs.yml", _with("      pdf_engine: weasyprint\n"))
    _site, line = _build(project.root, caplog)
    assert "(0 rendered" in line and "WeasyPrint" not in line  # the same engine: from the cache
    monkeypatch.undo()
    project.write("mkdocs.yml", _with("      pdf_engine: chromium\n"))
    site, line = _build(project.root, caplog)
    assert "(3 rendered" in line and "; 4 parts laid out)" in line
    pack = pypdf.PdfReader(site / PACK_PDF)
    # Chromium's A4 is whole CSS pixels (794 x 1123): 594.96 points wide, WeasyPrint's 595.28
    assert round(float(pypdf.PdfReader(site / TEMPLATE_PDF).pages[0].mediabox.width), 2) == 594.96
    assert len(pack.pages) >= 4 and "2 / " in pack.pages[1].extract_text()


def test_chromium_chosen_but_missing_stops_the_build_with_the_reason(project, caplog, monkeypatch):
    """`pdf_engine: chromium` on a machine whose Chromium does not start: the build stops
    with a located message (no traceback, no PDF half written), in one process and in the
    workers alike."""
    from mkdocs.exceptions import Abort, BuildError, PluginError

    monkeypatch.setattr(chromium, "executable", lambda: "/nonexistent/chromium")
    for workers in (1, 2):
        project.write(
            "mkdocs.yml", _with(f"      pdf_engine: chromium\n      pdf_workers: {workers}\n")
        )
        monkeypatch.setattr(pdf, "MIN_PRINTS_PER_WORKER", 1)
        with pytest.raises((Abort, BuildError, PluginError)) as stopped:
            _build(project.root, caplog)
        said = str(stopped.value) + " ".join(r.getMessage() for r in caplog.records)
        assert "Chromium did not start" in said, said
        assert not list((project.root / "site").rglob("*.pdf"))


def test_the_default_configuration_needs_no_engine_option():
    assert "pdf_engine" not in MKDOCS_YML
    assert pdf.engine_of("auto")[0] == "chromium"  # this machine has it (bootstrap.sh)


PAGE = "<!doctype html><html><head></head><body><p>One sheet.</p></body></html>"


def _fake_chromium(tmp_path: Path, monkeypatch, body: str) -> None:
    """A program in Chromium's place: a Python script whose body is given."""
    fake = tmp_path / "fake-chromium"
    fake.write_text(f"#!{sys.executable}\nimport os, sys\n{body}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(chromium, "executable", lambda: str(fake))


def _left_behind() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("playbook-chromium-*")}


def test_a_chromium_that_stops_at_once_is_missing_with_its_fatal_line(tmp_path, monkeypatch):
    _fake_chromium(
        tmp_path,
        monkeypatch,
        "print('[1207/1:WARNING:x.cc(1)] noise', file=sys.stderr)\n"
        "print('[1207/1:FATAL:y.cc(2)] Check failed: no usable display.', file=sys.stderr)\n"
        "sys.exit(1)",
    )
    before = _left_behind()
    with pytest.raises(chromium.ChromiumMissing, match="Check failed: no usable display"):
        chromium.Chromium(tmp_path, "https://example.org/", [])
    assert _left_behind() == before  # its profile folder is gone


def test_a_chromium_that_never_answers_is_given_up_on_in_time(tmp_path, monkeypatch):
    """A Chromium that reads its commands and answers none: the launch fails after TIMEOUT
    seconds, with the reason; nothing is left running or on disk."""
    _fake_chromium(tmp_path, monkeypatch, "while os.read(3, 65536):\n    pass")
    monkeypatch.setattr(chromium, "TIMEOUT", 1)
    spawned, spawn = [], os.posix_spawn
    monkeypatch.setattr(
        os, "posix_spawn", lambda *a, **k: spawned.append(spawn(*a, **k)) or spawned[-1]
    )
    before = _left_behind()
    started = time.monotonic()
    with pytest.raises(chromium.ChromiumMissing, match=r"did not answer within 1 s"):
        chromium.Chromium(tmp_path, "https://example.org/", [])
    assert time.monotonic() - started < 10
    assert _left_behind() == before
    with pytest.raises(ChildProcessError):  # stopped and reaped: not left running
        os.waitpid(spawned[0], os.WNOHANG)


def test_a_crashed_page_is_an_error_not_a_wait(tmp_path, monkeypatch):
    """The page's renderer dies (Chromium's own command crashes it): printing fails at once
    with a ChromiumError, which the build reports as a PDF error; the browser still closes."""
    monkeypatch.setattr(chromium, "TIMEOUT", 20)
    engine = chromium.Chromium(tmp_path, "https://example.org/", [])
    try:
        assert engine.pdfs([(PAGE, "https://example.org/a/")], "")[0][0].startswith(b"%PDF")
        engine._pipe.send("Page.crash", session=engine.session)
        started = time.monotonic()
        with pytest.raises(chromium.ChromiumError):
            engine.pdfs([(PAGE, "https://example.org/a/")], "")
        assert time.monotonic() - started < 15
    finally:
        engine.close()


@pytest.mark.parametrize("name", ["chromium-headless-shell", "chromium"])
def test_chromium_keeps_nothing_of_its_own_after_the_build(name, tmp_path, monkeypatch):
    """The headless shell keeps its profile in memory; the whole browser gets a fresh folder
    for it, deleted when it closes. Nothing is written in the user's home (where the whole
    browser would keep its profile and crash reports), and no process is left."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"no {name} on this machine")
    monkeypatch.setattr(chromium, "executable", lambda: found)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    before = _left_behind()
    engine = chromium.Chromium(tmp_path, "https://example.org/", [])
    pid = engine._pipe.pid
    try:
        assert bool(_left_behind() - before) == (name == "chromium")  # its profile, in use
        assert engine.pdfs([(PAGE, "https://example.org/a/")], "")[0][1] == []
    finally:
        engine.close()
    assert _left_behind() == before
    assert not list(home.rglob("*"))
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_build_killed_mid_way_leaves_no_chromium_and_no_folder(tmp_path):
    """The process that drives the headless shell ends without a word (a worker killed, a
    build stopped): Chromium sees its pipe closed and goes, and nothing stays on disk."""
    before = _left_behind()
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from playbook.outputs.chromium import Chromium\n"
        f"engine = Chromium(Path({str(tmp_path)!r}), 'https://example.org/', [])\n"
        "print(engine._pipe.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    pid = int(out.stdout)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.05)
    assert not _running(pid)
    assert _left_behind() == before


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has stopped


def test_the_page_is_renewed_every_few_prints_and_prints_the_same(tmp_path, monkeypatch):
    """A renderer keeps what it printed (without JavaScript, nothing collects it): every
    PRINTS_PER_PAGE prints the page is closed and a new one opened, in a new renderer. The
    documents printed after print as before, and only one page is ever open."""
    monkeypatch.setattr(chromium, "PRINTS_PER_PAGE", 2)
    engine = chromium.Chromium(tmp_path, "https://example.org/", [])
    try:
        targets, texts = [], []
        for _ in range(5):
            targets.append(engine.target)
            ((data, refused),) = engine.pdfs([(PAGE, "https://example.org/a/")], "")
            assert refused == []
            texts.append(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text())
        assert texts == ["One sheet."] * 5
        assert len(set(targets)) == 3  # renewed after the 2nd and the 4th print
        pages = [
            info
            for info in engine._pipe.call("Target.getTargets")["targetInfos"]
            if info["type"] == "page"
        ]
        assert [info["targetId"] for info in pages] == [engine.target]
    finally:
        engine.close()

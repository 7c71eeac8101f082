"""Data safety: every stale state converges, no document is lost in silence, no read is
unbounded, no schema reference is fetched, and the exit statuses are the README's.

Each test is one failure found by an attack run on the bookkeeping of convert, build and
check; each runs the real command line (in-process, or in a subprocess with a time limit
where the old behaviour was to block).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, copy_sources, encoded_documents
from conftest import run_console as run

from tei_edition import xmlio
from tei_edition.build import CACHE_NAME
from tei_edition.textio import decode

CLI = [sys.executable, "-c", "from tei_edition.cli import main; main()"]
NAMES = ["syn-04-ciphered-telegram-lagunov", "syn-05-telegram-lu-shaowen-tan",
         "syn-06-letter-kerteszfalvi-students"]
SAMPLE = (CORPUS / f"{NAMES[0]}.txt").read_text("utf-8")
OLD = 946_684_800 * 10**9  # 2000-01-01: an mtime older than any output




def errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error: " in line]


def run_limited(*args: str | Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The command line in a subprocess: a run that blocks fails the test, not the suite."""
    try:
        return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`tei-edition {' '.join(map(str, args))}` blocked for {timeout} s")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sources(tmp_path, NAMES)


def build(capsys: pytest.CaptureFixture[str], root: Path, *options: str) -> tuple[int, str]:
    return run(capsys, "build", root, "-j", "1", "-q", *options)


def listed(root: Path) -> set[str]:
    """The documents the index page links to."""
    index = (root / "site" / "index.html").read_text("utf-8")
    return set(re.findall(r'href="([^"/]+)\.html"', index)) - {"index", "search"}


def pages(root: Path) -> set[str]:
    return {p.stem for p in (root / "site").glob("*.html")} - {"index", "search"}


def teis(root: Path) -> set[str]:
    return {p.stem for p in encoded_documents(root / "encoded")}


# --------------------------------------------------------------------------- lost data


def test_two_sources_for_one_output_in_one_folder_are_an_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SAMPLE, "utf-8")
    (folder / "a.md").write_text(SAMPLE.replace("Lagunov", "Lagunova"), "utf-8")
    status, out = run(capsys, "convert", folder, "-o", tmp_path / "out")
    assert status == 1, out
    assert len(errors(out)) == 2 and all("[collision]" in line for line in errors(out))
    assert all(str(folder / "a.txt") in line and str(folder / "a.md") in line
               for line in errors(out))
    assert not (tmp_path / "out" / "a.xml").exists()


def test_same_name_in_two_folders_is_an_error(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    for folder in ("d1", "d2"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(SAMPLE.replace("Lagunov", folder), "utf-8")
    status, out = run(capsys, "convert", tmp_path / "d1", tmp_path / "d2", "-o", tmp_path / "out")
    assert status == 1, out
    assert [line.split(":")[0] for line in errors(out)] == [
        str(tmp_path / "d1" / "same.txt"), str(tmp_path / "d2" / "same.txt")]
    assert not (tmp_path / "out" / "same.xml").exists()


def test_one_file_named_twice_is_no_collision(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    src = tmp_path / "in" / "a.txt"
    src.parent.mkdir()
    src.write_text(SAMPLE, "utf-8")
    status, out = run(capsys, "convert", src.parent, src, "-o", tmp_path / "out")
    assert status == 0, out
    assert "1 source(s): 1 converted" in out


def test_build_and_check_refuse_two_sources_for_one_document(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    tei = project / "encoded" / f"{NAMES[0]}.xml"
    before = tei.read_bytes()
    twin = project / "sources" / f"{NAMES[0]}.md"
    twin.write_text(SAMPLE.replace("Lagunov", "Lagunova"), "utf-8")
    status, out = build(capsys, project)
    assert status == 1 and sum("[collision]" in line for line in errors(out)) == 2, out
    assert tei.read_bytes() == before  # neither source was written over it
    assert NAMES[0] not in listed(project)
    status, out = run(capsys, "check", project)
    assert status == 1 and "[collision]" in out


def test_a_source_whose_page_would_replace_the_index_is_an_error(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "sources" / "index.txt").write_text(SAMPLE, "utf-8")
    status, out = build(capsys, project)
    assert status == 1, out
    assert f"{project / 'sources' / 'index.txt'}:0:0: error: [collision]" in out
    assert listed(project) == set(NAMES)  # the index page is the edition's, with every other


# --------------------------------------------------------------------------- stale states


def _restore_older(src: Path, text: str) -> None:
    """What `cp -p`, `tar` or `rsync -a` do: other content, an old modification time."""
    src.write_text(text, "utf-8")
    os.utime(src, ns=(OLD, OLD))


def test_a_source_restored_with_an_older_mtime_is_converted(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    src = project / "sources" / f"{NAMES[1]}.txt"
    _restore_older(src, src.read_text("utf-8").replace("Zhanjiang", "Guangzhou"))
    status, out = build(capsys, project)
    assert status == 0, out
    assert "Guangzhou" in (project / "site" / f"{NAMES[1]}.html").read_text("utf-8")
    assert run(capsys, "check", project)[0] == 0


def test_an_edit_of_the_same_size_with_its_mtime_restored_is_converted(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    src = project / "sources" / f"{NAMES[1]}.txt"
    st = src.stat()
    text = src.read_text("utf-8")
    assert "Zhanjiang" in text
    src.write_text(text.replace("Zhanjiang", "Zhanjianq"), "utf-8")
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert src.stat().st_size == st.st_size and src.stat().st_mtime_ns == st.st_mtime_ns
    status, out = build(capsys, project)
    assert status == 0 and "1 converted" in out, out
    assert b"Zhanjianq" in (project / "encoded" / f"{NAMES[1]}.xml").read_bytes()


def test_build_force_regenerates_everything_and_backs_up_hand_edits(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    tei = project / "encoded" / f"{NAMES[0]}.xml"
    generated = tei.read_bytes()
    edited = generated.replace(b"Lagunov", b"Lagunoff")
    tei.write_bytes(edited)
    status, out = build(capsys, project, "--force")
    assert status == 0, out
    assert tei.read_bytes() == generated
    assert tei.with_name(tei.name + ".bak").read_bytes() == edited
    assert b"Lagunoff" not in (project / "site" / f"{NAMES[0]}.html").read_bytes()
    assert run(capsys, "check", project)[0] == 0


def test_force_renders_every_page_again(capsys: pytest.CaptureFixture[str],
                                        project: Path) -> None:
    assert build(capsys, project)[0] == 0
    page = project / "site" / f"{NAMES[2]}.html"
    page.write_text("broken", "utf-8")
    assert build(capsys, project, "--force")[0] == 0
    assert "broken" not in page.read_text("utf-8")


@pytest.mark.parametrize("damage", ["edited", "deleted", "folder"])
def test_a_damaged_page_is_rendered_again(capsys: pytest.CaptureFixture[str], project: Path,
                                          damage: str) -> None:
    assert build(capsys, project)[0] == 0
    page = project / "site" / f"{NAMES[1]}.html"
    rendered = page.read_bytes()
    st = page.stat()
    page.unlink()
    if damage == "edited":  # same size, same modification time
        page.write_bytes(rendered.replace(b"Zhanjiang", b"Zhanjianq"))
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif damage == "folder":
        page.mkdir()
    status, out = run(capsys, "build", project, "-j", "1")
    if damage == "folder":  # never removed: the user's, reported as an I/O error
        assert status == 2 and f"{page}:0:0: error: [io]" in out, out
        return
    assert status == 0 and "0 converted, 3 unchanged" in out, out
    assert page.read_bytes() == rendered


def test_a_deleted_stylesheet_is_written_again(capsys: pytest.CaptureFixture[str],
                                               project: Path) -> None:
    assert build(capsys, project)[0] == 0
    (project / "site" / "edition.css").unlink()
    assert build(capsys, project)[0] == 0
    assert (project / "site" / "edition.css").is_file()


def test_a_deleted_source_takes_its_tei_and_page_with_it(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    (project / "sources" / f"{NAMES[2]}.txt").unlink()
    status, out = run(capsys, "build", project, "-j", "1")
    assert status == 0, out
    assert "1 orphan(s) removed" in out
    kept = set(NAMES[:2])
    assert teis(project) == kept and pages(project) == kept and listed(project) == kept
    assert run(capsys, "check", project)[0] == 0


def test_keep_orphans_keeps_the_files_but_does_not_publish_them(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    (project / "sources" / f"{NAMES[2]}.txt").unlink()
    status, out = run(capsys, "build", project, "-j", "1", "--keep-orphans")
    assert status == 0 and f"{NAMES[2]}.xml:0:0: warning: [orphan]" in out, out
    assert NAMES[2] in teis(project) and NAMES[2] not in listed(project)
    status, out = run(capsys, "check", project)  # an orphan not listed in the configuration
    assert status == 1 and f"{NAMES[2]}.xml:0:0: error: [orphan]" in out


def test_a_hand_edited_orphan_is_removed_only_with_force(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    tei = project / "encoded" / f"{NAMES[2]}.xml"
    edited = tei.read_bytes().replace(b"Dear", b"Dearest")
    tei.write_bytes(edited)
    (project / "sources" / f"{NAMES[2]}.txt").unlink()
    status, out = build(capsys, project)
    assert status == 1 and "[orphan]" in out and tei.read_bytes() == edited
    status, out = build(capsys, project, "--force")
    assert status == 0, out
    assert not tei.exists() and tei.with_name(tei.name + ".bak").read_bytes() == edited
    assert NAMES[2] not in pages(project) | listed(project)


def test_a_tei_file_without_a_source_fails_check(capsys: pytest.CaptureFixture[str],
                                                 project: Path) -> None:
    assert build(capsys, project)[0] == 0
    valid = project / "encoded" / f"{NAMES[0]}.xml"
    shutil.copyfile(valid, project / "encoded" / "stray.xml")
    status, out = run(capsys, "check", project)
    assert status == 1, out
    assert [line for line in errors(out) if "[orphan]" in line] == [
        f"{project / 'encoded' / 'stray.xml'}:0:0: error: [orphan] no source in sources/ "
        "produces this file; `tei-edition build` removes it, or list it under [build] orphans "
        "in tei-edition.toml to keep it"]


def test_orphans_listed_in_the_configuration_are_kept_checked_and_published(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert build(capsys, project)[0] == 0
    (project / "tei-edition.toml").write_text('[build]\norphans = ["appendix-*.xml"]\n', "utf-8")
    appendix = project / "encoded" / "appendix-1.xml"
    data = (project / "encoded" / f"{NAMES[0]}.xml").read_bytes()
    appendix.write_bytes(data.replace(b"Lagunov", b"Appendix").replace(  # made by hand
        f'xml:id="{NAMES[0]}"'.encode(), b'xml:id="appendix-1"'))
    assert build(capsys, project)[0] == 0
    assert appendix.exists() and "appendix-1" in listed(project)
    assert run(capsys, "check", project)[0] == 0
    appendix.write_bytes(data.replace(b"<TEI ", b"<TEI bad='1' "))
    status, out = run(capsys, "check", project)
    assert status == 1 and "appendix-1.xml" in out  # kept, but still validated


def test_the_edition_corpus_file_is_no_orphan(capsys: pytest.CaptureFixture[str],
                                              project: Path) -> None:
    """encoded/corpus.xml gathers the whole edition: it has no source of its own."""
    assert build(capsys, project)[0] == 0
    corpus = project / "encoded" / "corpus.xml"
    assert corpus.is_file()
    status, out = run(capsys, "build", project, "-j", "1")
    assert status == 0 and "[orphan]" not in out and corpus.is_file(), out
    status, out = run(capsys, "check", project)
    assert status == 0 and "[orphan]" not in out, out


def test_orphans_setting_is_checked(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "tei-edition.toml").write_text('[build]\norphans = ["x/a.xml"]\n', "utf-8")
    status, out = build(capsys, project)
    assert status == 2 and "[config]" in out and "x/a.xml" in out


def test_a_change_of_settings_converts_again(capsys: pytest.CaptureFixture[str],
                                             project: Path) -> None:
    assert build(capsys, project)[0] == 0
    (project / "tei-edition.toml").write_text('[edition]\npublisher = "Other Press"\n', "utf-8")
    status, out = build(capsys, project)
    assert status == 0 and "3 converted" in out, out
    assert b"Other Press" in (project / "encoded" / f"{NAMES[0]}.xml").read_bytes()
    assert run(capsys, "check", project)[0] == 0


def test_a_hints_file_is_an_input_of_its_document(capsys: pytest.CaptureFixture[str],
                                                  project: Path) -> None:
    """Adding, changing and removing NAME.hints.toml each convert that document again
    (and only it); check agrees with build each time."""
    assert build(capsys, project)[0] == 0
    tei = project / "encoded" / f"{NAMES[1]}.xml"
    hints = project / "sources" / f"{NAMES[1]}.hints.toml"
    for text in ('[document]\ndate = "1960-06-04"\n', '[document]\ndate = "1960-06-05"\n',
                 None):
        if text is None:
            hints.unlink()
        else:
            hints.write_text(text, "utf-8")
            os.utime(hints, ns=(OLD, OLD))  # its time says nothing
        status, out = run(capsys, "build", project, "-j", "1")
        assert status == 0 and "1 converted, 2 unchanged" in out, (text, out)
        data = tei.read_bytes()
        assert (b'type="hints-sha256"' in data) == (text is not None)
        if text is not None:
            assert text.split('"')[1].encode() in data
        status, out = run(capsys, "check", project)
        assert status == 0, (text, out)


def test_a_touched_source_is_not_converted_again(capsys: pytest.CaptureFixture[str],
                                                 project: Path) -> None:
    """Times only ever save work: a new mtime with the same content converts nothing."""
    assert build(capsys, project)[0] == 0
    later = time.time_ns() + 10**10
    for src in (project / "sources").iterdir():
        os.utime(src, ns=(later, later))
    status, out = run(capsys, "build", project, "-j", "1")
    assert status == 0 and "0 converted, 3 unchanged" in out, out


# --------------------------------------------------------------------------- silent corruption


CP1252_LINE = "The café and the crêpe stand were closed."


def _mixed(tmp_path: Path) -> Path:
    """A UTF-8 source with one line pasted from a Windows-1252 file."""
    src = tmp_path / "mixed.txt"
    lines = SAMPLE.encode("ascii", errors="replace").split(b"\n")
    lines.insert(12, "Café Lagunov was closed.".encode())
    lines.insert(14, CP1252_LINE.encode("cp1252"))
    src.write_bytes(b"\n".join(lines))
    return src


def test_a_utf8_source_with_a_cp1252_line_is_an_error(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    src = _mixed(tmp_path)
    raw = src.read_bytes()
    at = raw.index(CP1252_LINE.encode("cp1252")) + CP1252_LINE.index("é")
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out")
    assert status == 1, out
    [message] = errors(out)
    assert message.startswith(f"{src}:15:8: error: [encoding]"), message
    assert f"byte offset {at}" in message
    assert not (tmp_path / "out" / "mixed.xml").exists()
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out", "--encoding", "cp1252")
    assert status == 0, out  # the user's word decides


def test_verify_refuses_the_mixed_source_too(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    src = _mixed(tmp_path)
    good = tmp_path / "good.txt"
    good.write_bytes(src.read_bytes().replace(CP1252_LINE.encode("cp1252"), CP1252_LINE.encode()))
    assert run(capsys, "convert", good, "-o", tmp_path)[0] == 0
    status, out = run(capsys, "verify", src, tmp_path / "good.xml")
    assert status == 1 and "[encoding]" in out, out


@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "\ud83d\ude00"])
def test_surrogates_encoded_as_utf8_are_refused(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, surrogate: str) -> None:
    raw = SAMPLE.encode().replace(b"Lagunov", b"Lagunov" + surrogate.encode("utf-8", "surrogatepass"), 1)
    src = tmp_path / "s.txt"
    src.write_bytes(raw)
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out")
    assert status == 1, out
    [message] = errors(out)
    at = raw.index(b"\xed")
    assert "[encoding]" in message and f"byte offset {at}" in message
    assert not (tmp_path / "out" / "s.xml").exists()


def test_a_code_page_word_that_looks_like_utf8_is_still_read() -> None:
    """Whole valid UTF-8 words alone do not make a file UTF-8: only words that read
    naturally as UTF-8 and oddly in the code page do."""
    for text, enc in (("«CAFÉ” naïve déjà", "cp1252"), ("«ТАСС» Віктор сказал", "cp1251")):
        assert decode(text.encode(enc), "t.txt").text == text


# --------------------------------------------------------------------------- unbounded reads


def _dev_zero_target(project: Path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    (project / "encoded").mkdir(exist_ok=True)
    target = project / "encoded" / f"{NAMES[0]}.xml"
    target.symlink_to("/dev/zero")
    return target


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", ["convert", "build", "check"])
def test_a_pipe_or_device_at_the_target_is_an_io_error(project: Path, kind: str,
                                                      command: str) -> None:
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("needs a named pipe (POSIX)")
        (project / "encoded").mkdir()
        target = project / "encoded" / f"{NAMES[0]}.xml"
        os.mkfifo(target)
    else:
        target = _dev_zero_target(project)
    args = {"convert": ("convert", project / "sources", "-o", project / "encoded"),
            "build": ("build", project, "-j", "1"), "check": ("check", project)}[command]
    proc = run_limited(*args)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert f"{target}:0:0: error: [io] not a regular file" in proc.stderr
    assert os.path.lexists(target) and not target.is_file()  # left alone, not replaced


def test_a_pipe_at_the_corpus_file_is_an_io_error(project: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a named pipe (POSIX)")
    (project / "encoded").mkdir()
    corpus = project / "encoded" / "corpus.xml"
    os.mkfifo(corpus)
    for _ in range(2):  # the first build converts; the second finds nothing else to do
        proc = run_limited("build", project, "-j", "1", "-q")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert f"{corpus}:0:0: error: [io] not a regular file" in proc.stderr
    assert not corpus.is_file() and os.path.lexists(corpus)


# --------------------------------------------------------------------------- network


class _Server:
    """A local HTTP server that records every request (it must see none)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
                                 b'<define name="x"><empty/></define></grammar>')

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


RNG = '<grammar xmlns="http://relaxng.org/ns/structure/1.0"{base}>{ref}<start>' \
      '<element name="a"><empty/></element></start></grammar>'


def _schemas(folder: Path, url: str) -> dict[str, Path]:
    """Schemas that would make an engine fetch `url`: directly, nested, via xml:base, compact."""
    made = {
        "include": RNG.format(base="", ref=f'<include href="{url}/i.rng"/>'),
        "externalRef": RNG.format(base="", ref=f'<define name="e"><externalRef href="{url}/e.rng"/>'
                                               "</define>"),
        "nested": RNG.format(base="", ref='<include href="inner/level1.rng"/>'),
        "xml-base": RNG.format(base=f' xml:base="{url}/"', ref='<include href="b.rng"/>'),
    }
    out = {}
    for name, text in made.items():
        out[name] = folder / f"{name}.rng"
        out[name].write_text(text, "utf-8")
    (folder / "inner").mkdir()
    (folder / "inner" / "level1.rng").write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="level2.rng"/>'
        "</grammar>", "utf-8")
    (folder / "inner" / "level2.rng").write_text(
        f'<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="{url}/n.rng"/>'
        "</grammar>", "utf-8")
    out["compact"] = folder / "compact.rnc"
    out["compact"].write_text(f'# a comment with include "nothing"\n'
                              f'\\x{{69}}nclude "{url}/" ~ "c.rnc"\nstart = element a {{ empty }}\n',
                              "utf-8")
    return out


@pytest.mark.parametrize("engine", ["jing", "lxml"])
@pytest.mark.parametrize("case", ["include", "externalRef", "nested", "xml-base", "compact"])
def test_a_schema_that_refers_to_the_network_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, server: _Server, engine: str,
        case: str) -> None:
    if engine == "jing" and shutil.which("java") is None:
        pytest.skip("jing needs java")
    if engine == "lxml" and case == "compact":
        pytest.skip("lxml reads no compact syntax")
    schema = _schemas(tmp_path, server.url)[case]
    server.requests.clear()
    doc = tmp_path / "a.xml"
    doc.write_text("<a/>", "utf-8")
    status, out = run(capsys, "validate", "--engine", engine, "--schema", schema, doc)
    assert server.requests == [], f"the schema was fetched: {server.requests}"
    assert status == 2, out
    assert "error: [schema-external]" in out and server.url in out


@pytest.mark.parametrize("engine", ["lxml", "jing"])
def test_a_schema_with_only_local_includes_still_works(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path, engine: str) -> None:
    if engine == "jing" and shutil.which("java") is None:
        pytest.skip("jing needs java")
    (tmp_path / "part.rng").write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><define name="x"><empty/></define>'
        "</grammar>", "utf-8")
    schema = tmp_path / "main.rng"
    schema.write_text(RNG.format(base="", ref='<include href="part.rng"/>'), "utf-8")
    doc = tmp_path / "a.xml"
    doc.write_text("<a/>", "utf-8")
    status, out = run(capsys, "validate", "--no-rules", "--engine", engine, "--schema", schema,
                      doc)
    assert status == 0, out
    doc.write_text("<b/>", "utf-8")
    assert run(capsys, "validate", "--no-rules", "--engine", engine, "--schema", schema,
               doc)[0] == 1


# --------------------------------------------------------------------------- exit statuses


def test_a_read_only_output_folder_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    (tmp_path / "a.txt").write_text(SAMPLE, "utf-8")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refused)  # root writes anywhere: simulate it
    status, out = run(capsys, "convert", tmp_path / "a.txt", "-o", tmp_path / "out")
    assert status == 2 and "error: [io] Permission denied" in out, out


def test_a_full_disk_on_convert_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def full(fd: int, data: object) -> int:
        if fd > 2:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)  # type: ignore[arg-type]

    (tmp_path / "a.txt").write_text(SAMPLE, "utf-8")
    monkeypatch.setattr(os, "write", full)
    status, out = run(capsys, "convert", tmp_path / "a.txt", "-o", tmp_path / "out")
    assert status == 2 and "error: [io] No space left on device" in out, out
    assert not list((tmp_path / "out").iterdir())


def test_an_oversized_source_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    with src.open("wb") as fh:
        fh.write(SAMPLE.encode())
        fh.truncate(3 * 2**20)
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out")
    assert status == 2 and f"{src}:0:0: error: [io] file is 3.0 MB" in out, out


def test_a_folder_at_the_target_exits_2(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SAMPLE, "utf-8")
    (tmp_path / "out" / "a.xml").mkdir(parents=True)
    status, out = run(capsys, "convert", tmp_path / "a.txt", "-o", tmp_path / "out")
    assert status == 2, out
    [message] = errors(out)
    assert message.startswith(f"{tmp_path / 'out' / 'a.xml'}:0:0: error: [io] not a regular file")
    assert (tmp_path / "out" / "a.xml").is_dir()


@pytest.mark.parametrize("cache", ["folder", "not-sqlite", "truncated", "other-table",
                                   "wrong-types", "not-json", "other-version"])
def test_a_bad_build_cache_is_discarded_with_a_warning(
        capsys: pytest.CaptureFixture[str], project: Path, cache: str) -> None:
    assert build(capsys, project)[0] == 0
    path = project / "site" / CACHE_NAME
    good = path.read_bytes()
    if cache == "folder":
        path.unlink()
        path.mkdir()
    elif cache in ("not-sqlite", "truncated"):
        path.write_bytes(b"[1, 2, 3]" if cache == "not-sqlite" else good[:200])
    else:
        with sqlite3.connect(path) as db:
            db.execute({
                "other-table": "ALTER TABLE docs RENAME COLUMN state TO something",
                "wrong-types": "UPDATE docs SET state = '[[{\"path\": 1}]]'",
                "not-json": "UPDATE docs SET state = '{{{'",
                "other-version": "UPDATE meta SET value = '0.0.1' WHERE key = 'converter'",
            }[cache])
        db.close()
    status, out = run(capsys, "build", project, "-j", "1")
    assert status == 0, out
    # a cache of another converter version is simply not used: nothing to warn about
    assert (f"{path}:0:0: warning: [build-cache]" in out) == (cache != "other-version"), out
    assert "Error" not in out and "AttributeError" not in out
    status, out = run(capsys, "build", project, "-j", "1")  # and the build after it
    assert status == 0, out
    # a folder stays (it is not the build's to remove), and is reported again; anything
    # else was replaced by a good cache
    assert ("[build-cache]" in out) == (cache == "folder"), out
    assert listed(project) == set(NAMES)
    assert run(capsys, "check", project)[0] == 0


def test_one_libxml2_error_is_one_line(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    """libxml2 puts a newline into some messages ("…range\\n, line 1"): still one line each."""
    assert build(capsys, project)[0] == 0
    tei = project / "encoded" / f"{NAMES[0]}.xml"
    tei.write_bytes(tei.read_bytes().replace(b"Lagunov", b"Lagu\x00nov", 1))
    for args in (("check", project), ("validate", tei), ("build", project, "-j", "1", "-q"),
                 ("html", tei, "-o", project / "html")):
        status, out = run(capsys, *args)
        assert status == 1, (args, out)
        lines = out.splitlines()
        assert "" not in lines and not any(line.startswith(",") for line in lines), (args, out)
        wellformed = [line for line in lines if "[xml-wellformed]" in line]
        assert wellformed and all(line.startswith(f"{tei}:") for line in wellformed), out


def test_the_size_limit_holds_for_existing_outputs(capsys: pytest.CaptureFixture[str],
                                                   project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Existing TEI files are read through the same size-limited reader as every input."""
    assert build(capsys, project)[0] == 0
    monkeypatch.setattr(xmlio, "MAX_XML_BYTES", 1000)
    for args in (("check", project), ("build", project, "-j", "1", "-q", "--force"),
                 ("convert", project / "sources", "-o", project / "encoded")):
        status, out = run(capsys, *args)
        assert status == 2, (args, out)
        for name in NAMES:  # each existing TEI file refused, none read past the limit
            assert f"{project / 'encoded' / name}.xml:0:0: error: [io] file is" in out, out


# --------------------------------------------------------------------------- the mechanisms


def test_a_stat_only_saves_hashing_when_it_vouches_for_the_content(tmp_path: Path) -> None:
    from tei_edition.buildstate import RACY_NS, FileRecord, record_file, stamp_of

    src = tmp_path / "a.txt"
    src.write_text("one", "utf-8")
    reads: list[str] = []

    def read(p: str) -> bytes:
        reads.append(p)
        return Path(p).read_bytes()

    first = record_file(src, None, read)
    assert len(reads) == 1
    # hashed just after a change: a later edit in the same clock tick could keep every
    # stat value, so the record does not vouch for the file yet
    record_file(src, first, read)
    assert len(reads) == 2
    settled = FileRecord(first.path, first.sha256, stamp_of(src.stat()),
                         src.stat().st_ctime_ns + RACY_NS + 1)
    assert record_file(src, settled, read) is settled and len(reads) == 2  # not read again
    src.write_text("two", "utf-8")  # same size; then its times set back
    os.utime(src, ns=(settled.stamp[0], settled.stamp[0]))
    again = record_file(src, settled, read)
    assert len(reads) == 3 and again.sha256 != settled.sha256


def test_the_compact_syntax_is_read_as_jing_reads_it(tmp_path: Path) -> None:
    from tei_edition.schemarefs import SchemaReferenceError, check_schema

    def refs(text: str) -> str | None:
        schema = tmp_path / "s.rnc"
        schema.write_text(text, "utf-8")
        try:
            check_schema(schema)
        except SchemaReferenceError as exc:
            return exc.message
        return None

    assert refs('start = element a { text }  # include "http://x/a.rnc"\n') is None
    assert refs('\\include = element a { text }\nstart = \\include\n') is None  # a name
    assert refs('start = element a { text }\nx = "include" | "http://x/"\n') is None
    assert "http://x/a.rnc" in (refs('include """http://x/""" ~ "a.rnc"\n') or "")
    assert "ftp://x/e" in (refs("start = external 'ftp://x/e'\n") or "")
    (tmp_path / "local.rnc").write_text("x = empty\n", "utf-8")
    assert refs('include "local.rnc"\nstart = element a { x }\n') is None


def test_a_local_schema_url_is_decoded_once(tmp_path: Path) -> None:
    """A file URL's %XX are decoded once: "%2541" names a file called "%41", not "A"."""
    from tei_edition.schemarefs import _local_path

    assert _local_path("file:///tmp/a%20b.rng") == Path("/tmp/a b.rng")
    assert _local_path("file://localhost/tmp/%2541.rng") == Path("/tmp/%41.rng")
    assert _local_path("http://example.org/a.rng") is None
    assert _local_path("file://elsewhere/a.rng") is None


def test_a_schema_with_a_doctype_is_refused(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    schema = tmp_path / "dtd.rng"
    schema.write_text('<!DOCTYPE grammar SYSTEM "http://127.0.0.1:9/x.dtd">'
                      + RNG.format(base="", ref=""), "utf-8")
    doc = tmp_path / "a.xml"
    doc.write_text("<a/>", "utf-8")
    status, out = run(capsys, "validate", "--schema", schema, doc)
    assert status == 2 and "[schema-external]" in out and "DOCTYPE" in out, out

"""Hostile XML: nothing outside the file is read, nothing is fetched, nothing explodes.

Each hostile TEI file goes through every command that parses user XML: `verify`,
`validate` and `html`. A secret file and a local HTTP server are set up as bait; the
hostile files point at them (XXE, parameter entities, external DTDs, XInclude, stylesheet
and schema references). A test fails if the secret shows up in any output, if the server
sees a connection, or if a run does not end within seconds. Modules still being written
(validate, render) are skipped with importorskip until they exist.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_console as run

from tei_edition import xmlio
from tei_edition.verify import verify_files

SECRET = "TOP-SECRET-7f3a9c"
SOURCE = """**October 14, 1958**

**Record of a Conversation**

**Contents:**

Translation - English

Gao: Good afternoon.
"""
TEI = ('<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
       "<teiHeader><fileDesc><titleStmt><title>Record of a Conversation</title></titleStmt>"
       "<publicationStmt><p>x</p></publicationStmt><sourceDesc><p>x</p></sourceDesc>"
       "</fileDesc></teiHeader><text><body><div><p>Gao: Good afternoon. {body}</p></div>"
       "</body></text></TEI>")
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))


class Bait:
    """A secret file, a DTD that would leak it, and an HTTP server that counts visitors."""

    def __init__(self, folder: Path) -> None:
        self.secret = folder / "secret.txt"
        self.secret.write_text(SECRET, "utf-8")
        self.dtd = folder / "leak.dtd"
        self.dtd.write_text(f'<!ENTITY leak "{SECRET}">', "utf-8")
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.visits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.visits.append(conn.recv(4096))
                    body = f'<!ENTITY leak "{SECRET}">'.encode()
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()


@pytest.fixture(scope="module")
def bait(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bait]:
    b = Bait(tmp_path_factory.mktemp("bait"))
    yield b
    b.close()


def hostile_documents(b: Bait) -> dict[str, bytes]:
    """Each attack as a TEI file's bytes; the body would show the loot if it worked."""
    doc = TEI.format
    return {
        "xxe-passwd": f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                      f'{doc(body="&x;")}'.encode(),
        "xxe-secret": f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "file://{b.secret}">]>'
                      f'{doc(body="&x;")}'.encode(),
        "xxe-attribute": (f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "file://{b.secret}">]>'
                         + doc(body='<ref target="&x;">r</ref>')).encode(),
        "xxe-remote": f'<!DOCTYPE TEI [<!ENTITY x SYSTEM "{b.url}/x">]>'
                      f'{doc(body="&x;")}'.encode(),
        "parameter-entity": f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "file://{b.dtd}"> %p;]>'
                            f'{doc(body="&leak;")}'.encode(),
        "parameter-entity-remote": f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "{b.url}/p.dtd"> %p;]>'
                                   f'{doc(body="&leak;")}'.encode(),
        "local-dtd": f'<!DOCTYPE TEI SYSTEM "file://{b.dtd}">{doc(body="&leak;")}'.encode(),
        "local-dtd-relative": f'<!DOCTYPE TEI SYSTEM "{b.dtd}">{doc(body="x")}'.encode(),
        "remote-dtd": f'<!DOCTYPE TEI SYSTEM "{b.url}/tei.dtd">{doc(body="x")}'.encode(),
        "remote-dtd-public": f'<!DOCTYPE TEI PUBLIC "-//TEI//DTD TEI P5//EN" "{b.url}/p5.dtd">'
                             f'{doc(body="x")}'.encode(),
        "billion-laughs": f'<!DOCTYPE TEI [<!ENTITY l0 "ha">{LAUGHS}]>'
                          f'{doc(body="&l9;")}'.encode(),
        "quadratic-blowup": f'<!DOCTYPE TEI [<!ENTITY a "{"x" * 50_000}">]>'
                            f'{doc(body="&a;" * 20_000)}'.encode(),
        "xinclude-text": doc(body=f'<xi:include href="file://{b.secret}" parse="text"/>').encode(),
        "xinclude-remote": doc(body=f'<xi:include href="{b.url}/x.xml"/>').encode(),
        "stylesheet-pi": f'<?xml-stylesheet type="text/xsl" href="{b.url}/x.xsl"?>'
                         f'{doc(body="")}'.encode(),
        "xml-model-pi": f'<?xml-model href="{b.url}/x.rng"?>{doc(body="")}'.encode(),
        "schema-location": doc(body="").replace(
            "<TEI ", f'<TEI xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                     f'xsi:schemaLocation="http://www.tei-c.org/ns/1.0 {b.url}/x.xsd" ').encode(),
        "utf16-xxe": f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE TEI [<!ENTITY x SYSTEM '
                     f'"file://{b.secret}">]>{doc(body="&x;")}'.encode("utf-16"),
        "deep-nesting": doc(body="<hi>" * 100_000 + "</hi>" * 100_000).encode(),
        "deep-but-allowed": doc(body="<hi>" * 240 + "</hi>" * 240).encode(),  # under 256
        "huge-text-node": doc(body="x" * 11_000_000).encode(),
        "undefined-entity": doc(body="&leak;").encode(),
    }


# The attacks that come in a DOCTYPE: refused as such, whatever the parser would do.
DOCTYPE_CASES = {"xxe-passwd", "xxe-secret", "xxe-attribute", "xxe-remote", "parameter-entity",
                 "parameter-entity-remote", "local-dtd", "local-dtd-relative", "remote-dtd",
                 "remote-dtd-public", "billion-laughs", "quadratic-blowup", "utf16-xxe"}
# Beyond libxml2's limits (depth 256, text nodes of 10 MB) or not XML at all.
REFUSED = {*DOCTYPE_CASES, "deep-nesting", "huge-text-node", "undefined-entity"}
CASES = sorted([*DOCTYPE_CASES, "xinclude-text", "xinclude-remote", "stylesheet-pi",
                "xml-model-pi", "schema-location", "deep-nesting", "deep-but-allowed",
                "huge-text-node",
                "undefined-entity"])


@pytest.fixture
def hostile(bait: Bait, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The hostile TEI file of the test's `case`, with a matching source beside it."""
    case = request.node.callspec.params["case"]
    path = tmp_path / f"{case}.xml"
    path.write_bytes(hostile_documents(bait)[case])
    (tmp_path / f"{case}.txt").write_text(SOURCE, "utf-8")
    return path




def check_harmless(bait: Bait, started: float, *outputs: str) -> None:
    """Nothing leaked, nothing fetched, and promptly."""
    assert time.perf_counter() - started < 5, "a hostile file must not keep a run busy"
    for text in outputs:
        assert SECRET not in text
        assert "root:x:0:0" not in text  # /etc/passwd
        assert "Traceback" not in text
    assert bait.visits == [], f"the network was used: {bait.visits[:1]}"


def _expect_refused(case: str, out: str) -> None:
    if case in DOCTYPE_CASES:
        assert "[xml-doctype]" in out, out
    elif case in REFUSED:
        assert "[xml-wellformed]" in out, out


# --------------------------------------------------------------------------- verify

@pytest.mark.parametrize("case", CASES)
def test_verify_reads_nothing_else(capsys: pytest.CaptureFixture[str], bait: Bait,
                                   hostile: Path, case: str) -> None:
    started = time.perf_counter()
    status, out = run(capsys, "verify", hostile.with_suffix(".txt"), hostile)
    check_harmless(bait, started, out)
    _expect_refused(case, out)
    # refused: a document problem (1); an XInclude or a PI left as it is: compared as is
    assert status == (1 if case in REFUSED else 0), out
    diags, _ = verify_files(hostile.with_suffix(".txt"), hostile)
    assert all(SECRET not in d.message for d in diags)


# --------------------------------------------------------------------------- validate

@pytest.mark.parametrize("case", CASES)
def test_validate_reads_nothing_else(capsys: pytest.CaptureFixture[str], bait: Bait,
                                     hostile: Path, case: str) -> None:
    pytest.importorskip("tei_edition.validate")
    started = time.perf_counter()
    status, out = run(capsys, "validate", "--format", "json", hostile)
    check_harmless(bait, started, out)
    assert status in (0, 1), out
    _expect_refused(case, out.replace('"rule": "', "[").replace('",', "]"))


# --------------------------------------------------------------------------- html

@pytest.mark.parametrize("case", CASES)
def test_html_reads_nothing_else(capsys: pytest.CaptureFixture[str], bait: Bait, hostile: Path,
                                 case: str) -> None:
    pytest.importorskip("tei_edition.render")
    site = hostile.parent / "site"
    started = time.perf_counter()
    status, out = run(capsys, "html", hostile, "-o", site)
    pages = [p.read_text("utf-8", errors="replace") for p in site.glob("*.html")]
    check_harmless(bait, started, out, *pages)
    if case in DOCTYPE_CASES:
        assert status == 1 and "[xml-doctype]" in out, out
        assert not (site / f"{case}.html").exists()


# --------------------------------------------------------------------------- the parser

def test_parser_refuses_any_external_resource() -> None:
    """Even where libxml2 would ask for one (collect_ids=False opens an external DTD
    subset), the resolver answers with nothing and the file is refused."""
    with pytest.raises(xmlio.XMLInputError) as err:
        xmlio.parse_bytes(b'<!DOCTYPE TEI SYSTEM "/etc/passwd"><TEI/>', "t.xml")
    assert err.value.rule == "xml-doctype"


def test_oversized_xml_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:  # sparse: the size is what counts
        fh.write(b"<TEI>")
        fh.truncate(xmlio.MAX_XML_BYTES + 1)
    started = time.perf_counter()
    with pytest.raises(xmlio.XMLInputError) as err:
        xmlio.parse_file(big)
    assert err.value.rule == "xml-size"
    assert time.perf_counter() - started < 1


def test_a_file_that_grows_while_it_is_read_is_read_no_further_than_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size is checked before reading (stat), and again while reading: a file that grew
    after the stat (a log being appended to) is refused, not read to its end."""
    grown = tmp_path / "grown.xml"
    grown.write_bytes(b"<TEI>" + b" " * 200_000 + b"</TEI>")
    monkeypatch.setattr(xmlio, "MAX_XML_BYTES", 1000)
    real_stat, reads = os.stat, []

    def small_stat(path: object, *args: object, **kw: object) -> os.stat_result:
        st = real_stat(path, *args, **kw)  # type: ignore[arg-type]
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:]))  # "10 bytes" at stat time

    def counted_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        reads.append(len(data))
        return data

    real_read = os.read
    monkeypatch.setattr(os, "stat", small_stat)
    monkeypatch.setattr(os, "read", counted_read)
    with pytest.raises(xmlio.XMLInputError) as err:
        xmlio.read_limited(grown)
    assert err.value.rule == "xml-size"
    assert sum(reads) <= 1000 + (1 << 16)  # one chunk past the limit at most, not 200 KB


def test_size_limit_applies_to_every_command(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlio, "MAX_XML_BYTES", 1000)
    tei = tmp_path / "doc.xml"
    tei.write_text(TEI.format(body="x" * 2000), "utf-8")
    (tmp_path / "doc.txt").write_text(SOURCE, "utf-8")
    commands: list[tuple[str, ...]] = [("verify", str(tmp_path / "doc.txt"), str(tei))]
    for module, args in (("validate", ("validate", str(tei))),
                         ("render", ("html", str(tei), "-o", str(tmp_path / "site")))):
        try:
            __import__(f"tei_edition.{module}")
        except ImportError:
            continue
        commands.append(args)
    for args in commands:
        status, out = run(capsys, *args)
        assert status == 1 and "[xml-size]" in out, (args, out)


# The pipe and device cases run in a fresh interpreter with a time limit: if a parser ever
# opened the pipe, it would wait for a writer for ever.
_PIPE_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tei_edition.verify import verify_files
    source, site, *files = map(Path, sys.argv[1:])
    tools = [("verify", lambda f: verify_files(source, f)[0])]
    try:
        from tei_edition.validate import validate_paths
        tools.append(("validate", lambda f: validate_paths([f]).diagnostics))
    except ImportError:
        pass
    try:
        from tei_edition.render import render_paths
        tools.append(("html", lambda f: render_paths([f], site).diagnostics))
    except ImportError:
        pass
    for f in files:
        for name, tool in tools:
            print(name, f.name, "...", flush=True)
            print(name, f.name, [d.rule for d in tool(f)], flush=True)
""")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (POSIX)")
def test_pipes_and_devices_are_never_opened(bait: Bait, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    cases = {
        "dtd-on-pipe.xml": f'<!DOCTYPE TEI SYSTEM "{pipe}">{TEI.format(body="x")}',
        "entity-on-pipe.xml": f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "file://{pipe}"> %p;]>'
                              f'{TEI.format(body="x")}',
        "dtd-on-dev-zero.xml": f'<!DOCTYPE TEI SYSTEM "/dev/zero">{TEI.format(body="x")}',
        "xinclude-pipe.xml": TEI.format(body=f'<xi:include href="{pipe}" parse="text"/>'),
    }
    files = []
    for name, text in cases.items():
        (tmp_path / name).write_text(text, "utf-8")
        files.append(str(tmp_path / name))
    fifo_tei = tmp_path / "tei-is-a-pipe.xml"
    os.mkfifo(fifo_tei)
    files.append(str(fifo_tei))
    if Path("/dev/zero").exists():
        files.append("/dev/zero")
    source = tmp_path / "doc.txt"
    source.write_text(SOURCE, "utf-8")
    try:
        proc = subprocess.run([sys.executable, "-c", _PIPE_SCRIPT, str(source),
                               str(tmp_path / "site"), *files],
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        seen = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"blocked on a pipe or device; last step: {(seen or '').splitlines()[-1:]}")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stdout.splitlines() if not line.endswith("...")]
    assert all("[]" not in line or "xinclude" in line for line in lines), proc.stdout

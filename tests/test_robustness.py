"""Robustness: odd encodings and line ends, bad and huge inputs, hand-edited output.

Every case runs the real command line in-process (`cli.main`, the console entry point), so
what is checked is what an archivist sees: one clear line per problem, the right exit
status, never a Python traceback (those only with --debug), and nobody's work overwritten.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import run_console as run

from tei_edition import cli
from tei_edition.textio import MAX_SOURCE_BYTES, SourceError, decode, read_source
from tei_edition.writers.tei import recorded_digest

SAMPLE = """**October 14, 1958**

**Record of Conversation between Señor Müller and Comrade Gao**

**Citation:**

"Record of Conversation between Señor Müller and Comrade Gao", October 14, 1958, Wilson Center \
Digital Archive, PRC FMA 109-02231-04, 12-15. Translated by Zoë Françoise. \
<https://digitalarchive.example.org/document/900101>

**Summary:**

Señor Müller and Gao discuss the café at the Straße, déjà vu and ½ of the coal (±5 %).

**Original Language:**

Chinese

**Contents:**

Translation - English

Time: 3:30–5:40 p.m., 14 October 1958

Place: Western Reception Room

Müller: Good afternoon. The naïve façade of the café is finished. (Laughter)

Gao: Thank you, Señor Müller. We ordered 240,000 tons “of coal” [illegible] for the Straße.

Müller: Déjà vu: £5 per ton, 25°C in Zürich, ¿no?
"""


def _fit(text: str, *encodings: str) -> str:
    """The text with what the encodings cannot hold spelt in ASCII (à -> a, £ -> ?)."""
    def one(c: str) -> str:
        if all(c.encode(e, errors="ignore") for e in encodings):
            return c
        base = unicodedata.normalize("NFKD", c).encode("ascii", errors="ignore").decode()
        return base or {"–": "-", "“": '"', "”": '"'}.get(c, "?")
    return "".join(map(one, text))


SAMPLE_LATIN1 = _fit(SAMPLE, "latin-1")  # no dashes or curly quotes
POLISH = _fit(SAMPLE.replace("Señor Müller", "Pan Łukasiewicz").replace("Müller", "Łukasiewicz")
              .replace("Zürich", "Łódź, gęślą jaźń").replace("Zoë Françoise", "Zofia Żółkiewska"),
              "cp1250", "iso8859-2")
_DIGESTS = re.compile(rb"[0-9a-f]{64}")




def errors(text: str) -> list[str]:
    """The error lines of a run's output."""
    return [line for line in text.splitlines() if ": error: " in line or "error:" in line[:20]]


def convert_bytes(capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bytes,
                  *options: str, name: str = "doc") -> tuple[int, str, Path]:
    src = tmp_path / f"{name}.txt"
    src.write_bytes(raw)
    status, text = run(capsys, "convert", src, "-o", tmp_path / "out", *options)
    return status, text, tmp_path / "out" / f"{name}.xml"


def masked(data: bytes) -> bytes:
    """TEI bytes without the source and output digests (they differ with the raw bytes)."""
    return _DIGESTS.sub(b"#", data)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The TEI of each sample converted from plain UTF-8 with LF line ends."""
    from tei_edition.convert import convert_text

    return {key: masked(convert_text(text, "doc", "doc.txt")[1])
            for key, text in (("sample", SAMPLE), ("latin1", SAMPLE_LATIN1), ("polish", POLISH))}


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize(("encoding", "sample"), [
    ("utf-8", "sample"), ("utf-8-sig", "sample"), ("utf-16", "sample"),
    ("utf-16-le", "sample"), ("utf-16-be", "sample"), ("utf-32", "sample"),
    ("cp1252", "sample"), ("latin-1", "latin1"), ("cp1250", "polish"), ("iso8859-2", "polish"),
])
def test_encoding_is_detected(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              reference: dict[str, bytes], encoding: str, sample: str) -> None:
    text = {"sample": SAMPLE, "latin1": SAMPLE_LATIN1, "polish": POLISH}[sample]
    status, out, xml = convert_bytes(capsys, tmp_path, text.encode(encoding))
    assert status == 0, out
    assert masked(xml.read_bytes()) == reference[sample]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16-le", "cp1250"])
def test_encoding_option_is_obeyed(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   reference: dict[str, bytes], encoding: str) -> None:
    key = {"latin-1": "latin1", "cp1250": "polish"}.get(encoding, "sample")
    text = {"sample": SAMPLE, "latin1": SAMPLE_LATIN1, "polish": POLISH}[key]
    status, out, xml = convert_bytes(capsys, tmp_path, text.encode(encoding),
                                     "--encoding", encoding)
    assert status == 0, out
    assert masked(xml.read_bytes()) == reference[key]


def test_verify_reads_the_same_encodings(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode("utf-16"))
    assert status == 0
    for encoding, options in (("utf-16", ()), ("cp1252", ()), ("cp1252", ("--encoding", "cp1252"))):
        src = tmp_path / "again.txt"
        src.write_bytes(SAMPLE.encode(encoding))
        status, out = run(capsys, "verify", src, xml, *options)
        assert status == 0, out


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_lone_cr_line_ends(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    reference: dict[str, bytes], newline: str) -> None:
    raw = SAMPLE.replace("\n", newline).encode("utf-8")
    status, out, xml = convert_bytes(capsys, tmp_path, raw)
    assert status == 0, out
    assert masked(xml.read_bytes()) == reference["sample"]


def test_mixed_line_ends_count_lines_alike() -> None:
    """Lines are numbered the same whether they end in LF, CRLF or CR."""
    raw = b"one\r\ntwo\rthree\nfour \xff"
    with pytest.raises(SourceError) as err:
        decode(raw, "mixed.txt", "utf-8")
    assert (err.value.line, err.value.col) == (4, 6)


def test_non_breaking_spaces_are_plain_spaces(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, reference: dict[str, bytes]) -> None:
    text = SAMPLE.replace("Gao: Thank you,", "Gao:\u00a0Thank\u00a0you,\u202f") \
        .replace("Müller: Déjà vu:", "Müller:\u00a0Déjà\u2007vu:")
    status, out, xml = convert_bytes(capsys, tmp_path, text.encode("utf-8"))
    assert status == 0, out
    assert "\u00a0".encode() not in xml.read_bytes()
    # the labels are still recognised: same turns as with ordinary spaces
    assert xml.read_bytes().count(b"<sp ") == reference["sample"].count(b"<sp ")


def test_undecodable_byte_names_file_line_and_offset(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    """A damaged UTF-8 file: the stray byte is located, nothing is written."""
    good = SAMPLE.encode("utf-8")
    at = good.index(b"Gao: Thank")
    line = good[:at].count(b"\n") + 1
    status, out, xml = convert_bytes(capsys, tmp_path, good[:at] + b"\xff" + good[at:])
    assert status == 1
    [message] = errors(out)
    assert message.startswith(f"{tmp_path / 'doc.txt'}:{line}:1: error: [encoding]")
    assert f"byte 0xff at byte offset {at}" in message
    assert not xml.exists()


def test_wrong_encoding_option_names_the_byte(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    raw = SAMPLE.encode("cp1252")
    at = raw.index("ñ".encode("cp1252"))
    status, out, xml = convert_bytes(capsys, tmp_path, raw, "--encoding", "utf-8")
    assert status == 1
    [message] = errors(out)
    line = raw[:at].count(b"\n") + 1
    assert f"doc.txt:{line}:" in message and f"byte offset {at}" in message
    assert "utf-8" in message
    assert not xml.exists()


def test_unknown_encoding_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    status, out, _ = convert_bytes(capsys, tmp_path, b"x", "--encoding", "klingon-8")
    assert status == 2
    [message] = errors(out)
    assert "klingon-8" in message


def test_cp1252_is_not_mistaken_for_central_european() -> None:
    """French, German and Spanish in Windows-1252 (or Latin-1) are read as such."""
    for text in ("naïve résumé", "déjà vu à l'été", "Straße", "¿Qué? ¡Olé! £5, 25°C, km²"):
        for encoding in ("cp1252", "latin-1"):
            assert decode(text.encode(encoding), "t.txt").text == text


def test_cyrillic_code_page_is_detected() -> None:
    text = "Record: Привет, как дела? Товарищ Громыко согласился."
    assert decode(text.encode("cp1251"), "t.txt").text == text


# --------------------------------------------------------------------------- bad input

BAD_SOURCES = {
    "empty": (b"", "no-title"),
    "blank": (b"\n \n\t\r\n", "no-title"),
    "no-title": (b"Liu: Just some text.\nGao: Without a header.\n", "no-title"),
    "no-body": (b"**A Title**\n\nSome text, but no Contents block.\n", "no-body"),
    "empty-body": (b"**A Title**\n\n**Contents:**\n\nTranslation - English\n\n\n", "no-body"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "encoding"),
    "elf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + os.urandom(2000), "encoding"),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(range(1, 256)) * 4, "encoding"),
    "control-chars": (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 300, "encoding"),
    "utf16-odd-length": (codecs.BOM_UTF16_LE + "**Title**\n".encode("utf-16-le") + b"x",
                         "encoding"),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_bad_source_gives_one_line_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         case: str) -> None:
    raw, rule = BAD_SOURCES[case]
    start = time.perf_counter()
    status, out, xml = convert_bytes(capsys, tmp_path, raw, name=case)
    assert time.perf_counter() - start < 5
    assert status == 1, out
    [message] = errors(out)
    assert message.startswith(f"{tmp_path / (case + '.txt')}:")
    assert f"error: [{rule}]" in message
    assert not xml.exists()


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_verify_bad_source_gives_one_line_error(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, case: str) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode(), name="good")
    bad = tmp_path / f"{case}.txt"
    bad.write_bytes(BAD_SOURCES[case][0])
    status, out = run(capsys, "verify", bad, xml)
    assert status in (1, 2)
    assert len(errors(out)) == 1, out


BAD_TEI = {"empty": b"", "blank": b"  \n", "binary": bytes(range(256)) * 4,
           "text": SAMPLE.encode(), "utf16-garbage": codecs.BOM_UTF16_LE + b"<\x00T\x00",
           "truncated": b'<?xml version="1.0"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0"><tei'}


@pytest.mark.parametrize("command", ["verify", "validate", "html"])
def test_bad_tei_gives_one_line_error_per_file(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, command: str) -> None:
    if command != "verify":
        pytest.importorskip({"validate": "tei_edition.validate", "html": "tei_edition.render"}
                            [command])
    (tmp_path / "doc.txt").write_text(SAMPLE, "utf-8")
    for name, data in BAD_TEI.items():
        tei = tmp_path / f"{name}.xml"
        tei.write_bytes(data)
        args = {"verify": ("verify", tmp_path / "doc.txt", tei), "validate": ("validate", tei),
                "html": ("html", tei, "-o", tmp_path / "site")}[command]
        status, out = run(capsys, *args)
        assert status == 1, (name, out)
        lines = errors(out)
        assert len(lines) == 1 and lines[0].startswith(f"{tei}:"), (name, out)


def test_bad_sources_do_not_stop_the_others(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    for case, (raw, _) in BAD_SOURCES.items():
        (folder / f"{case}.txt").write_bytes(raw)
    (folder / "good.txt").write_text(SAMPLE, "utf-8")
    status, out = run(capsys, "convert", folder, "-o", tmp_path / "out")
    assert status == 1
    assert len(errors(out)) == len(BAD_SOURCES)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.xml"]


def test_control_characters_in_text_are_replaced_and_reported(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    raw = SAMPLE.replace("Good afternoon.", "Good\x0cafternoon\x07.").encode("utf-8")
    status, out, xml = convert_bytes(capsys, tmp_path, raw)
    assert status == 0, out
    assert "[control-chars]" in out
    assert "\ufffd".encode() in xml.read_bytes()


def test_50_mb_source_is_refused_at_once(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    src = tmp_path / "huge.txt"
    body = ("Gao: " + "We ordered coal and steel for the furnaces. " * 20 + "\n\n").encode()
    with src.open("wb") as fh:
        fh.write(SAMPLE.encode())
        while fh.tell() < 50 * 2**20:
            fh.write(body * 1000)
    start = time.perf_counter()
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out")
    assert time.perf_counter() - start < 2
    assert status == 2  # an I/O error, as the README says, not a document problem
    [message] = errors(out)
    assert message.startswith(f"{src}:0:0: error: [io] file is 50.") and "MB" in message
    assert not (tmp_path / "out" / "huge.xml").exists()


def test_one_megabyte_source_converts_within_seconds(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    """Half the largest accepted size, in dense turns: a valid result in a few seconds."""
    turn = ("Gao: We ordered 240,000 tons [illegible] of coal (Laughter) for the furnaces "
            "at Kimchaek [Gimchaek], and □□ more. " * 8 + "\n\n").encode()
    raw = SAMPLE.encode()
    raw += turn * ((MAX_SOURCE_BYTES // 2 - len(raw)) // len(turn))
    start = time.perf_counter()
    status, out, xml = convert_bytes(capsys, tmp_path, raw)
    assert status == 0, out
    assert time.perf_counter() - start < 15
    assert xml.stat().st_size > len(raw)


def test_absurd_nesting_is_kept_as_text_and_reported(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "deep.txt").write_text(SAMPLE + "\nGao: " + "(" * 2000 + "x" + ")" * 2000 + "\n",
                                     "utf-8")
    (folder / "good.txt").write_text(SAMPLE, "utf-8")
    status, out = run(capsys, "convert", folder, "-o", tmp_path / "out")
    assert status == 0, out
    assert "warning: [too-deep]" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["deep.xml", "good.xml"]
    status, out = run(capsys, "convert", "--strict", folder, "-o", tmp_path / "strict")
    assert status == 1 and "error: [too-deep]" in out


def test_reader_handles_deep_nesting() -> None:
    from tei_edition.convert import convert_text

    _, data, diags = convert_text(SAMPLE + "\nGao: " + "(" * 600 + "x" + ")" * 600 + "\n",
                                  "doc", "doc.txt")
    assert "too-deep" in {d.rule for d in diags}
    assert b"((((x))))" in data  # kept as text, not dropped


CLI = [sys.executable, "-c", "from tei_edition.cli import main; main()"]
PROSE = ("Comrade Gao said that the coal would reach the ironworks before the frost, and that "
         "the wagons would not return empty. ")
MARKED_UP = ("Comrade Gao said that 240,000 tons of coal [illegible] would reach Kimchaek "
             "[Gimchaek] before the frost, (Laughter) and the □□ wagons return empty; ")


def _one_line_source(tmp_path: Path, words: str) -> Path:
    line = (words * (2**20 // len(words) + 1))[:2**20]
    src = tmp_path / "doc.txt"
    src.write_text(SAMPLE + "\nGao: " + line + "\n", "utf-8")
    return src


def test_one_megabyte_single_line_of_prose(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    src = _one_line_source(tmp_path, PROSE)
    start = time.perf_counter()
    status, out = run(capsys, "convert", src, "-o", tmp_path)
    assert status == 0, out
    assert time.perf_counter() - start < 10
    assert run(capsys, "verify", src, tmp_path / "doc.xml")[0] == 0  # nothing of it lost


def test_one_megabyte_single_line_with_markup(tmp_path: Path) -> None:
    src = _one_line_source(tmp_path, MARKED_UP)
    try:  # a subprocess: a run that never ends must not hold up the suite
        proc = subprocess.run([*CLI, "convert", str(src), "-o", str(tmp_path)],
                              capture_output=True, text=True, timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("converting a 1 MB line took more than 8 s")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [
    ("convert", "{tmp}/missing.txt", "-o", "{tmp}/out"),
    ("verify", "{tmp}/missing.txt", "{tmp}/missing.xml"),
    ("convert", "{tmp}", "-o", "{tmp}/out"),  # a folder without sources
    ("convert", "{tmp}/doc.txt", "-o", "{tmp}/doc.txt"),  # output "folder" is a file
])
def test_missing_inputs_are_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         args: tuple[str, ...]) -> None:
    if "doc.txt" in "".join(args):
        (tmp_path / "doc.txt").write_text(SAMPLE, "utf-8")
    status, out = run(capsys, *(a.format(tmp=tmp_path) for a in args))
    assert status == 2, out
    assert len(errors(out)) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (POSIX)")
def test_pipe_or_device_as_source_is_refused(tmp_path: Path) -> None:
    """Reading a pipe would block for ever and /dev/zero never ends: neither is a source."""
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/zero")):
        if not path.exists():
            continue
        with pytest.raises(SourceError) as err:
            read_source(path)
        assert "not a regular file" in err.value.message


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root reads any file; permissions are POSIX")
def test_unreadable_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "locked.txt"
    src.write_text(SAMPLE, "utf-8")
    src.chmod(0)
    status, out = run(capsys, "convert", src, "-o", tmp_path / "out")
    assert status == 2
    assert "error: [io]" in errors(out)[0]


def test_unwritable_output_fails_that_file_only(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk or a read-only folder is reported per file, not as a crash."""
    from tei_edition import convert

    def full(path: Path, data: bytes, *, durable: bool = True) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(convert, "write_atomic", full)
    status, out, _ = convert_bytes(capsys, tmp_path, SAMPLE.encode())
    assert status == 2  # an I/O error
    [message] = errors(out)
    assert "[io] No space left on device" in message


# --------------------------------------------------------------------------- tracebacks

def test_unexpected_error_is_one_line_without_debug(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tei_edition import convert

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something\nunforeseen")

    monkeypatch.setattr(convert, "convert_paths", broken)
    (tmp_path / "doc.txt").write_text(SAMPLE, "utf-8")
    status, out = run(capsys, "convert", tmp_path / "doc.txt", "-o", tmp_path / "out")
    assert status == 2
    assert out.strip().splitlines() == [
        "tei-edition: error: RuntimeError: something unforeseen (run with --debug for details)"]
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "convert", str(tmp_path / "doc.txt"), "-o", str(tmp_path / "out")])


# --------------------------------------------------------------------------- hand edits

def _edit(xml: Path, old: bytes = b"Good afternoon", new: bytes = b"Good evening") -> bytes:
    data = xml.read_bytes().replace(old, new)
    xml.write_bytes(data)
    return data


def test_generated_file_records_its_digest(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode())
    assert status == 0
    digest, intact = recorded_digest(xml.read_bytes())
    assert digest and intact
    assert recorded_digest(_edit(xml)) == (digest, False)


@pytest.mark.parametrize("edit", ["word", "whitespace", "no-digest"])
def test_hand_edited_tei_is_never_overwritten(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, edit: str) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode())
    assert status == 0
    if edit == "word":
        edited = _edit(xml)
    elif edit == "whitespace":
        edited = _edit(xml, b"\n  <teiHeader>", b"\n\n  <teiHeader>")
    else:  # written by hand (or by another tool): no digest at all
        edited = re.sub(rb'<idno type="output-sha256">[0-9a-f]+</idno>', b"", xml.read_bytes())
        xml.write_bytes(edited)
    src = tmp_path / "doc.txt"
    src.write_text(SAMPLE.replace("finished", "complete"), "utf-8")  # the source moved on
    status, out = run(capsys, "convert", src, "-o", xml.parent)
    assert status == 1
    [message] = errors(out)
    assert message.startswith(f"{xml}:1:1: error: [hand-edited]") and "--force" in message
    assert xml.read_bytes() == edited
    assert not list(xml.parent.glob("*.bak*"))


def test_force_replaces_and_keeps_every_backup(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode())
    generated = xml.read_bytes()
    first = _edit(xml)
    status, out = run(capsys, "convert", tmp_path / "doc.txt", "-o", xml.parent, "--force")
    assert status == 0, out
    assert xml.read_bytes() == generated
    backup = xml.with_name("doc.xml.bak")
    assert backup.read_bytes() == first
    assert str(backup) in out
    second = _edit(xml, b"Good afternoon", b"Good night")
    status, out = run(capsys, "convert", tmp_path / "doc.txt", "-o", xml.parent, "--force")
    assert status == 0
    assert backup.read_bytes() == first  # the first edits are not clobbered ...
    assert xml.with_name("doc.xml.bak.1").read_bytes() == second  # ... nor the second


def test_unedited_output_is_regenerated_freely(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    status, _, xml = convert_bytes(capsys, tmp_path, SAMPLE.encode())
    assert run(capsys, "convert", tmp_path / "doc.txt", "-o", xml.parent)[0] == 0
    (tmp_path / "doc.txt").write_text(SAMPLE.replace("finished", "complete"), "utf-8")
    status, out = run(capsys, "convert", tmp_path / "doc.txt", "-o", xml.parent)
    assert status == 0, out
    assert b"complete" in xml.read_bytes()
    assert not list(xml.parent.glob("*.bak*"))


def test_output_keeps_readable_permissions(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    """Atomic writing goes through a private temporary file; the result must not stay private."""
    xml = convert_bytes(capsys, tmp_path, SAMPLE.encode())[2]
    mode = stat.S_IMODE(xml.stat().st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def _project(tmp_path: Path) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "doc.txt").write_text(SAMPLE, "utf-8")
    return tmp_path


def test_build_never_overwrites_hand_edited_tei(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    root = _project(tmp_path)
    status, out = run(capsys, "build", root, "-j", "1", "-q")
    assert status == 0, out
    xml = root / "encoded" / "doc.xml"
    edited = _edit(xml)
    source = root / "sources" / "doc.txt"
    source.write_text(SAMPLE.replace("finished", "complete"), "utf-8")
    later = xml.stat().st_mtime_ns + 10**9
    os.utime(source, ns=(later, later))  # the source is newer: build wants to convert it
    status, out = run(capsys, "build", root, "-j", "1", "-q")
    assert status == 1
    assert any(line.startswith(f"{xml}:1:1: error: [hand-edited]") for line in errors(out)), out
    assert xml.read_bytes() == edited
    status, out = run(capsys, "build", root, "-j", "1", "-q", "--force")
    assert status == 0, out
    assert xml.with_name("doc.xml.bak").read_bytes() == edited
    assert b"complete" in xml.read_bytes()

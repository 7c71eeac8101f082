"""The `convert` command: outputs, exit statuses, warnings, strictness, reproducibility."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import CORPUS, ROOT, SOURCES

from docs import export
from tei_edition.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_folder_and_file_sources(tmp_path: Path) -> None:
    code, out = run("convert", str(SOURCES), str(CORPUS / "syn-04-ciphered-telegram-lagunov.txt"),
                    "-o", str(tmp_path))
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "syn-04-ciphered-telegram-lagunov.xml", "wcda-116538.xml", "wcda-119000.xml"]
    assert "3 source(s): 3 converted" in out


def test_unconvertible_source_names_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "broken.txt"
    src.write_text("**April 1, 1960**\n\n**A Title**\n\n**Citation:**\n\nSomething.\n", "utf-8")
    good = tmp_path / "good.txt"
    good.write_text(export("Chen Yi: Yes."), "utf-8")
    out_dir = tmp_path / "out"
    code, out = run("convert", str(src), str(good), "-o", str(out_dir))
    assert code == 1
    assert f"{src}:" in out and "error: [no-body]" in out
    assert not (out_dir / "broken.xml").exists() and (out_dir / "good.xml").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("convert", str(tmp_path / "missing.txt"), "-o", str(tmp_path))[0] == 2
    assert run("convert", str(tmp_path))[0] == 2  # no -o


def test_warnings_and_strict(tmp_path: Path) -> None:
    src = tmp_path / "doc.txt"
    src.write_text(export("Chen Yi: A plan.\n(continued on the next sheet)\n\nPak Il-u: Yes.\n\n"
                          "Chen Yi: Good."), "utf-8")
    code, out = run("convert", str(src), "-o", str(tmp_path / "a"))
    assert code == 0
    assert f"{src}:24:" in out and "warning: [kept-as-text]" in out
    assert "(1 warnings: 1 kept-as-text)" in out
    code, out = run("convert", "--strict", str(src), "-o", str(tmp_path / "b"))
    assert code == 1 and "error: [kept-as-text]" in out
    assert not (tmp_path / "b" / "doc.xml").exists()


def test_output_is_reproducible_from_any_directory(tmp_path: Path) -> None:
    """Same bytes from another working directory, with relative and absolute paths."""
    a, b = tmp_path / "a", tmp_path / "b"
    subprocess.run([sys.executable, "-m", "tei_edition", "convert", "sources", "-o", str(a)],
                   cwd=ROOT, check=True, capture_output=True)
    env = {**os.environ, "TZ": "Asia/Tokyo", "LC_ALL": "C"}
    subprocess.run([sys.executable, "-m", "tei_edition", "convert", str(SOURCES.resolve()),
                    "-o", str(b)], cwd=tmp_path, check=True, capture_output=True, env=env)
    for f in a.iterdir():
        data = f.read_bytes()
        assert data == (b / f.name).read_bytes()
        assert str(ROOT).encode() not in data and str(tmp_path).encode() not in data


def test_change_records_version_and_source_digest(converted: Path) -> None:
    import hashlib

    from tei_edition import __version__

    data = (converted / "wcda-119000.xml").read_bytes()
    digest = hashlib.sha256((CORPUS / "wcda-119000.txt").read_bytes()).hexdigest()
    assert f"tei-edition {__version__}".encode() in data
    assert f'<idno type="source-sha256">{digest}</idno>'.encode() in data


def test_rerun_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    run("convert", str(SOURCES), "-o", str(tmp_path))
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    code, out = run("convert", str(SOURCES), "-o", str(tmp_path))
    assert code == 0 and "2 unchanged" in out
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == mtimes


def test_hand_edited_output_is_protected(tmp_path: Path) -> None:
    run("convert", str(SOURCES), "-o", str(tmp_path))
    target = tmp_path / "wcda-119000.xml"
    edited = target.read_text("utf-8").replace("Welcome, Comrade", "Welcome, dear Comrade")
    target.write_text(edited, "utf-8")
    code, out = run("convert", str(SOURCES), "-o", str(tmp_path))
    assert code == 1 and f"{target}:1:1: error: [hand-edited]" in out
    assert target.read_text("utf-8") == edited
    code, out = run("convert", "--force", str(SOURCES), "-o", str(tmp_path))
    assert code == 0
    assert (tmp_path / "wcda-119000.xml.bak").read_text("utf-8") == edited
    assert "dear Comrade" not in target.read_text("utf-8")


def test_empty_output_left_by_a_power_cut_is_replaced(tmp_path: Path) -> None:
    """An empty TEI file holds no edits: it is converted again without --force. A file
    with any content and no digest is still protected."""
    run("convert", str(SOURCES), "-o", str(tmp_path))
    empty, foreign = tmp_path / "wcda-119000.xml", tmp_path / "wcda-116538.xml"
    empty.write_bytes(b"")
    foreign.write_bytes(b"<TEI/>\n")
    code, out = run("convert", str(SOURCES), "-o", str(tmp_path))
    assert code == 1 and f"{foreign}:1:1: error: [hand-edited]" in out
    assert f"{empty}:1:1" not in out
    assert b"output-sha256" in empty.read_bytes()
    assert foreign.read_bytes() == b"<TEI/>\n"

"""`build` (sources -> encoded -> validate -> site) and `check` on a project folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_sources, encoded_documents

from tei_edition.cli import cli

NAMES = ["wcda-119000", "syn-04-ciphered-telegram-lagunov", "syn-06-letter-kerteszfalvi-students"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sources(tmp_path, NAMES)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_build_converts_validates_and_renders(project: Path) -> None:
    code, out = run("build", str(project), "--jobs", "2")
    assert code == 0, out
    assert [p.stem for p in encoded_documents(project / "encoded")] == sorted(NAMES)
    assert (project / "encoded" / "corpus.xml").is_file()
    assert {p.name for p in (project / "site").iterdir()} >= {
        "index.html", "edition.css", *(f"{n}.html" for n in NAMES)}
    assert "3 converted, 0 unchanged, 0 failed" in out and "0 invalid" in out


def test_rebuild_without_changes_does_nothing(project: Path) -> None:
    run("build", str(project))
    stamps = {p: p.stat().st_mtime_ns for p in (project / "site").glob("*.html")}
    code, out = run("build", str(project))  # its speed is measured by benchmarks/run.py
    assert code == 0 and "0 converted, 3 unchanged" in out
    assert {p: p.stat().st_mtime_ns for p in (project / "site").glob("*.html")} == stamps


def test_changed_source_is_converted_again(project: Path) -> None:
    run("build", str(project))
    src = project / "sources" / "wcda-119000.txt"
    src.write_text(src.read_text("utf-8").replace("Welcome, Comrade", "Welcome, dear Comrade"),
                   "utf-8")
    os.utime(src, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    code, out = run("build", str(project))
    assert code == 0 and "1 converted, 2 unchanged" in out
    assert "dear Comrade" in (project / "site" / "wcda-119000.html").read_text("utf-8")


def test_build_never_overwrites_a_hand_edited_file(project: Path) -> None:
    run("build", str(project))
    tei = project / "encoded" / "wcda-119000.xml"
    edited = tei.read_text("utf-8").replace("Welcome, Comrade", "Welcome, esteemed Comrade")
    tei.write_text(edited, "utf-8")
    src = project / "sources" / "wcda-119000.txt"  # the source moves on: build must convert
    src.write_text(src.read_text("utf-8").replace("We put him away", "We put him aside"), "utf-8")
    code, out = run("build", str(project))
    assert code == 1 and f"{tei}:1:1: error: [hand-edited]" in out
    assert tei.read_text("utf-8") == edited
    code, _ = run("build", str(project), "--force")
    assert code == 0 and (project / "encoded" / "wcda-119000.xml.bak").exists()


def test_check_passes_on_a_fresh_build(project: Path) -> None:
    run("build", str(project))
    code, out = run("check", str(project))
    assert code == 0, out


def test_check_finds_stale_hand_edited_invalid_and_lost(project: Path) -> None:
    run("build", str(project))
    enc = project / "encoded"
    # stale: the source changed after the build
    src = project / "sources" / "syn-06-letter-kerteszfalvi-students.txt"
    src.write_text(src.read_text("utf-8").replace("Top secret!", "Secret!"), "utf-8")
    # hand-edited and lost text: a word removed from the TEI
    tei = enc / "wcda-119000.xml"
    tei.write_text(tei.read_text("utf-8").replace("We put him away", "We put him"), "utf-8")
    # invalid: a gap without its reason
    tel = enc / "syn-04-ciphered-telegram-lagunov.xml"
    tel.write_text(tel.read_text("utf-8").replace('<list type="fields">', '<list type="wrong">'),
                   "utf-8")
    code, out = run("check", str(project), "--format", "json")
    assert code == 1
    found = {(Path(d["file"]).stem, d["rule"]) for d in json.loads(out[out.index("["):])}
    assert ("syn-06-letter-kerteszfalvi-students", "stale") in found
    assert ("wcda-119000", "hand-edited") in found
    assert ("wcda-119000", "text-lost") in found
    assert any(stem.startswith("syn-04") and rule.startswith("schema") for stem, rule in found)


def test_check_github_and_junit_formats(project: Path) -> None:
    run("build", str(project))
    (project / "encoded" / "wcda-119000.xml").unlink()
    code, out = run("check", str(project), "--format", "github")
    assert code == 1 and "::error file=" in out and "title=stale" in out
    code, out = run("check", str(project), "--format", "junit")
    assert code == 1 and "<testsuite" in out and "<failure" in out


def test_build_without_sources_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("build", str(tmp_path))
    assert code == 2 and "no sources/ folder" in out


def test_build_publishes_a_hand_edit_made_after_the_build_and_says_so(project: Path) -> None:
    run("build", str(project))
    tei = project / "encoded" / "wcda-119000.xml"
    tei.write_text(tei.read_text("utf-8").replace("Welcome, Comrade", "Welcome, esteemed Comrade"),
                   "utf-8")
    code, out = run("build", str(project))
    assert code == 0 and f"{tei}:1:1: warning: [hand-edited]" in out
    assert "esteemed Comrade" in (project / "site" / "wcda-119000.html").read_text("utf-8")


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("<sp ", "<sp><sp ", "xml-wellformed"),  # not XML any more
    ('<gap reason="redacted"', '<gap reason="lost"', "schema-attribute"),  # outside the schema
    ('who="#', 'who="#nobody #', "ref-resolves"),  # a content rule
])
def test_build_reports_a_broken_hand_edit_as_validate_does(project: Path, old: str, new: str,
                                                          rule: str) -> None:
    """The build validates the tree it renders; its diagnostics are validate's, placed."""
    run("build", str(project))
    tei = project / "encoded" / "syn-04-ciphered-telegram-lagunov.xml"
    if old not in tei.read_text("utf-8"):
        tei = project / "encoded" / "wcda-119000.xml"
    text = tei.read_text("utf-8")
    assert old in text
    tei.write_text(text.replace(old, new, 1), "utf-8")
    code, out = run("build", str(project))
    _, expected = run("validate", str(tei))
    assert code == 1 and "1 invalid" in out
    wanted = [line for line in expected.splitlines() if line.startswith(f"{tei}:")]
    assert wanted and all(line in out for line in wanted)
    assert any(f"[{rule}]" in line for line in wanted)

"""`verify`: every word of the source body is in the TEI, in order, for the whole corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, corpus_names

from tei_edition.cli import cli
from tei_edition.verify import verify_files


@pytest.mark.parametrize("name", corpus_names())
def test_corpus_loses_no_text(name: str, converted: Path) -> None:
    diags, status = verify_files(CORPUS / f"{name}.txt", converted / f"{name}.xml")
    assert (diags, status) == ([], 0)


def _edited(converted: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (converted / "wcda-119000.xml").read_text("utf-8")
    assert old in text
    out = tmp_path / "edited.xml"
    out.write_text(text.replace(old, new, 1), "utf-8")
    return out


def test_reports_a_lost_word_with_lines(converted: Path, tmp_path: Path) -> None:
    tei = _edited(converted, tmp_path, "We put him away for 10 years", "We put him for 10 years")
    diags, status = verify_files(CORPUS / "wcda-119000.txt", tei)
    assert status == 1 and len(diags) == 1
    d = diags[0]
    assert (d.rule, d.line) == ("text-lost", 82)
    assert "'away' is missing" in d.message and "edited.xml:" in d.message


def test_reports_an_added_word(converted: Path, tmp_path: Path) -> None:
    tei = _edited(converted, tmp_path, "Welcome, Comrade Ambassador.",
                  "Welcome, dear Comrade Ambassador.")
    diags, _ = verify_files(CORPUS / "wcda-119000.txt", tei)
    assert [d.rule for d in diags] == ["text-added"]


def test_reports_a_lost_footnote(converted: Path, tmp_path: Path) -> None:
    src = CORPUS / "syn-02-tran-qiu-aid-transport.txt"
    text = (converted / "syn-02-tran-qiu-aid-transport.xml").read_text("utf-8")
    tei = tmp_path / "x.xml"
    tei.write_text(text.replace("crossed out", "removed"), "utf-8")
    diags, _ = verify_files(src, tei)
    assert [d.message.split(":")[0] for d in diags] == ["footnotes"]


def test_verify_command_exit_statuses(converted: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(CORPUS / "wcda-119000.txt"),
                             str(converted / "wcda-119000.xml")])
    assert ok.exit_code == 0
    bad = runner.invoke(cli, ["verify", str(CORPUS / "wcda-116538.txt"),
                              str(converted / "wcda-119000.xml")])
    assert bad.exit_code == 1 and "[text-" in bad.output
    missing = runner.invoke(cli, ["verify", str(tmp_path / "nope.txt"),
                                  str(converted / "wcda-119000.xml")])
    assert missing.exit_code == 2


@pytest.mark.parametrize("name", ["wcda-119000", "syn-09-journal-belokurov",
                                  "syn-16-memcon-kwan-harwell-communique",
                                  "syn-19-record-brodsky-gu-flattened"])  # page breaks, sic
def test_word_lines_and_index_agree_with_the_streams(name: str, converted: Path) -> None:
    """The cheap forms the lint places its warnings with count the same words."""
    from lxml import etree

    from tei_edition.verify import source_lines_at, source_streams, tei_streams, tei_word_index

    text = (CORPUS / f"{name}.txt").read_text("utf-8")
    words = source_streams(text)[0]
    picks = [len(words) - 1, 0, len(words) // 2, len(words) + 5]
    assert source_lines_at(text, picks) == [words[-1].line, words[0].line,
                                            words[len(words) // 2].line, words[-1].line]
    tree = etree.parse(str(converted / f"{name}.xml"))
    starts: dict = {}
    tei_streams(tree, starts)
    # some forty body elements, spread over the text (each costs a pass over it)
    sample = list(starts)[::max(1, len(starts) // 40)]
    assert len(sample) >= 20
    assert {el: tei_word_index(el) for el in sample} == {el: starts[el] for el in sample}

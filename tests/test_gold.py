"""Every gold fact of every corpus document holds for the converted TEI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENCODED, SOURCES, corpus_names, encoded_documents, gold, jing, parse
from gold import check_gold


@pytest.mark.parametrize("name", corpus_names())
def test_gold_facts(name: str, converted: Path) -> None:
    problems = check_gold(parse(converted / f"{name}.xml"), gold(name))
    assert problems == []


def test_corpus_valid_against_tei_all(converted: Path, tei_all: Path) -> None:
    files = sorted(converted.glob("*.xml"))
    assert len(files) == len(corpus_names())
    result = jing(tei_all, files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_encoding_is_current() -> None:
    """encoded/ is what the converter makes of sources/ today: current, valid, complete."""
    from click.testing import CliRunner

    from tei_edition.cli import cli

    result = CliRunner().invoke(cli, ["check", str(ENCODED.parent)])
    assert result.exit_code == 0, result.output
    assert [p.stem for p in encoded_documents()] == sorted(p.stem for p in SOURCES.glob("*.txt"))
    assert (ENCODED / "corpus.xml").is_file()


def test_encoded_valid_against_tei_all(tei_all: Path) -> None:
    files = encoded_documents()  # the corpus is valid with its XIncludes expanded
    assert files, "encoded/ is empty"
    result = jing(tei_all, files)
    assert result.returncode == 0, result.stdout + result.stderr

"""Every gold fact of every corpus document holds for the converted TEI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENCODED, SOURCES, corpus_names, gold, jing, parse
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


def test_committed_encoding_is_current(tmp_path: Path) -> None:
    """encoded/ is what the converter makes of sources/ today (byte for byte)."""
    from tei_edition.convert import convert_paths

    result = convert_paths([SOURCES], tmp_path)
    assert result.exit_status == 0
    for src in sorted(SOURCES.glob("*.txt")):
        committed = ENCODED / f"{src.stem}.xml"
        assert committed.is_file(), f"{committed} missing: run tei-edition convert sources -o encoded"
        assert committed.read_bytes() == (tmp_path / f"{src.stem}.xml").read_bytes(), (
            f"{committed} is stale: run tei-edition convert sources -o encoded")


def test_encoded_valid_against_tei_all(tei_all: Path) -> None:
    files = sorted(ENCODED.glob("*.xml"))
    assert files, "encoded/ is empty"
    result = jing(tei_all, files)
    assert result.returncode == 0, result.stdout + result.stderr

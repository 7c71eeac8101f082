"""Documents written for this project (tests/layouts/) in the layouts of the real archive,
in other words than the development corpus: the reader must generalise, not remember."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, convert_folder, jing, parse
from gold import check_gold

from tei_edition.validate import validate_paths

LAYOUTS = ROOT / "tests" / "layouts"
NAMES = sorted(p.name[: -len(".gold.json")] for p in LAYOUTS.glob("*.gold.json"))


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert_folder(LAYOUTS, tmp_path_factory.mktemp("layouts"))


def test_every_layout_document_has_gold() -> None:
    assert len(NAMES) == len(list(LAYOUTS.glob("*.txt"))) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_layout_gold(name: str, layouts: Path) -> None:
    expected = json.loads((LAYOUTS / f"{name}.gold.json").read_text("utf-8"))
    assert check_gold(parse(layouts / f"{name}.xml"), expected) == []


def test_layouts_valid_against_project_schema(layouts: Path) -> None:
    report = validate_paths([layouts])
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    assert errors == []


def test_layouts_valid_against_tei_all(layouts: Path, tei_all: Path) -> None:
    result = jing(tei_all, sorted(layouts.glob("*.xml")))
    assert result.returncode == 0, result.stdout + result.stderr

"""Property-based tests: documents drawn from the layout's grammar convert, stay valid TEI
(the project schema when present; tei_all for a seeded sample) and lose no text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import jing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layout import LayoutGenerator
from lxml import etree

from tei_edition.convert import convert_text
from tei_edition.verify import verify_text

NS = {"t": "http://www.tei-c.org/ns/1.0"}


def _convert(text: str) -> etree._ElementTree:
    _, data, _ = convert_text(text, "generated", "generated.txt")
    return etree.ElementTree(etree.fromstring(data))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_documents_convert_without_loss(rnd: random.Random) -> None:
    doc = LayoutGenerator(rnd).document()
    tree = _convert(doc.text)
    assert verify_text(doc.text, tree, "generated.txt", "generated.xml") == []
    if doc.turns:
        assert len(tree.findall(".//t:sp", NS)) == doc.turns
        assert len({sp.get("who") for sp in tree.iterfind(".//t:sp", NS)}) == doc.speakers
    if "glued-anchor" in doc.features:  # the note stands at its anchor, in its paragraph
        # (in the turn, unless a generated sentence reads as closing narrative: "The talks …")
        assert tree.xpath("//t:p/t:note[@place='foot']/@n", namespaces=NS) == ["1"]
    pages = doc.features.count("page") + doc.features.count("lone-page")
    assert len(tree.findall(".//t:pb[@n]", NS)) == pages
    ids = tree.xpath("//@xml:id")
    assert len(ids) == len(set(ids))
    for who in tree.xpath("//t:sp/@who", namespaces=NS):
        assert who[1:] in ids


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rnd=st.randoms(use_true_random=False))
def test_generated_documents_valid_against_project_schema(rnd: random.Random,
                                                          tmp_path: Path) -> None:
    validate = pytest.importorskip("tei_edition.validate")
    doc = LayoutGenerator(rnd).document()
    _, data, _ = convert_text(doc.text, "generated", "generated.txt")
    path = tmp_path / "generated.xml"
    path.write_bytes(data)
    report = validate.validate_paths([path])
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]


def test_seeded_sample_valid_against_tei_all(tmp_path: Path, tei_all: Path) -> None:
    """Sixty generated documents, one jing call."""
    rnd = random.Random(20261123)
    files = []
    for i in range(60):
        doc = LayoutGenerator(rnd).document()
        _, data, _ = convert_text(doc.text, f"g{i}", f"g{i}.txt")
        path = tmp_path / f"g{i}.xml"
        path.write_bytes(data)
        files.append(path)
    result = jing(tei_all, files)
    assert result.returncode == 0, result.stdout[:3000]

"""Property-based tests: documents drawn from the layout's grammar convert, stay valid TEI
(the project schema when present; tei_all for a seeded sample) and lose no text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import jing
from gold import participant_fields
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layout import Generated, LayoutGenerator, RealArchiveGenerator
from lxml import etree

from tei_edition.convert import convert_text
from tei_edition.validate import Validator
from tei_edition.verify import verify_text

NS = {"t": "http://www.tei-c.org/ns/1.0"}
T = f"{{{NS['t']}}}"


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
    if "glued-anchor" in doc.features:  # the note stands at its anchor, not at the div's end
        # (its paragraph may be a turn's, closing narrative, or a short line read as a closer)
        assert tree.xpath("//t:note[@place='foot'][not(parent::t:div)]/@n", namespaces=NS) == ["1"]
    pages = doc.features.count("page") + doc.features.count("lone-page")
    assert len(tree.findall(".//t:pb[@n]", NS)) == pages
    ids = tree.xpath("//@xml:id")
    assert len(ids) == len(set(ids))
    for who in tree.xpath("//t:sp/@who", namespaces=NS):
        assert who[1:] in ids


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_documents_do_not_look_misread(rnd: random.Random) -> None:
    """The structural lint stays silent on what the reader reads right (and the stated
    totals the generator writes agree with their lists)."""
    doc = LayoutGenerator(rnd).document()
    _, _, diags = convert_text(doc.text, "generated", "generated.txt")
    assert [d.format() for d in diags if d.rule.startswith("lint-")
            or d.rule == "copies-total"] == []


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


# --- layouts of the real archive (ENCODING.md) --------------------------------------------
# One test per layout, so that a failure names the layout the reader does not yet handle.
LAYOUT_SETTINGS = settings(max_examples=30, deadline=None,
                           suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> tuple[Validator, Path]:
    """The project's validator, and a file it reads to place what it reports."""
    return Validator(), tmp_path_factory.mktemp("layouts") / "generated.xml"


def check_layout(doc: Generated, validator: tuple[Validator, Path]) -> etree._ElementTree:
    """What every layout must give: no text lost, a valid file, the expected turns, each
    participant one person with the turns of their labels, the distribution list as listed
    (a stated total that differs reported once, naming both figures), no lint warning."""
    _, data, diags = convert_text(doc.text, "generated", "generated.txt")
    tree = etree.ElementTree(etree.fromstring(data))
    assert verify_text(doc.text, tree, "generated.txt", "generated.xml") == []
    engine, path = validator
    path.write_bytes(data)
    problems = engine.check_tree(path, tree)
    assert [d.format() for d in problems if d.severity == "error"] == []
    turns = [" ".join("".join(sp.find("t:speaker", NS).itertext()).split())
             for sp in tree.iterfind(".//t:sp", NS)]
    assert len(turns) == doc.turns, turns
    wrong = [f.detail for f in participant_fields(
        tree, [{"name": n, "labels": labels} for n, labels in doc.participants]) if not f.ok]
    assert wrong == []
    if doc.distribution is not None:
        items = tree.findall(".//t:div[@type='distribution']/t:list[@type='distribution']/t:item",
                             NS)
        got = [(int(item.get("n", "1")), "".join(item.itertext())) for item in items]
        assert [n for n, _ in got] == doc.distribution, got
        assert tree.xpath("//t:div[@type='distribution']//t:measure[@type='copies']"
                          "[not(ancestor::t:item)]/@quantity", namespaces=NS) == [str(doc.total)]
        warned = [d.message for d in diags if d.rule == "copies-total"]
        listed = sum(doc.distribution)
        assert warned == ([] if listed == doc.total else [
            m for m in warned if f"stated total is {doc.total} copies" in m
            and f"add up to {listed} copies" in m]), warned
        assert len(warned) == (listed != doc.total)
    assert [d.format() for d in diags if d.rule.startswith("lint-")] == []
    main = " ".join("".join(tree.find(".//t:body/t:div", NS).itertext()).split())
    for phrase in doc.outside_distribution:
        assert phrase in main, phrase
    return tree


@LAYOUT_SETTINGS
@given(rnd=st.randoms(use_true_random=False))
def test_layout_distribution_list_at_the_top(rnd: random.Random, validator: tuple[Validator, Path]) -> None:
    check_layout(RealArchiveGenerator(rnd).top_distribution(), validator)


@LAYOUT_SETTINGS
@given(rnd=st.randoms(use_true_random=False))
def test_layout_label_alone_with_the_value_below(rnd: random.Random,
                                                 validator: tuple[Validator, Path]) -> None:
    doc = RealArchiveGenerator(rnd).label_above_value()
    tree = check_layout(doc, validator)
    items = {" ".join("".join(item.find("t:label", NS).itertext()).split()):
             " ".join("".join(item.itertext()).split())
             for item in tree.iterfind(".//t:list[@type='participants']/t:item", NS)
             if item.find("t:label", NS) is not None}
    for label, value in doc.fields:
        assert value in items.get(label, ""), (label, items)


@LAYOUT_SETTINGS
@given(rnd=st.randoms(use_true_random=False))
def test_layout_participant_lines(rnd: random.Random, validator: tuple[Validator, Path]) -> None:
    check_layout(RealArchiveGenerator(rnd).participant_lines(), validator)


@LAYOUT_SETTINGS
@given(rnd=st.randoms(use_true_random=False))
def test_layout_speaker_labels_other_than_listed(rnd: random.Random,
                                                  validator: tuple[Validator, Path]) -> None:
    check_layout(RealArchiveGenerator(rnd).speaker_label_forms(), validator)


@LAYOUT_SETTINGS
@given(rnd=st.randoms(use_true_random=False))
def test_layout_alias_phrasings(rnd: random.Random, validator: tuple[Validator, Path]) -> None:
    check_layout(RealArchiveGenerator(rnd).alias_phrasings(), validator)

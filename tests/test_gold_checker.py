"""The gold checker itself must fail on wrong output (a test that cannot fail proves nothing)."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from conftest import corpus_names, gold, parse
from gold import NS, Field, check_gold, gold_fields
from lxml import etree


def test_checker_notices_a_lost_turn(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    sp = tree.find(".//t:sp", NS)
    sp.getparent().remove(sp)
    assert any(p.startswith("turns") for p in check_gold(tree, gold("wcda-119000")))


def test_checker_notices_split_speaker(converted: Path) -> None:
    tree = parse(converted / "wcda-116538.xml")
    for sp in tree.iterfind(".//t:sp", NS):
        if sp.findtext("t:speaker", namespaces=NS) == "Han":
            sp.set("who", "#someone-else")
    assert any("several people" in p for p in check_gold(tree, gold("wcda-116538")))


def test_checker_notices_wrong_total(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    tree.find(".//t:measure[@type='copies']", NS).set("quantity", "45")
    assert any(p.startswith("distribution_total") for p in check_gold(tree, gold("wcda-119000")))


def test_checker_notices_missing_phrase(converted: Path) -> None:
    facts = copy.deepcopy(gold("wcda-119000"))
    facts["must_contain"].append("a phrase that is not in the document at all")
    assert any("lacks phrase" in p for p in check_gold(parse(converted / "wcda-119000.xml"), facts))


# --- structure (ENCODING.md, "Gold checks: structure") -------------------------------------
TEI_NS = NS["t"]


def failed(tree: etree._ElementTree, facts: dict, field: str) -> list[Field]:
    """The fields of one kind that fail."""
    return [f for f in gold_fields(tree, facts) if f.name == field and not f.ok]


def turn_paragraph(tree: etree._ElementTree, phrase: str) -> etree._Element:
    """The p of a turn holding a phrase."""
    (p,) = [p for p in tree.iterfind(".//t:sp/t:p", NS) if phrase in "".join(p.itertext())]
    return p


@pytest.mark.parametrize("name", ["wcda-119000", "wcda-116538",
                                  "syn-06-letter-kerteszfalvi-students"])
def test_structure_holds_on_the_right_tei(name: str, converted: Path) -> None:
    fields = gold_fields(parse(converted / f"{name}.xml"), gold(name))
    structure = [f for f in fields if f.name in ("kind", "participant", "placement", "inline")]
    assert structure and all(f.ok for f in structure), [f for f in structure if not f.ok]


def test_kind_fails_on_another_div_type(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    tree.find(".//t:body/t:div", NS).set("type", "report")
    (bad,) = failed(tree, gold("wcda-119000"), "kind")
    assert "'report'" in bad.detail


def test_placement_fails_when_a_turn_paragraph_moves_into_the_distribution(
        converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    dist = tree.find(".//t:div[@type='distribution']", NS)
    dist.append(turn_paragraph(tree, "Welcome, Comrade Ambassador."))
    (bad,) = failed(tree, gold("wcda-119000"), "placement")
    assert "got distribution, expected turn" in bad.detail


def test_placement_fails_when_a_paragraph_leaves_its_turn(converted: Path) -> None:
    tree = parse(converted / "wcda-116538.xml")
    p = turn_paragraph(tree, "certainly mention it.")
    sp = p.getparent()
    sp.addnext(p)  # the same words, now a bare paragraph of the div
    (bad,) = failed(tree, gold("wcda-116538"), "placement")
    assert "got text, expected turn" in bad.detail


def test_placement_fails_when_prose_lands_in_a_floating_text(converted: Path) -> None:
    name = "syn-06-letter-kerteszfalvi-students"
    tree = parse(converted / f"{name}.xml")
    (p,) = [p for p in tree.iterfind(".//t:body/t:div/t:p", NS)
            if "Comrade Yun promised" in "".join(p.itertext())]
    floating = etree.Element(f"{{{TEI_NS}}}floatingText")
    p.addprevious(floating)
    etree.SubElement(etree.SubElement(floating, f"{{{TEI_NS}}}body"),
                     f"{{{TEI_NS}}}div").append(p)
    (bad,) = failed(tree, gold(name), "placement")
    assert "got embedded, expected text" in bad.detail


def test_placement_fails_when_a_phrase_is_missing(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    for el in tree.iterfind(".//t:div[@type='endorsements']", NS):
        el.getparent().remove(el)
    bad = failed(tree, gold("wcda-119000"), "placement")
    assert len(bad) == 2 and all("got missing" in f.detail for f in bad)


def test_participant_fails_without_its_person(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    (person,) = [p for p in tree.iterfind(".//t:particDesc//t:person", NS)
                 if "Ji Pengfei" in " ".join(p.itertext())]
    person.getparent().remove(person)
    (bad,) = failed(tree, gold("wcda-119000"), "participant")
    assert "'Ji Pengfei': persons []" in bad.detail


def test_participant_fails_when_two_persons_bear_the_name(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    (person,) = [p for p in tree.iterfind(".//t:particDesc//t:person", NS)
                 if "Zhou Qiuye" in " ".join(p.itertext())]
    twin = copy.deepcopy(person)
    twin.set("{http://www.w3.org/XML/1998/namespace}id", "zhou-qiuye-2")
    person.addnext(twin)
    (bad,) = failed(tree, gold("wcda-119000"), "participant")
    assert "zhou-qiuye-2" in bad.detail


def test_participant_fails_when_a_turn_points_elsewhere(converted: Path) -> None:
    tree = parse(converted / "wcda-116538.xml")
    for sp in tree.iterfind(".//t:sp", NS):
        if sp.findtext("t:speaker", namespaces=NS) == "Deng":
            sp.set("who", "#someone-else")
    (bad,) = failed(tree, gold("wcda-116538"), "participant")
    assert "label 'Deng' -> ['#someone-else']" in bad.detail


def test_inline_fails_when_the_element_is_gone(converted: Path) -> None:
    tree = parse(converted / "wcda-116538.xml")
    for stage in tree.iterfind(".//t:body//t:stage", NS):
        stage.tag = f"{{{TEI_NS}}}seg"  # the words stay, the stage direction is lost
    (bad,) = failed(tree, gold("wcda-116538"), "inline")
    assert "'Laughter'" in bad.detail


def test_inline_page_break_compares_its_number(converted: Path) -> None:
    tree = parse(converted / "wcda-119000.xml")
    facts = copy.deepcopy(gold("wcda-119000"))
    facts["inline"] = [["178", "pb"]]
    p = turn_paragraph(tree, "Welcome, Comrade Ambassador.")
    pb = etree.SubElement(p, f"{{{TEI_NS}}}pb", n="178")
    assert failed(tree, facts, "inline") == []
    pb.set("n", "179")
    assert len(failed(tree, facts, "inline")) == 1


def test_null_gold_values_are_held_to(converted: Path) -> None:
    """ENCODING.md: a null archive_idno means there is none (the reference skips it)."""
    name = "syn-10-romanian-telegram-hanoi"
    facts = gold(name)
    assert facts["archive_idno"] is None
    tree = parse(converted / f"{name}.xml")
    assert failed(tree, facts, "archive_idno") == []
    ident = tree.find(".//t:sourceDesc", NS)
    etree.SubElement(etree.SubElement(etree.SubElement(ident, f"{{{TEI_NS}}}msDesc"),
                                      f"{{{TEI_NS}}}msIdentifier"),
                     f"{{{TEI_NS}}}idno", type="archival").text = "AMAE 1965"
    assert len(failed(tree, facts, "archive_idno")) == 1


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    """../shared/tools/goldcheck.py, the reference scorer, as a module."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "goldcheck.py"
    if not path.is_file():
        pytest.skip(f"the reference checker is not there ({path}): ../shared is absent")
    spec = importlib.util.spec_from_file_location("goldcheck", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", corpus_names())
def test_agrees_with_the_reference_checker(name: str, converted: Path,
                                           reference: ModuleType) -> None:
    """Field by field, ok or failed, as goldcheck.py scores it (on right and wrong output
    alike: the corpus documents the reader still misreads fail the same fields in both)."""
    tree = parse(converted / f"{name}.xml")
    theirs = [(field, bool(ok)) for field, ok, _ in reference.check(gold(name), tree)]
    mine = [(f.name, f.ok) for f in gold_fields(tree, gold(name)) if not f.strict_only]
    assert mine == theirs


def test_agrees_with_the_reference_on_moved_text(converted: Path,
                                                 reference: ModuleType) -> None:
    """The same misreads fail the same fields in both checkers."""
    tree = parse(converted / "wcda-119000.xml")
    tree.find(".//t:div[@type='distribution']", NS).append(
        turn_paragraph(tree, "Welcome, Comrade Ambassador."))
    for person in tree.iterfind(".//t:particDesc//t:person", NS):
        if "Ji Pengfei" in " ".join(person.itertext()):
            person.getparent().remove(person)
    tree.find(".//t:body/t:div", NS).set("type", "report")
    facts = gold("wcda-119000")
    theirs = [(field, bool(ok)) for field, ok, _ in reference.check(facts, tree)]
    mine = [(f.name, f.ok) for f in gold_fields(tree, facts) if not f.strict_only]
    assert mine == theirs
    assert {name for name, ok in mine if not ok} == {"kind", "participant", "placement"}

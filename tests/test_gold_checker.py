"""The gold checker itself must fail on wrong output (a test that cannot fail proves nothing)."""

from __future__ import annotations

import copy
from pathlib import Path

from conftest import gold, parse
from gold import NS, check_gold


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

"""The gold checks of ENCODING.md, as functions over a converted TEI tree."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

NS = {"t": "http://www.tei-c.org/ns/1.0"}


def x(tree: etree._ElementTree, path: str) -> Any:
    """XPath with the TEI namespace bound to `t`."""
    return tree.xpath(path, namespaces=NS)


def norm(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def label_key(text: str) -> str:
    """Labels and speaker texts compare with []{}():  and all white space removed."""
    return re.sub(r"[\[\](){}:\s]", "", text)


def speaker_text(sp_speaker: etree._Element) -> str:
    """A speaker's text without reg and note descendants."""
    parts = []
    for node in sp_speaker.iter():
        if node is not sp_speaker and _inside_skipped(node, sp_speaker):
            continue
        if node is sp_speaker:
            parts.append(node.text or "")
        else:
            if etree.QName(node).localname not in ("reg", "note"):
                parts.append(node.text or "")
            parts.append(node.tail or "")
    return "".join(parts)


def _inside_skipped(node: etree._Element, top: etree._Element) -> bool:
    cur = node.getparent()
    while cur is not None and cur is not top:
        if etree.QName(cur).localname in ("reg", "note"):
            return True
        cur = cur.getparent()
    return False


def check_gold(tree: etree._ElementTree, gold: dict[str, Any]) -> list[str]:
    """Every gold fact that does not hold, as a message (empty: all hold)."""
    bad: list[str] = []

    def expect(name: str, got: Any, want: Any) -> None:
        if got != want:
            bad.append(f"{name}: got {got!r}, expected {want!r}")

    expect("title", norm(x(tree, "string(//t:teiHeader//t:titleStmt/t:title[@type='main'])")),
           gold["title"])
    when = x(tree, "string(//t:profileDesc/t:creation/t:date/@when)")
    expect("date", when[:len(gold["date"])], gold["date"])
    idno = x(tree, "//t:msIdentifier/t:idno[@type='archival']")
    expect("archive_idno", norm(idno[0].text) if idno else None, gold["archive_idno"])
    expect("translators", [norm(e.text) for e in x(
        tree, "//t:titleStmt/t:respStmt[t:resp='Translation']/t:persName")], gold["translators"])
    if gold.get("original_language"):
        idents = x(tree, "//t:langUsage/t:language/@ident")
        if gold["original_language"] not in idents:
            bad.append(f"original_language {gold['original_language']} not in {idents}")
    speakers = [(sp.get("who"), label_key(speaker_text(s)))
                for sp in x(tree, "//t:body//t:sp") for s in x(sp, "t:speaker")]
    who_of: dict[str, set[str]] = {}
    for group in gold["speakers"]:
        for label in group:
            key = label_key(label)
            whos = {w for w, text in speakers if text and key.startswith(text) and (
                text == key or len(text) >= 2)}
            exact = {w for w, text in speakers if text == key}
            found = exact or whos
            if not found:
                bad.append(f"speaker label {label!r}: no sp/speaker has it")
            who_of[label] = found
    for i, group in enumerate(gold["speakers"]):
        ids = set().union(*(who_of[label] for label in group))
        if len(ids) > 1:
            bad.append(f"speaker group {group}: labels point to several people {sorted(ids)}")
        for other in gold["speakers"][i + 1:]:
            oids = set().union(*(who_of[label] for label in other))
            if ids & oids:
                bad.append(f"speaker groups {group} and {other} share {sorted(ids & oids)}")
    expect("turns", int(x(tree, "count(//t:body//t:sp)")), gold["turns"])
    expect("redacted_gaps", int(x(tree, "count(//t:body//t:gap[@reason='redacted'])")),
           gold["redacted_gaps"])
    expect("illegible_chars", int(x(
        tree, "sum(//t:body//t:gap[@reason='illegible'][@unit='char']/@quantity)")),
        gold["illegible_chars"])
    expect("illegible_spans", int(x(
        tree, "count(//t:body//t:gap[@reason='illegible'][not(@unit='char')])")),
        gold["illegible_spans"])
    expect("omissions", int(x(tree, "count(//t:body//t:gap[@reason='omitted'])")),
           gold["omissions"])
    expect("footnotes", int(x(tree, "count(//t:body//t:note[@place='foot'])")), gold["footnotes"])
    expect("distribution_items", int(x(
        tree, "count(//t:body//t:list[@type='distribution']/t:item)")), gold["distribution_items"])
    totals = x(tree, "//t:body//t:div[@type='distribution']//t:measure[@type='copies']"
                     "[not(ancestor::t:item)]/@quantity")
    expect("distribution_total", int(totals[0]) if totals else None, gold["distribution_total"])
    speaker_keys = {text for _, text in speakers}
    for label in gold["not_speakers"]:
        if label_key(label) in speaker_keys:
            bad.append(f"not a speaker, but an sp/speaker has it: {label!r}")
    body = norm(x(tree, "string(//t:text/t:body)"))
    for phrase in gold["must_contain"]:
        if phrase not in body:
            bad.append(f"body lacks phrase {phrase!r}")
    return bad

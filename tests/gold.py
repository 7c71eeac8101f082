"""The gold checks of ENCODING.md ("Gold checks" and "Gold checks: structure"), as functions
over a converted TEI tree.

`gold_fields` scores a file field by field, as `../shared/tools/goldcheck.py` does (each
participant, placement phrase and inline item is a field of its own); `check_gold` turns the
failed fields into messages for an assertion. Where the gold value is null or empty, the
reference skips a field that says what must *not* be there (no archival idno, no translator,
no stated total); this checker holds the file to it, as ENCODING.md says ("null: there is
none"), and marks those fields `strict_only`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

NS = {"t": "http://www.tei-c.org/ns/1.0"}
T = "{http://www.tei-c.org/ns/1.0}"
HEREAFTER = re.compile(r"\(hereafter[^)]*\)")


@dataclass(frozen=True)
class Field:
    """One scored gold field."""

    name: str
    ok: bool
    detail: str
    strict_only: bool = False  # not scored by the reference checker


def x(tree: etree._ElementTree | etree._Element, path: str) -> Any:
    """XPath with the TEI namespace bound to `t`."""
    return tree.xpath(path, namespaces=NS)


def text(el: etree._Element) -> str:
    """An element's text, whitespace-normalised."""
    return " ".join("".join(el.itertext()).split())


def norm(s: str | None) -> str:
    """Text as the gold compares it: no "(hereafter …)", no square brackets, no trailing
    colon, white space normalised, case ignored."""
    s = HEREAFTER.sub(" ", s or "").replace("[", "").replace("]", "")
    return " ".join(s.split()).rstrip(":").strip().casefold()


def label_key(s: str | None) -> str:
    """Labels and speaker texts compare with []{}(): and all white space removed."""
    return re.sub(r"[\[\](){}:\s]", "", s or "").casefold()


def speaker_text(speaker: etree._Element) -> str:
    """A speaker's text without reg and note descendants (variants and notes in markup)."""
    parts = [speaker.text or ""]
    for child in speaker:
        if isinstance(child.tag, str) and etree.QName(child).localname not in ("reg", "note"):
            parts.append(speaker_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def speaker_labels(tree: etree._ElementTree) -> dict[str, set[str]]:
    """Each speaker text (as a label key) and the @who values of its turns, in document
    order of first appearance."""
    labels: dict[str, set[str]] = {}
    for sp in x(tree, "//t:text//t:sp"):
        speaker = sp.find("t:speaker", NS)
        key = label_key(speaker_text(speaker)) if speaker is not None else ""
        labels.setdefault(key, set()).add(sp.get("who", ""))
    return labels


def find_label(labels: dict[str, set[str]], label: str) -> set[str]:
    """The @who values of the turns whose speaker is this gold label: the same text, the
    text without "(hereafter …)", or a speaker text the label starts with (the converter
    may have moved an alias or a romanisation variant into markup)."""
    key = label_key(label)
    found = labels.get(key) or labels.get(label_key(HEREAFTER.sub("", label)))
    if found is None:
        found = next((whos for k, whos in labels.items() if k and key.startswith(k)), None)
    return found or set()


# --- facts --------------------------------------------------------------------------------
def _header_fields(tree: etree._ElementTree, gold: dict[str, Any]) -> Iterator[Field]:
    title = x(tree, "string(//t:teiHeader//t:titleStmt/t:title[@type='main'])")
    yield Field("title", norm(title) == norm(gold["title"]), f"got {norm(title)!r}")
    if gold.get("date") is not None:
        whens = x(tree, "//t:profileDesc/t:creation//t:date/@when"
                        " | //t:profileDesc/t:creation//t:date/@from")
        yield Field("date", any(w.startswith(gold["date"]) for w in whens), f"got {whens}")
    idnos = [text(e) for e in x(tree, "//t:msIdentifier/t:idno[@type='archival']")]
    if gold.get("archive_idno") is not None:
        yield Field("archive_idno", any(norm(i) == norm(gold["archive_idno"]) for i in idnos),
                    f"got {idnos}")
    else:
        yield Field("archive_idno", not idnos, f"expected none, got {idnos}", strict_only=True)
    names = sorted(norm(text(e)) for e in x(
        tree, "//t:titleStmt/t:respStmt[normalize-space(t:resp)='Translation']/t:persName"))
    yield Field("translators", names == sorted(norm(n) for n in gold.get("translators") or []),
                f"got {names}", strict_only=not gold.get("translators"))
    if gold.get("original_language"):
        idents = x(tree, "//t:langUsage/t:language/@ident")
        yield Field("original_language",
                    gold["original_language"] in [i.split("-")[0] for i in idents],
                    f"{gold['original_language']} not in {idents}")


def _speaker_field(tree: etree._ElementTree, gold: dict[str, Any],
                   labels: dict[str, set[str]]) -> Iterator[Field]:
    groups = gold.get("speakers") or []
    problems = []
    ids_of = []
    for group in groups:
        ids: set[str] = set()
        for label in group:
            found = find_label(labels, label)
            if not found:
                problems.append(f"label {label!r}: no sp/speaker has it")
            ids |= found
        if len(ids) > 1:
            problems.append(f"group {group}: labels point to several people {sorted(ids)}")
        ids_of.append(ids)
    for i, ids in enumerate(ids_of):
        for j in range(i + 1, len(ids_of)):
            if ids & ids_of[j]:
                problems.append(f"groups {groups[i]} and {groups[j]} share "
                                f"{sorted(ids & ids_of[j])}")
    if groups or labels:
        yield Field("speakers", not problems, "; ".join(problems))


#: Counted facts: gold field and the XPath number the TEI must give.
COUNTS = (
    ("turns", "count(//t:body//t:sp)"),
    ("redacted_gaps", "count(//t:body//t:gap[@reason='redacted'])"),
    ("illegible_chars", "sum(//t:body//t:gap[@reason='illegible'][@unit='char']/@quantity)"),
    ("illegible_spans", "count(//t:body//t:gap[@reason='illegible'][not(@unit='char')])"),
    ("omissions", "count(//t:body//t:gap[@reason='omitted'])"),
    ("footnotes", "count(//t:body//t:note[@place='foot'])"),
    ("distribution_items", "count(//t:body//t:list[@type='distribution']/t:item)"),
)


def _count_fields(tree: etree._ElementTree, gold: dict[str, Any]) -> Iterator[Field]:
    for name, path in COUNTS:
        got = int(x(tree, path))
        yield Field(name, got == gold[name], f"got {got!r}, expected {gold[name]!r}")
    totals = x(tree, "//t:body//t:div[@type='distribution']//t:measure[@type='copies']"
                     "[not(ancestor::t:item)]/@quantity")
    want = gold.get("distribution_total")
    yield Field("distribution_total",
                totals[:1] == ([str(want)] if want is not None else []),
                f"got {totals[:1]!r}, expected {want!r}", strict_only=want is None)


def _text_fields(tree: etree._ElementTree, gold: dict[str, Any]) -> Iterator[Field]:
    speakers = {label_key(speaker_text(s)) for s in x(tree, "//t:body//t:sp/t:speaker")}
    bad = [n for n in gold.get("not_speakers") or [] if label_key(n) in speakers]
    yield Field("not_speakers", not bad, f"an sp/speaker has {bad}")
    body = x(tree, "//t:text/t:body")
    body_text = norm(text(body[0])) if body else ""
    missing = [p for p in gold.get("must_contain") or [] if norm(p) not in body_text]
    yield Field("must_contain", not missing, f"body lacks phrase(s) {missing}")


# --- structure ----------------------------------------------------------------------------
def _is(tag: str, **attrs: str):
    """A test for an element of this TEI name with these attribute values."""
    names = {T + t for t in tag.split("|")}
    return lambda el: el.tag in names and all(el.get(k) == v for k, v in attrs.items())


#: Places of ENCODING.md's `placement`, tested in this order on the element and its
#: ancestors: the first that any of them passes wins; none passing is `text`.
PLACES = (
    ("note", _is("note")),
    ("distribution", _is("div", type="distribution")),
    ("endorsement", _is("div", type="endorsements")),
    ("embedded", _is("floatingText")),
    ("salute", _is("salute")),
    ("preamble", _is("list", type="participants")),
    ("fields", _is("list", type="fields")),
    ("opener", _is("opener")),
    ("closer", _is("closer|postscript|trailer|signed")),
    ("head", _is("head")),
    ("turn", _is("sp")),
)


def place_of(el: etree._Element) -> str:
    """The placement class of an element (see PLACES)."""
    chain = [el, *el.iterancestors()]
    return next((name for name, test in PLACES if any(test(a) for a in chain)), "text")


def find_phrase(root: etree._Element, phrase: str) -> etree._Element | None:
    """The deepest element under `root` whose normalised text holds the phrase, the first
    such in document order."""
    want = norm(phrase)
    best = None
    for el in root.iter(T + "*"):  # document order: a later hit is inside an earlier one or after
        if want in norm(text(el)):
            best = el
            if not any(want in norm(text(c)) for c in el if isinstance(c.tag, str)):
                return el
    return best


def _word_in(name: str, hay: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(norm(name)) + r"(?!\w)", hay) is not None


def participant_fields(tree: etree._ElementTree, participants: list[dict[str, Any]],
                       labels: dict[str, set[str]] | None = None) -> list[Field]:
    """One field per `{"name": N, "labels": [L…]}`: exactly one person of particDesc bears
    N, and every turn whose speaker is one of the labels points to that person."""
    return list(_participant_fields(tree, participants,
                                    speaker_labels(tree) if labels is None else labels))


def _participant_fields(tree: etree._ElementTree, participants: list[dict[str, Any]],
                        labels: dict[str, set[str]]) -> Iterator[Field]:
    persons = [(p.get("{http://www.w3.org/XML/1998/namespace}id"),
                norm(" ".join(" ".join(n.itertext()) for n in p.iter(T + "persName"))))
               for p in x(tree, "//t:particDesc//t:person")]
    for entry in participants:
        hits = [pid for pid, names in persons if _word_in(entry["name"], names)]
        detail = f"{entry['name']!r}: persons {hits}"
        ok = len(hits) == 1
        for label in (entry.get("labels") or []) if ok else []:
            whos = find_label(labels, label)
            if whos != {"#" + hits[0]}:
                ok = False
                detail += f"; label {label!r} -> {sorted(whos) or 'no sp'}"
        yield Field("participant", ok, detail)


def _inline_ok(body: etree._Element, content: str, name: str) -> bool:
    for el in body.iter(T + name):
        if name == "pb":
            if el.get("n") == content:
                return True
        elif name in ("sic", "unclear", "corr") or norm(content) in norm(text(el)):
            return True
    return False


def _structure_fields(tree: etree._ElementTree, gold: dict[str, Any],
                      labels: dict[str, set[str]]) -> Iterator[Field]:
    if gold.get("kind"):
        kind = x(tree, "string(//t:text/t:body/t:div[1]/@type)")
        yield Field("kind", kind == gold["kind"], f"got {kind!r}, expected {gold['kind']!r}")
    yield from _participant_fields(tree, gold.get("participants") or [], labels)
    text_root = x(tree, "//t:text")
    for phrase, want in (gold.get("placement") or {}).items():
        el = find_phrase(text_root[0], phrase) if text_root else None
        got = place_of(el) if el is not None else "missing"
        yield Field("placement", got == want, f"{phrase!r}: got {got}, expected {want}")
    body = x(tree, "//t:text/t:body")
    for content, names in gold.get("inline") or []:
        ok = bool(body) and any(_inline_ok(body[0], content, n) for n in names.split("|"))
        yield Field("inline", ok, f"{content!r} not found as {names}")


def gold_fields(tree: etree._ElementTree, gold: dict[str, Any]) -> list[Field]:
    """Every gold field of a document, scored on its converted TEI."""
    labels = speaker_labels(tree)
    return [*_header_fields(tree, gold), *_speaker_field(tree, gold, labels),
            *_count_fields(tree, gold), *_text_fields(tree, gold),
            *_structure_fields(tree, gold, labels)]


def check_gold(tree: etree._ElementTree, gold: dict[str, Any]) -> list[str]:
    """Every gold field that does not hold, as a message (empty: all hold)."""
    return [f"{f.name}: {f.detail}" for f in gold_fields(tree, gold) if not f.ok]

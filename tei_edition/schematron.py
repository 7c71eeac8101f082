"""The Schematron twin of the content rules: schema/tei_edition.sch, generated from here.

Editors (Oxygen, VS Code with an XML extension) check a file with ISO Schematron through its
`<?xml-model?>` instruction; this module writes the rules of `rules.py` as Schematron with
the XSLT 1.0 query binding, which lxml.isoschematron and Oxygen both run. The rule ids,
severities and texts are not written here: each assertion names a `rules.MESSAGES` entry and
gives only the XPath 1.0 that decides it and fills its fields, so the two cannot say
different things (a test runs both over every negative document and compares).

What XPath 1.0 cannot do is listed by `limits()` (and in docs/schema.md): the hints a finding
carries beyond its message, and pointer lists longer than `MAX_TOKENS`.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree, isoschematron

from .rules import (
    CONTENT_MARKERS,
    DATE_ATTRS,
    LOCAL_POINTER_ATTRS,
    MESSAGES,
    NOT_DATABLE,
    NOT_EMPTY,
    POINTER_ATTRS,
    TEI,
)

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
XI = "http://www.w3.org/2001/XInclude"
#: The tokens of a pointer list the Schematron checks (XPath 1.0 cannot loop over a list,
#: so the tokens are taken one by one); rules.py checks them all.
MAX_TOKENS = 12
#: The key that finds an element by its xml:id.
ID_KEY = "tei-edition-id"

#: What the Schematron leaves to the Python rules, for docs/schema.md.
_LIMITS = (
    "The hints some messages carry beyond their text: the nearest xml:id to a broken pointer "
    "(`ref-resolves`), the line of the first holder of a duplicate xml:id (`id-unique`), the "
    "ISO form of a written-out date (`date-iso`) and the list of declared languages "
    "(`lang-declared`).",
    f"Pointer lists of more than {MAX_TOKENS} tokens (@who, @ref, @corresp, @target, @resp): "
    f"the Schematron checks the first {MAX_TOKENS} (`ref-resolves`, `who-person`).",
    "Whole numbers (`copies-total`) beyond 2^53, where XPath 1.0's numbers lose precision.",
)


def limits() -> list[str]:
    """What the Schematron leaves to `validate`: the limits above, and every message marked
    as beyond XPath 1.0 (`rules.Message.schematron`)."""
    return [*_LIMITS, *(f"`{m.rule}` ({m.key}): {m.text.format_map(_Blank())}"
                        for m in MESSAGES.values() if not m.schematron)]


class _Blank(dict):
    """Format fields as themselves ("{value}"), for a message shown as a pattern."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _xml_chars(chars: str) -> str:
    """The characters XML 1.0 allows in a document."""
    return "".join(c for c in chars if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF
                   or 0xE000 <= ord(c) <= 0xFFFD or ord(c) > 0xFFFF)


#: Python's white space (str.split, str.isspace), as far as XML can hold it: what the rules
#: split pointer lists and judge blank text by.
WHITE = _xml_chars("".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()))


def literal(text: str) -> str:
    """An XPath 1.0 string literal."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = ", \"'\", ".join(f"'{p}'" for p in text.split("'"))
    return f"concat({parts})"


def spaced(value: str, pattern: bool = False) -> str:
    """`value` with Python's white space made single spaces, trimmed (as str.split sees it).
    In a `pattern` (a rule's context) XSLT 1.0 allows no variable: the characters are
    written out."""
    white, spaces = ((literal(WHITE), literal(" " * len(WHITE))) if pattern else
                     ("$white", "$spaces"))
    return f"normalize-space(translate({value}, {white}, {spaces}))"


def has_token(value: str, token: str, pattern: bool = False) -> str:
    """True when the white-space separated list `value` holds `token` (an XPath string)."""
    return f"contains(concat(' ', {spaced(value, pattern)}, ' '), concat(' ', {token}, ' '))"


def whole(value: str) -> str:
    """True when `value` is a whole number as rules.whole_number reads one."""
    return (f"(normalize-space({value}) != '' and "
            f"translate(normalize-space({value}), '0123456789', '') = '')")


def iso_date(v: str) -> str:
    """True when `v` is a date rules.is_iso_date accepts: the form, then the calendar."""
    n = f"string-length({v})"
    y, mo, d = (f"number(substring({v}, {i}, {w}))" for i, w in ((1, 4), (6, 2), (9, 2)))
    leap = f"({y} != 0 and {y} mod 4 = 0 and ({y} mod 100 != 0 or {y} mod 400 = 0))"
    days = f"(31 - ({mo} = 4 or {mo} = 6 or {mo} = 9 or {mo} = 11) - ({mo} = 2) * (3 - {leap}))"
    return " and ".join([
        f"({n} = 4 or {n} = 7 or {n} = 10 or {n} = 16 or {n} = 19)",
        f"translate({v}, '123456789', '000000000') = substring('0000-00-00T00:00:00', 1, {n})",
        f"({n} < 7 or ({mo} >= 1 and {mo} <= 12))",
        f"({n} < 10 or ({d} >= 1 and {d} <= {days}))",
        f"({n} < 16 or (number(substring({v}, 12, 2)) < 24 and "
        f"number(substring({v}, 15, 2)) < 60))",
        f"({n} < 19 or number(substring({v}, 18, 2)) < 60)",
    ])


@dataclass(frozen=True)
class Assert:
    """One assertion: the message it reports, the test that holds when all is well, and an
    XPath for each field of the message (its hints excepted)."""

    message: str  # a key of rules.MESSAGES
    test: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A Schematron rule: a context, variables, assertions. Each gets a pattern of its own,
    so that no rule hides another from an element both match."""

    name: str
    context: str
    asserts: tuple[Assert, ...]
    lets: tuple[tuple[str, str], ...] = ()


def _id(token: str) -> str:
    return f"key('{ID_KEY}', {token})"


def _tokens(value: str) -> tuple[tuple[str, str], ...]:
    """Variables t1 … tN holding the tokens of a list (empty past its end)."""
    lets = [("r0", f"concat({spaced(value)}, ' ')")]
    for k in range(1, MAX_TOKENS + 1):
        lets += [(f"t{k}", f"substring-before($r{k - 1}, ' ')"),
                 (f"r{k}", f"substring-after($r{k - 1}, ' ')")]
    return tuple(lets)


def _not_datable() -> str:
    return " or ".join(f"local-name() = '{n}'" for n in NOT_DATABLE)


def _pointer_rules() -> Iterator[Rule]:
    for attr in POINTER_ATTRS:
        asserts = []
        for k in range(1, MAX_TOKENS + 1):
            t = f"$t{k}"
            common = {"attr": literal(attr), "value": f"@{attr}", "element": "local-name()",
                      "token": t}
            asserts.append(Assert("ref-resolves.missing",
                                  f"not(starts-with({t}, '#')) or {_id(f'substring({t}, 2)')}",
                                  common | {"id": f"substring({t}, 2)"}))
            bare = f"{_id(t)} or not(contains({t}, ':'))" if attr in LOCAL_POINTER_ATTRS \
                else _id(t)
            asserts.append(Assert("ref-resolves.hash",
                                  f"{t} = '' or starts-with({t}, '#') or not({bare})", common))
        yield Rule(f"ref-resolves.{attr}", f"*[@{attr}]", tuple(asserts), _tokens(f"@{attr}"))


def _who_rule() -> Rule:
    asserts = []
    for k in range(1, MAX_TOKENS + 1):
        t = f"$t{k}"
        target = f"{_id(f'substring({t}, 2)')}[1]"
        unrelated = f"not(starts-with({t}, '#')) or not({target})"
        asserts.append(Assert("who-person.not-person", f"{unrelated} or {target}[self::tei:person]",
                              {"token": t, "target": f"local-name({target})"}))
        asserts.append(Assert("who-person.role",
                              f"{unrelated} or not({target}[self::tei:person]) or "
                              f"{has_token(f'{target}/@role', literal('speaker'))}",
                              {"token": t, "role": f"{target}/@role"}))
    return Rule("who-person", "tei:sp[@who]", tuple(asserts), _tokens("@who"))


def _speaker_rule() -> Rule:
    hashed = has_token("@who", "concat('#', $id)")
    turn = f"//tei:sp[{hashed} or {has_token('@who', '$id')}]"
    return Rule("speaker-used",
                f"tei:person[{has_token('@role', literal('speaker'), pattern=True)}]",
                (Assert("speaker-used.no-turn", f"@xml:id and {turn}",
                        {"id": "concat(@xml:id, substring('None', 1, 4 * not(@xml:id)))"}),),
                (("id", "string(@xml:id)"),))


def _date_rules() -> Iterator[Rule]:
    for attr in DATE_ATTRS:
        yield Rule(f"date-iso.{attr}", f"*[@{attr}][not({_not_datable()})]",
                   (Assert("date-iso.form", iso_date(f"@{attr}"),
                           {"attr": literal(attr), "value": f"@{attr}",
                            "element": "local-name()"}),))
    after = ("number(translate(substring(@from, 1, string-length(@to)), '-T:', '')) > "
             "number(translate(substring(@to, 1, string-length(@from)), '-T:', ''))")
    yield Rule("date-range", f"*[@from or @to][not({_not_datable()})]", (
        Assert("date-range.when", "not(@when)", {"element": "local-name()"}),
        Assert("date-range.order",
               f"not(string(@from) and string(@to) and {iso_date('@from')} and "
               f"{iso_date('@to')} and {after})",
               {"element": "local-name()", "start": "@from", "end": "@to"})))


_DISTRIBUTION_DIV = "ancestor::tei:div[@type = 'distribution']"


def _copies_rules() -> Iterator[Rule]:
    yield Rule("copies-total.item",
               f"tei:item[parent::tei:list[@type = 'distribution']][{_DISTRIBUTION_DIV}]",
               (Assert("copies-total.n", f"not(@n) or {whole('@n')}", {"n": "@n"}),))
    in_item = ("(ancestor::tei:item and count(ancestor::tei:item[1]/ancestor::*) > "
               "count($div/ancestor::*))")
    total = "(sum($items/@n) + count($items[not(@n)]))"
    yield Rule("copies-total.measure", f"tei:measure[@type = 'copies'][{_DISTRIBUTION_DIV}]", (
        Assert("copies-total.in-item", f"not{in_item}"),
        Assert("copies-total.quantity", f"{in_item} or {whole('@quantity')}"),
        Assert("copies-total.sum",
               f"{in_item} or not({whole('@quantity')}) or $items[@n][not({whole('@n')})] "
               f"or not($items) or number(@quantity) = {total}",
               {"items": "count($items)", "total": total, "quantity": "@quantity"})), (
        ("div", f"{_DISTRIBUTION_DIV}[1]"),
        ("items", "$div//tei:list[@type = 'distribution'][generate-id("
                  f"{_DISTRIBUTION_DIV}[1]) = generate-id($div)]/tei:item")))


def _empty_rules() -> Iterator[Rule]:
    below = "ancestor::*[count(ancestor::*) > $depth]"
    kept = f"[not({below}[self::tei:pb or self::tei:lb])]"
    markers = " or ".join(f"self::tei:{m}" for m in CONTENT_MARKERS)

    def content(skip: str) -> str:
        return (f"descendant::text()[translate(., $white, '') != '']{kept}{skip} or "
                f"descendant::*[{markers} or namespace-uri() != '{TEI}']{kept}{skip}")

    depth = (("depth", "count(ancestor::*)"),)
    others = " | ".join(f"tei:{n}" for n in NOT_EMPTY if n != "sp")
    yield Rule("empty-element", others, (
        Assert("empty-element.empty", content(""), {"element": "local-name()"}),), depth)
    speaker = "[not(ancestor::tei:speaker[count(ancestor::*) = $depth + 1])]"
    yield Rule("empty-element.turn", "tei:sp", (
        Assert("empty-element.turn", content(speaker), {"element": "local-name()"}),), depth)


def _gap_rule() -> Rule:
    return Rule("gap-extent", "tei:gap", (
        Assert("gap-extent.unit", "not(@quantity) or @unit", {"quantity": "@quantity"}),
        Assert("gap-extent.quantity", "not(@unit = 'char') or @quantity")))


def _lang_rules() -> Iterator[Rule]:
    # the langUsage of the TEI document the element stands in (a corpus holds several)
    lets = (("scope", "ancestor-or-self::tei:TEI[1]"),
            ("usage", "($scope//tei:langUsage | /*[not($scope)]//tei:langUsage)[1]"))
    usage = "$usage//tei:language/@ident"
    for attr, label in (("@xml:lang", "xml:lang"), ("@mainLang", "mainLang")):
        test = (f"not($usage) or {usage} = {attr} or "
                f"{usage} = substring-before(concat({attr}, '-'), '-')")
        fields = {"attr": literal(label), "value": attr, "element": "local-name()"}
        name = label.replace(":", "-")
        yield Rule(f"lang-declared.{name}", f"*[{attr}][not(local-name() = 'foreign')]",
                   (Assert("lang-declared.undeclared", test, fields),), lets)
        yield Rule(f"lang-declared.{name}.foreign", f"*[{attr}][local-name() = 'foreign']",
                   (Assert("lang-declared.foreign", test, fields),), lets)


def _corpus_rule() -> Rule:
    corpus = ("tei:measure[@unit = 'document'][parent::tei:extent/parent::tei:fileDesc/"
              "parent::tei:teiHeader/parent::tei:teiCorpus]")
    count = "count(../../../../tei:TEI | ../../../../xi:include)"
    return Rule("corpus-extent", corpus, (Assert(
        "corpus-extent.count", f"not({whole('@quantity')}) or number(@quantity) = {count}",
        {"stated": "number(@quantity)", "count": count}),))


def schematron_rules() -> list[Rule]:
    """Every rule of the Schematron, in the order of rules.RULES."""
    return [
        Rule("id-unique", "*[@xml:id]", (Assert(
            "id-unique.taken", f"generate-id({_id('@xml:id')}[1]) = generate-id()",
            {"id": "@xml:id", "element": "local-name()",
             "first": f"local-name({_id('@xml:id')}[1])"}),)),
        *_pointer_rules(), _who_rule(), _speaker_rule(), *_date_rules(), *_copies_rules(),
        *_empty_rules(), _gap_rule(), *_lang_rules(), _corpus_rule()]


_FIELD = re.compile(r"\{(\w+)\}")


def _message(parent: etree._Element, key: str, fields: dict[str, str]) -> None:
    """The message's text with each field as <value-of>; its hints left out."""
    message = MESSAGES[key]
    parent.text = f"[{message.rule}] "
    last: etree._Element | None = None
    for i, part in enumerate(_FIELD.split(message.text)):
        if i % 2 == 0 or part in message.hints:
            text = part if i % 2 == 0 else ""
            if last is None:
                parent.text += text
            else:
                last.tail = (last.tail or "") + text
            continue
        xpath = fields[part]  # a KeyError here is a field the twin forgot
        if xpath.startswith("'") and xpath.endswith("'"):  # a literal: written as text
            if last is None:
                parent.text += xpath[1:-1]
            else:
                last.tail = (last.tail or "") + xpath[1:-1]
            continue
        last = etree.SubElement(parent, f"{{{SCH}}}value-of", select=xpath)


def assertion_message(assert_id: str) -> str:
    """The rules.MESSAGES key an assertion of the generated schema reports."""
    return assert_id.rpartition(".")[0]


def generate() -> bytes:
    """The bytes of schema/tei_edition.sch."""
    sch = etree.Element(f"{{{SCH}}}schema", nsmap={"sch": SCH, "xsl": XSL},
                        queryBinding="xslt")
    sch.text = "\n  "
    etree.SubElement(sch, f"{{{SCH}}}title").text = (
        "tei-edition content rules (generated from tei_edition/rules.py: do not edit)")
    etree.SubElement(sch, f"{{{SCH}}}ns", prefix="tei", uri=TEI)
    etree.SubElement(sch, f"{{{SCH}}}ns", prefix="xi", uri=XI)
    etree.SubElement(sch, f"{{{XSL}}}key", name=ID_KEY, match="*[@xml:id]", use="@xml:id")
    # Python's white space (str.split, str.isspace) as far as XML can hold it
    etree.SubElement(sch, f"{{{SCH}}}let", name="white", value=literal(WHITE))
    etree.SubElement(sch, f"{{{SCH}}}let", name="spaces", value=literal(" " * len(WHITE)))
    used: Counter[str] = Counter()
    for rule in schematron_rules():
        pattern = etree.SubElement(sch, f"{{{SCH}}}pattern", id=rule.name)
        el = etree.SubElement(pattern, f"{{{SCH}}}rule", context=rule.context)
        for name, value in rule.lets:
            etree.SubElement(el, f"{{{SCH}}}let", name=name, value=value)
        for a in rule.asserts:
            used[a.message] += 1
            # the id names the message (what `assertion_message` reads back), the role is
            # the severity as Oxygen reads it
            etree.SubElement(el, f"{{{SCH}}}assert", test=a.test,
                             id=f"{a.message}.{used[a.message]}",
                             role=MESSAGES[a.message].severity)
            _message(el[-1], a.message, a.fields)
    etree.indent(sch, space="  ")
    sch.addprevious(etree.Comment(" Generated by `python scripts/build_schema.py` from "
                                  "tei_edition/rules.py and tei_edition/schematron.py: edit "
                                  "those, not this file. "))
    return etree.tostring(sch.getroottree(), xml_declaration=True, encoding="UTF-8") + b"\n"


@dataclass(frozen=True)
class Failure:
    """One failed assertion of the Schematron, read back from its report (SVRL)."""

    message: str  # the rules.MESSAGES key
    rule: str
    severity: str
    element: etree._Element
    text: str  # without the "[rule] " it starts with


_SVRL = "http://purl.oclc.org/dsdl/svrl"


def compile_schematron(path: str | os.PathLike[str]) -> isoschematron.Schematron:
    """A Schematron file compiled by lxml (its XSLT 1.0 skeleton), reporting in SVRL."""
    from .xmlio import parse_file

    return isoschematron.Schematron(parse_file(path), store_report=True)


def failures(schematron: isoschematron.Schematron, tree: etree._ElementTree) -> list[Failure]:
    """Every failed assertion for a document, at the element it is about."""
    schematron.validate(tree)
    out = []
    for failed in schematron.validation_report.iter(f"{{{_SVRL}}}failed-assert"):
        found = tree.xpath(failed.get("location"))
        text = " ".join("".join(failed.itertext()).split())
        rule, _, text = text.partition("] ")
        out.append(Failure(assertion_message(failed.get("id", "")), rule.lstrip("["),
                           failed.get("role", "error"), found[0], text))
    return out

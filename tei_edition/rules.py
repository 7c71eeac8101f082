"""Content rules a RelaxNG grammar cannot express, checked in Python on a parsed TEI file.

Each rule is a small function taking a `Doc` and yielding `Finding`s; its id
(`ref-resolves`, `copies-total`, ...) is what a diagnostic shows in brackets. Rules read TEI
elements only and never fail on a document the schema would reject: they check what is
there. `RULES` lists them in the order they run. `Doc` indexes the attributes once (one
XPath scan) because validating a thousand files must stay far cheaper than one jing run.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

TEI = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Attributes holding pointers; `#id` values must name an xml:id of the same file.
POINTER_ATTRS = ("who", "ref", "corresp", "target", "resp")
#: Attributes that only ever point inside the file in this encoding.
LOCAL_POINTER_ATTRS = ("who", "resp")
#: Attributes holding normalised dates.
DATE_ATTRS = ("when", "from", "to", "notBefore", "notAfter")
#: Elements whose @from/@to are not dates (a locus runs from page to page).
NOT_DATABLE = ("locus", "locusGrp", "span", "spanGrp")
#: Elements that must not be empty (no text and nothing but breaks inside).
NOT_EMPTY = ("p", "sp", "head", "item", "speaker", "stage", "note", "label", "salute", "signed",
             "trailer", "desc", "title", "q", "supplied", "unclear", "persName", "resp")
#: Elements that count as content although they hold no text.
CONTENT_MARKERS = ("gap", "ptr", "figure", "floatingText")

_ISO = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?)?)?")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


@dataclass(frozen=True)
class Finding:
    """One content problem at one element."""

    element: etree._Element
    rule: str
    message: str
    severity: str = "error"
    attribute: str | None = None  # the attribute at fault, when there is one


def tei(name: str) -> str:
    """Clark name of a TEI element."""
    return f"{{{TEI}}}{name}"


def local(el: etree._Element) -> str:
    """The element's name as an editor writes it."""
    return etree.QName(el).localname


_ALL_ATTRIBUTES = etree.XPath("//@*")
_TEI_PREFIX = f"{{{TEI}}}"
_BREAKS = frozenset(tei(n) for n in ("pb", "lb"))
_MARKERS = frozenset(tei(n) for n in CONTENT_MARKERS)
_SP = tei("sp")
_SPEAKER = frozenset([tei("speaker")])


class Doc:
    """A document element with the indexes several rules share, each built once."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root

    @cached_property
    def _attributes(self) -> dict[str, list]:
        by_name: dict[str, list] = {}
        for value in _ALL_ATTRIBUTES(self.root):  # str results that know their element
            by_name.setdefault(value.attrname, []).append(value)
        return by_name

    def attributes(self, name: str) -> Iterator[tuple[etree._Element, str]]:
        """(element, value) for every attribute `name` (Clark notation), in document order."""
        return ((value.getparent(), str(value)) for value in self._attributes.get(name, []))

    @cached_property
    def ids(self) -> dict[str, etree._Element]:
        """Each xml:id and the first element that has it."""
        ids: dict[str, etree._Element] = {}
        for el, value in self.attributes(XML_ID):
            ids.setdefault(value, el)
        return ids

    def elements(self, *names: str) -> Iterator[etree._Element]:
        """TEI elements with these names, in document order."""
        return self.root.iter(*(tei(n) for n in names))


Rule = Callable[[Doc], Iterable[Finding]]


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "#{close[0]}"?' if close else ""


# --- pointers and identifiers -------------------------------------------------------------
def ref_resolves(doc: Doc) -> Iterator[Finding]:
    """Every `#id` in @who/@ref/@corresp/@target/@resp names an xml:id of this file."""
    for attr in POINTER_ATTRS:
        for el, value in doc.attributes(attr):
            for token in value.split():
                if token.startswith("#"):
                    if token[1:] not in doc.ids:
                        yield Finding(el, "ref-resolves",
                                      f'@{attr}="{value}" on <{local(el)}> points to "{token}", '
                                      f'but no element has xml:id="{token[1:]}"'
                                      f"{_suggest(token[1:], doc.ids)}", attribute=attr)
                elif token in doc.ids or (attr in LOCAL_POINTER_ATTRS and ":" not in token):
                    yield Finding(el, "ref-resolves",
                                  f'@{attr}="{value}" on <{local(el)}>: a pointer to an xml:id '
                                  f'is written with "#": expected "#{token}"', attribute=attr)


def id_unique(doc: Doc) -> Iterator[Finding]:
    """No two elements share an xml:id."""
    for el, value in doc.attributes(XML_ID):
        first = doc.ids[value]
        if first is not el:
            yield Finding(el, "id-unique",
                          f'xml:id="{value}" on <{local(el)}> is already used by '
                          f"<{local(first)}> on line {first.sourceline}; every xml:id must be "
                          "unique (one person, one xml:id)", attribute="xml:id")


def who_person(doc: Doc) -> Iterator[Finding]:
    """A turn's @who points to a <person>, and that person has the role speaker."""
    for sp in doc.elements("sp"):
        for token in (sp.get("who") or "").split():
            target = doc.ids.get(token[1:]) if token.startswith("#") else None
            if target is None:
                continue  # ref-resolves reports it
            if target.tag != tei("person"):
                yield Finding(sp, "who-person",
                              f'@who="{token}" on <sp> points to a <{local(target)}>; '
                              "a turn's @who must point to a <person> in particDesc",
                              attribute="who")
            elif "speaker" not in (target.get("role") or "").split():
                yield Finding(sp, "who-person",
                              f'@who="{token}" on <sp> points to a person whose role is '
                              f'"{target.get("role", "")}"; a person with turns should have '
                              'role="speaker"', severity="warning", attribute="who")


def speaker_used(doc: Doc) -> Iterator[Finding]:
    """Every person with role speaker has at least one turn (sp/@who)."""
    # a bare "han" is a broken pointer (ref-resolves says so), but it names the person
    used = {t.removeprefix("#") for sp in doc.elements("sp") for t in (sp.get("who") or "").split()}
    for person in doc.elements("person"):
        pid = person.get(XML_ID)
        if "speaker" in (person.get("role") or "").split() and pid not in used:
            yield Finding(person, "speaker-used",
                          f'person "{pid}" has role="speaker" but no turn points to it '
                          f'(expected an <sp who="#{pid}">); give it its turns or change '
                          "its role (e.g. attendee)", attribute="role")


# --- dates --------------------------------------------------------------------------------
def is_iso_date(value: str) -> bool:
    """YYYY, YYYY-MM, YYYY-MM-DD, optionally Thh:mm or Thh:mm:ss, naming a real day and time."""
    m = _ISO.fullmatch(value)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(g) if g else None for g in m.groups())
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None and not 1 <= day <= calendar.monthrange(year or 1, month or 1)[1]:
        return False
    return (hour is None or hour < 24) and (minute is None or minute < 60) and (
        second is None or second < 60)


def guess_iso(value: str) -> str | None:
    """The ISO form of a written-out date ("21 April 1962", "April 21, 1962"), if obvious."""
    text = value.strip().lower().replace(",", " ").replace(".", " ")
    m = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})", text)
    if m and m.group(2) in _MONTHS:
        day, month, year = int(m.group(1)), _MONTHS[m.group(2)], m.group(3)
    else:
        m = re.fullmatch(r"([a-z]+)\s+(\d{1,2})\s+(\d{4})", text)
        if not (m and m.group(1) in _MONTHS):
            return None
        day, month, year = int(m.group(2)), _MONTHS[m.group(1)], m.group(3)
    guess = f"{year}-{month:02d}-{day:02d}"
    return guess if is_iso_date(guess) else None


def _date_attributes(doc: Doc, names: Iterable[str]) -> Iterator[tuple[etree._Element, str, str]]:
    for attr in names:
        for el, value in doc.attributes(attr):
            if local(el) not in NOT_DATABLE:
                yield el, attr, value


def date_iso(doc: Doc) -> Iterator[Finding]:
    """@when/@from/@to/@notBefore/@notAfter hold real ISO 8601 dates: YYYY, YYYY-MM or
    YYYY-MM-DD, optionally with Thh:mm or Thh:mm:ss (the schema, like TEI, wants seconds)."""
    for el, attr, value in _date_attributes(doc, DATE_ATTRS):
        if is_iso_date(value):
            continue
        guess = guess_iso(value)
        hint = f' (here: "{guess}")' if guess else ""
        yield Finding(el, "date-iso",
                      f'@{attr}="{value}" on <{local(el)}> is not an ISO 8601 date: '
                      f"expected YYYY, YYYY-MM or YYYY-MM-DD{hint}, with Thh:mm:ss for "
                      "a time", attribute=attr)


def date_range(doc: Doc) -> Iterator[Finding]:
    """A range has @from before @to, and never comes with @when as well."""
    ranged = {el: None for el, _, _ in _date_attributes(doc, ("from", "to"))}
    for el in ranged:  # dict: each element once, in document order
        start, end = el.get("from"), el.get("to")
        if el.get("when") is not None:
            yield Finding(el, "date-range",
                          f"<{local(el)}> has @when and a range (@from/@to): expected either "
                          "@when for a point in time or @from and @to for a range",
                          attribute="when")
        if start and end and is_iso_date(start) and is_iso_date(end):
            n = min(len(start), len(end))
            if start[:n] > end[:n]:
                yield Finding(el, "date-range",
                              f'<{local(el)}> runs from "{start}" to "{end}": @from must not '
                              "be after @to", attribute="from")


# --- distribution lists -------------------------------------------------------------------
def _inside(el: etree._Element, name: str, stop: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if anc.tag == tei(name):
            return True
    return False


def copies_total(doc: Doc) -> Iterator[Finding]:
    """In a distribution div, item copies (item/@n, 1 by default) add up to the stated total."""
    for div in doc.elements("div"):
        if div.get("type") != "distribution":
            continue
        items = [it for lst in div.iter(tei("list")) if lst.get("type") == "distribution"
                 for it in lst.iterchildren(tei("item"))]
        total, counted = 0, True
        for item in items:
            n = item.get("n", "1")
            if n.strip().isdigit():
                total += int(n)
            else:
                counted = False
                yield Finding(item, "copies-total",
                              f'item/@n="{n}" is not a number of copies: expected a whole '
                              "number (1 when absent)", attribute="n")
        for m in div.iter(tei("measure")):
            if m.get("type") != "copies":
                continue
            quantity = m.get("quantity")
            if _inside(m, "item", div):
                yield Finding(m, "copies-total",
                              'the stated total (measure type="copies") stands inside an '
                              "<item>: expected it in the list's <head> or <trailer>, or in a "
                              "<p> of the distribution div")
            elif quantity is None or not quantity.strip().isdigit():
                yield Finding(m, "copies-total",
                              'measure type="copies" needs @quantity: the stated number of '
                              "copies as a whole number", attribute="quantity")
            elif counted and items and int(quantity) != total:
                yield Finding(m, "copies-total",
                              f"the distribution list's {len(items)} items add up to {total} "
                              f"copies (item/@n, 1 when absent), but the stated total is "
                              f"{quantity}: expected the item counts to sum to the total",
                              attribute="quantity")


# --- content ------------------------------------------------------------------------------
def _has_content(el: etree._Element, skip: frozenset[str] = frozenset()) -> bool:
    """True when `el` holds text, or an element that stands for content (a gap, a pointer,
    anything outside TEI); breaks and the children tagged `skip` do not count."""
    if el.text and not el.text.isspace():
        return True
    for child in el:
        if child.tail and not child.tail.isspace():
            return True
        tag = child.tag
        if not isinstance(tag, str) or tag in skip or tag in _BREAKS:
            continue  # comments, processing instructions, breaks
        if tag in _MARKERS or not tag.startswith(_TEI_PREFIX) or _has_content(child):
            return True
    return False


def empty_element(doc: Doc) -> Iterator[Finding]:
    """No empty paragraph, turn, item, heading ... (breaks alone are not content)."""
    for el in doc.elements(*NOT_EMPTY):
        if el.text and not el.text.isspace():
            continue  # the common case, decided without a walk
        skip = _SPEAKER if el.tag == _SP else frozenset()
        if not _has_content(el, skip):
            what = "turn has nothing but its speaker" if skip else "is empty"
            yield Finding(el, "empty-element",
                          f"<{local(el)}> {what}: expected text or content; remove it "
                          "or restore what the source has there")


def gap_extent(doc: Doc) -> Iterator[Finding]:
    """A gap's @quantity says what it counts (@unit); illegible characters are counted."""
    for gap in doc.elements("gap"):
        if gap.get("quantity") is not None and gap.get("unit") is None:
            yield Finding(gap, "gap-extent",
                          f'<gap quantity="{gap.get("quantity")}"> does not say what it counts: '
                          "expected @unit (char, word, line, paragraph, page or section)",
                          attribute="quantity")
        if gap.get("unit") == "char" and gap.get("quantity") is None:
            yield Finding(gap, "gap-extent",
                          '<gap unit="char"> needs @quantity: the number of characters '
                          "(one per □)", attribute="unit")


def lang_declared(doc: Doc) -> Iterator[Finding]:
    """Languages used in @xml:lang and @mainLang are declared in langUsage/language/@ident."""
    usage = next(doc.elements("langUsage"), None)
    if usage is None:
        return
    declared = {lang.get("ident") for lang in usage.iter(tei("language"))}
    for attr, label in ((XML_LANG, "xml:lang"), ("mainLang", "mainLang")):
        for el, value in doc.attributes(attr):
            # "ru-Latn" (transliterated Russian) is covered by a declared "ru".
            if value in declared or value.split("-")[0] in declared:
                continue
            severity = "warning" if local(el) == "foreign" else "error"
            yield Finding(el, "lang-declared",
                          f'@{label}="{value}" on <{local(el)}> is not declared: expected a '
                          f'<language ident="{value}"> in profileDesc/langUsage '
                          f"(declared: {', '.join(sorted(d for d in declared if d)) or 'none'})",
                          severity=severity, attribute=label)


RULES: tuple[tuple[str, Rule], ...] = (
    ("id-unique", id_unique),
    ("ref-resolves", ref_resolves),
    ("who-person", who_person),
    ("speaker-used", speaker_used),
    ("date-iso", date_iso),
    ("date-range", date_range),
    ("copies-total", copies_total),
    ("empty-element", empty_element),
    ("gap-extent", gap_extent),
    ("lang-declared", lang_declared),
)


def check(root: etree._Element) -> list[Finding]:
    """Run every content rule on a document element."""
    doc = Doc(root)
    return [finding for _, rule in RULES for finding in rule(doc)]

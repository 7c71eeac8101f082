"""Content rules a RelaxNG grammar cannot express, checked in Python on a parsed TEI file.

Each rule is a small function taking a `Doc` and yielding `Finding`s; its id
(`ref-resolves`, `copies-total`, ...) is what a diagnostic shows in brackets. Every finding
is made from a `Message` of `MESSAGES` (rule id, severity, text): the Schematron twin
(schema/tei_edition.sch, `tei_edition.schematron`) is generated from the same table. Rules read TEI
elements only and never fail on a document the schema would reject: they check what is
there. `RULES` lists them in the order they run. `Doc` indexes the document once (one XPath
for the attributes, one walk over the elements that must not be empty) and the rules work
from its indexes, looking up an element only to report it, because validating a thousand
files must stay far cheaper than one jing run.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
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

# ASCII digits only, as xsd:date and the Schematron twin read them ("\d" would take "١٩٦٢")
_ISO = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})"
                  r"(?::([0-9]{2}))?)?)?)?")
#: A whole number as the rules read one: ASCII digits, with XML white space around them.
_WHOLE = re.compile(r"[0-9]+")
#: White space as XML reads it (normalize-space in the Schematron twin).
XML_SPACE = " \t\n\r"
_MONTH_DAYS = tuple(calendar.mdays)  # February: 28, plus one in a leap year
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
    #: The key of the `Message` it was made from and the values of its fields.
    kind: str | None = field(default=None, compare=False, repr=False)
    fields: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Message:
    """One kind of finding: its rule, severity and text, with `{field}`s filled in per
    finding. The single source of the rule ids, severities and texts: the rules below make
    their findings from these, and the Schematron twin (schema/tei_edition.sch) is generated
    from them (`tei_edition.schematron`). `hints` are the fields only Python can compute (a
    suggestion, a line number): the Schematron leaves them out. A message XPath 1.0 cannot
    decide is marked `schematron=False`: docs/schema.md then lists it among what the
    Schematron leaves to `validate`."""

    key: str
    rule: str
    text: str
    severity: str = "error"
    hints: tuple[str, ...] = ()
    schematron: bool = True

    def at(self, el: etree._Element, attribute: str | None = None, **values: object) -> Finding:
        """The finding of this kind at `el`."""
        text = {name: str(value) for name, value in values.items()}
        return Finding(el, self.rule, self.text.format(**text), self.severity, attribute,
                       self.key, tuple(sorted(text.items())))

    def without_hints(self, values: dict[str, str]) -> str:
        """The text as the Schematron writes it: the hints left out."""
        return self.text.format(**(values | dict.fromkeys(self.hints, "")))


def _messages(*messages: Message) -> dict[str, Message]:
    return {m.key: m for m in messages}


#: Every message of every rule, by key (rule id, dot, what is wrong).
MESSAGES = _messages(
    Message("id-unique.taken", "id-unique",
            'xml:id="{id}" on <{element}> is already used by <{first}>{first_line}; every '
            "xml:id must be unique (one person, one xml:id)", hints=("first_line",)),
    Message("ref-resolves.missing", "ref-resolves",
            '@{attr}="{value}" on <{element}> points to "{token}", but no element has '
            'xml:id="{id}"{suggestion}', hints=("suggestion",)),
    Message("ref-resolves.hash", "ref-resolves",
            '@{attr}="{value}" on <{element}>: a pointer to an xml:id is written with "#": '
            'expected "#{token}"'),
    Message("who-person.not-person", "who-person",
            '@who="{token}" on <sp> points to a <{target}>; a turn\'s @who must point to a '
            "<person> in particDesc"),
    Message("who-person.role", "who-person",
            '@who="{token}" on <sp> points to a person whose role is "{role}"; a person with '
            'turns should have role="speaker"', severity="warning"),
    Message("speaker-used.no-turn", "speaker-used",
            'person "{id}" has role="speaker" but no turn points to it (expected an '
            '<sp who="#{id}">); give it its turns or change its role (e.g. attendee)'),
    Message("date-iso.form", "date-iso",
            '@{attr}="{value}" on <{element}> is not an ISO 8601 date: expected YYYY, YYYY-MM '
            "or YYYY-MM-DD{guess}, with Thh:mm:ss for a time", hints=("guess",)),
    Message("date-range.when", "date-range",
            "<{element}> has @when and a range (@from/@to): expected either @when for a point "
            "in time or @from and @to for a range"),
    Message("date-range.order", "date-range",
            '<{element}> runs from "{start}" to "{end}": @from must not be after @to'),
    Message("copies-total.n", "copies-total",
            'item/@n="{n}" is not a number of copies: expected a whole number (1 when absent)'),
    Message("copies-total.in-item", "copies-total",
            'the stated total (measure type="copies") stands inside an <item>: expected it in '
            "the list's <head> or <trailer>, or in a <p> of the distribution div"),
    Message("copies-total.quantity", "copies-total",
            'measure type="copies" needs @quantity: the stated number of copies as a whole '
            "number"),
    # The archive's clerks miscounted too: the TEI keeps what the source says, and a
    # person compares it with the original (ENCODING.md: a warning, never an invalid file).
    Message("copies-total.sum", "copies-total",
            "the stated total is {quantity} copies, but the distribution list's {items} items "
            "add up to {total} copies (item/@n, 1 when absent): check the source; if it says "
            "so, the discrepancy is the source's own and stays as written",
            severity="warning"),
    Message("empty-element.empty", "empty-element",
            "<{element}> is empty: expected text or content; remove it or restore what the "
            "source has there"),
    Message("empty-element.turn", "empty-element",
            "<{element}> turn has nothing but its speaker: expected text or content; remove it "
            "or restore what the source has there"),
    Message("gap-extent.unit", "gap-extent",
            '<gap quantity="{quantity}"> does not say what it counts: expected @unit (char, '
            "word, line, paragraph, page or section)"),
    Message("gap-extent.quantity", "gap-extent",
            '<gap unit="char"> needs @quantity: the number of characters (one per □)'),
    Message("lang-declared.undeclared", "lang-declared",
            '@{attr}="{value}" on <{element}> is not declared: expected a <language '
            'ident="{value}"> in profileDesc/langUsage{declared}', hints=("declared",)),
    Message("corpus-extent.count", "corpus-extent",
            'the corpus says it holds {stated} documents (extent/measure[@unit="document"]'
            '/@quantity) but holds {count} (TEI or xi:include): expected the two to agree'),
    Message("lang-declared.foreign", "lang-declared",
            '@{attr}="{value}" on <{element}> is not declared: expected a <language '
            'ident="{value}"> in profileDesc/langUsage{declared}', severity="warning",
            hints=("declared",)),
)


def tei(name: str) -> str:
    """Clark name of a TEI element."""
    return f"{{{TEI}}}{name}"


def local(el: etree._Element) -> str:
    """The element's name as an editor writes it."""
    return etree.QName(el).localname


#: Every attribute of the document, as str results that know their name and element.
_ALL_ATTRIBUTES = etree.XPath("//@*")
#: The same from the document element: cheaper (it skips the text nodes), and the same
#: attributes when the rules are given the document element.
_OWN_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*")
_TEI_PREFIX = f"{{{TEI}}}"
_BREAKS = frozenset(tei(n) for n in ("pb", "lb"))
_MARKERS = frozenset(tei(n) for n in CONTENT_MARKERS)
_SP = tei("sp")
_PERSON = tei("person")
_SPEAKER_TAG = tei("speaker")
_SPEAKER = frozenset([_SPEAKER_TAG])
_NOT_EMPTY = tuple(tei(n) for n in NOT_EMPTY)
#: NOT_EMPTY but the speaker, whose text does not count as its turn's content.
_PARTS = tuple(tag for tag in _NOT_EMPTY if tag != _SPEAKER_TAG)
_DIV = tei("div")
_TEI_DOCUMENT = tei("TEI")
_LIST, _ITEM, _MEASURE = tei("list"), tei("item"), tei("measure")


def _by_name(values: list) -> dict[str, list]:
    """XPath attribute results grouped by their name, each group in document order."""
    by_name: dict[str, list] = {}
    for value in values:
        found = by_name.get(value.attrname)
        if found is None:
            by_name[value.attrname] = [value]
        else:
            found.append(value)
    return by_name


class Doc:
    """A document element with the indexes several rules share, each built once.

    The rules cost what they make Python objects of (an element, a name, a value), so an
    index is built in one lxml iteration or XPath, and the rules work on attribute values
    first: the element behind a value is only looked up when there is something to report.
    """

    def __init__(self, root: etree._Element) -> None:
        self.root = root

    @cached_property
    def _attributes(self) -> dict[str, list]:
        if self.root.getparent() is None:  # the document element: its attributes are all
            return self._own_attributes
        return _by_name(_ALL_ATTRIBUTES(self.root))

    @cached_property
    def _own_attributes(self) -> dict[str, list]:
        return _by_name(_OWN_ATTRIBUTES(self.root))

    def values(self, name: str) -> list:
        """Every attribute `name` (Clark notation) of the document, in document order, as
        str results that know their element (`value.getparent()`)."""
        return self._attributes.get(name, [])

    def own_values(self, name: str) -> list:
        """Like `values`, but only those on the document element and inside it (the same,
        unless the rules are given a part of a document)."""
        return self._own_attributes.get(name, [])

    def attributes(self, name: str) -> Iterator[tuple[etree._Element, str]]:
        """(element, value) for every attribute `name` (Clark notation), in document order."""
        return ((value.getparent(), str(value)) for value in self.values(name))

    @cached_property
    def ids(self) -> dict[str, etree._Element]:
        """Each xml:id and the first element that has it."""
        ids: dict[str, etree._Element] = {}
        for value in self.values(XML_ID):
            if value not in ids:
                ids[value] = value.getparent()
        return ids

    def elements(self, *names: str) -> Iterator[etree._Element]:
        """TEI elements with these names, in document order."""
        return self.root.iter(*(tei(n) for n in names))

    @cached_property
    def turn_tokens(self) -> set[str]:
        """The tokens of every <sp>'s @who, without their "#"."""
        values = self.own_values("who")
        # Turns repeat a few values: each is looked at once, and its first holder is
        # nearly always a turn; the others are only looked at when it is not.
        return {token.removeprefix("#") for first in dict.fromkeys(values)
                if first.getparent().tag == _SP or any(
                    v == first and v.getparent().tag == _SP for v in values)
                for token in first.split()}

    @cached_property
    def _texts(self) -> tuple[list[etree._Element], set[etree._Element]]:
        blank: list[etree._Element] = []
        filled: set[etree._Element] = set()
        for el in self.root.iter(*_PARTS):
            text = el.text
            if text and not text.isspace():
                filled.add(el)
            else:
                blank.append(el)
        for el in self.root.iter(_SPEAKER_TAG):  # kept out of `filled`
            text = el.text
            if not text or text.isspace():
                blank.append(el)
        return blank, filled

    def blank(self) -> list[etree._Element]:
        """The elements of NOT_EMPTY without text before their first child: the only ones
        that can be empty (in no particular order)."""
        return self._texts[0]

    def filled(self) -> set[etree._Element]:
        """The elements of NOT_EMPTY with text before their first child, speakers excepted:
        each is content for its parent (a speaker is not for its turn)."""
        return self._texts[1]


Rule = Callable[[Doc], Iterable[Finding]]


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # only for a pointer that points nowhere: not at start-up

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "#{close[0]}"?' if close else ""


# --- pointers and identifiers -------------------------------------------------------------
def _pointer_faults(attr: str, value: str, ids: dict[str, etree._Element]) -> list[str]:
    """The tokens of a pointer attribute that are wrong: `#id` naming no xml:id, or an id
    written without its "#"."""
    return [token for token in value.split()
            if (token[1:] not in ids if token.startswith("#") else
                token in ids or (attr in LOCAL_POINTER_ATTRS and ":" not in token))]


def ref_resolves(doc: Doc) -> Iterator[Finding]:
    """Every `#id` in @who/@ref/@corresp/@target/@resp names an xml:id of this file."""
    ids = doc.ids
    for attr in POINTER_ATTRS:
        values = doc.values(attr)
        # each value once (turns repeat a few speakers' pointers); the elements are only
        # visited when some value is wrong
        faults = {value: _pointer_faults(attr, value, ids) for value in set(values)}
        if not any(faults.values()):
            continue
        for value in values:
            wrong = faults[value]
            if not wrong:
                continue
            el = value.getparent()
            for token in wrong:
                if token.startswith("#"):
                    yield MESSAGES["ref-resolves.missing"].at(
                        el, attr, attr=attr, value=value, element=local(el), token=token,
                        id=token[1:], suggestion=_suggest(token[1:], ids))
                else:
                    yield MESSAGES["ref-resolves.hash"].at(
                        el, attr, attr=attr, value=value, element=local(el), token=token)


def id_unique(doc: Doc) -> Iterator[Finding]:
    """No two elements share an xml:id."""
    values = doc.values(XML_ID)
    if len(doc.ids) == len(values):
        return  # every xml:id once: each element is the first with its id
    for value in values:
        el, first = value.getparent(), doc.ids[value]
        if first is not el:
            yield MESSAGES["id-unique.taken"].at(
                el, "xml:id", id=value, element=local(el), first=local(first),
                first_line=f" on line {first.sourceline}")


def _who_faults(value: str, ids: dict[str, etree._Element]) -> list[tuple[str, etree._Element]]:
    """(token, target) for the tokens of a turn's @who whose target is not a <person> with
    the role speaker (tokens naming no xml:id are ref-resolves' to report)."""
    faults = []
    for token in value.split():
        target = ids.get(token[1:]) if token.startswith("#") else None
        if target is not None and (target.tag != _PERSON or
                                   "speaker" not in (target.get("role") or "").split()):
            faults.append((token, target))
    return faults


def who_person(doc: Doc) -> Iterator[Finding]:
    """A turn's @who points to a <person>, and that person has the role speaker."""
    values = doc.own_values("who")  # in document order, as the turns are
    faults = {value: _who_faults(value, doc.ids) for value in set(values)}  # as in ref_resolves
    if not any(faults.values()):
        return
    for value in values:
        wrong = faults[value]
        if not wrong:
            continue
        sp = value.getparent()
        if sp.tag != _SP:
            continue  # only a turn's @who must name a speaker
        for token, target in wrong:
            if target.tag != _PERSON:
                yield MESSAGES["who-person.not-person"].at(sp, "who", token=token,
                                                           target=local(target))
            else:
                yield MESSAGES["who-person.role"].at(sp, "who", token=token,
                                                     role=target.get("role", ""))


def speaker_used(doc: Doc) -> Iterator[Finding]:
    """Every person with role speaker has at least one turn (sp/@who)."""
    # a bare "han" is a broken pointer (ref-resolves says so), but it names the person
    used = doc.turn_tokens
    for role in doc.own_values("role"):  # the persons with a role, in document order
        if "speaker" not in role.split():
            continue
        person = role.getparent()
        if person.tag != _PERSON:
            continue
        pid = person.get(XML_ID)
        if pid not in used:
            yield MESSAGES["speaker-used.no-turn"].at(person, "role", id=pid)


# --- dates --------------------------------------------------------------------------------
def is_iso_date(value: str) -> bool:
    """YYYY, YYYY-MM, YYYY-MM-DD, optionally Thh:mm or Thh:mm:ss, naming a real day and time."""
    m = _ISO.fullmatch(value)
    if m is None:
        return False
    year, month, day, hour, minute, second = m.groups()  # nested in the regex: no gaps
    if month is None:
        return True
    mo = int(month)
    if not 1 <= mo <= 12:
        return False
    if day is None:
        return True
    # the length of the month as calendar.monthrange gives it (year 0 counts as 1)
    if not 1 <= int(day) <= _MONTH_DAYS[mo] + (mo == 2 and calendar.isleap(int(year) or 1)):
        return False
    return hour is None or (int(hour) < 24 and int(minute) < 60 and (
        second is None or int(second) < 60))


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
        for value in doc.values(attr):
            el = value.getparent()
            if el.tag.rpartition("}")[2] not in NOT_DATABLE:  # local(el), without a QName
                yield el, attr, str(value)


def date_iso(doc: Doc) -> Iterator[Finding]:
    """@when/@from/@to/@notBefore/@notAfter hold real ISO 8601 dates: YYYY, YYYY-MM or
    YYYY-MM-DD, optionally with Thh:mm or Thh:mm:ss (the schema, like TEI, wants seconds)."""
    for attr in DATE_ATTRS:
        for value in doc.values(attr):
            if is_iso_date(value):
                continue  # decided before the element is looked at: the common case
            el = value.getparent()
            if el.tag.rpartition("}")[2] in NOT_DATABLE:  # local(el), without a QName
                continue
            guess = guess_iso(value)
            yield MESSAGES["date-iso.form"].at(el, attr, attr=attr, value=value,
                                               element=local(el),
                                               guess=f' (here: "{guess}")' if guess else "")


def date_range(doc: Doc) -> Iterator[Finding]:
    """A range has @from before @to, and never comes with @when as well."""
    ranged = {el: None for el, _, _ in _date_attributes(doc, ("from", "to"))}
    for el in ranged:  # dict: each element once, in document order
        start, end = el.get("from"), el.get("to")
        if el.get("when") is not None:
            yield MESSAGES["date-range.when"].at(el, "when", element=local(el))
        if start and end and is_iso_date(start) and is_iso_date(end):
            n = min(len(start), len(end))
            if start[:n] > end[:n]:
                yield MESSAGES["date-range.order"].at(el, "from", element=local(el),
                                                      start=start, end=end)


# --- distribution lists -------------------------------------------------------------------
def whole_number(value: str) -> int | None:
    """A count as the rules read it: ASCII digits, XML white space around them allowed."""
    value = value.strip(XML_SPACE)
    return int(value) if _WHOLE.fullmatch(value) else None


def _distribution_div(el: etree._Element) -> etree._Element | None:
    """The nearest div type="distribution" above `el`: the one its copies count for."""
    return next((div for div in el.iterancestors(_DIV) if div.get("type") == "distribution"),
                None)


def _inside_item(el: etree._Element, stop: etree._Element) -> bool:
    """True when an <item> stands between `el` and its ancestor `stop`."""
    # the nearest item found by lxml; then whether `stop` is above it
    found = next(el.iterancestors(_ITEM), None)
    return found is not None and any(anc is stop for anc in found.iterancestors())


def copies_total(doc: Doc) -> Iterator[Finding]:
    """In a distribution div, the stated total (measure type="copies") stands outside the
    items with a whole-number @quantity (errors). When the items' copies (item/@n, 1 by
    default) add up to another number, that is the source's own discrepancy, encoded as
    written: a warning naming both figures, and the file stays valid. Lists and totals
    count for the nearest distribution div they stand in."""
    for kind in doc.own_values("type"):  # divs typed "distribution", in document order
        if kind != "distribution":
            continue
        div = kind.getparent()
        if div.tag != _DIV:
            continue
        items = [it for lst in div.iter(_LIST) if lst.get("type") == "distribution"
                 and _distribution_div(lst) is div for it in lst.iterchildren(_ITEM)]
        total, counted = 0, True
        for item in items:
            n = whole_number(item.get("n", "1"))
            if n is not None:
                total += n
            else:
                counted = False
                yield MESSAGES["copies-total.n"].at(item, "n", n=item.get("n"))
        for m in div.iter(_MEASURE):
            if m.get("type") != "copies" or _distribution_div(m) is not div:
                continue
            quantity = m.get("quantity")
            stated = None if quantity is None else whole_number(quantity)
            if _inside_item(m, div):
                yield MESSAGES["copies-total.in-item"].at(m)
            elif stated is None:
                yield MESSAGES["copies-total.quantity"].at(m, "quantity")
            elif counted and items and stated != total:
                yield MESSAGES["copies-total.sum"].at(m, "quantity", items=len(items),
                                                      total=total, quantity=quantity)


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
    filled = doc.filled()
    empty: list[tuple[etree._Element, frozenset[str]]] = []
    for el in doc.blank():  # the others start with text: not empty
        if len(el):
            # A child in `filled` is content: the common cases (a turn ending in its
            # paragraph, a name ending in text) are decided without the walk.
            last = el[-1]
            if last in filled or (last.tail and not last.tail.isspace()):
                continue
            if any(child in filled for child in el):
                continue
        skip = _SPEAKER if el.tag == _SP else frozenset()
        if not _has_content(el, skip):
            empty.append((el, skip))
    if len(empty) > 1:  # in document order
        position = {el: i for i, el in enumerate(doc.root.iter(*_NOT_EMPTY))}
        empty.sort(key=lambda found: position[found[0]])
    for el, skip in empty:
        yield MESSAGES["empty-element.turn" if skip else "empty-element.empty"].at(
            el, element=local(el))


def gap_extent(doc: Doc) -> Iterator[Finding]:
    """A gap's @quantity says what it counts (@unit); illegible characters are counted."""
    # Only an element with @quantity but no @unit, or @unit="char" but no @quantity, can be
    # at fault: without one, the gaps need not be visited.
    if not any(q.getparent().get("unit") is None for q in doc.own_values("quantity")) and not any(
            u == "char" and u.getparent().get("quantity") is None for u in doc.own_values("unit")):
        return
    for gap in doc.elements("gap"):
        if gap.get("quantity") is not None and gap.get("unit") is None:
            yield MESSAGES["gap-extent.unit"].at(gap, "quantity", quantity=gap.get("quantity"))
        if gap.get("unit") == "char" and gap.get("quantity") is None:
            yield MESSAGES["gap-extent.quantity"].at(gap, "unit")


def _language_scope(el: etree._Element, root: etree._Element) -> etree._Element:
    """Where the languages `el` may use are declared: the TEI document it stands in (a
    corpus holds several, each with its langUsage), else the element the rules were given."""
    node: etree._Element | None = el
    while node is not None:
        if node.tag == _TEI_DOCUMENT:
            return node
        if node is root:
            break
        node = node.getparent()
    return root


def lang_declared(doc: Doc) -> Iterator[Finding]:
    """Languages used in @xml:lang and @mainLang are declared in langUsage/language/@ident
    (of the TEI document they stand in, in a corpus)."""
    first = next(doc.elements("langUsage"), None)
    if first is None:
        return
    declared_in: dict[etree._Element, set[str | None] | None] = {}
    for attr, label in ((XML_LANG, "xml:lang"), ("mainLang", "mainLang")):
        for value in doc.values(attr):
            el = value.getparent()
            scope = _language_scope(el, doc.root)
            if scope not in declared_in:
                usage = first if scope is doc.root else next(scope.iter(tei("langUsage")), None)
                declared_in[scope] = None if usage is None else {
                    lang.get("ident") for lang in usage.iter(tei("language"))}
            declared = declared_in[scope]
            # "ru-Latn" (transliterated Russian) is covered by a declared "ru".
            if declared is None or value in declared or value.split("-")[0] in declared:
                continue
            kind = "foreign" if local(el) == "foreign" else "undeclared"
            listed = ", ".join(sorted(d for d in declared if d)) or "none"
            yield MESSAGES[f"lang-declared.{kind}"].at(
                el, label, attr=label, value=value, element=local(el),
                declared=f" (declared: {listed})")


#: The elements that are a corpus's documents: TEI, or the XInclude that brings one in.
_CORPUS_PARTS = frozenset([tei("TEI"), "{http://www.w3.org/2001/XInclude}include"])


def corpus_extent(doc: Doc) -> Iterator[Finding]:
    """A corpus states the number of its documents (extent/measure[@unit="document"] in its
    header) and holds that many (TEI, or xi:include before the includes are expanded)."""
    for unit in doc.own_values("unit"):
        if unit != "document":
            continue
        measure = unit.getparent()
        path = [measure.getparent()]
        while len(path) < 4 and path[-1] is not None:
            path.append(path[-1].getparent())
        if measure.tag != _MEASURE or path[-1] is None or [el.tag for el in path] != [
                tei("extent"), tei("fileDesc"), tei("teiHeader"), tei("teiCorpus")]:
            continue
        stated = whole_number(measure.get("quantity") or "")
        count = sum(child.tag in _CORPUS_PARTS for child in path[-1])
        if stated is not None and stated != count:
            yield MESSAGES["corpus-extent.count"].at(measure, "quantity", stated=stated,
                                                     count=count)


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
    ("corpus-extent", corpus_extent),
)


def check(root: etree._Element) -> list[Finding]:
    """Run every content rule on a document element."""
    doc = Doc(root)
    return [finding for _, rule in RULES for finding in rule(doc)]

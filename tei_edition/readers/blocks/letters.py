"""Block rules that read letters and forms: the top of a document (heading,
letterhead, dateline, fields, address, salutation) and its end (closer and trailers)."""

from __future__ import annotations

import re

from ...model import (
    Closer,
    Dateline,
    DateRef,
    Distribution,
    Field,
    FieldList,
    GapBlock,
    Heading,
    Inline,
    Letterhead,
    Note,
    NoteBlock,
    Opener,
    PageBreakBlock,
    Postscript,
    Salute,
    Signed,
    Text,
    Trailer,
)
from ..dates import find_dates
from ..inline import plain_text
from .core import (
    LETTER_SPACED,
    MARGINAL,
    ONE_BRACKET,
    REGISTRY,
    REGISTRY_LINE,
    SENTENCE_END,
    TRANSMISSION_LOG,
    TYPED_BY,
    BodyState,
    Classifier,
    Unit,
    inl,
    is_turn_candidate,
    may_stand_alone,
    probe,
    split_label,
    standalone,
)
from .participants import joined, values_below

POSTSCRIPT = re.compile(r"^P\.?\s?P?\.?\s?S\.?(?:[\s:—–-]|$)")


def is_trailer(u: Unit, cls: Classifier) -> bool:
    if POSTSCRIPT.match(u.text):
        return True
    sl = split_label(u.text)
    if sl and cls.is_field_label(sl[0]):
        return True
    if REGISTRY.match(u.text) or TYPED_BY.match(u.text):
        return True
    return bool(ONE_BRACKET.fullmatch(u.text)) and not cls.is_signature_line(u.text)


def take_closer(units: list[Unit], state: BodyState) -> tuple[list[Unit], list[Unit], list[Unit]]:
    """Split off the signature block and what follows it: (main, closer, trailers)."""
    cls = state.cls
    end = len(units)
    i = end
    while i > 0 and units[i - 1].held is None and is_trailer(units[i - 1], cls) and end - i < 4:
        i -= 1
    trailer_start = i
    sig_end = i
    has_signature = False
    while i > 0 and sig_end - i < 7:
        u = units[i - 1]
        if u.held is not None or is_turn_candidate(u.text, state):
            break
        if cls.is_valediction(u.text):
            i -= 1
            break
        if not cls.is_signature_line(u.text):
            break
        has_signature = True
        i -= 1
    if not has_signature or i == 0:
        return units, [], []
    before = units[i - 1]
    starts_block = units[i].blank_before or units[i].block != before.block
    if not (SENTENCE_END.search(before.text) or starts_block):
        return units, [], []
    return units[:i], units[i:trailer_start], units[trailer_start:]


def build_closer(units: list[Unit], state: BodyState) -> Closer:
    """Valediction, signature lines and place/date of signing."""
    parts: list = []
    for u in units:
        for k, part in enumerate(u.text.split("\n")):
            line = u.line + k
            if state.cls.is_valediction(part):
                parts.append(Salute(inl(state, part, line), line))
            elif state.cls.is_date_only(part) or state.cls.is_dateline(part):
                parts.append(Dateline(_dated(state, part, line), line))
            elif parts and isinstance(parts[-1], Signed):
                parts[-1].lines.append(inl(state, part, line, dates=True))
            else:
                parts.append(Signed([inl(state, part, line, dates=True)], line))
    return Closer(parts)


def _dated(state: BodyState, text: str, line: int) -> list[Inline]:
    """Inline nodes of a dateline, with the date normalised even across brackets."""
    nodes = inl(state, text, line, dates=True)
    if any(isinstance(n, DateRef) for n in nodes):
        return nodes
    plain = plain_text([n for n in nodes if not isinstance(n, Note)])
    found = find_dates(plain, state.ctx.century)
    when = found[0].when if found else None
    if not when:
        year = re.search(r"\b(1[89]\d\d|20\d\d)\b", plain)
        when = year.group(1) if year else None
    if not when:
        return nodes
    comma = next((k for k, n in enumerate(nodes) if isinstance(n, Text) and "," in n.text), None)
    if comma is None:
        return [DateRef(nodes, when)]
    head = nodes[comma].text
    cut = head.index(",") + 1
    spaces = len(head[cut:]) - len(head[cut:].lstrip())
    tail = [Text(head[cut + spaces:])] if head[cut + spaces:] else []
    return [*nodes[:comma], Text(head[:cut + spaces]), DateRef([*tail, *nodes[comma + 1:]], when)]


def build_trailers(units: list[Unit], state: BodyState) -> list:
    """Lines after the signature: registry numbers, authentication, annotations."""
    out: list = []
    for u in units:
        nodes = inl(state, u.text, u.line, dates=True)
        if POSTSCRIPT.match(u.text):
            out.append(Postscript(nodes, u.line))
            continue
        alone = standalone(nodes, u.line)
        if isinstance(alone, NoteBlock | PageBreakBlock):
            out.append(alone)
            continue
        out.append(Trailer(nodes, u.line))
    return out


def _heading_continues(u: Unit, prev: Unit, cls: Classifier) -> bool:
    """A heading goes on in the next line of its block, or, after a blank line, in a short
    line starting in lower case ("S T E N O G R A P H I C   R E C O R D" ⏎ "of the talks …"):
    no sentence of the text starts so."""
    if split_label(u.text) or cls.is_classification(u.text) or cls.is_dateline(u.text):
        return False
    if u.block != prev.block or u.blank_before:
        return u.text[:1].islower() and "\n" not in u.text and len(u.text.split()) <= 20 \
            and not SENTENCE_END.search(u.text)
    return u.text[:1].islower() or cls.is_caps_heading(u.text)


def take_top(units: list[Unit], state: BodyState) -> tuple[list, list[Unit]]:
    """Heading, letterhead, classification, dateline, fields and salutation at the start."""
    cls = state.cls
    parts: list = []
    i = 0
    seen_text_zone = False
    while i < len(units):
        u = units[i]
        if isinstance(u.held, Distribution):  # a list between the dateline and the address
            parts.append(u.held)
            i += 1
            continue
        address = _address_block(units, i, state) if seen_text_zone else 0
        if address:  # the addressee's lines between the dateline and the salutation
            parts.append(Letterhead([inl(state, a.text, a.line) for a in units[i:i + address]],
                                    "address"))
            state.claim(units[i:i + address], "opener", "take_top", "address")
            i += address
            continue
        nodes_rule = _top_rule(u, state, parts, seen_text_zone)
        if nodes_rule is None:
            break
        kind, block = nodes_rule
        start = i
        if kind == "heading":
            lines = [u]
            while i + 1 < len(units) and _heading_continues(units[i + 1], lines[-1], cls):
                i += 1
                lines.append(units[i])
            text = "\n".join(x.text for x in lines)
            block = Heading(inl(state, text, u.line), u.line)
        elif kind == "field":
            block, i = field_with_value(units, i, state)
            if block is None:
                break
        parts.append(block)
        state.claim(units[start:i + 1], "heading" if kind == "heading" else "opener", "take_top",
                    kind)
        seen_text_zone = seen_text_zone or kind in ("heading", "dateline")
        i += 1
    return parts, units[i:]


def _address_block(units: list[Unit], i: int, state: BodyState) -> int:
    """How many short lines from unit i stand right before a salutation (an address)."""
    for k in range(i, min(i + 7, len(units))):
        u = units[k]
        if state.cls.is_salute(u.text):
            return k - i
        if "\n" in u.text or split_label(u.text) or len(u.text.split()) > 8 \
                or SENTENCE_END.search(u.text):
            return 0
    return 0


def _top_rule(u: Unit, state: BodyState, parts: list, seen: bool) -> tuple[str, object] | None:
    """What a unit at the top of the document is, or None when the top has ended."""
    cls = state.cls
    text = u.text
    if u.held is not None:
        return None
    alone = standalone(probe(state, text, u.line), u.line) if may_stand_alone(text) else None
    if isinstance(alone, NoteBlock | GapBlock):
        return "note", standalone(inl(state, text, u.line), u.line)
    sl = split_label(text)
    if cls.is_classification(text) or (re.match(r"^copy\s+(?:no|nº|n°)\b", text, re.I)
                                       and not sl):
        return "classification", Letterhead([inl(state, text, u.line)], "classification")
    if REGISTRY_LINE.match(text) and "\n" not in text:
        return "registry", Letterhead([inl(state, text, u.line)], "registry")
    if cls.is_title(text.replace("\n", " ")) or cls.is_caps_heading(text) \
            or LETTER_SPACED.match(text):
        return "heading", None
    if cls.is_dateline(text):
        return "dateline", Dateline(_dated(state, text, u.line), u.line)
    if cls.is_salute(text):
        return "salute", Salute(inl(state, text, u.line), u.line)
    if (sl and cls.is_field_label(sl[0]) and not cls.is_participant_label(sl[0])) or (
            text.endswith(":") and cls.is_field_label(text[:-1])):
        return "field", None
    log = TRANSMISSION_LOG.match(text)
    if log and "\n" not in text:  # "Sent by wire on 9.III.51 at 02:40": a field without a colon
        return "log", FieldList("fields", [Field(log.group(1), inl(state, log.group(2), u.line, True),
                                                 u.line)])
    if MARGINAL.search(text) and len(text.split()) > 4 and not sl:
        return "note", NoteBlock(Note("physical", inl(state, text, u.line), place="margin"),
                                 u.line)
    if not seen and not sl and cls.is_letterhead_line(text):
        return "letterhead", Letterhead([inl(state, text, u.line)])
    return None


def field_with_value(units: list[Unit], i: int,
                      state: BodyState) -> tuple[FieldList | None, int]:
    """A field; "To:" alone takes the lines of its block below it, or the paragraph after
    it, as its value (None when nothing follows: a label without a value is no field)."""
    u = units[i]
    sl = split_label(u.text)
    if sl and sl[1]:
        return FieldList("fields", [Field(u.text[:sl[2]], inl(state, sl[1], u.line, True), u.line)]), i
    label = sl[0] + ":" if sl else u.text
    value_units = values_below(units, i, state, people=False)
    if not value_units:
        return None, i
    return FieldList("fields", [Field(label, joined(value_units, state), u.line)]), i + len(value_units)


def build_opener(parts: list) -> list:
    """Group top parts: headings stand alone, everything else in openers around them."""
    out: list = []
    for p in parts:
        if isinstance(p, Heading | Distribution):
            out.append(p)
            continue
        if isinstance(p, FieldList) and out and isinstance(out[-1], Opener) \
                and out[-1].parts and isinstance(out[-1].parts[-1], FieldList):
            out[-1].parts[-1].fields.extend(p.fields)
            continue
        if isinstance(p, Letterhead) and out and isinstance(out[-1], Opener) \
                and out[-1].parts and isinstance(out[-1].parts[-1], Letterhead) \
                and out[-1].parts[-1].kind == p.kind:
            out[-1].parts[-1].lines.extend(p.lines)
            continue
        if not out or not isinstance(out[-1], Opener):
            out.append(Opener([]))
        out[-1].parts.append(p)
    # An opener holding only notes or gaps needs no opener.
    flat: list = []
    for b in out:
        if isinstance(b, Opener) and all(isinstance(x, NoteBlock | GapBlock) for x in b.parts):
            flat.extend(b.parts)
        else:
            flat.append(b)
    return flat

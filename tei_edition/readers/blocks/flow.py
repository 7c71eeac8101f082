"""The main chain of block rules over the body, and the rules that need no module of their own."""

from __future__ import annotations

from collections.abc import Callable

from ...model import (
    Distribution,
    EmbeddedLetter,
    FieldList,
    ItemList,
    ListItem,
    Opener,
    Salute,
    Section,
)
from .core import (
    BULLET,
    NUMBERED,
    ROMAN_SECTION,
    SENTENCE_END,
    BlockRule,
    BodyState,
    Flow,
    Unit,
    add_text,
    inl,
    is_turn_candidate,
    split_label,
)
from .letters import build_closer, build_trailers, field_with_value, take_closer
from .turns import rule_turn


def rule_held(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """A block built before the chain ran (a distribution list inside the text, a group of
    participants): it ends the current turn, and the text goes on after it."""
    if u.held is None:
        return None
    if isinstance(u.held, list):  # hinted text (paragraphs go on in a turn) or an opener
        for block in u.held:
            flow.add(block)
        return i + 1
    flow.turn = None
    if isinstance(u.held, Distribution):  # the writer puts it in the document's div
        flow.container = flow.top
    last = flow.last()
    if isinstance(u.held, FieldList) and isinstance(last, FieldList) and last.kind == u.held.kind:
        last.fields.extend(u.held.fields)
        return i + 1
    flow.add(u.held)
    return i + 1


def rule_section(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"I. Internal situation": a numbered section of a report."""
    mt = ROMAN_SECTION.match(u.text)
    if not mt or not mt.group(1) or SENTENCE_END.search(u.text) or "\n" in u.text:
        return None
    section = Section("section", mt.group(1), inl(state, u.text, u.line), [], u.line)
    flow.turn = None
    flow.top.append(section)
    flow.container = section.blocks
    return i + 1


def rule_caps_section(u: Unit, state: BodyState, flow: Flow, units: list[Unit],
                      i: int) -> int | None:
    """"CONCLUSIONS" alone in its paragraph of a report, letter or telegram: a section."""
    if state.kind in ("minutes", "journal") or flow.turn is not None or "\n" in u.text:
        return None
    alone = u.blank_before and (i + 1 == len(units) or units[i + 1].blank_before)
    if not alone or len(u.text.split()) > 8 or not state.cls.is_caps_heading(u.text):
        return None
    section = Section("section", None, inl(state, u.text, u.line), [], u.line)
    flow.top.append(section)
    flow.container = section.blocks
    return i + 1


def rule_entry(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"3 September 1959" alone in a journal: a dated entry."""
    if state.kind != "journal" or not state.cls.is_date_only(u.text):
        return None
    entry = Section("entry", None, inl(state, u.text, u.line, dates=True), [], u.line)
    flow.turn = None
    flow.top.append(entry)
    flow.container = entry.blocks
    return i + 1


def rule_fields(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"From: …", "Sent: …": form fields (participants are held blocks by now)."""
    sl = split_label(u.text)
    cls = state.cls
    if not ((sl and sl[1] and cls.is_field_label(sl[0])) or (
            u.text.endswith(":") and cls.is_field_label(u.text[:-1]))):
        return None
    flow.turn = None
    block, j = field_with_value(units, i, state)
    if block is None:
        return None
    last = flow.last()
    if isinstance(last, FieldList) and last.kind == "fields":
        last.fields.extend(block.fields)
    else:
        flow.add(block)
    return j + 1


def rule_letter(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """A salutation in the middle of the text starts a letter read out or quoted."""
    if u.held is not None or not state.cls.is_salute(u.text):
        return None
    j = i + 1
    while j < len(units) and units[j].held is None and not is_turn_candidate(units[j].text, state):
        j += 1
    salute = Opener([Salute(inl(state, u.text, u.line), u.line)])
    flow.turn = None
    flow.container.append(embedded_letter(units[i + 1:j], state, u.line,
                                          lambda rest: ([salute], rest)))
    return j


def embedded_letter(units: list[Unit], state: BodyState, line: int,
                    opener: Callable[[list[Unit]], tuple[list, list[Unit]]]) -> EmbeddedLetter:
    """A letter read out or quoted: its closer taken from the end, its opening made by
    `opener` from what is left (blocks, and the units after them), its text by the list and
    paragraph rules."""
    rest, closer_units, trailer_units = take_closer(units, state)
    top, rest = opener(rest)
    letter = Flow()
    letter.top.extend(top)
    run_rules(rest, state, letter, rules=(rule_list, rule_paragraph), record=False)
    if closer_units:
        letter.top.append(build_closer(closer_units, state))
        letter.top.extend(build_trailers(trailer_units, state))
    return EmbeddedLetter(letter.top, line)


def rule_list(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"1.  The station…", "- The Korean side…": numbered and bulleted items."""
    mt = NUMBERED.match(u.text) or BULLET.match(u.text)
    if not mt:
        return None
    kind = "numbered" if NUMBERED.match(u.text) else "bulleted"
    marker = u.text[:mt.end()].strip()
    item = ListItem(marker, inl(state, u.text[mt.end():], u.line), u.line)
    last = flow.last()
    if isinstance(last, ItemList) and last.kind == kind:
        last.items.append(item)
    else:
        flow.add(ItemList(kind, [item]))
    return i + 1


def rule_paragraph(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """Anything else is running text: continuing a turn, or standing in the div."""
    if flow.turn and state.cls.is_closing_narrative(u.text):
        flow.turn = None
    add_text(u.text, u, state, flow, u.line, allow_join=True)
    return i + 1


BODY_RULES: tuple[BlockRule, ...] = (
    rule_held, rule_section, rule_caps_section, rule_entry, rule_turn, rule_fields, rule_letter, rule_list,
    rule_paragraph,
)


# What each rule's units become, for `explain`.
RULE_KINDS = {"rule_section": "heading", "rule_caps_section": "heading", "rule_entry": "heading",
              "rule_turn": "turn", "rule_fields": "fields", "rule_letter": "letter",
              "rule_list": "list", "rule_paragraph": "text"}


def run_rules(units: list[Unit], state: BodyState, flow: Flow,
              rules: tuple[BlockRule, ...] = BODY_RULES, record: bool = True) -> None:
    """The block chain: each unit goes to the first rule that claims it (and, with
    `record`, the claim is kept for `explain`; held units were recorded when made)."""
    i = 0
    while i < len(units):
        for rule in rules:
            in_turn = flow.turn is not None
            nxt = rule(units[i], state, flow, units, i)
            if nxt is not None:
                if record and rule is not rule_held:
                    why = "continues the turn" if rule is rule_paragraph and in_turn and \
                        flow.turn is not None else ""
                    state.claim(units[i:nxt], RULE_KINDS.get(rule.__name__, "text"),
                                rule.__name__, why)
                i = nxt
                break

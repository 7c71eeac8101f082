"""Block rules that read the participants: labelled preamble lines, labels
alone with their value below, bulleted lists of names, people introduced in the text."""

from __future__ import annotations

from ...model import (
    Field,
    FieldList,
    Inline,
    LineBreak,
)
from ..people import (
    NOT_PEOPLE,
    PersonRegistry,
    introduced_in,
    link_names,
    mentions_in,
    name_key,
)
from .core import (
    ALIAS_LABEL,
    BULLET,
    HEREAFTER,
    BodyState,
    Unit,
    inl,
    label_key,
    probe,
    short_lines,
    split_label,
)


def register_people(fields: list[Field], state: BodyState,
                    surnames: frozenset[str] = frozenset()) -> None:
    """Everyone the fields of a participants list name, in the registry (a label ending in
    "side" is the side of the people it names)."""
    for fld in fields:
        for m in mentions_in(fld, state.vocab, surnames):
            label = fld.label.rstrip(": ")
            side = label if label_key(label).endswith(" side") else m.side
            state.registry.add(m.name, m.role, m.role_name, m.variant, side=side,
                               line=fld.line, forms=tuple(m.forms))


def collect_participants(units: list[Unit], state: BodyState) -> list[Unit]:
    """People named in the preamble, registered before speakers are resolved: labelled
    lines ("Present: …", or "Foreign guests:" alone with its value below) and a bulleted
    list of names with titles before the first turn. Each group stands in the flow as a
    held participants list."""
    out: list[Unit] = []
    # The last words of the labels: surnames that may separate names run together.
    surnames = frozenset(name_key(sl[0].split()[-1]) for u in units
                         if (sl := split_label(u.text)) and sl[1] and sl[0].split())
    first_label = next((k for k, u in enumerate(units) if _label_shaped(u, state)), len(units))
    i = 0
    while i < len(units):
        fields, j = _participant_fields(units, i, state, first_label) if units[i].held is None \
            else ([], i)
        if not fields:
            out.append(units[i])
            i += 1
            continue
        register_people(fields, state, surnames)
        u = units[i]
        out.append(Unit(u.text, u.line, u.blank_before, u.block, u.indent,
                        held=FieldList("participants", fields)))
        i = j
    for u in out:
        if u.held is None and not split_label(u.text) and HEREAFTER.search(u.text):
            for name, alias, forms in introduced_in(u.text, state.vocab):
                state.registry.introduce(name, alias, u.line, tuple(forms))
    return out


def _participant_fields(units: list[Unit], i: int, state: BodyState,
                        first_label: int) -> tuple[list[Field], int]:
    """The participants group starting at unit i, and where it ends; `first_label` is the
    index of the first unit with a speaker-shaped label (bullets before it may be people)."""
    u = units[i]
    sl = split_label(u.text)
    if sl and state.cls.is_participant_label(sl[0]):
        if sl[1]:
            return [Field(u.text[:sl[2]], inl(state, sl[1], u.line, True), u.line)], i + 1
        value_units = values_below(units, i, state, people=label_key(sl[0]) not in NOT_PEOPLE)
        if not value_units:
            return [Field(u.text[:sl[2]], [], u.line)], i + 1
        return [Field(u.text[:sl[2]], joined(value_units, state), u.line)], i + 1 + len(value_units)
    return _bullet_people(units, i, state) if i < first_label else ([], i)


def joined(value_units: list[Unit], state: BodyState) -> list[Inline]:
    """The inlines of several lines, separated by line breaks."""
    value: list[Inline] = []
    for k, vu in enumerate(value_units):
        if k:
            value.append(LineBreak())
        value.extend(inl(state, vu.text, vu.line, True))
    return value


def _names_people(u: Unit, state: BodyState, label: str) -> bool:
    """A line or paragraph that names people (and is not prose)."""
    if not short_lines(u, 40):
        return False
    return bool(mentions_in(Field(label, probe(state, u.text, u.line)), state.vocab))


def _block_names_people(units: list[Unit], k: int, state: BodyState, label: str) -> bool:
    """Whether the paragraph starting at unit k ("From Seoul" ⏎ "YUN Chae-ho …") names people."""
    for v in units[k:]:
        if v is not units[k] and (v.blank_before or v.block != units[k].block):
            return False
        if _names_people(v, state, label):
            return True
    return False


def values_below(units: list[Unit], i: int, state: BodyState, people: bool) -> list[Unit]:
    """The value of a label standing alone: the lines of its block below it, else the
    paragraph after it ("Date and Time:" ⏎ "8 April 1965, 4 p.m."); for a label of people,
    every following paragraph that names people ("From Seoul" ⏎ "YUN Chae-ho …")."""
    label = split_label(units[i].text)[0] if split_label(units[i].text) else units[i].text
    out: list[Unit] = []
    for k in range(i + 1, len(units)):
        v = units[k]
        if v.held is not None or split_label(v.text) or ALIAS_LABEL.match(v.text):
            break
        new_paragraph = v.blank_before or v.block != (out[-1] if out else units[i]).block
        if not out and new_paragraph and not short_lines(v, 25):
            break
        if out and new_paragraph and not (people and _block_names_people(units, k, state, label)):
            break
        if people and not new_paragraph and out and not short_lines(v, 40):
            break
        out.append(v)
    return out


def _bullet_people(units: list[Unit], i: int, state: BodyState) -> tuple[list[Field], int]:
    """"• Kwan Teh-ming, Minister of Foreign Affairs" lines before the first turn of a
    conversation: one participant each."""
    if not BULLET.match(units[i].text):
        return [], i
    j = i
    while j < len(units) and BULLET.match(units[j].text) and short_lines(units[j], 15) \
            and len(mentions_in(Field("", probe(state, units[j].text[BULLET.match(units[j].text).end():],
                                                   units[j].line)), state.vocab)) == 1:
        j += 1
    labels_after = sum(_label_shaped(u, state) for u in units[j:])
    if j - i < 2 or labels_after < 2:
        return [], i
    fields = []
    for u in units[i:j]:
        mt = BULLET.match(u.text)
        fields.append(Field(mt.group(1), inl(state, u.text[mt.end():], u.line), u.line))
    return fields, j


def _label_shaped(u: Unit, state: BodyState) -> bool:
    sl = split_label(u.text)
    return bool(sl and sl[1] and (state.cls.is_name_shaped(sl[0]) or state.cls.is_role_shaped(sl[0])))


def link_participants(blocks: list, registry: PersonRegistry) -> None:
    names: dict[str, str] = {}
    for p in registry.persons:  # every written form links ("Recorded by: K. Pospíšil")
        for form in (*p.forms, p.name):
            if form and form[0].isalpha():
                names[form] = p.id
    for b in blocks:
        if isinstance(b, FieldList) and b.kind == "participants":
            for f in b.fields:
                f.value = link_names(f.value, names)

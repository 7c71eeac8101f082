"""Block rules that read speaker turns: which labels are speakers, and whose turn each is."""

from __future__ import annotations

from ...model import (
    Decision,
    Person,
    Turn,
)
from ..hints import HintsError
from ..people import (
    LabelParts,
    parse_label,
)
from .core import HEREAFTER, BodyState, Flow, Unit, add_text, inl, label_key, probe, split_label


def decide_speakers(units: list[Unit], state: BodyState) -> None:
    """Which labels start turns: people, not form fields, salutations or sentences."""
    cls = state.cls
    candidates: list[tuple[Unit, str, bool]] = []  # (unit, label, strong)
    for u in units:
        sl = split_label(u.text) if u.held is None else None
        if not sl or not sl[1]:
            continue
        label = sl[0]
        hinted = state.hints.speakers.get(label)
        if hinted is not None:  # the editor decided: a speaker (of that person) or not
            if hinted is False:
                state.decisions.append(Decision("speaker", u.line, u.line, "no speaker", "hint",
                                                label, "the hints file says so"))
            else:
                state.speakers.add(label_key(label))
            continue
        if cls.is_participant_label(label) or cls.is_field_label(label) \
                or cls.is_distribution_label(label):
            continue
        strong = bool(HEREAFTER.search(label))
        if strong or cls.is_name_shaped(label) or cls.is_role_shaped(label):
            candidates.append((u, label, strong))
    conversation = len(candidates) >= 3 or any(s for _, _, s in candidates)
    counts: dict[str, int] = {}
    for _, label, _ in candidates:
        counts[label_key(label)] = counts.get(label_key(label), 0) + 1
    rejected: list[tuple[Unit, str, str]] = []
    judged: dict[str, tuple[LabelParts, bool]] = {}  # a speaker's label recurs on every turn
    for u, label, strong in candidates:
        key = label_key(label)
        if label not in judged:
            parts = parse_label(probe(state, label, u.line), state.vocab)
            judged[label] = parts, state.registry.resolve(parts) is not None
        parts, known = judged[label]
        if strong or known or (conversation and cls.is_name_shaped(label)) \
                or (conversation and counts[key] >= 2):
            state.speakers.add(key)
            if parts.alias:
                state.speakers.add(label_key(parts.alias))
        else:
            why = ("a role that names no participant and is used once" if conversation
                   else "no conversation: fewer than three labelled paragraphs")
            rejected.append((u, label, why))
    for u, label, why in rejected:
        if label_key(label) not in state.speakers:
            state.decisions.append(Decision("speaker", u.line, u.line, "no speaker",
                                            "decide_speakers", label, why))
            state.report.warn(u.line, 1, "unresolved-speaker",
                              f"'{label}:' looks like a speaker label but was kept as text ({why})")


def rule_turn(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"Liu: Welcome…": a speaker's turn."""
    sl = split_label(u.text)
    if not sl or not sl[1] or label_key(sl[0]) not in state.speakers:
        return None
    label_nodes = inl(state, sl[0], u.line)
    parts = parse_label(label_nodes, state.vocab)
    known, why = _hinted_speaker(sl[0], u, state) or state.registry.resolve_why(parts)
    if known is None and len(parts.name.split()) == 1:
        many = state.registry.token_matches(parts.name)
        if len(many) > 1:
            state.report.warn(u.line, 1, "ambiguous-speaker",
                              f"'{sl[0]}:' could be any of {', '.join(p.name for p in many)}; "
                              "a separate person was created")
    person = state.registry.speaker(parts, state.cls.title, u.line, known)
    state.decisions.append(Decision(
        "speaker", u.line, u.line, person.id, "hint" if why == _BY_HINT else "resolve", sl[0],
        why if known else "a new person, named by the label", u.col))
    turn = Turn(person.id, label_nodes, [], u.line)
    flow.turn = None
    flow.container.append(turn)
    flow.turn = turn
    add_text(sl[1], u, state, flow, u.line, allow_join=False,
              col=len(u.text) - len(sl[1]) + 1)
    return i + 1


_BY_HINT = "the hints file names this person"


def _hinted_speaker(label: str, u: Unit, state: BodyState) -> tuple[Person, str] | None:
    """The person a hint maps this label to; a hint naming no one is an error."""
    pid = state.hints.speakers.get(label)
    if not isinstance(pid, str):
        return None
    person = state.registry.by_id(pid)
    if person is None:
        raise HintsError(state.hints.file or "hints", state.hints.line_of("speakers", label),
                         f"[speakers] {label!r} = {pid!r}: no person of the document (line "
                         f"{u.line}) or of the registry has this id")
    return person, _BY_HINT

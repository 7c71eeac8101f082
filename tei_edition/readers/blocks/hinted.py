"""Blocks built from an editor's hints (NAME.hints.toml): a line range and its kind."""

from __future__ import annotations

from ...model import (
    EmbeddedLetter,
    Field,
    FieldList,
    Heading,
    Letterhead,
    LineBreak,
    Paragraph,
)
from ..hints import BlockHint, HintsError
from .core import BodyState, Unit, inl, split_label
from .distribution import parse_distribution
from .endorsements import endorsements_of
from .flow import embedded_letter
from .letters import build_closer, build_opener, take_top
from .participants import register_people


def apply_block_hints(units: list[Unit], state: BodyState, n_lines: int) -> list[Unit]:
    """Each hinted line range becomes one held block of the hinted kind, built from its
    units before any rule looks at them."""
    out = list(units)
    for hint in state.hints.blocks:
        first, last = _hinted_units(out, hint, state, n_lines)
        chosen = out[first:last + 1]
        block = BLOCK_BUILDERS[hint.kind](chosen, state)
        state.claim(chosen, hint.kind, "hint", f"lines {hint.first}-{hint.last} in the hints file")
        u = chosen[0]
        out[first:last + 1] = [Unit(u.text, u.line, u.blank_before, u.block, u.indent, held=block)]
    return out


def _hinted_units(units: list[Unit], hint: BlockHint, state: BodyState,
                  n_lines: int) -> tuple[int, int]:
    """The first and last unit a hinted range covers; the range must start and end with
    units (a paragraph cannot be cut in two)."""
    file = state.hints.file or "hints"
    if hint.last > n_lines:
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last}: the source has only "
                         f"{n_lines} lines")
    inside = [k for k, u in enumerate(units) if u.held is None
              and hint.first <= u.line and u.end <= hint.last]
    for u in units:
        end = u.end
        if u.line < hint.first <= end or u.line <= hint.last < end:
            raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} cut through the "
                             f"paragraph on lines {u.line}-{end}; the rules cannot honour it")
    if not inside:
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} hold no text of the "
                         "body")
    if inside != list(range(inside[0], inside[-1] + 1)):
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} cross another hinted "
                         "block")
    return inside[0], inside[-1]


def _hinted_fields(kind: str):
    def build(units: list[Unit], state: BodyState) -> FieldList:
        fields: list[Field] = []
        for u in units:
            sl = split_label(u.text)
            if sl or not fields:
                label, value = (u.text[:sl[2]], sl[1]) if sl else ("", u.text)
                fields.append(Field(label, inl(state, value, u.line, True), u.line))
            else:
                fields[-1].value.extend([LineBreak(), *inl(state, u.text, u.line, True)])
        if kind == "participants":
            register_people(fields, state)
        return FieldList(kind, fields)
    return build


def _hinted_text(units: list[Unit], state: BodyState) -> list[Paragraph]:
    return [Paragraph(inl(state, u.text, u.line), u.line) for u in units]


def _hinted_heading(units: list[Unit], state: BodyState) -> Heading:
    return Heading(inl(state, "\n".join(u.text for u in units), units[0].line), units[0].line)


def _hinted_letter(units: list[Unit], state: BodyState) -> EmbeddedLetter:
    def opener(rest: list[Unit]) -> tuple[list, list[Unit]]:
        parts, rest = take_top(rest, state)
        return build_opener(parts), rest
    return embedded_letter(units, state, units[0].line, opener)


def _hinted_opener(units: list[Unit], state: BodyState) -> list:
    parts, rest = take_top(units, state)
    parts.extend(Letterhead([inl(state, u.text, u.line)]) for u in rest)
    return build_opener(parts)


BLOCK_BUILDERS = {
    "distribution": parse_distribution, "participants": _hinted_fields("participants"),
    "fields": _hinted_fields("fields"), "text": _hinted_text, "heading": _hinted_heading,
    "letter": _hinted_letter, "opener": _hinted_opener, "closer": build_closer,
    "endorsements": endorsements_of,
}

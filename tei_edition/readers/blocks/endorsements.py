"""Block rules that read archival endorsements ("Received on …") at the end."""

from __future__ import annotations

from ...model import (
    Endorsements,
    Inline,
)
from .core import BodyState, Unit, inl


def take_endorsements(units: list[Unit], state: BodyState) -> tuple[list[Unit], Endorsements | None]:
    """Trailing "Received on …" lines become the endorsements."""
    if units and isinstance(units[-1].held, Endorsements):  # hinted
        return units[:-1], units[-1].held
    end = len(units)
    while end > 0 and units[end - 1].held is None and state.cls.is_endorsement(units[end - 1].text):
        end -= 1
    if end == len(units):
        return units, None
    lines: list[list[Inline]] = []
    for u in units[end:]:
        for k, part in enumerate(u.text.split("\n")):
            lines.append(inl(state, part, u.line + k, dates=True))
    return units[:end], Endorsements(lines, units[end].line)

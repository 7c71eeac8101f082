"""Block rules that read archival endorsements ("Received on …") at the end."""

from __future__ import annotations

from ...model import (
    Endorsements,
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
    return units[:end], endorsements_of(units[end:], state)


def endorsements_of(units: list[Unit], state: BodyState) -> Endorsements:
    """The endorsements of these units: one line of inlines, dates tagged, per source line."""
    return Endorsements([inl(state, part, u.line + k, dates=True)
                         for u in units for k, part in enumerate(u.text.split("\n"))],
                        units[0].line)

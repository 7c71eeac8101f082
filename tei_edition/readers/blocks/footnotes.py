"""Block rules that read footnote texts ("[1] …") at the end of the body."""

from __future__ import annotations

from .core import FOOTNOTE_TEXT, REGISTRY, TYPED_BY, BodyState, Unit, inl


def footnote_span(texts: list[str]) -> tuple[int, int]:
    """Where the note texts "[1] …" stand among the body's units: at the end, or before the
    registry and "Typed by" lines that close a telegram (at most four of them)."""
    stop = len(texts)
    while stop > 0 and len(texts) - stop < 4 and (REGISTRY.match(texts[stop - 1])
                                                   or TYPED_BY.match(texts[stop - 1])):
        stop -= 1
    start = stop
    while start > 0 and FOOTNOTE_TEXT.match(texts[start - 1]):
        start -= 1
    return (start, stop) if start < stop else (len(texts), len(texts))


def take_footnotes(units: list[Unit], state: BodyState) -> list[Unit]:
    """Note texts "[1] …" at the end of the body become footnotes, keyed by number."""
    start, stop = footnote_span([u.text if u.held is None else "" for u in units])
    for u in units[start:stop]:
        mt = FOOTNOTE_TEXT.match(u.text)
        assert mt
        state.ctx.footnotes[mt.group(1)] = inl(state, mt.group(2), u.line)
    return units[:start] + units[stop:]

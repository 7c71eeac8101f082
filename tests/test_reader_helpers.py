"""The reader's fast helpers give the same answers as their plain definitions.

Each helper was rewritten for speed (one compiled pattern instead of a loop over phrases,
a cheap bound before difflib, a pre-scan before the date patterns); these properties hold
them to the straightforward definition on arbitrary input.
"""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from tei_edition.readers import dates
from tei_edition.readers.inline import _has, _letters, _similarity, _starts, fold

# Letters, digits (also non-ASCII ones), the underscore and spaces: where word boundaries
# and "followed by a letter or digit" can go wrong.
ALPHABET = "ab é_1²- ."
phrases = st.lists(st.text(ALPHABET, min_size=0, max_size=4), max_size=5).map(tuple)
texts = st.text(ALPHABET, max_size=12)


def starts_plain(text: str, candidates: tuple[str, ...]) -> str | None:
    low = fold(text).lstrip()
    for p in candidates:
        if low.startswith(p) and (len(low) == len(p) or not low[len(p)].isalnum()):
            return p
    return None


@given(texts, phrases)
def test_starts_is_the_first_phrase_opening_the_text_as_a_whole_word(
        text: str, candidates: tuple[str, ...]) -> None:
    assert _starts(text, candidates) == starts_plain(text, candidates)


@given(texts, phrases)
def test_has_is_any_phrase_in_the_folded_text(text: str, candidates: tuple[str, ...]) -> None:
    assert _has(text, candidates) == any(p in fold(text) for p in candidates)


names = st.text("AaBbKkIiLl -'ŏ", max_size=10)


@given(names, names, st.floats(0, 1))
def test_similarity_is_difflib_ratio_or_zero_when_it_cannot_exceed_the_bound(
        a: str, b: str, at_least: float) -> None:
    ka, kb = _letters(a), _letters(b)
    ratio = difflib.SequenceMatcher(None, ka, kb).ratio() if ka and kb else 0.0
    got = _similarity(a, b, at_least)
    assert got == ratio or (got == 0.0 and ratio <= at_least)


def find_dates_plain(text: str, century: int | None) -> list[dates.DateMatch]:
    """find_dates without its pre-scan: every pattern over the whole text."""
    found: list[dates.DateMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in dates._PATTERNS:
        for mt in pattern.finditer(text):
            if any(mt.start() < e and s < mt.end() for s, e in taken):
                continue
            conv = dates._convert(kind, mt.groupdict(), century)
            if conv is not None:
                found.append(dates.DateMatch(mt.start(), mt.end(), conv.when, conv.from_, conv.to))
                taken.append((mt.start(), mt.end()))
    return sorted(found, key=lambda d: d.start)


date_bits = st.sampled_from(["4", "12", "1960", "61", " ", ", ", "May", "March", "Sept.", "X",
                             "IV", ".", ":", "30", "a.m.", "p.m.", "at", "–", "of", "th", "/"])


@given(st.lists(date_bits, max_size=10).map("".join), st.sampled_from([None, 1900, 2000]))
def test_find_dates_finds_what_every_pattern_over_the_whole_text_finds(
        text: str, century: int | None) -> None:
    assert dates.find_dates(text, century) == find_dates_plain(text, century)


def test_find_dates_examples() -> None:
    """The pre-scan must not hide dates with Roman or numeric months (no month name)."""
    assert [d.when for d in dates.find_dates("Pyongyang, 4.IV.1960")] == ["1960-04-04"]
    assert [d.when for d in dates.find_dates("on 12.03.1961 10:30")] == ["1961-03-12T10:30:00"]
    assert dates.find_dates("no digits at all, May June") == []


unit_bits = st.sampled_from(["[", "]", "(", ")", "[[", "]]", " ", ".", "\n", "□", "illegible",
                             "two lines blacked out", "Laughter", "sic", "Note: x", "1", "Kim"])


@given(st.lists(unit_bits, max_size=8).map("".join))
def test_may_stand_alone_never_rules_out_a_standalone_unit(text: str) -> None:
    """The top-of-document rules skip the trial parse when may_stand_alone says no."""
    from tei_edition.readers.inline import InlineContext, parse_inline
    from tei_edition.readers.report import Reporter
    from tei_edition.readers.vocab import load_vocabulary
    from tei_edition.readers.wcda import may_stand_alone, standalone

    nodes = parse_inline(text, InlineContext(load_vocabulary(), Reporter("t.txt")), 1)
    assert may_stand_alone(text) or standalone(nodes, 1) is None

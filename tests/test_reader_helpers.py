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
                             "two lines blacked out", "Laughter", "sic", "Note: x", "1", "Kim",
                             "Page 2", "?", "Not reviewed"])


@given(st.lists(unit_bits, max_size=8).map("".join))
def test_may_stand_alone_never_rules_out_a_standalone_unit(text: str) -> None:
    """The top-of-document rules skip the trial parse when may_stand_alone says no."""
    from tei_edition.readers.inline import InlineContext, parse_inline
    from tei_edition.readers.report import Reporter
    from tei_edition.readers.vocab import load_vocabulary
    from tei_edition.readers.wcda import may_stand_alone, standalone

    nodes = parse_inline(text, InlineContext(load_vocabulary(), Reporter("t.txt")), 1)
    assert may_stand_alone(text) or standalone(nodes, 1) is None


page_bits = st.sampled_from(["[", "]", "(", ")", "Page 3", "p. 2", "p iv", "page", " ", ".",
                             "see", "Kim", ":", "\n", "[Page 12]", "(p. 7)"])


@given(st.lists(page_bits, max_size=8).map("".join))
def test_page_markers_finds_the_page_breaks_the_reader_makes(text: str) -> None:
    """verify compares a source's page markers with pb/@n: both must find the same ones."""
    from tei_edition.model import PageBreak
    from tei_edition.readers.inline import InlineContext, page_markers, parse_inline
    from tei_edition.readers.report import Reporter
    from tei_edition.readers.vocab import load_vocabulary

    def breaks(nodes: list) -> list[str]:
        out = []
        for n in nodes:
            if isinstance(n, PageBreak):
                out.append(n.n)
            out.extend(breaks(getattr(n, "children", [])))
        return out

    nodes = parse_inline(text, InlineContext(load_vocabulary(), Reporter("t.txt")), 1)
    assert breaks(nodes) == [n for _, _, n in page_markers(text)]


def test_page_number_where_a_page_can_end() -> None:
    from tei_edition.readers.inline import page_number

    assert page_number("Page 178", "[", "e") == "178"  # square brackets: anywhere
    assert page_number("p. 2", "(", "") == "2" and page_number("p. 2", "(", ".") == "2"
    assert page_number("p. 1", "(", "t") is None  # "the report (p. 1)": a citation
    assert page_number("pi", "[", "") is None and page_number("page", "[", "") is None
    assert page_number("P. iv", "[", "") == "iv" and page_number("P. Li", "[", "") is None
    assert page_number("pp. 2-3", "[", "") is None


def test_glued_anchors_only_on_capitals_and_names_with_a_note() -> None:
    from tei_edition.readers.inline import glued_anchors

    text = "KRAJEWSKI1 met CHOE MYONG-SU2 and Jelen3; the MiG4, B5, x6, 1947 and TU9."
    assert [(text[a - 2:b], n) for a, b, n in glued_anchors(text, {"1", "2", "3", "4", "5", "6",
                                                                   "7"})] == [
        ("KI1", "1"), ("SU2", "2"), ("en3", "3")]


def test_person_ids_are_readable_in_every_script() -> None:
    from tei_edition.readers.people import slug

    assert slug("Han Ik-su") == "han-iksu"
    assert slug("Баатар Дашдорж") == "baatar-dashdorzh"
    assert slug("김일성") == "gim-ilseong"  # family name first, split off
    assert slug("박 영찬") == "bag-yeongchan"  # already split: kept as written
    assert slug("周恩来") == "zhou-enlai"
    assert slug("Jaroslav Brodský") == "jaroslav-brodsky"
    # Never an id without letters ("p-"): nothing to transliterate gives "person".
    assert slug("???") == "person" and slug("1st Secretary") == "person-1st-secretary"


def _citation(text: str) -> tuple[str | None, tuple[str, str, str] | None]:
    from tei_edition.model import Header
    from tei_edition.readers.vocab import load_vocabulary
    from tei_edition.readers.wcda import parse_citation

    header = Header(date_text="August 30, 1958")
    parse_citation(text, header, load_vocabulary())
    return header.idno, header.locus


def test_citation_signature_in_both_wordings_and_any_leaf_range() -> None:
    old = ('"Journal of Ambassador X", August 30, 1958, History and Public Policy Program '
           "Digital Archive, AVPRF f. 0102, op. 14, p. 76, d. 8, ll. 112-118. Obtained and "
           "translated by Ann Example.")
    assert _citation(old) == ("AVPRF f. 0102, op. 14, p. 76, d. 8", ("ll. 112-118", "112", "118"))
    new = ('"Ciphergram No. 7", August 30, 1958, Wilson Center Digital Archive, AMSZ, '
           "Szyfrogramy z Hanoi 1966, w-14, t-388, k. 21-22. Translated by Ann Example.")
    assert _citation(new) == ("AMSZ, Szyfrogramy z Hanoi 1966, w-14, t-388",
                              ("k. 21-22", "21", "22"))
    # The older wording may put the comma inside the quotes.
    inside = ('"Journal of Ambassador X for 1 June 1957," August 30, 1958, History and Public '
              "Policy Program Digital Archive, AVPRF f. 0102, op. 13, p. 72, d. 5, ll. 128-150. "
              "Translated for NKIDP by Ann Example.")
    assert _citation(inside) == ("AVPRF f. 0102, op. 13, p. 72, d. 5", ("ll. 128-150", "128", "150"))
    # Negative: a final range of boxes or folders is part of the signature, not a locus.
    boxes = ('"Memo", August 30, 1958, Wilson Center Digital Archive, National Archives, '
             "RG 59, Box 4-5. Translated by Ann Example.")
    assert _citation(boxes) == ("National Archives, RG 59, Box 4-5", None)

"""The text reader: Wilson Center Digital Archive exports (`.txt`, `.md`), read by the rules
of `wcda`; and the words of a source body in order, which `verify` compares with the TEI."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from ..config import KnownPerson
from ..model import Document
from ..textio import normalize_text, read_source
from . import Loaded
from .hints import Hints
from .inline import glued_anchors, page_markers, sic_words
from .report import Reporter
from .wcda import FOOTNOTE_TEXT, footnote_span, make_units, read, read_header_blocks

WORD_PATTERN = re.compile(r"\w+")  # a word: letters and digits, as verify counts them
_WORD = WORD_PATTERN
_ANCHOR = re.compile(r"\[(\d{1,3})\]")


class Word(NamedTuple):
    """A word and the line it stands on (a tuple: made once per word of every document, it
    must be cheap)."""

    text: str
    line: int


def _parts(text: str, line: int) -> Iterator[tuple[list[str], int]]:
    """The words of each line of a text, with the line's number."""
    if not text or text.isspace():  # most tails in TEI are indentation
        return
    for k, part in enumerate(text.split("\n")):
        yield _WORD.findall(unicodedata.normalize("NFC", part)), line + k


def words(text: str, line: int) -> list[Word]:
    """The words of a text that starts on `line`, with their lines."""
    return [Word(w, at) for found, at in _parts(text, line) for w in found]


def _source_body(text: str) -> tuple[list[tuple[str, int]], list[tuple[int, re.Match | None]]]:
    """The body of a source export as (text, first line) units, as the reader encodes them
    (footnote anchors cut, page markers reduced to their numbers), and its footnotes as
    (line, match of FOOTNOTE_TEXT).

    The body is cut into the reader's units (so that a footnote spanning a hard line break
    is one footnote here too); trailing units "[n] …" are the footnotes."""
    lines = normalize_text(text)[0].split("\n")
    hb = read_header_blocks(lines)
    start = hb.body_start if hb.body_start is not None else 0
    units = make_units(lines[start:], start + 1, Reporter("verify"))
    first, stop = footnote_span([u.text for u in units])
    notes = [(u.line, FOOTNOTE_TEXT.match(u.text)) for u in units[first:stop]]
    numbers = {mt.group(1) for _, mt in notes if mt}
    glued: set[str] = set()  # numbers whose glued anchor was met (the first one is the anchor)
    body = []
    for u in units[:first] + units[stop:]:
        cleaned = _ANCHOR.sub(lambda m: " " if m.group(1) in numbers else m.group(0), u.text)
        body.append((_unmark(cleaned, numbers, glued), u.line))
    return body, notes


def source_streams(text: str) -> tuple[list[Word], list[Word]]:
    """(body words, footnote words) of a source export."""
    body, notes = _source_body(text)
    main = [w for unit, line in body for w in words(unit, line)]
    foot: list[list[Word]] = []
    for line, mt in notes:
        assert mt is not None
        foot.append([Word(mt.group(1), line), *words(mt.group(2), line)])
    return main, by_number(foot)


def source_lines_at(text: str, indices: list[int]) -> list[int]:
    """The source line of the body words at these indices of `source_streams`' body words,
    counting only as far as the last one asked for (a warning near the start of a huge
    document costs little); past the end, the last word's line (0: no words at all)."""
    wanted = sorted(set(indices), reverse=True)  # the next one wanted is last
    found: dict[int, int] = {}
    seen = last = 0
    for unit, line in _source_body(text)[0]:
        for k, part in enumerate(unit.split("\n")):
            for _ in _WORD.finditer(unicodedata.normalize("NFC", part)):
                last = line + k
                while wanted and wanted[-1] <= seen:
                    found[wanted.pop()] = last
                if not wanted:
                    return [found[i] for i in indices]
                seen += 1
    return [found.get(i, last) for i in indices]


def _unmark(text: str, numbers: set[str], glued: set[str]) -> str:
    """The text with its page markers reduced to their numbers, the glued footnote anchors
    cut off their words and the word of a sic mark in lower case, as the reader encodes
    them."""
    cuts: list[tuple[int, int, str]] = [(a, b, f" {n} ") for a, b, n in page_markers(text)]
    cuts += [(a, b, "sic") for a, b in sic_words(text)]  # as regenerated: "[Sic]" reads "sic"
    pending = numbers - glued
    # no footnote left to anchor: no need to look for glued numbers (a pass over the text)
    for a, b, n in glued_anchors(text, pending) if pending else ():
        if n not in glued:
            glued.add(n)
            cuts.append((a, b, " "))
    for a, b, repl in sorted(cuts, reverse=True):
        text = text[:a] + repl + text[b:]
    return text


def by_number(notes: list[list[Word]]) -> list[Word]:
    """Footnotes in the order of their numbers: the order of the note texts at the end of
    the source and of the anchors in the TEI need not agree."""
    ordered = sorted(notes, key=lambda words: int(words[0].text) if words[0].text.isdigit() else 0)
    return [w for words in ordered for w in words]


class TextReader:
    """Reads an export's text with the shared block, inline and people rules."""

    def load(self, path: Path, encoding: str | None = None) -> Loaded:
        """Read and decode a text source (raises textio.SourceError)."""
        raw, decoded = read_source(path, encoding)
        return Loaded(raw, decoded.text, decoded.replaced_controls)

    def read(self, loaded: Loaded, name: str, source: str, report: Reporter,
             known: tuple[KnownPerson, ...] = (), hints: Hints | None = None) -> Document:
        """The document model of the loaded text (raises wcda.ReaderError)."""
        return read(loaded.text, name, source, report, known=known, hints=hints)

    def body_words(self, loaded: Loaded) -> tuple[list[Word], list[Word]]:
        """(body words, footnote words) in source order."""
        return source_streams(loaded.text)

    def locate(self, loaded: Loaded, line: int) -> int:
        """The line a diagnostic names for a line of the text: the same."""
        return line

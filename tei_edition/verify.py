"""Proof that no text was lost: the words of the source body against the words of the TEI body.

Words are runs of letters and digits, so punctuation and the marker characters that the
encoding regenerates (brackets, parentheses, a label's colon, □ boxes, the dots of an
omission mark) do not count. Two things move: a footnote's text stands at its anchor in
TEI but at the end of the source, and the anchor "[1]" (or the "1" glued to "KRAJEWSKI1")
becomes the note's @n. Footnotes are therefore compared as a second stream, each
introduced by its number. Two marks are words the stylesheet regenerates: a page marker
"[Page 178]" is compared by its number with pb/@n, and "sic" stands after each sic element.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from .diagnostics import Diagnostic, Exit
from .readers.inline import glued_anchors, page_markers, sic_words
from .readers.report import Reporter
from .readers.wcda import FOOTNOTE_TEXT, footnote_span, make_units, read_header_blocks
from .textio import SourceError, normalize_text, read_source
from .xmlio import XMLInputError, parse_file

TEI_NS = "http://www.tei-c.org/ns/1.0"
_WORD = re.compile(r"\w+")
_ANCHOR = re.compile(r"\[(\d{1,3})\]")
_PB = f"{{{TEI_NS}}}pb"
_SIC = f"{{{TEI_NS}}}sic"


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


def _words(text: str, line: int) -> list[Word]:
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
    main = [w for unit, line in body for w in _words(unit, line)]
    foot: list[list[Word]] = []
    for line, mt in notes:
        assert mt is not None
        foot.append([Word(mt.group(1), line), *_words(mt.group(2), line)])
    return main, _by_number(foot)


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


def _by_number(notes: list[list[Word]]) -> list[Word]:
    """Footnotes in the order of their numbers: the order of the note texts at the end of
    the source and of the anchors in the TEI need not agree."""
    ordered = sorted(notes, key=lambda words: int(words[0].text) if words[0].text.isdigit() else 0)
    return [w for words in ordered for w in words]


def tei_streams(tree: etree._ElementTree | etree._Element,
                starts: dict[etree._Element, int] | None = None,
                ) -> tuple[list[Word], list[Word]]:
    """(body words, footnote words) of a TEI file, in document order. `starts`, when given,
    receives the index in the body words of each body element's first word (elements
    inside footnotes excepted)."""
    body = tree.find(f".//{{{TEI_NS}}}text/{{{TEI_NS}}}body")
    main: list[Word] = []
    foot: list[list[Word]] = []
    if body is None:
        return main, []
    _collect(body, main, foot, starts)
    return main, _by_number(foot)


_XNS = {"t": TEI_NS}
#: What comes before an element in the TEI body's words (footnotes excepted): the text
#: nodes, a page break's number, the "sic" after each sic element (see `_collect`).
_PRECEDING_TEXT = etree.XPath(
    "preceding::text()[ancestor::t:body][not(ancestor::t:note[@place='foot'])]",
    namespaces=_XNS)
_PRECEDING_MARKS = etree.XPath(
    "count(preceding::t:pb[@n != ''][ancestor::t:body][not(ancestor::t:note[@place='foot'])])"
    " + count(preceding::t:sic[ancestor::t:body][not(ancestor::t:note[@place='foot'])])",
    namespaces=_XNS)


def tei_word_index(el: etree._Element) -> int:
    """The index of an element's first word among the words of the TEI body (footnotes
    excepted), counted as `tei_streams` counts them: the same index in `source_lines_at`
    gives the element's source line, the two word sequences being equal (what `verify`
    proves). XPath gathers the text, so a huge document costs one pass in C and a count,
    not a walk in Python."""
    words = sum(len(_WORD.findall(unicodedata.normalize("NFC", t)))
                for t in _PRECEDING_TEXT(el) if not t.isspace())
    return words + int(_PRECEDING_MARKS(el))


def _is_footnote(el: etree._Element) -> bool:
    return el.tag == f"{{{TEI_NS}}}note" and el.get("place") == "foot"


def _collect(el: etree._Element, main: list[Word], foot: list[list[Word]],
             starts: dict[etree._Element, int] | None = None) -> None:
    line = el.sourceline or 0
    if starts is not None:
        starts[el] = len(main)
    main.extend(_words(el.text or "", line))
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            main.extend(_words(child.tail or "", line))
            continue
        if _is_footnote(child):
            note = [Word(child.get("n", ""), child.sourceline or 0)]
            _collect(child, note, foot)
            foot.append(note)
        elif child.tag == _PB and child.get("n"):
            main.append(Word(child.get("n", ""), child.sourceline or line))
        else:
            _collect(child, main, foot, starts)
            if child.tag == _SIC:  # the stylesheet writes "[sic]" after the word
                main.append(Word("sic", child.sourceline or line))
        main.extend(_words(child.tail or "", child.sourceline or line))


def first_difference(src: list[Word], tei: list[Word]) -> tuple[int, str] | None:
    """Index of the first differing word and a description, or None when equal."""
    for i, (a, b) in enumerate(zip(src, tei, strict=False)):
        if a.text != b.text:
            if i + 1 < len(tei) and tei[i + 1].text == a.text:
                return i, "added"
            if i + 1 < len(src) and src[i + 1].text == b.text:
                return i, "lost"
            return i, "changed"
    if len(src) > len(tei):
        return len(tei), "lost"
    if len(tei) > len(src):
        return len(src), "added"
    return None


def _context(words: list[Word], i: int) -> str:
    return " ".join(w.text for w in words[max(0, i - 4):i + 4])


def compare(src: list[Word], tei: list[Word], source_name: str, tei_name: str,
            stream: str) -> list[Diagnostic]:
    """A diagnostic for the first difference between two word streams."""
    diff = first_difference(src, tei)
    if diff is None:
        return []
    i, kind = diff
    s_line = src[i].line if i < len(src) else (src[-1].line if src else 0)
    t_line = tei[i].line if i < len(tei) else (tei[-1].line if tei else 0)
    word_s = src[i].text if i < len(src) else "(end)"
    word_t = tei[i].text if i < len(tei) else "(end)"
    msg = {
        "lost": f"source word {word_s!r} is missing from the TEI",
        "added": f"the TEI has {word_t!r}, which the source does not",
        "changed": f"source word {word_s!r} became {word_t!r} in the TEI",
    }[kind]
    return [Diagnostic(source_name, s_line, 1, "error", "text-lost" if kind != "added"
                       else "text-added",
                       f"{stream}: {msg} (word {i + 1}; source: “{_context(src, i)}”; "
                       f"TEI {tei_name}:{t_line}: “{_context(tei, i)}”)")]


def verify_text(source_text: str, tree: etree._ElementTree, source_name: str,
                tei_name: str) -> list[Diagnostic]:
    """All differences (at most one per stream) between a source and its TEI."""
    s_main, s_foot = source_streams(source_text)
    t_main, t_foot = tei_streams(tree)
    return (compare(s_main, t_main, source_name, tei_name, "body")
            + compare(s_foot, t_foot, source_name, tei_name, "footnotes"))


def verify_files(source: Path, tei: Path, encoding: str | None = None) -> tuple[list[Diagnostic], int]:
    """Verify one source against one TEI file; returns diagnostics and the exit status."""
    try:
        _, decoded = read_source(source, encoding)
    except SourceError as exc:
        diag = exc.diagnostic(str(source))
        return [diag], Exit.USAGE if diag.rule == "io" else Exit.PROBLEM
    try:
        tree = parse_file(tei)
    except XMLInputError as exc:
        status = Exit.USAGE if exc.rule == "io" else Exit.PROBLEM
        return [Diagnostic(str(tei), exc.line, exc.col, "error", exc.rule, exc.message)], status
    diags = verify_text(decoded.text, tree, str(source), str(tei))
    return diags, Exit.PROBLEM if diags else Exit.OK

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

import copy
import unicodedata
from pathlib import Path

from lxml import etree

from .diagnostics import Diagnostic, Exit
from .readers import reader_for
from .readers.text import WORD_PATTERN as _WORD
from .readers.text import Word, source_lines_at, source_streams
from .readers.text import by_number as _by_number
from .readers.text import words as _words
from .textio import SourceError
from .xmlio import XMLInputError, parse_file

TEI_NS = "http://www.tei-c.org/ns/1.0"
__all__ = ["Word", "compare", "source_lines_at", "source_streams", "tei_streams", "tei_word_index",
           "verify_files", "verify_streams", "verify_text"]
_PB = f"{{{TEI_NS}}}pb"
_SIC = f"{{{TEI_NS}}}sic"


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
    if starts is None and body.find(f".//{{{TEI_NS}}}hi") is not None:
        # Highlighting may cover part of a word ("1<hi>st</hi>"): its text is the word's.
        body = copy.deepcopy(body)
        etree.strip_tags(body, f"{{{TEI_NS}}}hi")
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
    """All differences (at most one per stream) between a text source and its TEI."""
    return verify_streams(source_streams(source_text), tree, source_name, tei_name)


def verify_streams(streams: tuple[list[Word], list[Word]], tree: etree._ElementTree,
                   source_name: str, tei_name: str) -> list[Diagnostic]:
    """All differences between a source's (body, footnote) words and its TEI."""
    s_main, s_foot = streams
    t_main, t_foot = tei_streams(tree)
    return (compare(s_main, t_main, source_name, tei_name, "body")
            + compare(s_foot, t_foot, source_name, tei_name, "footnotes"))


def verify_files(source: Path, tei: Path, encoding: str | None = None) -> tuple[list[Diagnostic], int]:
    """Verify one source (text or Word) against one TEI file; returns diagnostics and the
    exit status."""
    reader = reader_for(source)
    try:
        loaded = reader.load(source, encoding)
    except SourceError as exc:
        diag = exc.diagnostic(str(source))
        return [diag], Exit.USAGE if diag.rule == "io" else Exit.PROBLEM
    try:
        tree = parse_file(tei)
    except XMLInputError as exc:
        status = Exit.USAGE if exc.rule == "io" else Exit.PROBLEM
        return [Diagnostic(str(tei), exc.line, exc.col, "error", exc.rule, exc.message)], status
    diags = verify_streams(reader.body_words(loaded), tree, str(source), str(tei))
    return diags, Exit.PROBLEM if diags else Exit.OK

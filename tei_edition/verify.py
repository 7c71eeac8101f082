"""Proof that no text was lost: the words of the source body against the words of the TEI body.

Words are runs of letters and digits, so punctuation and the marker characters that the
encoding regenerates (brackets, parentheses, a label's colon, □ boxes, the dots of an
omission mark) do not count. Two things move: a footnote's text stands at its anchor in
TEI but at the end of the source, and the anchor "[1]" becomes the note's @n. Footnotes
are therefore compared as a second stream, each introduced by its number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .diagnostics import Diagnostic, Exit
from .readers.wcda import read_header_blocks
from .textio import SourceError, read_source
from .xmlio import XMLInputError, parse_file

TEI_NS = "http://www.tei-c.org/ns/1.0"
_WORD = re.compile(r"\w+")
_FOOTNOTE = re.compile(r"^\[(\d{1,3})\]\s+(\S.*)$")


@dataclass(frozen=True)
class Word:
    """A word and the line it stands on."""

    text: str
    line: int


def _words(text: str, line: int) -> list[Word]:
    out = []
    for k, part in enumerate(text.split("\n")):
        out.extend(Word(w, line + k) for w in _WORD.findall(unicodedata.normalize("NFC", part)))
    return out


def source_streams(text: str) -> tuple[list[Word], list[Word]]:
    """(body words, footnote words) of a source export."""
    lines = text.split("\n")
    hb = read_header_blocks(lines)
    start = hb.body_start if hb.body_start is not None else 0
    body = lines[start:]
    end = len(body)
    notes: list[tuple[int, str, str]] = []
    k = end
    while k > 0:
        line = body[k - 1]
        if not line.strip():
            k -= 1
            continue
        mt = _FOOTNOTE.match(line.strip())
        if not mt:
            break
        notes.insert(0, (start + k, mt.group(1), mt.group(2)))
        k -= 1
        end = k
    numbers = {n for _, n, _ in notes}
    anchor = re.compile(r"\[(\d{1,3})\]")
    main: list[Word] = []
    for i, line in enumerate(body[:end]):
        cleaned = anchor.sub(lambda m: " " if m.group(1) in numbers else m.group(0), line)
        main.extend(_words(cleaned, start + i + 1))
    foot: list[Word] = []
    for line_no, n, note in notes:
        foot.append(Word(n, line_no))
        foot.extend(_words(note, line_no))
    return main, foot


def tei_streams(tree: etree._ElementTree) -> tuple[list[Word], list[Word]]:
    """(body words, footnote words) of a TEI file, in document order."""
    body = tree.find(f".//{{{TEI_NS}}}text/{{{TEI_NS}}}body")
    main: list[Word] = []
    foot: list[Word] = []
    if body is None:
        return main, foot
    _collect(body, main, foot)
    return main, foot


def _is_footnote(el: etree._Element) -> bool:
    return el.tag == f"{{{TEI_NS}}}note" and el.get("place") == "foot"


def _collect(el: etree._Element, main: list[Word], foot: list[Word]) -> None:
    line = el.sourceline or 0
    main.extend(_words(el.text or "", line))
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            main.extend(_words(child.tail or "", line))
            continue
        if _is_footnote(child):
            foot.append(Word(child.get("n", ""), child.sourceline or 0))
            _collect(child, foot, foot)
        else:
            _collect(child, main, foot)
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
        return [Diagnostic(str(source), exc.line, exc.col, "error", "encoding", exc.message)], \
            Exit.USAGE if exc.line == 0 else Exit.PROBLEM
    try:
        tree = parse_file(tei)
    except XMLInputError as exc:
        status = Exit.USAGE if exc.rule == "io" else Exit.PROBLEM
        return [Diagnostic(str(tei), exc.line, exc.col, "error", exc.rule, exc.message)], status
    diags = verify_text(decoded.text, tree, str(source), str(tei))
    return diags, Exit.PROBLEM if diags else Exit.OK

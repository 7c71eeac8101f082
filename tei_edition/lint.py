"""Structural lint: does a converted document look misread?

A file can be valid, lose no word and still be read wrongly: a distribution list that
swallowed the telegram after it, a letter that holds the whole report, a conversation whose
participants were never found. The lint looks at the shape of the TEI for such signs and
warns; it never changes the file. It works on a TEI tree alone, so `convert` runs it on what
it has just built and `check` on the files in `encoded/`. Each warning is placed on the line of
the source where the suspicious part starts: the TEI body holds the source body's words in
the same order (that is what `verify` proves), so an element's first word, counted in the TEI
body, is the same word of the source body, and the source knows its line.

Thresholds are in `Limits`, each with the reason for its value; `docs/encoding.md` lists the
rules (`lint-*`) with what to look at when one fires.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from .diagnostics import Diagnostic
from .rules import Doc, copies_total
from .verify import source_lines_at, tei_word_index

TEI_NS = "http://www.tei-c.org/ns/1.0"
_WORD = re.compile(r"\w+")
#: Where a label may start: a paragraph's or a sentence's first letter.
_STARTS = re.compile(r"(?:^|(?<=[.!?]\s))(?=[^\W\d_])")
#: A label: up to four words, then a colon and white space ("Liu: …", "PM Chou: …",
#: "P. VALCHANOV: …", "Foreign guests: …"); its first letter must be a capital.
_LABEL = re.compile(r"(?P<label>[^\W\d_][\w.'’()\-]*(?:\s[\w.'’()\-]+){0,3}):\s")
#: Lists whose items are running text (not a preamble, a form or a distribution list).
_TEXT_LISTS = ("numbered", "bulleted")


def _q(name: str) -> str:
    return f"{{{TEI_NS}}}{name}"


_P, _ITEM, _SP, _DIV, _NOTE, _FLOATING, _PERSON = map(
    _q, ("p", "item", "sp", "div", "note", "floatingText", "person"))
_BODY = f"{_q('text')}/{_q('body')}"
_XNS = {"t": TEI_NS}
_LONG_PARAGRAPHS = etree.XPath(".//t:p[string-length(.) >= $chars]", namespaces=_XNS)
_DISTRIBUTIONS = etree.XPath(".//t:div[@type='distribution']", namespaces=_XNS)
_DISTRIBUTION_SUSPECTS = etree.XPath(
    ".//t:sp | .//*[self::t:p or self::t:item][string-length(normalize-space(.))"
    " - string-length(translate(normalize-space(.), ' ', '')) >= $gaps]", namespaces=_XNS)
_OWN_TEXT = etree.XPath("descendant::text()[not(ancestor::t:note[@place='foot'])]",
                       namespaces=_XNS)
_COPIES = etree.XPath(".//t:measure[@type='copies']", namespaces=_XNS)
_STRING = etree.XPath("string(.)")
_LENGTH = etree.XPath("string-length(normalize-space(.))", namespaces=_XNS)
_COLON_PARAGRAPHS = etree.XPath(".//t:p[contains(., ': ')] | .//t:item[contains(., ': ')]",
                                namespaces=_XNS)


@dataclass(frozen=True)
class Limits:
    """The lint's thresholds."""

    #: An entry of a distribution list names a recipient: an office or a person with a
    #: title, in title case ("Deputy Chairman of the Council of Ministers Comrade Molotov").
    #: Ten words or more of which at least half start in lower case is running prose.
    prose_words: int = 10
    prose_lowercase: float = 0.5
    #: An embedded letter is part of a document; holding more than half of the body's text
    #: (counted in characters: the same share as in words, and cheaper), it probably starts
    #: at a line that only looks like a salutation.
    floating_share: float = 0.5
    #: Label-shaped paragraphs in a document without turns: three or more, under at least
    #: two different labels, is an exchange between speakers or a form that was not read
    #: (one label repeated, "Note: …", is ordinary prose).
    label_lines: int = 3
    label_kinds: int = 2
    #: ... counting only labels that come back (a speaker speaks again) or hold a short
    #: value (a form field: "To: Warsaw"); a label met once before a longer text is a
    #: report's run-in heading ("Economic situation: …").
    field_words: int = 8
    #: A source with blank lines between paragraphs gives one paragraph per block; a
    #: paragraph of 300 words or more holding nearly all (75%) of the body's text (in
    #: characters) usually had none (text pulled from a PDF), and its turns and sections
    #: were not seen.
    long_paragraph_words: int = 300
    long_paragraph_share: float = 0.75


@dataclass(frozen=True)
class Suspect:
    """One sign of a misread, at the element (and the character in its text) where it starts."""

    element: etree._Element
    rule: str
    message: str
    offset: int = 0  # characters of the element's text before the suspicious part


def _text(el: etree._Element) -> str:
    """An element's text without its footnotes (they are not where the element stands)."""
    return "".join(_OWN_TEXT(el))


def _inside(el: etree._Element, *tests: Callable[[etree._Element], bool]) -> bool:
    return any(test(a) for a in el.iterancestors() for test in tests)


def _is_note(el: etree._Element) -> bool:
    return el.tag == _NOTE


def _is_end_matter(el: etree._Element) -> bool:
    return el.tag == _DIV and el.get("type") in ("distribution", "endorsements")


# --- rules --------------------------------------------------------------------------------
def _prose(el: etree._Element, limits: Limits) -> bool:
    """Running prose: long enough, and half its words or more in lower case."""
    words = _text(el).split()
    letters = [w for w in words if w[:1].isalpha()]
    lower = sum(w[:1].islower() for w in letters)
    return len(words) >= limits.prose_words and lower >= limits.prose_lowercase * len(letters)


def distribution_prose(body: etree._Element, limits: Limits) -> Iterator[Suspect]:
    """Running prose or turns inside a distribution list: the list went on past its end."""
    for div in _DISTRIBUTIONS(body):
        # XPath keeps the entries with enough spaces to be prose (footnotes and all); the
        # many short ones of a real list never reach Python.
        candidates = _DISTRIBUTION_SUSPECTS(div, gaps=limits.prose_words - 1)
        turns = [el for el in candidates if el.tag == _SP]
        prose = [el for el in candidates if el.tag != _SP and not _inside(el, _is_note)
                 and _prose(el, limits)]
        if not turns and not prose:
            continue
        first = next(el for el in candidates if el in turns or el in prose)  # document order
        found = " and ".join(part for part in (
            f"{len(prose)} paragraph(s) or item(s) of running prose" if prose else "",
            f"{len(turns)} turn(s)" if turns else "") if part)
        yield Suspect(first, "lint-distribution-prose",
                      f"the distribution list holds {found}: it probably ran on past its "
                      "own line and swallowed the text after it")


def floating_body(body: etree._Element, limits: Limits) -> Iterator[Suspect]:
    """An embedded letter (floatingText) holding most of the body."""
    floating = list(body.iter(_FLOATING))
    if not floating:
        return
    total = _LENGTH(body)  # characters: the share is the same as in words, and cheaper
    for ft in floating:
        share = _LENGTH(ft) / total if total else 0
        if share > limits.floating_share:
            yield Suspect(ft, "lint-floating-body",
                          f"an embedded letter (floatingText) holds {share:.0%} of the body's "
                          "text: the line that opened it may not be a salutation or a "
                          "letterhead")


def no_participants(root: etree._Element, body: etree._Element) -> Iterator[Suspect]:
    """A conversation (minutes, or turns) whose particDesc lists nobody."""
    if next(root.iter(_PERSON), None) is not None:
        return
    main = body.find(_DIV)
    turns = sum(1 for _ in body.iter(_SP))
    if main is None or (main.get("type") != "minutes" and not turns):
        return
    what = f"{turns} turn(s)" if turns else 'a conversation (div type="minutes")'
    yield Suspect(main, "lint-no-participants",
                  f"{what} but no participant in particDesc: the preamble or the participant "
                  "lines were not read as such")


@dataclass(frozen=True)
class _Label:
    """A label-shaped start of a paragraph or sentence."""

    p: etree._Element
    offset: int  # in the paragraph's normalised text
    label: str
    value_words: int  # words after it, up to the next label or the paragraph's end


def _labels(p: etree._Element) -> list[_Label]:
    """The labels starting a paragraph's sentences (an initial's full stop does not start
    another: "J. BRODSKÝ:" is one label)."""
    text = " ".join(_text(p).split())
    found: list[tuple[int, int, str]] = []  # (start, end, label)
    for start in _STARTS.finditer(text):
        m = _LABEL.match(text, start.start())
        if m and m["label"][0].isupper() and (not found or start.start() >= found[-1][1]):
            found.append((m.start(), m.end(), m["label"]))
    ends = [start for start, _, _ in found[1:]] + [len(text)] if found else []
    return [_Label(p, start, label, len(text[end:stop].split()))
            for (start, end, label), stop in zip(found, ends, strict=True)]


def label_lines(body: etree._Element, limits: Limits) -> Iterator[Suspect]:
    """Several "Label: …" paragraphs or sentences in a document without turns."""
    if next(body.iter(_SP), None) is not None:
        return
    found: list[_Label] = []
    for p in _COLON_PARAGRAPHS(body):  # only these can hold a label
        # Preamble and form items are labels already read; the end matter has its own.
        if _inside(p, _is_note, _is_end_matter) or p.find(_P) is not None or (
                p.tag == _ITEM and p.getparent().get("type") not in _TEXT_LISTS):
            continue
        found += _labels(p)
    uses = Counter(f.label.casefold() for f in found)
    # A speaker speaks again; a form field holds a short value. A label met once before a
    # long text is a run-in heading of a report ("Economic situation: …"), not a misread.
    found = [f for f in found if uses[f.label.casefold()] > 1
             or f.value_words <= limits.field_words]
    kinds: dict[str, str] = {}  # each label once (case ignored), as first written
    for f in found:
        kinds.setdefault(f.label.casefold(), f.label)
    if len(found) >= limits.label_lines and len(kinds) >= limits.label_kinds:
        shown = ", ".join(f"'{k}:'" for k in list(kinds.values())[:5]) + (
            ", …" if len(kinds) > 5 else "")
        yield Suspect(found[0].p, "lint-label-lines",
                      f"{len(found)} label-shaped lines ({shown}) in a document without turns: "
                      "speaker labels or form fields that were not read as such",
                      found[0].offset)


def single_paragraph(body: etree._Element, limits: Limits) -> Iterator[Suspect]:
    """A long body nearly all in one paragraph."""
    # A word is at least one letter and a space: shorter paragraphs cannot reach the limit,
    # and XPath finds the longer ones without Python touching every paragraph.
    long = [p for p in _LONG_PARAGRAPHS(body, chars=2 * limits.long_paragraph_words)
            if not _inside(p, _is_note)]
    if not long:
        return
    longest = max(long, key=_LENGTH)
    words = len(_STRING(longest).split())  # footnotes and all: a size, cheaply
    if words < limits.long_paragraph_words:
        return
    share = _LENGTH(longest) / _LENGTH(body)  # characters: as good as words, and cheaper
    if share >= limits.long_paragraph_share:
        yield Suspect(longest, "lint-single-paragraph",
                      f"one paragraph of {words} words holds {share:.0%} of the body's text: "
                      "the source probably has no blank lines between its paragraphs (text "
                      "flattened from a PDF), so turns and sections inside it were not seen")


def stated_totals(body: etree._Element) -> Iterator[Suspect]:
    """A stated total of copies that differs from the listed copies: the content rule
    `copies-total`, whose warning `convert` gives too (a differing total is the source's own
    discrepancy, or a count the reader did not see)."""
    for div in _DISTRIBUTIONS(body):
        if _COPIES(div):  # no stated total, nothing to compare
            for f in copies_total(Doc(div)):
                if f.severity == "warning":  # the errors are the validator's to report
                    yield Suspect(f.element, f.rule, f.message)


def lint(root: etree._Element, limits: Limits | None = None, *,
         totals: bool = True) -> list[Suspect]:
    """Every sign of a misread in a TEI document, in rule order; `totals`: with the
    content rule's warning on stated totals (`check` has it from the validator)."""
    limits = limits or Limits()
    body = root.find(_BODY)  # TEI/text/body: a path, not a search of the whole tree
    if body is None:
        return []
    return [*distribution_prose(body, limits), *floating_body(body, limits),
            *no_participants(root, body), *label_lines(body, limits),
            *single_paragraph(body, limits), *(stated_totals(body) if totals else ())]


# --- locating -----------------------------------------------------------------------------
def _word_index(s: Suspect) -> int:
    """The index of a suspect's first word among the words of the TEI body."""
    before = " ".join(_text(s.element).split())[:s.offset] if s.offset else ""
    return tei_word_index(s.element) + len(_WORD.findall(before))


def lint_diagnostics(root: etree._Element, source_text: str | None, source_name: str,
                     tei_name: str | None = None, limits: Limits | None = None, *,
                     totals: bool = True) -> list[Diagnostic]:
    """The lint's warnings, each at the line of the source where the suspicious part starts
    (with `tei_name`, also naming the TEI file's line). Without the source text they stand
    at the TEI line, in `tei_name` (or `source_name`). `totals`: as for `lint`."""
    suspects = lint(root, limits, totals=totals)
    if not suspects:  # the common case costs no counting at all
        return []
    if source_text is None:
        return [Diagnostic(tei_name or source_name, s.element.sourceline or 0, 1, "warning",
                           s.rule, s.message) for s in suspects]
    lines = source_lines_at(source_text, [_word_index(s) for s in suspects])
    out = []
    for s, line in zip(suspects, lines, strict=True):
        where = f" (TEI {tei_name}:{s.element.sourceline})" if (
            tei_name and s.element.sourceline) else ""
        out.append(Diagnostic(source_name, line, 1, "warning", s.rule, s.message + where))
    return out

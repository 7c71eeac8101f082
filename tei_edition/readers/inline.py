"""Inline rules: brackets, parentheses, boxes, footnote anchors and dates inside a text unit.

Like markdown-it's inline chain, each convention is one small rule. Bracketed and
parenthesised spans are found balanced (they nest and may span lines); each span is offered
to the span rules in order and the first that returns nodes wins. Plain text between spans
goes through the text rules (□ boxes, line breaks, dates).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import (
    AliasRef,
    DateRef,
    Decision,
    Foreign,
    Gap,
    Inline,
    LineBreak,
    Note,
    PageBreak,
    Sic,
    Stage,
    Supplied,
    Text,
    Unclear,
    Variant,
)
from .dates import find_dates
from .report import Reporter
from .vocab import Vocabulary

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "several": None, "some": None,
}
_UNITS = {"line": "line", "lines": "line", "section": "section", "sections": "section",
          "paragraph": "paragraph", "paragraphs": "paragraph", "page": "page", "pages": "page",
          "word": "word", "words": "word", "character": "char", "characters": "char"}
_OMISSION = re.compile(r"[\s.…]*[.…][\s.…]*")
_BOXES = re.compile(r"□+")
_OPENERS = re.compile(r"[\[(]")
_SQUARE = re.compile(r"[\[\]]")
_ROUND = re.compile(r"[()]")
_NL = re.compile(r"\n")
_SPECIAL = re.compile(r"[\[(□\n]")  # text without these has no inline markup
_NEWLINE = re.compile(r"[ \t]*\n[ \t]*")
_WORDS = re.compile(r"[\w-]+")
_NOTE_HEAD = re.compile(r"[^:—–-]{1,20}[:—–-]")
_GLOSS = re.compile(r"\s*([^\W\d][\w'-]*(?: [^\W\d][\w'-]*){0,2})\s*([—–=])\s*([\w' -]+?)\s*")
_NOT_LETTER = re.compile(r"[^a-z]")
_WORD_THEN_SPACE = re.compile(r"\w\s+$")
_CAPS_THEN_SPACE = re.compile(r"[A-Z]{2,}\s+$")
# "(hereafter Gao)", "(hereafter abbreviated Zhou)", "(hereafter: Tuyen)", "[henceforth
# referred to as Kim]": the alias is the last word(s), after the phrasing.
_ALIAS = re.compile(
    r"\s*((?:here(?:in)?after|henceforth)[,:]?\s+(?:(?:referred\s+to|abbreviated|called|named|cited"
    r"|designated|mentioned)\s+)?(?:as\s+)?[\"“']?)(\S.*?)[\"”']?\s*$", re.I | re.S)
_DIGITS = re.compile(r"\d+")
_INITIALS_NAME = re.compile(r"(?:[A-Z]\.\s?)+[A-Z][A-Z'’-]+")
_ALNUM = re.compile(r"[^\W_]")
# The last word of a text (apostrophes and hyphens inside it), the punctuation after it and
# the spaces before a mark that comments on it ("peoples's [sic]", "grow [?].").
_LAST_WORD = re.compile(r"([\w'’-]*\w)([^\w\s]*)(\s*)$")
_SIC = re.compile(r"\s*sic\s*!*\s*(?:[;:,.—–-]\s*(\S.*?)?)?\s*", re.I | re.S)
# A page marker: "Page 178", "p. 2", "pg. 3", "p. iv" (a number or a lower-case roman
# numeral: "[P. Li]" is a person).
_PAGE = re.compile(r"\s*(?i:page\s*|pg\.?\s*|p\.\s*|p\s+)(\d{1,4}[a-z]?|[ivxlcdm]{1,6})\s*")
_SQUARE_SPAN = re.compile(r"\[([^\[\]]*)\]")
_PAGE_SPAN = re.compile(r"[\[(]([^\[\]()]{1,20})[\])]")
# What may stand before a page marker in parentheses: nothing, or the end of a sentence or
# of another mark. "(p. 1)" after a word is a reference to a page ("see the report (p. 1)").
_BREAK_BEFORE = frozenset('.!?:;"”’)]([')
# A footnote number glued to the word it annotates: "KRAJEWSKI1", "CHOE MYONG-SU1", "Jelen2".
_GLUED = re.compile(r"(?<![\w'’-])((?:[^\W\d_]+['’-])*[^\W\d_]{2,})(\d{1,3})(?!\w)")
_WORD_PARTS = re.compile(r"['’-]")


@dataclass
class InlineContext:
    """What the inline rules need to know beyond the text itself."""

    vocab: Vocabulary
    report: Reporter
    footnotes: dict[str, list[Inline]] = field(default_factory=dict)
    used_footnotes: set[str] = field(default_factory=set)
    dates: bool = False  # tag dates (fields, datelines, endorsements)
    depth: int = 0  # nesting of parse_inline calls
    century: int | None = None
    translator_id: str | None = None
    brackets: dict[str, str] = field(default_factory=dict)  # hints: written bracket -> meaning
    decisions: list[Decision] | None = None  # where `explain` collects bracket decisions


@dataclass
class Span:
    """A bracketed or parenthesised span offered to the span rules."""

    content: str  # without the delimiters
    opener: str  # "[", "[[" or "("
    line: int
    col: int
    glued_before: bool  # a letter stands right before the opening bracket
    alone: bool = False  # nothing but spaces (and a full stop) around it in its text
    before: str = ""  # the last non-space character before it ("" at the start)


SpanRule = Callable[[Span, list[Inline], InlineContext], list[Inline] | None]

# ------------------------------------------------------------------ helpers


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case- and accent-insensitive comparison key (memoised: rules ask about the same
    words many times)."""
    if text.isascii():
        return text.lower()
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1 << 10)
def whole_word(word: str) -> re.Pattern[str]:
    """A pattern finding `word` as a whole word (compiled once per word)."""
    return re.compile(rf"\b{re.escape(word)}\b")


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower())


def gap_extent(text: str) -> tuple[str | None, int | None]:
    """Unit and quantity stated in a redaction/omission phrase ("two lines blacked out")."""
    words = _WORDS.findall(text.lower())
    for i, w in enumerate(words):
        if w in _UNITS:
            qty = _number(words[i - 1]) if i else None
            return _UNITS[w], qty
    return None, None


@lru_cache(maxsize=64)
def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of phrases: a single scan instead of one per phrase."""
    return re.compile("|".join(map(re.escape, phrases)) if phrases else "(?!)")


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    """Does the text contain one of the (folded) phrases?"""
    return _any_of(phrases).search(fold(text)) is not None


@lru_cache(maxsize=64)
def _any_at_start(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """The phrases, tried in order, each as a whole word (not followed by a letter or
    digit) at the start of a text."""
    return re.compile("(?:" + "|".join(map(re.escape, phrases)) + ")(?![^\\W_])" if phrases
                      else "(?!)")


def _starts(text: str, phrases: tuple[str, ...]) -> str | None:
    """The (folded) phrase the text starts with, as a whole word."""
    mt = _any_at_start(phrases).match(fold(text).lstrip())
    return mt.group() if mt else None


def page_number(content: str, opener: str, before: str) -> str | None:
    """The page number of a page marker "[Page 178]", "[p. 2]", "(p. 1)", or None.

    A parenthesis is a page marker only where a page can end: at the start of a text or
    after the end of a sentence or another mark; "see the report (p. 1)" cites a page."""
    mt = _PAGE.fullmatch(content)
    if mt is None or (opener == "(" and before and before not in _BREAK_BEFORE):
        return None
    return mt.group(1)


def page_markers(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, number) of each page marker in a source text, as `rule_page` finds
    them (for `verify`, which compares the marker with the page break's @n)."""
    for mt in _PAGE_SPAN.finditer(text):
        if (mt.group()[0] == "[" and mt.group()[-1] != "]") or (mt.group()[0] == "(" \
                and mt.group()[-1] != ")"):
            continue
        # the last character before the marker that is not white space, found without
        # copying the text before it (a copy per marker is quadratic on a long line)
        i = mt.start()
        while i and text[i - 1].isspace():
            i -= 1
        n = page_number(mt.group(1), mt.group()[0], text[i - 1:i])
        if n is not None:
            yield mt.start(), mt.end(), n


def sic_words(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of the word "sic" in each bracket `rule_sic` reads as a sic mark, for
    `verify`, which compares it with the "sic" regenerated after the element."""
    for mt in _SQUARE_SPAN.finditer(text):
        if _SIC.fullmatch(mt.group(1)):
            start = mt.start(1) + mt.group(1).lower().index("sic")
            yield start, start + 3


def is_anchor_word(word: str) -> bool:
    """A word a footnote number may be glued to: in capitals ("KRAJEWSKI", "MYONG-SU") or a
    capitalised name ("Jelen"); not a mixed form such as a model name ("MiG15")."""
    return word.isupper() or all(part[:1].isupper() and (part[1:].islower() or not part[1:])
                                 for part in _WORD_PARTS.split(word) if part)


def glued_anchors(text: str, numbers: Iterable[str]) -> Iterable[tuple[int, int, str]]:
    """(start, end, number) of the footnote numbers glued to a word in `text`, for the
    numbers that have a footnote text."""
    wanted = set(numbers)
    for mt in _GLUED.finditer(text):
        n = mt.group(2).lstrip("0") or "0"
        if n in wanted and is_anchor_word(mt.group(1)):
            yield mt.start(2), mt.end(2), n


def _take_last_word(prev: list[Inline]) -> list[Inline]:
    """Remove the word a mark comments on ("1987 [sic]", "press [?]") from the nodes before
    the mark and return it; the spaces between word and mark belong to the mark, which the
    stylesheet regenerates. A node that is not plain text (a supplied or uncertain word) is
    taken whole. With no word to take, nothing changes and [] is returned."""
    k = len(prev)
    while k and isinstance(prev[k - 1], Text) and not prev[k - 1].text.strip():
        k -= 1
    last = prev[k - 1] if k else None
    if last is None or isinstance(last, LineBreak | PageBreak | Note):
        return []
    if not isinstance(last, Text):
        del prev[k - 1:]
        return [last]
    mt = _LAST_WORD.search(last.text)
    if mt is None:
        return []
    del prev[k - 1:]
    if mt.start():
        prev.append(Text(last.text[:mt.start()]))
    if mt.group(2):
        prev.append(Text(mt.group(2)))  # the punctuation after the word stays outside
    return [Text(mt.group(1))]


# ------------------------------------------------------------------ span rules


def rule_omission(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[...] […] [ …] [….]: a bracket holding only dots marks an omission."""
    if span.opener.startswith("[") and _OMISSION.fullmatch(span.content):
        return [Gap("omitted")]
    return None


def rule_footnote_anchor(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[1] where a footnote text [1] exists: the note goes here."""
    n = span.content
    if span.opener == "[" and n.isdigit() and n in ctx.footnotes and n not in ctx.used_footnotes:
        ctx.used_footnotes.add(n)
        return [Note(None, ctx.footnotes[n], place="foot", n=n)]
    return None


def rule_translator_note(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[trans. note—…], [Translator's note: …]."""
    if span.opener == "[" and _starts(span.content, ctx.vocab.translator_notes):
        return [Note("translator", parse_inline(span.content, ctx, span.line), resp=ctx.translator_id)]
    return None


def rule_editor_note(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[Editor's note: …], [Note: …]: a remark of the editor, not the translator."""
    if span.opener == "[" and _starts(span.content, ctx.vocab.editor_notes) \
            and _NOTE_HEAD.match(span.content):
        return [Note("editorial", parse_inline(span.content, ctx, span.line))]
    return None


def rule_untranslated(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[Section on … not translated.]: the translator's summary of left-out text."""
    if span.opener.startswith("[") and _has(span.content, ctx.vocab.untranslated_words):
        unit, qty = gap_extent(span.content)
        return [Gap("untranslated", unit, qty, span.content.strip())]
    return None


def rule_illegible(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[illegible], [[illegible signature]], [[too faded to read]]."""
    text = span.content.strip()
    if (span.opener.startswith("[") and not text.endswith("?")
            and _has(text, ctx.vocab.illegible_words)
            and (span.opener == "[[" or len(text.split()) <= 6)):
        unit, qty = gap_extent(text)
        return [Gap("illegible", unit if unit != "char" else None, qty if unit else None, text)]
    return None


def rule_unclear(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[[N. P. Vasin?]]: double brackets hold an uncertain reading."""
    text = span.content.strip().removesuffix("?").rstrip()
    if text and (span.opener == "[[" or (span.opener == "[" and span.content.strip().endswith("?")
                                         and len(span.content.split()) <= 4)):
        return [Unclear(parse_inline(text, ctx, span.line))]
    return None


def rule_redaction(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """(two lines blacked out), (section redacted from document), [1 line not declassified]."""
    if _has(span.content, ctx.vocab.redaction_words) and len(span.content.split()) <= 12:
        unit, qty = gap_extent(span.content)
        return [Gap("redacted", unit, qty, span.content.strip())]
    return None


def rule_physical(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[handwritten: …], [stamp], [signature], [letterhead …]: the document as an object."""
    if span.opener == "[" and _starts(span.content, ctx.vocab.physical_words):
        return [Note("physical", parse_inline(span.content, ctx, span.line))]
    return None


def rule_sic(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[sic], [sic!], [sic; should read 1977]: the word before stands so in the original;
    the comment after "sic" is the editor's note."""
    mt = _SIC.fullmatch(span.content) if span.opener == "[" else None
    if mt is None:
        return None
    out: list[Inline] = [Sic(_take_last_word(prev))]
    if mt.group(1):
        out.append(Note("editorial", parse_inline(mt.group(1), ctx, span.line)))
    return out


def rule_query(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[?], (?): the reading of the word before is uncertain."""
    if span.content.strip() != "?" or span.opener == "[[":
        return None
    word = _take_last_word(prev)
    return [Unclear(word)] if word else None


def rule_page(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[Page 178], [p. 2], (p. 1): where a page of the original begins."""
    if span.opener == "[[":
        return None
    n = page_number(span.content, span.opener, span.before)
    return [PageBreak(n)] if n is not None else None


def rule_editorial(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[emphasis in the original], [See the U.S. draft at Tab A.]: the editor's remark on the
    text or a reference to another document, not words of the text."""
    if span.opener != "[":
        return None
    opening = _starts(span.content, ctx.vocab.editorial_openings)
    # "see" and "cf." refer to something: a bare "[see]" is a supplied word.
    if opening is None or (opening in ctx.vocab.reference_openings
                           and len(span.content.split()) < 2):
        return None
    return [Note("editorial", parse_inline(span.content.strip(), ctx, span.line))]


def rule_bracket_stage(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[Laughter], [Applause], [Points to the map]: a stage direction in square brackets.
    Capitalised and standing apart from the words, unlike a supplied verb ("it [shows]")."""
    content = span.content.strip()
    if span.opener != "[" or span.glued_before or not content[:1].isupper():
        return None
    return _stage(span, ctx)


def rule_status_line(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[Not Reviewed by Premier Zhou], [Uncorrected record – not for circulation]: a
    bracketed line on the record's review status, standing alone."""
    if span.opener == "[" and span.alone and _has(span.content, ctx.vocab.status_words) \
            and len(span.content.split()) <= 12:
        return [Note("status", parse_inline(span.content.strip(), ctx, span.line))]
    return None


def rule_gloss(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[tajne—secret]: an original word and its translation."""
    mt = _GLOSS.fullmatch(span.content)
    if span.opener == "[" and mt and mt.group(1)[0].islower():
        return [Note("translator", [Foreign([Text(mt.group(1))]), Text(mt.group(2) + mt.group(3))],
                     resp=ctx.translator_id)]
    return None


def _name_tokens(text: str) -> list[str]:
    return text.split()


@lru_cache(maxsize=1 << 12)
def _letters(text: str) -> str:
    return _NOT_LETTER.sub("", fold(text))


def _similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """difflib's ratio of the names' letters; 0 when it cannot exceed `at_least` (the
    cheap upper bounds rule most candidates out before the full comparison)."""
    import difflib  # a few documents compare names: not at start-up

    ka, kb = _letters(a), _letters(b)
    if not ka or not kb:
        return 0.0
    matcher = difflib.SequenceMatcher(None, ka, kb)
    if matcher.real_quick_ratio() <= at_least or matcher.quick_ratio() <= at_least:
        return 0.0
    return matcher.ratio()


def rule_variant(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """Kim Il Sung [Kim Il-song]: another romanisation of the name just written."""
    content = span.content.strip()
    if span.opener != "[" or span.glued_before or not content[:1].isupper():
        return None
    if not prev or not isinstance(prev[-1], Text) or not _WORD_THEN_SPACE.search(prev[-1].text):
        return None
    before = prev[-1].text.rstrip()
    tokens = _name_tokens(before)
    best: tuple[float, int] = (0.0, 0)
    for k in range(1, min(5, len(tokens)) + 1):
        cand = tokens[-k:]
        if not all(t[:1].isupper() for t in cand):
            break
        score = _similarity(" ".join(cand), content, max(best[0], 0.6 - 1e-9))
        if score > best[0]:
            best = (score, k)
    if best[0] < 0.6:
        return None
    orig = " ".join(tokens[-best[1]:])
    # The space between a name and its bracketed variant belongs to the "orig [reg]"
    # convention, which the stylesheet regenerates.
    head = before[:before.rfind(orig)]
    prev.pop()
    if head:
        prev.append(Text(head))
    return [Variant([Text(orig)], parse_inline(content, ctx, span.line))]


def rule_identification(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """FENG XI [STALIN]: a code name identified."""
    content = span.content.strip()
    if span.opener != "[" or not content.isupper() or len(content) < 3:
        return None
    if prev and isinstance(prev[-1], Text) and _CAPS_THEN_SPACE.search(prev[-1].text):
        return [Supplied([Text(content)], reason="identification")]
    return None


def rule_supplied(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """[North] Korea, F[oreign] M[inistry], [I am]: words the translator supplied (a bracket
    without a letter or digit, "[?]" with no word before it, supplies nothing)."""
    if span.opener == "[" and _ALNUM.search(span.content):
        return [Supplied(parse_inline(span.content, ctx, span.line))]
    return None


def rule_alias(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """(hereafter Gao), [henceforth Kim]: the alias becomes a label of the person just named."""
    mt = _ALIAS.match(span.content)
    if mt:
        return [AliasRef([Text(mt.group(2))], mt.group(1))]
    return None


def rule_status(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """(President Liu has yet to review and approve), (Not yet proofread)."""
    if span.opener == "(" and _has(span.content, ctx.vocab.status_words) \
            and len(span.content.split()) <= 12:
        return [Note("status", [Text(span.content.strip())])]
    return None


def rule_translator_paren(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """(not checked yet against original Chinese translation)."""
    if span.opener == "(" and _has(span.content, ctx.vocab.translator_words) \
            and len(span.content.split()) >= 3:
        return [Note("translator", [Text(span.content.strip())], resp=ctx.translator_id)]
    return None


def rule_stage(span: Span, prev: list[Inline], ctx: InlineContext) -> list[Inline] | None:
    """(Laughter), (pointing to the map), (The Vice Premier laughs.)."""
    return _stage(span, ctx) if span.opener == "(" else None


def _stage(span: Span, ctx: InlineContext) -> list[Inline] | None:
    """A stage direction: opening with a stage word, or a subject and then one."""
    words = [w.strip(".,;!?").lower() for w in span.content.split()]
    if not words or len(words) > 16:
        return None
    stage = ctx.vocab.stage_words
    subject = words[0] in {"the", "he", "she", "they", "both", "all", "everyone", "comrade"}
    if words[0] in stage or (subject and any(w in stage for w in words[1:5])):
        return [Stage(parse_inline(span.content.strip(), ctx, span.line))]
    return None


SPAN_RULES: tuple[SpanRule, ...] = (
    rule_omission, rule_footnote_anchor, rule_alias, rule_page, rule_sic, rule_query,
    rule_translator_note, rule_editor_note, rule_editorial, rule_untranslated, rule_illegible,
    rule_unclear, rule_physical, rule_redaction, rule_gloss, rule_status_line, rule_bracket_stage,
    rule_variant, rule_identification, rule_supplied,
    rule_status, rule_translator_paren, rule_stage,
)

# ------------------------------------------------------------------ text rules


Found = Iterable[tuple[int, int, Inline]]


def split_text(nodes: list[Inline], find: Callable[[str], Found]) -> list[Inline]:
    """Replace the spans that `find` reports in each Text node by the nodes it gives."""
    out: list[Inline] = []
    for node in nodes:
        if not isinstance(node, Text):
            out.append(node)
            continue
        pos = 0
        for start, end, made in find(node.text):
            if start > pos:
                out.append(Text(node.text[pos:start]))
            out.append(made)
            pos = end
        if pos < len(node.text):
            out.append(Text(node.text[pos:]))
    return out


def text_boxes(nodes: list[Inline], ctx: InlineContext) -> list[Inline]:
    """□□: one illegible character per box."""
    if not any(isinstance(n, Text) and "□" in n.text for n in nodes):
        return nodes
    return split_text(nodes, lambda t: ((m.start(), m.end(), Gap("illegible", "char", m.end() - m.start()))
                                        for m in _BOXES.finditer(t)))


def text_linebreaks(nodes: list[Inline], ctx: InlineContext) -> list[Inline]:
    """A hard line break inside a unit."""
    if not any(isinstance(n, Text) and "\n" in n.text for n in nodes):
        return nodes
    return split_text(nodes, lambda t: ((m.start(), m.end(), LineBreak())
                                        for m in _NEWLINE.finditer(t)))


def text_dates(nodes: list[Inline], ctx: InlineContext) -> list[Inline]:
    """Dates in fields, datelines and endorsements get their ISO value."""
    if not ctx.dates:
        return nodes
    return split_text(nodes, lambda t: (
        (d.start, d.end, DateRef([Text(t[d.start:d.end])], d.when, d.from_, d.to))
        for d in find_dates(t, ctx.century)))


def text_anchors(nodes: list[Inline], ctx: InlineContext) -> list[Inline]:
    """KRAJEWSKI1, CHOE MYONG-SU1: a footnote number glued to a word, when a footnote text
    with that number exists and has no anchor yet."""
    if not ctx.footnotes or not _anchors_open(ctx):  # most documents have no footnotes
        return nodes

    def find(text: str) -> Found:
        for start, end, n in glued_anchors(text, ctx.footnotes):
            if n not in ctx.used_footnotes:
                ctx.used_footnotes.add(n)
                yield start, end, Note(None, ctx.footnotes[n], place="foot", n=n)

    return split_text(nodes, find)


def _anchors_open(ctx: InlineContext) -> bool:
    """Are there footnote texts still waiting for their anchor?"""
    return len(ctx.used_footnotes) < len(ctx.footnotes)


TEXT_RULES = (text_boxes, text_anchors, text_linebreaks, text_dates)

# ------------------------------------------------------------------ the scanner


def _flush(text: str, ctx: InlineContext) -> list[Inline]:
    nodes: list[Inline] = [Text(text)] if text else []
    for rule in TEXT_RULES:
        nodes = rule(nodes, ctx)
    return nodes


def _classify(span: Span, nodes: list[Inline], ctx: InlineContext) -> list[Inline]:
    written = span.opener + span.content + _closing(span.opener)
    meaning = ctx.brackets.get(written)
    if meaning:  # an editor's hint wins over the rules
        result = hinted_span(span, meaning, nodes, ctx)
        _decided(ctx, span, written, "hint", result)
        return result
    for rule in SPAN_RULES:
        result = rule(span, nodes, ctx)
        if result is not None:
            _decided(ctx, span, written, rule.__name__, result)
            return result
    _decided(ctx, span, written, "none", [])
    # A span no rule recognised: kept as written. A bracket (only an empty one comes here)
    # is reported; a parenthesis only where it may be an editorial mark that no rule knows:
    # standing alone, or holding no words. Parentheses inside a sentence are prose.
    if span.opener != "(" or _questionable_paren(span, ctx):
        words = span.content.split()
        shown = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        kind = "parenthesis" if span.opener == "(" else "bracket"
        closing = ")" if span.opener == "(" else "]" * len(span.opener)
        ctx.report.warn(span.line, span.col, "kept-as-text",
                        f"{kind} kept as plain text: {span.opener}{shown}{closing}")
    delim = (span.opener, "]" * len(span.opener) if span.opener.startswith("[") else ")")
    return [Text(delim[0]), *parse_inline(span.content, ctx, span.line), Text(delim[1])]


def _closing(opener: str) -> str:
    return "]" * len(opener) if opener.startswith("[") else ")"


def meaning_of(nodes: list[Inline]) -> str:
    """What a bracket became, in the words of the hints file ("note-status", "gap-omitted")."""
    if not nodes:
        return "text"
    n = nodes[0]
    if isinstance(n, Note):
        return f"note-{n.kind or 'foot'}"
    if isinstance(n, Gap):
        return f"gap-{n.reason}"
    if isinstance(n, Text):
        return "text"
    if isinstance(n, PageBreak):
        return "pb"
    return type(n).__name__.lower()


def _decided(ctx: InlineContext, span: Span, written: str, rule: str, nodes: list[Inline]) -> None:
    if ctx.decisions is not None:
        ctx.decisions.append(Decision("bracket", span.line, span.line, meaning_of(nodes), rule,
                                      written, col=span.col))


def hinted_span(span: Span, meaning: str, prev: list[Inline], ctx: InlineContext) -> list[Inline]:
    """The nodes a bracket becomes by an editor's hint (hints.BRACKET_MEANINGS); `sic` and
    `unclear` take the word before the bracket, as the rules do for "[sic]" and "[?]"."""
    content = span.content.strip()
    if meaning == "text":
        return [Text(span.opener), *parse_inline(span.content, ctx, span.line),
                Text(_closing(span.opener))]
    if meaning == "sic":
        # The word "sic" is regenerated after the element (stylesheet and verify): only a
        # comment after it, or another wording, is the editor's note.
        mt = _SIC.fullmatch(span.content)
        comment = mt.group(1) if mt else content
        return [Sic(_take_last_word(prev))] + (
            [Note("editorial", [Text(comment)])] if comment else [])
    if meaning == "pb":
        return [PageBreak(_DIGITS.search(content).group() if _DIGITS.search(content) else None)]
    inner = parse_inline(content, ctx, span.line)
    kind, _, sub = meaning.partition("-")
    if kind == "note":
        return [Note(sub, inner)]
    if kind == "gap":
        return [Gap(sub, None, None, content)]
    made = {"supplied": Supplied, "stage": Stage, "unclear": Unclear}
    return [made[meaning](inner)]


def _questionable_paren(span: Span, ctx: InlineContext) -> bool:
    """A parenthesis no rule recognised that a person should look at."""
    if _conventional_paren(span.content, ctx):
        return False
    return span.alone or _ALNUM.search(span.content) is None


def _conventional_paren(content: str, ctx: InlineContext) -> bool:
    text = content.strip()
    return (bool(_DIGITS.fullmatch(text)) or fold(text) in ctx.vocab.role_words
            or fold(text) in {"notes", "note-taker", "recorder", "interpreter", "translator"}
            or bool(_INITIALS_NAME.fullmatch(text)))


#: Deeper nesting than this is kept as text: no archival document nests brackets so deep,
#: and recursion must not exhaust the stack on hostile input.
MAX_NESTING = 40


def _pairs(text: str) -> dict[int, int]:
    """Index of each opening bracket or parenthesis -> index of its closing partner.

    Each kind nests independently of the other; computed in one pass so that many
    unclosed brackets do not make parsing quadratic."""
    pairs: dict[int, int] = {}
    for pattern, opening in ((_SQUARE, "["), (_ROUND, "(")):
        stack: list[int] = []
        for mt in pattern.finditer(text):
            if mt.group() == opening:
                stack.append(mt.start())
            elif stack:
                pairs[stack.pop()] = mt.start()
    return pairs


@dataclass
class _Lines:
    """Line and column of an offset in a unit that may span several source lines."""

    line: int
    col0: int
    breaks: list[int]

    @classmethod
    def of(cls, text: str, line: int, col0: int) -> _Lines:
        return cls(line, col0, [m.start() for m in _NL.finditer(text)] if "\n" in text else [])

    def at(self, i: int) -> tuple[int, int]:
        k = bisect.bisect_left(self.breaks, i)
        return self.line + k, (i - self.breaks[k - 1] if k else self.col0 + i)


def parse_inline(text: str, ctx: InlineContext, line: int = 0, col0: int = 1) -> list[Inline]:
    """Turn one unit of source text into inline nodes; `col0` is the column of text[0]."""
    if not ctx.dates and not _SPECIAL.search(text) \
            and not (ctx.footnotes and _anchors_open(ctx) and _GLUED.search(text)):  # most units
        return [Text(text)] if text else []
    if ctx.depth >= MAX_NESTING:
        ctx.report.warn(line, col0, "too-deep", "brackets nested too deeply; kept as text")
        return [Text(text)]
    ctx.depth += 1
    try:
        return _parse(text, ctx, _Lines.of(text, line, col0))
    finally:
        ctx.depth -= 1


def _parse(text: str, ctx: InlineContext, pos: _Lines) -> list[Inline]:
    nodes: list[Inline] = []
    pairs = _pairs(text)
    first = len(text) - len(text.lstrip())  # a span is alone when it covers first..last
    last = len(text.rstrip(" \t\n."))
    i = start = 0
    while True:
        found = _OPENERS.search(text, i)
        if found is None:
            break
        i = found.start()
        end = pairs.get(i)
        if end is None:
            here, col = pos.at(i)
            ctx.report.warn(here, col, "unbalanced", f"'{text[i]}' is never closed; kept as text")
            i += 1
            continue
        double = text.startswith("[[", i) and pairs.get(i + 1) == end - 1 and end > i + 2
        opener = "[[" if double else text[i]
        inner = text[i + 2:end - 1] if double else text[i + 1:end]
        nodes.extend(_flush(text[start:i], ctx))
        here, col = pos.at(i)
        j = i - 1
        while j >= first and text[j].isspace():
            j -= 1
        before = text[j] if j >= first else ""
        span = Span(inner, opener, here, col, i > 0 and text[i - 1].isalpha(),
                    i <= first and end + 1 >= last, before)
        nodes.extend(_classify(span, nodes, ctx))
        i = start = end + 1
    nodes.extend(_flush(text[start:], ctx))
    return merge_text(nodes)


def merge_text(nodes: list[Inline]) -> list[Inline]:
    """Join adjacent Text nodes and drop empty ones."""
    out: list[Inline] = []
    for n in nodes:
        if isinstance(n, Text):
            if not n.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + n.text)
                continue
        out.append(n)
    return out


def plain_text(nodes: list[Inline]) -> str:
    """The text of inline nodes as a reader sees it, without bracketed markup."""
    parts: list[str] = []
    for n in nodes:
        if isinstance(n, Text):
            parts.append(n.text)
        elif isinstance(n, LineBreak):
            parts.append(" ")
        elif isinstance(n, Variant):
            parts.append(plain_text(n.orig))
        elif isinstance(n, Supplied | Unclear | DateRef | Foreign | Sic):
            parts.append(plain_text(n.children))
    return "".join(parts)

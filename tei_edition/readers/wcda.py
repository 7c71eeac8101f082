"""Reader for the Wilson Center Digital Archive's export layout.

The layout: a bold date line, a bold title (hard line breaks allowed), header blocks
(`**Citation:**`, `**Summary:**`, `**Credits:**`, `**Original Language:**`, `**Contents:**`),
then the body after the Contents block's value ("Translation - English").

Parsing follows markdown-it's design: the text is split into *units* (logical lines with
their line numbers; brackets that span lines and hard breaks are kept together), and an
ordered chain of small block rules claims them. Inline conventions are handled in
`inline.py`, people in `people.py`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import KnownPerson
from ..model import (
    Closer,
    Copies,
    Dateline,
    DateRef,
    Decision,
    Distribution,
    DistributionItem,
    Document,
    EmbeddedLetter,
    Endorsements,
    Field,
    FieldList,
    Gap,
    GapBlock,
    Header,
    Heading,
    Inline,
    ItemList,
    Letterhead,
    LineBreak,
    ListItem,
    Note,
    NoteBlock,
    Opener,
    PageBreak,
    PageBreakBlock,
    Paragraph,
    Person,
    Postscript,
    Salute,
    Section,
    Signed,
    Stage,
    StageBlock,
    Text,
    Trailer,
    Turn,
)
from . import flattened
from .dates import find_dates, parse_catalogue_date
from .hints import BlockHint, Hints, HintsError
from .inline import InlineContext, fold, merge_text, parse_inline, plain_text, whole_word
from .people import (
    NOT_PEOPLE,
    LabelParts,
    PersonRegistry,
    document_id,
    introduced_in,
    is_name_token,
    link_names,
    mentions_in,
    name_key,
    parse_label,
    translator_id,
)
from .report import Reporter
from .vocab import Vocabulary, load_vocabulary

HEADER_BLOCK = re.compile(r"^\s*\*\*\s*([^*:]+?)\s*:\s*\*\*\s*$")
BOLD_START = re.compile(r"^\s*\*\*")
SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]\s*$")
NUMBERED = re.compile(r"^\s*(\d{1,2}|[a-z])([.)])\s+(?=\S)")
BULLET = re.compile(r"^\s*([-–•*])\s+(?=\S)")
ROMAN_SECTION = re.compile(r"^\s*((?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(\S.{0,100})$")
FOOTNOTE_TEXT = re.compile(r"^\[(\d{1,3})\]\s+(\S.*)$", re.S)
REGISTRY_LINE = re.compile(
    r"^(?:No|Nº|N°|Nr)\.?:?\s*(?:[\w/.-]+|\[[\w/.-]+\])(?:\s+\[[^\]]*\])?$")
REGISTRY = re.compile(r"^(?:No|Nº|N°|Nr)\.?:?\s*[\w/.-]+$")
MARGINAL = re.compile(r"\s((?:\[?[A-Z][\w'-]*\]?\s?){1,3})\s?(\d{1,2}/\d{1,2}|\d{1,2}\.[IVX]+)\s*$")
# A line of a telegram's transmission log: "Received in Moscow on 9.III.51 at 08:15".
TRANSMISSION_LOG = re.compile(
    r"^(Sent|Received|Deciphered|Decoded|Decrypted|Dispatched|Transmitted|Enciphered|Encoded"
    r"|Delivered|Registered)\s+((?:by|on|in|at|from|via)\b(?=[^\n]*\d)[^\n]{1,80})$")
LETTER_SPACED = re.compile(r"^(?:\w ){2,}\w$")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


class ReaderError(Exception):
    """A source the reader cannot turn into a document."""

    def __init__(self, line: int, rule: str, message: str) -> None:
        super().__init__(message)
        self.line, self.rule, self.message = line, rule, message


# ====================================================================== units


@dataclass
class Unit:
    """A logical line of the body: its text, where it starts, and what precedes it."""

    text: str
    line: int
    blank_before: bool
    block: int
    indent: int = 0
    held: object | None = None  # a block already built (a distribution list in the flow)
    col: int = 1  # where it starts on its line (a piece of a flattened line)
    last: int = 0  # the line it ends on, when its text does not say (flattened lines)

    @property
    def end(self) -> int:
        """The source line the unit ends on."""
        return self.last or self.line + self.text.count("\n")


def make_units(lines: list[str], first_line: int, report: Reporter) -> list[Unit]:
    """Group body lines into units: hard breaks and multi-line brackets stay together."""
    units: list[Unit] = []
    i, block, blank = 0, 0, True
    while i < len(lines):
        raw = lines[i]
        if not raw.strip():
            block += 0 if blank else 1
            blank = True
            i += 1
            continue
        start = i
        text = raw.rstrip()
        while i + 1 < len(lines) and lines[i + 1].strip():
            depth = _bracket_depth(text)
            hard = raw.endswith("  ") or raw.endswith("\\")
            if depth <= 0 and not hard:
                break
            if depth > 0 and i - start >= 12:
                break  # an unclosed bracket: inline rules report it
            i += 1
            raw = lines[i]
            text = text.rstrip("\\") + "\n" + raw.rstrip()
        indent = len(lines[start]) - len(lines[start].lstrip())
        units.append(Unit(text.strip(), first_line + start, blank, block, indent))
        blank = False
        i += 1
    return units


def _bracket_depth(text: str) -> int:
    return text.count("[") - text.count("]")


# ====================================================================== header


@dataclass
class HeaderBlocks:
    """The raw header: bold lines and the named blocks, with line numbers."""

    bold: list[tuple[str, int]] = field(default_factory=list)
    blocks: dict[str, tuple[list[str], int]] = field(default_factory=dict)
    body_start: int | None = None  # index of the first body line
    contents_value: str = ""


def read_header_blocks(lines: list[str]) -> HeaderBlocks:
    """Find the bold date/title lines, the named blocks and where the body starts."""
    hb = HeaderBlocks()
    i = 0
    while i < len(lines):
        line = lines[i]
        named = HEADER_BLOCK.match(line)
        if named:
            name = named.group(1).strip().lower()
            j = i + 1
            while j < len(lines) and not HEADER_BLOCK.match(lines[j]):
                if name == "contents" and lines[j].strip():
                    return _contents(hb, lines, j)
                j += 1
            hb.blocks[name] = (lines[i + 1:j], i + 2)
            i = j
            continue
        if BOLD_START.match(line) and not hb.blocks:
            j = i
            parts = [line]
            while "**" not in line.strip()[2:] and j + 1 < len(lines):
                j += 1
                line = lines[j]
                parts.append(line)
            text = " ".join(p.strip() for p in parts)
            hb.bold.append((re.sub(r"\s+", " ", text.replace("**", "")).strip(), i + 1))
            i = j + 1
            continue
        i += 1
    return hb


CONTENT_ITEM = re.compile(
    r"^\s*(?:Original(?:\s+(?:Scan|Transcript(?:ion)?))?|Translation|Transcript(?:ion)?|Scan)"
    r"(?:\s*[-–—:]\s*[A-Z][\w ()-]{0,40})?\s*$")


def _contents(hb: HeaderBlocks, lines: list[str], j: int) -> HeaderBlocks:
    """The Contents block lists what the export holds ("Original Scan", "Translation -
    English"), one item a line; the body starts after the last of them."""
    items = [lines[j].strip()]
    end = j + 1
    k = end
    while k < len(lines) and (not lines[k].strip() or CONTENT_ITEM.match(lines[k])):
        if lines[k].strip():
            items.append(lines[k].strip())
            end = k + 1
        k += 1
    hb.blocks["contents"] = (items, j + 1)
    # The translation's own line names the body ("Translation - English"); else the first.
    hb.contents_value = next((t for t in items if re.match(r"(?i)transla|transcri", t)), items[0])
    hb.body_start = end
    return hb


def _block_text(lines: list[str]) -> str:
    return "\n".join(ln.rstrip() for ln in lines).strip()


URL = re.compile(r"<?(https?://[^\s>]+)>?")
# "Translated by A and B.", "translated for CWIHP by A.", "Translated from the Russian by
# V. S. Lagunov." The names end at a full stop that does not close an initial.
TRANSLATED_BY = re.compile(
    r"(?i:translated|translation)\s+(?:(?i:for|from|into)\s+[^.,<]{1,60}?\s+)?(?i:by)\s+"
    r"(.+?)(?:(?<!\b[A-Z])\.(?=\s|$)|\s*<|\s*https?:|$)")
# The final locator of a signature when it is a range: "56-60", "pp. 2-19", "ll. 88-90",
# "listy 3-5", "k. 21-22" (karta), "frames 0214-0219"; any word or abbreviation may name the
# unit, since every archive names its leaves in its own language (a range of boxes or
# folders is part of the signature).
LOCUS = re.compile(r"^(?!(?:box|boxes|folders?|files?|fonds?|series|vol|volumes?)\b)"
                   r"(?:([^\W\d_]{1,8})\.?\s*)?(\d+[rv]?)\s*[-–]\s*(\d+[rv]?)$", re.I)
# The quoted title that opens a citation, with the comma after the quote ("Title", …) or,
# in the older wording, inside it ("Title," …).
QUOTED_TITLE = re.compile(r'^\s*["“](.+?)(?:["”],|,["”])\s*(.*)$')
SENTENCE_BREAK = re.compile(r"\.(?=\s+(?:[A-Z][a-z]|<)|\s*$)")


def parse_citation(text: str, header: Header, vocab: Vocabulary) -> None:
    """Translators, URL, archive signature and page range from the citation text."""
    flat = re.sub(r"\s+", " ", text)
    url = URL.search(flat)
    header.url = url.group(1) if url else None
    mt = TRANSLATED_BY.search(flat)
    if mt:
        names = re.split(r",\s*(?:and\s+)?|\s+and\s+", mt.group(1).strip())
        # A name listed twice is one person: the titleStmt gives each translator one xml:id.
        by_id: dict[str, str] = {}
        for name in (n.strip() for n in names):
            if name:
                by_id.setdefault(translator_id(name), name)
        header.translators = list(by_id.values())
    quoted = QUOTED_TITLE.match(flat)
    if not quoted:
        return
    rest = quoted.group(2)
    if header.date_text and rest.startswith(header.date_text):
        rest = rest[len(header.date_text):].lstrip(", ")
    else:  # no bold date line: the citation's date field is the catalogue date
        found = find_dates(rest[:40])
        year = re.match(r"(?:c(?:irca|a)?\.?\s*)?(\d{4}),", rest)
        if found and found[0].start == 0:
            header.date_text = rest[:found[0].end]
            header.date = header.date or found[0].when
            rest = rest[found[0].end:].lstrip(", ")
        elif year:
            header.date_text, header.date = year.group(0)[:-1], header.date or year.group(1)
            rest = rest[year.end():].lstrip()
    end = SENTENCE_BREAK.search(rest)
    signature_part = rest[:end.start()] if end else rest
    fields_ = [f.strip() for f in signature_part.split(",")]
    if len(fields_) < 2:
        return
    fields_ = fields_[1:]  # the first field names the digital archive itself
    locus = LOCUS.match(fields_[-1])
    if locus:
        header.locus = (fields_[-1], locus.group(2), locus.group(3))
        fields_ = fields_[:-1]
    signature = ", ".join(fields_).strip()
    if signature:
        header.idno = signature
        header.archive = _archive_for(signature, vocab)


def _archive_for(signature: str, vocab: Vocabulary) -> str | None:
    for key in sorted(vocab.archives, key=len, reverse=True):
        if signature.startswith(key):
            return vocab.archives[key]
    return None


def build_header(hb: HeaderBlocks, report: Reporter, vocab: Vocabulary) -> Header:
    """Turn the raw header blocks into catalogue metadata."""
    header = Header()
    bold = list(hb.bold)
    if bold and parse_catalogue_date(bold[0][0]):
        header.date_text = bold[0][0]
        header.date = parse_catalogue_date(bold[0][0])
        bold = bold[1:]
    elif bold:
        report.warn(bold[0][1], 1, "no-date", "no bold date line before the title")
    cit_name = next((n for n in ("citation", "source", "sources") if n in hb.blocks), None)
    if cit_name:
        header.citation = _block_text(hb.blocks[cit_name][0])
        parse_citation(header.citation, header, vocab)
    if bold:
        header.title = bold[0][0]
    else:
        quoted = QUOTED_TITLE.match(re.sub(r"\s+", " ", header.citation))
        if quoted:
            header.title = quoted.group(1)
    if not header.title:
        raise ReaderError(1, "no-title", "no title: expected a bold title line or a quoted "
                          "title in the Citation block")
    if "summary" in hb.blocks:
        header.summary = re.sub(r"\s+", " ", _block_text(hb.blocks["summary"][0])) or None
    if "credits" in hb.blocks:
        credits = re.sub(r"\s+", " ", _block_text(hb.blocks["credits"][0]))
        mt = re.search(r"support from (?:the )?(.+?)\.?$", credits)
        header.funder = (mt.group(1) if mt else credits) or None
    if "original language" in hb.blocks:
        lang = _block_text(hb.blocks["original language"][0])
        header.language = lang or None
        first = re.split(r"[,;/(]| and ", lang)[0].strip().lower()
        header.language_code = vocab.languages.get(first)
        if lang and not header.language_code:
            report.warn(hb.blocks["original language"][1], 1, "unknown-language",
                        f"original language {lang!r} has no known ISO 639-1 code")
    header.contents = hb.contents_value
    return header


# ====================================================================== classification helpers


# "Premier Kim Il Sung [henceforth referred to as Kim]. When we…": a label whose alias in
# brackets ends it, then a full stop instead of a colon.
_ALIAS_LABEL = re.compile(
    r"^([^\[\]().:\n]{2,80}?\s*\[\s*(?:here(?:in)?after|henceforth)\b[^\]]{1,60}\])\.\s+(?=\S)", re.I)


@lru_cache(maxsize=1 << 14)
def split_label(text: str) -> tuple[str, str, int] | None:
    """"Label: rest" where the colon stands outside brackets and is followed by space, or
    "Name [henceforth X]. rest" (memoised: the block rules ask about each unit several
    times)."""
    mt = _ALIAS_LABEL.match(text)
    if mt and all(is_name_token(t) for t in mt.group(1).split("[")[0].split()):
        return mt.group(1), text[mt.end():].strip(), mt.end(1) + 1
    if ":" not in text[:120]:
        return None
    depth = 0
    for i, c in enumerate(text[:120]):
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == ":" and depth == 0:
            if i + 1 < len(text) and not text[i + 1].isspace():
                continue
            label = text[:i].rstrip()
            if not label or "\n" in label:
                return None
            return label, text[i + 1:].strip(), i + 1
    return None


_BRACKETED = re.compile(r"\[[^\]]*\]|\([^)]*\)")


def _outside_brackets(text: str) -> str:
    return _BRACKETED.sub(" ", text)


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 14)
def label_key(label: str) -> str:
    """Comparison form of a label."""
    return _SPACES.sub(" ", fold(label)).strip(" .")


@dataclass
class Classifier:
    """Decisions about units that depend only on the vocabulary and the title."""

    vocab: Vocabulary
    title: str
    # Labels recur on every turn of a speaker: each is judged once per document.
    _name_shaped: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _kinds: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False, compare=False)

    def _memo(self, what: str, label: str, judge: Callable[[str], bool]) -> bool:
        known = self._kinds.get((what, label))
        if known is None:
            known = self._kinds[(what, label)] = judge(label)
        return known

    def is_participant_label(self, label: str) -> bool:
        return self._memo("participant", label, self._judge_participant)

    def is_field_label(self, label: str) -> bool:
        return self._memo("field", label, self._judge_field)

    def is_distribution_label(self, label: str) -> bool:
        return self._memo("distribution", label, self._judge_distribution)

    def _judge_participant(self, label: str) -> bool:
        key = label_key(label)
        if key in self.vocab.participant_labels or key.endswith(" side") \
                or key.startswith(("participants", "those ")):
            return True
        words = key.split()  # "Foreign guests", "Recording officials": the noun comes last
        return 0 < len(words) <= 3 and words[-1] in self.vocab.participant_nouns

    def _judge_field(self, label: str) -> bool:
        key = label_key(label)
        return key in self.vocab.field_labels or bool(_NUMBER_LABEL.fullmatch(key))

    def _judge_distribution(self, label: str) -> bool:
        """"CC", "Copies to", and with a count: "Copies made - 8", "Distribution list - 11 copies"."""
        key = label_key(label)
        if key in self.vocab.distribution_labels or key.startswith("distribution"):
            return True
        head = key.split(" ", 1)[0]  # every listed label with a count starts with a listed word
        return any(c.isdigit() for c in key) and any(
            key.startswith(d + " ") for d in self.vocab.distribution_labels if d.startswith(head))

    def is_name_shaped(self, label: str) -> bool:
        known = self._name_shaped.get(label)
        if known is None:
            known = self._name_shaped[label] = self._judge_name_shaped(label)
        return known

    def _judge_name_shaped(self, label: str) -> bool:
        tokens = _outside_brackets(label).split()
        if not 1 <= len(tokens) <= 6:
            return False
        if self.is_participant_label(label) or self.is_field_label(label) \
                or self.is_distribution_label(label):
            return False
        return all(is_name_token(t) for t in tokens) and not any(t.endswith(",") for t in tokens)

    def is_role_shaped(self, label: str) -> bool:
        return self._memo("role", label, self._judge_role)

    def _judge_role(self, label: str) -> bool:
        tokens = _outside_brackets(label).split()
        words = self.vocab.title_words
        return bool(tokens) and all(fold(t) in words for t in tokens)

    def is_salute(self, text: str) -> bool:
        """"Dear Comrade Minister,", "Esteemed Comrade Deputy Minister:", "Tan [Mingyuan]:"."""
        if "\n" in text or len(text.split()) > 10 or not text.endswith((",", ":", "!")):
            return False
        low = fold(text)
        if any(low.startswith(s + " ") for s in self.vocab.salutations) or low.startswith("[to]"):
            return True
        if text.endswith((",", "!")):
            return False
        label = text[:-1].strip()
        if self.is_field_label(label) or self.is_participant_label(label) \
                or self.is_distribution_label(label):
            return False
        # An addressee line: a name, a title or an office, not a sentence ("as follows:").
        tokens = _outside_brackets(label).split()
        return bool(tokens) and all(is_name_token(t) or fold(t) in self.vocab.role_words
                                    for t in tokens) and tokens[0][:1].isupper()

    def is_valediction(self, text: str) -> bool:
        if len(text.split()) > 7 or "\n" in text:
            return False
        low = fold(text)
        if not text.endswith(","):  # "With socialist greetings" alone on its line
            bare = low.rstrip(" .!")
            return bare in self.vocab.valedictions or (
                bare.startswith("with ") and bare.endswith(("greetings", "regards", "respect")))
        return any(v in low for v in self.vocab.valedictions) or any(
            w in low for w in ("greetings", "regards", "respect", "yours"))

    def is_classification(self, text: str) -> bool:
        key = fold(text).strip(" .!")
        return key in self.vocab.classifications

    def is_title(self, text: str) -> bool:
        return _norm(text) == _norm(self.title) and bool(self.title)

    def is_caps_heading(self, text: str) -> bool:
        if len(text.split()) > 12:  # the cheap test first: most units are long paragraphs
            return False
        letters = [c for c in _outside_brackets(text) if c.isalpha()]
        if len(letters) < 4 or self.is_classification(text):
            return False
        upper = sum(c.isupper() for c in letters)
        return upper / len(letters) >= 0.8 and not SENTENCE_END.search(text.rstrip("."))

    def is_dateline(self, text: str) -> bool:
        if "\n" in text or len(text.split()) > 9:
            return False
        mt = _DATELINE.match(text)
        if not mt:
            return False
        rest = mt.group(2)
        return bool(find_dates(_outside_brackets(rest)) or _YEAR_WORD.search(rest))

    def is_letterhead_line(self, text: str) -> bool:
        if "\n" in text or (SENTENCE_END.search(text.rstrip("!")) and not text.endswith("!")):
            return False
        tokens = text.split()
        if not 1 <= len(tokens) <= 8:
            return False
        caps = sum(t[:1].isupper() for t in tokens)
        return caps >= max(1, len(tokens) // 2)

    def is_endorsement(self, text: str) -> bool:
        low = fold(text)
        return any(p in low for p in self.vocab.endorsement_phrases) and bool(find_dates(text))

    def is_closing_narrative(self, text: str) -> bool:
        low = fold(text)
        return any(low.startswith(p + " ") for p in self.vocab.closing_narrative)

    def is_signature_line(self, text: str) -> bool:
        text = text.strip()
        if "\n" in text:
            return all(self.is_signature_line(t) for t in text.split("\n"))
        if _SIGNATURE_MARK.fullmatch(text) or _TYPED_NAME.fullmatch(text):
            return True
        if split_label(text) or text.startswith("(") or _ONE_BRACKET.fullmatch(text):
            return False
        tokens = text.split()
        if not 1 <= len(tokens) <= 7:
            return False
        if text.endswith((".", "!", "?", ":", ";", ",")) and not _INITIAL_END.search(text):
            return False
        return text[0].isupper() or text[0] == "[" or bool(find_dates(text)) \
            or all(fold(t) in self.vocab.title_words for t in tokens)  # "chargé d'affaires a.i."

    def is_date_only(self, text: str) -> bool:
        plain = text.replace("[", "").replace("]", "").strip()
        dates = find_dates(plain)
        return len(dates) == 1 and dates[0].start == 0 and dates[0].end >= len(plain.rstrip(". "))


_NUMBER_LABEL = re.compile(r"(copy )?(no|nº|n°|nr)\.?")
_DATELINE = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}),\s+(.+)$")
_YEAR_WORD = re.compile(r"\b1[89]\d\d\b|\b20\d\d\b")
_SIGNATURE_MARK = re.compile(r"\[(?:signature|signed|seal|stamp|illegible signature)[^\]]*\]",
                             re.I)
_TYPED_NAME = re.compile(r"\((?:[A-Z]\.\s?)*[A-Z][\w .'’-]+\)")
_ONE_BRACKET = re.compile(r"\[[^\]]*\]")
_INITIAL_END = re.compile(r"(?:\b[A-Z]\.|\ba\.i\.|\bjr\.|\bsr\.)$", re.I)
_NON_WORDS = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _NON_WORDS.sub(" ", fold(text)).strip()


# ====================================================================== body state


@dataclass
class BodyState:
    """What the block rules share while they walk the units of the body."""

    units: list[Unit]
    cls: Classifier
    ctx: InlineContext
    registry: PersonRegistry
    report: Reporter
    kind: str
    speakers: set[str] = field(default_factory=set)  # label keys that start turns
    hints: Hints = field(default_factory=Hints)
    decisions: list[Decision] = field(default_factory=list)  # for `explain`

    @property
    def vocab(self) -> Vocabulary:
        return self.cls.vocab

    def claim(self, units: list[Unit], kind: str, rule: str, why: str = "") -> None:
        """Record that these units became one block of `kind` by `rule` (for `explain`)."""
        if units:
            first_line = units[0].text.split("\n", 1)[0]
            self.decisions.append(Decision("block", units[0].line, units[-1].end, kind, rule,
                                           first_line[:80], why, units[0].col))


def inl(state: BodyState, text: str, line: int, dates: bool = False, col: int = 1) -> list[Inline]:
    """Inline-parse text with or without date tagging."""
    old = state.ctx.dates
    state.ctx.dates = dates
    try:
        return parse_inline(text, state.ctx, line, col)
    finally:
        state.ctx.dates = old


def probe(state: BodyState, text: str, line: int) -> list[Inline]:
    """Inline-parse only to decide what a unit is: no warnings, no footnote consumed."""
    return parse_inline(text, _silent(state), line)


def _only_node(nodes: list[Inline]) -> Inline | None:
    """The single non-space node of a unit, if it has only one."""
    real = [n for n in nodes if not (isinstance(n, Text) and not n.text.strip())]
    if len(real) != 1:
        return None
    stripped = [n for n in nodes if isinstance(n, Text) and n.text.strip(" .")]
    return real[0] if not stripped else None


def may_stand_alone(text: str) -> bool:
    """Whether `standalone` can find anything in this unit, without parsing it: only spaces
    may stand around its one node, so the unit opens with a bracket, a parenthesis or a □."""
    return text.lstrip(" ")[:1] in ("[", "(", "□")


def standalone(nodes: list[Inline],
               line: int) -> NoteBlock | GapBlock | StageBlock | PageBreakBlock | None:
    """A unit that is only a note, gap, stage direction or page marker stands as its own
    block."""
    node = _only_node(nodes)
    if isinstance(node, PageBreak):
        return PageBreakBlock(node, line)
    if isinstance(node, Note):
        return NoteBlock(node, line)
    if isinstance(node, Gap):
        return GapBlock(node, line)
    if isinstance(node, Stage):
        return StageBlock(node, line)
    return None


# ====================================================================== end matter (taken first)


def unflatten(units: list[Unit], state: BodyState) -> list[Unit]:
    """A body flattened from a PDF, cut again into units at its labels (see flattened.py);
    footnote texts at the end stay as they are."""
    end = next((k for k, u in enumerate(units) if FOOTNOTE_TEXT.match(u.text)), len(units))
    if not flattened.is_flattened([u.text for u in units[:end]]):
        return units
    cls = state.cls

    def is_speaker(label: str) -> bool:
        return not _preamble_label(label, cls) and (
            cls.is_name_shaped(label) or cls.is_role_shaped(label))

    def points(stream: str) -> list[int]:
        speakers = flattened.speaker_labels(stream, is_speaker)
        return flattened.cut_points(
            stream, speakers, lambda lb: _preamble_label(lb, cls),
            lambda lb: cls.is_participant_label(lb) and label_key(lb) not in NOT_PEOPLE,
            lambda lb: label_key(lb) in cls.vocab.participant_labels | cls.vocab.field_labels)

    pieces = flattened.split_stream([(u.text.replace("\n", " "), u.line) for u in units[:end]],
                                    points)
    state.report.warn(units[0].line, 1, "layout-flattened",
                      f"the body reads as text flattened from a PDF (labels inside running lines): "
                      f"it was cut into {len(pieces)} paragraphs at its labels; check the turns")
    last_block = units[end - 1].block if end else 0
    out = [Unit(pc.text, pc.line, True, k, col=pc.col, last=pc.last) for k, pc in enumerate(pieces)]
    return out + [Unit(u.text, u.line, u.blank_before, u.block + len(pieces) - last_block, u.indent)
                  for u in units[end:]]


def _preamble_label(label: str, cls: Classifier) -> bool:
    return cls.is_participant_label(label) or cls.is_field_label(label) \
        or cls.is_distribution_label(label)


def footnote_span(texts: list[str]) -> tuple[int, int]:
    """Where the note texts "[1] …" stand among the body's units: at the end, or before the
    registry and "Typed by" lines that close a telegram (at most four of them)."""
    stop = len(texts)
    while stop > 0 and len(texts) - stop < 4 and (REGISTRY.match(texts[stop - 1])
                                                   or _TYPED_BY.match(texts[stop - 1])):
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


def take_endorsements(units: list[Unit], state: BodyState) -> tuple[list[Unit], Endorsements | None]:
    """Trailing "Received on …" lines become the endorsements."""
    if units and isinstance(units[-1].held, Endorsements):  # hinted
        return units[:-1], units[-1].held
    end = len(units)
    while end > 0 and units[end - 1].held is None and state.cls.is_endorsement(units[end - 1].text):
        end -= 1
    if end == len(units):
        return units, None
    lines: list[list[Inline]] = []
    for u in units[end:]:
        for k, part in enumerate(u.text.split("\n")):
            lines.append(inl(state, part, u.line + k, dates=True))
    return units[:end], Endorsements(lines, units[end].line)


def _distribution_start(u: Unit, cls: Classifier) -> bool:
    text = u.text
    sl = split_label(text)
    if sl and cls.is_distribution_label(sl[0]):
        return True
    if text.endswith(":") and cls.is_distribution_label(text[:-1]):
        return True
    return bool(_COPIES_MADE.match(text))


# "Five copies printed", "Printed in 4 copies", "Produced in 5 copies for:".
_COPIES_MADE = re.compile(
    r"^(?:\w+|\d+) copies (?:printed|made|typed|produced)\b"
    r"|^(?:printed|produced|made|typed|prepared|executed) in (?:\w+|\d+) cop(?:y|ies)\b", re.I)
# A recipient line with a marker: "- Comrade Vándor", "1 - Cde. Rybtsev", "2. Embassy".
_MARKED_ITEM = re.compile(r"^\s*(?:[-–•*]|\d{1,2}\s*[-–.)]|\d{1,2}\s*[x×])\s+\S")


def _inline_items(u: Unit) -> bool:
    """Whether the list's first line carries recipients after its label
    ("Distribution list - 9 copies: Filippov - 2, …"), not only a head or a total."""
    sl = split_label(u.text)
    if not sl or not sl[1]:
        return False
    mt = _BARE_TOTAL.fullmatch(sl[1].strip())
    return not (mt and _copies_value(mt.group(1)))


_BARE_TOTAL = re.compile(r"(\d+|[A-Za-z]+)(?:\s+cop(?:y|ies))?\.?")


def _short_lines(u: Unit, words: int) -> bool:
    return all(len(part.split()) <= words for part in u.text.split("\n"))


def _item_unit(u: Unit, prev: Unit, state: BodyState) -> bool:
    """A unit that continues a distribution list: a marked recipient line (blank lines
    may separate those), a plain short line right below the previous one, or a total."""
    text = u.text
    if u.held is not None or split_label(text) or _is_turn_candidate(text, state) \
            or state.cls.is_salute(text):
        return False
    if (_total_in(text) and _short_lines(u, 8)) or _comma_items(text):
        return True
    if _MARKED_ITEM.match(text) and _short_lines(u, 10):
        return True
    return u.block == prev.block and not u.blank_before and _short_lines(u, 8) \
        and not SENTENCE_END.search(_COUNT_END.sub("", text).rstrip("."))


def _comma_items(text: str) -> bool:
    """A paragraph that is a run of recipients: "Chen, Zhang, General Office (3), …"."""
    pieces = _split_items(text)
    return len(pieces) >= 3 and all(len(p.split()) <= 6 for p in pieces) \
        and not SENTENCE_END.search(text.rstrip(".)"))


def _distribution_end(units: list[Unit], i: int, state: BodyState) -> int:
    """Where the list starting at unit i ends: at its own line when the recipients
    stand on it, else after the recipient lines below it."""
    j = i + 1
    inline = _inline_items(units[i])
    while j < len(units):
        u, prev = units[j], units[j - 1]
        if inline and (u.block != prev.block or u.blank_before) and not _total_in(u.text) \
                and not _comma_items(u.text):
            break
        if not _item_unit(u, prev, state):
            break
        j += 1
    return j


def _tail_unit(u: Unit, state: BodyState) -> bool:
    """What may follow a final distribution list: more recipients, a total, registry
    numbers, "Typed by", short lines that are no sentence of the text."""
    if u.held is not None or _is_turn_candidate(u.text, state):
        return False
    if _comma_items(u.text) or _is_trailer(u, state.cls) or (_total_in(u.text) and _short_lines(u, 8)):
        return True
    # A typist's mark ("me/NS"), not a sentence or a heading of the text ("TO COMRADE X").
    return _short_lines(u, 8) and not split_label(u.text) \
        and not SENTENCE_END.search(_COUNT_END.sub("", u.text)) and not state.cls.is_caps_heading(u.text)


def take_distribution(units: list[Unit],
                      state: BodyState) -> tuple[list[Unit], Distribution | None]:
    """The CC / Copies / distribution list. At the end of the document it runs to the end
    (registry lines and "Typed by" stay with it, as before); anywhere else (between the
    transmission log and the telegram) it ends at its own line or after its recipient
    lines, and stands in the flow as a held unit."""
    for i, u in enumerate(units):
        if u.held is not None or not _distribution_start(u, state.cls):
            continue
        end = _distribution_end(units, i, state)
        rest = units[end:]
        if all(_tail_unit(r, state) for r in rest):
            return units[:i], parse_distribution(units[i:], state)
        dist = parse_distribution(units[i:end], state)
        held = Unit(u.text, u.line, u.blank_before, u.block, u.indent, held=dist)
        units = [*units[:i], held, *units[end:]]
        return units, None
    return units, None


def _copies_value(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.lower())


TOTAL = re.compile(
    r"(?P<n>\d+|[A-Za-z]+)\s+cop(?:y|ies)\s+(?:in total|in all|total|altogether|printed|made|typed"
    r"|produced)"
    r"|(?<!\w)(?:distribution(?: list)?|copies made|(?:printed|produced|made|typed|prepared) in)"
    r"\s*[-–:]?\s*(?P<m>\d+|[A-Za-z]+)(?:\s+cop(?:y|ies))?"
    r"|=\s*(?P<e>\d+)\s+cop(?:y|ies)\b",  # "…, KC PZPR-1 = 7 copies"
    re.I)


def _total_in(text: str) -> tuple[int, int, int] | None:
    """(quantity, start, end) of a stated total of copies."""
    for mt in TOTAL.finditer(text):
        n = _copies_value(mt.group("n") or mt.group("m") or mt.group("e") or "")
        if n is not None:
            return n, mt.start(), mt.end()
    return None


def _with_total(state: BodyState, text: str, line: int) -> tuple[list[Inline], int | None]:
    """Inline nodes of a text, with its stated total of copies as a Copies node."""
    total = _total_in(text)
    if not total:
        return inl(state, text, line), None
    n, s, e = total
    nodes = [*inl(state, text[:s], line), Copies(inl(state, text[s:e], line), n),
             *inl(state, text[e:], line)]
    return merge_text(nodes), n


def _split_items(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for c in text:
        depth += c in "[("
        depth -= c in "])"
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


_COUNTED_LINE = re.compile(r"^\s*\d+\s*[-–x×]\s*\S")
# The written forms of a recipient's copy count: "Office (4)", "Stalin - 2", "Molotov-1",
# "Minister x 2", "Dept. 2x", "2 x Minister", "3 file copies".
_COUNT_END = re.compile(r"(?:\((\d+)\)|\s[x×]\s?(\d+)|\s?[-–]\s?(\d+)|\s(\d+)\s?[x×])\s*$")
_COUNT_TIMES = re.compile(r"^(\d+)\s*[x×]\s")
_COUNT_COPIES = re.compile(r"^(\d+|\w+)\s+(?:file\s+)?cop(?:y|ies)\b", re.I)


def _copies_of(text: str) -> int:
    """The copies a recipient gets, in any written form; 1 when none is written. A list
    written as a sentence ends its last item with a full stop ("Wang x 2.")."""
    text = text.rstrip(" .;")
    for mt in (_COUNT_END.search(text), _COUNT_TIMES.match(text), _COUNT_COPIES.match(text)):
        if mt:
            value = _copies_value(next(g for g in mt.groups() if g))
            if value:
                return value
    return 1


def _item(state: BodyState, text: str, line: int) -> DistributionItem:
    return DistributionItem(inl(state, text, line), _copies_of(text), line, text)


def parse_distribution(units: list[Unit], state: BodyState) -> Distribution:
    """Items, copy counts and the stated total, wherever it stands."""
    dist = Distribution(None, [], line=units[0].line)
    line_items = False
    for k, u in enumerate(units):
        text = u.text
        sl = split_label(text) if k == 0 else None
        if k == 0 and (sl or text.endswith(":")):
            head_end = len(text) - len(sl[1]) if sl else len(text)
            total = _total_in(text)
            if total and total[1] < head_end < total[2] and not text[total[2]:].strip(" :"):
                head_end = len(text)  # "Copies made: 9": the number belongs to the head
            dist.head, n = _with_total(state, text[:head_end].rstrip(), u.line)
            dist.total = dist.total or n
            rest = text[head_end:].strip()
            if not rest:
                line_items = True
                continue
            text = rest
        elif k == 0:
            nodes, total = _with_total(state, text, u.line)
            dist.before.append(Paragraph(nodes, u.line))
            dist.total = dist.total or total
            line_items = True
            continue
        same_block = k > 0 and u.block == units[k - 1].block and not u.blank_before
        counted = bool(NUMBERED.match(text) or _COUNTED_LINE.match(text) or _MARKED_ITEM.match(text))
        # A plain line continues a list of plain lines, not a numbered one ("Typed by …").
        plain_list = not any(NUMBERED.match(i.source) or _COUNTED_LINE.match(i.source)
                             for i in dist.items)
        if line_items and not dist.after and (
                counted or (len(text.split()) <= 8 and (not dist.items or (same_block and plain_list)))):
            for part in text.split("\n"):
                dist.items.append(_item(state, part.strip(), u.line))
            continue
        # Items stop at the first paragraph after the list, or after a stated total.
        if not line_items and (text.count(",") >= 1 or not dist.items) and not dist.after \
                and dist.trailer is None:
            pieces = _split_items(text)
            for j, piece in enumerate(pieces):
                total = _total_in(piece)
                if total and j == len(pieces) - 1 and "file" not in piece.lower():
                    recipient = piece[:total[1]].rstrip(" =")
                    if recipient:  # "KC PZPR-1 = 7 copies": the last recipient, then the total
                        dist.items.append(_item(state, recipient, u.line))
                        piece = piece[len(recipient):].lstrip()
                    nodes, n = _with_total(state, piece, u.line)
                    dist.trailer, dist.total = nodes, n
                else:
                    dist.items.append(_item(state, piece, u.line))
            continue
        nodes, n = _with_total(state, text, u.line)  # "3 copies made" after the list
        dist.total = dist.total or n
        dist.after.append(Paragraph(nodes, u.line))
    return dist


# ====================================================================== closer (taken from the end)


POSTSCRIPT = re.compile(r"^P\.?\s?P?\.?\s?S\.?(?:[\s:—–-]|$)")


def _is_trailer(u: Unit, cls: Classifier) -> bool:
    if POSTSCRIPT.match(u.text):
        return True
    sl = split_label(u.text)
    if sl and cls.is_field_label(sl[0]):
        return True
    if REGISTRY.match(u.text) or _TYPED_BY.match(u.text):
        return True
    return bool(_ONE_BRACKET.fullmatch(u.text)) and not cls.is_signature_line(u.text)


_TYPED_BY = re.compile(r"^(?:typed|drafted|written)\s+by\s", re.I)


def take_closer(units: list[Unit], state: BodyState) -> tuple[list[Unit], list[Unit], list[Unit]]:
    """Split off the signature block and what follows it: (main, closer, trailers)."""
    cls = state.cls
    end = len(units)
    i = end
    while i > 0 and units[i - 1].held is None and _is_trailer(units[i - 1], cls) and end - i < 4:
        i -= 1
    trailer_start = i
    sig_end = i
    has_signature = False
    while i > 0 and sig_end - i < 7:
        u = units[i - 1]
        if u.held is not None or _is_turn_candidate(u.text, state):
            break
        if cls.is_valediction(u.text):
            i -= 1
            break
        if not cls.is_signature_line(u.text):
            break
        has_signature = True
        i -= 1
    if not has_signature or i == 0:
        return units, [], []
    before = units[i - 1]
    starts_block = units[i].blank_before or units[i].block != before.block
    if not (SENTENCE_END.search(before.text) or starts_block):
        return units, [], []
    return units[:i], units[i:trailer_start], units[trailer_start:]


def build_closer(units: list[Unit], state: BodyState) -> Closer:
    """Valediction, signature lines and place/date of signing."""
    parts: list = []
    for u in units:
        for k, part in enumerate(u.text.split("\n")):
            line = u.line + k
            if state.cls.is_valediction(part):
                parts.append(Salute(inl(state, part, line), line))
            elif state.cls.is_date_only(part) or state.cls.is_dateline(part):
                parts.append(Dateline(_dated(state, part, line), line))
            elif parts and isinstance(parts[-1], Signed):
                parts[-1].lines.append(inl(state, part, line, dates=True))
            else:
                parts.append(Signed([inl(state, part, line, dates=True)], line))
    return Closer(parts)


def _dated(state: BodyState, text: str, line: int) -> list[Inline]:
    """Inline nodes of a dateline, with the date normalised even across brackets."""
    nodes = inl(state, text, line, dates=True)
    if any(isinstance(n, DateRef) for n in nodes):
        return nodes
    plain = plain_text([n for n in nodes if not isinstance(n, Note)])
    found = find_dates(plain, state.ctx.century)
    when = found[0].when if found else None
    if not when:
        year = re.search(r"\b(1[89]\d\d|20\d\d)\b", plain)
        when = year.group(1) if year else None
    if not when:
        return nodes
    comma = next((k for k, n in enumerate(nodes) if isinstance(n, Text) and "," in n.text), None)
    if comma is None:
        return [DateRef(nodes, when)]
    head = nodes[comma].text
    cut = head.index(",") + 1
    spaces = len(head[cut:]) - len(head[cut:].lstrip())
    tail = [Text(head[cut + spaces:])] if head[cut + spaces:] else []
    return [*nodes[:comma], Text(head[:cut + spaces]), DateRef([*tail, *nodes[comma + 1:]], when)]


def build_trailers(units: list[Unit], state: BodyState) -> list:
    """Lines after the signature: registry numbers, authentication, annotations."""
    out: list = []
    for u in units:
        nodes = inl(state, u.text, u.line, dates=True)
        if POSTSCRIPT.match(u.text):
            out.append(Postscript(nodes, u.line))
            continue
        alone = standalone(nodes, u.line)
        if isinstance(alone, NoteBlock | PageBreakBlock):
            out.append(alone)
            continue
        out.append(Trailer(nodes, u.line))
    return out


# ====================================================================== speakers


def _is_turn_candidate(text: str, state: BodyState) -> bool:
    sl = split_label(text)
    return bool(sl and sl[1] and label_key(sl[0]) in state.speakers)


_HEREAFTER = re.compile(r"[(\[]\s*(?:here(?:in)?after|henceforth)\b", re.I)


def decide_speakers(units: list[Unit], state: BodyState) -> None:
    """Which labels start turns: people, not form fields, salutations or sentences."""
    cls = state.cls
    candidates: list[tuple[Unit, str, bool]] = []  # (unit, label, strong)
    for u in units:
        sl = split_label(u.text) if u.held is None else None
        if not sl or not sl[1]:
            continue
        label = sl[0]
        hinted = state.hints.speakers.get(label)
        if hinted is not None:  # the editor decided: a speaker (of that person) or not
            if hinted is False:
                state.decisions.append(Decision("speaker", u.line, u.line, "no speaker", "hint",
                                                label, "the hints file says so"))
            else:
                state.speakers.add(label_key(label))
            continue
        if cls.is_participant_label(label) or cls.is_field_label(label) \
                or cls.is_distribution_label(label):
            continue
        strong = bool(_HEREAFTER.search(label))
        if strong or cls.is_name_shaped(label) or cls.is_role_shaped(label):
            candidates.append((u, label, strong))
    conversation = len(candidates) >= 3 or any(s for _, _, s in candidates)
    counts: dict[str, int] = {}
    for _, label, _ in candidates:
        counts[label_key(label)] = counts.get(label_key(label), 0) + 1
    rejected: list[tuple[Unit, str, str]] = []
    judged: dict[str, tuple[LabelParts, bool]] = {}  # a speaker's label recurs on every turn
    for u, label, strong in candidates:
        key = label_key(label)
        if label not in judged:
            parts = parse_label(probe(state, label, u.line), state.vocab)
            judged[label] = parts, state.registry.resolve(parts) is not None
        parts, known = judged[label]
        if strong or known or (conversation and cls.is_name_shaped(label)) \
                or (conversation and counts[key] >= 2):
            state.speakers.add(key)
            if parts.alias:
                state.speakers.add(label_key(parts.alias))
        else:
            why = ("a role that names no participant and is used once" if conversation
                   else "no conversation: fewer than three labelled paragraphs")
            rejected.append((u, label, why))
    for u, label, why in rejected:
        if label_key(label) not in state.speakers:
            state.decisions.append(Decision("speaker", u.line, u.line, "no speaker",
                                            "decide_speakers", label, why))
            state.report.warn(u.line, 1, "unresolved-speaker",
                              f"'{label}:' looks like a speaker label but was kept as text ({why})")


def _silent(state: BodyState) -> InlineContext:
    return InlineContext(state.vocab, Reporter(state.report.file), dict(state.ctx.footnotes),
                         set(state.ctx.used_footnotes))


# ====================================================================== top of the document


def _heading_continues(u: Unit, prev: Unit, cls: Classifier) -> bool:
    if u.block != prev.block or u.blank_before:
        return False
    if split_label(u.text) or cls.is_classification(u.text) or cls.is_dateline(u.text):
        return False
    return u.text[:1].islower() or cls.is_caps_heading(u.text)


def take_top(units: list[Unit], state: BodyState) -> tuple[list, list[Unit]]:
    """Heading, letterhead, classification, dateline, fields and salutation at the start."""
    cls = state.cls
    parts: list = []
    i = 0
    seen_text_zone = False
    while i < len(units):
        u = units[i]
        if isinstance(u.held, Distribution):  # a list between the dateline and the address
            parts.append(u.held)
            i += 1
            continue
        address = _address_block(units, i, state) if seen_text_zone else 0
        if address:  # the addressee's lines between the dateline and the salutation
            parts.append(Letterhead([inl(state, a.text, a.line) for a in units[i:i + address]],
                                    "address"))
            state.claim(units[i:i + address], "opener", "take_top", "address")
            i += address
            continue
        nodes_rule = _top_rule(u, state, parts, seen_text_zone)
        if nodes_rule is None:
            break
        kind, block = nodes_rule
        start = i
        if kind == "heading":
            lines = [u]
            while i + 1 < len(units) and _heading_continues(units[i + 1], lines[-1], cls):
                i += 1
                lines.append(units[i])
            text = "\n".join(x.text for x in lines)
            block = Heading(inl(state, text, u.line), u.line)
        elif kind == "field":
            block, i = _field_with_value(units, i, state)
            if block is None:
                break
        parts.append(block)
        state.claim(units[start:i + 1], "heading" if kind == "heading" else "opener", "take_top",
                    kind)
        seen_text_zone = seen_text_zone or kind in ("heading", "dateline")
        i += 1
    return parts, units[i:]


def _address_block(units: list[Unit], i: int, state: BodyState) -> int:
    """How many short lines from unit i stand right before a salutation (an address)."""
    for k in range(i, min(i + 7, len(units))):
        u = units[k]
        if state.cls.is_salute(u.text):
            return k - i
        if "\n" in u.text or split_label(u.text) or len(u.text.split()) > 8 \
                or SENTENCE_END.search(u.text):
            return 0
    return 0


def _top_rule(u: Unit, state: BodyState, parts: list, seen: bool) -> tuple[str, object] | None:
    """What a unit at the top of the document is, or None when the top has ended."""
    cls = state.cls
    text = u.text
    if u.held is not None:
        return None
    alone = standalone(probe(state, text, u.line), u.line) if may_stand_alone(text) else None
    if isinstance(alone, NoteBlock | GapBlock):
        return "note", standalone(inl(state, text, u.line), u.line)
    sl = split_label(text)
    if cls.is_classification(text) or (re.match(r"^copy\s+(?:no|nº|n°)\b", text, re.I)
                                       and not sl):
        return "classification", Letterhead([inl(state, text, u.line)], "classification")
    if REGISTRY_LINE.match(text) and "\n" not in text:
        return "registry", Letterhead([inl(state, text, u.line)], "registry")
    if cls.is_title(text.replace("\n", " ")) or cls.is_caps_heading(text) \
            or LETTER_SPACED.match(text):
        return "heading", None
    if cls.is_dateline(text):
        return "dateline", Dateline(_dated(state, text, u.line), u.line)
    if cls.is_salute(text):
        return "salute", Salute(inl(state, text, u.line), u.line)
    if (sl and cls.is_field_label(sl[0]) and not cls.is_participant_label(sl[0])) or (
            text.endswith(":") and cls.is_field_label(text[:-1])):
        return "field", None
    log = TRANSMISSION_LOG.match(text)
    if log and "\n" not in text:  # "Sent by wire on 9.III.51 at 02:40": a field without a colon
        return "log", FieldList("fields", [Field(log.group(1), inl(state, log.group(2), u.line, True),
                                                 u.line)])
    if MARGINAL.search(text) and len(text.split()) > 4 and not sl:
        return "note", NoteBlock(Note("physical", inl(state, text, u.line), place="margin"),
                                 u.line)
    if not seen and not sl and cls.is_letterhead_line(text):
        return "letterhead", Letterhead([inl(state, text, u.line)])
    return None


def _field_with_value(units: list[Unit], i: int,
                      state: BodyState) -> tuple[FieldList | None, int]:
    """A field; "To:" alone takes the lines of its block below it, or the paragraph after
    it, as its value (None when nothing follows: a label without a value is no field)."""
    u = units[i]
    sl = split_label(u.text)
    if sl and sl[1]:
        return FieldList("fields", [Field(u.text[:sl[2]], inl(state, sl[1], u.line, True), u.line)]), i
    label = sl[0] + ":" if sl else u.text
    value_units = _value_units(units, i, state, people=False)
    if not value_units:
        return None, i
    return FieldList("fields", [Field(label, _joined(value_units, state), u.line)]), i + len(value_units)


def build_opener(parts: list) -> list:
    """Group top parts: headings stand alone, everything else in openers around them."""
    out: list = []
    for p in parts:
        if isinstance(p, Heading | Distribution):
            out.append(p)
            continue
        if isinstance(p, FieldList) and out and isinstance(out[-1], Opener) \
                and out[-1].parts and isinstance(out[-1].parts[-1], FieldList):
            out[-1].parts[-1].fields.extend(p.fields)
            continue
        if isinstance(p, Letterhead) and out and isinstance(out[-1], Opener) \
                and out[-1].parts and isinstance(out[-1].parts[-1], Letterhead) \
                and out[-1].parts[-1].kind == p.kind:
            out[-1].parts[-1].lines.extend(p.lines)
            continue
        if not out or not isinstance(out[-1], Opener):
            out.append(Opener([]))
        out[-1].parts.append(p)
    # An opener holding only notes or gaps needs no opener.
    flat: list = []
    for b in out:
        if isinstance(b, Opener) and all(isinstance(x, NoteBlock | GapBlock) for x in b.parts):
            flat.extend(b.parts)
        else:
            flat.append(b)
    return flat


# ====================================================================== main body


@dataclass
class Flow:
    """Where the block rules put what they build: the div, a section, a turn."""

    top: list = field(default_factory=list)  # the div's blocks
    container: list | None = None  # the current div or section (the div itself at first)
    turn: Turn | None = None

    def __post_init__(self) -> None:
        if self.container is None:
            self.container = self.top

    def add(self, block) -> None:
        (self.turn.blocks if self.turn else self.container).append(block)

    def last(self):
        target = self.turn.blocks if self.turn else self.container
        return target[-1] if target else None


BlockRule = Callable[[Unit, BodyState, Flow, list[Unit], int], int | None]


def rule_held(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """A block built before the chain ran (a distribution list inside the text, a group of
    participants): it ends the current turn, and the text goes on after it."""
    if u.held is None:
        return None
    if isinstance(u.held, list):  # hinted text (paragraphs go on in a turn) or an opener
        for block in u.held:
            flow.add(block)
        return i + 1
    flow.turn = None
    if isinstance(u.held, Distribution):  # the writer puts it in the document's div
        flow.container = flow.top
    last = flow.last()
    if isinstance(u.held, FieldList) and isinstance(last, FieldList) and last.kind == u.held.kind:
        last.fields.extend(u.held.fields)
        return i + 1
    flow.add(u.held)
    return i + 1


def rule_section(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"I. Internal situation": a numbered section of a report."""
    mt = ROMAN_SECTION.match(u.text)
    if not mt or not mt.group(1) or SENTENCE_END.search(u.text) or "\n" in u.text:
        return None
    section = Section("section", mt.group(1), inl(state, u.text, u.line), [], u.line)
    flow.turn = None
    flow.top.append(section)
    flow.container = section.blocks
    return i + 1


def rule_caps_section(u: Unit, state: BodyState, flow: Flow, units: list[Unit],
                      i: int) -> int | None:
    """"CONCLUSIONS" alone in its paragraph of a report, letter or telegram: a section."""
    if state.kind in ("minutes", "journal") or flow.turn is not None or "\n" in u.text:
        return None
    alone = u.blank_before and (i + 1 == len(units) or units[i + 1].blank_before)
    if not alone or len(u.text.split()) > 8 or not state.cls.is_caps_heading(u.text):
        return None
    section = Section("section", None, inl(state, u.text, u.line), [], u.line)
    flow.top.append(section)
    flow.container = section.blocks
    return i + 1


def rule_entry(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"3 September 1959" alone in a journal: a dated entry."""
    if state.kind != "journal" or not state.cls.is_date_only(u.text):
        return None
    entry = Section("entry", None, inl(state, u.text, u.line, dates=True), [], u.line)
    flow.turn = None
    flow.top.append(entry)
    flow.container = entry.blocks
    return i + 1


def rule_turn(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"Liu: Welcome…": a speaker's turn."""
    sl = split_label(u.text)
    if not sl or not sl[1] or label_key(sl[0]) not in state.speakers:
        return None
    label_nodes = inl(state, sl[0], u.line)
    parts = parse_label(label_nodes, state.vocab)
    known, why = _hinted_speaker(sl[0], u, state) or state.registry.resolve_why(parts)
    if known is None and len(parts.name.split()) == 1:
        many = state.registry.token_matches(parts.name)
        if len(many) > 1:
            state.report.warn(u.line, 1, "ambiguous-speaker",
                              f"'{sl[0]}:' could be any of {', '.join(p.name for p in many)}; "
                              "a separate person was created")
    person = state.registry.speaker(parts, state.cls.title, u.line, known)
    state.decisions.append(Decision(
        "speaker", u.line, u.line, person.id, "hint" if why == _BY_HINT else "resolve", sl[0],
        why if known else "a new person, named by the label", u.col))
    turn = Turn(person.id, label_nodes, [], u.line)
    flow.turn = None
    flow.container.append(turn)
    flow.turn = turn
    _add_text(sl[1], u, state, flow, u.line, allow_join=False,
              col=len(u.text) - len(sl[1]) + 1)
    return i + 1


_BY_HINT = "the hints file names this person"


def _hinted_speaker(label: str, u: Unit, state: BodyState) -> tuple[Person, str] | None:
    """The person a hint maps this label to; a hint naming no one is an error."""
    pid = state.hints.speakers.get(label)
    if not isinstance(pid, str):
        return None
    person = state.registry.by_id(pid)
    if person is None:
        raise HintsError(state.hints.file or "hints", state.hints.line_of("speakers", label),
                         f"[speakers] {label!r} = {pid!r}: no person of the document (line "
                         f"{u.line}) or of the registry has this id")
    return person, _BY_HINT


def rule_fields(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"From: …", "Sent: …": form fields (participants are held blocks by now)."""
    sl = split_label(u.text)
    cls = state.cls
    if not ((sl and sl[1] and cls.is_field_label(sl[0])) or (
            u.text.endswith(":") and cls.is_field_label(u.text[:-1]))):
        return None
    flow.turn = None
    block, j = _field_with_value(units, i, state)
    if block is None:
        return None
    last = flow.last()
    if isinstance(last, FieldList) and last.kind == "fields":
        last.fields.extend(block.fields)
    else:
        flow.add(block)
    return j + 1


def rule_letter(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """A salutation in the middle of the text starts a letter read out or quoted."""
    if u.held is not None or not state.cls.is_salute(u.text):
        return None
    j = i + 1
    while j < len(units) and units[j].held is None and not _is_turn_candidate(units[j].text, state):
        j += 1
    inner = units[i:j]
    rest, closer_units, trailer_units = take_closer(inner[1:], state)
    letter_flow = Flow()
    letter_flow.top.append(Opener([Salute(inl(state, u.text, u.line), u.line)]))
    run_rules(rest, state, letter_flow, rules=(rule_list, rule_paragraph), record=False)
    if closer_units:
        letter_flow.top.append(build_closer(closer_units, state))
        letter_flow.top.extend(build_trailers(trailer_units, state))
    flow.turn = None
    flow.container.append(EmbeddedLetter(letter_flow.top, u.line))
    return j


def rule_list(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """"1.  The station…", "- The Korean side…": numbered and bulleted items."""
    mt = NUMBERED.match(u.text) or BULLET.match(u.text)
    if not mt:
        return None
    kind = "numbered" if NUMBERED.match(u.text) else "bulleted"
    marker = u.text[:mt.end()].strip()
    item = ListItem(marker, inl(state, u.text[mt.end():], u.line), u.line)
    last = flow.last()
    if isinstance(last, ItemList) and last.kind == kind:
        last.items.append(item)
    else:
        flow.add(ItemList(kind, [item]))
    return i + 1


def rule_paragraph(u: Unit, state: BodyState, flow: Flow, units: list[Unit], i: int) -> int | None:
    """Anything else is running text: continuing a turn, or standing in the div."""
    if flow.turn and state.cls.is_closing_narrative(u.text):
        flow.turn = None
    _add_text(u.text, u, state, flow, u.line, allow_join=True)
    return i + 1


def _add_text(text: str, u: Unit, state: BodyState, flow: Flow, line: int, allow_join: bool,
              col: int = 1) -> None:
    nodes = inl(state, text, line, col=col)
    alone = standalone(nodes, line)
    last, pb = flow.last(), PageBreak()
    if isinstance(last, PageBreakBlock) and alone is None:
        # A page marker standing alone between the two halves of a cut paragraph.
        target = flow.turn.blocks if flow.turn else flow.container
        if len(target) >= 2 and isinstance(target[-2], Paragraph):
            last, pb = target[-2], last.pb
    if allow_join and isinstance(last, Paragraph) and u.blank_before and text[:1].islower() \
            and not SENTENCE_END.search(plain_text(last.inlines)):
        last.inlines = merge_text([*last.inlines, Text(" "), pb, *nodes])
        if pb.n is not None:
            (flow.turn.blocks if flow.turn else flow.container).pop()  # now inside the p
        return
    if alone is not None:
        flow.add(alone)
        return
    flow.add(Paragraph(nodes, line))


BODY_RULES: tuple[BlockRule, ...] = (
    rule_held, rule_section, rule_caps_section, rule_entry, rule_turn, rule_fields, rule_letter, rule_list,
    rule_paragraph,
)


# What each rule's units become, for `explain`.
RULE_KINDS = {"rule_section": "heading", "rule_caps_section": "heading", "rule_entry": "heading",
              "rule_turn": "turn", "rule_fields": "fields", "rule_letter": "letter",
              "rule_list": "list", "rule_paragraph": "text"}


def run_rules(units: list[Unit], state: BodyState, flow: Flow,
              rules: tuple[BlockRule, ...] = BODY_RULES, record: bool = True) -> None:
    """The block chain: each unit goes to the first rule that claims it (and, with
    `record`, the claim is kept for `explain`; held units were recorded when made)."""
    i = 0
    while i < len(units):
        for rule in rules:
            in_turn = flow.turn is not None
            nxt = rule(units[i], state, flow, units, i)
            if nxt is not None:
                if record and rule is not rule_held:
                    why = "continues the turn" if rule is rule_paragraph and in_turn and \
                        flow.turn is not None else ""
                    state.claim(units[i:nxt], RULE_KINDS.get(rule.__name__, "text"),
                                rule.__name__, why)
                i = nxt
                break


# ====================================================================== document


def detect_kind(title: str, vocab: Vocabulary) -> str | None:
    """The kind named earliest in the catalogue title."""
    low = fold(title)
    best: tuple[int, str] | None = None
    for kind, words in vocab.kinds.items():
        for w in words:
            mt = whole_word(w).search(low)
            if mt and (best is None or mt.start() < best[0]):
                best = (mt.start(), kind)
    return best[1] if best else None


def collect_participants(units: list[Unit], state: BodyState) -> list[Unit]:
    """People named in the preamble, registered before speakers are resolved: labelled
    lines ("Present: …", or "Foreign guests:" alone with its value below) and a bulleted
    list of names with titles before the first turn. Each group stands in the flow as a
    held participants list."""
    out: list[Unit] = []
    # The last words of the labels: surnames that may separate names run together.
    surnames = frozenset(name_key(sl[0].split()[-1]) for u in units
                         if (sl := split_label(u.text)) and sl[1] and sl[0].split())
    first_label = next((k for k, u in enumerate(units) if _label_shaped(u, state)), len(units))
    i = 0
    while i < len(units):
        fields, j = _participant_fields(units, i, state, first_label) if units[i].held is None \
            else ([], i)
        if not fields:
            out.append(units[i])
            i += 1
            continue
        for fld in fields:
            for m in mentions_in(fld, state.vocab, surnames):
                label = fld.label.rstrip(": ")
                side = label if label_key(label).endswith(" side") else m.side
                state.registry.add(m.name, m.role, m.role_name, m.variant, side=side,
                                   line=fld.line, forms=tuple(m.forms))
        u = units[i]
        out.append(Unit(u.text, u.line, u.blank_before, u.block, u.indent,
                        held=FieldList("participants", fields)))
        i = j
    for u in out:
        if u.held is None and not split_label(u.text) and _HEREAFTER.search(u.text):
            for name, alias in introduced_in(u.text, state.vocab):
                state.registry.introduce(name, alias, u.line)
    return out


def _participant_fields(units: list[Unit], i: int, state: BodyState,
                        first_label: int) -> tuple[list[Field], int]:
    """The participants group starting at unit i, and where it ends; `first_label` is the
    index of the first unit with a speaker-shaped label (bullets before it may be people)."""
    u = units[i]
    sl = split_label(u.text)
    if sl and state.cls.is_participant_label(sl[0]):
        if sl[1]:
            return [Field(u.text[:sl[2]], inl(state, sl[1], u.line, True), u.line)], i + 1
        value_units = _value_units(units, i, state, people=label_key(sl[0]) not in NOT_PEOPLE)
        if not value_units:
            return [Field(u.text[:sl[2]], [], u.line)], i + 1
        return [Field(u.text[:sl[2]], _joined(value_units, state), u.line)], i + 1 + len(value_units)
    return _bullet_people(units, i, state) if i < first_label else ([], i)


def _joined(value_units: list[Unit], state: BodyState) -> list[Inline]:
    """The inlines of several lines, separated by line breaks."""
    value: list[Inline] = []
    for k, vu in enumerate(value_units):
        if k:
            value.append(LineBreak())
        value.extend(inl(state, vu.text, vu.line, True))
    return value


def _names_people(u: Unit, state: BodyState, label: str) -> bool:
    """A line or paragraph that names people (and is not prose)."""
    if not _short_lines(u, 40):
        return False
    return bool(mentions_in(Field(label, probe(state, u.text, u.line)), state.vocab))


def _block_names_people(units: list[Unit], k: int, state: BodyState, label: str) -> bool:
    """Whether the paragraph starting at unit k ("From Seoul" ⏎ "YUN Chae-ho …") names people."""
    for v in units[k:]:
        if v is not units[k] and (v.blank_before or v.block != units[k].block):
            return False
        if _names_people(v, state, label):
            return True
    return False


def _value_units(units: list[Unit], i: int, state: BodyState, people: bool) -> list[Unit]:
    """The value of a label standing alone: the lines of its block below it, else the
    paragraph after it ("Date and Time:" ⏎ "8 April 1965, 4 p.m."); for a label of people,
    every following paragraph that names people ("From Seoul" ⏎ "YUN Chae-ho …")."""
    label = split_label(units[i].text)[0] if split_label(units[i].text) else units[i].text
    out: list[Unit] = []
    for k in range(i + 1, len(units)):
        v = units[k]
        if v.held is not None or split_label(v.text) or _ALIAS_LABEL.match(v.text):
            break
        new_paragraph = v.blank_before or v.block != (out[-1] if out else units[i]).block
        if not out and new_paragraph and not _short_lines(v, 25):
            break
        if out and new_paragraph and not (people and _block_names_people(units, k, state, label)):
            break
        if people and not new_paragraph and out and not _short_lines(v, 40):
            break
        out.append(v)
    return out


def _bullet_people(units: list[Unit], i: int, state: BodyState) -> tuple[list[Field], int]:
    """"• Kwan Teh-ming, Minister of Foreign Affairs" lines before the first turn of a
    conversation: one participant each."""
    if not BULLET.match(units[i].text):
        return [], i
    j = i
    while j < len(units) and BULLET.match(units[j].text) and _short_lines(units[j], 15) \
            and len(mentions_in(Field("", probe(state, units[j].text[BULLET.match(units[j].text).end():],
                                                   units[j].line)), state.vocab)) == 1:
        j += 1
    labels_after = sum(_label_shaped(u, state) for u in units[j:])
    if j - i < 2 or labels_after < 2:
        return [], i
    fields = []
    for u in units[i:j]:
        mt = BULLET.match(u.text)
        fields.append(Field(mt.group(1), inl(state, u.text[mt.end():], u.line), u.line))
    return fields, j


def _label_shaped(u: Unit, state: BodyState) -> bool:
    sl = split_label(u.text)
    return bool(sl and sl[1] and (state.cls.is_name_shaped(sl[0]) or state.cls.is_role_shaped(sl[0])))


def _link_participants(blocks: list, registry: PersonRegistry) -> None:
    names: dict[str, str] = {}
    for p in registry.persons:
        names[p.name] = p.id
    for b in blocks:
        if isinstance(b, FieldList) and b.kind == "participants":
            for f in b.fields:
                f.value = link_names(f.value, names)


def read(text: str, name: str, source: str, report: Reporter,
         vocab: Vocabulary | None = None, known: tuple[KnownPerson, ...] = (),
         hints: Hints | None = None) -> Document:
    """Read one export into a Document; `known` is the project's persons registry, `hints`
    an editor's corrections (they win over the rules; errors raise HintsError)."""
    vocab = vocab or load_vocabulary()
    hints = hints or Hints()
    lines = text.split("\n")
    hb = read_header_blocks(lines)
    header = build_header(hb, report, vocab)
    if hb.body_start is None:
        raise ReaderError(len(lines), "no-body",
                          "no body: expected a **Contents:** block followed by its value "
                          "(\"Translation - English\") and the text")
    _hint_header(header, hints)
    header.translator_ids = [translator_id(t) for t in header.translators]  # ids: the reader's
    reserved = frozenset({document_id(name), *header.translator_ids})
    registry = PersonRegistry(vocab, known, reserved)
    century = int(header.date[:2]) * 100 if header.date else None
    ctx = InlineContext(vocab, report, century=century, translator_id=None,
                        brackets=hints.brackets, decisions=[])
    kind = hints.kind or detect_kind(header.title, vocab)
    cls = Classifier(vocab, header.title)
    units = make_units(lines[hb.body_start:], hb.body_start + 1, report)
    if not units:
        raise ReaderError(hb.body_start, "no-body", "the body after the Contents block is empty")
    state = BodyState(units, cls, ctx, registry, report, kind or "document", hints=hints)
    if header.translators:
        ctx.translator_id = translator_id(header.translators[0])
    units = apply_block_hints(unflatten(units, state), state, len(lines))
    body, distribution, endorsements = _read_body(units, state)
    if kind is None:
        kind = "minutes" if any(isinstance(b, Turn) for b in body) else "document"
    _creation(header, body)
    decisions = sorted([*state.decisions, *ctx.decisions], key=lambda d: (d.first, d.col))
    return Document(
        name=name, source=source, sha256=hashlib.sha256(text.encode()).hexdigest(), kind=kind,
        header=header, persons=registry.persons, sides=_sides(registry), body=body,
        distribution=distribution, endorsements=endorsements, decisions=decisions,
        hints=(os.path.basename(hints.file), hints.sha256) if hints.file and hints.sha256 else None,
        xml_id=document_id(name),
    )


def _read_body(units: list[Unit],
               state: BodyState) -> tuple[list, Distribution | None, Endorsements | None]:
    """The body's blocks, the final distribution list and the endorsements: the material
    at the ends is taken off first, then the block chain reads the rest."""
    rest = _claiming(units, take_footnotes(units, state), state, "footnotes", "take_footnotes")
    before = rest
    rest, endorsements = take_endorsements(rest, state)
    state.claim(before[len(rest):], "endorsements", "take_endorsements")
    rest = _claiming(rest, collect_participants(rest, state), state, "participants",
                     "collect_participants")
    decide_speakers(rest, state)
    before = rest
    rest, distribution = take_distribution(before, state)
    if distribution:  # the final list: everything after its start
        state.claim(before[len(rest):], "distribution", "take_distribution")
    else:  # a list inside the text, now a held unit
        _claiming(before, rest, state, "distribution", "take_distribution")
    top_parts, rest = take_top(rest, state)
    rest, closer_units, trailer_units = take_closer(rest, state)
    state.claim(closer_units, "closer", "take_closer")
    state.claim(trailer_units, "closer", "take_closer", "trailer")
    flow = Flow()
    flow.top.extend(build_opener(top_parts))
    run_rules(rest, state, flow)
    if closer_units:
        flow.top.append(build_closer(closer_units, state))
    flow.top.extend(build_trailers(trailer_units, state))
    for n, note in state.ctx.footnotes.items():
        if n not in state.ctx.used_footnotes:
            flow.top.append(NoteBlock(Note(None, note, place="foot", n=n)))
    _link_participants(flow.top, state.registry)
    return flow.top, distribution, endorsements


def _claiming(before: list[Unit], after: list[Unit], state: BodyState, kind: str,
              rule: str) -> list[Unit]:
    """Record the units a step folded into held blocks (those gone from `after`)."""
    kept = {id(u) for u in after}
    run: list[Unit] = []
    for u in before:
        if id(u) in kept:
            if run:
                state.claim(run, kind, rule)
            run = []
        else:
            run.append(u)
    if run:
        state.claim(run, kind, rule)
    return after


def _hint_header(header: Header, hints: Hints) -> None:
    """The document's date and original language as the editor set them."""
    if hints.date:
        header.date = hints.date
    if hints.language:
        header.language_code = hints.language


# ====================================================================== hints


def apply_block_hints(units: list[Unit], state: BodyState, n_lines: int) -> list[Unit]:
    """Each hinted line range becomes one held block of the hinted kind, built from its
    units before any rule looks at them."""
    out = list(units)
    for hint in state.hints.blocks:
        first, last = _hinted_units(out, hint, state, n_lines)
        chosen = out[first:last + 1]
        block = BLOCK_BUILDERS[hint.kind](chosen, state)
        state.claim(chosen, hint.kind, "hint", f"lines {hint.first}-{hint.last} in the hints file")
        u = chosen[0]
        out[first:last + 1] = [Unit(u.text, u.line, u.blank_before, u.block, u.indent, held=block)]
    return out


def _hinted_units(units: list[Unit], hint: BlockHint, state: BodyState,
                  n_lines: int) -> tuple[int, int]:
    """The first and last unit a hinted range covers; the range must start and end with
    units (a paragraph cannot be cut in two)."""
    file = state.hints.file or "hints"
    if hint.last > n_lines:
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last}: the source has only "
                         f"{n_lines} lines")
    inside = [k for k, u in enumerate(units) if u.held is None
              and hint.first <= u.line and u.end <= hint.last]
    for u in units:
        end = u.end
        if u.line < hint.first <= end or u.line <= hint.last < end:
            raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} cut through the "
                             f"paragraph on lines {u.line}-{end}; the rules cannot honour it")
    if not inside:
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} hold no text of the "
                         "body")
    if inside != list(range(inside[0], inside[-1] + 1)):
        raise HintsError(file, hint.line, f"lines {hint.first}-{hint.last} cross another hinted "
                         "block")
    return inside[0], inside[-1]


def _hinted_fields(kind: str):
    def build(units: list[Unit], state: BodyState) -> FieldList:
        fields: list[Field] = []
        for u in units:
            sl = split_label(u.text)
            if sl or not fields:
                label, value = (u.text[:sl[2]], sl[1]) if sl else ("", u.text)
                fields.append(Field(label, inl(state, value, u.line, True), u.line))
            else:
                fields[-1].value.extend([LineBreak(), *inl(state, u.text, u.line, True)])
        if kind == "participants":
            for fld in fields:
                for m in mentions_in(fld, state.vocab):
                    state.registry.add(m.name, m.role, m.role_name, m.variant, line=fld.line,
                                       forms=tuple(m.forms))
        return FieldList(kind, fields)
    return build


def _hinted_text(units: list[Unit], state: BodyState) -> list[Paragraph]:
    return [Paragraph(inl(state, u.text, u.line), u.line) for u in units]


def _hinted_heading(units: list[Unit], state: BodyState) -> Heading:
    return Heading(inl(state, "\n".join(u.text for u in units), units[0].line), units[0].line)


def _hinted_letter(units: list[Unit], state: BodyState) -> EmbeddedLetter:
    rest, closer_units, trailer_units = take_closer(units, state)
    letter = Flow()
    parts, rest = take_top(rest, state)
    letter.top.extend(build_opener(parts))
    run_rules(rest, state, letter, rules=(rule_list, rule_paragraph), record=False)
    if closer_units:
        letter.top.append(build_closer(closer_units, state))
    letter.top.extend(build_trailers(trailer_units, state))
    return EmbeddedLetter(letter.top, units[0].line)


def _hinted_opener(units: list[Unit], state: BodyState) -> list:
    parts, rest = take_top(units, state)
    parts.extend(Letterhead([inl(state, u.text, u.line)]) for u in rest)
    return build_opener(parts)


def _hinted_endorsements(units: list[Unit], state: BodyState) -> Endorsements:
    return Endorsements([inl(state, part, u.line + k, dates=True)
                         for u in units for k, part in enumerate(u.text.split("\n"))],
                        units[0].line)


BLOCK_BUILDERS = {
    "distribution": parse_distribution, "participants": _hinted_fields("participants"),
    "fields": _hinted_fields("fields"), "text": _hinted_text, "heading": _hinted_heading,
    "letter": _hinted_letter, "opener": _hinted_opener, "closer": build_closer,
    "endorsements": _hinted_endorsements,
}


def _sides(registry: PersonRegistry) -> list[tuple[str, list[str]]]:
    sides: dict[str, list[str]] = {}
    for p in registry.persons:
        if p.side:
            sides.setdefault(p.side, []).append(p.id)
    return list(sides.items())


def _fields_of(blocks: list) -> Iterator[Field]:
    """Fields of the preamble and of openers, in order."""
    for b in blocks:
        lists = [b] if isinstance(b, FieldList) else [
            p for p in getattr(b, "parts", []) if isinstance(p, FieldList)]
        for fl in lists:
            yield from fl.fields


def _creation(header: Header, blocks: list) -> None:
    """The date and place of the meeting or writing: preamble Time/Place, a Date field,
    else the dateline."""
    for f in _fields_of(blocks):
        key = label_key(f.label.rstrip(":"))
        dates = [n for n in f.value if isinstance(n, DateRef)]
        if key in ("time", "date", "date and time", "sent") and dates and header.creation is None:
            header.creation = dates[0]
            header.creation_text = _flat(f.value)
        if key in ("place", "location", "venue") and header.place is None:
            header.place = _flat(f.value) or None
    for b in blocks:
        for p in getattr(b, "parts", []):
            if not isinstance(p, Dateline):
                continue
            dates = [n for n in p.inlines if isinstance(n, DateRef)]
            if dates and dates[0].when and header.creation is None:
                header.creation = dates[0]
                header.creation_text = _flat(p.inlines)
            first = p.inlines[0] if p.inlines else None
            if header.place is None and isinstance(first, Text) and "," in first.text:
                header.place = first.text.split(",")[0].strip() or None


def _flat(nodes: list[Inline]) -> str:
    return " ".join(plain_text(nodes).split())

"""Units, labels and the classifier: what every block rule reads.

The body is split into *units* (logical lines with their line numbers; brackets that span
lines and hard breaks stay together); `BodyState` is what the rules share while they walk
them, and `Flow` is where they put what they build."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from ...model import (
    Decision,
    Gap,
    GapBlock,
    Inline,
    Note,
    NoteBlock,
    PageBreak,
    PageBreakBlock,
    Paragraph,
    Stage,
    StageBlock,
    Text,
    Turn,
)
from ..dates import find_dates
from ..hints import Hints
from ..inline import InlineContext, fold, merge_text, parse_inline, plain_text
from ..people import (
    PersonRegistry,
    is_name_token,
)
from ..report import Reporter
from ..vocab import Vocabulary

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
# "B e r l i n", "S T E N O G R A P H I C   R E C O R D": letters spaced out, words apart.
LETTER_SPACED = re.compile(r"^(?:\w {1,3}){2,}\w$")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


class ReaderError(Exception):
    """A source the reader cannot turn into a document."""

    def __init__(self, line: int, rule: str, message: str) -> None:
        super().__init__(message)
        self.line, self.rule, self.message = line, rule, message


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


# "Premier Kim Il Sung [henceforth referred to as Kim]. When we…": a label whose alias in
# brackets ends it, then a full stop instead of a colon.
ALIAS_LABEL = re.compile(
    r"^([^\[\]().:\n]{2,80}?\s*\[\s*(?:here(?:in)?after|henceforth)\b[^\]]{1,60}\])\.\s+(?=\S)", re.I)


@lru_cache(maxsize=1 << 14)
def split_label(text: str) -> tuple[str, str, int] | None:
    """"Label: rest" where the colon stands outside brackets and is followed by space, or
    "Name [henceforth X]. rest" (memoised: the block rules ask about each unit several
    times)."""
    mt = ALIAS_LABEL.match(text)
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
        if split_label(text) or text.startswith("(") or ONE_BRACKET.fullmatch(text):
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
ONE_BRACKET = re.compile(r"\[[^\]]*\]")
_INITIAL_END = re.compile(r"(?:\b[A-Z]\.|\ba\.i\.|\bjr\.|\bsr\.)$", re.I)
_NON_WORDS = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _NON_WORDS.sub(" ", fold(text)).strip()


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


def short_lines(u: Unit, words: int) -> bool:
    return all(len(part.split()) <= words for part in u.text.split("\n"))


TYPED_BY = re.compile(r"^(?:typed|drafted|written)\s+by\s", re.I)


def is_turn_candidate(text: str, state: BodyState) -> bool:
    sl = split_label(text)
    return bool(sl and sl[1] and label_key(sl[0]) in state.speakers)


HEREAFTER = re.compile(r"[(\[]\s*(?:here(?:in)?after|henceforth)\b", re.I)


def _silent(state: BodyState) -> InlineContext:
    return InlineContext(state.vocab, Reporter(state.report.file), dict(state.ctx.footnotes),
                         set(state.ctx.used_footnotes))


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


def add_text(text: str, u: Unit, state: BodyState, flow: Flow, line: int, allow_join: bool,
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

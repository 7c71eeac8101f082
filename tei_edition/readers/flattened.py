"""Text pulled from a PDF: paragraphs run together and speaker labels stand inside lines.

"…so I will not keep you longer than necessary. FM Bae: Thank you." In such a body the
blank lines carry no meaning: each run of lines is joined into one stream, and the stream
is cut again where a label stands. A label inside a line counts when it follows the end of
a sentence and the same label recurs, or when it is a preamble label written in capitals
("PARTICIPANTS:", "DATE, TIME AND PLACE:") or named by the vocabulary ("Present:"); once a
speaker label is known, it cuts wherever it stands ("…the Kori Loan Corrigan: Welcome").
Each piece keeps the number of the source line it starts on.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# A label after the end of a sentence (not after an initial: "D. STOYANOV:" starts its line):
# one to four capitalised words or initials, then a colon.
_INLINE_LABEL = re.compile(
    r"(?:(?<=[^\W\d_]{2}[.?!…])|(?<=\d[.?!])|(?<=[\])][.?!])|(?<=[\]\"”)]))[ \t]+"
    r"((?:[A-Z][\w'’-]*\.?\s){0,3}[A-Z][\w'’-]*\.?)(?=:(?:\s|$))", re.U)
# A preamble label in capitals: "PARTICIPANTS:", "DATE, TIME AND PLACE:".
_CAPS_LABEL = re.compile(r"(?<![\w,])([A-Z]{2,}(?:,?\s[A-Z]{2,})*)(?=:\s)")
# The end of a sentence inside a people label's value ("Interpreter: Wu Lanfang. After …").
_SENTENCE_BREAK = re.compile(r"(?<=[a-z\]\)][.!?])\s+(?=[A-Z])")


@dataclass
class Piece:
    """A stretch of the joined stream: its text, the source line and column it starts at,
    and the source line it ends on."""

    text: str
    line: int
    col: int
    last: int


def inline_labels(text: str) -> list[str]:
    """The labels standing inside a text, after a sentence of at least two words (so that
    "Dr. Harwell:" at the start of a paragraph is no label inside a line)."""
    first = text.find(": ") if ": " in text else (len(text) - 1 if text.endswith(":") else -1)
    # No colon, or only the paragraph's own label (fewer than three spaces before it): the
    # common case, decided without a regular expression.
    if first < 0 or (text.find(": ", first + 2) < 0 and text.count(" ", 0, first) < 3):
        return []
    # Two words fit in the 80 characters before a label unless a word is absurdly long;
    # a window keeps this linear in the length of a long flattened stream.
    return [mt.group(1) for mt in _INLINE_LABEL.finditer(text)
            if len(text[max(0, mt.start() - 80):mt.start()].split()) >= 2]


def is_flattened(texts: list[str]) -> bool:
    """Whether a body reads as flattened: several speaker labels stand inside lines."""
    inside = Counter(label for text in texts for label in inline_labels(text))
    # A label recurs ("Choi:" after "Minister Choi:" counts: the same surname), or many stand
    # inside lines; a sentence that happens to end before "Note:" once is no layout.
    surnames = Counter(label.split()[-1] for label in inside.elements())
    return sum(inside.values()) >= 3 and (max(surnames.values()) >= 2 or sum(inside.values()) >= 4)


def speaker_labels(stream: str, is_label: Callable[[str], bool]) -> set[str]:
    """Labels that stand after a sentence end more than once, or once when their last word
    (a surname) also stands elsewhere in the text (the participants, the heading)."""
    counts = Counter(inline_labels(stream))
    out = set()
    for label, n in counts.items():
        if not is_label(label):
            continue
        surname = label.split()[-1]
        elsewhere = len(re.findall(rf"(?<!\w){re.escape(surname)}(?!\w)", stream, re.I)) > n
        if n >= 2 or elsewhere:
            out.add(label)
    return out


def cut_points(stream: str, speakers: set[str], is_preamble: Callable[[str], bool],
               is_people: Callable[[str], bool], is_listed: Callable[[str], bool],
               is_title: Callable[[str], bool] = lambda word: False,
               is_narrative: Callable[[str], bool] = lambda text: False) -> list[int]:
    """Offsets where a new unit starts: before speaker labels (with the titles written
    before them: "… p.m. Minister Choi:"), before preamble labels (`is_listed`: named as
    such by the vocabulary), after the first sentence of a people label's value, and before
    a sentence of closing narrative ("At the end of the conversation …"), which ends a turn."""
    points: set[int] = set()
    for mt in _SENTENCE_BREAK.finditer(stream):
        if is_narrative(stream[mt.end():mt.end() + 60]):
            points.add(mt.end())
    if speakers:
        names = "|".join(re.escape(s) for s in sorted(speakers, key=len, reverse=True))
        for mt in re.finditer(rf"(?<![\w.])(?:{names}):\s", stream):
            points.add(_with_titles(stream, mt.start(), is_title))
    for mt in _CAPS_LABEL.finditer(stream):
        # "… MEMORANDUM OF CONVERSATION PARTICIPANTS:": the longest ending that is a listed
        # label, else the longest that is a label at all.
        endings = [mt.start() + w.start() for w in re.finditer(r"[A-Z]{2,}", mt.group(1))]
        found = next((e for e in endings if is_listed(stream[e:mt.end()])), None)
        if found is None:
            found = next((e for e in endings if is_preamble(stream[e:mt.end()])), None)
        if found is not None:
            points.add(found)
    for mt in re.finditer(r"(?:^|(?<=[.;]\s)|(?<=[.;]))\s*([A-Z][\w ,'’-]{1,30}?):\s", stream):
        if is_preamble(mt.group(1)):
            points.add(mt.start(1))
    # A people label's value ends with its first sentence ("Interpreter: Wu Lanfang. After …").
    ordered = sorted(points)
    for k, start in enumerate(ordered):
        label = stream[start:stream.find(":", start)].strip()
        if not is_people(label) or label in speakers:
            continue
        nxt = ordered[k + 1] if k + 1 < len(ordered) else len(stream)
        brk = _SENTENCE_BREAK.search(stream, start, nxt)
        if brk:
            points.add(brk.end())
    return sorted(p for p in points if 0 < p < len(stream))


def _with_titles(stream: str, start: int, is_title: Callable[[str], bool]) -> int:
    """Where a label starts once the capitalised title words right before it are taken in."""
    while True:
        before = stream[:start].rstrip()
        word = before.rsplit(None, 1)[-1] if before else ""
        if not word or not word[:1].isupper() or not is_title(word):
            return start
        start = len(before) - len(word)


def split_stream(lines: list[tuple[str, int]], points_of: Callable[[str], list[int]]) -> list[Piece]:
    """Join lines (text, line number) with spaces, cut the stream at the points found."""
    parts, offsets, numbers, size = [], [], [], 0
    for text, line in lines:
        offsets.append(size)
        numbers.append(line)
        parts.append(text.strip())
        size += len(parts[-1]) + 1
    stream = " ".join(parts)
    pieces = []
    bounds = [0, *points_of(stream), len(stream)]
    for a, b in itertools.pairwise(bounds):
        chunk = stream[a:b]
        text = chunk.strip()
        if text:
            first = a + len(chunk) - len(chunk.lstrip())
            end = a + len(chunk.rstrip()) - 1
            k = bisect.bisect_right(offsets, first) - 1
            pieces.append(Piece(text, numbers[k], first - offsets[k] + 1,
                                numbers[bisect.bisect_right(offsets, end) - 1]))
    return pieces

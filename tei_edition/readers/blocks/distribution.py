"""Block rules that read distribution lists: where a list starts and ends, its
recipients, their copy counts in every written form, and the stated total."""

from __future__ import annotations

import re

from ...model import (
    Copies,
    Distribution,
    DistributionItem,
    Inline,
    Paragraph,
)
from ..inline import merge_text
from .core import (
    NUMBER_WORDS,
    NUMBERED,
    SENTENCE_END,
    BodyState,
    Classifier,
    Unit,
    inl,
    is_turn_candidate,
    short_lines,
    split_label,
)
from .letters import is_trailer


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


def _item_unit(u: Unit, prev: Unit, state: BodyState) -> bool:
    """A unit that continues a distribution list: a marked recipient line (blank lines
    may separate those), a plain short line right below the previous one, or a total."""
    text = u.text
    if u.held is not None or split_label(text) or is_turn_candidate(text, state) \
            or state.cls.is_salute(text):
        return False
    if (_total_in(text) and short_lines(u, 8)) or _comma_items(text):
        return True
    if _MARKED_ITEM.match(text) and short_lines(u, 10):
        return True
    return u.block == prev.block and not u.blank_before and short_lines(u, 8) \
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
    if u.held is not None or is_turn_candidate(u.text, state):
        return False
    if _comma_items(u.text) or is_trailer(u, state.cls) or (_total_in(u.text) and short_lines(u, 8)):
        return True
    # A typist's mark ("me/NS"), not a sentence or a heading of the text ("TO COMRADE X").
    return short_lines(u, 8) and not split_label(u.text) \
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

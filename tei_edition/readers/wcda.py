"""Reader for the Wilson Center Digital Archive's export layout.

The layout: a bold date line, a bold title (hard line breaks allowed), header blocks
(`**Citation:**`, `**Summary:**`, `**Credits:**`, `**Original Language:**`, `**Contents:**`),
then the body after the Contents block's value ("Translation - English").

Parsing follows markdown-it's design: the text is split into *units* (logical lines with
their line numbers; brackets that span lines and hard breaks are kept together), and an
ordered chain of small block rules claims them. This module reads the header and runs the
body's steps; the block rules live in `blocks/`, one module by what they read, shared by
every reader (the Word reader reads through `read`). Inline conventions are handled in
`inline.py`, people in `people.py`, text flattened from a PDF in `flattened.py`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..config import KnownPerson
from ..model import (
    Dateline,
    DateRef,
    Distribution,
    Document,
    Endorsements,
    Field,
    FieldList,
    Header,
    Inline,
    Note,
    NoteBlock,
    Text,
    Turn,
)
from . import flattened
from .blocks.core import (  # noqa: F401 (the text reader's API)
    BULLET,
    FOOTNOTE_TEXT,
    BodyState,
    Classifier,
    Flow,
    ReaderError,
    Unit,
    label_key,
    make_units,
    may_stand_alone,
    split_label,
    standalone,
)
from .blocks.distribution import take_distribution
from .blocks.endorsements import take_endorsements
from .blocks.flow import run_rules
from .blocks.footnotes import (
    footnote_span,  # noqa: F401 (the text reader's API)
    take_footnotes,
)
from .blocks.hinted import apply_block_hints
from .blocks.letters import build_closer, build_opener, build_trailers, take_closer, take_top
from .blocks.participants import collect_participants, link_participants
from .blocks.turns import decide_speakers
from .dates import find_dates, parse_catalogue_date
from .hints import Hints
from .inline import InlineContext, fold, plain_text, whole_word
from .people import (
    NOT_PEOPLE,
    PersonRegistry,
    document_id,
    translator_id,
)
from .report import Reporter
from .vocab import Vocabulary, load_vocabulary

HEADER_BLOCK = re.compile(r"^\s*\*\*\s*([^*:]+?)\s*:\s*\*\*\s*$")
BOLD_START = re.compile(r"^\s*\*\*")


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

    # Speakers are known from the whole body (a label recurs across lines); each run of
    # hard-wrapped lines is then joined and cut at them.
    speakers = flattened.speaker_labels(" ".join(u.text for u in units[:end]), is_speaker)

    def points(stream: str) -> list[int]:
        return flattened.cut_points(
            stream, speakers, lambda lb: _preamble_label(lb, cls),
            lambda lb: cls.is_participant_label(lb) and label_key(lb) not in NOT_PEOPLE,
            lambda lb: label_key(lb) in cls.vocab.participant_labels | cls.vocab.field_labels,
            lambda word: fold(word) in cls.vocab.title_words, cls.is_closing_narrative)

    pieces = [pc for run in _wrapped_runs(units[:end])
              for pc in flattened.split_stream([(u.text.replace("\n", " "), u.line) for u in run],
                                               points)]
    state.report.warn(units[0].line, 1, "layout-flattened",
                      f"the body reads as text flattened from a PDF (labels inside running lines): "
                      f"it was cut into {len(pieces)} paragraphs at its labels; check the turns")
    last_block = units[end - 1].block if end else 0
    out = [Unit(pc.text, pc.line, True, k, col=pc.col, last=pc.last) for k, pc in enumerate(pieces)]
    return out + [Unit(u.text, u.line, u.blank_before, u.block + len(pieces) - last_block, u.indent)
                  for u in units[end:]]


# A hard-wrapped line of prose is long; a heading, a label alone or a bullet is not.
_WRAPPED_WORDS = 8


def _wrapped_runs(units: list[Unit]) -> list[list[Unit]]:
    """Runs of lines that were one stream before the PDF wrapped them: a line goes on the
    one before it when that one is long; short lines (a heading, "Participants:", a
    bulleted name) keep their own line, as the source breaks them."""
    runs: list[list[Unit]] = []
    for u in units:
        if runs and len(runs[-1][-1].text.split()) >= _WRAPPED_WORDS and not BULLET.match(u.text):
            runs[-1].append(u)
        else:
            runs.append([u])
    return runs


def _preamble_label(label: str, cls: Classifier) -> bool:
    return cls.is_participant_label(label) or cls.is_field_label(label) \
        or cls.is_distribution_label(label)


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
    link_participants(flow.top, state.registry)
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

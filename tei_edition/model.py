"""The document model: what a reader produces and a writer consumes.

It is deliberately small and independent of TEI: a reader for another source layout builds
the same objects, and the TEI writer never looks at source text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

# ---------------------------------------------------------------- inline content


@dataclass
class Text:
    """Plain running text."""

    text: str


@dataclass
class Supplied:
    """Text added by the editor or translator ("[North] Korea")."""

    children: list[Inline]
    reason: str | None = None  # None | "identification"


@dataclass
class Gap:
    """Text not transcribed: redacted, illegible, omitted or untranslated."""

    reason: str
    unit: str | None = None
    quantity: int | None = None
    desc: str | None = None


@dataclass
class Unclear:
    """An uncertain reading ("[[A. K. Dremov?]]")."""

    children: list[Inline]
    cert: str = "low"


@dataclass
class Variant:
    """A name with another romanisation given beside it ("Kim Il Sung [Kim Il-song]")."""

    orig: list[Inline]
    reg: list[Inline]


@dataclass
class Note:
    """An editorial, translator, status or physical note standing in the text."""

    kind: str  # translator | status | physical | editorial
    children: list[Inline]
    place: str | None = None  # "foot" for footnotes, "margin" for marginal annotations
    n: str | None = None
    resp: str | None = None  # person id of the translator


@dataclass
class Stage:
    """A stage direction: "(Laughter)"."""

    children: list[Inline]


@dataclass
class Sic:
    """Text reproduced as written although it is wrong ("1987 [sic]"): the words marked."""

    children: list[Inline]


@dataclass
class PageBreak:
    """Where a page of the original ends: a paragraph cut by a page break, or a page
    marker ("[Page 178]", "(p. 2)") with its page number in `n`."""

    n: str | None = None


@dataclass
class LineBreak:
    """A hard line break inside one logical unit."""


@dataclass
class DateRef:
    """A date in the text with its normalised value."""

    children: list[Inline]
    when: str | None = None
    from_: str | None = None
    to: str | None = None


@dataclass
class PersonRef:
    """A person's name pointing to a `Person`."""

    children: list[Inline]
    ref: str


@dataclass
class AliasRef:
    """"(hereafter X)": X becomes a label of the person named before it."""

    children: list[Inline]  # the alias itself
    lead: str = ""  # the words before it, "hereafter "


@dataclass
class Copies:
    """A stated number of copies ("46 copies in total")."""

    children: list[Inline]
    quantity: int


@dataclass
class Foreign:
    """A gloss or word left in the original language."""

    children: list[Inline]


@dataclass
class Hi:
    """Text the source itself highlights (a Word run): bold, italic, underline, superscript."""

    rend: str
    children: list[Inline]


Inline = Union[  # noqa: UP007 (a runtime alias used in annotations above)
    Text, Supplied, Gap, Unclear, Variant, Note, Stage, PageBreak, LineBreak, DateRef,
    PersonRef, AliasRef, Copies, Foreign, Sic, Hi,
]

# ---------------------------------------------------------------- block content


@dataclass
class Paragraph:
    """A paragraph of running text (possibly joined across a page break)."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Heading:
    """The inner title of the document or of a section."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Field:
    """A labelled value: "Time: 4:00 p.m.", "From: PYONGYANG"."""

    label: str
    value: list[Inline]
    line: int = 0


@dataclass
class FieldList:
    """Consecutive fields: the preamble ("participants") or a form ("fields")."""

    kind: str  # participants | fields
    fields: list[Field]


@dataclass
class ListItem:
    """One item of a numbered or bulleted list; `label` is the marker as written."""

    label: str
    inlines: list[Inline]
    line: int = 0


@dataclass
class ItemList:
    """A numbered or bulleted list."""

    kind: str  # numbered | bulleted
    items: list[ListItem]


@dataclass
class Turn:
    """A speaker's turn: the label as written and the paragraphs that follow it."""

    who: str
    label: list[Inline]
    blocks: list[Block]
    line: int = 0


@dataclass
class StageBlock:
    """A stage direction standing alone."""

    stage: Stage
    line: int = 0


@dataclass
class GapBlock:
    """A gap standing alone (a redacted section, "[…]", a lone □)."""

    gap: Gap
    line: int = 0


@dataclass
class PageBreakBlock:
    """A page marker standing alone between paragraphs or turns ("[Page 213]")."""

    pb: PageBreak
    line: int = 0


@dataclass
class NoteBlock:
    """A note standing alone (status note, stamp, handwritten annotation)."""

    note: Note
    line: int = 0


@dataclass
class Opener:
    """The opening of a letter or telegram: letterhead, dateline, fields, salutation."""

    parts: list[OpenerPart]


@dataclass
class Letterhead:
    """Letterhead or classification lines ("Top secret!")."""

    lines: list[list[Inline]]
    kind: str = "letterhead"  # letterhead | classification | registry | address


@dataclass
class Dateline:
    """Place and date of writing."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Salute:
    """A salutation or valediction."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Signed:
    """Signature lines (name, title, "[signature]")."""

    lines: list[list[Inline]]
    line: int = 0


@dataclass
class Closer:
    """The end of a letter: valediction, signature, place/date of signing."""

    parts: list[CloserPart]


@dataclass
class Trailer:
    """A line after the signature (registry number, authentication)."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Postscript:
    """A postscript after the signature."""

    inlines: list[Inline]
    line: int = 0


@dataclass
class Section:
    """A numbered section of a report, or a dated journal entry."""

    kind: str  # section | entry
    n: str | None
    head: list[Inline]
    blocks: list[Block]
    line: int = 0


@dataclass
class EmbeddedLetter:
    """A letter read out or quoted inside the document."""

    blocks: list[Block]
    line: int = 0


@dataclass
class Table:
    """A table of the source (Word): rows of cells, each cell a list of inlines."""

    rows: list[list[list[Inline]]]
    line: int = 0


OpenerPart = Union[Letterhead, Dateline, Salute, FieldList, NoteBlock, GapBlock]  # noqa: UP007
CloserPart = Union[Salute, Signed, Dateline, NoteBlock]  # noqa: UP007
Block = Union[
    Paragraph, Heading, FieldList, ItemList, Turn, StageBlock, GapBlock, NoteBlock, Opener,
    Closer, Trailer, Postscript, Section, EmbeddedLetter, Table, "Distribution", PageBreakBlock,
]

# ---------------------------------------------------------------- end matter


@dataclass
class DistributionItem:
    """A recipient of a copy, with the number of copies when more than one."""

    inlines: list[Inline]
    copies: int = 1
    line: int = 0
    source: str = ""  # the entry as written


@dataclass
class Distribution:
    """The distribution (CC) list with its stated total, wherever the total stands."""

    head: list[Inline] | None
    items: list[DistributionItem]
    before: list[Paragraph] = field(default_factory=list)
    trailer: list[Inline] | None = None
    after: list[Paragraph] = field(default_factory=list)
    total: int | None = None
    line: int = 0


@dataclass
class Endorsements:
    """Archival endorsements ("Received on …"), one list of inlines per source line."""

    lines: list[list[Inline]]
    line: int = 0


# ---------------------------------------------------------------- header and people


@dataclass
class Person:
    """One human being, with every written form of the name."""

    id: str
    name: str
    forms: list[str] = field(default_factory=list)  # labels and variant spellings
    role: str = "attendee"  # speaker | attendee | interpreter | recorder | signatory
    role_name: str | None = None  # "Vice Minister"
    variant: str | None = None  # another romanisation of `name`
    side: str | None = None  # label of the side this person belongs to
    line: int = 0
    links: list[str] = field(default_factory=list)  # authority URIs (Wikidata, VIAF …)


@dataclass
class Header:
    """Catalogue metadata from the export's header blocks."""

    title: str = ""
    date_text: str = ""
    date: str | None = None  # ISO 8601, as precise as the source
    citation: str = ""
    url: str | None = None
    translators: list[str] = field(default_factory=list)
    translator_ids: list[str] = field(default_factory=list)  # decided by the reader, one a name
    funder: str | None = None
    archive: str | None = None  # institution named by the signature
    idno: str | None = None
    locus: tuple[str, str, str] | None = None  # (text, from, to)
    summary: str | None = None
    language: str | None = None  # as written: "Chinese"
    language_code: str | None = None
    contents: str = ""  # "Translation - English"
    creation_text: str | None = None
    creation: DateRef | None = None
    place: str | None = None


@dataclass
class Decision:
    """One reading decision, for `explain`: which source lines became what, by which rule,
    and why. `topic` is block, speaker or bracket."""

    topic: str
    first: int  # source lines, first and last
    last: int
    kind: str  # what the text became: "distribution", "turn", a person id, "stage", …
    rule: str  # the rule that decided ("hint" when a hints file did)
    text: str  # the source text it is about (a label, a bracket, a block's first line)
    why: str = ""
    col: int = 1


@dataclass
class Document:
    """One converted document."""

    name: str
    source: str  # the source file name as given (no absolute path)
    sha256: str
    kind: str
    header: Header
    persons: list[Person]
    sides: list[tuple[str, list[str]]]  # (side label, person ids)
    body: list[Block]
    distribution: Distribution | None = None
    endorsements: Endorsements | None = None
    decisions: list[Decision] = field(default_factory=list)  # what the reader decided, in order
    hints: tuple[str, str] | None = None  # (hints file name, its SHA-256) when hints applied
    xml_id: str = ""  # the TEI document's xml:id, decided by the reader

"""TEI writer: turns a `model.Document` into TEI P5 XML (built with lxml's element API).

Output is byte-reproducible: no clock time, file times or absolute paths; the change record
carries the converter version, the source's SHA-256 and a digest of the output itself, by
which a later run recognises a file edited by hand. Every file starts with `<?xml-model?>`
instructions naming the RelaxNG schema and its Schematron twin, for editors that validate
through them (Oxygen, VS Code); tei-edition itself never follows them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from .. import __version__
from ..config import Config
from ..model import (
    AliasRef,
    Closer,
    Copies,
    Dateline,
    DateRef,
    Distribution,
    Document,
    EmbeddedLetter,
    Endorsements,
    FieldList,
    Foreign,
    Gap,
    GapBlock,
    Heading,
    Hi,
    Inline,
    ItemList,
    Letterhead,
    LineBreak,
    Note,
    NoteBlock,
    Opener,
    PageBreak,
    PageBreakBlock,
    Paragraph,
    Person,
    PersonRef,
    Postscript,
    Salute,
    Section,
    Sic,
    Signed,
    Stage,
    StageBlock,
    Supplied,
    Table,
    Text,
    Trailer,
    Turn,
    Unclear,
    Variant,
)

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
DIGEST_PLACEHOLDER = "0" * 64
RELAXNG_NS = "http://relaxng.org/ns/structure/1.0"
SCHEMATRON_NS = "http://purl.oclc.org/dsdl/schematron"
#: The schema files an xml-model instruction names, and the language each is written in.
SCHEMA_MODELS = (("tei_edition.rng", RELAXNG_NS), ("tei_edition.sch", SCHEMATRON_NS))
# Containers holding only elements: indented for people reading the file.
_STRUCTURAL = {
    "TEI", "teiHeader", "fileDesc", "titleStmt", "respStmt", "publicationStmt", "sourceDesc",
    "msDesc", "msIdentifier", "msContents", "msItem", "encodingDesc", "appInfo", "editorialDecl",
    "profileDesc", "abstract", "creation", "langUsage", "particDesc", "listPerson", "person",
    "settingDesc", "setting", "revisionDesc", "text", "body", "div", "sp", "list", "opener",
    "closer", "argument", "floatingText", "availability", "table", "row",
}
_STRUCTURAL_TAGS = frozenset(f"{{{TEI_NS}}}{t}" for t in _STRUCTURAL)
EDITORIAL_DECL = (
    "Square brackets of the source are not kept as characters: words supplied by the "
    "translator are encoded as supplied, alternative romanisations as choice/orig+reg, "
    "omission marks ([…]) as gap[@reason='omitted'], illegible passages as "
    "gap[@reason='illegible'], uncertain readings ([[…?]], and the word before [?]) as "
    "unclear, the word before [sic] as sic (a comment after \"sic;\" as "
    "note[@type='editorial']), editorial remarks ([emphasis in the original], [See … Tab A]) "
    "as note[@type='editorial'], bracketed review statuses standing alone as "
    "note[@type='status'], stage directions ([Laughter]) as stage, page markers ([Page 178], "
    "(p. 2)) as pb[@n], translator's remarks as note[@type='translator'] and physical "
    "descriptions ([handwritten: …], [stamp]) as note[@type='physical']; the HTML edition "
    "regenerates the brackets.",
    "Redaction statements such as (two lines blacked out) are encoded as "
    "gap[@reason='redacted'] with the statement in gap/desc; each □ box of the source is one "
    "illegible character, gap[@reason='illegible'][@unit='char'].",
    "A speaker label's colon is not kept; every labelled paragraph is its own sp, and "
    "unlabelled paragraphs continue the turn. Paragraphs cut by a page break are joined "
    "with pb where they broke. Footnotes stand at their anchors as note[@place='foot'].",
)


@lru_cache(maxsize=256)
def _q(tag: str) -> str:
    return f"{{{TEI_NS}}}{tag}"


@lru_cache(maxsize=256)
def _attr_name(keyword: str) -> str:
    """The attribute a keyword argument stands for: xml_id -> xml:id, from_ -> from."""
    return f"{{{XML_NS}}}{keyword[4:]}" if keyword.startswith("xml_") else keyword.rstrip("_")


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    """Append a TEI child; attributes whose value is None are left out."""
    # The attributes go in with the element (one call into lxml instead of one per set()).
    attrib = {_attr_name(k): v for k, v in attrs.items() if v is not None} if attrs else None
    el = etree.SubElement(parent, _q(tag), attrib)
    if text is not None:
        el.text = text
    return el


def _append_text(el: etree._Element, text: str) -> None:
    # el[-1] is constant time; len(el) counts every child (quadratic on long paragraphs).
    try:
        last = el[-1]
    except IndexError:
        el.text = (el.text or "") + text
        return
    last.tail = (last.tail or "") + text


@dataclass
class Writer:
    """Builds one TEI document; carries what the inline writer needs to know."""

    doc: Document
    options: Config

    # ------------------------------------------------------------ inline

    def inlines(self, el: etree._Element, nodes: list[Inline]) -> None:
        """Append inline nodes as text and phrase-level elements."""
        for n in nodes:
            self.inline(el, n)

    def inline(self, el: etree._Element, n: Inline) -> None:
        if isinstance(n, Text):
            _append_text(el, n.text)
        elif isinstance(n, Supplied):
            self.inlines(sub(el, "supplied", reason=n.reason), n.children)
        elif isinstance(n, Gap):
            self.gap(el, n)
        elif isinstance(n, Unclear):
            self.inlines(sub(el, "unclear", cert=n.cert), n.children)
        elif isinstance(n, Variant):
            choice = sub(el, "choice")
            self.inlines(sub(choice, "orig"), n.orig)
            self.inlines(sub(choice, "reg", type="romanization"), n.reg)
        elif isinstance(n, Note):
            self.note(el, n)
        elif isinstance(n, Stage):
            self.inlines(sub(el, "stage"), n.children)
        elif isinstance(n, PageBreak):
            sub(el, "pb", n=n.n)
        elif isinstance(n, Sic):
            self.inlines(sub(el, "sic"), n.children)
        elif isinstance(n, LineBreak):
            sub(el, "lb")
        elif isinstance(n, DateRef):
            self.inlines(sub(el, "date", when=n.when, from_=n.from_, to=n.to), n.children)
        elif isinstance(n, PersonRef):
            self.inlines(sub(el, "persName", ref="#" + n.ref), n.children)
        elif isinstance(n, AliasRef):
            # "Gao(hereafter …": the dropped parenthesis separated two words.
            try:
                before = el[-1].tail or ""
            except IndexError:
                before = el.text or ""
            _append_text(el, n.lead if not before or before[-1].isspace() else " " + n.lead)
            self.inlines(sub(el, "addName", type="alias"), n.children)
        elif isinstance(n, Copies):
            self.inlines(sub(el, "measure", type="copies", quantity=str(n.quantity), unit="copy"),
                         n.children)
        elif isinstance(n, Hi):
            self.inlines(sub(el, "hi", rend=n.rend), n.children)
        elif isinstance(n, Foreign):
            lang = self.doc.header.language_code
            if lang:
                self.inlines(sub(el, "foreign", xml_lang=f"{lang}-Latn"), n.children)
            else:  # a word of an unknown language: no foreign without its language
                self.inlines(el, n.children)
        else:  # pragma: no cover - the model is closed
            raise TypeError(f"unknown inline node {n!r}")

    def gap(self, el: etree._Element, g: Gap) -> etree._Element:
        gap = sub(el, "gap", reason=g.reason, unit=g.unit,
                  quantity=str(g.quantity) if g.quantity else None)
        if g.desc:
            sub(gap, "desc", g.desc)
        return gap

    def note(self, el: etree._Element, n: Note) -> etree._Element:
        resp = f"#{n.resp}" if n.resp and n.kind == "translator" else None
        note = sub(el, "note", type=n.kind, place=n.place, n=n.n, resp=resp)
        self.inlines(note, n.children)
        return note

    # ------------------------------------------------------------ blocks

    def block(self, parent: etree._Element, b: object) -> None:
        """Append one block-level structure."""
        if isinstance(b, Paragraph):
            self.inlines(sub(parent, "p"), b.inlines)
        elif isinstance(b, Heading):
            self.inlines(sub(parent, "head"), b.inlines)
        elif isinstance(b, FieldList):
            self.field_list(parent, b)
        elif isinstance(b, ItemList):
            lst = sub(parent, "list", type=b.kind)
            for item in b.items:
                sub(lst, "label", item.label)
                self.inlines(sub(lst, "item"), item.inlines)
        elif isinstance(b, Turn):
            self.turn(parent, b)
        elif isinstance(b, StageBlock):
            self.inlines(sub(parent, "stage"), b.stage.children)
        elif isinstance(b, GapBlock):
            self.gap(parent, b.gap)
        elif isinstance(b, NoteBlock):
            self.note(parent, b.note)
        elif isinstance(b, PageBreakBlock):
            sub(parent, "pb", n=b.pb.n)
        elif isinstance(b, Opener):
            self.opener(parent, b)
        elif isinstance(b, Closer):
            self.closer(parent, b)
        elif isinstance(b, Trailer):
            self.inlines(sub(parent, "trailer"), b.inlines)
        elif isinstance(b, Postscript):
            self.inlines(sub(sub(parent, "postscript"), "p"), b.inlines)
        elif isinstance(b, Section):
            div = sub(parent, "div", type=b.kind, n=b.n)
            self.inlines(sub(div, "head"), b.head)
            for child in b.blocks:
                self.block(div, child)
        elif isinstance(b, Table):
            table = sub(parent, "table")
            for row in b.rows:
                tr = sub(table, "row")
                for cell in row:
                    self.inlines(sub(tr, "cell"), cell)
        elif isinstance(b, EmbeddedLetter):
            ft = sub(parent, "floatingText", type="letter")
            div = sub(sub(ft, "body"), "div", type="letter")
            for child in b.blocks:
                self.block(div, child)
        else:  # pragma: no cover - the model is closed
            raise TypeError(f"unknown block {b!r}")

    def field_list(self, parent: etree._Element, fl: FieldList) -> None:
        lst = sub(parent, "list", type=fl.kind)
        for f in fl.fields:
            if fl.kind == "participants":
                item = sub(lst, "item")
                sub(item, "label", f.label)
                if f.value:
                    _append_text(item, " ")
                self.inlines(item, f.value)
            else:
                sub(lst, "label", f.label)
                self.inlines(sub(lst, "item"), f.value)

    def turn(self, parent: etree._Element, t: Turn) -> None:
        sp = sub(parent, "sp", who="#" + t.who)
        self.inlines(sub(sp, "speaker"), t.label)
        # sp needs a paragraph-like child; a turn of only a gap or note gets a p around it.
        if not any(isinstance(b, Paragraph | StageBlock | ItemList) for b in t.blocks):
            p = sub(sp, "p")
            for b in t.blocks:
                self.block(p, b)
            return
        for b in t.blocks:
            self.block(sp, b)

    def opener(self, parent: etree._Element, o: Opener) -> None:
        el = sub(parent, "opener")
        for part in o.parts:
            if isinstance(part, Letterhead):
                self.lines(sub(el, "seg", type=part.kind), part.lines)
            elif isinstance(part, FieldList):
                self.field_list(sub(el, "argument"), part)
            else:
                self.letter_part(el, part)

    def closer(self, parent: etree._Element, c: Closer) -> None:
        el = sub(parent, "closer")
        for part in c.parts:
            if isinstance(part, Signed):
                self.lines(sub(el, "signed"), part.lines)
            else:
                self.letter_part(el, part)

    def letter_part(self, el: etree._Element, part: object) -> None:
        """A dateline or salute of an opener or closer, or any other block."""
        if isinstance(part, Dateline):
            self.inlines(sub(el, "dateline"), part.inlines)
        elif isinstance(part, Salute):
            self.inlines(sub(el, "salute"), part.inlines)
        else:
            self.block(el, part)

    def lines(self, el: etree._Element, lines: list[list[Inline]]) -> None:
        """Lines of a letterhead or signature, separated by lb."""
        for k, line in enumerate(lines):
            if k:
                sub(el, "lb")
            self.inlines(el, line)

    def distribution(self, body: etree._Element, d: Distribution) -> None:
        div = sub(body, "div", type="distribution")
        for p in d.before:
            self.block(div, p)
        if not d.items:  # a heading with no recipients after it: not a list
            for part in (d.head, d.trailer):
                if part:
                    self.inlines(sub(div, "p"), part)
            for p in d.after:
                self.block(div, p)
            return
        lst = sub(div, "list", type="distribution")
        if d.head:
            self.inlines(sub(lst, "head"), d.head)
        for item in d.items:
            self.inlines(sub(lst, "item", n=str(item.copies) if item.copies != 1 else None),
                         item.inlines)
        if d.trailer:
            self.inlines(sub(lst, "trailer"), d.trailer)
        for p in d.after:
            self.block(div, p)

    def endorsements(self, body: etree._Element, e: Endorsements) -> None:
        div = sub(body, "div", type="endorsements")
        for line in e.lines:
            self.inlines(sub(div, "p"), line)

    # ------------------------------------------------------------ header

    def header(self, root: etree._Element) -> None:
        h = self.doc.header
        th = sub(root, "teiHeader")
        fd = sub(th, "fileDesc")
        ts = sub(fd, "titleStmt")
        sub(ts, "title", h.title, type="main")
        if h.funder:
            sub(ts, "funder", h.funder)
        if h.translators:
            rs = sub(ts, "respStmt")
            sub(rs, "resp", "Translation")
            for name, xml_id in zip(h.translators, h.translator_ids, strict=True):
                sub(rs, "persName", name, xml_id=xml_id)
        ps = sub(fd, "publicationStmt")
        sub(ps, "publisher", self.options.publisher)
        if self.options.licence:
            av = sub(ps, "availability")
            sub(av, "licence", self.options.licence, target=self.options.licence_url)
        sd = sub(fd, "sourceDesc")
        self.citation(sub(sd, "bibl", type="citation"))
        if h.idno:
            self.ms_desc(sd)
        ed = sub(th, "encodingDesc")
        app = sub(sub(ed, "appInfo"), "application", ident="tei-edition", version=__version__)
        sub(app, "label", "tei-edition")
        decl = sub(ed, "editorialDecl")
        for para in EDITORIAL_DECL:
            sub(decl, "p", para)
        self.profile(th)
        rd = sub(th, "revisionDesc")
        ch = sub(rd, "change", type="conversion")
        ch.text = f"Converted by tei-edition {__version__} from {self.doc.source}; source SHA-256 "
        sub(ch, "idno", self.doc.sha256, type="source-sha256").tail = "; output SHA-256 "
        sub(ch, "idno", DIGEST_PLACEHOLDER, type="output-sha256").tail = (
            " (of this file as generated, with this value zeroed).")
        if self.doc.hints:  # the editor's corrections, and which version of them
            name, digest = self.doc.hints
            hc = sub(rd, "change", type="hints")
            hc.text = f"Reading decisions corrected by the hints in {name}; hints SHA-256 "
            sub(hc, "idno", digest, type="hints-sha256").tail = "."

    def citation(self, bibl: etree._Element) -> None:
        h = self.doc.header
        text = re.sub(r"\s+", " ", h.citation).strip()
        mt = re.search(r"<?(https?://[^\s>]+)>?", text)
        if not mt:
            bibl.text = text
            return
        bibl.text = text[:mt.start()]
        ptr = sub(bibl, "ptr", target=mt.group(1))
        ptr.tail = text[mt.end():] or None

    def ms_desc(self, sd: etree._Element) -> None:
        h = self.doc.header
        ms = sub(sd, "msDesc")
        ident = sub(ms, "msIdentifier")
        if h.archive:
            sub(ident, "institution", h.archive)
        else:
            sub(ident, "repository", (h.idno or "").split(",")[0].strip())
        sub(ident, "idno", h.idno, type="archival")
        mc = sub(ms, "msContents")
        if h.language and h.language_code:
            sub(mc, "textLang", h.language, mainLang=h.language_code)
        item = sub(mc, "msItem")
        if h.locus:
            sub(item, "locus", h.locus[0], from_=h.locus[1], to=h.locus[2])
        sub(item, "title", h.title)

    def profile(self, th: etree._Element) -> None:
        h = self.doc.header
        pd = sub(th, "profileDesc")
        if h.summary:
            sub(sub(pd, "abstract"), "p", h.summary)
        self.creation(pd)
        lu = sub(pd, "langUsage")
        contents_lang = (h.contents.split("-")[-1].strip() or "English") if h.contents else "English"
        sub(lu, "language", contents_lang, ident=self.options.language)
        if h.language_code and h.language_code != self.options.language:
            sub(lu, "language", h.language, ident=h.language_code)
        self.partic(pd)
        if h.place or h.creation:
            setting = sub(sub(pd, "settingDesc"), "setting")
            if h.place:
                sub(setting, "placeName", h.place)
            if h.creation:
                c = h.creation
                sub(setting, "date", when=c.when, from_=c.from_, to=c.to)

    def creation(self, pd: etree._Element) -> None:
        """The date of the document: the catalogue date, or the preamble's more precise one
        when they agree; a stated range of hours as a second date."""
        h = self.doc.header
        precise = h.creation
        point: tuple[str, str] | None = None
        if precise and precise.when and (not h.date or precise.when.startswith(h.date)):
            point = (precise.when, h.creation_text or "")
        elif h.date:
            point = (h.date, h.date_text)
        hours = (precise.from_, precise.to) if precise and precise.from_ and precise.to else None
        if not point and not hours:
            return
        creation = sub(pd, "creation")
        if point:
            sub(creation, "date", point[1], when=point[0])
        if hours:
            sub(creation, "date", h.creation_text or "", from_=hours[0], to=hours[1])

    def partic(self, pd: etree._Element) -> None:
        persons = self.doc.persons
        if not persons:
            return
        partic = sub(pd, "particDesc")
        placed: set[str] = set()
        for side, ids in self.doc.sides:
            lp = sub(partic, "listPerson", type="side")
            sub(lp, "head", side)
            for pid in ids:
                self.person(lp, next(p for p in persons if p.id == pid))
                placed.add(pid)
        rest = [p for p in persons if p.id not in placed]
        if rest:
            lp = sub(partic, "listPerson", type="participants")
            for p in rest:
                self.person(lp, p)

    def person(self, lp: etree._Element, p: Person) -> None:
        el = sub(lp, "person", xml_id=p.id, role=p.role)
        pn = sub(el, "persName", ref=" ".join(p.links) or None)
        if p.role_name:
            sub(pn, "roleName", p.role_name).tail = " "
        if p.variant:
            choice = sub(pn, "choice")
            sub(choice, "orig", p.name)
            sub(choice, "reg", p.variant, type="romanization")
        else:
            _append_text(pn, p.name)
        for form in p.forms:
            sub(el, "persName", form, type="alias")

    # ------------------------------------------------------------ document

    def build(self) -> etree._Element:
        d = self.doc
        root = etree.Element(_q("TEI"), nsmap={None: TEI_NS})
        root.set(f"{{{XML_NS}}}id", d.xml_id)
        root.set(f"{{{XML_NS}}}lang", self.options.language)
        self.header(root)
        body = sub(sub(root, "text", xml_lang=self.options.language), "body")
        main = sub(body, "div", type=d.kind)
        parent = main
        for b in d.body:
            if isinstance(b, Distribution):
                # A list inside the text (at the top of a telegram): TEI allows only divs
                # after a nested div, so the text that follows is a div of its own.
                self.distribution(main, b)
                parent = None
            else:
                if parent is None:
                    parent = sub(main, "div", type="text")
                self.block(parent, b)
        if d.distribution:
            self.distribution(body, d.distribution)
        if d.endorsements:
            self.endorsements(body, d.endorsements)
        indent(root)
        add_xml_models(root, self.options)
        return root


def add_xml_models(root: etree._Element, config: Config) -> None:
    """Put the <?xml-model?> instructions for the project's RelaxNG and Schematron before
    the root element, at the location `config` sets (TEI's form of the instruction)."""
    for name, language in SCHEMA_MODELS:
        root.addprevious(etree.ProcessingInstruction(
            "xml-model", f'href="{config.schema_href(name)}" type="application/xml" '
                         f'schematypens="{language}"'))


def indent(el: etree._Element, level: int = 0,
            structural: frozenset[str] = _STRUCTURAL_TAGS) -> None:
    """Indent structural containers only: mixed content keeps its exact whitespace."""
    if el.tag not in structural or (el.text and el.text.strip()):
        return
    children = list(el)
    if not children or any(c.tail and c.tail.strip() for c in children):
        return
    pad = "\n" + "  " * (level + 1)
    el.text = pad
    for child in children:
        child.tail = pad
        indent(child, level + 1, structural)
    children[-1].tail = "\n" + "  " * level


_DIGEST_RE = re.compile(rb'(<idno type="output-sha256">)([0-9a-f]{64})(</idno>)')


def serialize(root: etree._Element) -> bytes:
    """The file's bytes, with the output digest filled in: the XML declaration, the
    instructions before the root (one a line), the root."""
    declaration, _, body = etree.tostring(root, xml_declaration=True,
                                          encoding="UTF-8").partition(b"\n")
    before = [etree.tostring(node) for node in root.itersiblings(preceding=True)][::-1]
    data = b"\n".join([declaration, *before, body]) + b"\n"
    digest = hashlib.sha256(data).hexdigest()
    return _DIGEST_RE.sub(lambda m: m.group(1) + digest.encode() + m.group(3), data, count=1)


def build_tei(doc: Document, config: Config | None = None) -> etree._Element:
    """The TEI tree of a document, with the publication settings of `config`."""
    return Writer(doc, config or Config()).build()


def write_tei(doc: Document, config: Config | None = None) -> bytes:
    """The TEI bytes of a document, with the publication settings of `config`."""
    return serialize(build_tei(doc, config))


def recorded_digest(data: bytes) -> tuple[str | None, bool]:
    """The digest a generated file records, and whether the file still matches it."""
    mt = _DIGEST_RE.search(data)
    if not mt:
        return None, False
    blank = data[:mt.start(2)] + DIGEST_PLACEHOLDER.encode() + data[mt.end(2):]
    return mt.group(2).decode(), hashlib.sha256(blank).hexdigest() == mt.group(2).decode()

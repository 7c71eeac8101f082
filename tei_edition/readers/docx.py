"""The Word reader (`.docx`): a Word transcription read by the same rules as a text export.

The package is opened in memory (never extracted to disk) after checks against what a
hostile or broken file can be: not a zip, a zip that is no Word document, an encrypted
document, a file over the size limit, a zip bomb, XML with a DTD or entities. The parts
are found through the package's relationships with python-docx's OPC names and parsed with
the project's hardened parser (`xmlio.parse_bytes`).

Word's paragraphs become the lines of an export text (a blank line between paragraphs, a
line break inside one as a new line), bold runs of the catalogue header become `**…**`,
footnote and endnote references become "[n]" anchors with "[n] text" paragraphs at the
end, each table cell a paragraph of its own. The text reader's rules read that text;
then what Word knows better is applied to the model by line: highlighted runs become
`Hi`, heading styles `Heading` or a `Section`, tables `Table`. Tracked changes are read
as accepted (a warning each paragraph), comments reported, never encoded.

Diagnostics name the Word paragraph (counting every paragraph from 1, empty ones and
those in tables included) where a text source names the line.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import lru_cache
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from ..config import KnownPerson
from ..diagnostics import Diagnostic
from ..model import (
    Closer,
    Document,
    Field,
    FieldList,
    GapBlock,
    Heading,
    Hi,
    Inline,
    ItemList,
    Letterhead,
    NoteBlock,
    Opener,
    Paragraph,
    Postscript,
    Section,
    StageBlock,
    Table,
    Text,
    Trailer,
    Turn,
)
from ..textio import SourceError, normalize_text, plain_spaces, read_source_bytes
from ..xmlio import XMLInputError, parse_bytes
from . import Loaded
from .hints import Hints, HintsError
from .report import Reporter
from .text import Word, source_streams
from .wcda import ReaderError, read, read_header_blocks

MAX_DOCX_BYTES = 20 * 1024 * 1024  # on disk; a long transcription with images is ~2 MB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # all parts together, expanded
MAX_PART_RATIO = 100  # expanded / compressed, for parts over 1 MB (XML compresses ~10x)
MAX_PARTS = 2000
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted docx, or a .doc

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEADING_STYLE = re.compile(r"(?i)^(?:heading\s*\d|title|subtitle)$")
# Table cells are paragraphs of the text; this mark before a cell, and before a paragraph
# after a table that starts in lower case, keeps the rules from joining them as text cut by
# a page break (a join needs a lower-case start). It is taken out of the model again.
CELL_MARK = "\u2063"
_LIST_MARKER = re.compile(r"[a-z][.)]\s")
RENDS = ("bold", "italic", "underline", "superscript")


@lru_cache(maxsize=128)
def _w(tag: str) -> str:
    """A WordprocessingML name in Clark notation (cached: the walker asks per element)."""
    return f"{{{W}}}{tag}"


class DocxError(SourceError):
    """A `.docx` that cannot be read: one line, for the file as a whole."""

    def diagnostic(self, shown: str | None = None) -> Diagnostic:
        """The error as a diagnostic of rule `docx` (a document problem, exit 1)."""
        return Diagnostic(shown or self.path, 0, 0, "error", "docx", self.message)


# ====================================================================== the package


def read_package(path: Path) -> bytes:
    """The file's bytes, refused when it is no regular file or too large."""
    return read_source_bytes(path, MAX_DOCX_BYTES, _too_large)


def _too_large(path: str, size: int) -> DocxError:
    return DocxError(path, 0, 0, f"too large: {size:,} bytes; a Word source may have at most "
                                 f"{MAX_DOCX_BYTES:,}")


class Package:
    """A Word package opened in memory: parts are read when asked for, each no further than
    its declared size, and parsed hardened. python-docx's OPC names (PackURI, relationship
    types) resolve the relationships; its Document object is not built, because it parses
    every part of the package (styles, theme, numbering) and hides tracked insertions and
    note references, which this reader needs."""

    def __init__(self, data: bytes, path: str) -> None:
        self.path = path
        if data.startswith(_CFB):
            if "EncryptionInfo".encode("utf-16-le") in data:
                raise DocxError(path, 0, 0, "the Word document is encrypted (password-protected); "
                                            "save an unprotected copy")
            raise DocxError(path, 0, 0, "a Word 97-2003 (.doc) file, not .docx; save it as .docx")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (*_DAMAGED, ValueError):
            raise DocxError(path, 0, 0, "not a Word document: the file is not a zip "
                                        "package") from None
        infos = self.zip.infolist()
        _check_sizes(infos, path)
        if not {"[Content_Types].xml", "_rels/.rels"} <= {i.filename for i in infos}:
            raise DocxError(path, 0, 0, "a zip file, but not a Word document (no "
                                        "[Content_Types].xml and _rels/.rels)")
        # Every XML part is checked, also those this reader never parses: a package with
        # a DTD anywhere was made to attack XML readers, not by a word processor. A DTD
        # stands in the prolog, so the prolog is what is read of the others.
        self.infos = {i.filename: i for i in infos}
        for i in infos:
            if i.filename.endswith((".xml", ".rels")):
                _check_prolog(self.zip, i, path)

    def xml(self, partname: str) -> etree._Element | None:
        """A part's parsed XML (partname as in PackURI, "/word/document.xml"), or None."""
        name = partname.lstrip("/")
        info = self.infos.get(name)
        if info is None:
            return None
        data = _read_part(self.zip, info, self.path)
        try:
            return parse_bytes(data, f"{self.path}:{name}").getroot()
        except XMLInputError as exc:
            raise DocxError(self.path, 0, 0, f"part {name}: {exc.message}") from None

    def related(self, source: str) -> dict[str, str]:
        """The parts `source` relates to, by relationship type: {type: partname}."""
        from docx.opc.packuri import PackURI

        uri = PackURI(source)
        rels = self.xml(uri.rels_uri if source != "/" else "/_rels/.rels")
        out: dict[str, str] = {}
        for rel in rels if rels is not None else []:
            target = rel.get("Target")
            if rel.get("TargetMode") == "External" or not target or rel.get("Type") in out:
                continue
            base = "/" if source == "/" else uri.baseURI
            out[rel.get("Type", "")] = str(PackURI.from_rel_ref(base, target)) \
                if not target.startswith("/") else target
        return out


def _check_sizes(infos: list[zipfile.ZipInfo], path: str) -> None:
    if len(infos) > MAX_PARTS:
        raise DocxError(path, 0, 0, f"a zip bomb or no Word document: {len(infos):,} parts")
    if any(i.flag_bits & 0x1 for i in infos):
        raise DocxError(path, 0, 0, "the Word document is encrypted (its zip parts are); save an "
                                    "unprotected copy")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise DocxError(path, 0, 0, f"a zip bomb: expands to {total:,} bytes (at most "
                                    f"{MAX_UNPACKED_BYTES:,})")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_PART_RATIO * max(i.compress_size, 1):
            raise DocxError(path, 0, 0, f"a zip bomb: part {i.filename} expands "
                                        f"{i.file_size // max(i.compress_size, 1):,} times")


_DTD_MARKS = tuple(mark.encode(enc) for mark in ("<!DOCTYPE", "<!ENTITY")
                   for enc in ("utf-8", "utf-16-le", "utf-16-be"))


# What zipfile raises on damaged data: bad headers, CRC, truncated or corrupt streams.
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError,
            struct.error)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_PROLOG_CHUNK = 2048


def _dtd_refused(path: str, name: str) -> DocxError:
    return DocxError(path, 0, 0, f"part {name} declares a DTD or entities, which a Word "
                                 "document never does; refused")


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> None:
    """Refuse a part whose prolog (all before the root element) declares a DTD."""
    seen = b""
    try:
        with zf.open(info) as f:
            while len(seen) <= info.file_size:
                chunk = f.read(_PROLOG_CHUNK)
                if not chunk:
                    break
                seen += chunk
                if any(mark in seen for mark in _DTD_MARKS):
                    raise _dtd_refused(path, info.filename)
                if seen[:2] not in (b"\xff\xfe", b"\xfe\xff") and _ROOT_START.search(seen):
                    return  # UTF-8 and past the prolog; UTF-16 parts are read whole
    except _DAMAGED as exc:
        raise DocxError(path, 0, 0, f"damaged Word package: part {info.filename}: {exc}") from None


def _read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    """One part, read no further than its declared size (a lying header is caught here)."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except _DAMAGED as exc:
        raise DocxError(path, 0, 0, f"damaged Word package: part {info.filename}: {exc}") from None
    if len(data) > info.file_size:
        raise DocxError(path, 0, 0, f"a zip bomb: part {info.filename} is larger than it says")
    if info.filename.endswith((".xml", ".rels")) and any(mark in data for mark in _DTD_MARKS):
        raise _dtd_refused(path, info.filename)
    return data


# ====================================================================== Word -> text


@dataclass
class Run:
    """Text of one kind: its highlighting, or a note anchor."""

    text: str
    rends: frozenset[str] = frozenset()


@dataclass
class Para:
    """One text paragraph made from Word: its runs and where it stands in the text."""

    number: int  # the Word paragraph (1-based) diagnostics name
    runs: list[Run]
    heading: bool = False
    cell: tuple[int, int, int] | None = None  # (table, row, column)
    note: str | None = None  # the number of the footnote it is the text of
    changes: int = 0
    comments: list[str] = field(default_factory=list)
    first: int = 0  # text lines, 1-based
    last: int = 0

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Structure:
    """What the Word reader keeps beside the text."""

    paras: list[Para]
    tables: list[list[list[Para | None]]]  # table -> rows -> cells
    note_lines: dict[str, int]  # footnote number -> its text line
    line_map: list[int]  # text line (0-based) -> Word paragraph number
    body_start: int  # first body line (1-based)


@dataclass
class _Styles:
    """Style ids that make a heading, and what character styles highlight."""

    headings: set[str]
    rends: dict[str, frozenset[str]]
    numbered: dict[str, tuple[str, str]] = field(default_factory=dict)  # style -> (numId, ilvl)


def _styles(root: etree._Element | None) -> _Styles:
    """Heading paragraph styles (by name, or based on one) and character styles' highlighting."""
    styles: dict[str, tuple[str, str, etree._Element]] = {}
    for st in root.iter(_w("style")) if root is not None else []:
        name, based = st.find(_w("name")), st.find(_w("basedOn"))
        styles[st.get(_w("styleId"), "")] = (
            name.get(_w("val"), "") if name is not None else "",
            based.get(_w("val"), "") if based is not None else "", st)
    headings: set[str] = set()
    rends: dict[str, frozenset[str]] = {}
    numbered: dict[str, tuple[str, str]] = {}
    for sid, (_, _, st) in styles.items():
        if st.get(_w("type")) == "paragraph":
            num = _num_pr(st.find(_w("pPr")))
            if num:
                numbered[sid] = num
            current, seen = sid, 0
            while current in styles and seen < 20:  # "based on" chains, bounded against loops
                if _HEADING_STYLE.match(styles[current][0]):
                    headings.add(sid)
                    break
                current, seen = styles[current][1], seen + 1
        elif st.get(_w("type")) == "character":
            found = _rends(st.find(_w("rPr")))
            if found:
                rends[sid] = found
    return _Styles(headings, rends, numbered)


def _num_pr(ppr: etree._Element | None) -> tuple[str, str] | None:
    """(numId, ilvl) of a paragraph's or style's automatic numbering, if any."""
    num = ppr.find(_w("numPr")) if ppr is not None else None
    if num is None:
        return None
    nid, lvl = num.find(_w("numId")), num.find(_w("ilvl"))
    if nid is None or nid.get(_w("val"), "0") == "0":  # numId 0: numbering switched off
        return None
    return nid.get(_w("val"), ""), lvl.get(_w("val"), "0") if lvl is not None else "0"


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _format_number(n: int, fmt: str) -> str:
    """A list counter as Word shows it in a level's number format."""
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        out, rest = "", n
        for value, digits in _ROMAN:
            while rest >= value:
                out, rest = out + digits, rest - value
        return out.upper() if fmt == "upperRoman" else out
    return str(n)


class Numbering:
    """Word's automatic list numbers, counted as Word counts them: the "1." or bullet a
    paragraph shows is no text in the file, but the list rules read it."""

    def __init__(self, root: etree._Element | None) -> None:
        abstract: dict[str, dict[str, tuple[str, str, int]]] = {}
        for an in root.iter(_w("abstractNum")) if root is not None else []:
            levels = {}
            for lvl in an.iter(_w("lvl")):
                fmt, text, start = lvl.find(_w("numFmt")), lvl.find(_w("lvlText")), lvl.find(_w("start"))
                levels[lvl.get(_w("ilvl"), "0")] = (
                    fmt.get(_w("val"), "decimal") if fmt is not None else "decimal",
                    text.get(_w("val"), "") if text is not None else "",
                    int(start.get(_w("val"), "1")) if start is not None and
                    start.get(_w("val"), "1").isdigit() else 1)
            abstract[an.get(_w("abstractNumId"), "")] = levels
        self.levels: dict[str, dict[str, tuple[str, str, int]]] = {}
        for num in root.iter(_w("num")) if root is not None else []:
            ref = num.find(_w("abstractNumId"))
            if ref is not None:
                self.levels[num.get(_w("numId"), "")] = abstract.get(ref.get(_w("val"), ""), {})
        self.counters: dict[str, dict[int, int]] = {}

    def marker(self, num_id: str, ilvl: str) -> str:
        """The marker the next paragraph of this list shows: "1.", "a)", "-"."""
        levels = self.levels.get(num_id, {})
        fmt, text, start = levels.get(ilvl, ("decimal", f"%{int(ilvl) + 1}.", 1))
        if fmt in ("bullet", "none"):
            return "-" if fmt == "bullet" else ""
        level = int(ilvl) if ilvl.isdigit() else 0
        counts = self.counters.setdefault(num_id, {})
        counts[level] = counts.get(level, start - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]  # a new item restarts the levels below it

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            kfmt, _, kstart = levels.get(str(k), ("decimal", "", 1))
            return _format_number(counts.get(k, kstart), kfmt)

        return re.sub(r"%([1-9])", number, text or f"%{level + 1}.")


def _on(el: etree._Element | None) -> bool:
    return el is not None and el.get(_w("val"), "true").lower() not in ("0", "false", "off", "none")


def _rends(rpr: etree._Element | None) -> frozenset[str]:
    if rpr is None:
        return frozenset()
    out = {name for name, tag in (("bold", "b"), ("italic", "i"), ("underline", "u"))
           if _on(rpr.find(_w(tag)))}
    va = rpr.find(_w("vertAlign"))
    if va is not None and va.get(_w("val")) == "superscript":
        out.add("superscript")
    return frozenset(out)


class _Walker:
    """Turns Word paragraphs into runs of text, counting paragraphs, changes and notes."""

    def __init__(self, styles: _Styles, notes: dict[tuple[str, str], etree._Element],
                 comments: dict[str, str], numbering: Numbering | None = None) -> None:
        self.styles, self.notes, self.comments = styles, notes, comments
        self.numbering = numbering
        self.number = 0
        self.anchors: list[tuple[str, etree._Element]] = []  # (number, note element), in order
        self.tables: list[list[list[Para | None]]] = []

    def body(self, parent: etree._Element) -> Iterator[Para]:
        for el in parent:
            if el.tag == _w("p"):
                yield self.paragraph(el)
            elif el.tag == _w("tbl"):
                yield from self.table(el)
            elif el.tag in (_w("sdt"), _w("customXml")):
                content = el.find(_w("sdtContent"))
                yield from self.body(content if content is not None else el)
            elif el.tag in (_w("ins"), _w("moveTo")):
                yield from self.body(el)

    def paragraph(self, p: etree._Element) -> Para:
        self.number += 1
        para = Para(self.number, [])
        ppr = p.find(_w("pPr"))
        if ppr is not None:
            style = ppr.find(_w("pStyle"))
            para.heading = style is not None and style.get(_w("val")) in self.styles.headings
            outline = ppr.find(_w("outlineLvl"))
            para.heading = para.heading or (outline is not None and outline.get(_w("val"), "9") < "9")
            para.changes += len(ppr.findall(f".//{_w('pPrChange')}"))
            # Numbering set on the paragraph wins over its style's (numId 0 switches it off).
            num = _num_pr(ppr) if ppr.find(_w("numPr")) is not None else (
                self.styles.numbered.get(style.get(_w("val"), "")) if style is not None else None)
            if num and self.numbering is not None:
                marker = self.numbering.marker(*num)
                if marker:
                    para.runs.append(Run(marker + " "))
        self.content(p, para, frozenset())
        return para

    def content(self, el: etree._Element, para: Para, rends: frozenset[str]) -> None:
        for child in el:
            tag = child.tag
            if tag == _w("r"):
                self.run(child, para)
            elif tag in (_w("del"), _w("moveFrom")):
                para.changes += 1  # deleted text: read as accepted, so dropped
            elif tag in (_w("ins"), _w("moveTo")):
                para.changes += 1
                self.content(child, para, rends)
            elif tag in (_w("hyperlink"), _w("smartTag"), _w("fldSimple"), _w("customXml"),
                         _w("sdt"), _w("sdtContent")):
                self.content(child, para, rends)
            elif tag == _w("commentRangeStart"):
                self.comment(child.get(_w("id"), ""), para)

    def comment(self, cid: str, para: Para) -> None:
        if cid in self.comments and self.comments[cid] not in para.comments:
            para.comments.append(self.comments[cid])

    def run(self, r: etree._Element, para: Para) -> None:
        rpr = r.find(_w("rPr"))
        rends = _rends(rpr)
        if rpr is not None:
            style = rpr.find(_w("rStyle"))
            if style is not None:
                rends |= self.styles.rends.get(style.get(_w("val"), ""), frozenset())
            para.changes += len(rpr.findall(_w("rPrChange")))
        out: list[str] = []
        for child in r:
            tag = child.tag
            if tag == _w("t"):
                out.append(child.text or "")
            elif tag == _w("tab"):
                out.append("\t")
            elif tag in (_w("br"), _w("cr")):
                out.append("\n")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                kind = "footnote" if tag == _w("footnoteReference") else "endnote"
                note = self.notes.get((kind, child.get(_w("id"), "")))
                if note is not None:
                    n = str(len(self.anchors) + 1)
                    self.anchors.append((n, note))
                    # The anchor is plain text: "[n]" is what the footnote rules read.
                    para.runs.append(Run("".join(out), rends))
                    para.runs.append(Run(f"[{n}]"))
                    out = []
            elif tag == _w("commentReference"):
                self.comment(child.get(_w("id"), ""), para)
        para.runs.append(Run("".join(out), rends))

    def table(self, tbl: etree._Element) -> Iterator[Para]:
        index = len(self.tables)
        rows: list[list[Para | None]] = []
        self.tables.append(rows)
        for r, tr in enumerate(tbl.iter(_w("tr"))):
            if tr.getparent() is not tbl and tr.getparent().tag != _w("sdtContent"):
                continue  # a nested table's row: its text is in its cell's paragraphs
            cells: list[Para | None] = []
            rows.append(cells)
            for c, tc in enumerate(tr.findall(_w("tc"))):
                paras = [self.paragraph(p) for p in tc.iter(_w("p"))]
                cell = _join(paras)
                cell.cell = (index, r, c)
                cells.append(cell)
                yield cell


def _join(paras: list[Para]) -> Para:
    """The paragraphs of a table cell as one text paragraph (separated by spaces)."""
    first = paras[0] if paras else Para(0, [])
    runs: list[Run] = []
    for k, p in enumerate(paras):
        if k and p.text.strip():
            runs.append(Run(" "))
        runs.extend(p.runs)
    return Para(first.number, runs, changes=sum(p.changes for p in paras),
                comments=[c for p in paras for c in p.comments])


def _note_paras(walker: _Walker) -> list[Para]:
    """The text of each referenced note, "[n] text", as paragraphs after the body."""
    out = []
    for n, note in walker.anchors:
        paras = [walker.paragraph(p) for p in note.iter(_w("p"))]
        joined = _join(paras)
        joined.runs = [Run(f"[{n}] "), *(_strip_start(joined.runs))]
        joined.note = n
        out.append(joined)
    return out


def _strip_start(runs: list[Run]) -> list[Run]:
    """Runs without the leading spaces Word puts after a note's own reference mark."""
    out = list(runs)
    while out and not out[0].text.strip():
        out.pop(0)
    if out:
        out[0] = Run(out[0].text.lstrip(), out[0].rends)
    return out


def _notes(pkg: Package, rels: dict[str, str]) -> dict[tuple[str, str], etree._Element]:
    out = {}
    for kind, rel in (("footnote", RT.FOOTNOTES), ("endnote", RT.ENDNOTES)):
        root = pkg.xml(rels[rel]) if rel in rels else None
        if root is None:
            continue
        for note in root.findall(_w(kind)):
            if note.get(_w("type")) in (None, "normal"):  # not the separator notes
                out[(kind, note.get(_w("id"), ""))] = note
    return out


def _comments(pkg: Package, rels: dict[str, str]) -> dict[str, str]:
    root = pkg.xml(rels[RT.COMMENTS]) if RT.COMMENTS in rels else None
    out: dict[str, str] = {}
    for c in root.findall(_w("comment")) if root is not None else []:
        text = " ".join("".join(t.text or "" for t in p.iter(_w("t"))) for p in c.iter(_w("p")))
        author = c.get(_w("author"))
        out[c.get(_w("id"), "")] = (f"by {author}: " if author else "") + f"“{text.strip()}”"
    return out


def _render(para: Para, header: bool) -> str:
    """A paragraph's text; in the catalogue header bold runs are `**…**`, as in exports,
    and so is a paragraph in a heading style (a title set as "Title" or "Heading 1")."""
    if not header:
        return para.text
    if para.heading and para.text.strip() and "**" not in para.text:
        return f"**{para.text.strip()}**"
    out: list[str] = []
    bold: list[str] = []
    for r in [*para.runs, Run("")]:
        if "bold" in r.rends:
            bold.append(r.text)
            continue
        if bold and not r.text.strip() and r.text and r is not para.runs[-1]:
            bold.append(r.text)  # a space between two bold runs stays inside
            continue
        if bold:
            joined = "".join(bold)
            core = joined.rstrip(" \t")
            out.append(f"**{core}**{joined[len(core):]}" if joined.strip() else joined)
            bold = []
        out.append(r.text)
    return "".join(out)


def to_text(paras: list[Para]) -> tuple[str, list[int], int]:
    """The export text of the paragraphs, each paragraph's lines set; the text line ->
    Word paragraph map; the first body line (after the header blocks)."""
    lines: list[str] = []
    line_map: list[int] = []
    kept = [p for p in paras if p.text.strip()]
    marked = {id(p) for k, p in enumerate(kept) if p.cell is not None or (
        k and kept[k - 1].cell is not None and p.text.lstrip()[:1].islower()
        and not _LIST_MARKER.match(p.text.lstrip()))}
    for p in kept:
        if lines:
            lines.append("")
            line_map.append(p.number)
        p.first = len(lines) + 1
        text = _render(p, header=True)
        if id(p) in marked:
            text = CELL_MARK + text.lstrip()
        for part in text.split("\n"):
            lines.append(part)
            line_map.append(p.number)
        p.last = len(lines)
    hb = read_header_blocks(lines)
    start = hb.body_start if hb.body_start is not None else 0
    for p in kept:  # the body: no stars; Word's own highlighting is applied to the model
        if p.first > start:
            body = (CELL_MARK + p.text.lstrip()) if id(p) in marked else p.text
            lines[p.first - 1:p.last] = body.split("\n")
    return "\n".join(lines), line_map, start + 1


def load_docx(path: Path) -> Loaded:
    """Read a Word file into the export text and its structure; raises DocxError."""
    shown = str(path)
    data = read_package(path)
    pkg = Package(data, shown)
    main = pkg.related("/").get(RT.OFFICE_DOCUMENT)
    root = pkg.xml(main) if main else None
    body = root.find(_w("body")) if root is not None and root.tag == _w("document") else None
    if body is None:
        raise DocxError(shown, 0, 0, "a zip file, but not a Word document (no Word main part "
                                     "with a body)")
    assert main is not None
    rels = pkg.related(main)
    # Styles matter only when the text uses one (a heading, "Emphasis"): a template's
    # styles part is large, and most transcriptions use direct formatting alone.
    used = any(True for _ in body.iter(_w("pStyle"), _w("rStyle")))
    styles = _styles(pkg.xml(rels[RT.STYLES]) if used and RT.STYLES in rels else None)
    numbered = used or any(True for _ in body.iter(_w("numPr")))
    numbering = Numbering(pkg.xml(rels[RT.NUMBERING]) if numbered and RT.NUMBERING in rels
                          else None) if numbered else None
    walker = _Walker(styles, _notes(pkg, rels), _comments(pkg, rels), numbering)
    paras = list(walker.body(body))
    paras += _note_paras(walker)
    for p in paras:
        p.runs = [Run(plain_spaces(r.text), r.rends) for r in p.runs if r.text]
    text, line_map, body_start = to_text(paras)
    text, replaced = normalize_text(text)
    note_lines = {p.note: p.first for p in paras if p.note is not None}
    return Loaded(data, text, replaced, Structure(paras, walker.tables, note_lines, line_map,
                                                  body_start))


# ====================================================================== text -> model


def _children(obj: object) -> Iterator[tuple[list, object]]:
    """The model objects inside a model object, each with the list that holds it."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, list):
                    for inner in item:
                        if isinstance(inner, list):
                            yield from ((inner, x) for x in inner)
                        else:
                            yield item, inner
                else:
                    yield value, item
        elif is_dataclass(value) and not isinstance(value, type):
            yield [value], value


def text_nodes(obj: object, line: int, note_lines: dict[str, int],
               out: list[tuple[list, Text, int]]) -> None:
    """Every Text node in document order with its holding list and source line."""
    for holder, child in _children(obj):
        if isinstance(child, Text):
            out.append((holder, child, line))
            continue
        if not is_dataclass(child):
            continue
        here = getattr(child, "line", 0) or line
        if getattr(child, "place", None) == "foot" and getattr(child, "n", None) in note_lines:
            here = note_lines[child.n]  # type: ignore[attr-defined]
        text_nodes(child, here, note_lines, out)


def apply_highlights(doc: Document, st: Structure, report: Reporter) -> None:
    """Word's bold, italic, underline and superscript runs in the body become `Hi`."""
    wanted = [p for p in st.paras if p.first >= st.body_start and any(r.rends for r in p.runs)]
    if not wanted:
        return
    nodes: list[tuple[list, Text, int]] = []
    text_nodes(doc, 0, st.note_lines, nodes)
    by_line: dict[int, list[tuple[list, Text]]] = {}
    for holder, node, line in nodes:
        by_line.setdefault(line, []).append((holder, node))
    for p in wanted:
        here = [x for line in range(p.first, p.last + 1) for x in by_line.pop(line, [])]
        # A paragraph the rules joined to the one before (text cut by a page break) has
        # its text in that block: look there, counting occurrences from its end.
        home = p.first if here else max((k for k in by_line if k < p.first), default=0)
        from_end = not here
        here = here or by_line.get(home, [])
        for rend in RENDS:
            for run, before, after in _spans(p, rend):
                found = _wrap(here, run, rend, after if from_end else before, from_end)
                if found is None:
                    report.warn(p.first, 1, "word-format", f"the {rend} of “{run[:40]}” is not "
                                "kept: the rules changed the text there")
                else:
                    here = found
        by_line[home] = here


def _spans(p: Para, rend: str) -> list[tuple[str, int, int]]:
    """Texts of consecutive runs with `rend` (anchors and blank runs not counted), each
    with how often it occurs in the paragraph before and after it (to find the same place
    in the model)."""
    out: list[tuple[str, int, int]] = []
    current: list[str] = []
    text = ""
    full = p.text

    def close() -> None:
        joined = "".join(current)
        if joined.strip():
            start = len(text) - len(joined) + (len(joined) - len(joined.lstrip()))
            word = joined.strip()
            out.append((word, text[:start].count(word), full[start + len(word):].count(word)))

    for r in p.runs:
        if (rend in r.rends and not re.fullmatch(r"\[\d+\]", r.text)) \
                or (current and not r.text.strip()):
            current.append(r.text)
        else:
            close()
            current = []
        text += r.text
    close()
    return out


def _wrap(here: list[tuple[list, Text]], text: str, rend: str, skip: int,
          from_end: bool = False) -> list[tuple[list, Text]] | None:
    """Wrap in Hi the occurrence of `text` in the joined Text nodes that has `skip` others
    before it (or after it, `from_end`); the new node list, or None when the rules changed
    that text."""
    joined = "".join(t.text for _, t in here)
    if not text:
        return None
    start = len(joined) if from_end else -1
    for _ in range(skip + 1):
        start = joined.rfind(text, 0, start + len(text) - 1) if from_end \
            else joined.find(text, start + 1)
        if start < 0:
            return None
    end = start + len(text)
    out: list[tuple[list, Text]] = []
    pos = 0
    for holder, node in here:
        a, b = pos, pos + len(node.text)
        pos = b
        lo, hi = max(a, start), min(b, end)
        if lo >= hi:
            out.append((holder, node))
            continue
        k = next(i for i, x in enumerate(holder) if x is node)
        pieces: list[Inline] = []
        before, mid, after = node.text[:lo - a], node.text[lo - a:hi - a], node.text[hi - a:]
        inner = Text(mid)
        wrapped = Hi(rend, [inner])
        if before:
            pieces.append(Text(before))
            out.append((holder, pieces[-1]))  # type: ignore[arg-type]
        pieces.append(wrapped)
        out.append((wrapped.children, inner))
        if after:
            pieces.append(Text(after))
            out.append((holder, pieces[-1]))  # type: ignore[arg-type]
        holder[k:k + 1] = pieces
    return out


def _block_line(b: object) -> int:
    if isinstance(b, FieldList):
        return b.fields[0].line if b.fields else 0
    return getattr(b, "line", 0) or 0


def _cell(c: Para | None, by_line: dict[int, object]) -> list[Inline]:
    """A cell's content: what the rules read from it, else its text as written."""
    if c is None or not c.first:
        return []
    read = _inlines_of(by_line[c.first]) if c.first in by_line else []
    return read or [Text(c.text.strip())]


def _inlines_of(b: object) -> list[Inline]:
    """What a block read from a table cell holds, as inlines."""
    if isinstance(b, Paragraph | Heading):
        return b.inlines
    if isinstance(b, GapBlock):
        return [b.gap]
    if isinstance(b, NoteBlock):
        return [b.note]
    if isinstance(b, StageBlock):
        return [b.stage]
    if isinstance(b, Field):
        return [Text(f"{b.label}: "), *b.value]
    if isinstance(b, FieldList):
        return [x for f in b.fields for x in ([Text("; ")] if f is not b.fields[0] else [])
                + _inlines_of(f)]
    if isinstance(b, ItemList):
        return [x for k, item in enumerate(b.items)
                for x in [Text(("; " if k else "") + f"{item.label} "), *item.inlines]]
    if isinstance(b, Turn):
        label = [*b.label, Text(": ")]
        return label + [x for inner in b.blocks for x in _inlines_of(inner)]
    return []


def strip_marks(doc: Document) -> None:
    """Take the table marks out of every text of the model."""
    nodes: list[tuple[list, Text, int]] = []
    text_nodes(doc, 0, {}, nodes)
    for holder, node, _ in nodes:
        if CELL_MARK in node.text:
            node.text = node.text.replace(CELL_MARK, "")
            if not node.text:
                del holder[next(i for i, x in enumerate(holder) if x is node)]


def _block_lists(doc: Document) -> Iterator[list]:
    """Every list of blocks in the body (the body, turns, sections, embedded letters)."""
    stack: list[list] = [doc.body]
    while stack:
        blocks = stack.pop()
        yield blocks
        stack.extend(b.blocks for b in blocks if isinstance(getattr(b, "blocks", None), list))


def apply_tables(doc: Document, st: Structure, report: Reporter) -> None:
    """The blocks read from each table's cells become one `Table` where the first stood."""
    for rows in st.tables:
        cells = [c for row in rows for c in row if c is not None and c.first]
        if not cells:
            continue
        first, last = min(c.first for c in cells), max(c.last for c in cells)
        by_line: dict[int, object] = {}
        for blocks in _block_lists(doc):
            inside = [k for k, b in enumerate(blocks) if first <= _block_line(b) <= last]
            if not inside:
                continue
            for k in inside:
                by_line[_block_line(blocks[k])] = blocks[k]
            table = Table([[_cell(c, by_line) for c in row] for row in rows], first)
            blocks[inside[0]] = table
            for k in reversed(inside[1:]):
                del blocks[k]
            break
        else:
            report.warn(first, 1, "word-table", "a table's cells were read into other structures "
                        "(a list, the participants); it is not encoded as a table")


_ENDS_FLOW = (Section, Closer, Trailer, Postscript)


def apply_headings(doc: Document, st: Structure) -> None:
    """Word headings: the first block becomes the `Heading`; a later one opens a `Section`
    holding what follows up to the next heading or the closing blocks."""
    heads = [p for p in st.paras if p.heading and p.cell is None and p.first >= st.body_start]
    if not heads:
        return
    lines = {p.first for p in heads}
    _letterhead_heading(doc, heads[0])
    body: list = []
    section: Section | None = None
    for k, b in enumerate(doc.body):
        if isinstance(b, Paragraph) and b.line in lines:
            if not any(isinstance(x, Paragraph | Turn | FieldList | Table) for x in doc.body[:k]):
                body.append(Heading(b.inlines, b.line))
                continue
            section = Section("section", None, b.inlines, [], b.line)
            body.append(section)
            continue
        if section is not None and not isinstance(b, _ENDS_FLOW):
            section.blocks.append(b)
            continue
        section = None
        body.append(b)
    doc.body = body


def _letterhead_heading(doc: Document, head: Para) -> None:
    """A Word heading the layout rules took for the letterhead's first line is the head."""
    if not doc.body or not isinstance(doc.body[0], Opener) or not doc.body[0].parts:
        return
    opener = doc.body[0]
    first = opener.parts[0]
    if not isinstance(first, Letterhead) or not first.lines:
        return
    line = first.lines[0]
    if "".join(n.text for n in line if isinstance(n, Text)).strip() != head.text.strip() \
            or not all(isinstance(n, Text | Hi) for n in line):
        return
    first.lines.pop(0)
    if not first.lines:
        opener.parts.pop(0)
    doc.body[0:1] = [Heading(line, head.first), *([opener] if opener.parts else [])]


# ====================================================================== the reader


class DocxReader:
    """Reads a Word transcription with the text reader's rules, then Word's structure."""

    def load(self, path: Path, encoding: str | None = None) -> Loaded:
        """Open and check the package (an encoding does not apply to Word files)."""
        return load_docx(Path(path))

    def read(self, loaded: Loaded, name: str, source: str, report: Reporter,
             known: tuple[KnownPerson, ...] = (), hints: Hints | None = None) -> Document:
        """The document model, diagnostics naming Word paragraphs; raises ReaderError."""
        st = loaded.structure
        assert isinstance(st, Structure)
        try:
            doc = read(loaded.text, name, source, report, known=known,
                       hints=_hints_by_line(hints, st))
        except ReaderError as exc:
            raise ReaderError(_number(st, exc.line), exc.rule, exc.message) from None
        for d in doc.decisions:  # `explain` shows, and hints name, Word paragraphs
            d.first, d.last = _number(st, d.first), _number(st, d.last)
        apply_highlights(doc, st, report)
        apply_tables(doc, st, report)
        if st.tables:
            strip_marks(doc)
        apply_headings(doc, st)
        for p in st.paras:
            if p.changes:
                report.warn(p.first, 1, "tracked-change",
                            f"{p.changes} tracked change(s) read as accepted (insertions kept, "
                            "deletions dropped)")
            for c in p.comments:
                report.warn(p.first, 1, "word-comment", f"Word comment {c} (not encoded)")
        report.diagnostics[:] = [Diagnostic(d.file, _number(st, d.line), d.col if d.line else 0,
                                            d.severity, d.rule, d.message)
                                 for d in report.diagnostics]
        return doc

    def locate(self, loaded: Loaded, line: int) -> int:
        """The Word paragraph a diagnostic names for a line of the text."""
        st = loaded.structure
        assert isinstance(st, Structure)
        return _number(st, line)

    def body_words(self, loaded: Loaded) -> tuple[list[Word], list[Word]]:
        """(body words, footnote words) in Word order, by Word paragraph."""
        st = loaded.structure
        assert isinstance(st, Structure)
        main, foot = source_streams(loaded.text)
        return ([Word(w.text, _number(st, w.line)) for w in main],
                [Word(w.text, _number(st, w.line)) for w in foot])


def _hints_by_line(hints: Hints | None, st: Structure) -> Hints | None:
    """Block hints name Word paragraphs ("14-16" = "distribution"); the rules, text lines."""
    if hints is None or not hints.blocks:
        return hints
    lines = {p.number: (p.first, p.last) for p in st.paras if p.first}
    blocks = []
    for h in hints.blocks:
        if h.first not in lines or h.last not in lines:
            missing = h.first if h.first not in lines else h.last
            raise HintsError(hints.file or "hints", h.line, f"paragraph {missing} of the Word "
                             "file is empty or missing (hints of a Word file count its paragraphs)")
        blocks.append(replace(h, first=lines[h.first][0], last=lines[h.last][1]))
    return replace(hints, blocks=tuple(blocks))


def _number(st: Structure, line: int) -> int:
    """The Word paragraph of a text line (0 stays 0: the file as a whole)."""
    if line <= 0 or not st.line_map:
        return line
    return st.line_map[min(line, len(st.line_map)) - 1]

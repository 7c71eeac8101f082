"""HTML reading edition: TEI files to one page each, a corpus index and the stylesheet.

The transformation itself lives in `xslt/*.xsl` (XSLT 1.0, run by lxml); this module
compiles the stylesheets once (`Stylesheets.load()`), feeds them parsed TEI trees and
writes the pages. `render_document` is the reusable single-document step.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lxml import etree

from .config import KnownPerson
from .corpus import is_corpus_file
from .diagnostics import Diagnostic, Exit, has_errors
from .xmlio import XMLInputError, parse_file, safe_parser, sync_written, write_atomic

TEI_NS = "http://www.tei-c.org/ns/1.0"
NS = {"tei": TEI_NS}
XSLT_DIR = Path(__file__).parent / "xslt"
CSS_NAME = "edition.css"
INDEX_NAME = "index.html"
DOCTYPE = b"<!DOCTYPE html>\n"
PERSONS_DIR = "persons"

#: Marks that render_document sets on the TEI tree for one transformation and removes after
#: it: the page id of a passage (turn-K, par-K) and the page of a person. Python numbers the
#: passages in one walk, where the stylesheet would count the preceding nodes of every turn
#: (quadratic in libxslt), and the persons register needs the same numbers. No namespace: a
#: namespaced attribute would leave its declaration behind on the element.
ANCHOR = "te-anchor"
PAGE = "te-page"
_SP, _P, _NOTE = f"{{{TEI_NS}}}sp", f"{{{TEI_NS}}}p", f"{{{TEI_NS}}}note"
_PERSON, _PERSNAME = f"{{{TEI_NS}}}person", f"{{{TEI_NS}}}persName"
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_NCNAME = re.compile(r"^[^\W\d][\w.-]*$")  # an XML name without a colon: no slash, no ~

#: Characters XML allows but HTML5 parsers report as errors: DEL, C1 controls, noncharacters.
NOT_HTML = re.compile(
    "[\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
    + "]"
)
# The same characters as UTF-8 byte patterns, each with a literal prefix so that the common
# case (none of them present) costs a fast scan instead of a character-class search.
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_NONCHAR_BMP_UTF8 = re.compile(rb"\xef\xb7[\x90-\xaf]")
_NONCHAR_ASTRAL_UTF8 = re.compile(rb"[\xf0-\xf4][\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf]")
_ASTRAL_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")

#: Rules whose errors are about the run (paths, disk), not about a document: exit 2.
USAGE_RULES = frozenset({"io", "html-input", "html-output", "html-name"})


@dataclass(frozen=True)
class Stylesheets:
    """The compiled stylesheets: the page, the index, and the text the search index reads;
    compile once per run, reuse for every file."""

    document: etree.XSLT
    index: etree.XSLT
    passages: etree.XSLT

    @classmethod
    def load(cls, directory: Path = XSLT_DIR) -> Stylesheets:
        """Compile `document.xsl`, `index.xsl` and `passages.xsl` from `directory`."""
        return cls(_compile(directory / "document.xsl"), _compile(directory / "index.xsl"),
                   _compile(directory / "passages.xsl"))


def _compile(path: Path) -> etree.XSLT:
    # Parsed from the path so that xsl:include resolves; DENY_ALL stops document() and
    # output extensions from touching files or the network while a TEI file is transformed.
    doc = etree.parse(str(path), safe_parser())
    # regexp=False: the stylesheets use no EXSLT regular expressions, and lxml would otherwise
    # register its Python implementations in every transformation (a few µs per page).
    return etree.XSLT(doc, access_control=etree.XSLTAccessControl.DENY_ALL, regexp=False)


@dataclass
class RenderReport:
    """What `render_paths` did: diagnostics, the files it wrote, the process exit status."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    exit_status: int = Exit.OK

    def summary(self) -> str:
        """One line for the terminal: how many pages, where the index is, how many errors."""
        pages = [f for f in self.files if f.endswith(".html") and Path(f).name != INDEX_NAME]
        index = next((f for f in self.files if Path(f).name == INDEX_NAME), None)
        errors = sum(d.severity == "error" for d in self.diagnostics)
        line = f"{len(pages)} page(s) written"
        if index:
            line += f"; open {index}"
        return line + (f"; {errors} error(s)" if errors else "")


class RenderError(Exception):
    """A TEI tree that could not be turned into HTML."""


def is_tei(tree: etree._ElementTree | etree._Element) -> bool:
    """True when the root is a TEI P5 `<TEI>` element."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    return root.tag == f"{{{TEI_NS}}}TEI"


def person_key(doc: str, pid: str, registry: Collection[str]) -> str:
    """A person's identity across the edition: the registry id, else `DOC~ID` (document-local;
    `~` cannot occur in an xml:id, so the two kinds never collide)."""
    return pid if pid in registry else f"{doc}~{pid}"


def person_href(key: str, prefix: str = f"{PERSONS_DIR}/") -> str:
    """The link to a person's page from a page beside index.html (or with another prefix)."""
    return prefix + quote(f"{key}.html")


def passage_anchors(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """The passages of the text with their page ids: every turn (`turn-K`) and every paragraph
    outside a turn or note (`par-K`), or `id-ID` when the element has an xml:id."""
    text = root.find("tei:text", NS)
    if text is None:
        return []
    out: list[tuple[etree._Element, str]] = []
    turns = pars = inside = 0  # inside: how many turns and notes enclose the walk
    # One walk with start and end events, rather than a look at the ancestors of every p.
    for event, el in etree.iterwalk(text, events=("start", "end"), tag=(_SP, _P, _NOTE)):
        if event == "end":
            inside -= el.tag != _P
            continue
        if el.tag == _SP:
            turns += 1
            anchor = f"turn-{turns}"
            inside += 1
        elif el.tag == _NOTE:
            inside += 1
            continue
        elif inside:
            continue
        else:
            pars += 1
            anchor = f"par-{pars}"
        xml_id = el.get(_XML_ID)
        out.append((el, f"id-{xml_id}" if xml_id else anchor))
    return out


def register_id(person: etree._Element) -> str | None:
    """The person's xml:id when it can name a page: an XML name (a file written unvalidated
    could carry "../x" there, which must not become a path)."""
    pid = person.get(_XML_ID)
    return pid if pid and _NCNAME.match(pid) else None


def participants(root: etree._Element) -> Iterator[etree._Element]:
    """The persons of particDesc (`particDesc//person`), in document order (found by tag:
    ElementPath for the whole path is Python code)."""
    for desc in root.iterfind("tei:teiHeader/tei:profileDesc/tei:particDesc", NS):
        yield from desc.iter(_PERSON)


def person_pages(root: etree._Element, doc: str, registry: Collection[str]) -> dict[str, str]:
    """`#ID` of each person of particDesc -> the href of the person's page."""
    pages = {}
    for person in participants(root):
        pid = register_id(person)
        if pid:
            pages[f"#{pid}"] = person_href(person_key(doc, pid, registry))
    return pages


@contextmanager
def _marked(tree: etree._ElementTree, doc: str | None, registry: Collection[str],
            found: list[tuple[etree._Element, str]] | None = None) -> Iterator[None]:
    """Set the passage and person marks for one transformation; restore the tree after it.

    Every element whose mark the stylesheet reads is visited, and a value the file itself
    carries is taken away meanwhile: a hand-made `te-page` cannot become a link."""
    root = tree.getroot()
    saved: list[tuple[etree._Element, str, str | None]] = []

    def mark(el: etree._Element, attr: str, value: str | None) -> None:
        old = el.get(attr)
        if old is None and value is None:
            return
        saved.append((el, attr, old))
        if value is None:
            del el.attrib[attr]
        else:
            el.set(attr, value)

    anchors = dict(passage_anchors(root) if found is None else found)
    text = root.find("tei:text", NS)
    for el in text.iter(_SP, _P) if text is not None else ():
        anchor = anchors.get(el)
        mark(el, ANCHOR, anchor if anchor and not anchor.startswith("id-") else None)
    pages = person_pages(root, doc, registry) if doc is not None else {}
    for person in participants(root):
        mark(person, PAGE, pages.get(f"#{person.get(_XML_ID)}"))
    for el in text.iter(_SP, _PERSNAME) if text is not None else ():
        mark(el, PAGE, pages.get((el.get("who") if el.tag == _SP else el.get("ref")) or ""))
    try:
        yield
    finally:
        for el, attr, old in reversed(saved):
            if old is None:
                el.attrib.pop(attr, None)
            else:
                el.set(attr, old)


def render_document(
    tree: etree._ElementTree,
    sheets: Stylesheets,
    *,
    css_href: str = CSS_NAME,
    index_href: str = INDEX_NAME,
    name: str | None = None,
    registry: Collection[str] = (),
    anchors: list[tuple[etree._Element, str]] | None = None,
) -> bytes:
    """Render one parsed TEI document as a complete HTML5 page (UTF-8 bytes).

    `css_href` and `index_href` are written into the page as given (relative to the page).
    With the page's `name` (its file stem), names of participants link to their pages in the
    persons register (`persons/KEY.html`, see person_key; `registry` holds the registry ids);
    without it, to the participants panel. The tree is left as it was. `anchors`:
    passage_anchors() of the tree, when the caller has them (the register needs them too).
    Raises RenderError when the tree is not TEI or the transformation fails.
    """
    if not is_tei(tree):
        raise RenderError(f"not a TEI P5 document (the root must be TEI in {TEI_NS})")
    # Passing any parameter at all costs libxslt as much as a tenth of a transform, so the
    # stylesheet's defaults (the same names as here) are only overridden when they differ.
    params = {}
    if css_href != CSS_NAME:
        params["css-href"] = etree.XSLT.strparam(css_href)
    if index_href != INDEX_NAME:
        params["index-href"] = etree.XSLT.strparam(index_href)
    try:
        with _marked(tree, name, registry, anchors):
            result = sheets.document(tree, **params)
    except etree.XSLTApplyError as exc:
        raise RenderError(f"XSLT failed: {exc}") from None
    return _serialise(result)


def render_index(docs: Iterable[IndexEntry], sheets: Stylesheets, *,
                 css_href: str = CSS_NAME, title: str = "Documents") -> bytes:
    """Render the corpus index page for the given documents."""
    rows = sorted(((e.date, e.name, index_row(e, sheets)) for e in docs),
                  key=lambda r: (r[0] == "", r[0], r[1]))
    return b"".join(index_page([(date, row) for date, _, row in rows], len(rows), sheets,
                               css_href=css_href, title=title))


def index_row(entry: IndexEntry, sheets: Stylesheets) -> str:
    """The document's row of the index page (HTML). Rendered alone, where the document is,
    so that a build puts the page together from cached rows, never from every document."""
    try:  # index.xsl's template for one <doc> makes its <tr>
        result = sheets.index(etree.ElementTree(entry.element()))
    except etree.XSLTApplyError as exc:
        raise RenderError(f"XSLT failed: {exc}") from None
    return NOT_HTML.sub("\ufffd", _root_html(result, "unicode"))


#: Rows written to the index page in one piece (one write call, not one a row).
_ROWS_AT_ONCE = 256


def index_page(rows: Iterable[tuple[str, str]], count: int, sheets: Stylesheets, *,
               css_href: str = CSS_NAME, title: str = "Documents") -> Iterator[bytes]:
    """The index page in pieces, from the rows of `count` documents as (sort date, row),
    in page order (dated by date then name, undated last by name): a year heading
    wherever the year changes. The page around the rows comes from index.xsl."""
    frame = sheets.index(etree.ElementTree(etree.Element("corpus")), **{
        "css-href": etree.XSLT.strparam(css_href), "site-title": etree.XSLT.strparam(title),
        "doc-count": str(count)})
    head, tail = _serialise(frame).decode("utf-8").split("</table>", 1)
    batch, year = [head], None
    for date, row in rows:
        if date[:4] != year:
            if year is not None:
                batch.append("</tbody>")
            year = date[:4]
            batch.append(_year_heading(year))
        batch.append(row)
        if len(batch) >= _ROWS_AT_ONCE:
            yield "".join(batch).encode("utf-8")
            batch = []
    if year is not None:
        batch.append("</tbody>")
    batch.append("</table>" + tail)
    yield "".join(batch).encode("utf-8")


def _year_heading(year: str) -> str:
    """A year's group of rows begins (an empty year: the undated documents)."""
    if not year:
        return ('<tbody><tr class="year"><th colspan="5" scope="rowgroup" id="undated">'
                "Undated</th></tr>")
    year = escape(year, quote=True)
    return (f'<tbody><tr class="year"><th colspan="5" scope="rowgroup" id="y{year}">'
            f"{year}</th></tr>")


def _serialise(result: etree._XSLTResultTree) -> bytes:
    # Serialising the root element (not the result document) writes no charset
    # <meta http-equiv> of libxml2's own beside the page's <meta charset>; the HTML5
    # doctype is ours because XSLT 1.0 cannot write it. bytes(result) and write_output()
    # (libxslt's own saving) are barely faster and insert that <meta http-equiv> into the
    # tree. libxml2's XML serialiser takes half the time, but it writes <dt/> for empty
    # elements and does not percent-encode href values, as the HTML serialiser does.
    data = _root_html(result, "UTF-8")
    if has_non_html(data):
        # Shown as U+FFFD rather than dropped: the reader sees that something was there.
        data = NOT_HTML.sub("\ufffd", data.decode("utf-8")).encode("utf-8")
    return DOCTYPE + data + b"\n"


def _root_html(result: etree._XSLTResultTree, encoding: str) -> Any:
    """The result's root element as HTML: text for "unicode", else bytes."""
    root = result.getroot()
    if root is None:
        raise RenderError("the stylesheet produced no output")
    return etree.tostring(root, method="html", encoding=encoding)


def has_non_html(data: bytes) -> bool:
    """True when UTF-8 `data` holds a character of NOT_HTML."""
    # A one-byte `in` is a memchr-speed scan (longer needles are not); the regular
    # expressions only run when the lead byte of a suspect character is there at all.
    return (b"\x7f" in data
            or (b"\xc2" in data and _C1_UTF8.search(data) is not None)
            or (b"\xef" in data and _NONCHAR_BMP_UTF8.search(data) is not None)
            or (any(lead in data for lead in _ASTRAL_LEADS)
                and _NONCHAR_ASTRAL_UTF8.search(data) is not None))


# Compiled once: root.xpath() would compile the expression again for every document.
_KIND = etree.XPath("string(tei:text/tei:body/tei:div[1]/@type)", namespaces=NS)
#: A document's catalogue title (plain text) and sort date, for the index, register and search.
MAIN_TITLE = etree.XPath("normalize-space(tei:teiHeader/tei:fileDesc/tei:titleStmt/"
                         "tei:title[@type='main' or not(@type)][1])", namespaces=NS)
SORT_DATE = etree.XPath("string((tei:teiHeader/tei:profileDesc/tei:creation/tei:date/@when"
                         " | tei:teiHeader/tei:profileDesc/tei:creation/tei:date/@from)[1])",
                         namespaces=NS)


@dataclass(frozen=True)
class IndexEntry:
    """One document as the index sees it: its page, its kind, its sort date and its header."""

    name: str
    href: str
    kind: str
    date: str
    header: etree._Element

    @classmethod
    def from_tree(cls, name: str, tree: etree._ElementTree,
                  registry: Collection[str] = ()) -> IndexEntry:
        """Collect what the index needs from a TEI tree (the header is copied, its persons
        marked with their pages in the register)."""
        root = tree.getroot()
        kind, date = _KIND(root), SORT_DATE(root)
        header = root.find("tei:teiHeader", NS)
        header = copy.deepcopy(header) if header is not None else etree.Element(
            f"{{{TEI_NS}}}teiHeader")
        pages = person_pages(root, name, registry)
        for person in header.iterfind("tei:profileDesc/tei:particDesc//tei:person", NS):
            href = pages.get(f"#{person.get(_XML_ID)}")
            if href:
                person.set(PAGE, href)
            else:
                person.attrib.pop(PAGE, None)
        return cls(name, quote(f"{name}.html"), kind, date, header)

    def element(self) -> etree._Element:
        """The `<doc>` element index.xsl reads."""
        doc = etree.Element("doc", href=self.href, name=self.name, kind=self.kind, date=self.date)
        doc.append(copy.copy(self.header))
        return doc


def collect_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Expand folders to their `*.xml` files (sorted); report paths that do not exist."""
    files: list[Path] = []
    diags: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():  # a corpus (encoded/corpus.xml) is no page of its own
            found = sorted(p for p in path.glob("*.xml") if p.is_file() and not is_corpus_file(p))
            if not found:
                diags.append(_diag(path, "warning", "html-input", "folder holds no *.xml files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            diags.append(_diag(path, "error", "html-input", "no such file or folder"))
    return list(dict.fromkeys(files)), diags


def render_paths(paths: list[Path], outdir: Path, *, sheets: Stylesheets | None = None,
                 site_pages: bool = True, registry: tuple[KnownPerson, ...] = ()) -> RenderReport:
    """Render TEI files (or folders of *.xml) into `outdir`: NAME.html each, index.html, CSS,
    and with `site_pages` the persons register and the search index (see register.py).
    `registry` is the project's persons registry: a person whose xml:id is a registry id is
    one person across documents; any other is known in its document only."""
    report = RenderReport()
    files, diags = collect_inputs(paths)
    report.diagnostics.extend(diags)
    if not files:
        if not has_errors(diags):
            report.diagnostics.append(Diagnostic("-", 0, 0, "error", "html-input",
                                                 "no TEI files to render"))
        return _finish(report)
    sheets = sheets or Stylesheets.load()
    entries: list[IndexEntry] = []
    records: dict[str, dict | None] = {}
    taken: dict[str, Path] = {}
    for path in files:
        entry = _render_one(path, outdir, sheets, taken, report, records,
                            frozenset(p.id for p in registry), site_pages)
        if entry is not None:
            entries.append(entry)
    _write(outdir / CSS_NAME, (XSLT_DIR / CSS_NAME).read_bytes(), report)
    try:
        _write(outdir / INDEX_NAME, render_index(entries, sheets), report)
    except RenderError as exc:
        report.diagnostics.append(_diag(outdir / INDEX_NAME, "error", "html-render", str(exc)))
    extra: list[Path] = []
    if site_pages:
        from .register import write_site_pages

        try:
            extra = write_site_pages(outdir, records, registry=registry).written
        except OSError as exc:
            report.diagnostics.append(_diag(outdir, "error", "html-output", exc.strerror or str(exc)))
    sync_written([*report.files, *extra])  # the pages were written without a flush each
    return _finish(report)


def _render_one(path: Path, outdir: Path, sheets: Stylesheets, taken: dict[str, Path],
                report: RenderReport, records: dict[str, dict | None],
                ids: frozenset[str], site_pages: bool = True) -> IndexEntry | None:
    """Parse, check, transform and write one file; diagnostics go into `report`."""
    name = path.stem
    if name == Path(INDEX_NAME).stem or name in taken:
        other = "the corpus index" if name not in taken else str(taken[name])
        report.diagnostics.append(_diag(path, "error", "html-name",
                                        f"{name}.html would overwrite {other}; rename the file"))
        return None
    try:
        tree = parse_file(path)
    except XMLInputError as exc:
        report.diagnostics.append(Diagnostic(exc.path, exc.line, exc.col, "error", exc.rule,
                                             exc.message))
        return None
    # The passages are found once for the page and the register.
    anchors = passage_anchors(tree.getroot()) if site_pages and is_tei(tree) else None
    try:
        html = render_document(tree, sheets, name=name, registry=ids, anchors=anchors)
    except RenderError as exc:
        report.diagnostics.append(_diag(path, "error", "html-render", str(exc), line=1, col=1))
        return None
    taken[name] = path
    if not _write(outdir / f"{name}.html", html, report):
        return None
    if site_pages:
        from .register import document_record

        records[name] = document_record(tree.getroot(), name, ids, sheets, anchors)
    return IndexEntry.from_tree(name, tree, ids)


def _write(target: Path, data: bytes, report: RenderReport) -> bool:
    try:
        write_atomic(target, data, durable=False)
    except OSError as exc:
        report.diagnostics.append(_diag(target, "error", "html-output", exc.strerror or str(exc)))
        return False
    report.files.append(str(target))
    return True


def _diag(path: Path | str, severity: str, rule: str, message: str,
          line: int = 0, col: int = 0) -> Diagnostic:
    return Diagnostic(str(path), line, col, severity, rule, message)


def _finish(report: RenderReport) -> RenderReport:
    errors = [d for d in report.diagnostics if d.severity == "error"]
    if any(d.rule in USAGE_RULES for d in errors):
        report.exit_status = Exit.USAGE
    elif errors:
        report.exit_status = Exit.PROBLEM
    else:
        report.exit_status = Exit.OK
    return report

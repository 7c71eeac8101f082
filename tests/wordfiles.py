"""Word files for the tests, written with python-docx (and raw XML where it has no API)."""

from __future__ import annotations

import re
from pathlib import Path

import docx

BLANK = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of an export text: what blank lines separate."""
    return [p for p in BLANK.split(text.replace("\r\n", "\n").strip("\n")) if p.strip()]


def add_starred(paragraph, text: str) -> None:
    """Runs of a paragraph; text between `**` pairs is a bold run, a newline a line break."""
    for k, segment in enumerate(text.split("**")):
        if segment:
            run = paragraph.add_run(segment)  # python-docx makes "\n" a w:br, "\t" a w:tab
            run.bold = bool(k % 2) or None


def docx_from_text(text: str, path: Path) -> Path:
    """A Word document with one paragraph per source paragraph and bold where `**` is."""
    document = docx.Document()
    for para in paragraphs(text):
        add_starred(document.add_paragraph(), para)
    document.save(str(path))
    return path


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def export_document(header_text: str) -> docx.document.Document:
    """A Word document holding an export's catalogue header (the text up to the body)."""
    document = docx.Document()
    for para in paragraphs(header_text):
        add_starred(document.add_paragraph(), para)
    return document


def raw(paragraph, xml: str) -> None:
    """Append WordprocessingML (runs, insertions, deletions) to a python-docx paragraph."""
    from docx.oxml import parse_xml

    for el in list(parse_xml(f'<w:wrap xmlns:w="{W_NS}">{xml}</w:wrap>')):
        paragraph._p.append(el)


def note_reference(paragraph, kind: str, nid: int) -> None:
    """A footnote or endnote reference mark, as Word writes it."""
    raw(paragraph, f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr>'
                   f'<w:{kind}Reference w:id="{nid}"/></w:r>')


def _note(kind: str, nid: int, runs: str) -> str:
    return (f'<w:{kind} w:id="{nid}"><w:p><w:r><w:{kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> </w:t></w:r>{runs}</w:p></w:{kind}>')


def add_parts(path: Path, parts: dict[str, tuple[str, str, str]]) -> None:
    """Add XML parts the main part relates to: {name: (relationship, content type, xml)}."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        items = {i.filename: zf.read(i) for i in zf.infolist()}
    for k, (name, (rel, ctype, xml)) in enumerate(parts.items()):
        items[f"word/{name}"] = xml.encode()
        items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(
            b"</Types>", f'<Override PartName="/word/{name}" ContentType="{_CT}{ctype}+xml"/>'
                         "</Types>".encode())
        rels = "word/_rels/document.xml.rels"
        items[rels] = items[rels].replace(
            b"</Relationships>", f'<Relationship Id="rIdTest{k}" Type="{_REL}{rel}" '
                                 f'Target="{name}"/></Relationships>'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)


def notes_part(kind: str, notes: dict[int, str]) -> tuple[str, str, str]:
    """A footnotes or endnotes part (with Word's separator notes) of text runs."""
    body = "".join(_note(kind, nid, runs) for nid, runs in notes.items())
    sep = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
           f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
           f'</w:r></w:p></w:{kind}>')
    return (f"{kind}s", f"{kind}s", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:{kind}s xmlns:w="{W_NS}">{sep}{body}</w:{kind}s>')


def comments_part(comments: dict[int, tuple[str, str]]) -> tuple[str, str, str]:
    """A comments part: {id: (author, text)}."""
    body = "".join(f'<w:comment w:id="{cid}" w:author="{author}"><w:p><w:r><w:t>{text}</w:t></w:r>'
                   "</w:p></w:comment>" for cid, (author, text) in comments.items())
    return ("comments", "comments", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:comments xmlns:w="{W_NS}">{body}</w:comments>')

"""The Word reader: the development corpus as Word files converts exactly like its text,
Word's own structures become their TEI, and hostile packages are refused in one line."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import CORPUS, jing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from wordfiles import (
    add_parts,
    add_starred,
    comments_part,
    docx_from_text,
    export_document,
    note_reference,
    notes_part,
    paragraphs,
    raw,
)

from docs import export
from tei_edition.cli import cli
from tei_edition.convert import convert_file
from tei_edition.readers import reader_for
from tei_edition.readers.docx import MAX_DOCX_BYTES, DocxReader
from tei_edition.validate import validate_paths
from tei_edition.verify import verify_files

NS = {"t": "http://www.tei-c.org/ns/1.0"}
TEXTS = sorted(p.stem for p in CORPUS.glob("*.txt"))


def canonical(data: bytes) -> bytes:
    """Canonical XML of a TEI file without its change record (which names the source)."""
    root = etree.fromstring(data)
    for rd in root.iter(f"{{{NS['t']}}}revisionDesc"):
        rd.getparent().remove(rd)
    return etree.tostring(root, method="c14n2")


def body(data: bytes) -> str:
    """The TEI body as written, for exact comparisons of small documents."""
    root = etree.fromstring(data)
    return etree.tostring(root.find(".//t:body", NS), encoding="unicode", with_tail=False).replace(
        ' xmlns="http://www.tei-c.org/ns/1.0"', "")


# ---------------------------------------------------------------- the two readers agree


@pytest.fixture(scope="module")
def word_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("word-corpus")
    for name in TEXTS:
        docx_from_text((CORPUS / f"{name}.txt").read_text("utf-8"), folder / f"{name}.docx")
    return folder


def test_the_corpus_has_26_development_documents() -> None:
    assert len(TEXTS) == 26


@pytest.mark.parametrize("name", TEXTS)
def test_word_file_converts_like_its_text(name: str, word_corpus: Path, converted: Path,
                                          tmp_path: Path) -> None:
    result = convert_file(word_corpus / f"{name}.docx", tmp_path)
    assert result.status == "converted", [d.format() for d in result.diagnostics]
    assert canonical(result.tei) == canonical((converted / f"{name}.xml").read_bytes())
    assert f"from {name}.docx;" in result.tei.decode()
    diags, status = verify_files(word_corpus / f"{name}.docx", tmp_path / f"{name}.xml")
    assert (diags, status) == ([], 0)


def test_a_drifting_reader_would_be_seen(word_corpus: Path, converted: Path,
                                         tmp_path: Path) -> None:
    """The comparison is not blind: a Word file whose text differs converts differently."""
    name = TEXTS[0]
    text = (CORPUS / f"{name}.txt").read_text("utf-8").replace("Vice Premier", "Premier", 1)
    result = convert_file(docx_from_text(text, tmp_path / f"{name}.docx"), tmp_path / "out")
    assert canonical(result.tei) != canonical((converted / f"{name}.xml").read_bytes())


# ---------------------------------------------------------------- what Word knows better


def _word_structures(path: Path) -> Path:
    """An export with a Word heading, italic, bold, underline and superscript runs, a
    footnote, an endnote, a tracked insertion and deletion, a comment and a table."""
    document = export_document(export(""))
    document.add_heading("Record of a Conversation", level=1)
    p = document.add_paragraph("We discussed ")
    p.add_run("coking coal").italic = True
    p.add_run(" and steel")
    note_reference(p, "footnote", 1)
    p.add_run(". The ")
    p.add_run("second").bold = True
    p.add_run(" point was ")
    p.add_run("urgent").underline = True
    p.add_run(" (the 1")
    p.add_run("st").font.superscript = True
    p.add_run(" time)")
    note_reference(p, "endnote", 1)
    p.add_run(".")
    document.add_heading("Prices", level=2)
    q = document.add_paragraph("Prices were ")
    raw(q, '<w:ins w:id="7" w:author="Ed"><w:r><w:t xml:space="preserve">much </w:t></w:r></w:ins>'
           '<w:del w:id="8" w:author="Ed"><w:r><w:delText>not </w:delText></w:r></w:del>'
           '<w:commentRangeStart w:id="3"/><w:r><w:t>reviewed.</w:t></w:r>'
           '<w:commentRangeEnd w:id="3"/><w:r><w:commentReference w:id="3"/></w:r>')
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Goods", "Tons"], ["coal [illegible]", "120,000"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("The talks ended at five in the afternoon.")
    document.save(str(path))
    add_parts(path, {
        "footnotes.xml": notes_part("footnote", {
            1: '<w:r><w:t xml:space="preserve">In the original: </w:t></w:r>'
               '<w:r><w:rPr><w:i/></w:rPr><w:t>gangcai</w:t></w:r>'}),
        "endnotes.xml": notes_part("endnote", {1: "<w:r><w:t>An endnote of the translator.</w:t></w:r>"}),
        "comments.xml": comments_part({3: ("Ed", "check the figure")}),
    })
    return path


def _turn_table(path: Path) -> Path:
    """Turns, a table in the last one, and a lower-case paragraph after the table."""
    document = export_document(export(""))
    for i in range(3):
        document.add_paragraph(f"Gao: point {i} is about coal")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "coal"
    table.cell(0, 1).text = "steel [illegible]"
    document.add_paragraph("and so on")
    document.save(str(path))
    return path


def _lists(path: Path) -> Path:
    """Word lists numbered by style, one bulleted, and a paragraph numbering switched off."""
    document = export_document(export(""))
    document.add_paragraph("He made three requests:")
    for item in ["coal for the winter;", "steel sheet;", "fertilizer."]:
        document.add_paragraph(item, style="List Number")
    document.add_paragraph("And he listed:")
    for item in ["wagons", "rails"]:
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph("Numbering switched off here.", style="List Number")._p.get_or_add_pPr() \
        .append(etree.fromstring('<w:numPr xmlns:w="http://schemas.openxmlformats.org/'
                                 'wordprocessingml/2006/main"><w:numId w:val="0"/></w:numPr>'))
    document.save(str(path))
    return path


EXPECTED_BODY = """<body>
      <div type="minutes">
        <head>Record of a Conversation</head>
        <p>We discussed <hi rend="italic">coking coal</hi> and steel<note place="foot" n="1">"""\
    """In the original: <hi rend="italic">gangcai</hi></note>. The <hi rend="bold">second</hi> """\
    """point was <hi rend="underline">urgent</hi> (the 1<hi rend="superscript">st</hi> time)"""\
    """<note place="foot" n="2">An endnote of the translator.</note>.</p>
        <div type="section">
          <head>Prices</head>
          <p>Prices were much reviewed.</p>
          <table>
            <row>
              <cell>Goods</cell>
              <cell>Tons</cell>
            </row>
            <row>
              <cell>coal <gap reason="illegible"><desc>illegible</desc></gap></cell>
              <cell>120,000</cell>
            </row>
          </table>
          <p>The talks ended at five in the afternoon.</p>
        </div>
      </div>
    </body>"""


@pytest.fixture(scope="module")
def structures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("structures")
    src = _word_structures(folder / "structures.docx")
    return src, convert_file(src, folder / "out")


def test_word_structures_become_their_tei(structures) -> None:
    _, result = structures
    assert result.status == "converted"
    assert body(result.tei) == EXPECTED_BODY


def test_tracked_changes_and_comments_are_reported_by_word_paragraph(structures) -> None:
    _, result = structures
    found = [(d.rule, d.line, d.severity) for d in result.diagnostics]
    # Paragraph 14 of the Word file: 10 of the catalogue header, the heading, the text,
    # the second heading, then the changed one.
    assert ("tracked-change", 14, "warning") in found
    comment = next(d for d in result.diagnostics if d.rule == "word-comment")
    assert comment.line == 14 and "by Ed: “check the figure”" in comment.message
    assert "check the figure" not in result.tei.decode()  # reported, never encoded
    assert "word-format" not in {d.rule for d in result.diagnostics}  # every run placed
    assert "not" not in body(result.tei).split()  # the deletion is accepted


def test_word_structures_lose_no_words(structures) -> None:
    src, result = structures
    assert verify_files(src, result.output) == ([], 0)


def test_verify_names_the_word_paragraph_of_a_lost_word(structures, tmp_path: Path) -> None:
    src, result = structures
    tei = tmp_path / "edited.xml"
    tei.write_bytes(result.tei.replace(b"Prices were much", b"Prices were"))
    diags, status = verify_files(src, tei)
    assert status == 1 and [(d.rule, d.line) for d in diags] == [("text-lost", 14)]


def test_word_outputs_are_valid(structures, word_corpus: Path, tmp_path: Path,
                                tei_all: Path) -> None:
    _, result = structures
    files = [result.output]
    for make in (_turn_table, _lists):
        files.append(convert_file(make(tmp_path / f"{make.__name__}.docx"), tmp_path).output)
    for name in TEXTS[:3]:
        files.append(convert_file(word_corpus / f"{name}.docx", tmp_path).output)
    assert validate_paths(files).diagnostics == []
    done = jing(tei_all, files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plain_word_paragraphs_stay_plain(tmp_path: Path) -> None:
    """No heading style, no highlighting, no table: no head, hi, div or table is made."""
    document = export_document(export(""))
    document.add_paragraph("We discussed coking coal and steel.")
    document.add_paragraph("Prices")
    document.add_paragraph("The talks ended.")
    document.save(str(tmp_path / "plain.docx"))
    result = convert_file(tmp_path / "plain.docx", tmp_path / "out")
    root = etree.fromstring(result.tei)
    assert root.xpath("//t:body//t:hi | //t:body//t:table | //t:div/t:div | //t:body//t:head",
                      namespaces=NS) == []
    assert not [d for d in result.diagnostics if d.rule in ("tracked-change", "word-comment")]


def test_bold_date_and_title_are_read_by_the_header_rules_not_as_hi(word_corpus: Path,
                                                                   tmp_path: Path) -> None:
    result = convert_file(word_corpus / f"{TEXTS[0]}.docx", tmp_path)
    assert b"<hi" not in result.tei
    assert b'<title type="main">Record of Vice Premier Gao' in result.tei


def test_formatting_the_rules_changed_is_reported(tmp_path: Path) -> None:
    document = export_document(export(""))
    p = document.add_paragraph("We met ")
    p.add_run("[Kim Il Sung]").italic = True  # brackets the inline rules read as supplied
    p.add_run(" today.")
    document.save(str(tmp_path / "f.docx"))
    result = convert_file(tmp_path / "f.docx", tmp_path / "out")
    assert [d.rule for d in result.diagnostics if d.rule == "word-format"] == ["word-format"]


# ---------------------------------------------------------------- the commands choose it


def test_readers_are_chosen_by_extension() -> None:
    assert isinstance(reader_for(Path("a.DOCX")), DocxReader)
    assert not isinstance(reader_for(Path("a.txt")), DocxReader)


def test_build_and_check_read_word_sources(word_corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    name = TEXTS[1]
    shutil.copyfile(word_corpus / f"{name}.docx", tmp_path / "sources" / f"{name}.docx")
    (tmp_path / "sources" / f"~${name}.docx").write_bytes(b"lock")  # Word's lock file
    runner = CliRunner()
    built = runner.invoke(cli, ["build", str(tmp_path), "--quiet"])
    assert built.exit_code == 0, built.output
    encoded = tmp_path / "encoded"
    assert (encoded / f"{name}.xml").is_file()
    assert not [p for p in encoded.rglob("*") if p.name.startswith("~$")]  # the lock file is no source
    assert runner.invoke(cli, ["check", str(tmp_path)]).exit_code == 0
    xml = tmp_path / "encoded" / f"{name}.xml"
    xml.write_bytes(xml.read_bytes().replace(b"</body>", b"</body>", 1))
    docx_from_text((CORPUS / f"{name}.txt").read_text("utf-8").replace(" the ", " a ", 1),
                   tmp_path / "sources" / f"{name}.docx")
    stale = runner.invoke(cli, ["check", str(tmp_path)])
    assert stale.exit_code == 1 and "[stale]" in stale.output


# ---------------------------------------------------------------- bad input


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _good_parts(tmp_path: Path) -> dict[str, bytes]:
    src = docx_from_text(export("Some text."), tmp_path / "good.docx")
    with zipfile.ZipFile(src) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _with_dtd(tmp_path: Path, decl: str) -> bytes:
    parts = _good_parts(tmp_path)
    xml = parts["word/document.xml"]
    head, rest = xml.split(b"?>", 1)
    parts["word/document.xml"] = head + b"?>" + decl.encode() + rest
    return _zip(parts)


BAD = {
    "not-a-zip": (lambda tmp: b"This is plain text, saved as .docx.\n", "not a zip package"),
    "zip-not-word": (lambda tmp: _zip({"hello.txt": b"hello"}), "not a Word document"),
    "encrypted": (lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
                  + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512, "encrypted"),
    "old-doc": (lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "97-2003"),
    "zip-bomb": (lambda tmp: {**_good_parts(tmp), "word/media/x.bin": b"\0" * (8 << 20)},
                 "zip bomb"),
    "doctype": (lambda tmp: _with_dtd(tmp, '<!DOCTYPE w:document [<!ENTITY a "aaaa">]>'),
                "DTD or entities"),
    "entity": (lambda tmp: _with_dtd(tmp, '<!ENTITY x SYSTEM "file:///etc/passwd">'),
               "DTD or entities"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_word_files_fail_in_one_line(case: str, tmp_path: Path) -> None:
    make, expected = BAD[case]
    data = make(tmp_path)
    if isinstance(data, dict):
        data = _zip(data)
    src = tmp_path / "bad.docx"
    src.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{src}:0:0: error: [docx] "), lines
    assert expected in lines[0] and "Traceback" not in result.output
    assert list(out.iterdir()) == []


def test_an_encrypted_zip_part_is_refused(tmp_path: Path) -> None:
    data = bytearray(_zip(_good_parts(tmp_path)))
    # Set the "encrypted" flag of every entry in the central directory and local headers.
    for sig, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        start = 0
        while (start := data.find(sig, start)) >= 0:
            data[start + offset] |= 1
            start += 4
    src = tmp_path / "enc.docx"
    src.write_bytes(bytes(data))
    with pytest.raises(Exception, match="encrypted"):
        DocxReader().load(src)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    src = tmp_path / "big.docx"
    with open(src, "wb") as f:  # sparse: no disk space used
        f.truncate(MAX_DOCX_BYTES + 1)
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "[docx] too large" in result.output


def test_a_zip_bomb_by_total_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many parts, each compressed no more than ordinary XML, together too large."""
    from tei_edition.readers import docx as word

    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 4 << 20)  # the rule, not 100 MB of test data
    parts = _good_parts(tmp_path)
    for k in range(5):
        parts[f"word/media/p{k}.bin"] = os.urandom(1 << 20)
    src = tmp_path / "total.docx"
    src.write_bytes(_zip(parts))
    with pytest.raises(word.DocxError, match="zip bomb: expands to"):
        DocxReader().load(src)


def test_the_reader_never_writes_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = docx_from_text(export("Some text."), tmp_path / "x.docx")

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("extracted to disk")

    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)
    assert "Some text." in DocxReader().load(src).text


# ---------------------------------------------------------------- LibreOffice


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="B" style:family="text">
   <style:text-properties fo:font-weight="bold"/></style:style>
  <style:style style:name="I" style:family="text">
   <style:text-properties fo:font-style="italic"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
{paragraphs}
 </office:text></office:body>
</office:document>
"""


def _fodt_paragraph(text: str) -> str:
    out = []
    for k, segment in enumerate(text.split("**")):
        segment = segment.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<text:line-break/>")
        out.append(f'<text:span text:style-name="B">{segment}</text:span>' if k % 2 else segment)
    return f"<text:p>{''.join(out)}</text:p>"


def test_a_docx_written_by_libreoffice_converts(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is absent (apt-get install libreoffice-writer-nogui)")
    header = paragraphs(export(""))
    body = [
        _fodt_paragraph("We discussed coking coal and steel.")
        .replace("coking coal", '<text:span text:style-name="I">coking coal</text:span>')
        .replace("steel.", 'steel<text:note text:id="n1" text:note-class="footnote">'
                 "<text:note-citation>1</text:note-citation><text:note-body><text:p>In the "
                 "original: gangcai.</text:p></text:note-body></text:note>."),
        _fodt_paragraph("The talks ended at five in the afternoon."),
    ]
    fodt = tmp_path / "lo.fodt"
    fodt.write_text(FODT.replace("{paragraphs}", "\n".join(
        [_fodt_paragraph(p) for p in header] + body)), "utf-8")
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "docx", "--outdir", str(tmp_path), str(fodt)],
        capture_output=True, text=True, timeout=120)
    assert (tmp_path / "lo.docx").exists(), done.stdout + done.stderr
    result = convert_file(tmp_path / "lo.docx", tmp_path / "out")
    assert result.status == "converted", [d.format() for d in result.diagnostics]
    root = etree.fromstring(result.tei)
    assert root.findtext(".//t:title[@type='main']", namespaces=NS) == \
        "Record of a Conversation with Ambassador Pak Il-u"
    assert root.xpath("string(//t:body//t:hi[@rend='italic'])", namespaces=NS) == "coking coal"
    note = root.xpath("//t:body//t:p/t:note[@place='foot']", namespaces=NS)
    assert [(n.get("n"), n.xpath("string()")) for n in note] == [("1", "In the original: gangcai.")]
    assert verify_files(tmp_path / "lo.docx", result.output) == ([], 0)
    assert validate_paths([result.output]).diagnostics == []


def test_a_table_in_a_turn_keeps_its_cells_and_the_text_after_it(tmp_path: Path) -> None:
    """Cells and a lower-case paragraph after the table are not joined as text cut by a
    page break; the table stays in the turn it stands in."""
    result = convert_file(_turn_table(tmp_path / "turn.docx"), tmp_path / "out")
    root = etree.fromstring(result.tei)
    sp = root.xpath("//t:sp[t:table]", namespaces=NS)
    assert len(sp) == 1 and [c.xpath("string()") for c in sp[0].iter(f"{{{NS['t']}}}cell")] == [
        "coal", "steel illegible"]
    assert [p.text for p in sp[0].findall("t:p", NS)] == ["point 2 is about coal", "and so on"]
    assert "\u2063" not in result.tei.decode()


def test_a_word_file_without_the_export_header_fails_like_a_text(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Just a letter.")
    document.save(str(tmp_path / "plain.docx"))
    result = CliRunner().invoke(cli, ["convert", str(tmp_path / "plain.docx"), "-o",
                                      str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "error: [no-title]" in result.output and not list((tmp_path / "out").iterdir())


def test_malformed_xml_in_the_package_fails_in_one_line(tmp_path: Path) -> None:
    parts = _good_parts(tmp_path)
    parts["word/document.xml"] = parts["word/document.xml"][:-40]
    src = tmp_path / "broken.docx"
    src.write_bytes(_zip(parts))
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"{src}:0:0: error: [docx] part word/document.xml:")


def test_explain_and_block_hints_count_word_paragraphs(word_corpus: Path, tmp_path: Path) -> None:
    from tei_edition.explain import explain_source

    name = "syn-10-romanian-telegram-hanoi"
    src = shutil.copyfile(word_corpus / f"{name}.docx", tmp_path / f"{name}.docx")
    ex = explain_source(src)
    first = next(d for d in ex.of("block") if d.kind == "text")
    assert first.first == 10 and first.text.startswith("On 17 April")  # the 10th paragraph
    (tmp_path / f"{name}.hints.toml").write_text('[blocks]\n"10" = "heading"\n', "utf-8")
    result = convert_file(src, tmp_path / "out")
    head = etree.fromstring(result.tei).xpath("string(//t:body//t:head)", namespaces=NS)
    assert head.startswith("On 17 April")
    (tmp_path / f"{name}.hints.toml").write_text('[blocks]\n"99" = "heading"\n', "utf-8")
    failed = convert_file(src, tmp_path / "out2")
    assert failed.status == "failed" and "paragraph 99 of the Word file" in \
        failed.diagnostics[0].message


def test_the_html_edition_shows_word_structures(structures, tmp_path: Path) -> None:
    from tei_edition.render import render_paths

    _, result = structures
    render_paths([result.output], tmp_path / "site")
    page = (tmp_path / "site" / "structures.html").read_text("utf-8")
    assert "<i>coking coal</i>" in page and "<sup>st</sup>" in page
    assert "<table" in page and "<td>120,000</td>" in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_word_files_fail_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """Bytes of a good Word file changed anywhere: converted, or one clean error; never a
    traceback and never a half-written file."""
    good = bytearray(_zip(_good_parts(tmp_path)))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(good) - 1))
        good[at] = data.draw(st.integers(0, 255))
    src = tmp_path / "damaged.docx"
    src.write_bytes(bytes(good))
    out = tmp_path / "out-damaged"
    shutil.rmtree(out, ignore_errors=True)
    result = convert_file(src, out)
    if result.status == "failed":
        assert len(result.diagnostics) == 1 and result.diagnostics[0].severity == "error"
        assert not out.exists() or not list(out.iterdir())
    else:
        assert result.status == "converted" and result.output.exists()


def test_a_title_in_a_heading_style_is_read_as_the_bold_title(tmp_path: Path) -> None:
    # The citation does not quote the title: only the title line can give it.
    text = export("We discussed coal.", citation="Wilson Center Digital Archive, PRC FMA "
                  "106-00001-01, 1-4. Translated by Ann Example.")
    document = docx.Document()
    for para in paragraphs(text):
        if para.startswith("**Record of"):
            document.add_heading(para.strip("*"), level=1)  # bold by its style, not by runs
        else:
            add_starred(document.add_paragraph(), para)
    document.save(str(tmp_path / "title.docx"))
    result = convert_file(tmp_path / "title.docx", tmp_path / "out")
    assert result.status == "converted", [d.format() for d in result.diagnostics]
    (tmp_path / "runs").mkdir()
    reference = convert_file(docx_from_text(text, tmp_path / "runs" / "title.docx"), tmp_path / "out2")
    assert canonical(result.tei) == canonical(reference.tei)
    assert etree.fromstring(result.tei).findtext(".//t:title[@type='main']", namespaces=NS) == \
        "Record of a Conversation with Ambassador Pak Il-u"


def test_a_table_the_layout_rules_took_is_reported_not_lost(tmp_path: Path) -> None:
    """A table of recipients after "Distribution:" is read as the distribution list: no
    table, a `word-table` warning naming its paragraph, and no word lost."""
    document = export_document(export(""))
    document.add_paragraph("We discussed coal.")
    document.add_paragraph("Distribution:")
    table = document.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "Comrade Li"
    table.cell(1, 0).text = "Comrade Wang"
    document.add_paragraph("2 copies in total")
    document.save(str(tmp_path / "dist.docx"))
    result = convert_file(tmp_path / "dist.docx", tmp_path / "out")
    found = [(d.rule, d.line) for d in result.diagnostics]
    assert ("word-table", 13) in found
    # The structural lint's warnings name Word paragraphs too (15: "2 copies in total").
    assert ("copies-total", 15) in found
    assert b"<table" not in result.tei and b"Comrade Wang" in result.tei
    assert verify_files(tmp_path / "dist.docx", result.output) == ([], 0)


def test_highlighting_in_text_joined_across_a_page_break(tmp_path: Path) -> None:
    """A paragraph cut by a page break is joined to the one before: an italic run of its
    second part is found there (and the same word in the first part stays plain)."""
    document = export_document(export(""))
    document.add_paragraph("He said that the railway and the")
    p = document.add_paragraph("")
    p.add_run("railway").italic = True
    p.add_run(" bridge were damaged.")
    document.save(str(tmp_path / "joined.docx"))
    result = convert_file(tmp_path / "joined.docx", tmp_path / "out")
    assert '<p>He said that the railway and the <pb/><hi rend="italic">railway</hi> bridge ' \
        "were damaged.</p>" in result.tei.decode()
    assert "word-format" not in {d.rule for d in result.diagnostics}


def test_word_list_numbering_is_read_by_the_list_rules(tmp_path: Path) -> None:
    """Word's automatic numbers and bullets are no text in the file: the reader counts them
    as Word shows them, and the list rules read them as in a text export."""
    result = convert_file(_lists(tmp_path / "lists.docx"), tmp_path / "out")
    root = etree.fromstring(result.tei)
    lists = [(lst.get("type"), [x.text for x in lst.findall("t:label", NS)])
             for lst in root.iterfind(".//t:body//t:list", NS)]
    assert lists == [("numbered", ["1.", "2.", "3."]), ("bulleted", ["-", "-"])]
    assert root.xpath("string(//t:body//t:p[last()])", namespaces=NS) == "Numbering switched off here."


def test_list_counters_follow_word_levels() -> None:
    from tei_edition.readers.docx import Numbering

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(
        f'<w:numbering xmlns:w="{w}"><w:abstractNum w:abstractNumId="5">'
        '<w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%1.%2)"/></w:lvl>'
        '</w:abstractNum><w:num w:numId="7"><w:abstractNumId w:val="5"/></w:num></w:numbering>')
    numbering = Numbering(root)
    shown = [numbering.marker("7", lvl) for lvl in ("0", "1", "1", "0", "1")]
    assert shown == ["III.", "III.a)", "III.b)", "IV.", "IV.a)"]


def test_a_text_and_a_word_file_of_one_name_are_refused(word_corpus: Path, tmp_path: Path) -> None:
    name = TEXTS[2]
    src = tmp_path / "sources"
    src.mkdir()
    shutil.copyfile(CORPUS / f"{name}.txt", src / f"{name}.txt")
    shutil.copyfile(word_corpus / f"{name}.docx", src / f"{name}.docx")
    shutil.copyfile(CORPUS / f"{TEXTS[3]}.txt", src / f"{TEXTS[3]}.txt")
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out"), "-q"])
    # As for any two sources of one output (issue 14): an error naming both, exit 1.
    assert result.exit_code == 1
    assert "[collision]" in result.output and f"{name}.docx" in result.output \
        and f"{name}.txt" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{TEXTS[3]}.xml"]


def test_cells_shaped_like_lists_and_fields_keep_their_text(tmp_path: Path) -> None:
    document = export_document(export(""))
    document.add_paragraph("We discussed coal.")
    table = document.add_table(rows=1, cols=3)
    for c, value in enumerate(["1. coal", "Time: 4 p.m.", "- rails"]):
        table.cell(0, c).text = value
    document.add_paragraph("End of the talks.")
    document.save(str(tmp_path / "cells.docx"))
    result = convert_file(tmp_path / "cells.docx", tmp_path / "out")
    cells = etree.fromstring(result.tei).xpath("//t:cell", namespaces=NS)
    assert [c.xpath("string()") for c in cells] == ["1. coal", "Time: 4 p.m.", "- rails"]
    assert verify_files(tmp_path / "cells.docx", result.output) == ([], 0)

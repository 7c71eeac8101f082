"""Two documents written for these tests (not from the corpus) that use the bracket
conventions of the real archive: sic, [?], editorial remarks, [Laughter], page markers, a
bracketed status line, footnote numbers glued to names, and the older citation wording."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, jing
from lxml import etree

from tei_edition.convert import convert_paths
from tei_edition.validate import validate_paths
from tei_edition.verify import verify_files

HERE = ROOT / "tests" / "fixtures" / "inline"
MEMCON = "memcon-orlov-seo-harbour"
TELEGRAM = "telegram-andreev-novotny-loans"
NS = {"t": "http://www.tei-c.org/ns/1.0"}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inline")
    result = convert_paths([HERE], folder)
    assert result.exit_status == 0
    # Everything here has a rule: no warning is left for a person to look at.
    assert [d.format() for d in result.diagnostics] == []
    return folder


def _root(out: Path, name: str) -> etree._Element:
    return etree.parse(str(out / f"{name}.xml")).getroot()


def _xp(root: etree._Element, path: str) -> list:
    return root.xpath(path, namespaces=NS)


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def test_valid_and_no_word_lost(out: Path) -> None:
    report = validate_paths([out])
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]
    for name in (MEMCON, TELEGRAM):
        assert verify_files(HERE / f"{name}.txt", out / f"{name}.xml") == ([], 0)


def test_valid_against_tei_all(out: Path, tei_all: Path) -> None:
    result = jing(tei_all, sorted(out.glob("*.xml")))
    assert result.returncode == 0, result.stdout


def test_memorandum_brackets(out: Path) -> None:
    root = _root(out, MEMCON)
    body = _xp(root, "//t:body")[0]
    assert _xp(body, "t:div/*[1]/self::t:note[@type='status']/text()") == [
        "Not reviewed by the Ambassador"]
    assert _xp(body, ".//t:note[@type='editorial']/text()") == [
        "emphasis added", "should read 1962", "See the list of equipment at Tab C."]
    assert _xp(body, ".//t:sic/text()") == ["1926", "wet"]
    assert _xp(body, ".//t:unclear/text()") == ["barracks"]
    assert _xp(body, ".//t:stage/text()") == ["Laughter", "The Vice Minister rises."]
    assert _xp(body, ".//t:supplied/text()") == ["inistry", "South"]
    assert _xp(body, ".//t:pb/@n") == ["41", "42", "43"]
    # The lone page marker stays in the turn it follows; the next turn starts as labelled.
    assert len(_xp(body, ".//t:sp")) == 6
    assert _xp(body, ".//t:sp[3]/t:pb/@n") == ["41"]
    # A marker inside a line stays in its paragraph; a lone one cutting a sentence joins it.
    assert _xp(body, ".//t:sp[4]/t:p/t:pb/@n") == ["42"]
    cut = _xp(body, ".//t:sp[5]/t:p")
    assert len(cut) == 1 and _xp(cut[0], "t:pb/@n") == ["43"]
    assert "built by the same brigade" in _text(cut[0])
    # Prose parentheses stay text; the interpreter written in Hangul gets a readable id.
    assert "(the group from Odessa)" in _text(_xp(body, ".//t:sp[1]/t:p")[0])
    assert _xp(root, "//t:person[t:persName='이명숙']/@xml:id") == ["i-myeongsug"]


def test_telegram_glued_anchors_status_and_citation(out: Path) -> None:
    root = _root(out, TELEGRAM)
    assert _xp(root, "string(//t:msIdentifier/t:idno[@type='archival'])") == \
        "AMZV, TO-T 1955-1959, Korea"
    assert _xp(root, "//t:msItem/t:locus/@from") == ["5"]
    notes = _xp(root, "//t:body//t:note[@place='foot']")
    assert [n.get("n") for n in notes] == ["1", "2"]
    # Each note stands right after the name it annotates, which keeps its spelling.
    assert (notes[0].getparent().text or "").endswith("d'affaires NOVOTNÝ")
    assert (notes[0].tail or "").endswith("trade minister KANG SONG-HO")
    assert "MiG17 spare parts" in _text(_xp(root, "//t:body//t:p")[1])
    assert _xp(root, "//t:body//t:note[@type='status']/text()") == [
        "Uncorrected copy – not for circulation"]
    assert _xp(root, "//t:body//t:pb/@n") == ["2"]
    assert _xp(root, "//t:trailer/text()") == ["No. 77/c", "Typed by Zueva"]


@pytest.mark.parametrize(("old", "new", "rule"), [
    ('<pb n="42"/>', '<pb n="24"/>', "text-lost"),  # the page number is a word of the source
    ("<sic>1926</sic>", "1926", "text-lost"),  # "[sic]" stands in the source
])
def test_verify_sees_changed_marks(out: Path, tmp_path: Path, old: str, new: str,
                                   rule: str) -> None:
    text = (out / f"{MEMCON}.xml").read_text("utf-8")
    assert old in text
    edited = tmp_path / "edited.xml"
    edited.write_text(text.replace(old, new, 1), "utf-8")
    diags, status = verify_files(HERE / f"{MEMCON}.txt", edited)
    assert status == 1 and [d.rule for d in diags] == [rule]


def test_verify_sees_a_moved_glued_anchor(out: Path, tmp_path: Path) -> None:
    text = (out / f"{TELEGRAM}.xml").read_text("utf-8")
    edited = tmp_path / "edited.xml"
    edited.write_text(text.replace("NOVOTNÝ<note", "NOVOTNÝ1<note", 1), "utf-8")
    diags, _ = verify_files(HERE / f"{TELEGRAM}.txt", edited)
    assert [d.rule for d in diags] == ["text-lost"]


def test_reading_edition_regenerates_the_marks(out: Path, tmp_path: Path) -> None:
    """The HTML shows again what the TEI keeps as elements: "[sic]" after the word, "?"
    after the doubted word, the page number, the remark as the editor's."""
    from tei_edition.render import render_paths

    report = render_paths([out / f"{MEMCON}.xml"], tmp_path)
    assert report.exit_status == 0
    page = etree.HTML((tmp_path / f"{MEMCON}.html").read_bytes())
    texts = [" ".join("".join(s.itertext()).split())
             for s in page.xpath("//span[@class='sic']")]
    assert texts == ["1926 [sic]", "wet [sic]"]
    assert ["".join(u.itertext()) for u in page.xpath("//span[@class='unclear']")] == [
        "barracks?"]
    # The lone page marker is a block of its own; the others stand inside their paragraph.
    assert [" ".join("".join(b.itertext()).split())
            for b in page.xpath("//div[@class='pb-block']")] == ["p. 41"]
    assert len(page.xpath("//p//span[@class='pb']")) == 2
    assert "[Editor’s note: emphasis added]" in [
        " ".join("".join(n.itertext()).split())
        for n in page.xpath("//span[contains(@class, 'note-editorial')]")]

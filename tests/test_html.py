"""HTML reading edition: every TEI phenomenon checked in the parsed HTML (html5lib, strict)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
from click.testing import CliRunner
from conftest import corpus_names, encoded_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tei_edition.cli import cli
from tei_edition.config import KnownPerson
from tei_edition.diagnostics import Exit
from tei_edition.render import (
    RenderError,
    Stylesheets,
    render_document,
    render_paths,
)
from tei_edition.search import bucket_of
from tei_edition.xmlio import parse_bytes, parse_file

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "html"
ENCODED = HERE.parent / "encoded"
CONTRACT = HERE.parents[1] / "shared" / "examples" / "contract-sample.xml"
TEI = "http://www.tei-c.org/ns/1.0"
NS = {"tei": TEI}
ENCODED_FILES = encoded_documents(ENCODED)


# ---------------------------------------------------------------- helpers

def parse_html(data: bytes) -> etree._Element:
    """Parse with html5lib in strict mode (any parse error fails) into an lxml tree."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("lxml"), strict=True,
                                 namespaceHTMLElements=False)
    return parser.parse(data).getroot()


def text(el: etree._Element) -> str:
    """Whitespace-normalised text content; a <br> counts as a space, as it reads."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:  # a tail comes after the element's descendants
        if node.tag == "br":
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(el)
    return " ".join("".join(parts).split())


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def has_class(name: str) -> str:
    """XPath predicate body: the element's class list contains `name`, outside the legend of
    the conventions (whose samples carry the same classes)."""
    return (f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
            " and not(ancestor::section[@class='conventions'])")


@pytest.fixture(scope="module")
def sheets() -> Stylesheets:
    return Stylesheets.load()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sheets: Stylesheets) -> Path:
    out = tmp_path_factory.mktemp("site")
    report = render_paths([FIXTURES], out, sheets=sheets)
    assert report.exit_status == Exit.OK, [d.format() for d in report.diagnostics]
    return out


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, etree._Element]:
    return {p.stem: parse_html(p.read_bytes()) for p in sorted(site.glob("*.html"))
            if p.name != "search.html"}


@pytest.fixture(scope="module")
def ph(pages: dict[str, etree._Element]) -> etree._Element:
    return pages["phenomena"]


@pytest.fixture(scope="module")
def letter(pages: dict[str, etree._Element]) -> etree._Element:
    return pages["letter"]


# ---------------------------------------------------------------- site and validity

SITE_FILES = [".tei-edition-register.sqlite", "edition.css", "index.html", "persons", "search",
              "search.html"]


def test_one_page_per_file_plus_index_and_css(site: Path) -> None:
    names = sorted(p.name for p in site.iterdir())
    assert names == sorted([*SITE_FILES, "letter.html", "malicious.html", "phenomena.html"])


def test_pages_are_strict_html5_with_doctype(site: Path) -> None:
    for page in site.glob("*.html"):
        data = page.read_bytes()
        assert data.startswith(b"<!DOCTYPE html>\n"), page
        parse_html(data)  # raises on any parse error
        assert b"http-equiv" not in data  # one charset declaration only


def test_ids_unique_and_fragment_links_resolve(pages: dict[str, etree._Element]) -> None:
    for name, root in pages.items():
        ids = root.xpath("//@id")
        assert len(ids) == len(set(ids)), name
        if name == "malicious":
            continue  # its @who names no person: an invalid document links nowhere, harmlessly
        for href in root.xpath("//a/@href[starts-with(., '#')]"):
            assert href[1:] in ids, f"{name}: dangling {href}"


def test_stylesheet_is_local_and_shipped(site: Path, pages: dict[str, etree._Element]) -> None:
    for name, root in pages.items():
        hrefs = root.xpath("//link[@rel='stylesheet']/@href")
        assert hrefs == ["edition.css"], name
        assert (site / hrefs[0]).is_file()
        # nothing is loaded from elsewhere, and nothing needs JavaScript
        assert not root.xpath("//script | //img | //iframe"
                              " | //link[@rel!='stylesheet' and @rel!='icon']"), name
        assert root.xpath("//link[@rel='icon']/@href") == ["data:,"], name  # an empty icon
    css = (site / "edition.css").read_text("utf-8")
    assert "@media print" in css
    assert "url(" not in css and "@import" not in css


def test_lang_attributes_come_from_tei(ph: etree._Element, letter: etree._Element) -> None:
    assert ph.get("lang") == "en"
    assert one(ph, "//main").get("lang") == "en"
    assert text(one(ph, "//*[@lang='zh']")) == "友谊"
    assert text(one(letter, "//*[@lang='cs']")) == "češtině"


def test_output_is_reproducible(tmp_path: Path, site: Path, sheets: Stylesheets) -> None:
    again = tmp_path / "again"
    render_paths([FIXTURES], again, sheets=sheets)
    for page in site.rglob("*"):
        if page.is_file():
            rel = page.relative_to(site)
            assert (again / rel).read_bytes() == page.read_bytes(), rel


# ---------------------------------------------------------------- header panel

def test_header_panel(ph: etree._Element) -> None:
    header = one(ph, "//header[@class='doc-header']")
    assert text(one(header, ".//h1")) == (
        "Record of a Conversation between Gao Ming and Ambassador Ri Chol-su")
    assert text(one(ph, "//head/title")) == text(one(header, ".//h1"))
    meta = {text(div.find("dt")): div.find("dd") for div in header.xpath(".//dl/div")}
    assert text(meta["Date"]) == "3:30 p.m., 3 May 1962; 3:30–5:40 p.m."  # date, then hours
    assert meta["Date"].find("time").get("datetime") == "1962-05-03T15:30:00"
    assert "PRC FMA 999-00001-01, pp. 12–15" in text(meta["Archive"])
    assert text(meta["Translated by"]) == "Jane Park and Tom Lee"
    assert text(meta["Funded by"]) == "Example Foundation"
    assert text(meta["Original language"]) == "Chinese"
    assert meta["Source"].find("a").get("href") == (
        "https://digitalarchive.example.org/document/900001")
    assert "discuss timber rafting" in text(one(header, ".//section[@class='summary']"))
    assert text(one(header, ".//p[@class='kind']")) == "Minutes"


def test_participants_speakers_first_then_sides_then_staff(ph: etree._Element) -> None:
    groups = ph.xpath(f"//section[@id='participants']//div[{has_class('side')}]")
    listed = [(text(g.find("h3")), [li.get("id") for li in g.xpath(".//li[@class='person']")])
              for g in groups]
    # Each person once; a side's staff after its other members.
    assert listed == [("Speakers", ["person-gao", "person-ri"]),
                      ("Chinese side", ["person-wu", "person-zhou"]),
                      ("Korean side", ["person-pak"])]
    gao = one(ph, "//li[@id='person-gao']")
    assert text(gao.find("a[@class='name']")) == "Gao Ming"
    assert gao.find("a[@class='name']").get("href") == "persons/phenomena~gao.html"
    assert text(gao.find("span[@class='role']")) == "speaker"
    roles = {li.get("id"): li.findtext("span[@class='role']")
             for li in ph.xpath("//li[@class='person']")}
    assert roles["person-wu"] == "interpreter" and roles["person-zhou"] == "recorder"
    assert roles["person-pak"] is None  # "attendee" goes without saying
    assert [text(a) for a in gao.xpath("span[@class='alias']")] == ["Gao"]
    # an authority URI (persons registry) is a link out; an internal @ref links to the list
    assert gao.xpath("a[@class='authority']/@href") == ["https://viaf.example.org/viaf/1001"]
    assert ph.xpath("//main//a[@class='persName authority']/@href") == [
        "https://www.wikidata.example.org/wiki/Q17"]
    ri = one(ph, "//li[@id='person-ri']/a[@class='name']")
    assert text(ri) == "Ri Chol-su [Yi Cheol-su]"


def test_preamble(ph: etree._Element) -> None:
    items = ph.xpath("//div[contains(@class, 'list-participants')]//li")
    labels = [text(li.find("span[@class='label']")) for li in items]
    assert labels == ["Time:", "Place:", "Korean side:", "Interpreter:", "Recorder:"]
    assert items[0].find("time").get("datetime") == "1962-05-03T15:30:00"
    assert items[3].xpath("a/@href") == ["persons/phenomena~wu.html"]


# ---------------------------------------------------------------- turns

def test_turns_have_linked_distinct_speakers(ph: etree._Element) -> None:
    turns = ph.xpath("//div[@class='sp']")
    assert len(turns) == 3
    speakers = [one(t, "a[@class='speaker']") for t in turns]
    assert [s.get("href") for s in speakers] == [
        "persons/phenomena~gao.html", "persons/phenomena~ri.html", "persons/phenomena~gao.html"]
    assert [t.get("id") for t in turns] == ["turn-1", "turn-2", "turn-3"]  # search, register
    assert all(t[0] is s for t, s in zip(turns, speakers, strict=True))  # name first
    assert text(speakers[1]) == "Ri [Chol-su]"
    assert len(turns[0].findall("p")) >= 2  # continuation paragraph stays in the turn


def test_page_break_marker(ph: etree._Element) -> None:
    pb = one(ph, f"//span[{has_class('pb')}]")
    assert text(pb) == "p. 13"
    assert pb.getparent().tag == "p"  # inside the joined paragraph


def test_footnotes_link_both_ways(ph: etree._Element) -> None:
    refs = ph.xpath("//a[@role='doc-noteref']")
    assert [text(r) for r in refs] == ["1", "2"]
    for ref in refs:
        target = one(ph, f"//li[@id='{ref.get('href')[1:]}']")
        back = one(target, "a[@role='doc-backlink']")
        assert back.get("href") == "#" + ref.get("id")
        assert text(back) == text(ref)
    assert "Yalu agreement" in text(one(ph, "//li[@id='fn-1']"))
    assert one(ph, "//li[@id='fn-1']//a[@class='ref']").get("href") == "https://example.org/yalu"


def test_editorial_notes_are_marked(ph: etree._Element) -> None:
    tr = one(ph, f"//*[{has_class('note-translator')}]")
    assert has_class_py(tr, "editorial")
    assert text(tr) == "[Translator’s note: the original has a pun here]"
    assert tr.get("title") == "by Jane Park"
    status = one(ph, f"//*[{has_class('note-status')}]")
    assert status.tag == "div" and has_class_py(status, "editorial")
    assert text(status) == "[Status: Not yet proofread]"
    physical = [text(n) for n in ph.xpath(f"//*[{has_class('note-physical')}]")]
    assert physical == ["[handwritten: answered 10 X 62]", "[stamp]"]


def has_class_py(el: etree._Element, name: str) -> bool:
    return name in (el.get("class") or "").split()


def test_supplied_and_alternate_romanisation(ph: etree._Element) -> None:
    supplied = [text(s) for s in ph.xpath("//main//span[@class='supplied']")]
    assert "[in]" in supplied and "[Chol-su]" in supplied and "[Mao]" in supplied
    choice = one(ph, "//main//p/span[@class='placeName']/span[@class='choice']")
    assert text(choice) == "Sinuiju [Sinŭiju]"
    assert one(choice, "span[@class='reg']").get("title") == "alternative romanisation"


def test_stage_directions(ph: etree._Element) -> None:
    stages = ph.xpath(f"//*[{has_class('stage')}]")
    assert [(s.tag, text(s)) for s in stages] == [
        ("span", "(pointing to the map)"), ("p", "(Laughter)")]


def test_unclear_readings_show_a_question_mark(ph: etree._Element, letter: etree._Element) -> None:
    assert [text(u) for u in ph.xpath("//main//span[@class='unclear']")] == ["Dremov?", "N. P. Vasin?"]
    assert text(one(letter, "//main//span[@class='unclear']")) == "Dremov?"


GAPS = [
    ("gap-redacted", "[two lines blacked out]", "Redacted: two lines blacked out"),
    ("gap-omitted", "[…]", "Omitted by the editor"),
    ("gap-illegible", "□□", "Illegible: 2 characters"),
    ("gap-untranslated", "[Section on prices not translated.]",
     "Not translated: Section on prices not translated."),
    ("gap-redacted", "[section redacted from document]",
     "Redacted: section redacted from document"),
    ("gap-illegible", "□□□", "Illegible: 3 characters"),
    ("gap-illegible", "[illegible signature]", "Illegible: illegible signature"),
]


def test_gaps_are_visible_and_announced(ph: etree._Element) -> None:
    gaps = ph.xpath(f"//main//span[{has_class('gap')}]")
    found = [(g.get("class").split()[1], text(g), g.get("aria-label")) for g in gaps]
    assert found == GAPS
    for gap in gaps:
        assert gap.get("role") == "img"  # the label is what a screen reader reads


def test_lists(ph: etree._Element, letter: etree._Element) -> None:
    numbered = one(ph, "//div[contains(@class, 'list-numbered')]/ol")
    assert [text(li) for li in numbered] == [
        "1. Timber is rafted in spring.", "2. Payment in three instalments."]
    assert [text(s) for s in numbered.xpath("li/span[@class='item-label']")] == ["1.", "2."]
    bulleted = one(ph, "//div[contains(@class, 'list-bulleted')]/ul")
    assert len(bulleted) == 2
    fields = letter.xpath("//div[contains(@class, 'list-fields')]/dl")
    assert len(fields) == 2
    pairs = [(text(d.find("dt")), text(d.find("dd"))) for d in fields[1]]
    assert pairs == [("From", "Beijing"), ("To", "Prague"), ("Sent", "14.X.55 21:40")]
    assert fields[0].xpath("div[1]/dd")[0].xpath("string(.)").startswith("Hospital for Kim Il Sung")


def test_nested_sections(ph: etree._Element) -> None:
    outer = one(ph, "//section[@class='div div-section'][h3]")
    assert text(outer.find("h3")) == "I. Timber"
    inner = one(outer, "section[@class='div div-section']")
    assert text(inner.find("h4")) == "II. Transport"
    assert text(one(ph, "//section[@class='div div-minutes']/h2")) == (
        "Record of a Conversation between Gao Ming and Ri Chol-su")


def test_embedded_letter(ph: etree._Element) -> None:
    quote = one(ph, "//div[@class='sp']/blockquote")
    assert "floating-text" in quote.get("class")
    salute = one(quote, ".//div[@class='opener']/p[@class='salute']")
    assert text(salute) == "Esteemed Comrade Deputy Minister:"
    signed = one(quote, ".//p[@class='signed']")
    assert text(signed) == "Kim Tae-ho Director" and signed.find("br") is not None


def test_opener_closer(letter: etree._Element) -> None:
    opener = one(letter, "//div[@class='opener']")
    assert text(one(opener, "p[@class='dateline']")) == "Beijing, 14 October 1955 Dremov?"
    assert text(one(opener, "p[@class='salute']")) == "Dear Comrade Minister,"
    assert text(one(opener, "span[@class='seg seg-letterhead']")) == (
        "Embassy of the Czechoslovak Republic Beijing")
    assert text(one(opener, "span[@class='seg seg-registry']")) == "No. 214/55"
    margin = one(opener, "div[contains(@class, 'note-margin')]")
    assert text(margin) == "[handwritten: To Cde. Horák. — J. N.]"
    closer = one(letter, "//div[@class='closer']")
    assert text(one(closer, "p[@class='signed']")) == "Jan Novák"
    assert one(closer, "p[@class='signed']/a").get("href") == "persons/letter~novak.html"
    assert text(one(closer, "div[contains(@class, 'note-physical')]")) == "[signature]"
    assert text(one(letter, "//p[@class='trailer']")) == "Typed by J. N."


def test_distribution_and_endorsements_at_the_end(ph: etree._Element) -> None:
    divs = ph.xpath("//main/div[@class='body']/section")
    assert [d.get("class") for d in divs] == [
        "div div-minutes", "div div-distribution", "div div-endorsements"]
    dist = divs[1]
    assert dist.get("aria-label") == "Distribution"
    assert [text(li) for li in dist.xpath(".//ul/li")] == [
        "Chairman [Mao]", "Office of Foreign Affairs (4)"]
    assert text(one(dist, ".//p[@class='trailer']")) == "5 copies in total"
    received = one(divs[2], "p[not(@class)][1]")
    assert received.find("time").get("datetime") == "1962-05-05"


# ---------------------------------------------------------------- index

def test_index_lists_every_document_grouped_by_date(pages: dict[str, etree._Element],
                                                    site: Path) -> None:
    index = pages["index"]
    years = [text(th) for th in index.xpath("//tbody/tr[@class='year']/th")]
    assert years == ["1955", "1962", "1970"]
    rows = index.xpath("//tbody/tr[not(@class)]")
    assert len(rows) == 3
    cells = {text(r.find("td[@class='title']")): r for r in rows}
    row = cells["Record of a Conversation between Gao Ming and Ambassador Ri Chol-su"]
    assert row.find("td[@class='title']/a").get("href") == "phenomena.html"
    assert row.find("td[@class='date']/time").get("datetime") == "1962-05-03"
    assert text(row.find("td[@class='kind']")) == "Minutes"
    assert text(row.find("td[@class='idno']")) == "PRC FMA 999-00001-01"
    # Speakers first, then the sides, then staff (interpreters, recorders), as in the panel.
    assert text(row.find("td[@class='people']")) == (
        "Gao Ming; Ri Chol-su; Counselor Pak Il; Wu Lan (interpreter); Zhou Ping (recorder)")
    assert row.xpath("td[@class='people']//a/@href")[0] == "persons/phenomena~gao.html"
    for href in index.xpath("//td[@class='title']/a/@href"):
        assert (site / href).is_file()


# ---------------------------------------------------------------- hostile input

def test_malicious_source_yields_inert_html(pages: dict[str, etree._Element]) -> None:
    root = pages["malicious"]
    assert not root.xpath("//script | //img | //b | //iframe")
    assert not [a for a in root.xpath("//@*") if a.attrname.lower().startswith("on")]
    for href in root.xpath("//@href[not(parent::link[@rel='icon'])]"):
        assert_safe_href(href)
    assert root.xpath("//link[@rel='icon']/@href") == ["data:,"]  # ours: no /favicon.ico request
    assert root.get("lang") is None  # the forged xml:lang is not a language tag
    assert root.findtext("head/title").startswith('</title><script>alert("title")</script>')
    body = text(root.find("body"))
    assert '<script>alert("p")</script>' in body and '<script>alert("cdata")</script>' in body
    shown = [text(s) for s in root.xpath("//span[contains(@class, 'unsafe-link')]")]
    assert shown == ["javascript:alert('uri')", "js link", "spaced js link", "tab js link",
                     "data link", "vb link", "javascript:alert('ptr2')",
                     "JaVaScRiPt:alert('ptr')"]
    good = root.xpath("//a[@class='ref']/@href")
    assert good == ['https://example.org/ok?a=1&b="2"', "other.html#x"]


def assert_safe_href(href: str) -> None:
    """Only http(s), relative and fragment links."""
    parts = urlsplit(href)
    assert parts.scheme in ("", "http", "https"), href
    assert not re.search(r"[\s\x00-\x1f]", href), href


# ---------------------------------------------------------------- rules, case by case
# The stylesheet computes these with as few XPath evaluations as it can (speed); the cases
# pin what the cheaper expressions must still say.

def render_tei(sheets: Stylesheets, body: str, profile: str = "") -> etree._Element:
    """Render a small TEI document (`body`: the main div's content) and parse the page."""
    src = (f'<TEI xmlns="{TEI}" xml:id="t" xml:lang="en"><teiHeader><fileDesc><titleStmt>'
           f'<title>T</title></titleStmt></fileDesc><profileDesc>{profile}</profileDesc>'
           f'</teiHeader><text><body><div type="minutes">{body}</div></body></text></TEI>')
    return parse_html(render_document(parse_bytes(src.encode()), sheets))


@pytest.mark.parametrize(("target", "href"), [
    ("https://example.org/a", "https://example.org/a"),
    ("  https://example.org/a  ", "https://example.org/a"),
    ("HTTPS://EXAMPLE.ORG/A", "HTTPS://EXAMPLE.ORG/A"),  # any letter case of the scheme
    ("hTtP://example.org/", "hTtP://example.org/"),
    ("other.html#x", "other.html#x"),
    ("a/b:c", "a/b:c"),  # a colon after / ? or # is no scheme
    ("a?b:c", "a?b:c"),
    ("a#b:c", "a#b:c"),
    ("https:x", None),
    ("mailto:a@example.org", None),
    ("javascript:alert(1)", None),
    (":x", None),
    ("https://example.org/a b", None),
    ("java&#9;script:x", None),
    ("data:text/html,x", None),
])
def test_link_targets(sheets: Stylesheets, target: str, href: str | None) -> None:
    root = render_tei(sheets, f'<p><ref target="{target}">link</ref></p>')
    assert root.xpath("//main//a[@class='ref']/@href") == ([href] if href else [])
    assert bool(root.xpath(f"//main//span[{has_class('unsafe-link')}]")) is (href is None)


@pytest.mark.parametrize(("gap", "shown", "label"), [
    ('<gap reason="illegible" unit="char" quantity="1"/>', "□", "Illegible: 1 character"),
    ('<gap reason="illegible" unit="char" quantity="3"/>', "□□□", "Illegible: 3 characters"),
    ('<gap reason="illegible" unit="char" quantity="41"/>', "[41 characters illegible]",
     "Illegible: 41 characters"),
    ('<gap reason="redacted" unit="line" quantity="2"/>', "[2 lines redacted]",
     "Redacted: 2 lines"),
    ('<gap reason="redacted" unit="section"/>', "[section redacted]", "Redacted: section"),
    ('<gap reason="illegible" quantity="2"/>', "[2 illegible]", "Illegible: 2"),
    ('<gap reason="redacted"/>', "[redacted]", "Redacted"),
    ('<gap reason="omitted" unit="line" quantity="3"/>', "[…]", "Omitted by the editor: 3 lines"),
    ('<gap reason="untranslated"/>', "[not translated]", "Not translated"),
    ('<gap reason="damage"/>', "[gap: damage]", "Gap in the text"),
    ("<gap/>", "[gap]", "Gap in the text"),
    ('<gap reason="illegible" unit="char" quantity="2"><desc>two smudged characters</desc></gap>',
     "[two smudged characters]", "Illegible: two smudged characters"),
])
def test_gap_shapes(sheets: Stylesheets, gap: str, shown: str, label: str) -> None:
    chip = one(render_tei(sheets, f"<p>a {gap} b</p>"), f"//main//span[{has_class('gap')}]")
    assert (text(chip), chip.get("aria-label"), chip.get("role")) == (shown, label, "img")


@pytest.mark.parametrize(("attrs", "label", "shown", "datetimes"), [
    ('when="1962-05-03"', "", "3 May 1962", ["1962-05-03"]),
    ('when="1962-05"', "", "May 1962", ["1962-05"]),
    ('when="1962"', "", "1962", ["1962"]),
    ('when="1962-05-03T15:30"', "", "3 May 1962, 15:30", ["1962-05-03T15:30"]),
    ('when="1962-05-03T15:30:00"', "", "3 May 1962, 15:30", ["1962-05-03T15:30:00"]),
    ('when="1962-05-03T15:30:00"', "afternoon", "afternoon", ["1962-05-03T15:30:00"]),
    ('when="3 May 1962"', "", "3 May 1962", []),  # no HTML datetime: shown as given
    ('from="1962-05-03" to="1962-05-05"', "", "3 May 1962 – 5 May 1962",
     ["1962-05-03", "1962-05-05"]),
    ('from="1962-05-03" to="1962-05-05"', "early May", "early May", []),
])
def test_header_dates(sheets: Stylesheets, attrs: str, label: str, shown: str,
                      datetimes: list[str]) -> None:
    root = render_tei(sheets, "<p>x</p>", f"<creation><date {attrs}>{label}</date></creation>")
    (row,) = [div for div in root.xpath("//header//dl/div") if text(div.find("dt")) == "Date"]
    assert text(row.find("dd")) == shown
    assert [t.get("datetime") for t in row.iter("time")] == datetimes


@pytest.mark.parametrize(("value", "lang"), [
    ("zh-Hant", ["zh-Hant"]), (" en ", ["en"]), ("x y", []), ("", []), ("é", []),
])
def test_lang_only_for_language_tags(sheets: Stylesheets, value: str, lang: list[str]) -> None:
    assert render_tei(sheets, f'<p xml:lang="{value}">x</p>').xpath("//main//p/@lang") == lang


# ---------------------------------------------------------------- errors and CLI

def write(path: Path, data: str) -> Path:
    path.write_text(data, "utf-8")
    return path


def test_malformed_file_is_reported_with_position(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.xml", f"<TEI xmlns='{TEI}'>\n  <teiHeader>\n</TEI>")
    report = render_paths([bad], tmp_path / "out")
    assert report.exit_status == Exit.PROBLEM
    (diag,) = report.diagnostics
    assert diag.file == str(bad) and diag.line == 3 and diag.col > 0
    assert diag.format().startswith(f"{bad}:3:")


def test_non_tei_and_doctype_are_bad_documents(tmp_path: Path) -> None:
    write(tmp_path / "plain.xml", "<html/>")
    write(tmp_path / "dtd.xml", '<!DOCTYPE TEI [<!ENTITY x "y">]><TEI/>')
    report = render_paths([tmp_path], tmp_path / "out")
    assert report.exit_status == Exit.PROBLEM
    assert sorted(d.rule for d in report.diagnostics) == ["html-render", "xml-doctype"]
    assert not (tmp_path / "out" / "plain.html").exists()
    assert (tmp_path / "out" / "index.html").is_file()


def test_missing_path_and_name_clash_are_usage_errors(tmp_path: Path) -> None:
    report = render_paths([tmp_path / "nope"], tmp_path / "out")
    assert report.exit_status == Exit.USAGE
    index = tmp_path / "index.xml"
    index.write_bytes((FIXTURES / "letter.xml").read_bytes())
    report = render_paths([index], tmp_path / "out")
    assert report.exit_status == Exit.USAGE
    assert report.diagnostics[0].rule == "html-name"


def test_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", "not a folder")
    report = render_paths([FIXTURES / "letter.xml"], blocker / "out")
    assert report.exit_status == Exit.USAGE
    assert report.diagnostics[0].rule == "html-output"


def test_cli_html_command(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["html", str(FIXTURES / "letter.xml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*SITE_FILES, "letter.html"])
    assert "1 page(s) written" in result.output
    result = CliRunner().invoke(cli, ["html", str(tmp_path / "missing"), "-o", str(out)])
    assert result.exit_code == Exit.USAGE
    assert "no such file or folder" in result.output


def test_render_document_is_reusable(sheets: Stylesheets) -> None:
    tree = parse_file(FIXTURES / "letter.xml")
    before = etree.tostring(tree)
    html = render_document(tree, sheets, css_href="../s.css", index_href="../index.html")
    root = parse_html(html)
    assert root.xpath("//link[@rel='stylesheet']/@href") == ["../s.css"]
    assert root.xpath("//nav/a/@href") == ["../index.html", "../persons/index.html", "../search.html"]
    assert etree.tostring(tree) == before  # the caller's tree is left alone
    with pytest.raises(RenderError):
        render_document(etree.ElementTree(etree.Element("x")), sheets)


# ---------------------------------------------------------------- escaping property

XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",),
                  blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\r"
                                       "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                       "\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff"),
    max_size=40,
)
HTML_BAD = re.compile("[\x7f-\x9f\ufdd0-\ufdef]|[\U0001fffe-\U0001ffff]|[\U0010fffe-\U0010ffff]")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=XML_TEXT, target=XML_TEXT)
def test_any_text_round_trips_as_text(sheets: Stylesheets, words: str, target: str) -> None:
    tei = etree.Element(f"{{{TEI}}}TEI")
    body = etree.SubElement(etree.SubElement(tei, f"{{{TEI}}}text"), f"{{{TEI}}}body")
    div = etree.SubElement(body, f"{{{TEI}}}div", type="minutes")
    p = etree.SubElement(div, f"{{{TEI}}}p")
    p.text = words
    etree.SubElement(p, f"{{{TEI}}}ref", target=target).text = "link"
    tree = parse_bytes(etree.tostring(tei))
    root = parse_html(render_document(tree, sheets))
    para = one(root, "//main//p")
    expected = HTML_BAD.sub("\ufffd", words)  # characters HTML forbids become U+FFFD
    assert para.text == (expected or None)
    for href in root.xpath("//main//@href"):
        assert_safe_href(href)


# ---------------------------------------------------------------- real documents

def tei_count(tree: etree._ElementTree, xpath: str) -> int:
    return int(tree.xpath(f"count({xpath})", namespaces=NS))


def check_document(source: Path, sheets: Stylesheets) -> None:
    """Render one TEI file and compare the HTML with the TEI, phenomenon by phenomenon."""
    tree = parse_file(source)
    root = parse_html(render_document(tree, sheets))
    body = "/tei:TEI/tei:text/tei:body"
    title = " ".join(tree.xpath("string(//tei:titleStmt/tei:title[@type='main'])",
                                namespaces=NS).split())
    assert text(one(root, "//h1")) == title
    assert len(root.xpath("//div[@class='sp']")) == tei_count(tree, f"{body}//tei:sp")
    for sp in root.xpath("//div[@class='sp']"):
        assert text(sp[0]) and sp[0].get("class") == "speaker", "every turn shows its speaker"
    for reason in ("redacted", "illegible", "omitted", "untranslated"):
        chips = root.xpath(f"//main//span[{has_class('gap-' + reason)}]")
        assert len(chips) == tei_count(tree, f"{body}//tei:gap[@reason='{reason}']"), reason
        assert all(text(c) and c.get("aria-label") for c in chips)
    assert len(root.xpath("//a[@role='doc-noteref']")) == tei_count(
        tree, f"{body}//tei:note[@place='foot']")
    assert len(root.xpath(f"//span[{has_class('pb')}]")) == tei_count(tree, f"{body}//tei:pb")
    assert len(root.xpath("//div[contains(@class, 'list-distribution')]//li")) == tei_count(
        tree, f"{body}//tei:list[@type='distribution']/tei:item")
    ids = root.xpath("//@id")
    assert len(ids) == len(set(ids))
    for href in root.xpath("//@href[not(parent::link[@rel='icon'])]"):
        assert_safe_href(href)
        if href.startswith("#"):
            assert href[1:] in ids


@pytest.mark.skipif(not ENCODED_FILES, reason="encoded/ holds no converted files yet")
@pytest.mark.parametrize("source", ENCODED_FILES, ids=lambda p: p.stem)
def test_encoded_documents(source: Path, sheets: Stylesheets) -> None:
    check_document(source, sheets)


@pytest.mark.parametrize("name", corpus_names())
def test_converted_corpus_documents(name: str, converted: Path, sheets: Stylesheets) -> None:
    """Every document of the development corpus, as the converter writes it."""
    check_document(converted / f"{name}.xml", sheets)


@pytest.mark.skipif(not CONTRACT.is_file(), reason="../shared/examples/contract-sample.xml absent")
def test_contract_sample(sheets: Stylesheets) -> None:
    check_document(CONTRACT, sheets)


@pytest.mark.skipif(not ENCODED_FILES, reason="encoded/ holds no converted files yet")
def test_html_command_over_encoded(tmp_path: Path, sheets: Stylesheets) -> None:
    report = render_paths([ENCODED], tmp_path, sheets=sheets)
    assert report.exit_status == Exit.OK, [d.format() for d in report.diagnostics]
    index = parse_html((tmp_path / "index.html").read_bytes())
    assert len(index.xpath("//tbody/tr[not(@class)]")) == len(ENCODED_FILES)


# ---------------------------------------------------------------- persons register and search

def tei_doc(doc_id: str, title: str, date: str, people: str, turns: str) -> str:
    """A small TEI document in the converter's shape."""
    return f"""<TEI xmlns="{TEI}" xml:id="{doc_id}"><teiHeader><fileDesc>
  <titleStmt><title type="main">{title}</title></titleStmt>
  <publicationStmt><p>test</p></publicationStmt><sourceDesc><p>test</p></sourceDesc></fileDesc>
  <profileDesc><creation><date when="{date}"/></creation><particDesc>{people}</particDesc></profileDesc>
  </teiHeader><text xml:lang="en"><body><div type="minutes">{turns}</div></body></text></TEI>"""


KIM = ('<person xml:id="kim-ilsung" role="speaker"><persName ref="https://www.wikidata.org/entity/'
       'Q39464">Kim Il Sung</persName><persName type="alias">Kim</persName></person>')
REGISTRY = (KnownPerson("kim-ilsung", "Kim Il Sung", ("Kim Il-song",), (("wikidata", "Q39464"),)),)


@pytest.fixture(scope="module")
def register_site(tmp_path_factory: pytest.TempPathFactory, sheets: Stylesheets) -> Path:
    """Two documents sharing a registry person; an interpreter of the same name in both,
    outside the registry; a word (zanzibarite) in one document only."""
    src = tmp_path_factory.mktemp("register-tei")
    (src / "talk-a.xml").write_text(tei_doc(
        "talk-a", "Talk in May", "1962-05-03",
        f'<listPerson type="participants"><person xml:id="li-wen" role="interpreter"><persName>'
        f'Li Wen</persName></person>{KIM}<person xml:id="ri" role="attendee"><persName>Ri Chol'
        f'</persName></person></listPerson>',
        '<p>Those present: <persName ref="#kim-ilsung">Kim Il Sung</persName>.</p>'
        '<sp who="#kim-ilsung"><speaker>Kim</speaker><p>We discuss zanzibarite.</p></sp>'
        '<sp who="#ri"><speaker>Ri</speaker><p>Yes.</p></sp>'
        '<sp who="#kim-ilsung"><speaker>Kim</speaker><p>Good.</p></sp>'), "utf-8")
    (src / "talk-b.xml").write_text(tei_doc(
        "talk-b", "Talk in April", "1962-04-01",
        f'<listPerson type="participants">{KIM}<person xml:id="li-wen" role="interpreter">'
        f'<persName>Li Wen</persName></person></listPerson>',
        '<sp who="#kim-ilsung"><speaker>Kim</speaker><p>Ŭiju and timber.</p></sp>'), "utf-8")
    out = tmp_path_factory.mktemp("register-site")
    report = render_paths([src], out, sheets=sheets, registry=REGISTRY)
    assert report.exit_status == Exit.OK, [d.format() for d in report.diagnostics]
    return out


def test_every_page_of_the_site_is_strict_html5(register_site: Path, site: Path) -> None:
    pages = [*register_site.rglob("*.html"), *site.rglob("*.html")]
    assert len(pages) >= 12
    for page in pages:
        data = page.read_bytes()
        assert data.startswith(b"<!DOCTYPE html>\n"), page
        parse_html(data)


def test_persons_index_groups_by_initial_with_authority_links(register_site: Path) -> None:
    index = parse_html((register_site / "persons" / "index.html").read_bytes())
    letters = [text(h) for h in index.xpath("//section[@class='letter']/h2")]
    assert letters == ["K", "L", "R"]
    kim = one(index, "//li[a[@class='person']='Kim Il Sung']")  # one entry for two documents
    assert kim.find("a").get("href") == "kim-ilsung.html"
    assert "2 documents" in text(kim)
    assert kim.xpath(".//a[@class='authority']/@href") == ["https://www.wikidata.org/entity/Q39464"]
    # Outside the registry, the same name in two documents is two entries, one per document.
    li_wen = index.xpath("//li[a[@class='person']='Li Wen']/a/@href")
    assert sorted(li_wen) == ["talk-a~li-wen.html", "talk-b~li-wen.html"]
    for href in index.xpath("//main//a[not(@class='authority')]/@href"):
        if not href.startswith("#"):
            assert (register_site / "persons" / href).is_file(), href


def test_person_page_lists_documents_with_role_and_turns(register_site: Path) -> None:
    page = parse_html((register_site / "persons" / "kim-ilsung.html").read_bytes())
    assert text(one(page, "//h1")) == "Kim Il Sung"
    assert "Kim Il-song" in text(one(page, "//p[@class='forms']"))  # the registry's form
    rows = page.xpath("//table[@class='appearances']/tbody/tr")
    cells = [[text(td) for td in row.findall("td")] for row in rows]
    assert [c[:3] for c in cells] == [["1 April 1962", "Talk in April", "speaker"],
                                      ["3 May 1962", "Talk in May", "speaker"]]  # by date
    assert cells[0][3].startswith("1:") and cells[1][3].startswith("2:")
    turns = rows[1].xpath("td[@class='turns']/a/@href")
    assert turns == ["../talk-a.html#turn-1", "../talk-a.html#turn-3"]
    doc = parse_html((register_site / "talk-a.html").read_bytes())
    for href in turns:
        turn = one(doc, f"//div[@id='{href.split('#')[1]}']")
        assert turn.get("class") == "sp"
        assert turn.find("a[@class='speaker']").get("href") == "persons/kim-ilsung.html"


def test_every_occurrence_of_a_name_links_to_the_person_page(register_site: Path) -> None:
    doc = parse_html((register_site / "talk-a.html").read_bytes())
    links = doc.xpath("//main//a[@class='speaker' or @class='persName']/@href")
    assert sorted(set(links)) == ["persons/kim-ilsung.html", "persons/talk-a~ri.html"]
    assert one(doc, "//li[@id='person-kim-ilsung']/a[@class='name']").get(
        "href") == "persons/kim-ilsung.html"
    index = parse_html((register_site / "index.html").read_bytes())
    assert "persons/kim-ilsung.html" in index.xpath("//td[@class='people']//a/@href")
    for href in [*links, *index.xpath("//td[@class='people']//a/@href")]:
        assert (register_site / href).is_file(), href


def read_js_calls(path: Path, call: str) -> list:
    """The JSON arguments of `teSearch.CALL(...)` in an index file."""
    data = path.read_text("utf-8")
    prefix = f"teSearch.{call}("
    assert data.startswith(prefix) and data.rstrip().endswith(");")
    return json.loads(f"[{data[len(prefix):data.rstrip().rindex(')')]}]")


def postings(site: Path, term: str) -> dict[str, dict[str, int]]:
    """document name -> {field id: count of `term`}, read from the index files."""
    letters, _ = read_js_calls(site / "search" / "shards.js", "shards")
    found: dict[str, dict[str, int]] = {}
    for bucket, held in letters.items():
        _, part = read_js_calls(site / "search" / f"b{int(bucket):02d}.js", "bucket")
        if term[0] not in held:
            continue
        b, letter, rows = read_js_calls(site / "search" / f"b{int(bucket):02d}-{term[0]}.js",
                                        "terms")
        assert (b, letter) == (int(bucket), term[0])
        for short, *fields in rows:  # [short id, title terms, counts, text terms, counts]
            for field in (0, 1):
                terms, counts = fields[2 * field].split(), fields[2 * field + 1].split()
                assert len(terms) == len(counts) and all(t.startswith(letter) for t in terms)
                if term in terms:
                    found.setdefault(part["documentIds"][str(short)], {})[str(field)] = int(
                        counts[terms.index(term)])
    return found


def test_search_index_finds_a_word_in_its_only_document(register_site: Path) -> None:
    assert postings(register_site, "zanzibarite") == {"talk-a": {"1": 1}}
    # Accents are folded: the reader finds "Ŭiju" by typing "uiju".
    assert postings(register_site, "uiju") == {"talk-b": {"1": 1}}
    assert postings(register_site, "talk") == {"talk-a": {"0": 1}, "talk-b": {"0": 1}}  # titles
    doc, passages = read_js_calls(register_site / "search" / "docs" / "talk-a.js", "passages")
    assert doc == "talk-a"
    assert ["turn-1", "Kim", "We discuss zanzibarite."] in passages  # the passage and its id
    kim = ["Kim Il Sung", ["Kim Il-song", "Kim"], "persons/kim-ilsung.html", 2]
    for letter in "kis":  # in the file of each letter that a word of the names starts with
        assert kim in read_js_calls(register_site / "search" / f"persons-{letter}.js",
                                    "persons")[1]
    assert kim not in read_js_calls(register_site / "search" / "persons-l.js", "persons")[1]
    assert read_js_calls(register_site / "search" / "shards.js", "shards")[1] == "ciklrsw"


def test_search_page_and_index_work_without_javascript(register_site: Path) -> None:
    page = parse_html((register_site / "search.html").read_bytes())
    form = one(page, "//form[@role='search']")
    assert form.get("action") == "search.html" and form.xpath(".//input[@name='q']")
    assert one(page, "//noscript") is not None  # says where to go instead, with links
    assert [s.get("src") for s in page.xpath("//script")] == [
        "search/minisearch.js", "search/search.js", "search/shards.js"]
    index = parse_html((register_site / "index.html").read_bytes())
    assert one(index, "//form[@role='search']").get("action") == "search.html"
    assert not index.xpath("//script")  # documents and index: no JavaScript at all
    assert not parse_html((register_site / "talk-a.html").read_bytes()).xpath("//script")


def test_register_rewrites_only_what_changed(tmp_path: Path, sheets: Stylesheets) -> None:
    src = tmp_path / "tei"
    src.mkdir()
    a = tei_doc("talk-a", "Talk A", "1962-05-03",
                '<listPerson><person xml:id="li" role="speaker"><persName>Li Wen</persName>'
                '</person></listPerson>', '<sp who="#li"><speaker>Li</speaker><p>One.</p></sp>')
    b = tei_doc("talk-b", "Talk B", "1962-05-04",
                f'<listPerson>{KIM}</listPerson>',
                '<sp who="#kim-ilsung"><speaker>Kim</speaker><p>Two.</p></sp>')
    (src / "talk-a.xml").write_text(a, "utf-8")
    (src / "talk-b.xml").write_text(b, "utf-8")
    out = tmp_path / "site"
    render_paths([src], out, sheets=sheets, registry=REGISTRY)
    files = [p for p in out.rglob("*") if p.is_file()]
    before = {p: p.stat().st_mtime_ns for p in files}
    os.utime(out / "persons" / "kim-ilsung.html", ns=(1, 1))  # a write would set a new time
    (src / "talk-b.xml").write_text(b.replace("Two.", "Two, and a new word: quetzal."), "utf-8")
    render_paths([src], out, sheets=sheets, registry=REGISTRY)
    changed = {p.relative_to(out).as_posix() for p in files if p.stat().st_mtime_ns != before[p]}
    # The document's page, its passages, the files of its words' letters; no person page.
    q = f"search/b{bucket_of('talk-b'):02d}-q.js"
    assert "search/docs/talk-b.js" in changed and (out / q) not in before
    assert (out / q).is_file()
    assert not {c for c in changed if c.startswith("search/b")} - {
        q, f"search/b{bucket_of('talk-b'):02d}-a.js", f"search/b{bucket_of('talk-b'):02d}-n.js",
        f"search/b{bucket_of('talk-b'):02d}-w.js", f"search/b{bucket_of('talk-b'):02d}.js"}
    assert not {c for c in changed if c.startswith("persons/")} - {"persons/kim-ilsung.html"}
    assert (out / "persons" / "kim-ilsung.html").stat().st_mtime_ns == 1
    assert "search/docs/talk-a.js" not in changed and "search/search.js" not in changed
    # A person who leaves the edition takes their page along.
    (src / "talk-a.xml").unlink()
    render_paths([src], out, sheets=sheets, registry=REGISTRY)
    assert not (out / "persons" / "talk-a~li.html").exists()
    assert (out / "persons" / "kim-ilsung.html").is_file()


def test_build_changing_one_document_does_not_rewrite_every_person_page(tmp_path: Path) -> None:
    from tei_edition.build import build

    sources = sorted((HERE.parent / "sources").glob("*.txt"))
    assert len(sources) >= 2
    (tmp_path / "sources").mkdir()
    for src in sources:
        (tmp_path / "sources" / src.name).write_bytes(src.read_bytes())
    first = build(tmp_path, jobs=1)
    assert first.exit_status == Exit.OK and first.site_files > len(sources)
    site = tmp_path / "site"
    for page in site.rglob("*.html"):  # what build writes, register and search included
        parse_html(page.read_bytes())
    pages = sorted((site / "persons").glob("*.html"))
    assert len(pages) > 2
    for page in pages:
        os.utime(page, ns=(1, 1))  # any write from now on gives a new time
    again = build(tmp_path, jobs=1)
    assert again.site_files == 0 and "site: 0 file(s) written" in again.summary()
    changed = tmp_path / "sources" / sources[0].name
    changed.write_text(changed.read_text("utf-8") + "\nA closing remark on quetzal feathers.\n",
                       "utf-8")
    done: list[tuple[str, str]] = []
    third = build(tmp_path, jobs=1, progress=lambda r: done.append((r.name, r.status)))
    assert [name for name, status in done if status == "converted"] == [sources[0].stem]
    assert third.count("converted") == 1
    rewritten = [p for p in pages if p.stat().st_mtime_ns != 1]
    assert len(rewritten) < len(pages)
    # The other documents' people are untouched; the changed text is searchable.
    assert not [p for p in rewritten if not p.name.startswith(f"{sources[0].stem}~")]
    assert "quetzal" in (site / "search" / "docs" / f"{sources[0].stem}.js").read_text("utf-8")


def test_cli_build_says_where_the_edition_is(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    src = sorted((HERE.parent / "sources").glob("*.txt"))[0]
    (tmp_path / "sources" / src.name).write_bytes(src.read_bytes())
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(f"open {tmp_path / 'site' / 'index.html'}")
    shutil.rmtree(tmp_path / "site")  # a rebuilt site is work done, though nothing converted
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--jobs", "1"])
    assert "1 unchanged" in result.output and "site: 0 file(s)" not in result.output
    assert (tmp_path / "site" / "persons" / "index.html").is_file()


def test_a_person_id_that_is_no_xml_name_gets_no_page(tmp_path: Path, sheets: Stylesheets) -> None:
    """A file rendered without validation may carry anything in xml:id: never a path."""
    src = tmp_path / "tei"
    src.mkdir()
    (src / "odd.xml").write_text(tei_doc(
        "odd", "Odd", "1962-01-01",
        '<listPerson><person xml:id="../../escape" role="speaker"><persName>Out Side</persName>'
        '</person><person xml:id="in" role="speaker"><persName>In Side</persName></person>'
        '</listPerson>',
        '<sp who="#../../escape"><speaker>Out</speaker><p>x</p></sp>'
        '<sp who="#in"><speaker>In</speaker><p>y</p></sp>'), "utf-8")
    out = tmp_path / "site"
    report = render_paths([src], out, sheets=sheets)
    assert report.exit_status == Exit.OK
    assert not (tmp_path / "escape.html").exists() and not list(tmp_path.rglob("*escape*"))
    assert sorted(p.name for p in (out / "persons").iterdir()) == ["index.html", "odd~in.html"]
    page = parse_html((out / "odd.html").read_bytes())
    assert page.xpath("//a[@class='speaker']/@href") == ["#person-../../escape",
                                                        "persons/odd~in.html"]

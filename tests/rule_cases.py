"""The negative documents of the content rules, and valid ones, in one catalogue.

Each negative case breaks the rule it names (and may break others along the way); the rule
tests check that rules.py finds it, the parity test that the Schematron twin finds the same.
They are the documents of test_rules.py, plus one for every message a rule has.
"""

from __future__ import annotations

from dataclasses import dataclass

from test_schema import CORPUS_SHAPE, MINIMAL_BODY, SHAPE, tei_document


@dataclass(frozen=True)
class Case:
    """A document and the rule it breaks (None: it breaks none)."""

    name: str
    rule: str | None
    text: str


THANKS = "<p>Thank you.</p>"


def in_turn(snippet: str) -> str:
    """The minimal document with `snippet` in place of the second turn's paragraph."""
    return tei_document(MINIMAL_BODY.replace(THANKS, snippet))


def in_body(content: str) -> str:
    """The minimal document with `content` added to its div."""
    return tei_document(MINIMAL_BODY.replace("      </div>", f"        {content}\n      </div>"))


def distribution(content: str) -> str:
    return tei_document(MINIMAL_BODY + f'\n      <div type="distribution">{content}</div>')


def persons(*entries: tuple[str | None, str]) -> str:
    return "".join(f"<person{f' xml:id={chr(34)}{pid}{chr(34)}' if pid else ''} "
                   f'role="{role}"><persName>{pid or "N"}</persName></person>'
                   for pid, role in entries)


SPEAKERS = persons(("liu", "speaker"), ("han", "speaker"))
WITH_GAO = persons(("liu", "speaker"), ("han", "speaker"), ("gao", "speaker"),
                   ("ji", "attendee"))
TOTAL = '<measure type="copies" quantity="2" unit="copy">2 copies</measure>'
ITEMS = "<item>A</item><item>B</item>"


def _negatives() -> list[Case]:
    cases = [
        # ref-resolves
        Case("pointer-typo", "ref-resolves",
             tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="#lui"'))),
        *(Case(f"pointer-{attr}", "ref-resolves", in_turn(f'<p><ref {attr}="#missing">x</ref></p>'))
          for attr in ("ref", "corresp", "target", "resp")),
        Case("pointer-joint", "ref-resolves",
             tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="#liu #nobody"'))),
        Case("pointer-bare", "ref-resolves",
             tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="liu"'))),
        Case("pointer-bare-local", "ref-resolves", in_turn('<p><note resp="editor">x</note></p>')),
        Case("pointer-bare-id-in-ref", "ref-resolves", in_turn('<p><ref target="han">x</ref></p>')),
        Case("pointer-lone-hash", "ref-resolves", in_turn('<p><ptr target="#"/>x</p>')),
        Case("pointer-many", "ref-resolves", tei_document(MINIMAL_BODY.replace(
            'who="#liu"', 'who="#liu #han\t#liu #han #liu #han #liu #han #liu #han #nobody"'))),
        Case("pointer-in-header", "ref-resolves",
             tei_document().replace("<publisher>", '<publisher ref="#nobody">')),
        Case("pointer-on-note", "ref-resolves", in_turn(
            '<p>Thank you.<note who="#gao">x</note><note who="#nobody">z</note></p>')),
        # id-unique
        Case("duplicate-id", "id-unique", in_turn('<p xml:id="han">x</p>')),
        Case("duplicate-id-thrice", "id-unique",
             in_turn('<p xml:id="x">a</p><p xml:id="x">b</p><p xml:id="x">c</p>')),
        # who-person
        Case("who-not-person", "who-person", tei_document(
            MINIMAL_BODY.replace("<head>", '<head xml:id="h">').replace('who="#liu"', 'who="#h"'),
            persons=persons(("liu", "attendee"), ("han", "speaker")))),
        Case("who-attendee", "who-person",
             tei_document(persons=persons(("liu", "attendee"), ("han", "speaker")))),
        Case("who-wrong-twice", "who-person", tei_document(
            MINIMAL_BODY.replace('who="#liu"', 'who="#h"').replace('who="#han"', 'who="#h"')
            .replace("<head>", '<head xml:id="h">'))),
        # speaker-used
        Case("speaker-without-turn", "speaker-used", tei_document(persons=persons(
            ("liu", "speaker"), ("han", "speaker interpreter"), ("gao", "speaker"),
            ("ji", "attendee")))),
        Case("speaker-without-id", "speaker-used",
             tei_document(persons=SPEAKERS + persons((None, "speaker")))),
        Case("speaker-only-a-note", "speaker-used", tei_document(
            MINIMAL_BODY.replace(THANKS, '<p>Thank you.<note who="#gao">x</note></p>'),
            persons=WITH_GAO)),
        # date-iso
        *(Case(f"date-{i}", "date-iso", in_turn(f'<p><date when="{value}">x</date></p>'))
          for i, value in enumerate(["21 April 1962", "1962-4-21", "1962-13", "1962-02-29",
                                     "1962-04-31", "1962-04-21T24:00", "1962-04-21 16:00",
                                     "62", "", "1962-04-21T16", "April 1962", "0000-02-29",
                                     "1900-02-29", "1962-04-21T23:60", "1962-04-21T12:00:60",
                                     "١٩٦٢-٠٢-٢٨", "1962-00", "1962-06-31"])),
        Case("date-notbefore", "date-iso", in_turn('<p><date notBefore="1962-4">x</date></p>')),
        Case("date-locus-and-date", "date-iso",
             in_turn('<p><locus from="12" to="3">12</locus><date from="x">x</date></p>')),
        # date-range
        Case("range-reversed", "date-range",
             tei_document(creation='<date from="1958-11" to="1958-10-14">x</date>')),
        Case("range-reversed-hours", "date-range", tei_document(
            creation='<date from="1958-10-14T17:40:00" to="1958-10-14T15:30:00">x</date>')),
        Case("range-and-when", "date-range",
             tei_document(creation='<date when="1958" from="1958">x</date>')),
        # copies-total
        Case("copies-sum", "copies-total", distribution(
            '<list type="distribution"><item>A</item><item n="3">B</item>'
            '<trailer><measure type="copies" quantity="5">5</measure></trailer></list>')),
        *(Case(f"copies-sum-{where}", "copies-total", distribution(
            content.replace('quantity="2"', 'quantity="3"'))) for where, content in {
                "head": f'<list type="distribution"><head>{TOTAL}</head>{ITEMS}</list>',
                "p-before": f'<p>{TOTAL}</p><list type="distribution">{ITEMS}</list>',
                "p-after": f'<list type="distribution">{ITEMS}</list><p>{TOTAL}</p>',
                "trailer": f'<list type="distribution">{ITEMS}<trailer>{TOTAL}</trailer></list>',
            }.items()),
        Case("copies-in-item", "copies-total", distribution(
            '<list type="distribution"><item>A <measure type="copies" quantity="1">1</measure>'
            "</item></list>")),
        Case("copies-no-quantity", "copies-total", distribution(
            '<p><measure type="copies">some copies</measure></p>'
            '<list type="distribution"><item>A</item></list>')),
        Case("copies-quantity-not-a-number", "copies-total", distribution(
            '<p><measure type="copies" quantity="two">2</measure></p>'
            '<list type="distribution"><item>A</item></list>')),
        *(Case(f"copies-n-{i}", "copies-total", distribution(
            f'<list type="distribution"><item n="{n}">A</item></list>'
            '<p><measure type="copies" quantity="1">1</measure></p>'))
          for i, n in enumerate(["²", "١", "1 2", "-1", "+2", "2.0", ""])),
        Case("copies-nested-divs", "copies-total", distribution(
            '<list type="distribution"><item>B</item></list><div type="distribution">'
            '<list type="distribution"><item n="2">A</item></list>'
            '<p><measure type="copies" quantity="3">3</measure></p></div>'
            '<p><measure type="copies" quantity="1">1</measure></p>')),
        # empty-element
        *(Case(f"empty-{i}", "empty-element", in_turn(snippet)) for i, snippet in enumerate(
            ["<p/>", "<p>  </p>", "<p><pb/></p>", "<p><hi/></p>", "<stage/>", "<note> </note>",
             "<pb/>", "<p><lb>x</lb></p>", "<p><pb><gap/></pb></p>", "<p>\u00a0\u2003</p>",
             "<p><persName><pb/></persName></p>", "<p><hi><!-- c --></hi></p>"])),
        Case("empty-in-order", "empty-element", in_body(
            "<p> </p><sp who='#liu'><speaker>L</speaker><p/></sp>"
            "<p><note/></p><item><label> </label></item>")),
        *(Case(f"empty-turn-{i}", "empty-element", in_body(turn)) for i, turn in enumerate([
            "<sp who='#liu'><speaker>L</speaker></sp>",
            "<sp who='#liu'><speaker>L</speaker><pb/></sp>",
            "<sp who='#liu'><speaker>L</speaker><sp><speaker>M</speaker></sp></sp>",
            "<sp who='#liu'>\u00a0<speaker>L</speaker></sp>",
            "<sp who='#liu'><speaker><gap/></speaker></sp>"])),
        # gap-extent
        Case("gap-no-unit", "gap-extent", in_turn('<p><gap reason="redacted" quantity="2"/></p>')),
        Case("gap-char-uncounted", "gap-extent",
             in_turn('<p><gap reason="illegible" unit="char"/></p>')),
        Case("gap-both", "gap-extent", in_turn(
            '<p><gap reason="illegible" unit="char"/> a <gap reason="lost" quantity="2"/> b '
            '<measure quantity="3" unit="x">3</measure></p>')),
        # lang-declared
        Case("lang-text", "lang-declared",
             tei_document().replace('<text xml:lang="en">', '<text xml:lang="de">')),
        Case("lang-foreign", "lang-declared",
             in_turn('<p><foreign xml:lang="de">Danke</foreign></p>')),
        Case("lang-mainlang", "lang-declared", tei_document().replace(
            "</bibl>", '</bibl><msDesc><msIdentifier><repository>A</repository></msIdentifier>'
            '<msContents><textLang mainLang="ko">Korean</textLang><msItem><title>T</title>'
            "</msItem></msContents></msDesc>")),
        # corpus-extent
        Case("corpus-extent-more", "corpus-extent", CORPUS_SHAPE.replace('quantity="2"',
                                                                         'quantity="3"')),
        Case("corpus-extent-includes", "corpus-extent", _unexpanded(1)),
        # each document of a corpus declares its own languages
        Case("lang-in-corpus", "lang-declared", _second_part(CORPUS_SHAPE, "hu")),
    ]
    return cases


def _unexpanded(stated: int) -> str:
    """The corpus sample as build writes it, two XIncludes in place of its documents, but
    without the register (its pointers resolve only once the includes are expanded)."""
    head = CORPUS_SHAPE[:CORPUS_SHAPE.index("<TEI ")]
    head = head[:head.index("<profileDesc>")] + head[head.index("<revisionDesc>"):]
    head = head.replace(
        "<teiCorpus ", '<teiCorpus xmlns:xi="http://www.w3.org/2001/XInclude" ')
    includes = '<xi:include href="corpus/a.xml"/><xi:include href="corpus/b.xml"/>'
    return head.replace('quantity="2"', f'quantity="{stated}"') + includes + "</teiCorpus>\n"


def _second_part(corpus: str, lang: str) -> str:
    """The corpus sample, its second document declaring en and ru, its text in `lang`."""
    at = corpus.index('xml:id="b"')
    second = corpus[at:].replace(
        '<language ident="en">English</language>',
        '<language ident="en">English</language><language ident="ru">Russian</language>', 1)
    return corpus[:at] + second.replace('<text xml:lang="en">', f'<text xml:lang="{lang}">', 1)


def _valid() -> list[Case]:
    return [
        Case("minimal", None, tei_document()),
        Case("shape", None, SHAPE),
        Case("url-pointer", None, in_turn('<p><ptr target="https://example.org/#x"/></p>')),
        Case("authority-ref", None, tei_document(persons=(
            '<person xml:id="liu" role="speaker"><persName '
            'ref="https://www.wikidata.org/entity/Q83363 #han">Liu</persName></person>'
            '<person xml:id="han" role="speaker"><persName>Han</persName></person>'))),
        Case("copies-add-up", None, distribution(
            '<list type="distribution"><item>A</item><item n=" 3 ">B</item>'
            '<trailer><measure type="copies" quantity="4">4</measure></trailer></list>')),
        Case("copies-unstated", None,
             distribution('<list type="distribution"><item n="9">A</item></list>')),
        Case("copies-outside-distribution", None,
             in_turn('<p><measure type="copies" quantity="9">9</measure></p>')),
        Case("content-without-text", None, in_turn(
            "<p><gap reason='omitted'/></p><p><lb/>tail</p><p><hi>x</hi></p>"
            "<p><persName><roleName>R</roleName></persName></p><p><foreign xmlns='urn:o'/></p>")),
        Case("turn-ending-in-speaker", None, in_body(
            "<sp who='#liu'><p>x</p><speaker>L</speaker></sp>")),
        Case("transliteration", None,
             in_turn('<p><foreign xml:lang="en-Latn">x</foreign></p>')),
        Case("corpus", None, CORPUS_SHAPE),
        Case("corpus-unexpanded", None, _unexpanded(2)),
        Case("corpus-languages-per-document", None, _second_part(CORPUS_SHAPE, "ru")),
        Case("range", None, tei_document(
            creation='<date from="1958-10-14T15:30:00" to="1958-10-14T17:40:00">x</date>')),
        Case("range-of-a-year", None, tei_document(creation='<date from="1958" to="1958-10">x</date>')),
        Case("dates", None, in_turn(
            '<p><date when="2000-02-29">a</date><date when="1962-04-21T16:00">b</date>'
            '<date when="0214">c</date></p>')),
        Case("role-and-type-elsewhere", None, tei_document(MINIMAL_BODY.replace(
            THANKS, '<p>Thank you.<note type="distribution"><measure type="copies" quantity="9">9'
            "</measure></note></p>")).replace("<publisher>", '<publisher role="speaker">')),
    ]


NEGATIVE = _negatives()
VALID = _valid()

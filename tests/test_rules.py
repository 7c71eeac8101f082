"""The content rules one by one, on small documents (no schema, no files)."""

from __future__ import annotations

import datetime as dt

import pytest
import rule_cases
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from test_schema import MINIMAL_BODY, SHAPE, tei_document

from tei_edition import rules
from tei_edition.rules import RULES, check, guess_iso, is_iso_date
from tei_edition.xmlio import parse_bytes


def root_of(text: str) -> etree._Element:
    return parse_bytes(text.encode("utf-8")).getroot()


def findings(text: str, rule: str) -> list[rules.Finding]:
    return [f for f in check(root_of(text)) if f.rule == rule]


def distribution(content: str) -> str:
    return tei_document(MINIMAL_BODY + f'\n      <div type="distribution">{content}</div>')


def test_rule_ids_are_unique_and_documented() -> None:
    ids = [rule_id for rule_id, _ in RULES]
    assert len(ids) == len(set(ids))
    assert all(rule.__doc__ for _, rule in RULES)


def test_valid_samples_pass_every_rule() -> None:
    assert check(root_of(SHAPE)) == []
    assert check(root_of(tei_document())) == []


# --- pointers and identifiers -------------------------------------------------------------
def test_pointer_to_missing_id_names_the_nearest_id() -> None:
    (f,) = findings(tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="#lui"')),
                    "ref-resolves")
    assert f.element.tag.endswith("sp") and f.attribute == "who"
    assert 'did you mean "#liu"?' in f.message


@pytest.mark.parametrize("attr", ["ref", "corresp", "target", "resp"])
def test_every_pointer_attribute_is_checked(attr: str) -> None:
    body = MINIMAL_BODY.replace("<p>Thank you.</p>", f'<p><ref {attr}="#missing">x</ref></p>')
    assert [f.attribute for f in findings(tei_document(body), "ref-resolves")] == [attr]


def test_urls_and_several_pointers() -> None:
    body = MINIMAL_BODY.replace("<p>Thank you.</p>",
                                '<p><ptr target="https://example.org/#x"/></p>')
    assert findings(tei_document(body), "ref-resolves") == []
    authority = tei_document(persons='<person xml:id="liu" role="speaker"><persName '
                             'ref="https://www.wikidata.org/entity/Q83363">Liu</persName>'
                             '</person><person xml:id="han" role="speaker"><persName>Han'
                             "</persName></person>")
    assert findings(authority, "ref-resolves") == []
    joint = tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="#liu #nobody"'))
    assert len(findings(joint, "ref-resolves")) == 1


def test_bare_id_is_reported_as_missing_hash() -> None:
    (f,) = findings(tei_document(MINIMAL_BODY.replace('who="#liu"', 'who="liu"')),
                    "ref-resolves")
    assert 'expected "#liu"' in f.message


def test_duplicate_ids_point_at_the_first() -> None:
    doc = tei_document(MINIMAL_BODY.replace("<p>Thank you.</p>", '<p xml:id="han">x</p>'))
    (f,) = findings(doc, "id-unique")
    assert f.element.tag.endswith("}p")
    assert "already used by <person> on line" in f.message


def test_turn_must_point_to_a_speaking_person() -> None:
    body = MINIMAL_BODY.replace('<head>', '<head xml:id="h">').replace('who="#liu"', 'who="#h"')
    persons = '<person xml:id="liu" role="attendee"><persName>L</persName></person>' \
              '<person xml:id="han" role="speaker"><persName>H</persName></person>'
    (f,) = findings(tei_document(body, persons=persons), "who-person")
    assert "must point to a <person>" in f.message
    body = MINIMAL_BODY
    (warning,) = findings(tei_document(body, persons=persons), "who-person")
    assert warning.severity == "warning"


def test_every_speaker_has_a_turn() -> None:
    persons = '<person xml:id="liu" role="speaker"><persName>L</persName></person>' \
              '<person xml:id="han" role="speaker interpreter"><persName>H</persName></person>' \
              '<person xml:id="gao" role="speaker"><persName>G</persName></person>' \
              '<person xml:id="ji" role="attendee"><persName>J</persName></person>'
    (f,) = findings(tei_document(persons=persons), "speaker-used")
    assert f.element.get(rules.XML_ID) == "gao"


# --- dates --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1962", "1962-04", "1962-04-21", "1962-04-21T16:00",
                                   "1962-04-21T16:00:00", "1964-02-29", "0214"])
def test_iso_dates(value: str) -> None:
    assert is_iso_date(value)


@pytest.mark.parametrize("value", ["21 April 1962", "1962-4-21", "1962-13", "1962-02-29",
                                   "1962-04-31", "1962-04-21T24:00", "1962-04-21 16:00", "62",
                                   "", "1962-04-21T16", "April 1962"])
def test_not_iso_dates(value: str) -> None:
    assert not is_iso_date(value)


@given(st.dates(min_value=dt.date(1000, 1, 1)), st.times())
def test_every_real_day_and_time_is_iso(day: dt.date, time: dt.time) -> None:
    assert is_iso_date(day.isoformat())
    assert is_iso_date(f"{day.isoformat()}T{time.strftime('%H:%M:%S')}")
    assert is_iso_date(day.isoformat()[:7])


@given(st.text(max_size=12))
def test_iso_check_never_accepts_what_python_rejects(text: str) -> None:
    if is_iso_date(text) and len(text) == 10:
        dt.date.fromisoformat(text)


@pytest.mark.parametrize(("written", "iso"), [("21 April 1962", "1962-04-21"),
                                              ("April 21, 1962", "1962-04-21"),
                                              ("3 Sept. 1955", None), ("1 Jun 1960", "1960-06-01"),
                                              ("31 February 1960", None), ("spring", None)])
def test_written_dates_get_a_suggestion(written: str, iso: str | None) -> None:
    assert guess_iso(written) == iso


def test_date_attributes_everywhere_but_locus() -> None:
    body = MINIMAL_BODY.replace("<p>Thank you.</p>",
                                '<p><date notBefore="1962-4">x</date></p>')
    assert [f.attribute for f in findings(tei_document(body), "date-iso")] == ["notBefore"]
    header_locus = tei_document().replace(
        "</bibl>", '</bibl><msDesc><msIdentifier><repository>A</repository></msIdentifier>'
        '<msContents><msItem><locus from="56" to="60">56-60</locus><title>T</title></msItem>'
        "</msContents></msDesc>")
    assert findings(header_locus, "date-iso") == [] == findings(header_locus, "date-range")


def test_ranges() -> None:
    def doc(attrs: str) -> str:
        return tei_document(creation=f"<date {attrs}>x</date>")

    assert findings(doc('from="1958-10-14T15:30:00" to="1958-10-14T17:40:00"'), "date-range") == []
    assert findings(doc('from="1958" to="1958-10"'), "date-range") == []
    assert len(findings(doc('from="1958-11" to="1958-10-14"'), "date-range")) == 1
    assert "either @when" in findings(doc('when="1958" from="1958"'), "date-range")[0].message


# --- distribution lists -------------------------------------------------------------------
def test_copies_add_up_with_default_one() -> None:
    ok = distribution('<list type="distribution"><item>A</item><item n="3">B</item>'
                      '<trailer><measure type="copies" quantity="4">4</measure></trailer></list>')
    assert findings(ok, "copies-total") == []
    bad = ok.replace('quantity="4"', 'quantity="5"')
    (f,) = findings(bad, "copies-total")
    assert "2 items add up to 4 copies" in f.message and "stated total is 5" in f.message
    # ENCODING.md: the source's own discrepancy, encoded as written: a warning, not an error
    assert f.severity == "warning" and f.attribute == "quantity"


def test_misplaced_or_unreadable_totals_stay_errors() -> None:
    inside = distribution('<list type="distribution"><item>A <measure type="copies" '
                          'quantity="1">1</measure></item></list>')
    no_quantity = distribution('<p><measure type="copies">some</measure></p>'
                               '<list type="distribution"><item>A</item></list>')
    bad_n = distribution('<list type="distribution"><item n="two">A</item></list>')
    for doc in (inside, no_quantity, bad_n):
        assert [f.severity for f in findings(doc, "copies-total")] == ["error"]


@pytest.mark.parametrize("where", ["head", "p-before", "p-after", "trailer"])
def test_total_may_stand_in_head_trailer_or_p(where: str) -> None:
    measure = '<measure type="copies" quantity="2" unit="copy">2 copies</measure>'
    items = "<item>A</item><item>B</item>"
    content = {
        "head": f'<list type="distribution"><head>{measure}</head>{items}</list>',
        "p-before": f'<p>{measure}</p><list type="distribution">{items}</list>',
        "p-after": f'<list type="distribution">{items}</list><p>{measure}</p>',
        "trailer": f'<list type="distribution">{items}<trailer>{measure}</trailer></list>',
    }[where]
    assert findings(distribution(content), "copies-total") == []
    wrong = distribution(content.replace('quantity="2"', 'quantity="3"'))
    assert len(findings(wrong, "copies-total")) == 1


def test_no_stated_total_no_finding_and_other_lists_ignored() -> None:
    assert findings(distribution('<list type="distribution"><item n="9">A</item></list>'),
                    "copies-total") == []
    other = tei_document(MINIMAL_BODY.replace(
        "<p>Thank you.</p>", '<p><measure type="copies" quantity="9">9</measure></p>'))
    assert findings(other, "copies-total") == []


def test_total_inside_item_and_without_quantity() -> None:
    inside = distribution('<list type="distribution"><item>A <measure type="copies" '
                          'quantity="1">1</measure></item></list>')
    assert "inside an <item>" in findings(inside, "copies-total")[0].message
    no_quantity = distribution('<p><measure type="copies">some copies</measure></p>'
                               '<list type="distribution"><item>A</item></list>')
    assert "needs @quantity" in findings(no_quantity, "copies-total")[0].message


# --- content ------------------------------------------------------------------------------
@pytest.mark.parametrize(("snippet", "empty"), [
    ("<p/>", True), ("<p>  </p>", True), ("<p><pb/></p>", True), ("<p><gap reason='omitted'/></p>", False),
    ("<p>x</p>", False), ("<p><hi/></p>", True), ("<p><hi>x</hi></p>", False),
    ("<p><lb/>tail</p>", False), ("<stage/>", True), ("<note> </note>", True),
])
def test_empty_elements(snippet: str, empty: bool) -> None:
    doc = tei_document(MINIMAL_BODY.replace("<p>Thank you.</p>", snippet))
    assert bool(findings(doc, "empty-element")) == empty


def test_turn_with_only_a_speaker_is_empty() -> None:
    doc = tei_document(MINIMAL_BODY.replace("<p>Thank you.</p>", "<pb/>"))
    (f,) = findings(doc, "empty-element")
    assert f.element.tag.endswith("}sp") and "nothing but its speaker" in f.message


def test_gap_extent() -> None:
    def doc(gap: str) -> str:
        return tei_document(MINIMAL_BODY.replace("<p>Thank you.</p>", f"<p>{gap}</p>"))

    assert findings(doc('<gap reason="illegible" unit="char" quantity="2"/>'), "gap-extent") == []
    assert findings(doc('<gap reason="redacted" unit="section"/>'), "gap-extent") == []
    assert len(findings(doc('<gap reason="redacted" quantity="2"/>'), "gap-extent")) == 1
    assert len(findings(doc('<gap reason="illegible" unit="char"/>'), "gap-extent")) == 1


def test_languages_are_declared() -> None:
    doc = tei_document().replace('<text xml:lang="en">', '<text xml:lang="de">')
    (f,) = findings(doc, "lang-declared")
    assert f.severity == "error" and "(declared: en)" in f.message
    translit = tei_document(MINIMAL_BODY.replace(
        "<p>Thank you.</p>", '<p><foreign xml:lang="en-Latn">x</foreign></p>'))
    assert findings(translit, "lang-declared") == []


# --- the indexes: what a walk over every element finds --------------------------------------
def body_doc(content: str) -> str:
    """The minimal document with `content` added to its div."""
    return tei_document(MINIMAL_BODY.replace("      </div>", f"        {content}\n      </div>"))


def test_empty_elements_are_reported_in_document_order() -> None:
    doc = body_doc("<p> </p><sp who='#liu'><speaker>L</speaker><p/></sp>"
                   "<p><note/></p><item><label> </label></item>")
    empty = findings(doc, "empty-element")
    assert [rules.local(f.element) for f in empty] == ["p", "sp", "p", "p", "note", "item",
                                                       "label"]


@pytest.mark.parametrize(("turn", "empty"), [
    ("<sp who='#liu'><speaker>L</speaker><p>x</p></sp>", False),
    ("<sp who='#liu'><speaker>L</speaker></sp>", True),  # the speaker is not content
    ("<sp who='#liu'><p>x</p><speaker>L</speaker></sp>", False),  # ends in its speaker
    ("<sp who='#liu'><speaker>L</speaker><pb/></sp>", True),
    ("<sp who='#liu'><speaker>L</speaker><pb/>tail</sp>", False),
    ("<sp who='#liu'><speaker>L</speaker><p><hi>x</hi></p><!-- c --></sp>", False),
    ("<sp who='#liu'><speaker>L</speaker><sp><speaker>M</speaker></sp></sp>", True),
    ("<sp who='#liu'>\u00a0<speaker>L</speaker></sp>", True),  # Python's whitespace
    ("<p><speaker>L</speaker></p>", False),  # a speaker is content outside a turn
    ("<p><persName><roleName>R</roleName> Gao</persName></p>", False),
    ("<p><persName><roleName>R</roleName></persName></p>", False),
    ("<p><persName><pb/></persName></p>", True),
    ("<p><foreign xmlns='urn:other'/></p>", False),
])
def test_emptiness_is_decided_as_the_walk_decides(turn: str, empty: bool) -> None:
    root = root_of(body_doc(turn))
    walk = [el for el in root.iter(*(rules.tei(n) for n in rules.NOT_EMPTY))
            if not rules._has_content(el, frozenset([rules.tei("speaker")])
                                      if el.tag == rules.tei("sp") else frozenset())]
    found = [f.element for f in check(root) if f.rule == "empty-element"]
    assert found == walk
    assert bool(found) == empty


_PIECES = st.sampled_from(["p", "sp", "speaker", "item", "note", "persName", "hi", "pb", "gap",
                           "{urn:other}x"])
_TEXTS = st.sampled_from([None, "", " ", "\n  ", "\u00a0", "\u2003", "x"])


@st.composite
def _fragments(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    el = etree.Element(draw(_PIECES) if depth else rules.tei("div"))
    if not el.tag.startswith("{"):
        el.tag = rules.tei(el.tag)
    el.text = draw(_TEXTS)
    for _ in range(draw(st.integers(0, 3 if depth < 3 else 0))):
        child = draw(_fragments(depth + 1)) if draw(st.booleans()) else etree.Comment("c")
        child.tail = draw(_TEXTS)
        el.append(child)
    return el


@given(_fragments())
def test_random_content_is_judged_as_the_walk_judges_it(fragment: etree._Element) -> None:
    root = root_of(tei_document(MINIMAL_BODY.replace(
        "      </div>", etree.tostring(fragment, encoding="unicode") + "\n      </div>")))
    walk = [el for el in root.iter(*(rules.tei(n) for n in rules.NOT_EMPTY))
            if not rules._has_content(el, frozenset([rules.tei("speaker")])
                                      if el.tag == rules.tei("sp") else frozenset())]
    assert [f.element for f in check(root) if f.rule == "empty-element"] == walk


def test_who_outside_a_turn_is_a_pointer_but_not_a_turn() -> None:
    # @who on a note must resolve (ref-resolves), but names no speaker of a turn
    persons = '<person xml:id="liu" role="speaker"><persName>L</persName></person>' \
              '<person xml:id="han" role="speaker"><persName>H</persName></person>' \
              '<person xml:id="gao" role="speaker"><persName>G</persName></person>' \
              '<person xml:id="ji" role="attendee"><persName>J</persName></person>'
    body = MINIMAL_BODY.replace("<p>Thank you.</p>",
                                '<p>Thank you.<note who="#gao">x</note><note who="#ji">y'
                                '</note><note who="#nobody">z</note></p>')
    found = check(root_of(tei_document(body, persons=persons)))
    assert [(f.rule, f.element.get(rules.XML_ID) or f.element.get("who")) for f in found] == [
        ("ref-resolves", "#nobody"), ("speaker-used", "gao")]


def test_each_turn_with_a_wrong_pointer_is_reported() -> None:
    body = MINIMAL_BODY.replace('who="#liu"', 'who="#h"').replace('who="#han"', 'who="#h"')
    body = body.replace("<head>", '<head xml:id="h">')
    found = [f for f in check(root_of(tei_document(body))) if f.rule == "who-person"]
    assert [f.element.sourceline for f in found] == [
        f.element.sourceline for f in findings(tei_document(body), "who-person")]
    assert len(found) == 2 and found[0].element is not found[1].element


def test_role_and_type_count_only_on_their_elements() -> None:
    # role="speaker" on a non-person and type="distribution" on a non-div are not checked
    body = MINIMAL_BODY.replace("<p>Thank you.</p>", '<p>Thank you.<note type="distribution">'
                                '<measure type="copies" quantity="9">9</measure></note></p>')
    doc = tei_document(body).replace('<publisher>', '<publisher role="speaker">')
    assert findings(doc, "speaker-used") == findings(doc, "copies-total") == []
    nameless = tei_document(persons='<person xml:id="liu" role="speaker"><persName>L</persName>'
                            '</person><person xml:id="han" role="speaker"><persName>H'
                            '</persName></person><person role="speaker"><persName>N'
                            '</persName></person>')
    (f,) = findings(nameless, "speaker-used")
    assert f.message.startswith('person "None" has role="speaker"')


def test_gap_findings_in_document_order_and_others_ignored() -> None:
    body = MINIMAL_BODY.replace("<p>Thank you.</p>",
                                '<p><gap reason="illegible" unit="char"/> a <gap reason="lost" '
                                'quantity="2"/> b <measure quantity="3" unit="x">3</measure></p>')
    assert [f.attribute for f in findings(tei_document(body), "gap-extent")] == ["unit",
                                                                                 "quantity"]
    other = MINIMAL_BODY.replace("<p>Thank you.</p>", '<p><measure quantity="3">3</measure></p>')
    assert findings(tei_document(other), "gap-extent") == []


def test_dates_of_a_locus_are_left_alone_wherever_they_stand() -> None:
    body = MINIMAL_BODY.replace("<p>Thank you.</p>",
                                '<p><locus from="12" to="3">12</locus><date from="x">x</date></p>')
    assert [f.attribute for f in findings(tei_document(body), "date-iso")] == ["from"]
    assert findings(tei_document(body), "date-range") == []


# ASCII digits, as xsd:date reads them (and the Schematron twin of the rule)
_ISO_FORM = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?)?)?"


def _iso_by_the_calendar(value: str) -> bool:
    """is_iso_date as first written: the regex, then calendar.monthrange."""
    import calendar
    import re

    m = re.fullmatch(_ISO_FORM, value)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(g) if g else None for g in m.groups())
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None and not 1 <= day <= calendar.monthrange(year or 1, month or 1)[1]:
        return False
    return (hour is None or hour < 24) and (minute is None or minute < 60) and (
        second is None or second < 60)


@pytest.mark.parametrize("value", ["0000-02-29", "0004-02-29", "1900-02-29", "2000-02-29",
                                   "1962-02-28T23:59:59", "1962-13-01", "1962-00", "1962-06-31",
                                   "١٩٦٢-٠٢-٢٨", "1962-04-21T23:60", "1962-04-21T12:00:60"])
def test_iso_days_as_the_calendar_counts_them(value: str) -> None:
    assert is_iso_date(value) == _iso_by_the_calendar(value)


@given(st.from_regex(r"[0-9٠-٩]{4}(-[0-9]{1,2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?)?)?",
                     fullmatch=True) | st.text("0123456789-T: ", max_size=20))
def test_iso_check_is_the_calendar_check(value: str) -> None:
    assert is_iso_date(value) == _iso_by_the_calendar(value)


@pytest.mark.parametrize("value", ["١٩٦٢-٠٢-٢٨", "１９６２", "1962-0²"])
def test_only_ascii_digits_make_a_date(value: str) -> None:
    assert not is_iso_date(value)


@pytest.mark.parametrize("n", ["²", "١", "1 2", "-1", "+2", "2.0"])
def test_copies_are_ascii_whole_numbers(n: str) -> None:
    doc = distribution(f'<list type="distribution"><item n="{n}">A</item></list>')
    (f,) = findings(doc, "copies-total")
    assert f.kind == "copies-total.n" and f.attribute == "n"


def test_copies_count_for_the_nearest_distribution_div() -> None:
    inner = ('<div type="distribution"><list type="distribution"><item n="2">A</item></list>'
             '<p><measure type="copies" quantity="3">3</measure></p></div>')
    doc = distribution(f'<list type="distribution"><item>B</item></list>{inner}'
                       '<p><measure type="copies" quantity="1">1</measure></p>')
    (f,) = findings(doc, "copies-total")  # once, for the inner div: 2 copies, not 3
    assert "1 items add up to 2 copies" in f.message and f.element.get("quantity") == "3"


def test_a_part_of_a_document_is_checked_as_before() -> None:
    """Given an element inside a document, the rules check the elements under it, but the
    attributes of the whole document (as the one XPath over them always did)."""
    persons = ('<person xml:id="liu" role="speaker"><persName>L</persName></person>'
               '<person xml:id="han" role="speaker"><persName>H</persName></person>'
               '<person xml:id="gao" role="speaker"><persName>G</persName></person>')
    doc = tei_document(MINIMAL_BODY.replace("<p>Thank you.</p>", '<p>Thanks.<ptr target="#gao"/>'
                                            "</p>"), persons=persons)
    root = root_of(doc.replace("<publisher>", '<publisher ref="#nobody">'))
    text = root.find(rules.tei("text"))
    assert [f.rule for f in check(root)] == ["ref-resolves", "speaker-used"]
    assert [f.rule for f in check(text)] == ["ref-resolves"]  # gao's <person> is not in it


@pytest.mark.parametrize("case", rule_cases.NEGATIVE + rule_cases.VALID, ids=lambda c: c.name)
def test_catalogue_documents_break_the_rule_they_name(case: rule_cases.Case) -> None:
    found = {f.rule for f in check(root_of(case.text))}
    assert (case.rule in found) if case.rule else not found

"""The Schematron twin (schema/tei_edition.sch) says what the Python rules say.

Parity: over every negative document of the rules (tests/rule_cases.py), the valid ones, the
encoded files, random documents of the grammar and random values, lxml.isoschematron and
`rules.check` / `validate` report the same findings: same message (so the same rule id), same
element, same severity, same text but the hints only Python computes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import ENCODED, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from rule_cases import NEGATIVE, VALID, Case, distribution, in_body, in_turn
from test_rules import _fragments
from test_schema import MINIMAL_BODY, generated_documents, tei_document

from tei_edition import rules, schematron
from tei_edition.schema import schema_file
from tei_edition.validate import Locator, validate_paths
from tei_edition.xmlio import XMLInputError, parse_bytes, parse_file

RULE_IDS = {rule_id for rule_id, _ in rules.RULES}
Findings = Counter[tuple[str, str, str, str]]


@pytest.fixture(scope="module")
def sch() -> schematron.isoschematron.Schematron:
    return schematron.compile_schematron(ROOT / "schema" / "tei_edition.sch")


def python_findings(tree: etree._ElementTree) -> Findings:
    """(message key, element path, severity, text without hints) of rules.check, for the
    messages the Schematron carries."""
    found = rules.check(tree.getroot())
    for f in found:
        assert f.kind in rules.MESSAGES, (
            f"a [{f.rule}] finding made without a rules.Message: add it to rules.MESSAGES "
            "and its XPath twin to tei_edition/schematron.py (or mark it schematron=False)")
    return Counter((f.kind, tree.getpath(f.element), f.severity,
                    " ".join(rules.MESSAGES[f.kind].without_hints(dict(f.fields)).split()))
                   for f in found if rules.MESSAGES[f.kind].schematron)


def schematron_findings(sch: schematron.isoschematron.Schematron,
                        tree: etree._ElementTree) -> Findings:
    return Counter((f.message, tree.getpath(f.element), f.severity, f.text)
                   for f in schematron.failures(sch, tree))


def assert_parity(sch: schematron.isoschematron.Schematron, data: bytes) -> Findings:
    tree = parse_bytes(data)
    found = python_findings(tree)
    twin = schematron_findings(sch, tree)
    assert twin == found, (f"only Python: {sorted(found - twin)}\n"
                           f"only Schematron: {sorted(twin - found)}")
    return found


# --- generated, and from one source ---------------------------------------------------------
def test_schematron_is_generated_from_the_rules() -> None:
    data = schematron.generate()
    for path in (ROOT / "schema" / "tei_edition.sch", schema_file(".sch")):
        assert path.read_bytes() == data, f"{path} is stale: run python scripts/build_schema.py"


def test_every_rule_and_message_has_assertions() -> None:
    asserted = Counter(a.message for r in schematron.schematron_rules() for a in r.asserts)
    assert set(asserted) == {k for k, m in rules.MESSAGES.items() if m.schematron}
    assert {m.rule for m in rules.MESSAGES.values()} == RULE_IDS


def test_a_message_beyond_xpath_is_listed_in_the_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    gap = rules.MESSAGES["gap-extent.unit"]
    monkeypatch.setitem(rules.MESSAGES, gap.key, rules.Message(
        gap.key, gap.rule, gap.text, schematron=False))
    assert any(limit.startswith("`gap-extent` (gap-extent.unit): <gap quantity=\"{quantity}\">")
               for limit in schematron.limits())


def test_assertions_carry_id_severity_and_rule_from_the_messages() -> None:
    tree = etree.fromstring(schematron.generate())
    ns = {"sch": schematron.SCH}
    assert tree.get("queryBinding") == "xslt"
    asserts = tree.findall(".//sch:assert", ns)
    assert len({a.get("id") for a in asserts}) == len(asserts)
    for a in asserts:
        message = rules.MESSAGES[schematron.assertion_message(a.get("id"))]
        assert a.get("role") == message.severity
        assert a.text.startswith(f"[{message.rule}] ")


def test_a_changed_severity_follows_into_the_schematron(monkeypatch: pytest.MonkeyPatch) -> None:
    gap = rules.MESSAGES["gap-extent.unit"]
    monkeypatch.setitem(rules.MESSAGES, gap.key, rules.Message(gap.key, gap.rule, gap.text,
                                                               "warning"))
    tree = etree.fromstring(schematron.generate())
    (a,) = tree.xpath("//sch:assert[@id = 'gap-extent.unit.1']", namespaces={"sch": schematron.SCH})
    assert a.get("role") == "warning"


# --- parity ---------------------------------------------------------------------------------
def test_every_rule_has_negative_documents() -> None:
    assert {c.rule for c in NEGATIVE} == RULE_IDS
    assert len(NEGATIVE) >= 80


@pytest.mark.parametrize("case", NEGATIVE + VALID, ids=lambda c: c.name)
def test_schematron_finds_what_the_rules_find(sch: schematron.isoschematron.Schematron,
                                              case: Case) -> None:
    found = assert_parity(sch, case.text.encode())
    fired = {key.partition(".")[0] for key, *_ in found}
    if case.rule is None:
        assert not found
    else:
        assert case.rule in fired


def test_schematron_and_validate_agree_on_every_negative_document(
        sch: schematron.isoschematron.Schematron, tmp_path: Path) -> None:
    files = {}
    for case in NEGATIVE + VALID:
        files[case.name] = tmp_path / f"{case.name}.xml"
        files[case.name].write_text(case.text, "utf-8")
    report = validate_paths(list(files.values()))
    for case in NEGATIVE + VALID:
        path = files[case.name]
        by_validate = Counter((d.rule, d.severity, d.line) for d in report.diagnostics
                              if d.file == str(path) and d.rule in RULE_IDS)
        tree = parse_bytes(path.read_bytes())
        locator = Locator(path, tree)
        by_schematron = Counter((f.rule, f.severity, locator.element(f.element)[0])
                                for f in schematron.failures(sch, tree))
        assert by_validate == by_schematron, case.name
        assert (case.rule in {rule for rule, _, _ in by_validate}) == (case.rule is not None)
    # a document fails validate where a finding is an error; a turn of an attendee, the
    # undeclared language of a foreign word and a stated total that differs from the listed
    # copies (the source's own discrepancy) only warn
    errors = {str(files[c.name]) for c in NEGATIVE
              if any(f.severity == "error" for f in rules.check(parse_bytes(c.text.encode())
                                                                .getroot()))}
    failing = {d.file for d in report.diagnostics if d.rule in RULE_IDS and d.severity == "error"}
    assert failing == errors
    warned = {m.rule for m in rules.MESSAGES.values() if m.severity == "warning"}
    only_warned = {c.rule for c in NEGATIVE if str(files[c.name]) not in errors}
    assert only_warned == warned == {"who-person", "lang-declared", "copies-total"}
    assert set(report.invalid_files) >= errors and report.exit_status == 1


def test_parity_on_the_encoded_files(sch: schematron.isoschematron.Schematron,
                                     converted: Path) -> None:
    files = sorted(ENCODED.glob("*.xml")) + sorted(converted.glob("*.xml"))
    assert files
    for path in files:
        assert_parity(sch, path.read_bytes())


def test_parity_on_random_documents_of_the_grammar(sch: schematron.isoschematron.Schematron) -> None:
    kinds = Counter()
    for data in generated_documents(40):
        kinds.update(key for key, *_ in assert_parity(sch, data).elements())
    assert len(kinds) >= 3  # the random documents do break rules: the parity is not empty


_TOKENS = st.sampled_from(["#liu", "#han", "#h", "#nobody", "liu", "han", "http://x.org/a",
                           "#", "x:y"])
_DATES = st.from_regex(r"[0-9١]{1,4}(-[0-9]{1,2}(-[0-9]{1,2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?)?)?",
                       fullmatch=True) | st.sampled_from(["1962-02-29", "2000-02-29", "0000-02-29",
                                                          "1962-04-31", "1962-04-21T24:00"])
_SPACES = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u2003"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(who=st.lists(_TOKENS, min_size=1, max_size=4), ref=st.lists(_TOKENS, max_size=3),
       space=_SPACES, dates=st.lists(_DATES, min_size=2, max_size=2),
       copies=st.lists(st.sampled_from([None, "1", "2", " 3 ", "x", "٣", "0"]), max_size=3),
       quantity=st.sampled_from([None, "1", "3", "4", "x"]), role=st.sampled_from(
           ["speaker", "attendee", "speaker interpreter", "interpreter\u00a0speaker"]),
       fragment=_fragments())
def test_parity_on_random_values(sch: schematron.isoschematron.Schematron, who: list[str],
                                 ref: list[str], space: str, dates: list[str],
                                 copies: list[str | None], quantity: str | None, role: str,
                                 fragment: etree._Element) -> None:
    body = MINIMAL_BODY.replace('who="#liu"', f'who="{space.join(who)}"').replace(
        "<head>", '<head xml:id="h">')
    ref_attr = f' ref="{space.join(ref)}"' if ref else ""
    items = "".join(f"<item{'' if n is None else f' n={chr(34)}{n}{chr(34)}'}>A</item>"
                    for n in copies) or "<item>A</item>"
    measure = "" if quantity is None else f'<measure type="copies" quantity="{quantity}">q</measure>'
    frag = etree.tostring(fragment, encoding="unicode")
    persons = (f'<person xml:id="liu" role="{role}"><persName{ref_attr}>L</persName></person>'
               '<person xml:id="han" role="speaker"><persName>H</persName></person>')
    text = tei_document(body.replace("      </div>", f"{frag}\n      </div>") +
                        f'<div type="distribution"><list type="distribution">{items}</list>'
                        f"<p>{measure}</p></div>", persons=persons,
                        creation=f'<date from="{dates[0]}" to="{dates[1]}">x</date>')
    assert_parity(sch, text.encode())


def test_helpers_of_the_catalogue_make_valid_documents() -> None:
    for text in (in_turn("<p>x</p>"), in_body("<p>x</p>"), distribution("<p>x</p>")):
        assert rules.check(parse_bytes(text.encode()).getroot()) == []


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "invalid").glob("*.xml")),
                         ids=lambda p: p.stem)
def test_the_hostile_documents_get_the_same_answer(sch: schematron.isoschematron.Schematron,
                                                   path: Path) -> None:
    """tests/invalid/ holds hostile documents (entities, DTDs, XInclude, malformed XML).
    The parser refuses most before any rule, so neither twin sees them and validate says
    why; one it reads (an XInclude, never followed), both twins judge alike."""
    report = validate_paths([path])
    assert report.exit_status == 1
    try:
        tree = parse_file(path)
    except XMLInputError as exc:
        assert [d.rule for d in report.diagnostics] == [exc.rule]
        assert exc.rule in {"xml-wellformed", "xml-doctype", "xml-external", "xml-size"}
        return
    assert_parity(sch, etree.tostring(tree))
    assert {d.rule for d in report.diagnostics} <= {"schema-content", "schema-element"} | RULE_IDS

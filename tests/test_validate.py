"""`tei-edition validate`: every schema constraint and content rule fails with its rule id on
the right line, messages say what was expected, hostile and malformed XML exit 1, usage
problems exit 2.

Each invalid case is the minimal valid document with one change; the offending line carries
`<!-- expect: RULE ... -->`, and the run must report exactly those rules on those lines.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ENCODED
from lxml import etree
from test_schema import MINIMAL_BODY, SHAPE, tei_document

from tei_edition.cli import cli
from tei_edition.schema import schema_file
from tei_edition.schema.explain import Explainer
from tei_edition.schema.grammar import Grammar
from tei_edition.validate import ValidationReport, validate_paths

INVALID = Path(__file__).parent / "invalid"
HOSTILE = ["xxe-file.xml", "billion-laughs.xml", "remote-dtd.xml", "parameter-entity.xml",
           "xinclude.xml"]
MARK = re.compile(r"<!-- expect: ([\w\- ]+) -->")
#: The console entry point, run in a fresh interpreter.
CLI = [sys.executable, "-c", "from tei_edition.cli import main; main()"]


def seed_tei(broken: bool = False) -> str:
    """A seed's generated TEI; `broken`: its first redaction gap with a reason outside the
    schema (@reason="lost"), one schema error."""
    text = (ENCODED / "wcda-119000.xml").read_text("utf-8")
    if not broken:
        return text
    lost = text.replace('<gap reason="redacted"', '<gap reason="lost"', 1)
    assert lost != text
    return lost


def sp(who: str = "#liu", mark: str = "") -> str:
    return f'<sp who="{who}">{mark}<speaker>Liu</speaker><p>Yes.</p></sp>'


def div(content: str, type_: str = "minutes") -> str:
    """A body with one div holding `content` and the two turns every person needs."""
    return (f'      <div type="{type_}">\n        {content}\n        {sp()}\n'
            f'        <sp who="#han"><speaker>Han</speaker><p>No.</p></sp>\n      </div>')


PERSONS_PLUS = """\
          <person xml:id="liu" role="speaker"><persName>Liu Shaoqi</persName></person>
          <person xml:id="han" role="speaker"><persName>Han Ik-su</persName></person>
          {extra}"""


#: name -> document; every schema constraint and content rule has a case.
CASES: dict[str, str] = {
    # content rules
    "dangling-who": tei_document(
        MINIMAL_BODY.replace('<sp who="#han">', '<sp who="#hna"><!-- expect: ref-resolves -->'),
        persons=PERSONS_PLUS.format(extra="").replace(
            '<person xml:id="han" role="speaker">',
            '<person xml:id="han" role="speaker"><!-- expect: speaker-used -->')),
    "bare-who": tei_document(MINIMAL_BODY.replace(
        '<sp who="#han">', '<sp who="han"><!-- expect: ref-resolves schema-attribute -->')),
    "dangling-ref": tei_document(div(
        '<p><persName ref="#nobody">X</persName></p><!-- expect: ref-resolves -->')),
    "duplicate-id": tei_document(div('<p xml:id="liu">Text.</p><!-- expect: id-unique -->')),
    "who-not-person": tei_document(div(
        '<p xml:id="para">Text.</p>\n        <sp who="#para"><speaker>P</speaker><p>x</p></sp>'
        '<!-- expect: who-person -->')),
    "speaker-unused": tei_document(persons=PERSONS_PLUS.format(
        extra='<person xml:id="gao" role="speaker"><persName>Gao</persName></person>'
              '<!-- expect: speaker-used -->')),
    "when-not-iso": tei_document(div(
        '<p>On <date when="21 April 1962">21 April</date>.</p><!-- expect: date-iso -->')),
    "day-not-in-month": tei_document(div(
        '<p>On <date when="1962-02-30">30 Feb.</date>.</p><!-- expect: date-iso -->')),
    "when-and-range": tei_document(div(
        '<p><date when="1962" from="1962" to="1963">1962</date></p>'
        '<!-- expect: date-range schema-attribute -->')),
    "from-after-to": tei_document(div(
        '<p><date from="1962-05" to="1962-04">May–April</date></p><!-- expect: date-range -->')),
    "copies-do-not-add-up": tei_document(MINIMAL_BODY + """
      <div type="distribution">
        <list type="distribution">
          <item>Liu</item>
          <item n="2">Office (2)</item>
          <trailer><measure type="copies" quantity="4">4</measure></trailer><!-- expect: copies-total -->
        </list>
      </div>"""),
    "copies-inside-item": tei_document(MINIMAL_BODY + """
      <div type="distribution">
        <list type="distribution">
          <item>Liu, <measure type="copies" quantity="1">1 copy</measure></item><!-- expect: copies-total -->
        </list>
      </div>"""),
    "item-n-not-a-number": tei_document(MINIMAL_BODY + """
      <div type="distribution">
        <list type="distribution">
          <item n="two">Liu</item><!-- expect: copies-total schema-attribute -->
        </list>
      </div>"""),
    "empty-p": tei_document(div('<p> <pb/> </p><!-- expect: empty-element -->')),
    "empty-sp": tei_document(div('<sp who="#liu"><speaker>Liu</speaker></sp>'
                                 '<!-- expect: empty-element -->')),
    "gap-quantity-without-unit": tei_document(div(
        '<p>A <gap reason="illegible" quantity="2"/> B</p><!-- expect: gap-extent -->')),
    "gap-chars-not-counted": tei_document(div(
        '<p>A <gap reason="illegible" unit="char"/> B</p><!-- expect: gap-extent -->')),
    "language-not-declared": tei_document(div(
        '<p><foreign xml:lang="ko">annyeong</foreign></p><!-- expect: lang-declared -->')),
    # schema: attributes
    "gap-without-reason": tei_document(div('<p>A <gap/> B</p><!-- expect: schema-attribute -->')),
    "gap-unknown-reason": tei_document(div(
        '<p>A <gap reason="lost"/> B</p><!-- expect: schema-attribute -->')),
    "gap-unknown-unit": tei_document(div(
        '<p>A <gap reason="illegible" unit="letter" quantity="2"/> B</p>'
        '<!-- expect: schema-attribute -->')),
    "div-unknown-type": tei_document(MINIMAL_BODY.replace(
        '<div type="minutes">', '<div type="chapter"><!-- expect: schema-attribute -->')),
    "note-unknown-type": tei_document(div(
        '<note type="comment">x</note><!-- expect: schema-attribute -->')),
    "list-unknown-type": tei_document(div(
        '<list type="ordered"><item>x</item></list><!-- expect: schema-attribute -->')),
    "person-unknown-role": tei_document(persons=PERSONS_PLUS.format(
        extra='<person xml:id="gao" role="chair"><persName>Gao</persName></person>'
              '<!-- expect: schema-attribute -->')),
    "sp-without-who": tei_document(
        MINIMAL_BODY.replace('<sp who="#han">', '<sp><!-- expect: schema-attribute -->'),
        persons=PERSONS_PLUS.format(extra="").replace('"han" role="speaker"', '"han" role="attendee"')),
    "creation-without-when": tei_document(
        creation='<date>21 April 1962</date><!-- expect: schema-attribute -->'),
    "unknown-attribute": tei_document(div(
        '<p rend="bold">x</p><!-- expect: schema-attribute -->')),
    # schema: elements, content, text
    "element-outside-customisation": tei_document(div(
        '<p>He <said>spoke</said>.</p><!-- expect: schema-element -->')),
    "text-directly-in-body": tei_document(
        "      Stray words.<!-- expect: schema-text -->\n" + MINIMAL_BODY),
    "text-directly-in-sp": tei_document(MINIMAL_BODY.replace(
        "<speaker>Han</speaker>", "<speaker>Han</speaker>Loose text<!-- expect: schema-text -->")),
    "p-after-nested-div": tei_document(MINIMAL_BODY.replace(
        "      </div>", '        <div type="section"><p>I.</p></div>\n'
        "        <p>After.</p><!-- expect: schema-element -->\n      </div>")),
    "list-mixes-labelled-items": tei_document(div(
        '<list type="numbered"><label>1.</label><item>a</item>\n'
        '        <item>b</item></list><!-- expect: schema-element -->')),
    "head-after-p": tei_document(div('<p>x</p>\n        <head>Late</head><!-- expect: schema-element -->')),
    "misplaced-header-element": tei_document().replace(
        '<title type="main">',
        '<funder>F</funder><!-- expect: schema-element -->\n        <title type="main">'),
    "msitem-with-only-locus": tei_document().replace(
        "</bibl>", '</bibl>\n        <msDesc><msIdentifier><repository>A</repository></msIdentifier>'
        '<msContents><msItem><locus from="1" to="2">1-2</locus></msItem></msContents></msDesc>'
        '<!-- expect: schema-content -->'),
    "not-in-tei-namespace": tei_document().replace(
        ' xmlns="http://www.tei-c.org/ns/1.0"', "").replace(
        'xml:lang="en">\n  <teiHeader>', 'xml:lang="en"><!-- expect: schema-element -->\n  <teiHeader>'),
}


def expected(text: str) -> set[tuple[str, int]]:
    """(rule, line) pairs the markers of a document ask for."""
    return {(rule, number) for number, line in enumerate(text.splitlines(), 1)
            for m in MARK.finditer(line) for rule in m.group(1).split()}


@pytest.fixture(scope="module")
def case_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("cases")
    files = {}
    for name, text in CASES.items():
        files[name] = out / f"{name}.xml"
        files[name].write_text(text, "utf-8")
    return files


@pytest.fixture(scope="module")
def lxml_report(case_files: dict[str, Path]) -> ValidationReport:
    return validate_paths(list(case_files.values()))


@pytest.fixture(scope="module")
def jing_report(case_files: dict[str, Path]) -> ValidationReport:
    report = validate_paths(list(case_files.values()), engine="jing")
    if report.exit_status == 2:
        pytest.skip(f"jing engine unavailable: {report.diagnostics[0].message}")
    return report


def found(report: ValidationReport, path: Path) -> set[tuple[str, int]]:
    return {(d.rule, d.line) for d in report.diagnostics if d.file == str(path)}


def test_every_case_has_a_marker() -> None:
    assert all(expected(text) for text in CASES.values())


@pytest.mark.parametrize("name", list(CASES))
def test_invalid_case_reports_its_rule_on_its_line(name: str, case_files: dict[str, Path],
                                                   lxml_report: ValidationReport) -> None:
    diags = [d.format() for d in lxml_report.diagnostics if d.file == str(case_files[name])]
    assert found(lxml_report, case_files[name]) == expected(CASES[name]), diags


@pytest.mark.parametrize("name", ["language-not-declared", "copies-do-not-add-up"])
def test_errors_exit_1_warnings_do_not(name: str, case_files: dict[str, Path],
                                       lxml_report: ValidationReport) -> None:
    assert lxml_report.exit_status == 1
    warned = validate_paths([case_files[name]])
    assert [d.severity for d in warned.diagnostics] == ["warning"]
    assert warned.exit_status == 0
    assert warned.invalid_files == [] and "all valid" in warned.summary()


def test_jing_engine_finds_the_same_problems(case_files: dict[str, Path],
                                             jing_report: ValidationReport) -> None:
    """jing's own messages stand for the schema; content rules are the same."""
    for name, path in case_files.items():
        want = expected(CASES[name])
        got = found(jing_report, path)
        rules_wanted = {(r, n) for r, n in want if not r.startswith("schema")}
        assert rules_wanted <= got, (name, got)
        if any(r.startswith("schema") for r, _ in want):
            assert any(r.startswith("schema") for r, _ in got), (name, got)
    by_case = {name: {d.rule for d in jing_report.diagnostics if d.file == str(p)}
               for name, p in case_files.items()}
    assert "schema-attribute" in by_case["gap-without-reason"]
    assert "schema-text" in by_case["text-directly-in-body"]
    assert "schema-element" in by_case["element-outside-customisation"]


# --- messages -----------------------------------------------------------------------------
def message(report: ValidationReport, files: dict[str, Path], name: str, rule: str) -> str:
    return next(d.message for d in report.diagnostics
                if d.file == str(files[name]) and d.rule == rule)


@pytest.mark.parametrize(("name", "rule", "words"), [
    ("gap-unknown-reason", "schema-attribute",
     "one of: redacted, illegible, omitted, untranslated"),
    ("gap-without-reason", "schema-attribute", "<gap> needs the attribute @reason"),
    ("creation-without-when", "schema-attribute", "<date> needs @when or (@from and @to)"),
    ("element-outside-customisation", "schema-element",
     "<said> is not an element of the tei-edition customisation"),
    ("text-directly-in-body", "schema-text", "put it in a <p> inside a <div>"),
    ("p-after-nested-div", "schema-element", "<p> is allowed in <div>, but not after <div>"),
    ("misplaced-header-element", "schema-element", "expected here: <title>"),
    ("msitem-with-only-locus", "schema-content", "after <locus> expected <title>"),
    ("list-mixes-labelled-items", "schema-element", "expected here: <gap>, <label>"),
    ("not-in-tei-namespace", "schema-element", "must be in the TEI namespace"),
    ("dangling-who", "ref-resolves", 'did you mean "#han"?'),
    ("when-not-iso", "date-iso", '(here: "1962-04-21")'),
    ("copies-do-not-add-up", "copies-total", "add up to 3 copies"),
    ("person-unknown-role", "schema-attribute", "speaker, attendee, interpreter"),
])
def test_messages_say_what_was_expected(name: str, rule: str, words: str,
                                        case_files: dict[str, Path],
                                        lxml_report: ValidationReport) -> None:
    assert words in message(lxml_report, case_files, name, rule)


def test_schema_date_complaint_is_left_to_date_iso(case_files: dict[str, Path],
                                                   lxml_report: ValidationReport) -> None:
    # the schema also rejects "21 April 1962"; one message, the rule's, is enough
    rules = [d.rule for d in lxml_report.diagnostics if d.file == str(case_files["when-not-iso"])]
    assert rules == ["date-iso"]
    alone = validate_paths([case_files["when-not-iso"]], rules=False)
    assert [d.rule for d in alone.diagnostics] == ["schema-attribute"]


def test_columns_point_at_the_start_tag(case_files: dict[str, Path],
                                        lxml_report: ValidationReport) -> None:
    path = case_files["gap-unknown-reason"]
    diag = next(d for d in lxml_report.diagnostics if d.file == str(path))
    line = path.read_text("utf-8").splitlines()[diag.line - 1]
    assert line[diag.col - 1:].startswith('<gap reason="lost"/>')


def test_every_schema_failure_gets_a_specific_explanation() -> None:
    """Random damage to the shape sample: whatever libxml2 rejects, the explainer names."""
    relaxng = etree.RelaxNG(etree.parse(str(schema_file())))
    explainer = Explainer(Grammar.from_file(schema_file()), "the schema")
    rnd = random.Random(7)
    unexplained = []
    for _ in range(150):
        root = etree.fromstring(SHAPE.encode())
        elements = [e for e in root.iter() if isinstance(e.tag, str)][1:]
        victim = rnd.choice(elements)
        kind = rnd.randrange(4)
        if kind == 0:
            victim.addprevious(etree.Element(rnd.choice([victim.tag, "{http://www.tei-c.org/ns/1.0}p",
                                                         "{http://www.tei-c.org/ns/1.0}head"])))
        elif kind == 1:
            victim.getparent().remove(victim)
        elif kind == 2:
            for key in list(victim.attrib) or ["type"]:
                victim.set(key, "no such value!")
        else:
            victim.text = "stray text " + (victim.text or "")
        tree = root.getroottree()
        if not relaxng.validate(tree) and not explainer.explain(tree):
            unexplained.append(f"{kind} {tree.getpath(victim)}: {relaxng.error_log}")
    assert not unexplained, unexplained[:3]


# --- inputs and exit statuses -------------------------------------------------------------
def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.output


def test_valid_file_exits_0_with_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "ok.xml"
    path.write_text(tei_document(), "utf-8")
    status, output = run(str(path))
    assert status == 0
    assert "1 file(s) checked, all valid" in output


def test_folder_validates_its_xml_files_sorted(tmp_path: Path) -> None:
    for name in ("b.xml", "a.xml"):
        (tmp_path / name).write_text(tei_document(), "utf-8")
    (tmp_path / "notes.txt").write_text("not xml", "utf-8")
    report = validate_paths([tmp_path])
    assert report.files == [str(tmp_path / "a.xml"), str(tmp_path / "b.xml")]
    assert report.exit_status == 0


def test_malformed_xml_reports_the_parser_position() -> None:
    path = INVALID / "malformed.xml"
    with pytest.raises(etree.XMLSyntaxError) as parsed:
        etree.parse(str(path))
    status, output = run(str(path))
    line, col = parsed.value.position
    assert status == 1
    assert f"{path}:{line}:{col}: error: [xml-wellformed] not well-formed XML" in output


def test_usage_problems_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "ok.xml"
    good.write_text(tei_document(), "utf-8")
    assert run(str(tmp_path / "missing.xml"))[0] == 2
    assert run(str(tmp_path / "empty-folder-does-not-exist"))[0] == 2
    status, output = run("--schema", str(tmp_path / "none.rng"), str(good))
    assert status == 2 and "[schema-missing]" in output
    status, output = run("--schema", str(schema_file(".rnc")), str(good))
    assert status == 2 and "lxml engine reads the XML form" in output
    bad_schema = tmp_path / "bad.rng"
    bad_schema.write_text("<grammar/>", "utf-8")
    assert run("--schema", str(bad_schema), str(good))[0] == 2


def test_unreadable_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.xml"
    path.write_text(tei_document(), "utf-8")
    real_read, real_open = Path.read_bytes, os.open

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.xml":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    def open_(file: str, flags: int, *args: int, **kw: int) -> int:
        if os.fspath(file).endswith("locked.xml"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kw)

    # root reads files whatever their mode: the read is made to fail, however it is made
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "open", open_)
    report = validate_paths([path])
    assert report.exit_status == 2
    assert report.diagnostics[0].rule == "io"
    assert report.diagnostics[0].message == "Permission denied"


ANYTHING = """<grammar xmlns="http://relaxng.org/ns/structure/1.0">
  <start><ref name="any"/></start>
  <define name="any"><element><anyName/><zeroOrMore><choice>
    <attribute><anyName/></attribute><text/><ref name="any"/>
  </choice></zeroOrMore></element></define>
</grammar>"""


def test_other_schema_is_used(tmp_path: Path) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(tei_document(), "utf-8")
    anything = tmp_path / "anything.rng"
    anything.write_text(ANYTHING, "utf-8")
    assert run("--schema", str(anything), "--no-rules", str(doc))[0] == 0
    only_p = tmp_path / "p.rng"
    only_p.write_text('<element name="p" xmlns="http://relaxng.org/ns/structure/1.0" '
                      'ns="http://www.tei-c.org/ns/1.0"><text/></element>', "utf-8")
    status, output = run("--schema", str(only_p), str(doc))
    assert status == 1
    assert "the document element must be <p>" in output


def test_schema_is_compiled_once_per_run(case_files: dict[str, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import tei_edition.validate as module

    calls = []
    real = etree.RelaxNG

    def counting(*args: object, **kw: object) -> etree.RelaxNG:
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(module.etree, "RelaxNG", counting)
    validate_paths(list(case_files.values())[:5])
    assert len(calls) == 1


def test_no_rules_checks_the_schema_only(case_files: dict[str, Path]) -> None:
    report = validate_paths([case_files["dangling-who"]], rules=False)
    assert report.exit_status == 0


def test_json_format(case_files: dict[str, Path]) -> None:
    status, output = run("--format", "json", str(case_files["gap-unknown-reason"]))
    assert status == 1
    records = json.loads(output)
    assert records[0]["rule"] == "schema-attribute" and records[0]["line"] > 1


def test_missing_java_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(tei_document(), "utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    status, output = run("--engine", "jing", str(doc))
    assert status == 2
    assert "needs Java" in output


def test_jing_schema_error_is_a_usage_error(tmp_path: Path) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(tei_document(), "utf-8")
    broken = tmp_path / "broken.rnc"
    broken.write_text("element TEI { text ", "utf-8")
    report = validate_paths([doc], schema=broken, engine="jing")
    if report.diagnostics and report.diagnostics[0].rule == "engine-missing":
        pytest.skip(report.diagnostics[0].message)
    assert report.exit_status == 2
    assert report.diagnostics[0].rule == "schema-invalid"
    assert "broken.rnc:1:" in report.diagnostics[0].message


# --- hostile XML --------------------------------------------------------------------------
def test_hostile_files_read_nothing_outside_and_exit_1() -> None:
    files = [str(INVALID / name) for name in HOSTILE]
    proc = subprocess.run([*CLI, "validate", *files], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "root:" not in proc.stdout + proc.stderr  # /etc/passwd stays unread
    for name in HOSTILE:
        assert f"{name}:" in proc.stderr
    assert "[xml-doctype]" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe (POSIX)")
def test_external_parameter_entity_is_never_opened(tmp_path: Path) -> None:
    """libxml2 opens an external parameter entity even with load_dtd off: a pipe would hang
    the parser, unless every external resource is refused (xmlio's resolver)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    doc = tmp_path / "pe.xml"
    doc.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE TEI [<!ENTITY % p SYSTEM "file://{pipe}">'
                   " %p;]>\n<TEI/>\n", "utf-8")
    try:
        proc = subprocess.run([*CLI, "validate", str(doc)], capture_output=True, text=True,
                              timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("validate hung reading an external parameter entity")
    assert proc.returncode == 1
    assert "[xml-doctype]" in proc.stderr


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough files for a parallel run: a sample, every 17th one invalid, one not
    well-formed."""
    from tei_edition.validate import PARALLEL_MIN_FILES

    folder = tmp_path_factory.mktemp("many")
    sample, broken = seed_tei(), seed_tei(broken=True)
    for i in range(2 * PARALLEL_MIN_FILES + 5):
        text = broken if i % 17 == 0 else sample
        if i == 50:
            text = text[:len(text) // 2]  # cut off: not well-formed
        (folder / f"d{i:03d}.xml").write_text(text, "utf-8")
    return folder


@pytest.mark.parametrize("how", ["fork", "spawn"])
def test_parallel_run_reports_exactly_what_a_serial_run_does(
        how: str, many_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large run is split over a process pool (forked workers, or fresh ones where
    forking is not safe); the report must not change."""
    import tei_edition.validate as module

    monkeypatch.setattr(module, "_can_fork", lambda: how == "fork")
    validator = module.Validator()
    serial = validator.validate([many_files], jobs=1)
    parallel = validator.validate([many_files], jobs=2)
    assert serial.exit_status == parallel.exit_status == 1
    assert parallel.diagnostics == serial.diagnostics
    assert len({d.file for d in serial.diagnostics}) == 9
    assert any(d.rule == "xml-wellformed" for d in serial.diagnostics)
    if how == "fork":
        three = validator.validate([many_files], jobs=3)
        assert three.diagnostics == serial.diagnostics


def test_cli_jobs_do_not_change_the_report(many_files: Path) -> None:
    """`validate -j 2` prints what `-j 1` prints, in the same order, with the same exit
    status (valid, invalid and not well-formed files in one folder)."""
    runs = [subprocess.run([*CLI, "validate", "--format", "json", "-j", jobs, str(many_files)],
                           capture_output=True, text=True, timeout=120) for jobs in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout
    assert len(json.loads(runs[0].stdout)) >= 9


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux only")
def test_a_worker_that_dies_is_reported_and_its_files_checked(
        many_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (or is killed) takes its chunk with it: the run does not hang,
    says so in a warning, and checks the files it left unreported in the main process, so
    that the report is otherwise the full one."""
    import tei_edition.validate as module

    validator = module.Validator()
    serial = validator.validate([many_files], jobs=1)
    parent, check = os.getpid(), module.Validator.check

    def die(self: module.Validator, files: list[Path]) -> list:
        if os.getpid() != parent:
            os._exit(1)  # a worker dies with the first chunk it takes
        return check(self, files)

    monkeypatch.setattr(module, "_can_fork", lambda: True)
    monkeypatch.setattr(module.Validator, "check", die)
    report = validator.validate([many_files], jobs=2)
    lost = [d for d in report.diagnostics if d.rule == "worker-lost"]
    assert len(lost) == 1 and lost[0].severity == "warning"
    assert [d for d in report.diagnostics if d.rule != "worker-lost"] == serial.diagnostics
    assert report.exit_status == serial.exit_status == 1


def _die_holding_the_queue(chunks: list[list[str]]) -> None:
    """A worker's share that takes the queue's lock and dies with it (a kill at the worst
    moment): pickled by name, so it lives at the top of this module."""
    import tei_edition.validate as module

    assert module._TODO is not None
    module._TODO._rlock.acquire()  # type: ignore[attr-defined]
    os._exit(1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux only")
def test_a_worker_that_dies_holding_the_queue_does_not_hang_the_run(
        many_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tei_edition.validate as module

    validator = module.Validator()
    serial = validator.validate([many_files], jobs=1)
    monkeypatch.setattr(module, "_can_fork", lambda: True)
    monkeypatch.setattr(module, "_take_chunks", _die_holding_the_queue)
    monkeypatch.setattr(module, "_QUEUE_PATIENCE", 0.2)
    report = validator.validate([many_files], jobs=2)
    assert [d.rule for d in report.diagnostics].count("worker-lost") == 1
    assert [d for d in report.diagnostics if d.rule != "worker-lost"] == serial.diagnostics


@pytest.mark.parametrize(("n", "workers"), [(1, 2), (64, 2), (1000, 2), (5000, 8),
                                          (300_000, 2)])
def test_chunks_cover_the_files_in_order_and_fit_the_queue(n: int, workers: int) -> None:
    from tei_edition.validate import _MAX_CHUNKS, _chunks

    files = [Path(f"{i}.xml") for i in range(n)]
    chunks = _chunks(files, workers)
    assert [f for chunk in chunks for f in chunk] == files
    assert len(chunks) <= _MAX_CHUNKS and all(chunks)
    assert len(chunks[-1]) <= len(chunks[0])  # shrinking: the last ones are short


def test_runs_one_after_another_all_fork(many_files: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A run leaves no thread behind (the queue's is joined): the next run may fork too."""
    import tei_edition.validate as module

    contexts: list[str] = []
    real = module._can_fork
    monkeypatch.setattr(module, "_can_fork", lambda: contexts.append(str(real())) or real())
    validator = module.Validator()
    for _ in range(3):
        validator.validate([many_files], jobs=2)
    assert contexts == ["True"] * 3


def _collected_by_path(paths: list) -> list[Path]:
    """collect_files as first written, with Path's own tests: the reference."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.xml") if p.is_file())
            if not found:
                raise ValueError(f"empty folder {path}")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise ValueError(f"missing {path}")
    return list(dict.fromkeys(files))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symbolic links and a pipe (POSIX)")
def test_files_are_collected_as_path_would_collect_them(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder named with many of its files is listed once instead of a stat per file; what
    is collected, and in which order, is what Path's tests give."""
    from tei_edition.validate import _LISTED_FROM, UsageError, collect_files

    many = [tmp_path / f"f{i:02d}.xml" for i in range(_LISTED_FROM + 4)]
    for path in [*many, tmp_path / ".xml", tmp_path / ".hidden.xml", tmp_path / "up.XML"]:
        path.write_text("<TEI/>", "utf-8")
    (tmp_path / "sub.xml").mkdir()
    (tmp_path / "sub.xml" / "in.xml").write_text("<TEI/>", "utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "link.xml").symlink_to(many[1])
    (tmp_path / "to-folder.xml").symlink_to(tmp_path / "sub.xml")
    (tmp_path / "dangling.xml").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop.xml").symlink_to(tmp_path / "loop.xml")
    os.mkfifo(tmp_path / "pipe.xml")
    monkeypatch.chdir(tmp_path)
    cases = [[tmp_path], [str(tmp_path)], many, [str(p) for p in many[::-1]],
             [*many, tmp_path / "link.xml", tmp_path / "to-folder.xml", tmp_path / "pipe.xml"],
             [*many, tmp_path / "sub.xml", *many[:3], tmp_path, f"{tmp_path}//f01.xml",
              f"{tmp_path}/sub.xml/../f02.xml", "f03.xml", "./f04.xml", "."],
             [*many, tmp_path / "dangling.xml"], [*many, tmp_path / "loop.xml"],
             [*many, tmp_path / "missing.xml"], [*many, tmp_path / "empty"]]
    for paths in cases:
        try:
            expected: list[Path] | str = _collected_by_path(paths)
        except ValueError:
            expected = "usage error"
        try:
            found: list[Path] | str = collect_files(paths)
        except UsageError:
            found = "usage error"
        assert found == expected, paths


def test_a_parsed_tree_is_checked_as_its_file_is(tmp_path: Path) -> None:
    """check_tree (the build's way, on the tree it renders) reports what validate does."""
    from tei_edition.validate import Validator
    from tei_edition.xmlio import parse_file

    sample = seed_tei()
    variants = [sample, seed_tei(broken=True),
                sample.replace('who="#', 'who="#nobody #'),
                sample.replace("<sp ", '<sp xml:id="twice" ', 2)]
    validator = Validator()
    for i, text in enumerate(variants):
        path = tmp_path / f"v{i}.xml"
        path.write_text(text, "utf-8")
        expected = validator.validate([path]).diagnostics
        assert validator.check_tree(path, parse_file(path)) == expected
        assert bool(expected) == (i > 0)


def test_a_wrong_attribute_value_is_reported_once_and_placed(tmp_path: Path) -> None:
    """libxml2 also says "Element gap failed to validate attributes" with no place: the
    placed explanation stands alone."""
    path = tmp_path / "lost.xml"
    path.write_text(seed_tei(broken=True), "utf-8")
    (diag,) = validate_paths([path]).diagnostics
    assert diag.rule == "schema-attribute" and diag.line > 0 and diag.col > 0
    assert '@reason="lost"' in diag.message

"""The structural lint: each rule warns on a misread shape, at the source line where it
starts, and stays silent on the right one."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, parse
from lxml import etree

from docs import NS, convert, export
from tei_edition.cli import cli
from tei_edition.lint import Limits, lint, lint_diagnostics

T = f"{{{NS['t']}}}"
#: Converted right today, and every shape the lint knows: turns, a preamble, a distribution
#: list with a stated total, endorsements, an embedded letter, a letter, a journal.
RIGHT = ["wcda-119000", "wcda-116538", "syn-01-gao-ri-trade-talks",
         "syn-03-tanasoiu-kang-red-cross-talks", "syn-04-ciphered-telegram-lagunov",
         "syn-06-letter-kerteszfalvi-students", "syn-07-polish-embassy-hanoi-report",
         "syn-09-journal-belokurov"]


def rules(root: etree._Element) -> list[str]:
    """The lint rules that fire (without the stated-total check: the tests below add
    recipients to lists whose totals then differ)."""
    return [s.rule for s in lint(root, totals=False)]


def source(name: str) -> str:
    return (CORPUS / f"{name}.txt").read_text("utf-8")


def line_of(text: str, start: str) -> int:
    """The 1-based line of the source that starts with `start`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def seed(converted: Path, name: str = "wcda-119000") -> etree._Element:
    return parse(converted / f"{name}.xml").getroot()


@pytest.mark.parametrize("name", RIGHT)
def test_right_conversions_do_not_warn(name: str, converted: Path) -> None:
    assert lint_diagnostics(seed(converted, name), source(name), f"{name}.txt") == []


# --- lint-distribution-prose --------------------------------------------------------------
def test_turn_swallowed_by_the_distribution_list(converted: Path) -> None:
    root = seed(converted)
    last = root.findall(".//t:body/t:div/t:sp", NS)[-1]
    root.find(".//t:div[@type='distribution']", NS).insert(0, last)  # word order kept
    (diag,) = lint_diagnostics(root, source("wcda-119000"), "wcda-119000.txt")
    assert diag.rule == "lint-distribution-prose" and "1 turn(s)" in diag.message
    label = "".join(last.find("t:speaker", NS).itertext())
    assert diag.line == max(n for n, line in enumerate(source("wcda-119000").splitlines(), 1)
                            if line.startswith(f"{label}:"))
    assert diag.file == "wcda-119000.txt" and diag.severity == "warning"


def test_prose_items_in_the_distribution_list(converted: Path) -> None:
    root = seed(converted)
    lst = root.find(".//t:list[@type='distribution']", NS)
    etree.SubElement(lst, f"{T}item").text = ("and the comrades said that the delivery of the rice "
                                             "would have to wait until the next season")
    assert rules(root) == ["lint-distribution-prose"]


def test_long_recipients_are_not_prose(converted: Path) -> None:
    root = seed(converted)
    lst = root.find(".//t:list[@type='distribution']", NS)
    etree.SubElement(lst, f"{T}item", n="2").text = (
        "Deputy Chairman of the Council of Ministers of the USSR Comrade V. M. Molotov (2)")
    etree.SubElement(lst, f"{T}item").text = "to file"
    assert rules(root) == []


# --- lint-floating-body -------------------------------------------------------------------
def wrap_in_letter(elements: list[etree._Element]) -> None:
    floating = etree.Element(f"{T}floatingText", type="letter")
    elements[0].addprevious(floating)
    div = etree.SubElement(etree.SubElement(floating, f"{T}body"), f"{T}div", type="letter")
    for el in elements:
        div.append(el)


def test_letter_holding_most_of_the_body(converted: Path) -> None:
    root = seed(converted, "syn-07-polish-embassy-hanoi-report")
    main = root.find(".//t:body/t:div", NS)
    wrap_in_letter([el for el in main if el.tag == f"{T}div"][1:])  # three of four sections
    assert rules(root) == ["lint-floating-body"]


def test_embedded_letter_of_a_conversation_is_fine(converted: Path) -> None:
    root = seed(converted, "syn-03-tanasoiu-kang-red-cross-talks")
    assert root.find(".//t:floatingText", NS) is not None and rules(root) == []


# --- lint-no-participants -----------------------------------------------------------------
def test_conversation_without_participants(converted: Path) -> None:
    root = seed(converted)
    partic = root.find(".//t:particDesc", NS)
    partic.getparent().remove(partic)
    (diag,) = lint_diagnostics(root, source("wcda-119000"), "wcda-119000.txt")
    assert diag.rule == "lint-no-participants" and "36 turn(s)" in diag.message
    assert diag.line == line_of(source("wcda-119000"), "Record of Chairman Liu Shaoqi")


def test_minutes_without_turns_or_participants_from_the_source() -> None:
    root, diags = convert("The two sides talked for an hour about the railway and the rice.",
                          title="Record of a Conversation between Two Delegations")
    assert root.find(".//t:body/t:div", NS).get("type") == "minutes"
    assert [d.rule for d in diags] == ["lint-no-participants"]


def test_a_telegram_needs_no_participants(converted: Path) -> None:
    root = seed(converted, "syn-04-ciphered-telegram-lagunov")
    assert root.find(".//t:person", NS) is None and rules(root) == []


# --- lint-label-lines ---------------------------------------------------------------------
def turns_as_paragraphs(root: etree._Element) -> None:
    """Every turn undone into "Label: text" paragraphs, as a reader that missed them would."""
    for sp in root.findall(".//t:sp", NS):
        speaker = sp.find("t:speaker", NS)
        first = sp.find("t:p", NS)
        first.text = f"{''.join(speaker.itertext())}: {first.text or ''}"
        for child in sp:
            if child is not speaker:
                sp.addprevious(child)
        sp.getparent().remove(sp)


def test_label_shaped_lines_without_turns(converted: Path) -> None:
    root = seed(converted)
    turns_as_paragraphs(root)
    partic = root.find(".//t:particDesc", NS)
    partic.getparent().remove(partic)
    diags = lint_diagnostics(root, source("wcda-119000"), "wcda-119000.txt")
    (diag,) = [d for d in diags if d.rule == "lint-label-lines"]
    assert "'Han:'" in diag.message and "'Liu:'" in diag.message
    assert diag.line == line_of(source("wcda-119000"), "Liu:")


def test_flattened_labels_inside_running_lines() -> None:
    body = ("The talks began at ten and went on\nfor an hour in the hall. Pak: We agree on "
            "the rice.\nChen: Good. Pak: Yes, we do.\nChen: Then it is settled.")
    _, diags = convert(body, title="Telegram from Pyongyang")
    (diag,) = [d for d in diags if d.rule == "lint-label-lines"]
    assert "4 label-shaped lines ('Pak:', 'Chen:')" in diag.message
    # the first label stands inside the paragraph's second line
    assert diag.line == line_of(export(body, title="Telegram from Pyongyang"), "for an hour")


def test_one_label_repeated_is_prose(converted: Path) -> None:
    root = seed(converted, "syn-07-polish-embassy-hanoi-report")
    main = root.find(".//t:body/t:div", NS)
    for k in range(4):
        etree.SubElement(main, f"{T}p").text = f"Note: point {k} of the report is still open."
    assert rules(root) == []


def test_run_in_headings_of_a_report_are_prose(converted: Path) -> None:
    root = seed(converted, "syn-07-polish-embassy-hanoi-report")
    main = root.find(".//t:body/t:div", NS)
    for head in ["Economic situation", "Political situation", "Military matters"]:
        etree.SubElement(main, f"{T}p").text = (
            f"{head}: the delegation reported that the delivery of rice and coal on the "
            "railway had improved since the spring.")
    assert rules(root) == []


def test_form_fields_left_as_paragraphs(converted: Path) -> None:
    root = seed(converted, "syn-07-polish-embassy-hanoi-report")
    main = root.find(".//t:body/t:div", NS)
    for field in ["Approved: Kowalski", "Typed by: MN", "Copy no.: 3"]:
        etree.SubElement(main, f"{T}p").text = field
    assert rules(root) == ["lint-label-lines"]


def test_labels_count_only_without_turns(converted: Path) -> None:
    root = seed(converted)
    main = root.find(".//t:body/t:div", NS)
    for who in ["Chen", "Pak", "Chen"]:
        etree.SubElement(main, f"{T}p").text = f"{who}: that is all."
    assert rules(root) == []  # a document with turns: the reader chose, and said so


# --- lint-single-paragraph ----------------------------------------------------------------
def long_body(words: int) -> str:
    sentence = "the delegation discussed the delivery of rice and coal on the railway"
    n = len(sentence.split())
    return (" ".join([sentence] * (words // n + 1))).capitalize() + "."


def test_long_body_in_one_paragraph() -> None:
    text = export(long_body(320), title="Telegram from Pyongyang")
    _, diags = convert(long_body(320), title="Telegram from Pyongyang")
    (diag,) = [d for d in diags if d.rule == "lint-single-paragraph"]
    assert diag.line == line_of(text, "The delegation discussed")
    assert "one paragraph of" in diag.message and "holds 100% of the body" in diag.message


def test_long_paragraph_among_others_and_short_body() -> None:
    other = "\n\n".join(long_body(40) for _ in range(4))
    assert "lint-single-paragraph" not in rules(convert(f"{long_body(320)}\n\n{other}",
                                                        title="Telegram from Pyongyang")[0])
    assert "lint-single-paragraph" not in rules(convert(long_body(250),
                                                        title="Telegram from Pyongyang")[0])


def test_thresholds_are_parameters(converted: Path) -> None:
    root = seed(converted, "syn-06-letter-kerteszfalvi-students")
    assert rules(root) == []
    strict = Limits(long_paragraph_words=10, long_paragraph_share=0.1)
    assert [s.rule for s in lint(root, strict)] == ["lint-single-paragraph"]


# --- where the warnings come out ----------------------------------------------------------
def test_without_the_source_the_tei_line_is_given(converted: Path, tmp_path: Path) -> None:
    root = seed(converted)
    root.find(".//t:div[@type='distribution']", NS).insert(
        0, copy.deepcopy(root.findall(".//t:sp", NS)[-1]))
    path = tmp_path / "x.xml"
    path.write_bytes(etree.tostring(root))
    reread = parse(path).getroot()
    (diag,) = lint_diagnostics(reread, None, "x.txt", str(path))
    assert diag.file == str(path) and diag.line == reread.find(
        ".//t:div[@type='distribution']/t:sp", NS).sourceline


def test_convert_and_check_report_the_lint(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    src = tmp_path / "sources" / "flat.txt"
    src.write_text(export(long_body(320), title="Telegram from Pyongyang"), "utf-8")
    line = line_of(src.read_text("utf-8"), "The delegation discussed")
    runner = CliRunner()
    result = runner.invoke(cli, ["convert", str(src), "-o", str(tmp_path / "converted")])
    assert result.exit_code == 0
    assert f"{src}:{line}:1: warning: [lint-single-paragraph]" in result.output
    assert runner.invoke(cli, ["build", str(tmp_path)]).exit_code == 0
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{src}:{line}:1: warning: [lint-single-paragraph]" in result.output
    assert f"(TEI {tmp_path / 'encoded' / 'flat.xml'}:" in result.output
    result = runner.invoke(cli, ["convert", "--strict", str(src), "-o", str(tmp_path / "b")])
    assert result.exit_code == 1 and "error: [lint-single-paragraph]" in result.output


def test_check_is_silent_on_right_files(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    for name in RIGHT[:3]:
        shutil.copyfile(CORPUS / f"{name}.txt", tmp_path / "sources" / f"{name}.txt")
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(tmp_path)]).exit_code == 0
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0 and "lint-" not in result.output


# --- a stated total that differs from the listed copies -----------------------------------
DISCREPANT = ("Chen Yi: We agree.\n\nPak Il-u: So do we.\n\nChen Yi: Good.\n\n"
              "CC: Liu Shaoqi, Zhou Enlai, Foreign Ministry (2), 5 copies in total")


def test_convert_reports_a_differing_total_and_keeps_it(tmp_path: Path) -> None:
    root, diags = convert(DISCREPANT)
    (diag,) = [d for d in diags if d.rule == "copies-total"]
    assert diag.severity == "warning"
    assert "stated total is 5 copies" in diag.message and "add up to 4 copies" in diag.message
    assert diag.line == line_of(export(DISCREPANT), "CC:")
    assert root.xpath("//t:measure[@type='copies']/@quantity", namespaces=NS) == ["5"]
    assert convert(DISCREPANT.replace("5 copies", "4 copies"))[1] == []


def test_build_and_check_report_a_differing_total_once_and_pass(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "cc.txt").write_text(export(DISCREPANT), "utf-8")
    runner = CliRunner()
    for command in ("build", "check"):
        result = runner.invoke(cli, [command, str(tmp_path)])
        assert result.exit_code == 0, result.output
        # once, from the validator, for the TEI file (not again from the lint)
        warned = [line for line in result.output.splitlines() if "[copies-total]" in line]
        assert [line.split(":")[0] for line in warned
                if "sources" in line or line.startswith(str(tmp_path / "encoded" / "cc.xml"))
                ] == [str(tmp_path / "encoded" / "cc.xml")], result.output

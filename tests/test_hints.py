"""Hints: misreads of the rules corrected in a file beside the source, and the errors a
wrong hints file gives. Each misread is shown without its hint, then corrected with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from docs import export, speakers, xp
from tei_edition.cli import cli
from tei_edition.convert import convert_text
from tei_edition.readers.hints import HintsError, parse_hints

PREAMBLE = "Present: Premier Zhou Enlai; Ambassador Pak Il-u\n\n"


def _line(source: str, text: str) -> int:
    """The source line that starts with `text`."""
    return next(n for n, line in enumerate(source.split("\n"), 1) if line.startswith(text))


def read(body: str, hints: str = "", **kw: str) -> etree._Element:
    source = export(body, **kw)
    hints = hints.replace("{", "{{").replace("}", "}}")  # no format fields in TOML
    lines = {t: _line(source, t) for t in _quoted_lines(hints)}
    parsed = parse_hints(_with_lines(hints, lines), "test.hints.toml") if hints else None
    _, data, _ = convert_text(source, "test", "test.txt", hints=parsed)
    return etree.fromstring(data)


def _quoted_lines(hints: str) -> list[str]:
    """`@Text` placeholders in a hints text: the line of the source that starts with it."""
    return [part.split("@", 1)[1].split("|", 1)[0] for part in hints.split('"') if part.startswith("@")]


def _with_lines(hints: str, lines: dict[str, int]) -> str:
    for text, n in lines.items():
        hints = hints.replace(f'"@{text}|', f'"{n}').replace(f'"@{text}"', f'"{n}"')
    return hints.replace("{{", "{").replace("}}", "}")


def test_a_heading_with_a_colon_opens_no_letter() -> None:
    body = ("The delegation visited the commune on 3 May.\n\nComments of the County Committee:\n\n"
            "The harvest was better than we feared and the granaries are full.\n\n"
            "The visitors then asked about the wages of the brigade members.")
    kw = {"title": "Report on a Visit to a People's Commune"}
    assert xp(read(body, **kw), "//t:floatingText")  # misread: a letter that is none
    fixed = read(body, '[blocks]\n"@Comments of the County" = "heading"\n', **kw)
    assert xp(fixed, "//t:floatingText") == []
    assert xp(fixed, "//t:head[.='Comments of the County Committee:']")
    assert "granaries are full" in xp(fixed, "string(//t:body)")


def test_label_in_another_romanisation_names_the_listed_person() -> None:
    body = PREAMBLE + "PM Chou: Welcome.\n\nPak Il-u: Thank you.\n\nPM Chou: Please sit down."
    assert speakers(read(body))[0][0] != "#zhou-enlai"  # misread: a second Zhou
    fixed = read(body, '[speakers]\n"PM Chou" = "zhou-enlai"\n')
    assert [w for w, _ in speakers(fixed)] == ["#zhou-enlai", "#pak-ilu", "#zhou-enlai"]
    assert len(xp(fixed, "//t:person")) == 2


def test_a_recurring_note_label_is_no_speaker() -> None:
    body = (PREAMBLE + "Zhou Enlai: Welcome.\n\nNote: the figures were corrected later.\n\n"
            "Pak Il-u: Thank you.\n\nNote: this passage was not translated.")
    assert "Note" in [s for _, s in speakers(read(body))]  # misread
    fixed = read(body, '[speakers]\n"Note" = false\n')
    assert [s for _, s in speakers(fixed)] == ["Zhou Enlai", "Pak Il-u"]
    assert "figures were corrected" in xp(fixed, "string(//t:sp[1])")


def test_bracket_meaning_by_its_exact_text() -> None:
    body = PREAMBLE + "Zhou Enlai: We agree. [Tape ends]\n\nPak Il-u: Thank you."
    assert xp(read(body), "//t:supplied[.='Tape ends']")  # misread: supplied words
    fixed = read(body, '[brackets]\n"[Tape ends]" = "note-physical"\n')
    assert xp(fixed, "//t:note[@type='physical'][.='Tape ends']")
    assert xp(fixed, "//t:supplied") == []


def test_unrecognised_distribution_list() -> None:
    body = (PREAMBLE + "Zhou Enlai: Welcome.\n\nPak Il-u: Thank you.\n\nZhou Enlai: Good.\n\n"
            "Send to: Chairman, Premier, Foreign Ministry (3), file")
    assert xp(read(body), "//t:list[@type='distribution']") == []  # misread: a paragraph
    fixed = read(body, '[blocks]\n"@Send to" = "distribution"\n')
    assert len(xp(fixed, "//t:list[@type='distribution']/t:item")) == 4
    assert xp(fixed, "//t:list[@type='distribution']/t:item/@n") == ["3"]


def test_unrecognised_participants_line() -> None:
    body = ("On our part: Director Li Qiang; Secretary Wu Hao\n\n"
            "Li Qiang: Welcome.\n\nPak Il-u: Thank you.\n\nWu Hao: Please.")
    root = read(body)
    assert xp(root, "//t:list[@type='participants']") == []  # misread
    fixed = read(body, '[blocks]\n"@On our part" = "participants"\n')
    assert xp(fixed, "//t:list[@type='participants']/t:item/t:label/text()") == ["On our part:"]
    assert {"li-qiang", "wu-hao"} <= set(xp(fixed, "//t:person/@xml:id"))
    assert xp(fixed, "//t:person[@xml:id='wu-hao']/@role") == ["speaker"]


def test_unrecognised_heading() -> None:
    body = (PREAMBLE + "Zhou Enlai: Welcome.\n\nPak Il-u: Thank you.\n\nSecond session\n\n"
            "Zhou Enlai: Let us go on.")
    assert xp(read(body), "//t:head[.='Second session']") == []  # misread: a paragraph
    fixed = read(body, '[blocks]\n"@Second session" = "heading"\n')
    assert xp(fixed, "//t:head[.='Second session']")


def test_unrecognised_signature_block() -> None:
    body = ("The delegation visited three factories and two schools in the province.\n\n"
            "Signed on behalf of the Third Department by its director.")
    kw = {"title": "Report on the Visit of the Delegation"}
    assert xp(read(body, **kw), "//t:closer") == []  # misread: a paragraph
    fixed = read(body, '[blocks]\n"@Signed on behalf" = "closer"\n', **kw)
    assert xp(fixed, "string(//t:closer/t:signed)") == \
        "Signed on behalf of the Third Department by its director."


def test_document_kind_date_and_language() -> None:
    body = PREAMBLE + "Zhou Enlai: Welcome.\n\nPak Il-u: Thank you.\n\nZhou Enlai: Good."
    kw = {"title": "Notes of a Talk with Ambassador Pak Il-u", "language": "Old Uyghur"}
    root = read(body, **kw)
    assert xp(root, "//t:body/t:div/@type") == ["memorandum"]  # misread: "Notes"
    fixed = read(body, '[document]\nkind = "minutes"\ndate = "1960-05-05"\nlanguage = "ug"\n', **kw)
    assert xp(fixed, "//t:body/t:div/@type") == ["minutes"]
    assert xp(fixed, "//t:creation/t:date/@when") == ["1960-05-05"]
    assert "ug" in xp(fixed, "//t:langUsage/t:language/@ident")


def test_a_bracket_hinted_as_text_stays_text_and_is_not_reported() -> None:
    body = PREAMBLE + "Zhou Enlai: The line [as agreed] holds.\n\nPak Il-u: Good."
    assert xp(read(body), "//t:supplied[.='as agreed']")  # the rule: supplied words
    _, data, diags = convert_text(export(body), "t", "t.txt",
                                  hints=parse_hints('[brackets]\n"[as agreed]" = "text"\n', "h.toml"))
    root = etree.fromstring(data)
    assert xp(root, "//t:supplied") == []
    assert "The line [as agreed] holds." in xp(root, "string(//t:sp[1]/t:p)")
    assert "kept-as-text" not in [d.rule for d in diags]


def test_hints_are_recorded_in_the_tei() -> None:
    body = PREAMBLE + "PM Chou: Welcome.\n\nPak Il-u: Thank you."
    root = read(body, '[speakers]\n"PM Chou" = "zhou-enlai"\n')
    assert len(xp(root, "//t:revisionDesc/t:change[@type='hints']/t:idno[@type='hints-sha256']")) == 1
    assert xp(read(body), "//t:change[@type='hints']") == []


# ------------------------------------------------------------------ bad hints files

BAD = [
    ('[speakers\n"A" = "b"\n', 1, "TOML syntax"),
    ('[document]\nkind = "minutes"\nauthor = "x"\n', 3, "unknown key 'author'"),
    ('[colours]\nred = 1\n', 1, "unknown key 'colours'"),
    ('[blocks]\n"9000" = "text"\n', 2, "the source has only"),
    ('[blocks]\n"25-26" = "heading"\n', 2, "cut through the paragraph"),
    ('[blocks]\n"23" = "poem"\n', 2, "expected one of"),
    ('\n[speakers]\n"PM Chou" = "nobody-here"\n', 3, "no person of the document"),
    ('[brackets]\n"Tape ends" = "stage"\n', 2, "write the bracket as in the source"),
    ('[document]\ndate = "May 1960"\n', 2, "expected YYYY"),
]


@pytest.mark.parametrize(("hints", "line", "message"), BAD)
def test_bad_hints_file(tmp_path: Path, hints: str, line: int, message: str) -> None:
    body = (PREAMBLE + "PM Chou: Welcome, comrade ambassador, to the capital.\nIt is cold.  \n"
            "Warm tea is ready.\n\nPak Il-u: Thank you.")
    src = tmp_path / "doc.txt"
    src.write_text(export(body), "utf-8")
    (tmp_path / "doc.hints.toml").write_text(hints, "utf-8")
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    first = [ln for ln in result.output.splitlines() if ": error: [hints]" in ln]
    assert first and first[0].startswith(f"{tmp_path / 'doc.hints.toml'}:{line}:1: error: [hints]"), \
        result.output
    assert message in first[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "doc.xml").exists()


def test_edition_hints_in_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "tei-edition.toml").write_text(
        '[edition]\npublisher = "P"\n\n[hints.speakers]\n"PM Chou" = "zhou-enlai"\n', "utf-8")
    (tmp_path / "sources").mkdir()
    src = tmp_path / "sources" / "doc.txt"
    src.write_text(export(PREAMBLE + "PM Chou: Welcome.\n\nPak Il-u: Thanks."), "utf-8")
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    root = etree.parse(str(tmp_path / "out" / "doc.xml")).getroot()
    assert speakers(root)[0][0] == "#zhou-enlai"


def test_bad_edition_hints_are_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "tei-edition.toml").write_text('[hints.blocks]\n"3" = "text"\n', "utf-8")
    with pytest.raises(HintsError):
        parse_hints((tmp_path / "tei-edition.toml").read_text(), "x", edition=True)

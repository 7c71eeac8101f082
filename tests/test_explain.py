"""`explain`: the document as the reader saw it, for every development document."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, corpus_names, parse

from tei_edition.cli import cli
from tei_edition.explain import explain_source, suggested_hint
from tei_edition.readers.hints import parse_hints
from tei_edition.readers.wcda import read_header_blocks


def _body_lines(src: Path) -> set[int]:
    """The numbers of the body's non-blank lines."""
    lines = src.read_text("utf-8").split("\n")
    start = read_header_blocks(lines).body_start
    return {n for n, line in enumerate(lines, 1) if n > start and line.strip()}


@pytest.mark.parametrize("name", corpus_names())
def test_blocks_cover_the_body_once(name: str) -> None:
    src = CORPUS / f"{name}.txt"
    ex = explain_source(src)
    blocks = sorted(ex.of("block"), key=lambda d: (d.first, d.last))
    covered: list[int] = [n for d in blocks for n in range(d.first, d.last + 1)]
    body = _body_lines(src)
    assert body - set(covered) == set(), "lines no block claims"
    flattened = any(d.rule == "layout-flattened" for d in ex.diagnostics)
    for a, b in itertools.pairwise(blocks):
        # Pieces of a flattened line share that line; nothing else overlaps.
        assert b.first > a.last or (flattened and b.first == a.last), (a, b)


@pytest.mark.parametrize("name", corpus_names())
def test_every_turn_has_its_speaker_decision(name: str, converted: Path) -> None:
    ex = explain_source(CORPUS / f"{name}.txt")
    tei = parse(converted / f"{name}.xml")
    whos = [w.lstrip("#") for w in tei.xpath("//t:sp/@who",
                                             namespaces={"t": "http://www.tei-c.org/ns/1.0"})]
    decided = [d.kind for d in ex.of("speaker") if d.kind != "no speaker"]
    assert decided == whos


def test_json_output_and_hint_lines_parse(tmp_path: Path) -> None:
    src = CORPUS / "syn-15-minutes-lin-pak-fertilizer.txt"
    result = CliRunner().invoke(cli, ["explain", str(src), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"blocks", "speakers", "brackets", "lint"} <= set(data)
    first = next(b for b in data["speakers"] if b["kind"] != "no speaker")
    assert first["why"] and first["rule"] == "resolve"
    # Every suggested hint is a TOML line that the hints parser accepts under its table.
    for table, rows in (("blocks", data["blocks"]), ("speakers", data["speakers"]),
                        ("brackets", data["brackets"])):
        for row in rows:
            line = row["hint"].split("  #")[0]
            if "PERSON-ID" in line:
                continue
            parse_hints(f"[{table}]\n{line}\n", "x.hints.toml")


def test_text_output_reads_top_to_bottom() -> None:
    src = CORPUS / "syn-17-south-north-talks-yun-pak.txt"
    result = CliRunner().invoke(cli, ["explain", str(src)])
    assert result.exit_code == 0
    out = result.output
    assert out.index("Blocks") < out.index("Speaker labels") < out.index("Brackets")
    assert "'North (PAK)' -> pak-songil (side and name:" in out
    assert 'hint: "North (PAK)" = false' in out


def test_explain_shows_the_hints_it_used(tmp_path: Path) -> None:
    src = tmp_path / "doc.txt"
    src.write_text((CORPUS / "syn-16-memcon-kwan-harwell-communique.txt").read_text("utf-8"))
    (tmp_path / "doc.hints.toml").write_text('[brackets]\n"[Laughter]" = "text"\n')
    ex = explain_source(src)
    assert ex.hints == str(tmp_path / "doc.hints.toml")
    laughter = [d for d in ex.of("bracket") if d.text == "[Laughter]"]
    assert laughter and all(d.rule == "hint" and d.kind == "text" for d in laughter)
    assert suggested_hint(laughter[0]) == '"[Laughter]" = "supplied"'


def test_explain_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("no export layout here\n")
    result = CliRunner().invoke(cli, ["explain", str(bad)])
    assert result.exit_code == 1 and "error:" in result.output


def test_explain_lists_the_lint_findings(tmp_path: Path) -> None:
    """A body misread as one long run of label lines: the lint's finding is in explain."""
    from docs import export

    body = "\n\n".join(f"Comrade Worker {k}: said the plan was fulfilled." for k in range(2)) + (
        "\n\nDistribution: " + ", ".join(f"Office {k}" for k in range(4)) + "\n\n"
        + "The staff of the embassy then visited the factory and spoke with the workers there "
        "for a long time about the norms and the wages of the past year.")
    src = tmp_path / "doc.txt"
    src.write_text(export(body, title="Report on the Factory Visit"), "utf-8")
    (tmp_path / "doc.hints.toml").write_text(
        '[blocks]\n"27-29" = "distribution"\n', "utf-8")
    out = CliRunner().invoke(cli, ["explain", str(src)]).output
    assert "[lint-distribution-prose]" in out

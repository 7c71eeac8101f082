"""`tei-edition explain SOURCE`: the document as the reader saw it.

Every block with its lines, the kind it became and the rule that claimed it; every speaker
label and the person it became, and why; every bracket and parenthesis and its meaning;
the structural lint's findings. Each decision comes with the hints line that would change
it, ready to paste into NAME.hints.toml (docs/hints.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import Config
from .convert import convert_loaded
from .diagnostics import Diagnostic
from .model import Decision
from .readers import reader_for
from .readers.hints import BLOCK_KINDS, hints_path, load_hints, toml_key

_TABLES = {"block": "blocks", "speaker": "speakers", "bracket": "brackets"}


@dataclass
class Explanation:
    """What `explain` shows for one source."""

    source: str
    hints: str | None
    decisions: list[Decision]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def of(self, topic: str) -> list[Decision]:
        return [d for d in self.decisions if d.topic == topic]


def explain_source(src: Path, config: Config | None = None, encoding: str | None = None,
                   ) -> Explanation:
    """Read SOURCE (with its hints) through the reader's public API and collect what it
    decided, with its warnings and the structural lint's findings (convert_loaded runs
    the lint); raises SourceError, ReaderError or HintsError like `convert`."""
    config = config or Config()
    reader = reader_for(src)
    loaded = reader.load(src, encoding)
    hints = load_hints(src, config.hints)
    doc, _, diags = convert_loaded(reader, loaded, src.stem, src.name, config, hints=hints)
    used = str(hints_path(src)) if hints_path(src).exists() else None
    return Explanation(str(src), used, _unique(doc.decisions), diags)


def _unique(decisions: list[Decision]) -> list[Decision]:
    """A bracket inside a label is parsed when the label is judged and again when the turn
    is built: one decision each."""
    seen: set[tuple] = set()
    out = []
    for d in decisions:
        key = (d.topic, d.first, d.col, d.text)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def suggested_hint(d: Decision) -> str:
    """The hints line (under the table of its topic) that would change this decision."""
    if d.topic == "block":
        key = f"{d.first}" if d.first == d.last else f"{d.first}-{d.last}"
        other = "text" if d.kind != "text" else "heading"
        return f'"{key}" = "{other}"  # kinds: {", ".join(BLOCK_KINDS)}'
    if d.topic == "speaker":
        label = toml_key(d.text)
        if d.kind == "no speaker":
            return f'{label} = "PERSON-ID"  # a person of the document or the registry'
        return f"{label} = false  # not a speaker; or another person's id"
    other = "text" if d.kind != "text" else "supplied"
    return f'{toml_key(d.text)} = "{other}"'


def render_text(ex: Explanation) -> str:
    """A report to read top to bottom beside the source."""
    out = [f"{ex.source}: as the reader saw it"
           + (f" (with the hints in {ex.hints})" if ex.hints else "")]
    for topic, title in (("block", "Blocks"), ("speaker", "Speaker labels"),
                         ("bracket", "Brackets and parentheses")):
        rows = ex.of(topic)
        out.append("")
        out.append(f"{title} ({len(rows)}); a hint to change one goes under "
                   f"[{_TABLES[topic]}] in {Path(ex.source).stem}.hints.toml:")
        for d, lines in _grouped(rows) if topic == "speaker" else ((d, []) for d in rows):
            out.extend(_row(d, lines))
    out.append("")
    findings = [d for d in ex.diagnostics if d.severity in ("warning", "error")]
    out.append(f"Warnings and lint ({len(findings)}):")
    out.extend(f"  {d.format()}" for d in findings)
    return "\n".join(out)


def _grouped(rows: list[Decision]) -> list[tuple[Decision, list[int]]]:
    """A label that recurs on every turn, said once with the lines it stands on."""
    groups: dict[tuple[str, str, str], tuple[Decision, list[int]]] = {}
    for d in rows:
        groups.setdefault((d.text, d.kind, d.rule), (d, []))[1].append(d.first)
    return list(groups.values())


def _row(d: Decision, lines: list[int] | None = None) -> list[str]:
    where = f"{d.first}" if d.first == d.last else f"{d.first}-{d.last}"
    if lines and len(lines) > 1:
        where = ", ".join(map(str, lines[:6])) + (", …" if len(lines) > 6 else "")
    if d.topic == "bracket":
        where += f":{d.col}"
    why = f" ({d.why})" if d.why else ""
    if d.topic == "speaker":
        head = f"  line {where:<9} {d.text!r} -> {d.kind}{why} [{d.rule}]"
    elif d.topic == "bracket":
        head = f"  line {where:<9} {d.text[:60]!r} -> {d.kind} [{d.rule}]"
    else:
        head = f"  lines {where:<9} {d.kind:<13} [{d.rule}{why}]  {d.text[:50]!r}"
    return [head, f"      hint: {suggested_hint(d)}"]


def render_json(ex: Explanation) -> str:
    """The same, for programs."""
    def rows(topic: str) -> list[dict]:
        return [{**asdict(d), "hint": suggested_hint(d)} for d in ex.of(topic)]
    return json.dumps({
        "source": ex.source, "hints": ex.hints, "blocks": rows("block"),
        "speakers": rows("speaker"), "brackets": rows("bracket"),
        "lint": [asdict(d) for d in ex.diagnostics],
    }, ensure_ascii=False, indent=1)

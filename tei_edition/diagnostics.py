"""Diagnostics shared by every command: one record type, several output formats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum

FORMATS = ("text", "json", "junit", "github")


class Exit(IntEnum):
    """Process exit statuses promised to users and CI."""

    OK = 0
    PROBLEM = 1  # a document is invalid, lossy or could not be converted
    USAGE = 2  # bad arguments or unreadable input


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in one file, located by line and column (1-based; 0 = unknown)."""

    file: str
    line: int
    col: int
    severity: str  # "error" | "warning" | "info"
    rule: str
    message: str

    def __post_init__(self) -> None:
        # One diagnostic is one line: libxml2 and Java end their messages with a newline
        # and sometimes span lines, which would split a report line in two.
        if "\n" in self.message or "\r" in self.message or self.message != self.message.strip():
            object.__setattr__(self, "message", " ".join(self.message.split()))

    def format(self) -> str:
        """The `FILE:LINE:COL: severity: [rule] text` form."""
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: [{self.rule}] {self.message}"


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity == "error" for d in diags)


def render(diags: Sequence[Diagnostic], fmt: str, files: Sequence[str] = ()) -> str:
    """Render diagnostics in one of FORMATS; `files` lists every file checked (for junit)."""
    if fmt == "json":
        import json  # a machine format: not at every start-up

        return json.dumps([asdict(d) for d in diags], ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(_github(d) for d in diags)
    if fmt == "junit":
        return _junit(diags, files)
    return "\n".join(d.format() for d in diags)


def _github_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(d: Diagnostic) -> str:
    level = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
    props = f"file={_github_escape(d.file, True)},line={d.line},col={d.col}"
    props += f",title={_github_escape(d.rule, True)}"
    return f"::{level} {props}::{_github_escape(d.message)}"


def _junit(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    from lxml import etree  # --help and --version need no XML library

    names = list(dict.fromkeys([*files, *(d.file for d in diags)]))
    errors = [d for d in diags if d.severity == "error"]
    suite = etree.Element(
        "testsuite",
        name="tei-edition",
        tests=str(len(names)),
        failures=str(len({d.file for d in errors})),
        errors="0",
    )
    for name in names:
        case = etree.SubElement(suite, "testcase", classname="tei-edition", name=name)
        mine = [d for d in errors if d.file == name]
        if mine:
            failure = etree.SubElement(
                case, "failure", message=f"{len(mine)} problem(s)", type=mine[0].rule
            )
            failure.text = "\n".join(d.format() for d in mine)
    return etree.tostring(suite, encoding="unicode", pretty_print=True)


def is_io_error(d: Diagnostic) -> bool:
    """An error about reading or writing a file (exit 2), not about a document (exit 1)."""
    return d.severity == "error" and d.rule == "io"

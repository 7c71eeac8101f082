"""Collecting the reader's warnings, each located by file and line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Diagnostic


@dataclass
class Reporter:
    """Accumulates diagnostics for one source file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)

    def warn(self, line: int, col: int, rule: str, message: str) -> None:
        """Record a warning (an error under --strict)."""
        self._add(Diagnostic(self.file, line, col, "warning", rule, message))

    def _add(self, diag: Diagnostic) -> None:
        # Rules may look at a unit more than once (e.g. to decide what it is); say it once.
        if diag not in self._seen:
            self._seen.add(diag)
            self.diagnostics.append(diag)

"""Every diagnostic the package can emit is listed in docs/encoding.md ("Every diagnostic"),
with each severity it is emitted with; and nothing is listed that nothing emits.

The rule ids are found in the source by reading it (ast), where diagnostics are made: a
`Diagnostic(file, line, col, severity, rule, …)`, a reader's `warn(line, col, rule, …)`, a
content rule's `Message(key, rule, text, …)` or `Finding(element, rule, …)`, a lint
`Suspect(element, rule, …)` and the other constructors in RULE_ARGS. A new way of making
diagnostics needs a line there: the test checks that each module known to emit some still
yields them, so a scanner gone blind fails.
"""

from __future__ import annotations

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "tei_edition"
DOC = ROOT / "docs" / "encoding.md"
#: Constructor or function -> (index of the rule argument, severity: the index of its
#: argument, a fixed severity, or None where a keyword or the caller decides).
RULE_ARGS: dict[str, tuple[int, int | str | None]] = {
    "Diagnostic": (4, 3),
    "warn": (2, "warning"),
    "Finding": (1, None),  # severity= keyword, "error" by default
    "Message": (1, None),  # a content rule's message: Message(key, rule, text, severity=…)
    "Problem": (1, "error"),
    "Suspect": (1, "warning"),
    "_diag": (2, 1),
    "_usage": (1, "error"),
    "XMLInputError": (3, "error"),
    "ReaderError": (1, "error"),
}
_ROW = re.compile(r"^\| `([a-z][a-z0-9-]*)` \| ([^|]+) \|", re.M)


def _literals(node: ast.expr | None) -> list[str]:
    """The strings an expression can be: a literal, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _severities(call: ast.Call, spec: int | str | None) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if spec is None:  # a keyword, "error" when absent; a variable: not known here
        keyword = _argument(call, 99, "severity")
        return ["error"] if keyword is None else _literals(keyword)
    return _literals(_argument(call, spec, "severity"))


def emitted() -> dict[str, dict[str, set[str]]]:
    """rule id -> {"modules": files that emit it, "severities": those seen as literals}."""
    found: dict[str, dict[str, set[str]]] = {}

    def add(rules: list[str], severities: list[str], module: str) -> None:
        for rule in rules:
            entry = found.setdefault(rule, {"modules": set(), "severities": set()})
            entry["modules"].add(module)
            entry["severities"].update(severities)

    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = (func.id if isinstance(func, ast.Name)
                        else func.attr if isinstance(func, ast.Attribute) else "")
                if name in RULE_ARGS:
                    index, severity = RULE_ARGS[name]
                    add(_literals(_argument(node, index, "rule")), _severities(node, severity),
                        module)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "rule" for t in node.targets):
                add(_literals(node.value), [], module)  # rule = "io" if … else "encoding"
            elif isinstance(node, ast.FunctionDef) and node.name.endswith("_rule"):
                for ret in ast.walk(node):  # a function choosing the rule id (jing's messages)
                    if isinstance(ret, ast.Return):
                        add(_literals(ret.value), [], module)
    return found


def documented() -> dict[str, str]:
    """rule id -> its severity cell, from the table of "## Every diagnostic"."""
    text = DOC.read_text("utf-8")
    section = text.split("## Every diagnostic", 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2] for m in _ROW.finditer(section)}


def test_the_scanner_sees_every_kind_of_emitter() -> None:
    modules = {m for entry in emitted().values() for m in entry["modules"]}
    assert {"readers/wcda.py", "readers/inline.py", "rules.py", "lint.py", "verify.py",
            "check.py", "convert.py", "validate.py", "schema/explain.py", "xmlio.py",
            "textio.py", "render.py", "build.py"} <= modules


def test_every_emitted_rule_is_documented_with_its_severities() -> None:
    docs = documented()
    found = emitted()
    assert sorted(set(found) - set(docs)) == []
    wrong = {rule: (sorted(entry["severities"]), docs[rule]) for rule, entry in found.items()
             if not all(severity in docs[rule] for severity in entry["severities"])}
    assert wrong == {}


def test_nothing_documented_that_nothing_emits() -> None:
    assert sorted(set(documented()) - set(emitted())) == []


def test_lint_rules_are_explained_with_their_thresholds() -> None:
    text = DOC.read_text("utf-8")
    section = text.split("## Structural lint", 1)[1].split("\n## ", 1)[0]
    lint_rules = {rule for rule in emitted() if rule.startswith("lint-")}
    assert lint_rules and {m[1] for m in _ROW.finditer(section)} == lint_rules

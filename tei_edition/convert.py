"""The conversion pipeline: source files -> reader -> model -> TEI writer -> files."""

from __future__ import annotations

import codecs
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .diagnostics import Diagnostic, Exit, is_io_error
from .lint import lint_diagnostics
from .model import Document
from .readers import SOURCE_SUFFIXES, Loaded, SourceReader, reader_for
from .readers.hints import Hints, HintsError, load_hints
from .readers.report import Reporter
from .readers.wcda import ReaderError, read
from .sources import by_output_name, collect_sources, collision_diagnostic
from .textio import SourceError, normalize_text
from .writers.tei import build_tei, recorded_digest, serialize
from .xmlio import XMLInputError, read_limited, sync_written, write_atomic

__all__ = ["SOURCE_SUFFIXES", "convert_file", "convert_loaded", "convert_paths", "convert_text",
           "located"]


@dataclass
class Converted:
    """The outcome for one source file."""

    source: Path
    output: Path | None
    diagnostics: list[Diagnostic]
    status: str  # converted | unchanged | failed | protected
    document: Document | None = None
    tei: bytes | None = None  # the TEI written (or found unchanged) in `output`


@dataclass
class ConvertResult:
    """The outcome of one `convert` run."""

    files: list[Converted] = field(default_factory=list)
    strict: bool = False
    usage_errors: list[Diagnostic] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        out = list(self.usage_errors)
        for f in self.files:
            out.extend(_strict(d) if self.strict else d for d in f.diagnostics)
        return out

    @property
    def exit_status(self) -> int:
        if self.usage_errors or any(is_io_error(d) for f in self.files for d in f.diagnostics):
            return Exit.USAGE
        if any(f.status in ("failed", "protected") for f in self.files):
            return Exit.PROBLEM
        return Exit.OK

    def summary_lines(self) -> list[str]:
        """One line per document with its warning counts, then a total."""
        lines = []
        for f in self.files:
            counts = Counter(d.rule for d in f.diagnostics if d.severity == "warning")
            detail = ", ".join(f"{n} {rule}" for rule, n in sorted(counts.items()))
            lines.append(f"{f.source}: {f.status}"
                         + (f" -> {f.output}" if f.output and f.status == "converted" else "")
                         + (f" ({sum(counts.values())} warnings: {detail})" if counts else ""))
        st = Counter(f.status for f in self.files)
        warnings = sum(d.severity == "warning" for f in self.files for d in f.diagnostics)
        lines.append(
            f"tei-edition: {len(self.files)} source(s): {st['converted']} converted, "
            f"{st['unchanged']} unchanged, {st['failed']} failed, {st['protected']} protected; "
            f"{warnings} warning(s)")
        return lines


def _strict(d: Diagnostic) -> Diagnostic:
    if d.severity != "warning":
        return d
    return Diagnostic(d.file, d.line, d.col, "error", d.rule, d.message)


def convert_text(text: str, name: str, source: str, raw: bytes | None = None,
                 config: Config | None = None, *, normalized: bool = False,
                 hints: Hints | None = None, totals: bool = True,
                 ) -> tuple[Document, bytes, list[Diagnostic]]:
    """Convert decoded source text; raises ReaderError when it cannot be converted.
    `normalized`: the text comes from `textio.decode`, which did the normalisation.
    The diagnostics are the reader's and the structural lint's on the result; `totals`:
    with the lint's report of a stated total of copies that differs from the list (False
    where the caller validates the result, which reports it)."""
    config = config or Config()
    report = Reporter(source)
    replaced = 0
    if not normalized:  # callers may hand us text no decoder cleaned
        text, replaced = normalize_text(text)
    if replaced:
        report.warn(1, 1, "control-chars", f"{replaced} character(s) XML cannot hold were "
                    "replaced by U+FFFD")
    doc = read(text, name, source, report, known=config.persons, hints=hints)
    if raw is not None:
        doc.sha256 = hashlib.sha256(raw).hexdigest()
    root = build_tei(doc, config)
    return doc, serialize(root), report.diagnostics + lint_diagnostics(root, text, source,
                                                                       totals=totals)


def convert_loaded(reader: SourceReader, loaded: Loaded, name: str, source: str,
                   config: Config | None = None, *, hints: Hints | None = None,
                   totals: bool = True) -> tuple[Document, bytes, list[Diagnostic]]:
    """Convert a loaded source with its reader; raises ReaderError when it cannot. The
    diagnostics are the reader's and the structural lint's, located as the reader locates
    (a Word file: by paragraph); `totals` as for `convert_text`."""
    config = config or Config()
    report = Reporter(source)
    doc = reader.read(loaded, name, source, report, known=config.persons, hints=hints)
    doc.sha256 = hashlib.sha256(loaded.raw).hexdigest()
    root = build_tei(doc, config)
    lint = lint_diagnostics(root, loaded.text, source, totals=totals)
    return doc, serialize(root), report.diagnostics + located(reader, loaded, lint)


def located(reader: SourceReader, loaded: Loaded, diags: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics at lines of the text the rules read, at the lines the reader shows."""
    return [Diagnostic(d.file, reader.locate(loaded, d.line), d.col, d.severity, d.rule,
                       d.message) for d in diags]


def convert_file(src: Path, outdir: Path, *, strict: bool = False, force: bool = False,
                 encoding: str | None = None, config: Config | None = None,
                 durable: bool = True, totals: bool = True) -> Converted:
    """Convert one source file into OUTDIR/NAME.xml, protecting hand-edited output.

    With `durable=False` the file is replaced atomically but not flushed to disk: the
    caller calls `xmlio.sync_written` at the end of its run. `totals`: as for
    `convert_text`."""
    out = outdir / (src.stem + ".xml")
    shown = str(src)
    try:
        reader = reader_for(src)
        loaded = reader.load(src, encoding)
        hints = load_hints(src, (config or Config()).hints)
        doc, data, diags = convert_loaded(reader, loaded, src.stem, src.name, config,
                                          hints=hints, totals=totals)
    except SourceError as exc:
        return Converted(src, None, [exc.diagnostic(shown)], "failed")
    except HintsError as exc:  # nothing is written for a document whose hints are wrong
        return Converted(src, None, [Diagnostic(exc.file, exc.line, 1, "error", "hints",
                                                exc.message)], "failed")
    except ReaderError as exc:
        return Converted(src, None, [Diagnostic(shown, exc.line, 1, "error", exc.rule,
                                                exc.message)], "failed")
    except RecursionError:
        # The inline reader recurses once per nested bracket: hundreds of them inside each
        # other (an OCR artefact) exhaust the stack. Fail this file, not the whole run.
        return Converted(src, None, [Diagnostic(
            shown, 0, 0, "error", "too-deep", "brackets or parentheses are nested too deeply "
            "to convert (hundreds inside each other); check the source for unbalanced ones")],
            "failed")
    diags = [Diagnostic(shown, d.line, d.col, d.severity, d.rule, d.message) for d in diags]
    if loaded.replaced_controls:
        diags.append(Diagnostic(shown, 1, 1, "warning", "control-chars",
                                f"{loaded.replaced_controls} control character(s) XML cannot "
                                "hold were replaced by U+FFFD"))
    if strict and any(d.severity == "warning" for d in diags):
        return Converted(src, None, diags, "failed", doc)
    return _write(src, out, data, diags, force, doc, durable)


def _write(src: Path, out: Path, data: bytes, diags: list[Diagnostic], force: bool,
           doc: Document, durable: bool) -> Converted:
    try:
        existing = existing_output(out)
    except XMLInputError as exc:
        return Converted(src, None, [*diags, Diagnostic(
            str(out), 0, 0, "error", "io", f"{exc.message}; it is not replaced (move it away)")],
            "failed")
    if existing is not None:
        if existing == data:
            return Converted(src, out, diags, "unchanged", doc, data)
        digest, intact = recorded_digest(existing)
        # An empty file holds no edits to protect (a power cut before the run's flush
        # leaves new files empty): it is simply replaced.
        if not intact and existing.strip():
            if not force:
                why = ("its recorded digest no longer matches" if digest else
                       "it records no output digest, so it was not generated by tei-edition")
                return Converted(src, out, [*diags, Diagnostic(
                    str(out), 1, 1, "error", "hand-edited",
                    f"this TEI file was edited by hand since it was generated ({why}); not "
                    "overwritten. Use --force to replace it (a .bak copy is kept)")],
                    "protected", doc)
            try:
                backup = backup_hand_edit(out, existing)
            except OSError as exc:
                return _io_failed(src, out, diags, exc)
            diags = [*diags, Diagnostic(str(out), 1, 1, "info", "hand-edited",
                                        f"replaced a hand-edited file; the edits are kept in "
                                        f"{backup}")]
    try:
        write_atomic(out, data, durable=durable)
    except OSError as exc:  # disk full, read-only folder: this file fails, the run goes on
        return _io_failed(src, out, diags, exc)
    return Converted(src, out, diags, "converted", doc, data)


def existing_output(out: Path) -> bytes | None:
    """The bytes of an output file already there, None when there is none (or only a
    dangling link, which is replaced). Read as inputs are: a regular file of limited size,
    so that a pipe or a link to a device there neither blocks nor fills the memory
    (XMLInputError otherwise)."""
    if not os.path.lexists(out) or (out.is_symlink() and not out.exists()):
        return None
    return read_limited(out)


def _io_failed(src: Path, out: Path, diags: list[Diagnostic], exc: OSError) -> Converted:
    return Converted(src, None, [*diags, Diagnostic(str(out), 0, 0, "error", "io",
                                                    exc.strerror or str(exc))], "failed")


def backup_hand_edit(out: Path, existing: bytes) -> Path:
    """Keep hand-edited bytes in NAME.xml.bak, or .bak.1, .bak.2 ...: never over an older
    backup, which may hold earlier edits."""
    backup = out.with_name(out.name + ".bak")
    n = 0
    while os.path.lexists(backup) and _content(backup) != existing:
        n += 1
        backup = out.with_name(f"{out.name}.bak.{n}")
    write_atomic(backup, existing)
    return backup


def _content(path: Path) -> bytes | None:
    """A file's bytes through the size-limited reader; None when it cannot be read."""
    try:
        return read_limited(path)
    except XMLInputError:
        return None


def convert_paths(paths: list[Path], outdir: Path, *, strict: bool = False, force: bool = False,
                  encoding: str | None = None, config: Config | None = None) -> ConvertResult:
    """Convert every source named or found in `paths` into `outdir`."""
    sources, errors = collect_sources(paths)
    result = ConvertResult(strict=strict, usage_errors=errors)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:  # a usage error, not a problem of each file in turn
            result.usage_errors.append(Diagnostic("--encoding", 0, 0, "error", "io",
                                                  f"unknown encoding {encoding!r}"))
            return result
    if not sources and not errors:
        result.usage_errors.append(Diagnostic(", ".join(map(str, paths)), 0, 0, "error", "io",
                                              "no .txt, .md or .docx source files found"))
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        result.usage_errors.append(Diagnostic(str(outdir), 0, 0, "error", "io",
                                              exc.strerror or str(exc)))
        return result
    groups = by_output_name(sources)
    for src in sources:
        if len(groups[src.stem]) > 1:  # one document would silently replace the other
            result.files.append(Converted(src, None, [collision_diagnostic(
                src, groups[src.stem], outdir / f"{src.stem}.xml")], "failed"))
            continue
        result.files.append(convert_file(src, outdir, strict=strict, force=force,
                                         encoding=encoding, config=config, durable=False))
    sync_written(f.output for f in result.files if f.output and f.status == "converted")
    return result

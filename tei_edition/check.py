"""`check`: for CI, is `encoded/` exactly what the sources and this converter produce, valid,
and without lost text? It also runs the structural lint on each file (warnings only)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .buildstate import document_outputs
from .config import Config
from .convert import convert_loaded, existing_output, located
from .corpus import CORPUS_NAME, stale_corpus_files
from .diagnostics import Diagnostic, Exit, is_io_error
from .lint import lint_diagnostics
from .readers import ReaderError, reader_for  # type: ignore[attr-defined]
from .readers.hints import HintsError, load_hints
from .sources import by_output_name, collect_sources, collision_diagnostic
from .textio import SourceError
from .verify import verify_streams
from .writers.tei import recorded_digest
from .xmlio import XMLInputError, parse_bytes


@dataclass
class CheckResult:
    """Everything `check` found, and the files it looked at."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if any(map(is_io_error, self.diagnostics)):
            return Exit.USAGE
        return Exit.PROBLEM if any(d.severity == "error" for d in self.diagnostics) else Exit.OK


def _check_source(args: tuple[Path, Path, Config]) -> list[Diagnostic]:
    """Is encoded/NAME.xml current and complete for this source?"""
    src, xml, config = args
    shown = str(xml)
    try:
        actual = existing_output(xml)
    except XMLInputError as exc:
        return [Diagnostic(shown, exc.line, exc.col, "error", "io", exc.message)]
    if actual is None:
        return [Diagnostic(shown, 0, 0, "error", "stale",
                           f"missing: {src} has no TEI file; run `tei-edition build`")]
    try:
        reader = reader_for(src)
        loaded = reader.load(src)
        hints = load_hints(src, config.hints)  # what build converts with, check expects
        _, expected, _ = convert_loaded(reader, loaded, src.stem, src.name, config, hints=hints)
    except SourceError as exc:
        return [exc.diagnostic(str(src))]
    except ReaderError as exc:
        return [Diagnostic(str(src), exc.line, 1, "error", exc.rule, exc.message)]
    except HintsError as exc:
        return [Diagnostic(exc.file, exc.line, 1, "error", "hints", exc.message)]
    out: list[Diagnostic] = []
    if actual != expected:
        _, intact = recorded_digest(actual)
        if intact:
            out.append(Diagnostic(shown, 1, 1, "error", "stale",
                                  f"not what the current converter makes of {src}; run "
                                  "`tei-edition build` and commit encoded/"))
        else:
            out.append(Diagnostic(shown, 1, 1, "error", "hand-edited",
                                  f"edited by hand since it was generated from {src}; move the "
                                  "edit into the source, or regenerate with --force"))
    try:
        tree = parse_bytes(actual, shown)
    except XMLInputError as exc:
        return [*out, Diagnostic(shown, exc.line, exc.col, "error", exc.rule, exc.message)]
    return (out + verify_streams(reader.body_words(loaded), tree, str(src), shown)
            # the validator below reports stated totals (copies-total) already
            + located(reader, loaded, lint_diagnostics(tree.getroot(), loaded.text, str(src),
                                                       shown, totals=False)))


def _check_corpus(encoded: Path, names: list[str], config: Config) -> list[Diagnostic]:
    """Are encoded/corpus.xml and its parts what `build` makes of encoded/ today?"""
    present = [n for n in names if (encoded / f"{n}.xml").is_file()]
    if not present or CORPUS_NAME.removesuffix(".xml") in names:
        return []  # no documents, or a document took the name (build says so)
    stale, stray = stale_corpus_files(encoded, present, config)
    return [*(Diagnostic(str(path), 1, 1, "error", "stale",
                         "the corpus is not what `tei-edition build` makes of encoded/ and "
                         "tei-edition.toml; run it and commit encoded/") for path in stale),
            *(Diagnostic(str(part), 0, 0, "warning", "orphan",
                         f"no document of encoded/ is included as this part of {CORPUS_NAME}")
              for part in stray)]


def _orphans(encoded: Path, names: set[str], config: Config) -> list[Diagnostic]:
    """An error for each TEI file that no source produces and the configuration does not keep."""
    return [Diagnostic(str(xml), 0, 0, "error", "orphan",
                       "no source in sources/ produces this file; `tei-edition build` removes "
                       "it, or list it under [build] orphans in tei-edition.toml to keep it")
            for xml in document_outputs(encoded)
            if xml.stem not in names and not config.keeps_orphan(xml.name)]


def check(root: Path, *, config: Config | None = None, jobs: int = 1) -> CheckResult:
    """Check a project folder: freshness, validity and text of every encoded file."""
    from .validate import validate_paths

    config = config or Config()
    result = CheckResult()
    sources, errors = collect_sources([root / "sources"])
    result.diagnostics += errors
    encoded = root / "encoded"
    groups = by_output_name(sources)
    args = []
    for name, group in groups.items():
        if len(group) > 1:  # two sources for one TEI file: one of them is lost
            result.diagnostics += [collision_diagnostic(s, group, encoded / f"{name}.xml")
                                   for s in group]
        else:
            args.append((group[0], encoded / f"{name}.xml", config))
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            found = list(pool.map(_check_source, args, chunksize=8))
    else:
        found = [_check_source(a) for a in args]
    for diags in found:
        result.diagnostics += diags
    names = set(groups)
    result.diagnostics += _orphans(encoded, names, config)
    # the TEI files kept without a source are published, and gathered in the corpus
    names |= {x.stem for x in document_outputs(encoded) if config.keeps_orphan(x.name)}
    if sources:
        result.diagnostics += _check_corpus(encoded, sorted(names), config)
    # not a pipe or a device: reading those was reported above, and would block or not end
    xmls = sorted(x for x in encoded.glob("*.xml") if x.is_file()) if encoded.is_dir() else []
    result.files = [str(x) for x in xmls]
    if xmls:
        result.diagnostics += validate_paths(xmls).diagnostics
    return result

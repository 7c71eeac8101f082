"""The whole pipeline for a project folder: sources/ -> encoded/ -> validate -> site/, and
encoded/corpus.xml (the teiCorpus of every document, `corpus.py`).

Incremental by content (see `buildstate`): a source whose TEI records its current SHA-256
and this converter version is not converted again, and a TEI file whose page and validation
result are cached is not validated or rendered again; `--force` redoes everything. Outputs
are tracked: the TEI file and page of a source that is gone are removed.

A build's memory does not grow with the archive: the documents are planned one by one in
name order against the cache (read row by row, `buildstate.BuildCache`), at most a few jobs
per worker are in flight, and what a finished document leaves behind is its name and status.
The index page is put together from the rows cached for each document, the persons register
and the search index from per-document records (`register.py`), the corpus one document
at a time (`corpus.py`). Documents are processed in a process pool; each worker compiles the
schema and the stylesheets once (a forked worker inherits them).

`--shard K/N` builds the Kth of N shares of the sources (by a stable digest of each name)
into a folder of its own; `--merge DIR...` takes the shards' documents into the project and
builds the rest from them, which is then the same as one build of everything.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import itertools
import json
import os
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from lxml import etree

    from .render import Stylesheets
    from .validate import Validator

from . import __version__
from .buildstate import (
    CACHE_NAME,
    BuildCache,
    DocState,
    Entry,
    FileRecord,
    TeiFacts,
    TeiRecord,
    TempLog,
    bad_rows_warning,
    diagnostics_of,
    document_inputs,
    document_output_stems,
    load_cache,
    open_cache_read_only,
    read_tei,
    record_bytes,
    record_file,
    settings_digest,
    untouched,
)
from .config import Config
from .diagnostics import Diagnostic, Exit, has_errors, is_io_error
from .readers.hints import HINTS_SUFFIX
from .sources import collision_diagnostic, list_sources
from .textio import SourceError, read_source_bytes
from .xmlio import XMLInputError, parse_bytes, parse_file, read_limited, sync_written, write_atomic

__all__ = ["CACHE_NAME", "BuildResult", "DocResult", "Share", "build", "merge", "output_folder"]


@dataclass
class DocResult:
    """What happened to one document in a build."""

    name: str
    status: str  # converted | unchanged | failed | protected
    valid: bool = True
    rendered: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    date: str = ""  # the sort date, for the index page
    index_row: str | None = None  # the document's row of the index page; None: not listed
    # what the persons register and search take (register.py), as JSON: made into bytes
    # where the document is, the parent only copies them to its spool
    site_record: bytes | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    inputs: list[FileRecord] = field(default_factory=list)  # what the TEI was made from
    tei: TeiRecord | None = None  # the TEI file published, when there is one
    page: FileRecord | None = None  # its page, as written
    settings: str = ""  # settings_digest of the configuration it was made with
    refreshed: bool = True  # its cache row must be written (False: reused as it was)
    reused: bool = False  # taken from the cache: its index row is there, not here
    listed: bool = False  # it has a row on the index page


@dataclass(frozen=True, slots=True)
class DocSummary:
    """A finished document, as the build keeps it: no more than its name and outcome."""

    name: str
    status: str
    valid: bool
    rendered: bool
    listed: bool  # on the index page
    record: int = -1  # where its fresh register record is in the build's spool (-1: none)


class _Ledger:
    """The summaries of the finished documents and their diagnostics, in temporary files
    (an object per document kept to the end of a build of 20,000 would be memory that
    follows the archive), and, while they are few, the files written and the documents
    changed."""

    def __init__(self, folder: Path) -> None:
        self._docs = TempLog(folder, ".tei-edition-ledger.")
        self._diagnostics = TempLog(folder, ".tei-edition-diags.")
        #: the files written without a flush (None: too many to list; look in the ledger)
        self.written: list[str] | None = []
        #: the documents whose TEI file or page may differ from the last build's (None: too
        #: many to list)
        self.changed: set[str] | None = set()

    def add(self, doc: DocSummary, r: DocResult, written: list[str]) -> None:
        """A finished document: its summary, its diagnostics (read back once the build's
        own work is done, `diagnostics`), the files it wrote, whether it changed."""
        self._docs.append((doc.name, doc.status, doc.valid, doc.rendered, doc.listed,
                           doc.record))
        if r.diagnostics:  # fields as a tuple: dataclasses.astuple deep-copies each value
            self._diagnostics.append([(d.file, d.line, d.col, d.severity, d.rule, d.message)
                                      for d in r.diagnostics])
        if self.written is not None and written:
            self.written += written
            self.written = self.written if len(self.written) <= _FEW else None
        if self.changed is not None and (r.refreshed or r.rendered):
            self.changed.add(r.name)
            self.changed = self.changed if len(self.changed) <= _FEW else None

    def __iter__(self) -> Iterator[DocSummary]:
        return (DocSummary(*fields) for fields in self._docs)

    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(*d) for found in self._diagnostics for d in found]

    def close(self) -> None:
        self._docs.close()
        self._diagnostics.close()


#: Up to this many files written, the ledger lists them (a rebuild flushes without a walk).
_FEW = 256


@dataclass
class BuildResult:
    """The outcome of one build: counts and diagnostics, not a record per document."""

    counts: dict[str, int] = field(default_factory=dict)  # documents by status
    invalid: int = 0
    usage_errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)  # orphans, the cache
    doc_diagnostics: list[Diagnostic] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # orphan documents removed
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed over documents
    corpus_diagnostics: list[Diagnostic] = field(default_factory=list)
    site_files: int = 0  # files of site/ written: pages, index, persons register, search index

    @property
    def documents(self) -> int:
        return sum(self.counts.values())

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [*self.usage_errors, *self.notes, *self.doc_diagnostics, *self.corpus_diagnostics]

    @property
    def exit_status(self) -> int:
        if self.usage_errors or any(map(is_io_error, self.diagnostics)):
            return Exit.USAGE
        if (self.count("failed") or self.count("protected") or self.invalid
                or has_errors(self.notes)):
            return Exit.PROBLEM
        if has_errors(self.corpus_diagnostics):
            return Exit.PROBLEM
        return Exit.OK

    def add(self, r: DocResult) -> None:
        """Count what a finished document tells (its diagnostics wait in the ledger)."""
        self.counts[r.status] = self.counts.get(r.status, 0) + 1
        self.invalid += not r.valid
        for step, t in r.seconds.items():
            self.stage_seconds[step] = self.stage_seconds.get(step, 0.0) + t

    def summary(self) -> str:
        """Converted, unchanged, warnings, invalid, seconds."""
        warnings = sum(d.severity == "warning" for d in self.diagnostics)
        failed = self.count("failed") + self.count("protected")
        removed = f", {len(self.removed)} orphan(s) removed" if self.removed else ""
        return (f"build: {self.documents} document(s): {self.count('converted')} converted, "
                f"{self.count('unchanged')} unchanged, {failed} failed, {warnings} warning(s), "
                f"{self.invalid} invalid{removed}; site: {self.site_files} file(s) written; "
                f"{self.seconds:.2f} s")


@dataclass(frozen=True)
class Share:
    """The Kth of N disjoint shares of the sources (1 <= K <= N), chosen by a digest of each
    document's name: stable whatever the other sources, the machine or the order."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Share:
        """'K/N' -> Share; ValueError when it is not one."""
        k, _, n = text.partition("/")
        share = cls(int(k), int(n))
        if not 1 <= share.k <= share.n:
            raise ValueError(f"{text}: K/N needs 1 <= K <= N")
        return share

    def holds(self, name: str) -> bool:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.n == self.k - 1

    @property
    def folder(self) -> str:
        return f"{self.k}-of-{self.n}"


# ------------------------------------------------------------------ the worker side


@dataclass
class _Tools:
    """What a worker compiles once: the validator's schema and the stylesheets."""

    sheets: Stylesheets
    validator: Validator


# One per worker process, set by the pool's initializer: compiling the schema and the
# stylesheets per document would cost more than validating and rendering it.
_TOOLS: _Tools | None = None


def _init_worker() -> None:
    global _TOOLS
    if _TOOLS is not None:  # inherited from the parent through fork: nothing to compile
        return
    from .render import Stylesheets
    from .validate import Validator

    _TOOLS = _Tools(Stylesheets.load(), Validator())


def _tools() -> _Tools:
    if _TOOLS is None:
        _init_worker()
    assert _TOOLS is not None
    return _TOOLS


@dataclass(frozen=True)
class _Job:
    """One document for a worker. Paths are strings: the parent plans every document of
    the archive, and a Path each would intern every file name for the rest of the run."""

    name: str
    source_path: str | None  # None: a TEI file kept without a source ([build] orphans)
    encoded_folder: str
    site_folder: str
    convert: bool  # False: the TEI is current
    force: bool
    config: Config
    inputs: tuple[FileRecord, ...] = ()
    settings: str = ""

    @property
    def source(self) -> Path | None:
        return None if self.source_path is None else Path(self.source_path)

    @property
    def encoded(self) -> Path:
        return Path(self.encoded_folder, f"{self.name}.xml")

    @property
    def site(self) -> Path:
        return Path(self.site_folder)


def _run_job(job: _Job) -> DocResult:
    """Convert, validate and render one document (in a worker process)."""
    from .convert import convert_file  # here: a build that converts nothing needs no reader

    result = DocResult(job.name, "unchanged", inputs=list(job.inputs), settings=job.settings)
    tei: bytes | None = None  # the TEI bytes convert wrote or found in place
    if job.convert:
        assert job.source is not None
        t = time.perf_counter()
        # the validation below reports a stated total that differs from the list: once
        conv = convert_file(job.source, job.encoded.parent, force=job.force, config=job.config,
                            durable=False, totals=False)
        result.seconds["convert"] = time.perf_counter() - t
        result.status = conv.status
        result.diagnostics += conv.diagnostics
        if conv.status in ("failed", "protected") and (
                not os.path.lexists(job.encoded) or any(map(is_io_error, conv.diagnostics))):
            result.valid = False
            return result
        tei = conv.tei  # what was written, or found already there (None when protected)
    if tei is None:
        try:
            tei = read_limited(job.encoded)
        except XMLInputError as exc:
            result.diagnostics.append(Diagnostic(str(job.encoded), exc.line, exc.col, "error",
                                                 "io", exc.message))
            result.valid = False
            return result
        if not job.convert and job.source is not None and not TeiFacts.of(tei).intact:
            result.diagnostics.append(Diagnostic(
                str(job.encoded), 1, 1, "warning", "hand-edited",
                "edited by hand since it was generated; kept as it is and published from the "
                "edit (`tei-edition check` compares it with the source)"))
    _validate_and_render(job, result, tei)
    with contextlib.suppress(OSError):  # vanished meanwhile: the next build sees it
        result.tei = TeiRecord(record_bytes(job.encoded, tei), TeiFacts.of(tei))
    return result


def _validate_and_render(job: _Job, result: DocResult, tei: bytes) -> None:
    """Validate and render the TEI bytes, parsed once for both; a file that cannot be
    parsed gets the validator's own diagnostic."""
    from .render import (
        SORT_DATE,
        IndexEntry,
        RenderError,
        index_row,
        passage_anchors,
        render_document,
    )

    t = time.perf_counter()
    try:
        tree = parse_bytes(tei, str(job.encoded))
    except XMLInputError:
        report = _tools().validator.validate([job.encoded])
        result.seconds["validate"] = time.perf_counter() - t
        result.diagnostics += report.diagnostics
        result.valid = False
        return
    diagnostics = _tools().validator.check_tree(job.encoded, tree)
    result.seconds["validate"] = time.perf_counter() - t
    result.diagnostics += diagnostics
    result.valid = not has_errors(diagnostics)
    t = time.perf_counter()
    registry = _registry_ids(job.config)
    anchors = passage_anchors(tree.getroot())  # found once for the page and the register
    try:
        page = render_document(tree, _tools().sheets, name=job.name, registry=registry,
                               anchors=anchors)
        row = index_row(IndexEntry.from_tree(job.name, tree, registry), _tools().sheets)
    except RenderError as exc:
        result.diagnostics.append(Diagnostic(str(job.encoded), 0, 0, "error", "html", str(exc)))
        result.valid = False
        return
    target = job.site / f"{job.name}.html"
    try:
        write_atomic(target, page, durable=False)
    except OSError as exc:  # a folder of that name, a full disk: this page fails, not the run
        result.diagnostics.append(Diagnostic(str(target), 0, 0, "error", "io",
                                             exc.strerror or str(exc)))
        return
    with contextlib.suppress(OSError):  # vanished meanwhile: the next build sees it
        result.page = record_bytes(target, page)
    result.date, result.index_row, result.listed = SORT_DATE(tree.getroot()), row, True
    result.rendered = True
    result.seconds["html"] = time.perf_counter() - t
    t = time.perf_counter()
    result.site_record = json.dumps(_site_record(tree, job.name, registry, anchors),
                                    ensure_ascii=False, separators=(",", ":")).encode()
    result.seconds["register"] = time.perf_counter() - t


# ------------------------------------------------------------------ the parent side


def _cached_diagnostics(r: DocResult) -> list[Diagnostic]:
    # Diagnostics of the conversion step are not replayed: the TEI is not converted again.
    return [d for d in r.diagnostics if d.rule not in _CONVERT_RULES]


# Diagnostics that belong to the conversion step: not replayed from the cache.
_CONVERT_RULES = frozenset({"kept-as-text", "unbalanced", "unresolved-speaker",
                            "ambiguous-speaker", "encoding", "no-body", "no-title",
                            "control-chars"})


@dataclass
class _Context:
    """The settings of one build that every decision needs, and what planning learns."""

    root: Path  # where sources/ and tei-edition.toml are
    out: Path  # where encoded/ and site/ are written (the root, or a shard's folder)
    config: Config
    force: bool
    keep_orphans: bool
    cache: BuildCache
    settings: str
    share: Share | None = None
    hints: frozenset[str] = frozenset()  # names of the hints files in sources/
    leftover: dict[str, DocState | None] = field(default_factory=dict)  # cached, no source
    kept: set[str] = field(default_factory=set)  # TEI files without a source, published

    @property
    def encoded(self) -> Path:
        return self.out / "encoded"

    @property
    def site(self) -> Path:
        return self.out / "site"

    @functools.cached_property
    def encoded_str(self) -> str:
        return os.fspath(self.encoded)

    @functools.cached_property
    def site_str(self) -> str:
        return os.fspath(self.site)

    def job(self, name: str, source: str | Path | None, *, convert: bool,
            inputs: list[FileRecord] | None = None) -> _Job:
        return _Job(name, None if source is None else os.fspath(source), self.encoded_str,
                    self.site_str, convert, self.force, self.config, tuple(inputs or ()),
                    self.settings)


def _record_inputs(ctx: _Context, source: str, state: DocState | None
                   ) -> list[FileRecord] | None:
    """The digests of a document's inputs (hashing only what changed); None when one
    cannot be read (its conversion then says why)."""
    previous = {r.path: r for r in state.inputs} if state else {}
    try:
        return [record_file(p, previous.get(os.fspath(p)), read_source_bytes)
                for p in document_inputs(source, ctx.hints)]
    except (SourceError, OSError):
        return None


def _is_current(tei: TeiRecord, inputs: list[FileRecord], state: DocState | None,
                settings: str) -> bool:
    """Is the TEI what converting these inputs now would give (by content, never by time)?"""
    facts = tei.facts
    if facts.version != __version__ or facts.source_sha256 != inputs[0].sha256:
        return False
    if not facts.intact:  # edited by hand, from the current source: kept and published
        return True
    # The TEI records only its source's digest; the settings and other inputs it was made
    # with are known from the cache, for this very TEI.
    return (state is not None and state.tei.file.sha256 == tei.file.sha256
            and state.settings == settings
            and _digests(state.inputs[1:]) == _digests(inputs[1:]))


def _digests(records: list[FileRecord]) -> list[tuple[str, str]]:
    return [(r.path, r.sha256) for r in records]


def _reuse(ctx: _Context, name: str, state: DocState | None, tei: TeiRecord,
           inputs: list[FileRecord]) -> DocResult | None:
    """The cached result of a current TEI file, when its page is still the one written."""
    if state is None or state.tei.file.sha256 != tei.file.sha256 or state.page is None:
        return None
    try:  # deleted, edited, replaced by something else: rendered again
        page = record_file(f"{ctx.site_str}/{name}.html", state.page, read_limited)
    except (XMLInputError, OSError):
        return None
    if page.sha256 != state.page.sha256:
        return None
    # The row is written again only when a record was hashed afresh (its stat changed).
    refreshed = (page is not state.page or tei.file is not state.tei.file
                 or any(a is not b for a, b in zip(inputs, state.inputs, strict=False))
                 or len(inputs) != len(state.inputs))
    return DocResult(name, "unchanged", state.valid, diagnostics=list(state.diagnostics),
                     date=state.date, inputs=inputs, tei=tei, settings=state.settings,
                     page=page, refreshed=refreshed, reused=True, listed=state.listed)


def _unreadable(name: str, xml: Path, exc: XMLInputError | OSError,
                state: DocState | None) -> DocResult:
    message = exc.message if isinstance(exc, XMLInputError) else (exc.strerror or str(exc))
    return DocResult(name, "failed", False, diagnostics=[Diagnostic(
        str(xml), 0, 0, "error", "io", f"{message}; it is neither read nor replaced "
        "(move it away)")], refreshed=state is not None)


def _untouched(ctx: _Context, name: str, source: str, entry: Entry) -> DocResult | None:
    """The cached result of a document whose files are all as the last build left them,
    decided from the stat of each and the row's quick key (`buildstate.untouched`); None
    when that is not so and the full check decides."""
    raw, date, listed, quick, valid, noted = entry
    if name + HINTS_SUFFIX in ctx.hints:  # an input the quick key does not cover
        return None
    files = (source, f"{ctx.encoded_str}/{name}.xml", f"{ctx.site_str}/{name}.html")
    if not untouched(quick, files, ctx.settings) or type(valid) is not int or type(date) is not str:
        return None
    diagnostics: list[Diagnostic] = []
    if noted:  # only then is the state decoded: for its diagnostics
        try:
            diagnostics = diagnostics_of(json.loads(raw)[5])  # type: ignore[arg-type]
        except (ValueError, TypeError, IndexError, KeyError, RecursionError):
            return None
    return DocResult(name, "unchanged", bool(valid), diagnostics=diagnostics, date=date,
                     refreshed=False, reused=True, listed=bool(listed))


def _plan_source(ctx: _Context, name: str, source: str, state: DocState | None
                 ) -> _Job | DocResult:
    """Convert, render only, or reuse: the decision for one source."""
    inputs = _record_inputs(ctx, source, state)
    xml = f"{ctx.encoded_str}/{name}.xml"
    if ctx.force or inputs is None:
        return ctx.job(name, source, convert=True, inputs=inputs)
    try:
        tei = read_tei(xml, state.tei if state else None)
    except FileNotFoundError:
        return ctx.job(name, source, convert=True, inputs=inputs)
    except (XMLInputError, OSError) as exc:
        if not os.path.lexists(xml):
            return ctx.job(name, source, convert=True, inputs=inputs)
        return _unreadable(name, Path(xml), exc, state)
    if not _is_current(tei, inputs, state, ctx.settings):
        return ctx.job(name, source, convert=True, inputs=inputs)
    return (_reuse(ctx, name, state, tei, inputs)
            or ctx.job(name, source, convert=False, inputs=inputs))


def _plan_kept(ctx: _Context, name: str) -> _Job | DocResult:
    """A TEI file without a source that the configuration keeps: validated and published."""
    xml = ctx.encoded / f"{name}.xml"
    state = ctx.leftover.get(name)
    try:
        tei = read_tei(xml, state.tei if state else None)
    except (XMLInputError, OSError) as exc:
        return _unreadable(name, xml, exc, state)
    if ctx.force:
        return ctx.job(name, None, convert=False)
    return _reuse(ctx, name, state, tei, []) or ctx.job(name, None, convert=False)


def _remove_file(path: Path) -> None:
    """Remove an output file or a link (never a folder); gone already is fine."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(path.lstat().st_mode):
            return
        path.unlink()


def _remove_orphan(ctx: _Context, xml: Path) -> list[Diagnostic]:
    """Remove a TEI file whose source is gone, and its page; a hand edit only with --force
    (and a .bak copy). The page goes first: a kill between the two leaves the TEI file,
    which the next build finds again."""
    try:
        data = read_limited(xml)
    except XMLInputError as exc:
        return [Diagnostic(str(xml), 0, 0, "error", "io", f"{exc.message}; no source in "
                           "sources/ produces this file, but it cannot be checked or removed")]
    out = []
    intact = TeiFacts.of(data).intact
    if not intact and not ctx.force:
        return [Diagnostic(str(xml), 0, 0, "error", "orphan",
                           "no source in sources/ produces this file, and it was edited by "
                           "hand (or not made by tei-edition), so it is not removed: restore "
                           "its source, list it under [build] orphans in tei-edition.toml to "
                           "keep and publish it, or remove it with --force (a .bak copy is "
                           "kept)")]
    try:
        if not intact:
            from .convert import backup_hand_edit

            backup = backup_hand_edit(xml, data)
            out.append(Diagnostic(str(xml), 0, 0, "info", "orphan",
                                  f"removed a hand-edited file whose source is gone; the "
                                  f"edits are kept in {backup}"))
        _remove_file(ctx.site / f"{xml.stem}.html")
        _remove_file(xml)
    except OSError as exc:  # a read-only folder: reported, and the run goes on
        return [Diagnostic(str(xml), 0, 0, "error", "io", f"{exc.strerror or exc}; no source "
                           "in sources/ produces this file, but it cannot be removed")]
    return out or [Diagnostic(str(xml), 0, 0, "info", "orphan",
                              "removed with its page: its source is gone from sources/")]


@dataclass
class _Plan:
    """What planning decided without running anything."""

    notes: list[Diagnostic] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    jobs: int = 0  # documents sent to a worker


def _plan_orphans(ctx: _Context, names: Iterable[str], todo: _Plan
                  ) -> Iterator[_Job | DocResult]:
    """TEI files and pages that no source produces (`names`: the sources' output names, in
    order): kept ones are published, the others removed (or left with --keep-orphans,
    unpublished). In a shard, only its own share."""
    sources = iter(names)
    source = next(sources, None)
    # by name, as the sources are ("a-b.xml" sorts before "a.xml", "a-b" after "a")
    for stem in document_output_stems(ctx.encoded):
        file_name = f"{stem}.xml"
        while source is not None and source < stem:  # both in order: one walk, no set
            source = next(sources, None)
        if stem == source or (ctx.share and not ctx.share.holds(stem)):
            continue
        xml = ctx.encoded / file_name
        if ctx.config.keeps_orphan(xml.name):
            yield _plan_kept(ctx, xml.stem)
            ctx.kept.add(xml.stem)
        elif ctx.keep_orphans:
            todo.notes.append(Diagnostic(str(xml), 0, 0, "warning", "orphan",
                                          "no source in sources/ produces this file; kept "
                                          "(--keep-orphans), but not published"))
        else:
            found = _remove_orphan(ctx, xml)
            todo.notes += found
            if not has_errors(found):
                todo.removed.append(xml.stem)
    if ctx.keep_orphans:
        return
    # pages the last build published for documents that are gone (their TEI file may have
    # been removed by hand)
    for name in sorted(set(ctx.leftover) - ctx.kept):
        with contextlib.suppress(OSError):  # a page that stays is unlisted all the same
            _remove_file(ctx.site / f"{name}.html")


def _site_pages() -> frozenset[str]:
    """Names of the pages the build writes for the edition as a whole (not a document's)."""
    from .render import INDEX_NAME
    from .search import SEARCH_PAGE

    return frozenset({Path(INDEX_NAME).stem, Path(SEARCH_PAGE).stem})


def _in_cache_order(cache: BuildCache, groups: Iterable[tuple[str, list[str]]], ctx: _Context
                    ) -> Iterator[tuple[tuple[str, list[str]], Entry | None]]:
    """Each source group, in name order, with its cache entry, read alongside the cache's
    rows (both in name order: one pass, never the whole cache in memory). Cached names
    without a source go to ctx.leftover."""
    rows = cache.entries()
    row = next(rows, None)
    for group in groups:
        name = group[0]
        while row is not None and row[0] < name:
            ctx.leftover[row[0]] = cache.decode(*row[1:])
            row = next(rows, None)
        if row is not None and row[0] == name:
            yield group, row[1:]
            row = next(rows, None)
        else:
            yield group, None
    while row is not None:
        ctx.leftover[row[0]] = cache.decode(*row[1:])
        row = next(rows, None)


def _stem(path: str) -> str:
    """The output name of a source path (FOLDER/NAME.txt -> NAME; a source has a suffix).
    Sliced, not split with os.path: it runs three times for every document of a build."""
    return path[path.rfind(os.sep) + 1:path.rfind(".")]


def _by_name(paths: list[str]) -> Iterator[tuple[str, list[str]]]:
    """The sources grouped by output name, in name order: a sort and a walk, not a map of
    every name (a group of two or more is a collision)."""
    paths.sort(key=_stem)  # stable: the paths of one name stay in path order
    return ((name, list(group)) for name, group in itertools.groupby(paths, key=_stem))


def plan(ctx: _Context, todo: _Plan) -> Iterator[_Job | DocResult]:
    """Decide what to do for each source and each orphan, one document at a time."""
    paths = list_sources(ctx.root / "sources")
    reserved = _site_pages()
    groups = ((n, g) for n, g in _by_name(paths) if ctx.share is None or ctx.share.holds(n))
    for (name, group), entry in _in_cache_order(ctx.cache, groups, ctx):
        if len(group) == 1 and name not in reserved and entry is not None and not ctx.force:
            found = _untouched(ctx, name, group[0], entry)
            if found is not None:
                yield found
                continue
        state = None if entry is None else ctx.cache.decode(*entry)
        if len(group) > 1:  # one document would silently replace the other
            xml = ctx.encoded / f"{name}.xml"
            yield DocResult(name, "failed", False, diagnostics=[
                collision_diagnostic(src, group, xml) for src in group],
                refreshed=state is not None)
        elif name in reserved:  # its page would replace the edition's own page
            page = ctx.site / f"{name}.html"
            yield DocResult(name, "failed", False, diagnostics=[Diagnostic(
                str(group[0]), 0, 0, "error", "collision",
                f"{group[0]} would become {page}, a page the edition itself needs; rename it")],
                refreshed=state is not None)
        else:
            yield _plan_source(ctx, name, group[0], state)
    yield from _plan_orphans(ctx, (n for n, _ in itertools.groupby(map(_stem, paths))), todo)


def _execute(steps: Iterable[_Job | DocResult], workers: int, todo: _Plan
             ) -> Iterator[DocResult]:
    """Run the jobs among `steps` and give every result in the order of `steps`. At most a
    few jobs per worker are in flight, so the plan is never held whole. The first job runs
    here: a build that changes one document starts no pool (and pays no process start)."""
    window: deque[Future[DocResult] | DocResult] = deque()
    in_flight = 0
    pool: ProcessPoolExecutor | None = None
    try:
        for step in steps:
            if not isinstance(step, _Job):
                window.append(step)
            elif workers <= 1 or not todo.jobs:
                window.append(_run_job(step))
                todo.jobs += 1
            else:
                if pool is None:
                    # imported here: a build with one job or none starts no pool
                    from concurrent.futures import ProcessPoolExecutor

                    _tools()  # compiled once here; forked workers inherit it
                    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
                window.append(pool.submit(_run_job, step))
                todo.jobs += 1
                in_flight += 1
            while window and (in_flight > 4 * workers or _ready(window[0])):
                head = window.popleft()
                if isinstance(head, DocResult):
                    yield head
                else:
                    in_flight -= 1
                    yield head.result()
        while window:
            head = window.popleft()
            yield head if isinstance(head, DocResult) else head.result()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _ready(step: Future[DocResult] | DocResult) -> bool:
    return isinstance(step, DocResult) or step.done()


class _Spool:
    """The fresh register records of a build, kept on disk until the register is written
    (a record holds the document's text: never all of them in memory at once)."""

    def __init__(self, folder: Path) -> None:
        # open for the whole build (closed by close(), in _build's finally)
        self._file = tempfile.TemporaryFile(dir=folder, prefix=".tei-edition-records.")  # noqa: SIM115

    def add(self, data: bytes) -> int:
        """Keep a record (JSON); where it is (for `get`). All records are added before any
        is read (the file stays at its end meanwhile)."""
        at = self._file.tell()
        self._file.write(len(data).to_bytes(8, "big") + data)
        return at

    def get(self, at: int) -> dict:
        self._file.seek(at)
        return json.loads(self._file.read(int.from_bytes(self._file.read(8), "big")))

    def close(self) -> None:
        self._file.close()


class _Records(Mapping[str, "dict | None"]):
    """Every published document -> its fresh record from the spool, or None when it was not
    rendered in this build (the register has it from the last one). Read as asked; asked
    in name order, as the register does, each is found without a map of every name."""

    def __init__(self, docs: Iterable[DocSummary], spool: _Spool) -> None:
        self._names: list[str] = []
        self._at = array.array("q")
        for d in docs:
            if d.listed:
                self._names.append(d.name)
                self._at.append(d.record)
        self._spool = spool
        self._next = 0
        self._index: dict[str, int] | None = None  # made only if asked out of order

    def _position(self, name: str) -> int | None:
        if self._next < len(self._names) and self._names[self._next] == name:
            return self._next
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self._names)}
        return self._index.get(name)

    def __getitem__(self, name: str) -> dict | None:
        i = self._position(name)
        if i is None:
            raise KeyError(name)
        self._next = i + 1
        return None if self._at[i] < 0 else self._spool.get(self._at[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _keep(cache: BuildCache, r: DocResult) -> bool:
    """The document's row of the cache, when it changed; True when a row goes."""
    if not r.refreshed:
        return False
    if r.tei is None:
        cache.drop(r.name)
        return True
    state = DocState(r.inputs, r.tei, r.settings, r.valid, _cached_diagnostics(r), r.page,
                     r.date, r.index_row)
    (cache.refresh if r.reused else cache.put)(r.name, state)
    return False


def build(root: Path, *, jobs: int | None = None, force: bool = False, config: Config | None = None,
          progress: Callable[[DocResult], None] | None = None,
          keep_orphans: bool = False, share: Share | None = None,
          out: Path | None = None) -> BuildResult:
    """Build a project folder; `progress` is called as each document finishes. With
    `share`, only that share of the sources, into `out` (default ROOT/shards/K-of-N)."""
    start = time.perf_counter()
    config = config or Config()
    result = BuildResult()
    out = output_folder(root, share, out)
    if not (root / "sources").is_dir():
        result.usage_errors.append(Diagnostic(str(root / "sources"), 0, 0, "error", "io",
                                              "no sources/ folder: expected DIR/sources/*.txt"))
        return result
    for sub in ("encoded", "site"):
        try:
            (out / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file of that name, a read-only folder
            result.usage_errors.append(Diagnostic(str(out / sub), 0, 0, "error", "io",
                                                  exc.strerror or str(exc)))
            return result
    cache, result.notes = load_cache(out / "site" / CACHE_NAME)
    try:
        _build(root, out, config, cache, result, jobs=jobs or os.cpu_count() or 1,
               force=force, keep_orphans=keep_orphans, share=share, progress=progress)
    finally:
        cache.close()
    result.seconds = time.perf_counter() - start
    return result


def output_folder(root: Path, share: Share | None = None, out: Path | None = None) -> Path:
    """Where a build writes encoded/ and site/: `out`, else a share's own folder under
    ROOT/shards/, else the project itself."""
    return out or (root / "shards" / share.folder if share else root)


def _listing(folder: Path, suffix: str = "") -> frozenset[str]:
    """The names in a folder (ending with `suffix`); none when it cannot be listed."""
    try:
        return frozenset(n for n in os.listdir(folder) if n.endswith(suffix))
    except OSError:
        return frozenset()


def _build(root: Path, out: Path, config: Config, cache: BuildCache, result: BuildResult, *,
           jobs: int, force: bool, keep_orphans: bool, share: Share | None,
           progress: Callable[[DocResult], None] | None) -> None:
    ctx = _Context(root, out, config, force, keep_orphans, cache, settings_digest(config),
                   share, _listing(root / "sources", HINTS_SUFFIX))
    todo = _Plan()
    spool, ledger = _Spool(ctx.site), _Ledger(ctx.site)
    dropped = listed = 0
    try:
        for r in _execute(plan(ctx, todo), jobs, todo):
            result.add(r)
            dropped += _keep(cache, r)
            at = -1 if r.site_record is None else spool.add(r.site_record)
            ledger.add(DocSummary(r.name, r.status, r.valid, r.rendered, r.listed, at), r,
                       _written(ctx, r))
            result.site_files += r.rendered
            listed += r.listed
            if progress:
                progress(r)
        result.usage_errors += todo.errors
        result.notes += todo.notes + bad_rows_warning(cache)
        result.removed = todo.removed
        gone = [n for n in ctx.leftover if n not in ctx.kept]  # their sources were removed
        for name in gone:
            cache.drop(name)
        # The TEI files and pages were written without a flush each: one for the whole run.
        if ledger.written != []:  # a list of them, or None: too many to list
            sync_written(ledger.written if ledger.written is not None else (
                p for d in ledger for p in (
                    *([ctx.encoded / f"{d.name}.xml"] if d.status == "converted" else []),
                    *([ctx.site / f"{d.name}.html"] if d.rendered else []))))
        changed = bool(todo.jobs or todo.removed or gone or dropped) or force
        result.notes += cache.save(lambda: _write_edition(ctx, result, ledger, spool, listed,
                                                          changed=changed))
        result.doc_diagnostics = ledger.diagnostics()
    finally:
        spool.close()
        ledger.close()


def _written(ctx: _Context, r: DocResult) -> list[str]:
    """The files a document's job wrote without a flush."""
    return [*([f"{ctx.encoded_str}/{r.name}.xml"] if r.status == "converted" else []),
            *([f"{ctx.site_str}/{r.name}.html"] if r.rendered else [])]


def _write_edition(ctx: _Context, result: BuildResult, ledger: _Ledger, spool: _Spool,
                   listed: int, *, changed: bool) -> None:
    """The pages of the edition as a whole, and the corpus (not in a shard): each only when
    something it is made from changed, or it is missing. Runs before the cache is committed:
    a build killed here leaves the last cache, and the next build does this again."""
    if changed or not all((ctx.site / f).is_file() for f in _site_files()):
        _write_site(ctx, listed)
        result.site_files += 2
    result.site_files += _write_site_pages(ctx, lambda: _Records(ledger, spool), changed=changed)
    if ctx.share is None:
        result.corpus_diagnostics = _write_corpus(ctx, _with_tei(ctx, ledger), changed,
                                                  ledger.changed)


def _with_tei(ctx: _Context, ledger: _Ledger) -> list[str]:
    """The documents that have a TEI file in encoded/: converted or unchanged ones do, a
    failed one may (it is looked for)."""
    return [d.name for d in ledger if d.status in ("converted", "unchanged")
            or os.path.isfile(f"{ctx.encoded_str}/{d.name}.xml")]


def _write_corpus(ctx: _Context, names: list[str], changed: bool,
                  documents: set[str] | None = None) -> list[Diagnostic]:
    """encoded/corpus.xml and its parts, unless nothing they are made from is newer; and
    the schemas where the documents' xml-model instructions point, when that is local."""
    from .corpus import (
        CORPUS_NAME,
        STORE_NAME,
        is_current,
        publish_schemas,
        stat_or_none,
        write_corpus,
    )

    if not names:
        return []  # a corpus holds at least one document
    corpus = ctx.encoded / CORPUS_NAME
    # corpus.xml is the file the last build wrote (its stamp, noted then), from the documents
    # as they were: those this build found unchanged need no look (`documents`: the others)
    in_step = ctx.cache.fact("corpus") == stat_or_none(corpus)
    checked = not changed and in_step
    current = not changed and is_current(ctx.encoded, names, ctx.config,
                                         documents_checked=checked)
    schemas = publish_schemas(ctx.out, ctx.config)
    if current:
        return schemas
    # the store in site/ keeps what the corpus needs of each document: only those that
    # changed are read again
    found = write_corpus(ctx.encoded, names, ctx.config, store=ctx.site / STORE_NAME,
                         changed=documents if in_step else None)
    ctx.cache.note("corpus", None if has_errors(found) else stat_or_none(corpus))
    return schemas + found


def _registry_ids(config: Config) -> frozenset[str]:
    return frozenset(p.id for p in config.persons)


def _site_record(tree: etree._ElementTree, name: str, registry: frozenset[str],
                 anchors: list[tuple[etree._Element, str]] | None = None) -> dict:
    """What the document gives the register and search (`anchors`: its passages, when
    the caller found them for the page)."""
    from .register import document_record

    return document_record(tree.getroot(), name, registry, _tools().sheets, anchors)


def _write_site_pages(ctx: _Context, records: Callable[[], Mapping[str, dict | None]], *,
                      changed: bool) -> int:
    """The persons register and the search index (register.py), from the records of the
    documents rendered now and the stored ones; rewrites only files that changed, and says
    how many it wrote."""
    from .register import CACHE_NAME as REGISTER
    from .register import write_site_pages
    from .search import SEARCH_PAGE

    site = ctx.site
    if not changed and (site / REGISTER).exists() and (site / SEARCH_PAGE).exists():
        return 0  # nothing was rendered: the register and the index are as the last run left them
    registry = _registry_ids(ctx.config)

    def load(name: str) -> dict | None:
        try:
            return _site_record(parse_file(ctx.encoded / f"{name}.xml"), name, registry)
        except (OSError, XMLInputError):
            return None

    report = write_site_pages(site, records(), load=load, registry=ctx.config.persons)
    sync_written(report.written)
    return len(report.written) - 1  # not counting the register's own cache


def _site_files() -> tuple[str, ...]:
    """What _write_site writes besides the documents' pages."""
    from .render import CSS_NAME, INDEX_NAME

    return INDEX_NAME, CSS_NAME


def _write_site(ctx: _Context, count: int) -> None:
    """index.html from the rows in the cache (streamed: never every row in memory), and the CSS."""
    from .render import CSS_NAME, INDEX_NAME, XSLT_DIR, Stylesheets, index_page

    sheets = _tools().sheets if _TOOLS else Stylesheets.load()
    write_atomic(ctx.site / INDEX_NAME, index_page(ctx.cache.rows(), count, sheets))
    write_atomic(ctx.site / CSS_NAME, (XSLT_DIR / CSS_NAME).read_bytes())


# ------------------------------------------------------------------ merging shards


def merge(root: Path, shards: list[Path], *, jobs: int | None = None,
          config: Config | None = None, progress: Callable[[DocResult], None] | None = None
          ) -> BuildResult:
    """Take the documents the shards built (their TEI files, pages, cache rows and register
    records) into the project, then build it: what the shards made is current and kept, and
    the index, the persons register, the search index and the corpus are written from it.
    A source no shard built is converted here."""
    result = BuildResult()
    caches: list[BuildCache] = []
    try:
        for shard in shards:
            try:
                caches.append(open_cache_read_only(shard / "site" / CACHE_NAME))
            except ValueError as exc:
                result.usage_errors.append(Diagnostic(
                    str(shard), 0, 0, "error", "io", "not the output of `build --shard` of "
                    f"this version: site/{CACHE_NAME} is {exc}"))
        if not result.usage_errors:
            for shard, shard_cache in zip(shards, caches, strict=True):
                result.notes += _adopt(root, shard, shard_cache)
    finally:
        for cache in caches:
            cache.close()
    if has_errors(result.notes) or result.usage_errors:
        return result
    built = build(root, jobs=jobs, config=config, progress=progress)
    built.notes[:0] = result.notes
    return built


def _adopt(root: Path, shard: Path, shard_cache: BuildCache) -> list[Diagnostic]:
    """Copy one shard's documents, cache rows and register records into the project. A TEI
    file of the project that was edited by hand is never replaced (the build then reports
    it)."""
    from .register import adopt

    (root / "site").mkdir(parents=True, exist_ok=True)
    cache, notes = load_cache(root / "site" / CACHE_NAME)
    try:
        for name, state in shard_cache.states():
            if state is None:
                continue
            notes += _copy_document(root, shard, name)
            cache.put(name, state)  # its records do not vouch here: hashed again, by content
        notes += cache.save()
    finally:
        cache.close()
    try:
        adopt(root / "site", shard / "site")
    except ValueError as exc:  # a register of another version
        notes.append(Diagnostic(str(shard / "site"), 0, 0, "error", "io", str(exc)))
    return notes


def _copy_document(root: Path, shard: Path, name: str) -> list[Diagnostic]:
    target = root / "encoded" / f"{name}.xml"
    with contextlib.suppress(OSError, XMLInputError):
        if os.path.lexists(target) and not TeiFacts.of(read_limited(target)).intact:
            return [Diagnostic(str(target), 0, 0, "warning", "hand-edited",
                               f"edited by hand: kept, not replaced by {shard}'s")]
    try:
        for sub, suffix in (("encoded", ".xml"), ("site", ".html")):
            src = shard / sub / f"{name}{suffix}"
            if src.is_file():
                (root / sub).mkdir(parents=True, exist_ok=True)
                with src.open("rb") as fh:
                    write_atomic(root / sub / src.name, iter(lambda: fh.read(1 << 20), b""),
                                 durable=False)
    except OSError as exc:
        return [Diagnostic(str(shard / "encoded" / f"{name}.xml"), 0, 0, "error", "io",
                           exc.strerror or str(exc))]
    return []


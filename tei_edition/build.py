"""The whole pipeline for a project folder: sources/ -> encoded/ -> validate -> site/, and
encoded/corpus.xml (the teiCorpus of every document, `corpus.py`).

Incremental by content (see `buildstate`): a source whose TEI records its current SHA-256
and this converter version is not converted again, and a TEI file whose page and validation
result are cached is not validated or rendered again; `--force` redoes everything. Outputs
are tracked: the TEI file and page of a source that is gone are removed. Documents are
processed in parallel in a process pool; each worker compiles the schema and the
stylesheets once.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from .render import Stylesheets
    from .validate import Validator

from . import __version__
from .buildstate import (
    CACHE_NAME,
    BuildCache,
    DocState,
    FileRecord,
    TeiFacts,
    TeiRecord,
    document_inputs,
    document_outputs,
    load_cache,
    read_tei,
    record_bytes,
    record_file,
    save_cache,
    settings_digest,
)
from .config import Config
from .convert import (
    backup_hand_edit,
    by_output_name,
    collect_sources,
    collision_diagnostic,
    convert_file,
    is_io_error,
)
from .diagnostics import Diagnostic, Exit, has_errors
from .textio import SourceError, read_source_bytes
from .xmlio import XMLInputError, parse_bytes, parse_file, read_limited, sync_written, write_atomic

__all__ = ["CACHE_NAME", "BuildResult", "DocResult", "build"]


@dataclass
class DocResult:
    """What happened to one document in a build."""

    name: str
    status: str  # converted | unchanged | failed | protected
    valid: bool = True
    rendered: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    index_entry: bytes | None = None  # the serialised IndexEntry element, for the index page
    site_record: dict | None = None  # what the persons register and search take (register.py)
    seconds: dict[str, float] = field(default_factory=dict)
    inputs: list[FileRecord] = field(default_factory=list)  # what the TEI was made from
    tei: TeiRecord | None = None  # the TEI file published, when there is one
    page: FileRecord | None = None  # its page, as written
    settings: str = ""  # settings_digest of the configuration it was made with


@dataclass
class BuildResult:
    """The outcome of one build."""

    docs: list[DocResult] = field(default_factory=list)
    usage_errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)  # orphans, the cache
    removed: list[str] = field(default_factory=list)  # orphan documents removed
    seconds: float = 0.0
    corpus_diagnostics: list[Diagnostic] = field(default_factory=list)
    site_files: int = 0  # files of site/ written: pages, index, persons register, search index

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [*self.usage_errors, *self.notes, *(d for r in self.docs for d in r.diagnostics),
                *self.corpus_diagnostics]

    @property
    def exit_status(self) -> int:
        if self.usage_errors or any(map(is_io_error, self.diagnostics)):
            return Exit.USAGE
        if (any(r.status in ("failed", "protected") or not r.valid for r in self.docs)
                or has_errors(self.notes)):
            return Exit.PROBLEM
        if has_errors(self.corpus_diagnostics):
            return Exit.PROBLEM
        return Exit.OK

    def summary(self) -> str:
        """Converted, unchanged, warnings, invalid, seconds."""
        count = lambda s: sum(r.status == s for r in self.docs)  # noqa: E731
        warnings = sum(d.severity == "warning" for d in self.diagnostics)
        invalid = sum(not r.valid for r in self.docs)
        failed = count("failed") + count("protected")
        removed = f", {len(self.removed)} orphan(s) removed" if self.removed else ""
        return (f"build: {len(self.docs)} document(s): {count('converted')} converted, "
                f"{count('unchanged')} unchanged, {failed} failed, {warnings} warning(s), "
                f"{invalid} invalid{removed}; site: {self.site_files} file(s) written; "
                f"{self.seconds:.2f} s")


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
    name: str
    source: Path | None  # None: a TEI file kept without a source ([build] orphans)
    encoded: Path
    site: Path
    convert: bool  # False: the TEI is current
    render: bool  # False: the page and validation result are cached
    force: bool
    config: Config
    inputs: tuple[FileRecord, ...] = ()
    settings: str = ""


def _run_job(job: _Job) -> DocResult:
    """Convert, validate and render one document (in a worker process)."""
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
    if job.render or result.status == "converted":
        _validate_and_render(job, result, tei)
    with contextlib.suppress(OSError):  # vanished meanwhile: the next build sees it
        result.tei = TeiRecord(record_bytes(job.encoded, tei), TeiFacts.of(tei))
    return result


def _validate_and_render(job: _Job, result: DocResult, tei: bytes) -> None:
    """Validate and render the TEI bytes, parsed once for both; a file that cannot be
    parsed gets the validator's own diagnostic."""
    from .render import IndexEntry, RenderError, render_document

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
    try:
        page = render_document(tree, _tools().sheets, name=job.name, registry=registry)
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
    entry = IndexEntry.from_tree(job.name, tree, registry)
    result.index_entry = etree.tostring(entry.element())
    result.rendered = True
    result.seconds["html"] = time.perf_counter() - t
    t = time.perf_counter()
    result.site_record = _site_record(tree, job.name, registry)
    result.seconds["register"] = time.perf_counter() - t


# ------------------------------------------------------------------ the parent side


def _cached_diagnostics(r: DocResult) -> list[Diagnostic]:
    # Diagnostics of the conversion step are not replayed: the TEI is not converted again.
    return [d for d in r.diagnostics if d.rule not in _CONVERT_RULES]


def _new_cache(docs: list[DocResult], published: list[str]) -> BuildCache:
    cache = BuildCache(published=published)
    for r in docs:
        if r.tei is not None:
            cache.docs[r.name] = DocState(r.inputs, r.tei, r.settings, r.valid,
                                          _cached_diagnostics(r),
                                          r.index_entry.decode() if r.index_entry else None,
                                          r.page)
    return cache


# Diagnostics that belong to the conversion step: not replayed from the cache.
_CONVERT_RULES = frozenset({"kept-as-text", "unbalanced", "unresolved-speaker",
                            "ambiguous-speaker", "encoding", "no-body", "no-title",
                            "control-chars"})


@dataclass
class _Plan:
    """What a build has to do, and what it decided without running anything."""

    jobs: list[_Job] = field(default_factory=list)
    done: list[DocResult] = field(default_factory=list)  # reused from the cache, or failed
    notes: list[Diagnostic] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)

    def add(self, step: _Job | DocResult) -> None:
        """A job to run, or a result decided without running one."""
        if isinstance(step, _Job):
            self.jobs.append(step)
        else:
            self.done.append(step)


@dataclass(frozen=True)
class _Context:
    """The settings of one build that every decision needs."""

    root: Path
    config: Config
    force: bool
    keep_orphans: bool
    cache: BuildCache
    settings: str

    @property
    def encoded(self) -> Path:
        return self.root / "encoded"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def job(self, name: str, source: Path | None, *, convert: bool,
            inputs: list[FileRecord] | None = None) -> _Job:
        return _Job(name, source, self.encoded / f"{name}.xml", self.site, convert, True,
                    self.force, self.config, tuple(inputs or ()), self.settings)


def _record_inputs(source: Path, state: DocState | None) -> list[FileRecord] | None:
    """The digests of a document's inputs (hashing only what changed); None when one
    cannot be read (its conversion then says why)."""
    previous = {r.path: r for r in state.inputs} if state else {}
    try:
        return [record_file(p, previous.get(str(p)), read_source_bytes)
                for p in document_inputs(source)]
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


def _reuse(ctx: _Context, name: str, tei: TeiRecord, inputs: list[FileRecord]) -> DocResult | None:
    """The cached result of a current TEI file, when its page is still the one written."""
    state = ctx.cache.docs.get(name)
    if state is None or state.tei.file.sha256 != tei.file.sha256 or state.page is None:
        return None
    try:  # deleted, edited, replaced by something else: rendered again
        page = record_file(ctx.site / f"{name}.html", state.page, read_limited)
    except (XMLInputError, OSError):
        return None
    if page.sha256 != state.page.sha256:
        return None
    return DocResult(name, "unchanged", state.valid, diagnostics=list(state.diagnostics),
                     index_entry=state.index.encode() if state.index else None,
                     inputs=inputs, tei=tei, settings=state.settings, page=page)


def _unreadable(name: str, xml: Path, exc: XMLInputError | OSError) -> DocResult:
    message = exc.message if isinstance(exc, XMLInputError) else (exc.strerror or str(exc))
    return DocResult(name, "failed", False, diagnostics=[Diagnostic(
        str(xml), 0, 0, "error", "io", f"{message}; it is neither read nor replaced "
        "(move it away)")])


def _plan_source(ctx: _Context, name: str, source: Path) -> _Job | DocResult:
    """Convert, render only, or reuse: the decision for one source."""
    state = ctx.cache.docs.get(name)
    inputs = _record_inputs(source, state)
    xml = ctx.encoded / f"{name}.xml"
    if ctx.force or inputs is None or not os.path.lexists(xml):
        return ctx.job(name, source, convert=True, inputs=inputs)
    try:
        tei = read_tei(xml, state.tei if state else None)
    except (XMLInputError, OSError) as exc:
        return _unreadable(name, xml, exc)
    if not _is_current(tei, inputs, state, ctx.settings):
        return ctx.job(name, source, convert=True, inputs=inputs)
    return _reuse(ctx, name, tei, inputs) or ctx.job(name, source, convert=False, inputs=inputs)


def _plan_kept(ctx: _Context, name: str) -> _Job | DocResult:
    """A TEI file without a source that the configuration keeps: validated and published."""
    xml = ctx.encoded / f"{name}.xml"
    state = ctx.cache.docs.get(name)
    try:
        tei = read_tei(xml, state.tei if state else None)
    except (XMLInputError, OSError) as exc:
        return _unreadable(name, xml, exc)
    if ctx.force:
        return ctx.job(name, None, convert=False)
    return _reuse(ctx, name, tei, []) or ctx.job(name, None, convert=False)


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


def _plan_orphans(ctx: _Context, names: set[str], todo: _Plan) -> None:
    """TEI files and pages that no source produces: kept ones are published, the others
    removed (or left with --keep-orphans, unpublished)."""
    for xml in document_outputs(ctx.encoded):
        if xml.stem in names:
            continue
        if ctx.config.keeps_orphan(xml.name):
            todo.add(_plan_kept(ctx, xml.stem))
            names.add(xml.stem)
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
    for name in sorted({*ctx.cache.docs, *(ctx.cache.published or [])} - names):
        with contextlib.suppress(OSError):  # a page that stays is unlisted all the same
            _remove_file(ctx.site / f"{name}.html")


def _site_pages() -> frozenset[str]:
    """Names of the pages the build writes for the edition as a whole (not a document's)."""
    from .render import INDEX_NAME
    from .search import SEARCH_PAGE

    return frozenset({Path(INDEX_NAME).stem, Path(SEARCH_PAGE).stem})


def plan(ctx: _Context) -> _Plan:
    """Decide what to do for each source and each orphan."""
    result = _Plan()
    sources, result.errors = collect_sources([ctx.root / "sources"])
    groups = by_output_name(sources)
    for name, group in groups.items():
        if len(group) > 1:  # one document would silently replace the other
            xml = ctx.encoded / f"{name}.xml"
            result.done.append(DocResult(name, "failed", False, diagnostics=[
                collision_diagnostic(src, group, xml) for src in group]))
        elif name in _site_pages():  # its page would replace the edition's own page
            page = ctx.site / f"{name}.html"
            result.done.append(DocResult(name, "failed", False, diagnostics=[Diagnostic(
                str(group[0]), 0, 0, "error", "collision",
                f"{group[0]} would become {page}, a page the edition itself needs; rename it")]))
        else:
            result.add(_plan_source(ctx, name, group[0]))
    _plan_orphans(ctx, set(groups), result)
    return result


def _execute(jobs: list[_Job], workers: int) -> Iterator[DocResult]:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _run_job(job)
        return
    chunk = max(1, min(8, len(jobs) // (workers * 8)))
    _tools()  # compiled once here; forked workers inherit it instead of compiling again
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        yield from pool.map(_run_job, jobs, chunksize=chunk)


def build(root: Path, *, jobs: int | None = None, force: bool = False, config: Config | None = None,
          progress: Callable[[DocResult], None] | None = None,
          keep_orphans: bool = False) -> BuildResult:
    """Build a project folder; `progress` is called as each document finishes."""
    start = time.perf_counter()
    config = config or Config()
    result = BuildResult()
    if not (root / "sources").is_dir():
        result.usage_errors.append(Diagnostic(str(root / "sources"), 0, 0, "error", "io",
                                              "no sources/ folder: expected DIR/sources/*.txt"))
        return result
    for sub in ("encoded", "site"):
        try:
            (root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file of that name, a read-only folder
            result.usage_errors.append(Diagnostic(str(root / sub), 0, 0, "error", "io",
                                                  exc.strerror or str(exc)))
            return result
    cache, result.notes = load_cache(root / "site" / CACHE_NAME)
    ctx = _Context(root, config, force, keep_orphans, cache, settings_digest(config))
    todo = plan(ctx)
    result.usage_errors += todo.errors
    result.notes += todo.notes
    result.removed = todo.removed
    for r in todo.done:
        result.docs.append(r)
        if progress:
            progress(r)
    for r in _execute(todo.jobs, jobs or os.cpu_count() or 1):
        result.docs.append(r)
        if progress:
            progress(r)
    result.docs.sort(key=lambda r: r.name)
    # The pages and TEI files were written without a flush each: one for the whole run.
    sync_written([*(root / "encoded" / f"{r.name}.xml" for r in result.docs
                    if r.status == "converted"),
                  *(root / "site" / f"{r.name}.html" for r in result.docs if r.rendered)])
    published = [r.name for r in result.docs if r.index_entry]
    result.site_files = sum(r.rendered for r in result.docs)
    changed = bool(todo.jobs or todo.removed)
    if (changed or cache.published != published
            or not all(os.path.isfile(root / "site" / f) for f in _site_files())):
        _write_site(root / "site", result.docs)
        result.site_files += 2
    # A source removed since the last run changes the register too, though nothing was rendered.
    gone = set(cache.docs) - {r.name for r in result.docs}
    result.site_files += _write_site_pages(root, result.docs, config,
                                           force=changed or bool(gone) or force)
    result.corpus_diagnostics = _write_corpus(root, result.docs, config, changed or force)
    result.notes += save_cache(root / "site" / CACHE_NAME, _new_cache(result.docs, published))
    result.seconds = time.perf_counter() - start
    return result


def _write_corpus(root: Path, docs: list[DocResult], config: Config,
                  changed: bool) -> list[Diagnostic]:
    """encoded/corpus.xml and its parts, unless nothing they are made from is newer; and
    the schemas where the documents' xml-model instructions point, when that is local."""
    from .corpus import is_current, publish_schemas, write_corpus

    encoded = root / "encoded"
    names = [r.name for r in docs if (encoded / f"{r.name}.xml").is_file()]
    if not names:
        return []  # a corpus holds at least one document
    current = not changed and is_current(encoded, names, config)
    schemas = publish_schemas(root, config)
    return schemas if current else schemas + write_corpus(encoded, names, config)


def _registry_ids(config: Config) -> frozenset[str]:
    return frozenset(p.id for p in config.persons)


def _site_record(tree: etree._ElementTree, name: str, registry: frozenset[str]) -> dict:
    from .register import document_record

    return document_record(tree.getroot(), name, registry, _tools().sheets)


def _write_site_pages(root: Path, docs: list[DocResult], config: Config, *, force: bool) -> int:
    """The persons register and the search index (register.py), from the records of the
    documents rendered now and the cached ones; rewrites only files that changed, and says
    how many it wrote."""
    from .register import CACHE_NAME, write_site_pages

    site = root / "site"
    if not force and (site / CACHE_NAME).exists() and (site / "search.html").exists():
        return 0  # nothing was rendered: the register and the index are as the last run left them
    registry = _registry_ids(config)

    def load(name: str) -> dict | None:
        try:
            return _site_record(parse_file(root / "encoded" / f"{name}.xml"), name, registry)
        except (OSError, XMLInputError):
            return None

    report = write_site_pages(site, {r.name: r.site_record for r in docs if r.tei},
                              load=load, registry=config.persons)
    sync_written(report.written)
    return len(report.written) - 1  # not counting the register's own cache


def _site_files() -> tuple[str, ...]:
    """What _write_site writes besides the documents' pages."""
    from .render import CSS_NAME, INDEX_NAME

    return INDEX_NAME, CSS_NAME


def _write_site(site: Path, docs: list[DocResult]) -> None:
    from .render import CSS_NAME, XSLT_DIR, IndexEntry, Stylesheets, render_index

    entries = []
    for r in docs:
        if r.index_entry:
            el = etree.fromstring(r.index_entry)
            header = el[0] if len(el) else etree.Element("teiHeader")
            entries.append(IndexEntry(el.get("name", r.name), el.get("href", ""),
                                      el.get("kind", ""), el.get("date", ""), header))
    sheets = _tools().sheets if _TOOLS else Stylesheets.load()
    write_atomic(site / "index.html", render_index(entries, sheets))
    write_atomic(site / CSS_NAME, (XSLT_DIR / CSS_NAME).read_bytes())

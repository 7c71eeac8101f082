"""The whole pipeline for a project folder: sources/ -> encoded/ -> validate -> site/, and
encoded/corpus.xml (the teiCorpus of every document, `corpus.py`).

Incremental: a source whose TEI is newer and was made by this converter version is not
converted again, and a TEI file whose page and validation result are cached is not
validated or rendered again. Documents are processed in parallel in a process pool; each
worker compiles the schema and the stylesheets once.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from .render import Stylesheets
    from .validate import Validator

from . import __version__
from .config import Config
from .convert import collect_sources, convert_file
from .diagnostics import Diagnostic, Exit, has_errors
from .writers.tei import recorded_digest
from .xmlio import XMLInputError, parse_bytes, parse_file, sync_written, write_atomic

CACHE_NAME = ".tei-edition-build.json"
_VERSION_RE = re.compile(rb'<application ident="tei-edition" version="([^"]+)"')


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
    xml_stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the TEI file
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildResult:
    """The outcome of one build."""

    docs: list[DocResult] = field(default_factory=list)
    usage_errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    corpus_diagnostics: list[Diagnostic] = field(default_factory=list)
    site_files: int = 0  # files of site/ written: pages, index, persons register, search index

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [*self.usage_errors, *(d for r in self.docs for d in r.diagnostics),
                *self.corpus_diagnostics]

    @property
    def exit_status(self) -> int:
        if self.usage_errors:
            return Exit.USAGE
        if any(r.status in ("failed", "protected") or not r.valid for r in self.docs):
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
        return (f"build: {len(self.docs)} document(s): {count('converted')} converted, "
                f"{count('unchanged')} unchanged, {failed} failed, {warnings} warning(s), "
                f"{invalid} invalid; site: {self.site_files} file(s) written; {self.seconds:.2f} s")


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
    source: Path
    encoded: Path
    site: Path
    convert: bool  # False: the TEI is current
    render: bool  # False: the page and validation result are cached
    force: bool
    config: Config


def _run_job(job: _Job) -> DocResult:
    """Convert, validate and render one document (in a worker process)."""
    result = DocResult(job.name, "unchanged")
    tei: bytes | None = None  # the TEI bytes convert wrote or found in place
    if job.convert:
        t = time.perf_counter()
        # the validation below reports a stated total that differs from the list: once
        conv = convert_file(job.source, job.encoded.parent, force=job.force, config=job.config,
                            durable=False, totals=False)
        result.seconds["convert"] = time.perf_counter() - t
        result.status = conv.status
        result.diagnostics += conv.diagnostics
        if conv.status in ("failed", "protected") and not job.encoded.exists():
            result.valid = False
            return result
        tei = conv.tei  # what was written, or found already there (None when protected)
    elif job.encoded.exists() and not recorded_digest(job.encoded.read_bytes())[1]:
        result.diagnostics.append(Diagnostic(
            str(job.encoded), 1, 1, "warning", "hand-edited",
            "edited by hand since it was generated; kept as it is and published from the edit "
            "(`tei-edition check` compares it with the source)"))
    if job.render or result.status == "converted":
        _validate_and_render(job, result, tei)
    if job.encoded.exists():
        st = job.encoded.stat()
        result.xml_stamp = (st.st_mtime_ns, st.st_size)
    return result


def _validate_and_render(job: _Job, result: DocResult, tei: bytes | None) -> None:
    """Validate and render the TEI, parsed once for both (from `tei` when the bytes are at
    hand); a file that cannot be parsed gets the validator's own diagnostic."""
    from .render import IndexEntry, RenderError, render_document

    t = time.perf_counter()
    try:
        tree = parse_file(job.encoded) if tei is None else parse_bytes(tei, str(job.encoded))
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
    write_atomic(job.site / f"{job.name}.html", page, durable=False)
    entry = IndexEntry.from_tree(job.name, tree, registry)
    result.index_entry = etree.tostring(entry.element())
    result.rendered = True
    result.seconds["html"] = time.perf_counter() - t
    t = time.perf_counter()
    result.site_record = _site_record(tree, job.name, registry)
    result.seconds["register"] = time.perf_counter() - t


# ------------------------------------------------------------------ the parent side


def _tei_version(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16384)
    except OSError:
        return None
    mt = _VERSION_RE.search(head)
    return mt.group(1).decode() if mt else None


def _load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if data.get("version") == __version__ else {}


def _save_cache(path: Path, docs: list[DocResult], previous: dict) -> None:
    entries = {}
    for r in docs:
        if r.xml_stamp is None:
            continue
        old = previous.get("docs", {}).get(r.name, {})
        entries[r.name] = {
            "stamp": list(r.xml_stamp),
            "valid": r.valid,
            "diagnostics": [asdict(d) for d in r.diagnostics if d.rule not in _CONVERT_RULES],
            "index": r.index_entry.decode() if r.index_entry else old.get("index"),
        }
    write_atomic(path, json.dumps({"version": __version__, "docs": entries},
                                  ensure_ascii=False).encode())


# Diagnostics that belong to the conversion step: not replayed from the cache.
_CONVERT_RULES = frozenset({"kept-as-text", "unbalanced", "unresolved-speaker",
                            "ambiguous-speaker", "encoding", "no-body", "no-title"})


def plan(root: Path, config: Config, force: bool) -> tuple[list[_Job], list[DocResult], dict,
                                                             list[Diagnostic]]:
    """Decide what to do for each source: (jobs, results reused from the cache, cache, errors)."""
    sources, errors = collect_sources([root / "sources"])
    encoded, site = root / "encoded", root / "site"
    cache = _load_cache(site / CACHE_NAME)
    jobs: list[_Job] = []
    reused: list[DocResult] = []
    for src in sources:
        name = src.stem
        xml = encoded / f"{name}.xml"
        html = site / f"{name}.html"
        current = (xml.exists() and xml.stat().st_mtime_ns >= src.stat().st_mtime_ns
                   and _tei_version(xml) == __version__)
        cached = cache.get("docs", {}).get(name)
        if current and cached and html.exists() and xml.exists():
            st = xml.stat()
            if cached["stamp"] == [st.st_mtime_ns, st.st_size]:
                reused.append(DocResult(
                    name, "unchanged", cached["valid"],
                    diagnostics=[Diagnostic(**d) for d in cached["diagnostics"]],
                    index_entry=cached["index"].encode() if cached.get("index") else None,
                    xml_stamp=(st.st_mtime_ns, st.st_size)))
                continue
        jobs.append(_Job(name, src, xml, site, not current, True, force, config))
    return jobs, reused, cache, errors


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
          progress: Callable[[DocResult], None] | None = None) -> BuildResult:
    """Build a project folder; `progress` is called as each document finishes."""
    start = time.perf_counter()
    config = config or Config()
    result = BuildResult()
    if not (root / "sources").is_dir():
        result.usage_errors.append(Diagnostic(str(root / "sources"), 0, 0, "error", "io",
                                              "no sources/ folder: expected DIR/sources/*.txt"))
        return result
    for sub in ("encoded", "site"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    todo, reused, cache, errors = plan(root, config, force)
    result.usage_errors += errors
    for r in reused:
        result.docs.append(r)
        if progress:
            progress(r)
    for r in _execute(todo, jobs or os.cpu_count() or 1):
        result.docs.append(r)
        if progress:
            progress(r)
    result.docs.sort(key=lambda r: r.name)
    # The pages and TEI files were written without a flush each: one for the whole run.
    sync_written([*(root / "encoded" / f"{r.name}.xml" for r in result.docs
                    if r.status == "converted"),
                  *(root / "site" / f"{r.name}.html" for r in result.docs if r.rendered)])
    result.site_files = sum(r.rendered for r in result.docs)
    if todo or not (root / "site" / "index.html").exists():
        _write_site(root / "site", result.docs)
        result.site_files += 2
    # A source removed since the last run changes the register too, though nothing was rendered.
    gone = set(cache.get("docs", {})) - {r.name for r in result.docs}
    result.site_files += _write_site_pages(root, result.docs, config, force=bool(todo or gone))
    result.corpus_diagnostics = _write_corpus(root, result.docs, config, bool(todo) or force)
    _save_cache(root / "site" / CACHE_NAME, result.docs, cache)
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

    report = write_site_pages(site, {r.name: r.site_record for r in docs if r.xml_stamp},
                              load=load, registry=config.persons)
    sync_written(report.written)
    return len(report.written) - 1  # not counting the register's own cache


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

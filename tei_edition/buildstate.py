"""What `build` knows between runs: the content of every input and output, and its cache.

Freshness is decided by content. A TEI file is current when it records the SHA-256 of the
source as it is now, was made by this converter version, and (for an untouched generated
file) with the same settings. File times never decide that a file is unchanged: a stat is
only a shortcut that saves hashing a file whose modification time, change time, size and
inode are all as they were when it was hashed. The change time cannot be set back (`cp -p`,
`tar` and `rsync -a` restore only the modification time), so a restored or same-size edit
is hashed again. A file changed within RACY_NS of being hashed is hashed again too: file
times have a granularity, and an edit in the same tick would keep all four values.

The cache (`site/.tei-edition-build.sqlite`, stdlib SQLite: rows read in order and written
one by one, so a large archive is neither held in memory nor rewritten whole) is versioned
and checked entry by entry; an entry that cannot be used is ignored with a warning, a file
that is not a cache is replaced, and those documents are checked from the files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Config
from .corpus import CORPUS_NAME
from .diagnostics import Diagnostic
from .writers.tei import recorded_digest
from .xmlio import read_limited

CACHE_NAME = ".tei-edition-build.sqlite"
#: The layout of the cache file; a cache of another format is ignored.
CACHE_FORMAT = 4
#: A file whose change time is this close to the moment it was hashed is hashed again
#: (2 s: the coarsest file time granularity in use, FAT's).
RACY_NS = 2_000_000_000
#: Config fields that do not shape the TEI: a change to them converts nothing again.
_NOT_OUTPUT = frozenset({"path", "orphans", "corpus_title"})

#: Files of encoded/ that the build writes for the edition as a whole, not for one source:
#: never orphans (the corpus file that gathers every document; its parts are in a folder).
EDITION_FILES = frozenset({CORPUS_NAME})

_VERSION_RE = re.compile(rb'<application ident="tei-edition" version="([^"]+)"')
_SOURCE_SHA_RE = re.compile(rb'<idno type="source-sha256">([0-9a-f]{64})</idno>')

Stamp = tuple[int, int, int, int]  # mtime_ns, ctime_ns, size, inode


def stamp_of(st: os.stat_result) -> Stamp:
    """The stat values that change whenever the file's content may have changed."""
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


@dataclass(frozen=True)
class FileRecord:
    """A file's content digest, and the stat that vouches for it until the file changes."""

    path: str
    sha256: str
    stamp: Stamp
    seen: int  # time.time_ns() just after the stat was taken

    def vouches_for(self, st: os.stat_result) -> bool:
        """True when the file still is what was hashed: same stat, and not changed so
        shortly before the hashing that a later edit could share its file times."""
        return self.stamp == stamp_of(st) and self.stamp[1] < self.seen - RACY_NS


def record_file(path: str | Path, previous: FileRecord | None,
                read: Callable[[str], bytes]) -> FileRecord:
    """The digest of a file, from `previous` when its stat vouches for the content, else
    by reading it with `read` (which raises for what it refuses). The stat comes first:
    a change during the read then shows as a different stat next time. (A path may be a
    string: a build checks every document, and a Path per check is a cost of its own.)"""
    where = os.fspath(path)
    st = os.stat(where)
    seen = time.time_ns()
    if previous is not None and previous.path == where and previous.vouches_for(st):
        return previous
    # read(where), not read(Path(where)): a Path interns the file name (see read_source_bytes)
    return FileRecord(where, hashlib.sha256(read(where)).hexdigest(), stamp_of(st), seen)


def record_bytes(path: Path, data: bytes) -> FileRecord:
    """The record of a file just written with `data`."""
    st = path.stat()
    return FileRecord(str(path), hashlib.sha256(data).hexdigest(), stamp_of(st), time.time_ns())


@dataclass(frozen=True)
class TeiFacts:
    """What a TEI file says about how it was made."""

    version: str | None  # the tei-edition version that wrote it
    source_sha256: str | None  # the digest of the source it was made from
    intact: bool  # its recorded output digest still matches: not edited by hand

    @classmethod
    def of(cls, data: bytes) -> TeiFacts:
        version = _VERSION_RE.search(data)
        source = _SOURCE_SHA_RE.search(data)
        return cls(version.group(1).decode() if version else None,
                   source.group(1).decode() if source else None,
                   recorded_digest(data)[1])


@dataclass(frozen=True)
class TeiRecord:
    """A TEI file's record and facts."""

    file: FileRecord
    facts: TeiFacts


def read_tei(path: str | Path, previous: TeiRecord | None) -> TeiRecord:
    """The record of encoded/NAME.xml, read only when its stat does not vouch for the cached
    one; through the regular-file, size-limited reader (raises XMLInputError)."""
    data: list[bytes] = []

    def read(p: str) -> bytes:
        data.append(read_limited(p))
        return data[0]

    file = record_file(path, previous.file if previous else None, read)
    if not data and previous is not None:
        return TeiRecord(file, previous.facts)
    return TeiRecord(file, TeiFacts.of(data[0]))


def settings_digest(config: Config) -> str:
    """A digest of the settings that shape the TEI (publisher, licence, persons ...)."""
    fields = {k: v for k, v in dataclasses.asdict(config).items() if k not in _NOT_OUTPUT}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def document_outputs(encoded: Path) -> list[Path]:
    """The TEI files of encoded/ that belong to one document each (sorted)."""
    return [encoded / n for n in sorted(f"{s}.xml" for s in document_output_stems(encoded))]


def document_output_stems(encoded: Path) -> list[str]:
    """The names (without .xml) of the document files of encoded/, in name order: read from
    the listing one entry at a time (a list of the file names beside the list of names
    would be twice the memory, and a folder holds an archive)."""
    try:
        with os.scandir(encoded) as entries:
            stems = [e.name[:-4] for e in entries if e.name.endswith(".xml")
                     and not e.name.startswith(".") and e.name not in EDITION_FILES]
    except OSError:
        return []
    stems.sort()
    return stems


def document_inputs(source: Path | str, listed: Container[str] | None = None
                    ) -> list[Path | str]:
    """Every file a document's TEI is made from: the source first, then its hints file
    (NAME.hints.toml) when there is one. Adding, changing or removing one converts again.
    `listed`: the names of the files in the source's folder, when the caller has them (one
    listing of the folder, not a stat per document)."""
    from .readers.hints import HINTS_SUFFIX

    folder, name = os.path.split(source)
    hints = os.path.join(folder, os.path.splitext(name)[0] + HINTS_SUFFIX)
    there = (os.path.basename(hints) in listed if listed is not None
             else os.path.lexists(hints))
    return [source, type(source)(hints)] if there else [source]


# ------------------------------------------------------------------ the cache


@dataclass
class DocState:
    """What the last build knew of one published document."""

    inputs: list[FileRecord]
    tei: TeiRecord
    settings: str
    valid: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    page: FileRecord | None = None  # the page as it was written
    date: str = ""  # the sort date, for the index page
    row: str | None = None  # the document's row of the index page (HTML), when written
    listed: bool = False  # it has a row (states() does not read the rows themselves)


class _Bad(ValueError):
    """A cache entry of the wrong shape."""


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise _Bad(what)


def _file_out(r: FileRecord) -> list:
    return [r.path, r.sha256, *r.stamp, r.seen]


def _file_in(raw: object) -> FileRecord:
    # Checked field by field without generators: a no-op build decodes three per document.
    if type(raw) is not list or len(raw) != 7:
        raise _Bad("bad file record")
    path, sha, mtime, ctime, size, inode, seen = raw
    if (type(path) is not str or type(sha) is not str or len(sha) != 64 or type(mtime) is not int
            or type(ctime) is not int or type(size) is not int or type(inode) is not int
            or type(seen) is not int):
        raise _Bad("bad file record")
    return FileRecord(path, sha, (mtime, ctime, size, inode), seen)


def _diagnostic_in(raw: object) -> Diagnostic:
    _need(isinstance(raw, list) and len(raw) == 6, "a diagnostic is not a list of six")
    assert isinstance(raw, list)
    file, line, col, severity, rule, message = raw
    _need(all(isinstance(v, str) for v in (file, severity, rule, message))
          and type(line) is int and type(col) is int, "bad diagnostic")
    return Diagnostic(file, line, col, severity, rule, message)


def _state_out(s: DocState) -> str:
    """One row's state as compact JSON (arrays, not objects: a no-op build decodes every row)."""
    facts = s.tei.facts
    return json.dumps([
        [_file_out(r) for r in s.inputs], _file_out(s.tei.file),
        [facts.version, facts.source_sha256, facts.intact], s.settings, s.valid,
        [[d.file, d.line, d.col, d.severity, d.rule, d.message] for d in s.diagnostics],
        None if s.page is None else _file_out(s.page)], ensure_ascii=False,
        separators=(",", ":"))


def _loaded(raw_state: object) -> object:
    """A row's state column decoded; None when it is not JSON (decode then says it is bad)."""
    try:
        return json.loads(raw_state)  # type: ignore[arg-type]
    except (ValueError, TypeError, RecursionError):
        return None


def state_of(raw: object, date: object, listed: object) -> DocState:
    """A state from a row's decoded JSON (raises _Bad, a ValueError, when it is not one)."""
    if type(raw) is not list or len(raw) != 7:
        raise _Bad("an entry is not a list of seven")
    inputs, tei, facts, settings, valid, diags, page = raw
    if type(inputs) is not list or type(diags) is not list or type(facts) is not list:
        raise _Bad("bad lists")
    if len(facts) != 3:
        raise _Bad("bad TEI facts")
    version, source, intact = facts
    if ((version is not None and type(version) is not str) or type(intact) is not bool
            or (source is not None and type(source) is not str)):
        raise _Bad("bad TEI facts")
    if type(settings) is not str or type(valid) is not bool:
        raise _Bad("bad settings or validity")
    if type(date) is not str or type(listed) not in (int, bool):
        raise _Bad("bad index row")
    return DocState([_file_in(i) for i in inputs], TeiRecord(_file_in(tei), TeiFacts(
        version, source, intact)), settings, valid, diagnostics_of(diags),
        None if page is None else _file_in(page), date, None, bool(listed))


def diagnostics_of(raw: object) -> list[Diagnostic]:
    """The diagnostics of a row's decoded JSON (raises _Bad)."""
    if type(raw) is not list:
        raise _Bad("bad lists")
    return [_diagnostic_in(d) for d in raw] if raw else []


def quick_key(state: DocState) -> str | None:
    """What `untouched` compares for this state: the path and stat of the document's one
    input, its TEI file and its page, then the settings when the TEI is a generated one;
    None when a stat alone cannot vouch for the document (a hints file, no page, a TEI of
    another version or source, a file hashed too soon after it changed: see RACY_NS)."""
    records = (*state.inputs, state.tei.file, state.page)
    facts = state.tei.facts
    if (len(state.inputs) != 1 or state.page is None or facts.version != __version__
            or facts.source_sha256 != state.inputs[0].sha256
            or not all(r.stamp[1] < r.seen - RACY_NS for r in records)):  # type: ignore[union-attr]
        return None
    key = "\0".join(_fingerprint(r.path, *r.stamp) for r in records)  # type: ignore[union-attr]
    return f"{key}\n{state.settings}" if facts.intact else key


def _fingerprint(path: str, mtime: int, ctime: int, size: int, inode: int) -> str:
    return f"{path}\0{mtime}\0{ctime}\0{size}\0{inode}"


def untouched(quick: object, files: tuple[str, str, str], settings: str) -> bool:
    """True when a row's quick key (`quick_key`) vouches, without decoding the row, that the
    document's one input, TEI file and page (`files`) are what the last build found and
    that its TEI is current: the one test a build with nothing to do makes of each
    document, three stats and a comparison of strings. Anything else is False, and the row
    is then decoded and checked in full."""
    if type(quick) is not str:
        return False
    source, tei, page = files
    try:
        a, b, c = os.stat(source), os.stat(tei), os.stat(page)
    except OSError:
        return False
    # _fingerprint's format, written out: this runs for every document of every build
    key = (f"{source}\0{a.st_mtime_ns}\0{a.st_ctime_ns}\0{a.st_size}\0{a.st_ino}\0"
           f"{tei}\0{b.st_mtime_ns}\0{b.st_ctime_ns}\0{b.st_size}\0{b.st_ino}\0"
           f"{page}\0{c.st_mtime_ns}\0{c.st_ctime_ns}\0{c.st_size}\0{c.st_ino}")
    return quick == key or quick == f"{key}\n{settings}"


class TempLog:
    """Records appended to a temporary file and read back in order: what a build keeps of
    every document until its end, on disk rather than in memory. Pickle: the build's own
    records, in a file it made, never anyone else's. Records go to the file a batch at a
    time (a pickle each batch, not each record: a build of 5,000 documents reads its
    ledger back in 79 loads, not 5,000)."""

    BATCH = 64  # a cache change is up to a few KB (state, index row): some 200 KB at most

    def __init__(self, folder: Path | None, prefix: str) -> None:
        # open until close(): the log lives as long as the build that writes it
        self._file = tempfile.TemporaryFile(dir=folder, prefix=prefix)  # noqa: SIM115
        self._batch: list = []

    def append(self, record: object) -> None:
        """Add a record. All are added before the log is read."""
        self._batch.append(record)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._file.seek(0, os.SEEK_END)
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def __iter__(self) -> Iterator:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)
            except EOFError:
                return
            at = self._file.tell()
            yield from batch
            self._file.seek(at)  # a reader of another file may have moved this one meanwhile

    def close(self) -> None:
        self._file.close()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- quick, valid, noted: what a document that did not change needs (untouched), without
-- decoding its state: its quick key, validity, and whether it has diagnostics (in state)
CREATE TABLE IF NOT EXISTS docs (name TEXT PRIMARY KEY, state TEXT NOT NULL,
                                 date TEXT NOT NULL, row TEXT, quick TEXT,
                                 valid INTEGER NOT NULL, noted INTEGER NOT NULL);
-- the order of the index page: its rows are read in it, never sorted in memory
CREATE INDEX IF NOT EXISTS page_order ON docs (date = '', date, name);
"""

_COLUMNS = {"meta": ["key", "value"],
            "docs": ["name", "state", "date", "row", "quick", "valid", "noted"]}

#: A cache row as the plan reads it: (state JSON, date, listed, quick key, valid, noted).
Entry = tuple[object, object, object, object, object, object]


class BuildCache:
    """The build cache: one row per published document, in SQLite (site/CACHE_NAME).

    Rows are read in name order as the build goes (never all at once: memory stays flat
    however large the archive), and only the rows of documents that changed are written,
    in one transaction at the end: a build with nothing to do leaves the file untouched,
    and a build killed half-way leaves the cache of the last build whole.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self.path = path
        # Changes wait in a file, not in memory: a first build changes every row, and the
        # rows are only written at the end (the rows being read meanwhile stay as they were).
        self._changes: TempLog | None = None
        self._notes: dict[str, str] = {}  # facts of the build as a whole, for the next one
        self.bad = 0  # rows that could not be used (their documents are checked afresh)

    @classmethod
    def memory(cls) -> BuildCache:
        """An empty cache that is not kept (there is no place to keep it)."""
        conn = sqlite3.connect(":memory:")
        conn.executescript(_SCHEMA)
        return cls(conn, None)

    def states(self) -> Iterator[tuple[str, DocState | None]]:
        """(name, state with its index row) of every row, in name order, as a merge takes
        them over; None for a row of the wrong shape."""
        for name, raw, date, row in self._conn.execute(
                "SELECT name, state, date, row FROM docs ORDER BY name"):
            if row is not None and type(row) is not str:
                self.bad += 1
                yield name, None
                continue
            state = self.decode(raw, date, row is not None)
            if state is not None:
                state.row = row
            yield name, state

    def fact(self, key: str) -> str | None:
        """A fact the last build noted (`note`), e.g. the stamp of the corpus it wrote."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (f"note:{key}",))
        found = row.fetchone()
        return found[0] if found else None

    def note(self, key: str, value: str | None) -> None:
        """Keep a fact for the next build (written by `save`, only when it changed)."""
        if self.fact(key) != value:
            self._notes[key] = value  # type: ignore[assignment]

    def entries(self) -> Iterator[tuple]:
        """(name, *Entry) of every row, in name order, undecoded: the quick test of
        `untouched` needs none of the JSON; `decode` makes the state when it is needed."""
        return self._conn.execute("SELECT name, state, date, row IS NOT NULL, quick, valid, noted "
                                  "FROM docs ORDER BY name")

    def decode(self, raw: object, date: object, listed: object, *_: object) -> DocState | None:
        """The state of an entry; None (and counted in `bad`) for one of the wrong shape."""
        try:
            return state_of(_loaded(raw), date, listed)
        except (_Bad, ValueError, TypeError, RecursionError):
            self.bad += 1
            return None

    def put(self, name: str, state: DocState) -> None:
        """Keep a document's new state, its index row included (written by `save`)."""
        self._change(("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (name, _state_out(state), state.date, state.row, *_quick_columns(state))))

    def refresh(self, name: str, state: DocState) -> None:
        """Keep a document's records hashed afresh; its index row stays (by `save`)."""
        self._change(("UPDATE docs SET state = ?, quick = ?, valid = ?, noted = ? WHERE name = ?",
                      (_state_out(state), *_quick_columns(state), name)))

    def drop(self, name: str) -> None:
        """Forget a document (written by `save`)."""
        self._change(("DELETE FROM docs WHERE name = ?", (name,)))

    def _change(self, change: tuple[str, tuple]) -> None:
        if self._changes is None:  # closed by save() or close()
            self._changes = TempLog(self.path.parent if self.path else None,
                                    ".tei-edition-changes.")
        self._changes.append(change)

    def rows(self) -> Iterator[tuple[str, str]]:
        """(date, row) of every listed document, in the order of the index page: dated ones
        by date then name, the undated ones after them by name."""
        yield from self._conn.execute(
            "SELECT date, row FROM docs WHERE row IS NOT NULL ORDER BY date = '', date, name")

    def save(self, during: Callable[[], None] | None = None) -> list[Diagnostic]:
        """Write the pending changes and notes in one transaction, and run `during` inside
        it (it sees the new rows; the changes are kept only if it returns); a warning when
        the cache cannot be written. No change pending: `during` runs alone, and only the
        notes it made, if any, are written."""
        changes, self._changes = self._changes, None
        if changes is None and during:
            during()
            during = None
        if changes is None and not self._notes:
            return []
        try:
            with self._conn:
                for sql, values in changes or ():
                    self._conn.execute(sql, values)
                if during:
                    during()
                for key, value in self._notes.items():
                    self._conn.execute("DELETE FROM meta WHERE key = ?", (f"note:{key}",))
                    if value is not None:
                        self._conn.execute("INSERT INTO meta VALUES (?, ?)", (f"note:{key}", value))
                self._notes.clear()
        except sqlite3.Error as exc:
            return [_cache_warning(self.path, f"the build cache could not be written ({exc}); "
                                   "the next build checks those documents afresh")]
        finally:
            if changes is not None:
                changes.close()
        return []

    def close(self) -> None:
        if self._changes is not None:
            self._changes.close()
        self._conn.close()


def _quick_columns(state: DocState) -> tuple[str | None, int, int]:
    return quick_key(state), int(state.valid), int(bool(state.diagnostics))


def _cache_warning(path: Path | None, message: str) -> Diagnostic:
    return Diagnostic(str(path or CACHE_NAME), 0, 0, "warning", "build-cache", message)


def _wanted() -> dict[str, str]:
    """The format and converter version a cache must record to be used."""
    return {"format": str(CACHE_FORMAT), "converter": __version__}


def _versions(conn: sqlite3.Connection) -> dict[str, str]:
    """The format and converter version a cache records (not the facts builds note)."""
    return {k: v for k, v in conn.execute("SELECT key, value FROM meta")
            if not k.startswith("note:")}


def _connect(path: Path) -> sqlite3.Connection:
    """The cache database, made when missing, emptied when it is a cache of another format
    or converter version; raises sqlite3.Error for a file that is not a cache (it is then
    replaced)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        # a small page cache (KiB): the rows are read once, in order; memory stays flat
        conn.execute("PRAGMA cache_size = -512")
        conn.execute("PRAGMA temp.cache_size = -512")  # its sorts' own cache (2 MB unless said)
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        found, want = _versions(conn), _wanted()
        if found and found != want:  # a cache of another version or format: its rows go
            conn.executescript("DROP TABLE IF EXISTS docs; DELETE FROM meta;")  # notes too
        conn.executescript(_SCHEMA)
        for table, columns in _COLUMNS.items():
            found_columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            if found_columns != columns:
                raise sqlite3.DatabaseError(f"table {table} is not the build cache's")
        if found != want:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", want.items())
        conn.isolation_level = ""  # transactions as `with conn:` opens them
        return conn
    except BaseException:
        conn.close()
        raise


def open_cache_read_only(path: Path) -> BuildCache:
    """Another build's cache (a shard's), opened without writing to it; ValueError when it
    is not a cache of this format and converter version."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = _versions(conn)
            columns = [c[1] for c in conn.execute("PRAGMA table_info(docs)")]
        except BaseException:
            conn.close()
            raise
    except sqlite3.Error as exc:
        raise ValueError(f"not a build cache ({exc})") from None
    if found != _wanted() or columns != _COLUMNS["docs"]:
        conn.close()
        made = found.get("converter", "an unknown version")
        raise ValueError(f"a build cache of tei-edition {made} (format "
                         f"{found.get('format', '?')}); this is {__version__}: build the "
                         "shard again with this version")
    return BuildCache(conn, None)


def load_cache(path: Path) -> tuple[BuildCache, list[Diagnostic]]:
    """The cache of the last build; an empty one (and a warning) when it cannot be used.
    A file that is not a usable cache is replaced; anything else (a folder) is left alone,
    and the build runs without a cache."""
    try:
        return BuildCache(_connect(path), path), []
    except sqlite3.Error as exc:
        why = str(exc)
    if os.path.isfile(path) and not os.path.islink(path):
        with contextlib.suppress(OSError, sqlite3.Error):
            for stale in (path, path.with_name(path.name + "-journal")):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
            return BuildCache(_connect(path), path), [_cache_warning(
                path, f"the build cache could not be used ({why}); it is replaced, and "
                "every document is checked afresh")]
    return BuildCache.memory(), [_cache_warning(
        path, f"the build cache cannot be used ({why}); every document is checked afresh")]


def bad_rows_warning(cache: BuildCache) -> list[Diagnostic]:
    """A warning for the rows of the cache that could not be used, if any."""
    if not cache.bad:
        return []
    return [_cache_warning(cache.path, f"{cache.bad} entr{'y' if cache.bad == 1 else 'ies'} "
                           "of the build cache could not be used; those documents are "
                           "checked afresh")]

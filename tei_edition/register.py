"""The site-wide pages of the edition, written incrementally: the persons register and search.

`document_record()` is what one document contributes (made where the document is rendered);
`write_site_pages()` keeps the records in a store beside the site and writes only the files
that a change of records touches: the pages of the persons of a changed document (before and
after), the index of persons, and the search files of the document's bucket whose terms
changed (search.py). `adopt()` takes over the records of another site (a shard's build), so
that a merged site is written as one build of all documents would write it.

The store is an SQLite database (`.tei-edition-register.sqlite`, stdlib sqlite3): records are
read one document, one person or one search file at a time, so that memory does not grow with
the corpus, and a change costs the rows it touches, not a reload of every record. Everything in
it can be made again from the TEI: it is written without a flush to disk, and a store that
cannot be read is started afresh.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from . import __version__
from .config import KnownPerson
from .persons import (
    Person,
    appearances,
    collect,
    index_item,
    index_page,
    local_person,
    person_page,
    sort_key,
)
from .render import CSS_NAME, PERSONS_DIR, Stylesheets, passage_anchors
from .search import (
    BUCKETS,
    LETTER_TAIL,
    LETTERS,
    SEARCH_DIR,
    SEARCH_PAGE,
    bucket_file,
    bucket_of,
    letter_head,
    letter_line,
    letter_lines,
    letter_of,
    letter_row,
    person_item,
    persons_file,
    record,
    search_page,
    shards_file,
    short_id,
    static_files,
    tokens,
)

CACHE_NAME = ".tei-edition-register.sqlite"
_OLD_CACHE = ".tei-edition-register.json"  # the JSON store of earlier builds: its files go
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A document's terms are one value (search.record's "letters", a line a letter): a row a
-- letter cost ten times as much to store, and the files bNN-L.js are written from one pass
-- over a bucket's documents.
CREATE TABLE IF NOT EXISTS docs(name TEXT PRIMARY KEY, bucket INTEGER NOT NULL,
                                info TEXT NOT NULL, persons TEXT NOT NULL, passages TEXT NOT NULL,
                                terms TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_bucket ON docs(bucket, name);
CREATE TABLE IF NOT EXISTS appearances(key TEXT, name TEXT, data TEXT NOT NULL,
                                       PRIMARY KEY(key, name));
CREATE INDEX IF NOT EXISTS appearances_name ON appearances(name);
-- Persons are read in the order of the index of persons, so that is how they are kept
-- (WITHOUT ROWID: the table is its primary key's tree); the same for the persons of a letter.
CREATE TABLE IF NOT EXISTS persons(key TEXT NOT NULL, grp TEXT NOT NULL, sort TEXT NOT NULL,
                                   item TEXT NOT NULL, js TEXT NOT NULL, letters TEXT NOT NULL,
                                   PRIMARY KEY(grp, sort, key)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS persons_key ON persons(key);
CREATE TABLE IF NOT EXISTS person_letters(letter TEXT, sort TEXT, key TEXT, js TEXT NOT NULL,
                                          PRIMARY KEY(letter, sort, key)) WITHOUT ROWID;
-- (No index by key: a person's rows are found by its letters and sort key, which the
-- persons table holds; the index cost a fifth of storing a document's persons.)
CREATE TABLE IF NOT EXISTS files(rel TEXT PRIMARY KEY, digest TEXT NOT NULL);
"""
#: The layout of the store's tables (SQLite's user_version): a store of another layout has its
#: tables of records made afresh (the files it wrote stay known, so that they are replaced).
_FORMAT = 2
_RECORD_TABLES = ("docs", "appearances", "persons", "person_letters")
_FORMER_TABLES = ("terms",)  # format 1: a row a document and letter


def document_record(root: etree._Element, doc: str, registry: Collection[str],
                    sheets: Stylesheets,
                    anchors: list[tuple[etree._Element, str]] | None = None) -> dict:
    """What one document gives the register and the search index (JSON-serialisable).
    `anchors`: passage_anchors(root), when the caller has them (render_document does)."""
    anchors = passage_anchors(root) if anchors is None else anchors
    rec = record(root, doc, sheets, anchors)
    # JSON text, as the store keeps it (see search.record on why strings).
    rec["persons"] = _dumps(appearances(root, doc, registry, anchors)["persons"])
    return rec


@dataclass
class SiteReport:
    """Files of the register and the search index that a run wrote or removed."""

    written: PathLog = field(default_factory=lambda: PathLog())
    removed: PathLog = field(default_factory=lambda: PathLog())
    unchanged: int = 0


class PathLog:
    """Paths in the order they were added, kept in a temporary file rather than in memory:
    a first build of an archive writes some ten files a document, and the caller only counts
    them and passes them on to be synced."""

    def __init__(self) -> None:
        self._file: IO[str] | None = None
        self._count = 0

    def append(self, path: str) -> None:
        if self._file is None:
            # open as long as the log lives (closed by __del__)
            self._file = tempfile.TemporaryFile(  # noqa: SIM115
                "w+", encoding="utf-8", errors="surrogateescape")
        self._file.write(path + "\0")  # NUL: the one byte no path holds
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        if self._file is None:
            return
        self._file.seek(0)
        rest = ""
        while chunk := self._file.read(1 << 16):
            *paths, rest = (rest + chunk).split("\0")
            yield from paths
        self._file.seek(0, os.SEEK_END)

    def __del__(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class _Dirty:
    """What changed records touch: registry persons (and persons who are gone), buckets,
    (bucket, letter) files; `everything` after a change of version or settings."""

    persons: set[str] = field(default_factory=set)
    buckets: set[int] = field(default_factory=set)
    letters: set[tuple[int, str]] = field(default_factory=set)
    register: bool = False  # the index of persons
    person_letters: set[str] = field(default_factory=set)  # search/persons-L.js
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.persons or self.buckets or self.letters or self.register
                                       or self.person_letters)


# One encoder for the run (json.dumps with options makes one at every call).
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _info(rec: dict) -> dict:
    return {k: rec[k] for k in ("doc", "href", "title", "date", "lengths")}


def _shown(info: str) -> list[str]:
    """What a person's page shows of a document (its field lengths are not)."""
    data = json.loads(info)
    return [data["href"], data["title"], data["date"]]


def _local(key: str) -> bool:
    """A person known in one document only (`DOC~ID`: `~` is in no registry id): their page
    is made from that document's record alone."""
    return "~" in key


# ------------------------------------------------------------------ the store

@contextlib.contextmanager
def _transaction(site: Path, attach: Path | None = None) -> Iterator[sqlite3.Connection]:
    """The store in one transaction, committed when the block returns, rolled back when it
    raises; with `attach`, another site's store beside it as `shard`, of this version only
    (ValueError otherwise, before anything is changed)."""
    db = _connect(site)
    try:
        if attach is not None:
            db.execute("ATTACH DATABASE ? AS shard", (os.fspath(attach),))
            if (_shard_version(db) != __version__
                    or db.execute("PRAGMA shard.user_version").fetchone()[0] != _FORMAT):
                raise ValueError(f"{attach}: made by another tei-edition version")
        db.execute("BEGIN")
        yield db
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()


def _connect(site: Path) -> sqlite3.Connection:
    """The store, created when missing, started afresh when unreadable."""
    path = site / CACHE_NAME
    site.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            db = sqlite3.connect(path, isolation_level=None)
            # Regenerable: no flush per transaction; a rollback journal keeps a killed run
            # from leaving half a transaction.
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA cache_size = -512")  # KiB: memory that does not follow the site
            db.execute("PRAGMA temp.cache_size = -512")  # its sorts' own cache (2 MB unless said)
            if db.execute("PRAGMA user_version").fetchone()[0] != _FORMAT:
                _reformat(db)
            else:
                db.executescript(_SCHEMA)
            return db
        except sqlite3.DatabaseError:
            with contextlib.suppress(NameError, sqlite3.Error):
                db.close()
            if attempt == 2:
                raise
            path.unlink(missing_ok=True)
    raise AssertionError("unreachable")


def _reformat(db: sqlite3.Connection) -> None:
    """Tables of records of this format in place of what the store had (nothing, or tables of
    an earlier format): the next run starts over as after a change of version."""
    drop = "".join(f"DROP TABLE IF EXISTS {t};" for t in (*_RECORD_TABLES, *_FORMER_TABLES))
    db.executescript(drop + _SCHEMA + "DELETE FROM meta WHERE key='version';"
                     f"PRAGMA user_version={_FORMAT};")


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _settings(registry: tuple[KnownPerson, ...], css: str) -> str:
    """What every page of the register depends on besides the records."""
    people = [[p.id, p.name, list(p.forms), [list(link) for link in p.links]] for p in registry]
    return hashlib.sha256(_dumps([__version__, css, people]).encode()).hexdigest()


def _prepare(db: sqlite3.Connection, site: Path, settings: str) -> _Dirty:
    """Check the store's version and settings: records of another version are dropped
    (the documents are read again), other settings redo every page."""
    dirty = _Dirty()
    if _meta(db, "version") != __version__:
        for table in _RECORD_TABLES:
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT OR REPLACE INTO meta VALUES('version', ?)", (__version__,))
        dirty.everything = True
        _take_old_cache(db, site)
    if _meta(db, "settings") != settings:
        db.execute("INSERT OR REPLACE INTO meta VALUES('settings', ?)", (settings,))
        dirty.everything = True
    return dirty


def _take_old_cache(db: sqlite3.Connection, site: Path) -> None:
    """The files the JSON store of earlier versions wrote become this store's, so that a full
    run removes those it no longer makes (search/terms-a.js, search/docs.js)."""
    old = site / _OLD_CACHE
    try:
        files = json.loads(old.read_text("utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return
    db.executemany("INSERT OR IGNORE INTO files VALUES(?, '')", [(r,) for r in files])
    old.unlink(missing_ok=True)


# ------------------------------------------------------------------ writing files

def _replace(folder: str, base: str, data: bytes) -> None:
    """Write a file atomically (temporary file, then rename), as xmlio.write_atomic does,
    without its costs that these files do not need: no flush (regenerable: the caller syncs
    once, or the next run repairs), a temporary name of this process, no mode to carry over
    (the register's files are always new files of the umask's mode). A third of the run's
    time went to write_atomic's mkstemp and mode handling for thousands of small files."""
    tmp, fd = _temporary(folder, base)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, os.path.join(folder, base))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temporary(folder: str, base: str) -> tuple[str, int]:
    """The temporary file beside FOLDER/BASE that replaces it once written (a name of this
    process), opened for writing: (its path, its descriptor)."""
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                        0o666)


class _Writer:
    """Writes and removes the files of the site. Files made from many records (the search
    files, the index of persons) are written only when their bytes differ from what the store
    says was written; a person's page and a document's passages are written when their
    record changed, which the store tells without a digest."""

    def __init__(self, db: sqlite3.Connection, site: Path) -> None:
        self.db, self.site, self.root = db, site, os.fspath(site)
        self.report = SiteReport()
        self.made: dict[str, str] = {}  # folders known to exist (as in rel: path)
        self.seen: set[str] = set()  # tracked files made or confirmed this run

    def put(self, rel: str, data: bytes) -> None:
        """Write a file the caller knows to have changed."""
        sub, _, base = rel.rpartition("/")
        folder = self.made.get(sub)
        if folder is None:  # one check a folder (a run writes thousands of persons' pages)
            folder = os.path.dirname(os.path.join(self.root, rel))
            os.makedirs(folder, exist_ok=True)
            self.made[sub] = folder
        _replace(folder, base, data)
        self.report.written.append(os.path.join(folder, base))

    def write(self, rel: str, data: bytes) -> None:
        """Write a tracked file unless it is as the store says it was written."""
        self.seen.add(rel)
        digest = hashlib.sha256(data).hexdigest()
        if self.as_stored(rel, digest):
            return
        self.put(rel, data)
        self.db.execute("INSERT OR REPLACE INTO files VALUES(?, ?)", (rel, digest))

    def as_stored(self, rel: str, digest: str) -> bool:
        """Whether a tracked file is there with the bytes the store says were written
        (counted as unchanged when so)."""
        row = self.db.execute("SELECT digest FROM files WHERE rel=?", (rel,)).fetchone()
        if row and row[0] == digest and os.path.exists(os.path.join(self.root, rel)):
            self.report.unchanged += 1
            return True
        return False

    def write_pieces(self, rel: str, pieces: Iterable[str]) -> None:
        """write() for a file made piece by piece (see _Pieces)."""
        stream = _Pieces(self, rel)
        try:
            for piece in pieces:
                stream.add(piece)
            stream.close()
        except BaseException:
            stream.abort()
            raise

    def remove(self, rel: str) -> None:
        target = os.path.join(self.root, rel)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
            self.report.removed.append(target)
        self.db.execute("DELETE FROM files WHERE rel=?", (rel,))

    def remove_unseen(self) -> None:
        """After a run that made every tracked file: remove what earlier runs made and this
        did not (pages of persons and passages of documents still published excepted)."""
        for (rel,) in self.db.execute("SELECT rel FROM files").fetchall():
            if rel not in self.seen and not _still_published(self.db, rel):
                self.remove(rel)


class _Pieces:
    """A tracked file written piece by piece: to its temporary file as the pieces come (a few
    at a time), the digest taken on the way; close() keeps it only when it differs from what
    the store says was written (as _Writer.write does)."""

    # Characters held before they are written: a bucket's letter files are written at once,
    # up to 28 of them, so this bounds a run's memory by 28 times as much.
    _FLUSH = 1 << 14

    def __init__(self, out: _Writer, rel: str) -> None:
        out.seen.add(rel)
        self.out, self.rel = out, rel
        folder, base = os.path.split(os.path.join(out.root, rel))
        os.makedirs(folder, exist_ok=True)
        self.target = os.path.join(folder, base)
        self.digest = hashlib.sha256()
        self.held: list[str] = []
        self.size = 0
        self.tmp, fd = _temporary(folder, base)
        self.file = os.fdopen(fd, "wb")

    def add(self, piece: str) -> None:
        self.held.append(piece)
        self.size += len(piece)
        if self.size >= self._FLUSH:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self.held).encode()
        self.held, self.size = [], 0
        self.digest.update(data)
        self.file.write(data)

    def close(self) -> None:
        """Finish the file; keep it unless the store says it was written as it is."""
        self._flush()
        self.file.close()
        out, digest = self.out, self.digest.hexdigest()
        if out.as_stored(self.rel, digest):
            os.unlink(self.tmp)
            return
        os.replace(self.tmp, self.target)
        out.db.execute("INSERT OR REPLACE INTO files VALUES(?, ?)", (self.rel, digest))
        out.report.written.append(self.target)

    def abort(self) -> None:
        """Give the file up (after an error): its temporary file goes."""
        self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


def _still_published(db: sqlite3.Connection, rel: str) -> bool:
    folder, _, base = rel.rpartition("/")
    stem = base.rsplit(".", 1)[0]
    if folder == PERSONS_DIR:
        return db.execute("SELECT 1 FROM persons WHERE key=?", (stem,)).fetchone() is not None
    if folder == f"{SEARCH_DIR}/docs":
        return db.execute("SELECT 1 FROM docs WHERE name=?", (stem,)).fetchone() is not None
    return False


# ------------------------------------------------------------------ a run

class _Run:
    """One write_site_pages: the store, the writer, what changed, the settings."""

    def __init__(self, db: sqlite3.Connection, site: Path,
                 registry: tuple[KnownPerson, ...], css: str) -> None:
        self.db, self.registry, self.css = db, registry, css
        self.dirty = _prepare(db, site, _settings(registry, css))
        self.out = _Writer(db, site)
        # A store without documents needs no comparing: every record is new.
        self.fresh = db.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None

    def update(self, records: dict[str, dict | None], load: Callable[[str], dict | None]) -> None:
        """Bring the store to `records`, writing what one document's record alone makes."""
        names = sorted(records)
        stored, gone = self._stored(names)
        for name in gone:
            self.drop(name)
        for name, held in zip(names, stored, strict=True):
            rec = records[name]
            if rec is None:
                if held:  # as the last run left it (no stat: --force repairs)
                    if self.dirty.everything:
                        self.republish(name)
                    continue
                rec = load(name)  # not stored: read the TEI again
                if rec is None:
                    continue
            self.put(name, rec)

    def _stored(self, names: list[str]) -> tuple[bytearray, list[str]]:
        """Which of `names` (sorted) the store holds (a byte each), and the stored documents
        not among them: the store's names walked beside them in order, never a set of
        every name (an archive's names are megabytes)."""
        held = bytearray(len(names))
        gone: list[str] = []
        if self.fresh:
            return held, gone
        i = 0
        for (name,) in self.db.execute("SELECT name FROM docs ORDER BY name"):
            while i < len(names) and names[i] < name:
                i += 1
            if i < len(names) and names[i] == name:
                held[i] = 1
            else:
                gone.append(name)
        return held, gone

    def put(self, name: str, rec: dict) -> None:
        """Store a fresh record; write its passages and local persons' pages when changed;
        note what else it changes."""
        db, dirty, bucket = self.db, self.dirty, bucket_of(name)
        info, persons, terms = _dumps(_info(rec)), rec["persons"], rec["letters"]
        passages = rec["passages"].encode()
        digest = hashlib.sha256(passages).hexdigest()
        old = None if self.fresh else db.execute(
            "SELECT info, persons, passages, terms FROM docs WHERE name=?", (name,)).fetchone()
        db.execute("INSERT OR REPLACE INTO docs VALUES(?, ?, ?, ?, ?, ?)",
                   (name, bucket, info, persons, digest, terms))
        if old is None or old[0] != info:
            dirty.buckets.add(bucket)
        if old is None:  # the short ids of the bucket move: all its files (noted unless all are)
            if not dirty.everything:
                dirty.letters.update((bucket, letter) for letter in LETTERS)
        elif old[3] != terms:
            before, now = letter_lines(old[3]), letter_lines(terms)
            dirty.letters.update((bucket, letter) for letter in before.keys() | now.keys()
                                 if before.get(letter) != now.get(letter))
        if old is None or old[2] != digest or not os.path.exists(
                os.path.join(self.out.root, _passages(name))):
            self.out.put(_passages(name), passages)
        # Pages show the title and date; after a change of settings every page is redone.
        if self.dirty.everything or old is None or old[1] != persons or _shown(old[0]) != _shown(info):
            self.persons(name, rec, [] if old is None else _keys(old[1]))

    def persons(self, name: str, rec: dict, before: list[str]) -> None:
        """The appearances of a changed document: pages of its local persons now, its
        registry persons (and those it no longer has) noted for later."""
        db = self.db
        rec = {**rec, "persons": json.loads(rec["persons"])}
        # Only registry persons are looked up by key; a local person's appearance is the
        # document's own (docs.persons).
        db.execute("DELETE FROM appearances WHERE name=?", (name,))
        db.executemany("INSERT OR REPLACE INTO appearances VALUES(?, ?, ?)",
                       [(ap["key"], name, _dumps(ap)) for ap in rec["persons"]
                        if not _local(ap["key"])])
        now = {ap["key"] for ap in rec["persons"]}
        self.dirty.persons.update(k for k in before if k not in now)
        self.dirty.persons.update(k for k in now if not _local(k))
        self.dirty.register = True
        self.local_pages(_info(rec), [ap for ap in rec["persons"] if _local(ap["key"])])

    def local_pages(self, info: dict, appearances: list[dict]) -> None:
        entries = []
        for ap in appearances:
            person = local_person(info, ap)
            entries.append(_person_row(person))
            self.out.put(f"{PERSONS_DIR}/{person.key}.html", person_page(person, self.css))
        self.put_persons(entries)

    def put_persons(self, rows: list[tuple[str, ...]]) -> None:
        """Store persons' rows (see _person_row); note the files persons-L.js whose items
        change: the letters of a person's names, before and after."""
        if not rows:
            return
        db, keys = self.db, [row[0] for row in rows]
        marks = ",".join("?" * len(keys))
        old: dict[str, tuple[str, str]] = {}
        if not (self.fresh or self.dirty.everything):  # else every file is written anyway
            found = db.execute(
                f"SELECT key, js, letters, sort FROM persons WHERE key IN ({marks})", keys).fetchall()
            old = {key: (js, letters) for key, js, letters, _ in found}
            _forget_letters(db, found)
        for row in rows:
            before = old.get(row[0])
            if before != (row[4], row[5]):
                self.dirty.person_letters.update(row[5] + (before[1] if before else ""))
        db.executemany("INSERT OR REPLACE INTO persons VALUES(?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT OR REPLACE INTO person_letters VALUES(?, ?, ?, ?)",
                       [(letter, row[2], row[0], row[4]) for row in rows for letter in row[5]])

    def drop_person(self, key: str) -> None:
        found = self.db.execute("SELECT key, js, letters, sort FROM persons WHERE key=?",
                                (key,)).fetchall()
        for _, _, letters, _ in found:
            self.dirty.person_letters.update(letters)
        self.db.execute("DELETE FROM persons WHERE key=?", (key,))
        _forget_letters(self.db, found)
        self.out.remove(f"{PERSONS_DIR}/{key}.html")

    def republish(self, name: str) -> None:
        """The local persons' pages of an unchanged document, after a change of settings."""
        info, persons = self.db.execute("SELECT info, persons FROM docs WHERE name=?",
                                        (name,)).fetchone()
        self.local_pages(json.loads(info), [ap for ap in json.loads(persons) if _local(ap["key"])])

    def drop(self, name: str) -> None:
        """Forget a document that is gone; note what it changes."""
        db, dirty, bucket = self.db, self.dirty, bucket_of(name)
        (persons,) = db.execute("SELECT persons FROM docs WHERE name=?", (name,)).fetchone()
        dirty.persons.update(_keys(persons))
        dirty.buckets.add(bucket)
        dirty.letters.update((bucket, letter) for letter in LETTERS)
        for table in ("docs", "appearances"):
            db.execute(f"DELETE FROM {table} WHERE name=?", (name,))
        self.out.remove(_passages(name))

    def publish(self) -> None:
        """Write what `dirty` names (everything after a change of version or settings)."""
        db, out, dirty = self.db, self.out, self.dirty
        if dirty.everything:
            self.all_registry_persons()
            dirty.buckets.update(b for (b,) in db.execute("SELECT DISTINCT bucket FROM docs"))
            # Every bucket's: files of a bucket left without documents go before shards.js
            # is written from the files there are.
            dirty.letters.update((b, letter) for b in range(BUCKETS) for letter in LETTERS)
        for key in sorted(dirty.persons):
            self.person(key)
        if dirty.persons or dirty.register or dirty.everything:
            # From the lines kept for each person: a change costs the rows it touched, and
            # the index a pass over the stored lines.
            # Written piece by piece as the rows come: the index of an archive's persons is
            # large, and memory must not grow with the corpus.
            (count,) = db.execute("SELECT count(*) FROM persons").fetchone()
            letters = [g[1:] for (g,) in db.execute("SELECT DISTINCT grp FROM persons ORDER BY grp")]
            rows = db.execute("SELECT grp, item FROM persons ORDER BY grp, sort, key")
            out.write_pieces(f"{PERSONS_DIR}/index.html", index_page(letters, rows, count, self.css))
        if dirty.everything:
            dirty.person_letters.update(LETTERS)
        for letter in sorted(dirty.person_letters):
            self.person_letter(letter)
        for bucket in sorted(dirty.buckets):
            _write_bucket(db, out, bucket)
        for bucket, group in itertools.groupby(sorted(dirty.letters), key=lambda bl: bl[0]):
            _write_letters(db, out, bucket, "".join(letter for _, letter in group))
        if dirty:
            # The letters of each bucket's files, as written (the files of the store).
            letters: dict[int, str] = {}
            skip = len(SEARCH_DIR) + 2  # "search/b"
            for (rel,) in db.execute("SELECT rel FROM files WHERE rel GLOB ? ORDER BY rel",
                                     (f"{SEARCH_DIR}/b[0-9][0-9]-?.js",)):
                bucket = int(rel[skip:skip + 2])
                letters[bucket] = letters.get(bucket, "") + rel[-4]
            people = "".join(rel[len(SEARCH_DIR) + 9:-3] for (rel,) in db.execute(
                "SELECT rel FROM files WHERE rel LIKE ? ORDER BY rel", (f"{SEARCH_DIR}/persons-%",)))
            out.write(f"{SEARCH_DIR}/shards.js", shards_file(letters, people))
        for rel, data in static_files():
            out.write(f"{SEARCH_DIR}/{rel}", data)
        out.write(SEARCH_PAGE, search_page(self.css))
        if dirty.everything:
            out.remove_unseen()

    def person_letter(self, letter: str) -> None:
        """`search/persons-L.js`: the persons a word of whose names starts with L, by name."""
        rel = f"{SEARCH_DIR}/persons-{letter}.js"
        query = "SELECT js FROM person_letters WHERE letter=? ORDER BY sort, key"
        if self.db.execute(query + " LIMIT 1", (letter,)).fetchone() is None:
            self.out.remove(rel)
        else:
            self.out.write_pieces(rel, persons_file(letter, (js for (js,) in self.db.execute(
                query, (letter,)))))

    def all_registry_persons(self) -> None:
        """Every registry person's page, one person at a time from one pass over the store
        (local persons were written with their documents)."""
        rows = self.db.execute(_APPEARANCES.format(""))  # registry persons only
        for key, group in itertools.groupby(rows, key=lambda row: row[0]):
            self.dirty.persons.discard(key)
            self.registry_page(key, [(info, ap) for _, info, ap in group])

    def person(self, key: str) -> None:
        """A person's page from their appearances, or its removal when none is left. (A local
        person still in their document was written with it.)"""
        if _local(key):
            doc = key.rsplit("~", 1)[0]
            row = self.db.execute("SELECT persons FROM docs WHERE name=?", (doc,)).fetchone()
            if row is None or key not in _keys(row[0]):
                self.drop_person(key)
            return
        rows = [(info, ap) for _, info, ap in self.db.execute(
            _APPEARANCES.format("WHERE a.key=?"), (key,))]
        if rows:
            self.registry_page(key, rows)
        else:
            self.drop_person(key)

    def registry_page(self, key: str, rows: list[tuple[str, str]]) -> None:
        # Appearances in document order, as one build collects them.
        records = [{**json.loads(info), "persons": [json.loads(ap)]} for info, ap in rows]
        person = collect(records, self.registry)[0]
        self.put_persons([_person_row(person)])
        self.out.put(f"{PERSONS_DIR}/{key}.html", person_page(person, self.css))


def _forget_letters(db: sqlite3.Connection, persons: list[tuple[str, str, str, str]]) -> None:
    """Delete the person_letters rows of persons as stored: (key, js, letters, sort) rows."""
    db.executemany("DELETE FROM person_letters WHERE letter=? AND sort=? AND key=?",
                   [(letter, sort, key) for key, _, letters, sort in persons for letter in letters])


def _keys(persons: str) -> list[str]:
    """The person keys of a document's stored appearances."""
    return [ap["key"] for ap in json.loads(persons)]


_APPEARANCES = ("SELECT a.key, d.info, a.data FROM appearances a JOIN docs d ON d.name = a.name "
                "{} ORDER BY a.key, a.name")


def write_site_pages(site: Path, records: dict[str, dict | None], *,
                     load: Callable[[str], dict | None] = lambda name: None,
                     registry: Iterable[KnownPerson] = (), css: str = CSS_NAME) -> SiteReport:
    """Write the persons register and the search index for the documents of `records`
    (name -> fresh record, or None for a document unchanged since the last run, whose record
    comes from the store, else from `load(name)`). Documents not in `records` are gone."""
    with _transaction(site) as db:
        run = _Run(db, site, tuple(registry), css)
        run.update(records, load)
        run.publish()
    run.out.report.written.append(os.fspath(site / CACHE_NAME))
    return run.out.report


def _passages(name: str) -> str:
    return f"{SEARCH_DIR}/docs/{name}.js"


def _person_row(person: Person) -> tuple[str, str, str, str, str, str]:
    """A person's row of the store: key, group ('0' + initial, '1#' for no letter, so that
    '#' sorts last), sort key, line of the index of persons, item of persons-L.js, and the
    letters L of the files it is in (the first letters of the words of its names)."""
    entry = person.entry()
    grp = ("1" if entry.initial == "#" else "0") + entry.initial
    return (person.key, grp, sort_key(person.name), index_item(entry),
            person_item(entry.name, entry.forms, f"{PERSONS_DIR}/{entry.key}.html", entry.docs),
            _name_letters(" ".join([entry.name, *entry.forms])))


@functools.lru_cache(maxsize=4096)  # names recur: the same persons in many documents
def _name_letters(names: str) -> str:
    """The letters L of the files persons-L.js that names are in."""
    return "".join(sorted({letter_of(w) for w in tokens(names)}))


def _write_bucket(db: sqlite3.Connection, out: _Writer, bucket: int) -> None:
    docs = [json.loads(info) for (info,) in db.execute(
        "SELECT info FROM docs WHERE bucket=? ORDER BY name", (bucket,))]
    rel = f"{SEARCH_DIR}/b{bucket:02d}.js"
    if docs:
        out.write(rel, bucket_file(bucket, docs))
    else:
        out.remove(rel)


def _write_letters(db: sqlite3.Connection, out: _Writer, bucket: int, letters: str) -> None:
    """The files bNN-L.js of bucket NN for each L of `letters` (search.letter_head), from one
    pass over the bucket's documents by name, each written piece by piece (memory does not
    follow the corpus); those without rows removed."""
    streams: dict[str, _Pieces] = {}
    rows = db.execute("SELECT terms FROM docs WHERE bucket=? ORDER BY name", (bucket,))
    try:
        for position, (terms,) in enumerate(rows):
            short = short_id(bucket, position)
            for letter, data in _lines(terms, letters):
                row = letter_row(short, data)
                stream = streams.get(letter)
                if stream is None:
                    stream = streams[letter] = _Pieces(out, f"{SEARCH_DIR}/b{bucket:02d}-{letter}.js")
                    stream.add(letter_head(bucket, letter) + row)
                else:
                    stream.add("," + row)
        for letter in letters:
            stream = streams.get(letter)
            if stream is None:
                out.remove(f"{SEARCH_DIR}/b{bucket:02d}-{letter}.js")
            else:
                stream.add(LETTER_TAIL)
                stream.close()
    except BaseException:
        for stream in streams.values():
            stream.abort()
        raise


def _lines(terms: str, letters: str) -> Iterator[tuple[str, str]]:
    """(letter, data) of a document's stored terms for each of `letters` it has: every line
    cut when most letters are asked for, else each asked letter looked up (a change of one
    document asks for a few)."""
    if len(letters) > 4:
        yield from ((k, v) for k, v in letter_lines(terms).items() if k in letters)
        return
    for letter in letters:
        data = letter_line(terms, letter)
        if data is not None:
            yield letter, data


# ------------------------------------------------------------------ merging shards

def adopt(site: Path, shard_site: Path) -> None:
    """Take over the records of the documents another site folder holds (a shard's build
    output; its documents are not in `site`), with their passage files. The next
    write_site_pages(site, …) rewrites the register and the search index as one build of
    all documents would."""
    shard = shard_site / CACHE_NAME
    if not shard.is_file():
        return
    with _transaction(site, attach=shard) as db:
        _prepare(db, site, "")
        for table in ("docs", "appearances"):
            db.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM shard.{table}")
        names = [n for (n,) in db.execute("SELECT name FROM shard.docs")]
        # Every page is written again on the next run: the settings no longer match.
        db.execute("INSERT OR REPLACE INTO main.meta VALUES('settings', '')")
    # A build runs the register only when something changed or search.html, which every
    # run writes, is missing: its absence asks for the run that the adopted records need.
    (site / SEARCH_PAGE).unlink(missing_ok=True)
    for name in names:
        source = shard_site / _passages(name)
        if source.is_file():
            target = site / _passages(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _shard_version(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM shard.meta WHERE key='version'").fetchone()
    return row[0] if row else None

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
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import __version__
from .config import KnownPerson
from .persons import Entry, appearances, collect, index_page, person_page, sort_key
from .render import CSS_NAME, PERSONS_DIR, Stylesheets, passage_anchors
from .search import (
    SEARCH_DIR,
    SEARCH_PAGE,
    bucket_file,
    bucket_of,
    doc_file,
    letter_file,
    persons_file,
    record,
    search_page,
    shards_file,
    short_id,
    static_files,
)
from .xmlio import write_atomic

CACHE_NAME = ".tei-edition-register.sqlite"
_OLD_CACHE = ".tei-edition-register.json"  # the store of tei-edition before 0.x: its files go
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(name TEXT PRIMARY KEY, bucket INTEGER NOT NULL,
                                info TEXT NOT NULL, persons TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_bucket ON docs(bucket, name);
CREATE TABLE IF NOT EXISTS terms(bucket INTEGER, letter TEXT, name TEXT, data TEXT NOT NULL,
                                 PRIMARY KEY(bucket, letter, name));
CREATE TABLE IF NOT EXISTS appearances(key TEXT, name TEXT, data TEXT NOT NULL,
                                       PRIMARY KEY(key, name));
CREATE TABLE IF NOT EXISTS persons(key TEXT PRIMARY KEY, sort TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS persons_sort ON persons(sort, key);
CREATE TABLE IF NOT EXISTS files(rel TEXT PRIMARY KEY, digest TEXT NOT NULL);
"""


def document_record(root: etree._Element, doc: str, registry: Collection[str],
                    sheets: Stylesheets) -> dict:
    """What one document gives the register and the search index (JSON-serialisable)."""
    anchors = passage_anchors(root)
    rec = record(root, doc, sheets, anchors)
    rec["persons"] = appearances(root, doc, registry, anchors)["persons"]
    return rec


@dataclass
class SiteReport:
    """Files of the register and the search index that a run wrote or removed."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Dirty:
    """What changed records touch: person keys, buckets, (bucket, letter) files."""

    persons: set[str] = field(default_factory=set)
    buckets: set[int] = field(default_factory=set)
    letters: set[tuple[int, str]] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.persons or self.buckets or self.letters)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _info(rec: dict) -> dict:
    return {k: rec[k] for k in ("doc", "href", "title", "date", "lengths")}


# ------------------------------------------------------------------ the store

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
            db.executescript(_SCHEMA)
            return db
        except sqlite3.DatabaseError:
            with contextlib.suppress(NameError, sqlite3.Error):
                db.close()
            if attempt == 2:
                raise
            path.unlink(missing_ok=True)
    raise AssertionError("unreachable")


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _settings(registry: tuple[KnownPerson, ...], css: str) -> str:
    """What every page of the register depends on besides the records."""
    return hashlib.sha256(_dumps([__version__, css, [list(map(str, (p.id, p.name, p.forms,
                                                                    p.links)))
                                                      for p in registry]]).encode()).hexdigest()


def _prepare(db: sqlite3.Connection, site: Path, settings: str) -> _Dirty:
    """Check the store's version and settings: records of another version are dropped
    (the documents are read again), other settings redo every page."""
    dirty = _Dirty()
    if _meta(db, "version") != __version__:
        for table in ("docs", "terms", "appearances", "persons"):
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


def _put(db: sqlite3.Connection, name: str, rec: dict, dirty: _Dirty) -> None:
    """Store a fresh record; note what it changes."""
    bucket = bucket_of(name)
    info, persons = _dumps(_info(rec)), _dumps(rec["persons"])
    old = db.execute("SELECT info, persons FROM docs WHERE name=?", (name,)).fetchone()
    if old is None or old[0] != info:
        dirty.buckets.add(bucket)
        if old is None:  # the short ids of the bucket move: all of its files change
            dirty.letters.update((bucket, letter) for (letter,) in db.execute(
                "SELECT DISTINCT letter FROM terms WHERE bucket=?", (bucket,)))
    if old is None or old[1] != persons or old[0] != info:  # pages show title and date
        dirty.persons.update(_keys(db, name))
        db.execute("DELETE FROM appearances WHERE name=?", (name,))
        db.executemany("INSERT OR REPLACE INTO appearances VALUES(?, ?, ?)",
                       [(ap["key"], name, _dumps(ap)) for ap in rec["persons"]])
        dirty.persons.update(ap["key"] for ap in rec["persons"])
    db.execute("INSERT OR REPLACE INTO docs VALUES(?, ?, ?, ?)", (name, bucket, info, persons))
    stored = dict(db.execute("SELECT letter, data FROM terms WHERE bucket=? AND name=?",
                             (bucket, name)))
    for letter, data in rec["letters"].items():
        text = _dumps(data)
        if stored.pop(letter, None) != text:
            dirty.letters.add((bucket, letter))
            db.execute("INSERT OR REPLACE INTO terms VALUES(?, ?, ?, ?)", (bucket, letter, name, text))
    for letter in stored:  # letters the document no longer has
        dirty.letters.add((bucket, letter))
        db.execute("DELETE FROM terms WHERE bucket=? AND letter=? AND name=?", (bucket, letter, name))


def _keys(db: sqlite3.Connection, name: str) -> list[str]:
    return [k for (k,) in db.execute("SELECT key FROM appearances WHERE name=?", (name,))]


def _drop(db: sqlite3.Connection, name: str, dirty: _Dirty) -> None:
    """Forget a document that is gone; note what it changes."""
    bucket = bucket_of(name)
    dirty.persons.update(_keys(db, name))
    dirty.buckets.add(bucket)
    dirty.letters.update((bucket, letter) for (letter,) in db.execute(
        "SELECT DISTINCT letter FROM terms WHERE bucket=?", (bucket,)))
    for table in ("docs", "terms", "appearances"):
        db.execute(f"DELETE FROM {table} WHERE name=?", (name,))


# ------------------------------------------------------------------ writing the site

class _Writer:
    """Writes files whose bytes differ from what the store says was written; removes files."""

    def __init__(self, db: sqlite3.Connection, site: Path) -> None:
        self.db, self.site, self.root = db, site, os.fspath(site)
        self.report = SiteReport()
        self.made: set[str] = set()  # folders known to exist: one check each
        self.seen: set[str] = set()  # files made or confirmed this run

    def write(self, rel: str, data: bytes) -> None:
        self.seen.add(rel)
        target = os.path.join(self.root, rel)
        digest = hashlib.sha256(data).hexdigest()
        row = self.db.execute("SELECT digest FROM files WHERE rel=?", (rel,)).fetchone()
        if row and row[0] == digest and os.path.exists(target):
            self.report.unchanged += 1
            return
        folder = os.path.dirname(target)
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            self.made.add(folder)
        # Regenerable files: no fsync each (the caller syncs once, or the next run repairs).
        write_atomic(Path(target), data, durable=False)
        self.db.execute("INSERT OR REPLACE INTO files VALUES(?, ?)", (rel, digest))
        self.report.written.append(Path(target))

    def remove(self, rel: str) -> None:
        target = self.site / rel
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            self.report.removed.append(target)
        self.db.execute("DELETE FROM files WHERE rel=?", (rel,))

    def remove_unseen(self) -> None:
        """After a run that made every file: remove what earlier runs made and this did not."""
        for (rel,) in self.db.execute("SELECT rel FROM files").fetchall():
            if rel not in self.seen:
                self.remove(rel)


def write_site_pages(site: Path, records: dict[str, dict | None], *,
                     load: Callable[[str], dict | None] = lambda name: None,
                     registry: Iterable[KnownPerson] = (), css: str = CSS_NAME) -> SiteReport:
    """Write the persons register and the search index for the documents of `records`
    (name -> fresh record, or None for a document unchanged since the last run, whose record
    comes from the store, else from `load(name)`). Documents not in `records` are gone."""
    registry = tuple(registry)
    db = _connect(site)
    try:
        db.execute("BEGIN")
        dirty = _prepare(db, site, _settings(registry, css))
        out = _Writer(db, site)
        _update(db, out, records, load, dirty)
        _publish(db, out, dirty, registry, css)
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    out.report.written.append(site / CACHE_NAME)
    return out.report


def _update(db: sqlite3.Connection, out: _Writer, records: dict[str, dict | None],
            load: Callable[[str], dict | None], dirty: _Dirty) -> None:
    """Bring the store to `records`, writing the passage file of each fresh record."""
    stored = {name for (name,) in db.execute("SELECT name FROM docs")}
    for name in sorted(stored - records.keys()):
        _drop(db, name, dirty)
        out.remove(_passages(name))
    for name in sorted(records):
        rec = records[name]
        if rec is None:
            if name in stored and os.path.exists(os.path.join(out.root, _passages(name))):
                out.seen.add(_passages(name))
                continue
            rec = load(name)  # not stored, or its passages are gone: read the TEI again
            if rec is None:
                if name in stored:
                    out.seen.add(_passages(name))
                continue
        _put(db, name, rec, dirty)
        out.write(_passages(name), doc_file(rec))


def _passages(name: str) -> str:
    return f"{SEARCH_DIR}/docs/{name}.js"


def _publish(db: sqlite3.Connection, out: _Writer, dirty: _Dirty,
             registry: tuple[KnownPerson, ...], css: str) -> None:
    """Write what `dirty` names (everything after a change of version or settings)."""
    if dirty.everything:
        dirty.persons.update(k for (k,) in db.execute("SELECT DISTINCT key FROM appearances"))
        dirty.persons.update(k for (k,) in db.execute("SELECT key FROM persons"))
        dirty.buckets.update(b for (b,) in db.execute("SELECT DISTINCT bucket FROM docs"))
        dirty.letters.update(db.execute("SELECT DISTINCT bucket, letter FROM terms"))
    for key in sorted(dirty.persons):
        _write_person(db, out, key, registry, css)
    if dirty.persons or dirty.everything:
        out.write(f"{PERSONS_DIR}/index.html", index_page(_entries(db), css))
        out.write(f"{SEARCH_DIR}/persons.js", persons_file(
            (e.name, e.forms, f"{PERSONS_DIR}/{e.key}.html", e.docs) for e in _entries(db)))
    for bucket in sorted(dirty.buckets):
        _write_bucket(db, out, bucket)
    for bucket, letter in sorted(dirty.letters):
        _write_letter(db, out, bucket, letter)
    if dirty:
        letters: dict[int, str] = {}
        for bucket, letter in db.execute("SELECT DISTINCT bucket, letter FROM terms "
                                         "ORDER BY bucket, letter"):
            letters[bucket] = letters.get(bucket, "") + letter
        out.write(f"{SEARCH_DIR}/shards.js", shards_file(letters))
    for rel, data in static_files():
        out.write(f"{SEARCH_DIR}/{rel}", data)
    out.write(SEARCH_PAGE, search_page(css))
    if dirty.everything:
        out.remove_unseen()


def _write_person(db: sqlite3.Connection, out: _Writer, key: str,
                  registry: tuple[KnownPerson, ...], css: str) -> None:
    """A person's page from their appearances (in document order, as one build collects
    them), or its removal when none is left."""
    rows = db.execute("SELECT d.info, a.data FROM appearances a JOIN docs d ON d.name = a.name "
                      "WHERE a.key=? ORDER BY a.name", (key,)).fetchall()
    rel = f"{PERSONS_DIR}/{key}.html"
    if not rows:
        db.execute("DELETE FROM persons WHERE key=?", (key,))
        out.remove(rel)
        return
    records = [{**json.loads(info), "persons": [json.loads(ap)]} for info, ap in rows]
    person = collect(records, registry)[0]
    db.execute("INSERT OR REPLACE INTO persons VALUES(?, ?, ?)",
               (key, sort_key(person.name), _dumps(person.entry())))
    out.write(rel, person_page(person, css))


def _entries(db: sqlite3.Connection) -> Iterator[Entry]:
    """Every person of the register, by name (streamed from the store)."""
    for (entry,) in db.execute("SELECT entry FROM persons ORDER BY sort, key"):
        yield Entry(*json.loads(entry))


def _write_bucket(db: sqlite3.Connection, out: _Writer, bucket: int) -> None:
    docs = [json.loads(info) for (info,) in db.execute(
        "SELECT info FROM docs WHERE bucket=? ORDER BY name", (bucket,))]
    rel = f"{SEARCH_DIR}/b{bucket:02d}.js"
    if docs:
        out.write(rel, bucket_file(bucket, docs))
    else:
        out.remove(rel)


def _write_letter(db: sqlite3.Connection, out: _Writer, bucket: int, letter: str) -> None:
    names = [n for (n,) in db.execute("SELECT name FROM docs WHERE bucket=? ORDER BY name",
                                      (bucket,))]
    position = {n: i for i, n in enumerate(names)}
    rows = ((short_id(bucket, position[name]), json.loads(data)) for name, data in db.execute(
        "SELECT name, data FROM terms WHERE bucket=? AND letter=? ORDER BY name", (bucket, letter)))
    data = letter_file(bucket, letter, rows)
    rel = f"{SEARCH_DIR}/b{bucket:02d}-{letter}.js"
    if data is None:
        out.remove(rel)
    else:
        out.write(rel, data)


# ------------------------------------------------------------------ merging shards

def adopt(site: Path, shard_site: Path) -> None:
    """Take over the records of the documents another site folder holds (a shard's build
    output; its documents are not in `site`), with their passage files. The next
    write_site_pages(site, …) rewrites the register and the search index as one build of
    all documents would."""
    shard = shard_site / CACHE_NAME
    if not shard.is_file():
        return
    db = _connect(site)
    try:
        db.execute("ATTACH DATABASE ? AS shard", (os.fspath(shard),))
        if _shard_version(db) != __version__:
            raise ValueError(f"{shard}: made by another tei-edition version")
        db.execute("BEGIN")
        _prepare(db, site, "")
        for table in ("docs", "terms", "appearances"):
            db.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM shard.{table}")
        names = [n for (n,) in db.execute("SELECT name FROM shard.docs")]
        # Every page is written again on the next run: the settings no longer match.
        db.execute("INSERT OR REPLACE INTO main.meta VALUES('settings', '')")
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    for name in names:
        source = shard_site / _passages(name)
        if source.is_file():
            target = site / _passages(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _shard_version(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM shard.meta WHERE key='version'").fetchone()
    return row[0] if row else None

"""The corpus of an edition: encoded/corpus.xml, a teiCorpus of every document.

`build` writes it after the documents: a corpus header (title, publisher and licence from
tei-edition.toml, the number of documents) with a register of every person (one per
registry id, else one per person of a document), then the documents by XInclude.

A document's xml:ids are unique in the document, not across documents: the same person has
the same id in every document (the registry), and two documents may both have a "liu". So
each document is included from a part, encoded/corpus/NAME.xml: the document with every
xml:id qualified by the document's id ("wcda-119000.liu") and its pointers to match. The
corpus with its XIncludes expanded is then one valid TEI file. Everything is derived from
encoded/ and the configuration, byte for byte the same on every build.

Memory does not grow with the corpus: the documents are read one at a time (each part is
written, or left alone when its bytes are the same, before the next document is read), what
corpus.xml needs of them goes to an SQLite file, and corpus.xml is put together from it a
few hundred persons or includes at a time, as bytes, its digest put in last. The bytes are
those the whole teiCorpus tree would serialise to (tests/test_corpus.py compares them with
that code).

The work does not grow with the corpus either when one document changes: build keeps that
SQLite file between builds (site/.tei-edition-corpus.sqlite, STORE_NAME), each document's
rows with the SHA-256 and stats of its TEI file and of its part. Only a document whose file
or part is not as recorded (edited, new, deleted, a part edited by hand) is read again; the
rows of documents that are gone are dropped. A store of another format, another registry or
schema location, or one that cannot be read is thrown away: every document is read again.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import hashlib
import io
import itertools
import operator
import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, TypeVar

from lxml import etree

from . import __version__
from .config import AUTHORITIES, Config
from .diagnostics import Diagnostic
from .rules import POINTER_ATTRS, XML_ID
from .writers.tei import (
    _DIGEST_RE,  # where serialize() puts the digest and recorded_digest() finds it
    DIGEST_PLACEHOLDER,
    TEI_NS,
    XML_NS,
    add_xml_models,
    indent,
    serialize,
    sub,
)
from .xmlio import XMLInputError, parse_bytes, read_limited, safe_parser, write_atomic

CORPUS_NAME = "corpus.xml"
#: The folder beside corpus.xml holding the parts it includes.
PARTS = "corpus"
XI_NS = "http://www.w3.org/2001/XInclude"
XI_INCLUDE = f"{{{XI_NS}}}include"
#: The prefix of a register person's xml:id: "person.kim-ilsung", "person.wcda-119000.liu".
PERSON_PREFIX = "person."
_T = f"{{{TEI_NS}}}"
_STRUCTURAL = frozenset(_T + t for t in (
    "teiCorpus", "teiHeader", "fileDesc", "titleStmt", "publicationStmt", "availability",
    "sourceDesc", "encodingDesc", "appInfo", "profileDesc", "particDesc", "listPerson",
    "person", "revisionDesc"))
#: Documents, persons or includes handled at a time (each batch of documents or persons in
#: a thread of its own: see _in_own_thread): memory stays small, calls into lxml few.
_BATCH = 256
_READ = 1 << 16
#: Where the frame of corpus.xml is cut: see _frame.
_STAND_IN = "stand-in"
_STAND_IN_PERSON = f'<person xml:id="{_STAND_IN}"/>'.encode()
_STAND_IN_INCLUDE = f'<xi:include href="{_STAND_IN}"/>'.encode()
#: The length of a match of _DIGEST_RE.
_DIGEST_LEN = len(f'<idno type="output-sha256">{DIGEST_PLACEHOLDER}</idno>')
#: The store of what corpus.xml needs of each document, kept between builds (build puts it
#: in site/): a document is read again only when its TEI file or its part changed.
STORE_NAME = ".tei-edition-corpus.sqlite"
#: What the store's meta table says it is: another value (an older layout) is never read.
_FORMAT = "tei-edition corpus store 1"
_PRAGMAS = """
PRAGMA cache_size = -512;  -- KiB, also what a sort holds; the rest stays in the file
PRAGMA temp_store = FILE;   -- the renamed ids of one write, and any sort
-- this write's own: the register persons to make again, the ids renamed
CREATE TEMP TABLE dirty (key TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE assigned (id TEXT PRIMARY KEY) WITHOUT ROWID;
-- the temporary database has a page cache of its own, 2 MB unless said: a corpus of
-- 20,000 documents filled it
PRAGMA temp.cache_size = -512;
"""
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- a document included, as gathered from its TEI file (sha: of its bytes) with the stats
-- of the TEI file and of the part written (which are trusted while they hold), and its
-- xi:include as corpus.xml writes it
CREATE TABLE doc (name TEXT PRIMARY KEY, sha TEXT NOT NULL, tei_stat TEXT NOT NULL,
                  part_sha TEXT NOT NULL, part_stat TEXT, include BLOB NOT NULL) WITHOUT ROWID;
-- each person of a document's register (seq: its order there): the register person it
-- links to (key), the link, and the rest of its <person> as corpus.xml writes it (NULL:
-- a registry person, written from the configuration)
CREATE TABLE person (key TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,
                     target TEXT NOT NULL, rest BLOB,
                     PRIMARY KEY (key, name, seq)) WITHOUT ROWID;
CREATE INDEX person_name ON person (name);
-- the "person.*" xml:ids of a document's part: a register id must avoid them
CREATE TABLE taken (id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (id, name)) WITHOUT ROWID;
CREATE INDEX taken_name ON taken (name);
-- each register person as corpus.xml writes it when no id is renamed, made from its rows
-- of person whenever a document naming it is gathered or dropped
CREATE TABLE register (key TEXT PRIMARY KEY, piece BLOB NOT NULL) WITHOUT ROWID;
"""
_Item = TypeVar("_Item")


def is_corpus_file(path: str | os.PathLike[str]) -> bool:
    """True when a regular file's root element is a teiCorpus (read from its first bytes
    only). A pipe or a device is never waited on: opened without blocking, then refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 4096)
    except OSError:
        return False
    finally:
        os.close(fd)
    at = head.find(b"<teiCorpus")
    return at >= 0 and b"<TEI" not in head[:at]


def document_ids(root: etree._Element) -> set[str | None]:
    """Every xml:id of a document (None too when an element has none)."""
    return {el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str)}


def qualify(root: etree._Element, doc_id: str,
            ids: set[str | None] | None = None) -> etree._Element:
    """A copy of a document with every xml:id but the root's written `doc_id.ID`, its
    pointers to them rewritten to match, and its output digest made anew. `ids` are the
    document's (document_ids), when they are known already."""
    part = copy.deepcopy(root)
    ids = (document_ids(part) if ids is None else ids) - {None, doc_id}
    for el in part.iter():
        if not isinstance(el.tag, str):
            continue
        own = el.get(XML_ID)
        if own in ids:
            el.set(XML_ID, f"{doc_id}.{own}")
        for attr in POINTER_ATTRS:
            value = el.get(attr)
            if value is not None:
                el.set(attr, _qualified(value, ids, doc_id))
    for idno in part.iter(_T + "idno"):
        if idno.get("type") == "output-sha256":
            idno.text = DIGEST_PLACEHOLDER  # serialize() computes the part's own digest
    return part


def _qualified(value: str, ids: set[str | None], doc_id: str) -> str:
    tokens = value.split()
    if not any(t.startswith("#") and t[1:] in ids for t in tokens):
        return value  # untouched: URLs, pointers to the root
    return " ".join(f"#{doc_id}.{t[1:]}" if t.startswith("#") and t[1:] in ids else t
                    for t in tokens)


def _names(person: etree._Element, doc_id: str, ids: set[str | None]) -> list[etree._Element]:
    names = []
    for name in person.iterchildren(_T + "persName"):
        name = copy.deepcopy(name)
        name.tail = None
        for el in name.iter():
            if isinstance(el.tag, str):
                el.attrib.pop(XML_ID, None)  # the document keeps its ids
                for attr in POINTER_ATTRS:
                    if el.get(attr) is not None:
                        el.set(attr, _qualified(el.get(attr), ids, doc_id))
        names.append(name)
    return names


def _registry_names(config: Config, pid: str) -> list[etree._Element]:
    known = next(p for p in config.persons if p.id == pid)
    links = " ".join(AUTHORITIES[k].format(v) for k, v in known.links) or None
    main = etree.Element(_T + "persName")
    if links:
        main.set("ref", links)
    main.text = known.name
    names = [main]
    for form in known.forms:
        alias = etree.Element(_T + "persName", type="alias")
        alias.text = form
        names.append(alias)
    return names


def _register_context() -> etree._Element:
    """An empty listPerson where corpus.xml has its register, under a teiCorpus declaring
    the same namespaces: what is made in it is written as corpus.xml writes it."""
    root = etree.Element(_T + "teiCorpus", nsmap={None: TEI_NS, "xi": XI_NS})
    return sub(sub(sub(sub(root, "teiHeader"), "profileDesc"), "particDesc"), "listPerson",
               type="register")


class _Gathered:
    """What corpus.xml needs of the documents, gathered one document at a time: the parts
    to include (the documents gathered, in the order of their names); each document's
    register persons (the rest of each <person> as corpus.xml writes it, and its link); and
    the parts' xml:ids a register id could collide with. It is kept in SQLite on disk with a
    small page cache, so that memory does not grow with the corpus: a store that outlives
    the build when given a path (only the documents that changed are read again), else a
    scratch database deleted when closed. Nothing is written to the store but by commit()."""

    def __init__(self, config: Config, store: Path | None = None) -> None:
        self.config = config
        self.registry = frozenset(p.id for p in config.persons)
        self.db = _open_store(store, _config_digest(config))
        self._registry_rest: dict[str, bytes] = {}

    def __enter__(self) -> _Gathered:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()  # what was not committed is rolled back

    def commit(self) -> None:
        self.db.commit()

    def refresh(self, encoded: Path, names: Sequence[str],
                changed: Container[str] | None = None) -> list[str]:
        """The documents of `names` to read (again), in order: those the store does not
        hold as their TEI file and their part are now. A file whose stats are as recorded is
        trusted; another is compared by its SHA-256. Documents not in `names` are dropped.
        `changed`: when the caller knows that only these documents' TEI files changed since
        the store was last written (build does), the others' TEI files are not looked at."""
        folder, parts = os.fspath(encoded), os.fspath(encoded / PARTS)
        todo: list[str] = []
        gone: list[str] = []
        restat: list[tuple[str, str, str]] = []
        # both in the order of the names (SQLite's TEXT order is that of sorted() on str):
        # one pass side by side, never the whole table in memory
        rows = self.db.execute("SELECT name, tei_stat, part_stat FROM doc ORDER BY name")
        row = next(rows, None)
        previous = None
        for name in sorted(names):  # a sorted copy holds pointers; a set would hold a table
            if name == previous:
                continue
            previous = name
            while row is not None and row[0] < name:
                gone.append(row[0])
                row = next(rows, None)
            if row is None or row[0] != name:
                todo.append(name)
                continue
            _, tei_stat, part_stat = row
            row = next(rows, None)
            tei, part = f"{folder}/{name}.xml", f"{parts}/{name}.xml"
            with contextlib.suppress(OSError):  # the common case first: two stats as recorded
                if (((changed is not None and name not in changed)
                     or _stat_key(os.stat(tei)) == tei_stat)
                        and _stat_key(os.stat(part)) == part_stat):
                    continue
            sha, part_sha = self.db.execute("SELECT sha, part_sha FROM doc WHERE name = ?",
                                            (name,)).fetchone()
            tei_now = _verified(tei, sha, tei_stat)
            part_now = tei_now and _verified(part, part_sha, part_stat)
            if not (tei_now and part_now):
                todo.append(name)
            elif (tei_now, part_now) != (tei_stat, part_stat):
                restat.append((tei_now, part_now, name))  # the same bytes, touched
        while row is not None:
            gone.append(row[0])
            row = next(rows, None)
        for name in gone:
            self.forget(name)
        self.db.executemany("UPDATE doc SET tei_stat = ?, part_stat = ? WHERE name = ?", restat)
        return todo

    def forget(self, name: str) -> None:
        """Drop a document's rows; the register persons it named are made again."""
        self.db.execute("INSERT OR IGNORE INTO temp.dirty SELECT key FROM person WHERE name = ?",
                        (name,))
        for table in ("doc", "person", "taken"):
            self.db.execute(f"DELETE FROM {table} WHERE name = ?", (name,))

    def add(self, name: str, doc_id: str, root: etree._Element, ids: set[str | None],
            files: tuple[str, str, str, str | None]) -> None:
        """A document (`root`, with its xml:ids `ids`) included: its register persons and
        links, and the "person.*" xml:ids of its part (only those can be a register
        person's). `files`: the SHA-256 and stats of its TEI file, then of its part."""
        db = self.db
        db.execute("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?)",
                   (name, *files, _include_bytes(name)))
        # the part's ids, as qualify() writes them: doc_id itself, and doc_id.ID for the rest
        part_ids = [doc_id] if doc_id in ids else []
        ids = ids - {None, doc_id}
        part_ids += [f"{doc_id}.{own}" for own in ids]
        db.executemany("INSERT OR IGNORE INTO taken VALUES (?, ?)",
                       ((i, name) for i in part_ids if i.startswith(PERSON_PREFIX)))
        found = root.iterfind(f"{_T}teiHeader/{_T}profileDesc/{_T}particDesc//{_T}person")
        persons = [(seq, person, person.get(XML_ID)) for seq, person in enumerate(found)]
        # the registry's are written from the configuration, the same in every document
        own = [(seq, person) for seq, person, pid in persons if pid and pid not in self.registry]
        rests = dict(zip([seq for seq, _ in own],
                         _person_rests([_names(person, doc_id, ids) for _, person in own]),
                         strict=True))
        for seq, _, pid in persons:
            if pid:
                key = pid if pid in self.registry else f"{doc_id}.{pid}"
                db.execute("INSERT INTO person VALUES (?, ?, ?, ?, ?)",
                           (key, name, seq, f"#{doc_id}.{pid}", rests.get(seq)))
                db.execute("INSERT OR IGNORE INTO temp.dirty VALUES (?)", (key,))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM doc").fetchone()[0]

    def includes_written(self) -> Iterator[bytes]:
        """The xi:include of each document included, in order, a few hundred at a time."""
        return _joined(self.db.execute("SELECT include FROM doc ORDER BY name"))

    def includes(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM doc WHERE name = ?", (name,)).fetchone() is not None

    def all_parts_written(self) -> bool:
        return self.db.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM doc WHERE part_stat IS NULL)").fetchone()[0] == 1

    def has_persons(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM person)").fetchone()[0] == 1

    def persons_written(self) -> Iterator[bytes]:
        """The register persons as corpus.xml writes them, in order, a few hundred at a time:
        as stored, unless an id must be renamed."""
        self._settle()
        # a register id collides only with a "person.*" id of a part or with an id an earlier
        # person was renamed to: with no such part id, no id is ever renamed
        if self.db.execute("SELECT EXISTS (SELECT 1 FROM taken)").fetchone()[0]:
            return (b"".join(_person_bytes(*p) for p in batch)
                    for batch in _batched(self._renamed()))
        return _joined(self.db.execute("SELECT piece FROM register ORDER BY key"))

    def _settle(self) -> None:
        """Make again the stored register persons whose documents changed."""
        db = self.db
        rows = db.execute("SELECT key, target, rest FROM temp.dirty JOIN person USING (key) "
                          "ORDER BY key, name, seq")
        for key, corresp, rest in self._linked(rows):
            db.execute("INSERT OR REPLACE INTO register VALUES (?, ?)",
                       (key, _person_bytes(PERSON_PREFIX + key, corresp, rest)))
        db.execute("DELETE FROM register WHERE key IN (SELECT key FROM temp.dirty) "
                   "AND key NOT IN (SELECT key FROM person)")  # no document names them now
        db.execute("DELETE FROM temp.dirty")

    def _linked(self, rows: Iterable[tuple[str, str, bytes | None]],
                ) -> Iterator[tuple[str, str, bytes]]:
        """Register persons (key, corresp, rest of the element) from their links, in order
        of key, then of the documents and of the persons in each: the order the links were
        met in when every document was read in turn. Its names: the first document's."""
        for key, group in itertools.groupby(rows, key=operator.itemgetter(0)):
            links = list(group)  # a person's links: as many as documents name it
            rest = links[0][2]
            yield (key, " ".join(target for _, target, _ in links),
                   self._registry(key) if rest is None else rest)

    def _renamed(self) -> Iterator[tuple[str, str, bytes]]:
        """Each register person (xml:id, corresp, rest) with an xml:id unique among every
        xml:id of the parts and of the persons before it. The ids renamed are this write's
        own (a temporary table): the store keeps the documents' ids only."""
        self.db.execute("DELETE FROM temp.assigned")
        rows = self.db.execute("SELECT key, target, rest FROM person ORDER BY key, name, seq")
        for key, corresp, rest in self._linked(rows):
            yield self._unique(PERSON_PREFIX + key), corresp, rest

    def _registry(self, pid: str) -> bytes:
        if pid not in self._registry_rest:  # a few hundred at most: the configuration's
            self._registry_rest[pid] = _person_rests([_registry_names(self.config, pid)])[0]
        return self._registry_rest[pid]

    def _unique(self, base: str) -> str:
        pid, n = base, 2  # a document named "person" could hold the same ids: never two alike
        while self.db.execute("SELECT EXISTS (SELECT 1 FROM taken WHERE id = ?) "
                              "OR EXISTS (SELECT 1 FROM temp.assigned WHERE id = ?)",
                              (pid, pid)).fetchone()[0]:
            pid, n = f"{base}-{n}", n + 1
        self.db.execute("INSERT INTO temp.assigned VALUES (?)", (pid,))
        return pid


def _config_digest(config: Config) -> str:
    """What of the configuration the store's rows are made from: the registry (its persons'
    names) and the schema location (the parts' xml-model instructions); with the version,
    whose writer made the parts."""
    relevant = (__version__, config.schema_location, config.persons)
    return hashlib.sha256(repr(relevant).encode()).hexdigest()


def _open_store(path: Path | None, digest: str) -> sqlite3.Connection:
    """The store at `path` when it is one of this format made with this configuration, else
    a new one there (nothing of the old is read again); a scratch database, removed on
    close, when `path` is None or cannot hold a database."""
    if path is not None:
        with contextlib.suppress(sqlite3.Error, OSError):
            db = _connect(path)
            try:
                meta = dict(db.execute("SELECT key, value FROM meta"))
                if meta == {"format": _FORMAT, "config": digest}:
                    return db
            except sqlite3.Error:
                pass  # not a database, damaged, or of another layout
            db.close()
        remove_store(path)
        with contextlib.suppress(sqlite3.Error, OSError):
            return _created(_connect(path), digest)
    return _created(_connect(""), digest)  # "": a temporary file, removed on close


def _connect(path: Path | str) -> sqlite3.Connection:
    # used by one thread at a time (each batch of documents is read in a thread of its own)
    db = sqlite3.connect(path, check_same_thread=False)
    db.executescript(_PRAGMAS)
    return db


def _created(db: sqlite3.Connection, digest: str) -> sqlite3.Connection:
    db.executescript(_SCHEMA)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", _FORMAT), ("config", digest)])
    return db


def remove_store(path: Path) -> None:
    """Delete a store and its journal: the next write reads every document again."""
    for name in (path, Path(f"{path}-journal")):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _stat_key(st: os.stat_result) -> str:
    # the inode and ctime too: a file replaced or rewritten keeps neither
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def _verified(path: str, sha: str, known: str | None) -> str | None:
    """The stats of the regular file at `path` when it holds the bytes whose SHA-256 is
    `sha`: trusted when they are the `known` ones, else read; None when the file changed
    or cannot be read."""
    try:
        now = _stat_key(os.stat(path))
        if now == known:
            return now
        with _open_regular(Path(path)) as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None
    # the stats read first: a file changed after them is read again next time
    return now if digest == sha else None


def _corpus_root(count: int, config: Config, *, register: bool) -> etree._Element:
    """The teiCorpus with a stand-in for its register persons (when there are any) and
    one for its XIncludes, which the file is cut at: see _frame."""
    root = etree.Element(_T + "teiCorpus", nsmap={None: TEI_NS, "xi": XI_NS})
    root.set(f"{{{XML_NS}}}lang", config.language)
    header = sub(root, "teiHeader")
    fd = sub(header, "fileDesc")
    sub(sub(fd, "titleStmt"), "title", config.corpus_title, type="main")
    sub(sub(fd, "extent"), "measure", f"{count} document{'s' if count != 1 else ''}",
        unit="document", quantity=str(count))
    ps = sub(fd, "publicationStmt")
    sub(ps, "publisher", config.publisher)
    if config.licence:
        sub(sub(ps, "availability"), "licence", config.licence, target=config.licence_url)
    sub(sub(fd, "sourceDesc"), "p",
        f"The {count} document{'s' if count != 1 else ''} of the edition, each included from "
        f"{PARTS}/ and describing its own source in its header.")
    app = sub(sub(sub(header, "encodingDesc"), "appInfo"), "application", ident="tei-edition",
              version=__version__)
    sub(app, "label", "tei-edition")
    if register:
        lp = sub(sub(sub(header, "profileDesc"), "particDesc"), "listPerson", type="register")
        sub(lp, "person", xml_id=_STAND_IN)
    change = sub(sub(header, "revisionDesc"), "change", type="conversion")
    change.text = (f"Made by tei-edition {__version__} from the documents of encoded/ and "
                   "tei-edition.toml; output SHA-256 ")
    sub(change, "idno", DIGEST_PLACEHOLDER, type="output-sha256").tail = (
        " (of this file as generated, with this value zeroed).")
    etree.SubElement(root, XI_INCLUDE, href=_STAND_IN)
    indent(root, structural=_STRUCTURAL)
    add_xml_models(root, config)
    return root


def _frame(count: int, config: Config, *, register: bool) -> tuple[bytes, bytes, bytes]:
    """corpus.xml but its register persons and its XIncludes: the bytes before the first
    person, those between the last person and the first include (empty with no register),
    and those after the last include; cut where the stand-ins are, with the digest zeroed."""
    root = _corpus_root(count, config, register=register)
    data = _DIGEST_RE.sub(lambda m: m.group(1) + DIGEST_PLACEHOLDER.encode() + m.group(3),
                          serialize(root), count=1)
    header = root[0]
    include = _STAND_IN_INCLUDE
    at_include = data.index(header.tail.encode() + include)  # the indentation before it
    tail = data[at_include + len(header.tail) + len(include):]
    if not register:
        return data[:at_include], b"", tail
    lp = header.find(f"{_T}profileDesc/{_T}particDesc/{_T}listPerson")
    at_person = data.index(lp.text.encode() + _STAND_IN_PERSON)
    after_person = at_person + len(lp.text) + len(_STAND_IN_PERSON)
    return data[:at_person], data[after_person:at_include], tail


def _inner(el: etree._Element) -> bytes:
    """The children of `el` as corpus.xml writes them: each after its indentation, without
    the last one's tail (the indentation of the end tag, written once, by the frame)."""
    data = etree.tostring(el, encoding="UTF-8", xml_declaration=False, with_tail=False)
    start = data.index(b">") + 1  # a start tag of namespaces and type="register" at most
    return data[start:data.rindex(b"</") - len(el[-1].tail)]


def _person_piece(persons: Sequence[tuple[str, str, bytes]]) -> bytes:
    """Register persons (xml:id, corresp, their persName elements serialised) as corpus.xml
    writes them, each after its indentation: made in lxml, which _person_rest is cut from."""
    lp = _register_context()
    parser = safe_parser()
    for pid, corresp, names in persons:
        sub(lp, "person", xml_id=pid, corresp=corresp).extend(etree.fromstring(names, parser))
    indent(lp.getroottree().getroot(), structural=_STRUCTURAL)
    return _inner(lp)


def _serialised(holders: etree._Element) -> list[bytes]:
    """Each child of `holders` (a register listPerson) serialised. Made in corpus.xml's
    namespace context, as the whole-tree code did: lxml drops the declarations that context
    makes redundant."""
    return [etree.tostring(holder, encoding="UTF-8", xml_declaration=False)
            for holder in holders]


def _person_rests(persons: list[list[etree._Element]]) -> list[bytes]:
    """Register persons with these names as corpus.xml writes them, after their start tag's
    attributes: "/>" when one has none, else ">", its names indented, "</person>". Only the
    xml:id and corresp are left to write: corpus.xml is put together from bytes. One tree
    for all (a document's persons), cut where each person's stand-in ids are."""
    if not persons:
        return []
    holders = _register_context()
    for names in persons:
        sub(holders, "person").extend(names)
    stand_ins = [f"{_STAND_IN}-{i}" for i in range(len(persons))]
    piece = _person_piece(list(zip(stand_ins, stand_ins, _serialised(holders), strict=True)))
    # a start tag of a stand-in id is found nowhere else: a person's names have no xml:id
    starts = [_PERSON_START + i.encode() + _PERSON_BETWEEN + i.encode() + b'"'
              for i in stand_ins]
    at = [0]
    for start in starts:
        at.append(piece.index(start, at[-1]))
    at = [*at[1:], len(piece)]
    return [piece[at[i] + len(starts[i]):at[i + 1]] for i in range(len(persons))]


def _attribute(value: str) -> bytes:
    """An attribute value as lxml writes it (quoted with "): plain ASCII as it is, anything
    else escaped by lxml itself."""
    if _PLAIN.fullmatch(value):
        return value.encode()
    return etree.tostring(etree.Element("a", v=value), encoding="UTF-8")[len(b'<a v="'):-3]


def _person_bytes(pid: str, corresp: str, rest: bytes) -> bytes:
    return _PERSON_START + _attribute(pid) + _PERSON_BETWEEN + _attribute(corresp) + b'"' + rest


def _include_piece(names: Sequence[str]) -> bytes:
    root = etree.Element(_T + "teiCorpus", nsmap={None: TEI_NS, "xi": XI_NS})
    for name in names:
        etree.SubElement(root, XI_INCLUDE, href=f"{PARTS}/{name}.xml")
    indent(root, structural=_STRUCTURAL)
    return _inner(root)


def _include_bytes(name: str) -> bytes:
    return _INCLUDE_START + _attribute(f"{PARTS}/{name}.xml") + _INCLUDE_END


def _cut(piece: bytes, at: bytes) -> tuple[bytes, bytes]:
    before, found, after = piece.partition(at)
    assert found, piece
    return before, after


# What corpus.xml writes around a person's xml:id and corresp, and an include's href, as
# lxml makes them (the indentation is that of their depth in corpus.xml)
_PERSON_START, _ = _cut(_person_piece([("s-1", "s-2", b"<person/>")]), b"s-1")
_PERSON_BETWEEN = _cut(_person_piece([("s-1", "s-2", b"<person/>")]), b"s-1")[1].partition(
    b"s-2")[0]
_INCLUDE_START, _INCLUDE_END = _cut(_include_piece(["s-1"]), f"{PARTS}/s-1.xml".encode())
_PLAIN = re.compile(r"[ !#-%'-;=?-~]*")  # printable ASCII but " & < >


class _Digesting:
    """A seekable file being written, with the SHA-256 of what was written and where the
    first output-sha256 value is: where serialize() puts the digest."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.sha, self.size, self.at = out, hashlib.sha256(), 0, None

    def write(self, data: bytes) -> None:
        # a piece ends between elements: never inside an idno
        if self.at is None and (found := _DIGEST_RE.search(data)):
            self.at = self.size + found.start(2)
        self.out.write(data)
        self.sha.update(data)
        self.size += len(data)

    def seal(self) -> None:
        if self.at is not None:
            self.out.seek(self.at)
            self.out.write(self.sha.hexdigest().encode())
            self.out.seek(0, os.SEEK_END)


def _stream_corpus(out: BinaryIO, gathered: _Gathered, config: Config) -> None:
    """Write corpus.xml to `out`: the bytes serialize() gives the whole teiCorpus, put
    together from its frame and the stored bytes of each person and include."""
    register = gathered.has_persons()
    head, between, tail = _frame(gathered.count(), config, register=register)
    writer = _Digesting(out)
    writer.write(head)
    if register:
        for persons in gathered.persons_written():
            writer.write(persons)
        writer.write(between)
    for includes in gathered.includes_written():
        writer.write(includes)
    writer.write(tail)
    writer.seal()


def _joined(rows: Iterable[tuple[bytes]]) -> Iterator[bytes]:
    """The bytes of one-column rows, a few hundred rows joined at a time."""
    for batch in _batched(rows):
        yield b"".join(data for (data,) in batch)


def _batched(items: Iterable[_Item]) -> Iterator[list[_Item]]:
    it = iter(items)
    while batch := list(itertools.islice(it, _BATCH)):
        yield batch


def _in_own_thread(work: Callable[..., _Item], *args: object) -> _Item:
    """`work(*args)` in a new thread, which ends with it. lxml gives each thread a string
    dictionary that only ever grows, and libxml2 puts into it every xml:id value a tree is
    given (its ID table): the qualified ids of every part and every register id, hundreds of
    bytes a document for good. A thread's dictionary is freed when the thread ends; no tree
    made in it outlives `work`."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(work, *args).result()


#: Hands a part's bytes on (written, or kept in memory); True when its file now holds them.
_Emit = Callable[[str, bytes], bool]


def _gather(encoded: Path, names: Sequence[str], config: Config, gathered: _Gathered,
            emit: _Emit, changed: Container[str] | None = None) -> list[Diagnostic]:
    """Make the part of each document the store does not hold as it is now, in turn, and
    hand it to `emit`, keeping in `gathered` what corpus.xml needs; one document's tree at a
    time is in memory. A document that cannot be read is left out and said so (it is read
    again on every write: it is held nowhere)."""
    # a part is a generated TEI file too, one folder down: its xml-model instructions
    # point one level further up when the location is relative
    below = replace(config, schema_location="../" + config.schema_location) \
        if config.schema_is_local else config
    diags: list[Diagnostic] = []
    for batch in _batched(gathered.refresh(encoded, names, changed)):
        diags += _in_own_thread(_gather_some, encoded, batch, below, gathered, emit)
    return diags


def _gather_some(encoded: Path, names: list[str], below: Config, gathered: _Gathered,
                 emit: _Emit) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    # strings, not Paths: a Path interns its file name, and the table of interned strings
    # stays as large as it grew (a megabyte at 20,000 documents)
    folder, parts = os.fspath(encoded), os.path.join(encoded, PARTS)
    for name in names:
        gathered.forget(name)
        path = f"{folder}/{name}.xml"
        try:
            # the stats before the bytes: a file changed after them is read again next time
            tei_stat = _stat_key(os.stat(path))
        except OSError:
            tei_stat = ""  # read_limited says why, or a file just made is read next time again
        try:
            data = read_limited(path)
            root = parse_bytes(data, path).getroot()
        except XMLInputError as exc:
            diags.append(Diagnostic(path, exc.line, exc.col, "warning", "corpus",
                                    f"left out of {CORPUS_NAME}: {exc.message}"))
            continue
        doc_id = root.get(XML_ID) or name
        ids = document_ids(root)
        part = qualify(root, doc_id, ids)
        add_xml_models(part, below)
        made = serialize(part)
        where = f"{parts}/{name}.xml"
        part_stat = stat_or_none(where) if emit(where, made) else None
        gathered.add(name, doc_id, root, ids, (_sha(data), tei_stat, _sha(made), part_stat))
    return diags


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stat_or_none(path: str | os.PathLike[str]) -> str | None:
    """A file's stat as the store keeps it (_stat_key); None when there is no such file.
    (build notes corpus.xml's so, to know the corpus is the one it wrote.)"""
    try:
        return _stat_key(os.stat(path))
    except OSError:
        return None


def corpus_files(encoded: Path, names: Sequence[str],
                 config: Config) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    """Every file of the corpus of the documents `names` of `encoded/`, with its bytes:
    one part each, then corpus.xml. A document that cannot be read is left out and said so.
    All of them in memory: write_corpus keeps one document at a time."""
    files: dict[Path, bytes] = {}

    def keep(path: str, data: bytes) -> bool:
        files[Path(path)] = data
        return False  # no file holds it

    with _Gathered(config) as gathered:
        diags = _gather(encoded, names, config, gathered, keep)
        out = io.BytesIO()
        _stream_corpus(out, gathered, config)
    files[encoded / CORPUS_NAME] = out.getvalue()
    return files, diags


def stale_corpus_files(encoded: Path, names: Sequence[str],
                       config: Config) -> tuple[list[Path], list[Path]]:
    """What `check` asks: the files of the corpus of the documents `names` that do not hold
    what write_corpus would write (parts in order, then corpus.xml), and the parts of no
    document included. Each file is compared as it is made, one at a time: memory does not
    grow with the corpus. Nothing is written."""
    stale: list[Path] = []

    def compare(path: str, data: bytes) -> bool:
        try:  # through the bounded reader, as every existing output
            if read_limited(path) != data:
                stale.append(Path(path))
        except XMLInputError:
            stale.append(Path(path))
        return False  # not written: no stats to keep

    corpus = encoded / CORPUS_NAME
    with _Gathered(config) as gathered:
        _gather(encoded, names, config, gathered, compare)
        try:
            with tempfile.TemporaryFile() as scratch:
                _stream_corpus(scratch, gathered, config)
                if not _same_bytes(scratch, corpus):
                    stale.append(corpus)
        except OSError:  # missing, or not a regular file
            stale.append(corpus)
        try:
            stray = _stale_parts(encoded / PARTS, gathered)
        except OSError:
            stray = []  # no parts at all
    return stale, stray


def is_current(encoded: Path, names: Sequence[str], config: Config, *,
               documents_checked: bool = False) -> bool:
    """True when the corpus need not be made again: corpus.xml is newer than the documents,
    the configuration and its parts (a part edited by hand is newer), the parts are those of
    exactly these documents, and corpus.xml still matches the digest it records. Only stats,
    one listing and one read of corpus.xml: a build with nothing to do stays quick.
    `documents_checked`: the caller knows that no document changed since corpus.xml was
    last made from them (build, by their stats and its cache): their files are not looked at."""
    corpus = encoded / CORPUS_NAME
    folder, parts = os.fspath(encoded), os.fspath(encoded / PARTS)
    try:
        made = os.stat(corpus).st_mtime_ns
        if config.path and os.stat(config.path).st_mtime_ns > made:
            return False
        # os.stat of a string: a Path for each file costs more than the stat itself
        for name in names:
            if ((not documents_checked and os.stat(f"{folder}/{name}.xml").st_mtime_ns > made)
                    or os.stat(f"{parts}/{name}.xml").st_mtime_ns > made):
                return False
        # a part for every name is there: with as many *.xml and no name twice, the parts
        # are exactly those (a set of the names would be megabytes)
        with os.scandir(parts) as entries:
            count = sum(1 for entry in entries if entry.name.endswith(".xml"))
        if count != len(names) or any(a == b for a, b in itertools.pairwise(sorted(names))):
            return False
        return _digest_holds(corpus)
    except OSError:
        return False


def _digest_holds(path: Path) -> bool:
    """Whether a regular file matches the output digest it records (recorded_digest, read a
    piece at a time: corpus.xml grows with the corpus)."""
    sha, recorded, held = hashlib.sha256(), None, b""
    with _open_regular(path) as file:
        while chunk := file.read(_READ):
            data = held + chunk
            if recorded is None and (found := _DIGEST_RE.search(data)):
                recorded = found.group(2)
                data = data[:found.start(2)] + DIGEST_PLACEHOLDER.encode() + data[found.end(2):]
            # until the digest is found, the last bytes wait for the next piece: it may
            # begin in them
            cut = len(data) if recorded is not None else max(0, len(data) - _DIGEST_LEN + 1)
            sha.update(data[:cut])
            held = data[cut:]
    sha.update(held)
    return recorded is not None and sha.hexdigest().encode() == recorded


def _open_regular(path: Path) -> BinaryIO:
    """A regular file opened for reading; OSError for anything else (a pipe or a device
    is never waited on: opened without blocking, then refused)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _same_bytes(file: BinaryIO, path: Path) -> bool:
    """Whether the regular file at `path` holds what `file` holds (read from its start)."""
    file.seek(0)
    with _open_regular(path) as other:
        while True:
            mine, theirs = file.read(_READ), other.read(_READ)
            if mine != theirs:
                return False
            if not mine:
                return True


def _replace_part(path: str, data: bytes) -> list[Diagnostic]:
    """Write a part unless it already has these bytes."""
    try:  # read as every existing output is: a pipe or a device is refused, not read
        current = read_limited(path) if os.path.lexists(path) else None
        if current != data:
            write_atomic(path, data)
    except XMLInputError as exc:
        return [Diagnostic(str(path), 0, 0, "error", "io",
                           f"{exc.message}; it is neither read nor replaced")]
    except OSError as exc:
        return [Diagnostic(str(path), 0, 0, "error", "io", exc.strerror or str(exc))]
    return []


def _replace_corpus(path: Path, gathered: _Gathered, config: Config) -> list[Diagnostic]:
    """Write corpus.xml unless it already has these bytes: made in a scratch file first (its
    digest comes last), then compared and copied in place a piece at a time. A pipe or a
    device there is neither read nor replaced."""
    try:
        if os.path.lexists(path) and not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
    except OSError as exc:
        return [Diagnostic(str(path), 0, 0, "error", "io",
                           f"{exc.strerror or exc}; it is neither read nor replaced")]
    try:
        with tempfile.TemporaryFile() as scratch:
            _stream_corpus(scratch, gathered, config)
            if not (os.path.lexists(path) and _same_bytes(scratch, path)):
                scratch.seek(0)
                write_atomic(path, iter(lambda: scratch.read(_READ), b""))
    except OSError as exc:
        return [Diagnostic(str(path), 0, 0, "error", "io", exc.strerror or str(exc))]
    return []


def _stale_parts(parts: Path, gathered: _Gathered) -> list[Path]:
    """The *.xml of `parts` that are not the part of a document included, in order (read
    as names: a Path for each of twenty thousand parts is megabytes)."""
    with os.scandir(parts) as entries:
        count = sum(1 for entry in entries if entry.name.endswith(".xml"))
    # every document included has its part written: with as many files, they are those
    if count == gathered.count() and gathered.all_parts_written():
        return []
    with os.scandir(parts) as entries:
        stale = [entry.name for entry in entries if entry.name.endswith(".xml")
                 and not gathered.includes(entry.name.removesuffix(".xml"))]
    return [parts / name for name in sorted(stale)]


def write_corpus(encoded: Path, names: Sequence[str], config: Config,
                 store: Path | None = None, changed: Container[str] | None = None
                 ) -> list[Diagnostic]:
    """Write encoded/corpus.xml and its parts (only the files whose bytes change), and
    remove the parts of documents that are gone. One document at a time: memory does not
    grow with the number of documents. With a `store` (STORE_NAME, kept by build in site/)
    only the documents whose TEI file or part changed since the last write are read; with
    `changed` as well, only these documents' TEI files may have (see _Gathered.refresh)."""
    if CORPUS_NAME.removesuffix(".xml") in names:
        return [Diagnostic(str(encoded / CORPUS_NAME), 0, 0, "error", "corpus",
                           f"a document is named {CORPUS_NAME}: the corpus file is not written; "
                           "rename the source")]
    try:
        return _write_corpus(encoded, names, config, store, changed)
    except sqlite3.DatabaseError:
        if store is None:
            raise
        remove_store(store)  # damaged beyond what opening it shows: made anew
        return _write_corpus(encoded, names, config, store, None)


def _write_corpus(encoded: Path, names: Sequence[str], config: Config,
                  store: Path | None, changed: Container[str] | None) -> list[Diagnostic]:
    written: list[Diagnostic] = []  # after the documents left out, as the files come

    def emit(path: str, data: bytes) -> bool:
        found = _replace_part(path, data)
        written.extend(found)
        return not found

    with _Gathered(config, store) as gathered:
        diags = _gather(encoded, names, config, gathered, emit, changed)
        written += _replace_corpus(encoded / CORPUS_NAME, gathered, config)
        with contextlib.suppress(FileNotFoundError):  # no document could be read
            for stale in _stale_parts(encoded / PARTS, gathered):
                stale.unlink()
        gathered.commit()
    # corpus.xml is left as it is when its bytes do not change: made now all the same, it
    # is newer than every part, which is what is_current asks
    with contextlib.suppress(OSError):  # not written (reported above): nothing to touch
        os.utime(encoded / CORPUS_NAME)
    return diags + written


def corpus_parts(path: Path, root: etree._Element,
                 ) -> tuple[list[tuple[etree._Element, Path]], list[Diagnostic]]:
    """The parts a corpus file includes: (its xi:include, the file), and a diagnostic for
    each include that names no local file in the corpus's folder. Nothing is fetched: an
    include is a file name, never followed to the network or out of the folder."""
    folder = path.parent.resolve()
    parts: list[tuple[etree._Element, Path]] = []
    diags: list[Diagnostic] = []
    for include in root.iter(XI_INCLUDE):
        href = include.get("href") or ""
        problem = _include_problem(include, href)
        target = (folder / href).resolve() if problem is None else None
        if target is not None and not target.is_relative_to(folder):
            problem = f'href="{href}" leads out of the corpus\'s folder'
        if problem is not None or target is None:
            diags.append(Diagnostic(str(path), include.sourceline or 0, 0, "error",
                                    "corpus-include", f"{problem}; expected the relative path "
                                    "of a TEI file beside or below the corpus file"))
            continue
        # named as the corpus is named (relative stays relative), for the diagnostics
        shown = Path(os.path.normpath(path.parent / href))
        if not target.is_file():
            diags.append(Diagnostic(str(path), include.sourceline or 0, 0, "error",
                                    "corpus-include", f"the part {shown} cannot be read: no "
                                    "such file (or not a regular file)"))
            continue
        parts.append((include, shown))
    return parts, diags


def _include_problem(include: etree._Element, href: str) -> str | None:
    if not href:
        return "an xi:include without @href"
    if include.get("parse", "xml") != "xml" or include.get("xpointer") is not None:
        return f'xi:include of "{href}" takes part of a file or text: only whole XML files'
    if ":" in href.split("/")[0] or href.startswith(("/", "\\")) or "\\" in href:
        return f'href="{href}" is not a relative path (a URL or an absolute path is never read)'
    return None


def publish_schemas(root: Path, config: Config) -> list[Diagnostic]:
    """Put the packaged schemas where the xml-model instructions of encoded/ point, when
    that is a relative path inside the project and they are not there yet (a file already
    there is never overwritten: it may be the schema's own master copy)."""
    from .schema import schema_file
    from .writers.tei import SCHEMA_MODELS

    if not config.schema_is_local:
        return []  # a published edition: the URL is the publisher's to serve
    encoded = root / "encoded"
    out = []
    for name, _ in SCHEMA_MODELS:
        target = Path(os.path.normpath(encoded / config.schema_href(name)))
        packaged = schema_file(Path(name).suffix).read_bytes()
        if not target.resolve().is_relative_to(root.resolve()):
            continue  # outside the project: not ours to write
        if not target.exists():
            write_atomic(target, packaged)
        elif target.read_bytes() != packaged:
            out.append(Diagnostic(str(target), 1, 1, "warning", "schema-copy",
                                  "differs from the schema of this tei-edition version, which "
                                  "the <?xml-model?> instructions of encoded/ name; delete it "
                                  "and build again to have it replaced"))
    return out

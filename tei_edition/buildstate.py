"""What `build` knows between runs: the content of every input and output, and its cache.

Freshness is decided by content. A TEI file is current when it records the SHA-256 of the
source as it is now, was made by this converter version, and (for an untouched generated
file) with the same settings. File times never decide that a file is unchanged: a stat is
only a shortcut that saves hashing a file whose modification time, change time, size and
inode are all as they were when it was hashed. The change time cannot be set back (`cp -p`,
`tar` and `rsync -a` restore only the modification time), so a restored or same-size edit
is hashed again. A file changed within RACY_NS of being hashed is hashed again too: file
times have a granularity, and an edit in the same tick would keep all four values.

The cache (`site/.tei-edition-build.json`) is versioned and checked entry by entry; one
that cannot be used is discarded with a warning, and the build starts from the files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Config
from .corpus import CORPUS_NAME
from .diagnostics import Diagnostic
from .writers.tei import recorded_digest
from .xmlio import XMLInputError, read_limited, write_atomic

CACHE_NAME = ".tei-edition-build.json"
#: The layout of the cache file; a cache of another format is ignored.
CACHE_FORMAT = 2
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


def record_file(path: Path, previous: FileRecord | None,
                read: Callable[[Path], bytes]) -> FileRecord:
    """The digest of a file, from `previous` when its stat vouches for the content, else
    by reading it with `read` (which raises for what it refuses). The stat comes first:
    a change during the read then shows as a different stat next time."""
    st = path.stat()
    seen = time.time_ns()
    if previous is not None and previous.path == str(path) and previous.vouches_for(st):
        return previous
    return FileRecord(str(path), hashlib.sha256(read(path)).hexdigest(), stamp_of(st), seen)


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


def read_tei(path: Path, previous: TeiRecord | None) -> TeiRecord:
    """The record of encoded/NAME.xml, read only when its stat does not vouch for the cached
    one; through the regular-file, size-limited reader (raises XMLInputError)."""
    data: list[bytes] = []

    def read(p: Path) -> bytes:
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
    if not encoded.is_dir():
        return []
    return sorted(p for p in encoded.glob("*.xml") if p.name not in EDITION_FILES)


def document_inputs(source: Path) -> list[Path]:
    """Every file a document's TEI is made from: the source first, then its hints file
    (NAME.hints.toml) when there is one. Adding, changing or removing one converts again."""
    from .readers.hints import hints_path

    hints = hints_path(source)
    return [source, hints] if os.path.lexists(hints) else [source]


# ------------------------------------------------------------------ the cache


@dataclass
class DocState:
    """What the last build knew of one published document."""

    inputs: list[FileRecord]
    tei: TeiRecord
    settings: str
    valid: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    index: str | None = None  # the serialised index entry
    page: FileRecord | None = None  # the page as it was written


@dataclass
class BuildCache:
    """The documents of the last build, and the names its index page listed."""

    docs: dict[str, DocState] = field(default_factory=dict)
    published: list[str] | None = None  # None: unknown (no usable cache)


class _Bad(ValueError):
    """A cache entry of the wrong shape."""


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise _Bad(what)


def _file_from(raw: object) -> FileRecord:
    _need(isinstance(raw, dict), "a file record is not an object")
    assert isinstance(raw, dict)
    path, sha, stamp, seen = raw.get("path"), raw.get("sha256"), raw.get("stamp"), raw.get("seen")
    _need(isinstance(path, str) and isinstance(sha, str) and len(sha) == 64, "bad file record")
    _need(isinstance(stamp, list) and len(stamp) == 4
          and all(type(v) is int for v in stamp), "bad stamp")
    _need(type(seen) is int, "bad time")
    assert isinstance(stamp, list) and isinstance(path, str) and isinstance(sha, str)
    return FileRecord(path, sha, (stamp[0], stamp[1], stamp[2], stamp[3]), int(seen))


def _tei_from(raw: object) -> TeiRecord:
    _need(isinstance(raw, dict) and isinstance(raw.get("facts"), dict),
          "a TEI record is not an object")
    assert isinstance(raw, dict)
    facts = raw["facts"]
    version, source, intact = facts.get("version"), facts.get("source_sha256"), facts.get("intact")
    _need(version is None or isinstance(version, str), "bad version")
    _need(source is None or isinstance(source, str), "bad source digest")
    _need(isinstance(intact, bool), "bad intact flag")
    return TeiRecord(_file_from(raw.get("file")), TeiFacts(version, source, bool(intact)))


def _diagnostic_from(raw: object) -> Diagnostic:
    _need(isinstance(raw, dict), "a diagnostic is not an object")
    assert isinstance(raw, dict)
    try:
        diag = Diagnostic(**raw)
    except TypeError as exc:
        raise _Bad(str(exc)) from None
    _need(all(isinstance(getattr(diag, k), str) for k in ("file", "severity", "rule", "message"))
          and type(diag.line) is int and type(diag.col) is int, "bad diagnostic")
    return diag


def _state_from(raw: object) -> DocState:
    _need(isinstance(raw, dict), "an entry is not an object")
    assert isinstance(raw, dict)
    inputs, diags = raw.get("inputs"), raw.get("diagnostics")
    settings, valid, index = raw.get("settings"), raw.get("valid"), raw.get("index")
    _need(isinstance(inputs, list) and isinstance(diags, list), "bad lists")
    _need(isinstance(settings, str) and isinstance(valid, bool), "bad settings or validity")
    _need(index is None or isinstance(index, str), "bad index entry")
    assert isinstance(inputs, list) and isinstance(diags, list) and isinstance(settings, str)
    page = raw.get("page")
    return DocState([_file_from(i) for i in inputs], _tei_from(raw.get("tei")), settings,
                    bool(valid), [_diagnostic_from(d) for d in diags],
                    index if isinstance(index, str) else None,
                    None if page is None else _file_from(page))


def _cache_from(raw: object) -> BuildCache | None:
    """The cache in `raw`; None when it is of another format or converter version."""
    _need(isinstance(raw, dict), "not a JSON object")
    assert isinstance(raw, dict)
    if raw.get("format") != CACHE_FORMAT or raw.get("converter") != __version__:
        return None
    docs, published = raw.get("docs"), raw.get("published")
    _need(isinstance(docs, dict), "'docs' is not an object")
    _need(isinstance(published, list) and all(isinstance(n, str) for n in published),
          "'published' is not a list of names")
    assert isinstance(docs, dict) and isinstance(published, list)
    return BuildCache({str(k): _state_from(v) for k, v in docs.items()}, list(published))


def load_cache(path: Path) -> tuple[BuildCache, list[Diagnostic]]:
    """The cache of the last build; an empty one (and a warning) when it cannot be used."""
    if not os.path.lexists(path):
        return BuildCache(), []
    try:
        cache = _cache_from(json.loads(read_limited(path)))
    except (XMLInputError, ValueError, RecursionError) as exc:
        why = exc.message if isinstance(exc, XMLInputError) else str(exc)
        return BuildCache(), [Diagnostic(str(path), 0, 0, "warning", "build-cache",
                                         f"the build cache cannot be used ({why}); it is "
                                         "ignored and every document is checked afresh")]
    return cache or BuildCache(), []


def save_cache(path: Path, cache: BuildCache) -> list[Diagnostic]:
    """Write the cache atomically; a warning (not a failure) when it cannot be written."""
    data = {"format": CACHE_FORMAT, "converter": __version__,
            "published": cache.published or [],
            "docs": {name: dataclasses.asdict(state) for name, state in sorted(cache.docs.items())}}
    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False).encode())
    except OSError as exc:
        return [Diagnostic(str(path), 0, 0, "warning", "build-cache",
                           f"the build cache could not be written ({exc.strerror or exc}); "
                           "the next build checks every document afresh")]
    return []

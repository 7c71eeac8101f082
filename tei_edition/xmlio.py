"""Hardened XML input and atomic file output.

Every XML file a user hands us may come from anywhere, so it is parsed without entity
expansion, DTD loading, network access or XInclude, with libxml2's size limits on, and with
a resolver that refuses every external resource; a DOCTYPE is refused outright. Only
regular files of at most MAX_XML_BYTES are read (a pipe would block, /dev/zero never ends).
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

#: Largest XML input accepted; a TEI edition of one archival document is a few hundred KB.
MAX_XML_BYTES = 16 * 1024 * 1024
#: Largest teiCorpus parse_file reads (encoded/corpus.xml, known by its root element): it
#: grows with the edition, some 850 bytes a document (17 MB at 20,000 documents).
MAX_CORPUS_BYTES = 512 * 1024 * 1024


@dataclass
class XMLInputError(Exception):
    """An XML file could not be read or is not acceptable input."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class _RefuseExternal(etree.Resolver):
    """Answers every request for an external resource (DTD, entity, XInclude) with nothing.

    libxml2 consults it before its own loader, so no file is opened and no URL fetched even
    where a parser option would otherwise let one through; the URLs asked for are kept so
    that the error can name them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        self.refused.append(system_url or public_id or "?")
        return self.resolve_string("", context)


def safe_parser() -> etree.XMLParser:
    """A parser that expands no entity and touches no network, for the package's own files.

    Input from users goes through parse_bytes / parse_file, which also refuse every
    external resource (a DTD path, a parameter entity): this parser alone would open them.
    """
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,  # keeps libxml2's limits: depth 256, text nodes 10 MB
        remove_comments=False,
        # Duplicate xml:ids are the content rules' to report, not a parse failure. Beware:
        # with collect_ids=False libxml2 opens an external DTD subset despite load_dtd=False,
        # which is why parse_bytes adds a resolver that refuses it.
        collect_ids=False,
    )


# The prolog may declare a DOCTYPE in any encoding the XML declaration allows.
_DOCTYPE = tuple(b"<!DOCTYPE".decode().encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))


def _doctype_error(path: str) -> XMLInputError:
    return XMLInputError(
        path, 1, 1, "xml-doctype",
        "a DOCTYPE declaration is not accepted (entities and DTDs are never loaded); "
        "TEI files need none",
    )


def parse_bytes(data: bytes, path: str = "<input>", *,
                limit: int | None = None) -> etree._ElementTree:
    """Parse XML bytes safely; a DOCTYPE (and so any entity declaration) is refused, and
    more than `limit` bytes (MAX_XML_BYTES unless said)."""
    limit = MAX_XML_BYTES if limit is None else limit
    if len(data) > limit:
        raise _too_large(path, len(data), limit)
    parser = safe_parser()
    refuse = _RefuseExternal()
    parser.resolvers.add(refuse)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser, base_url=None))
    except etree.XMLSyntaxError as exc:
        if any(d in data for d in _DOCTYPE):
            # An entity bomb or a missing DTD fails inside the DOCTYPE: that is the reason.
            raise _doctype_error(path) from None
        line, col = exc.position if exc.position else (0, 0)
        # libxml2 may end a message with a newline, even in the middle ("range\n, line 1"):
        # one diagnostic is one line
        msg = " ".join((exc.msg or "not well-formed XML").split()).replace(" , line", ", line")
        raise XMLInputError(path, line or 0, col or 0, "xml-wellformed", msg) from None
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise _doctype_error(path)
    if refuse.refused:
        raise XMLInputError(path, 1, 1, "xml-external",
                            f"refers to an external resource ({refuse.refused[0]}), which is "
                            "never loaded")
    return tree


def _too_large(path: str, size: int, limit: int) -> XMLInputError:
    return XMLInputError(path, 0, 0, "xml-size",
                         f"file is {size / 2**20:.1f} MB; XML files over "
                         f"{limit // 2**20} MB are refused")


def read_limited(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, MAX_XML_BYTES unless said
    (XMLInputError otherwise).
    os.open and os.read rather than Path.read_bytes: half the system calls and Python
    objects, which is a fifth of the cost of parsing a small file."""
    name = os.fspath(path)
    limit = MAX_XML_BYTES if limit is None else limit
    try:
        st = os.stat(name)
        if not stat.S_ISREG(st.st_mode):
            # a pipe or a device (/dev/zero) would block or never end
            raise XMLInputError(name, 0, 0, "io", "not a regular file")
        if st.st_size > limit:
            raise _too_large(name, st.st_size, limit)
        fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
        try:
            # to the end, as read_bytes: a read may be short (FUSE), the file may have grown;
            # but never past the limit, even for a file that grows while it is read
            parts = [os.read(fd, st.st_size + 1)]
            size = len(parts[0])
            while size <= limit and (more := os.read(fd, 1 << 16)):
                parts.append(more)
                size += len(more)
        finally:
            os.close(fd)
    except OSError as exc:
        raise XMLInputError(name, 0, 0, "io", exc.strerror or str(exc)) from None
    if size > limit:  # it grew past the limit after the stat
        raise _too_large(name, size, limit)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def parse_file(path: str | os.PathLike[str]) -> etree._ElementTree:
    """Read and parse one XML file safely (regular files only, at most MAX_XML_BYTES; a
    teiCorpus, which grows with the edition, at most MAX_CORPUS_BYTES)."""
    try:
        return parse_bytes(read_limited(path), os.fspath(path))
    except XMLInputError as exc:
        from .corpus import is_corpus_file  # which imports this module

        # known by its first bytes: only a file refused for its size is looked at again
        if exc.rule != "xml-size" or not is_corpus_file(path):
            raise
    return parse_bytes(read_limited(path, MAX_CORPUS_BYTES), os.fspath(path),
                       limit=MAX_CORPUS_BYTES)


@functools.cache
def _umask() -> int:
    """The process umask, read without changing it where Linux tells it (os.umask can only
    set it, and a set-and-restore would briefly affect other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_file_mode(target: Path) -> int:
    """The mode the file would have if written in place: the old file's, else 0666 - umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_atomic(path: str | os.PathLike[str], data: bytes | Iterable[bytes], *,
                 durable: bool = True) -> None:
    """Write bytes so that readers see either the old file or the new one, never a part.
    `data` may be pieces, written as they come (a large page need not be held whole).

    The bytes go to a temporary file beside the target (same file system) and replace the
    target in one rename; a crash or a kill at any moment leaves the old file or the new
    one, at worst with a stray `.NAME.*.tmp` beside it. With `durable`, the file and the
    rename are flushed to disk before returning; runs that write many files pass
    `durable=False` and call `sync_written` once at the end (an fsync per file costs more
    than converting the document).
    """
    import tempfile  # only where something is written: `validate` does not pay for it

    target = Path(path)
    mode = _new_file_mode(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except FileNotFoundError:  # the folder is made only when missing: one stat less per file
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            for piece in [data] if isinstance(data, bytes) else data:
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
            os.fchmod(fd, mode)  # mkstemp makes 0600: others could not read the output
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        _sync_dir(target.parent)


def sync_written(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Flush files written with `durable=False` (and their renames) to disk.

    One sync() of the system where there is one: it costs a few milliseconds for a run,
    against about a millisecond per file for fsync. Elsewhere each file and folder is
    flushed in turn. Files that vanished meanwhile are skipped.
    """
    if hasattr(os, "sync"):
        if next(iter(paths), None) is not None:  # the paths are not kept: a build has many
            os.sync()
        return
    files = [Path(p) for p in paths]
    for f in files:
        with contextlib.suppress(OSError), f.open("rb+") as fh:
            os.fsync(fh.fileno())
    for folder in {f.parent for f in files}:
        _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

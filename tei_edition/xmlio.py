"""Hardened XML input and atomic file output.

Every XML file a user hands us may come from anywhere, so it is parsed without entity
expansion, DTD loading, network access or XInclude, and with libxml2's size limits on.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

#: Largest XML input accepted; a TEI edition of one archival document is a few hundred KB.
MAX_XML_BYTES = 64 * 1024 * 1024


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


def safe_parser() -> etree.XMLParser:
    """A parser that reads only the bytes it is given."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )


def parse_bytes(data: bytes, path: str = "<input>") -> etree._ElementTree:
    """Parse XML bytes safely; a DOCTYPE with entity declarations is refused."""
    if len(data) > MAX_XML_BYTES:
        raise XMLInputError(path, 0, 0, "xml-size", f"file is larger than {MAX_XML_BYTES} bytes")
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser(), base_url=None))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        msg = exc.msg or "not well-formed XML"
        raise XMLInputError(path, line or 0, col or 0, "xml-wellformed", msg) from None
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise XMLInputError(
            path, 1, 1, "xml-doctype",
            "a DOCTYPE declaration is not accepted (entities and DTDs are never loaded); "
            "TEI files need none",
        )
    return tree


def parse_file(path: str | os.PathLike[str]) -> etree._ElementTree:
    """Read and parse one XML file safely."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_XML_BYTES:
            raise XMLInputError(str(p), 0, 0, "xml-size", f"file is larger than {MAX_XML_BYTES} bytes")
        data = p.read_bytes()
    except OSError as exc:
        raise XMLInputError(str(p), 0, 0, "io", exc.strerror or str(exc)) from None
    return parse_bytes(data, str(p))


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes so that readers see either the old file or the new one, never a part."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

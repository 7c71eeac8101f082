"""The files a RelaxNG schema pulls in, checked before an engine (jing, libxml2) reads it.

A schema given with `--schema` may come from anywhere. Its `include` and `externalRef`
(`include` and `external` in the compact syntax) are followed through every local file
they name, with `xml:base` applied as the engines apply it; a reference to anything but a
local file (http:, https:, ftp:, jar:, a file URL on another host) is refused before the
engine starts, so that no validation run ever makes a network request. A DOCTYPE in an
XML schema is refused as in every other XML input: it could load an external DTD.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .xmlio import XMLInputError, parse_file, read_limited

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
#: How many schema files one schema may pull in: far more than TEI's (one), and a bound
#: on a schema that includes itself under ever new names.
MAX_FILES = 1000


@dataclass
class SchemaReferenceError(Exception):
    """A schema that refers to something that is not a local file, or cannot be checked."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _local_path(url: str) -> Path | None:
    """The file a URL names when it is a local file URL; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(_url_path(parts.path))


def _url_path(path: str) -> str:
    """A file URL's path as a path of this system, percent-decoded once. (What
    urllib.request.url2pathname does, without importing urllib.request: its HTTP client
    and email parser cost every command that validates some 10 ms of start-up.)"""
    if os.name == "nt":
        from nturl2path import url2pathname

        return url2pathname(path)
    return unquote(path)


def _rng_references(path: Path) -> list[str]:
    """The absolute URLs of the include and externalRef elements of an XML schema."""
    try:
        tree = parse_file(path)
    except XMLInputError as exc:
        if exc.rule in ("xml-doctype", "xml-external"):
            raise SchemaReferenceError(str(path), exc.message) from None
        return []  # not XML, unreadable: the engine says so, and fetches nothing for it
    out = []
    for el in tree.iter(f"{{{RNG_NS}}}include", f"{{{RNG_NS}}}externalRef"):
        href = el.get("href")
        if href is None:
            continue
        base = path.resolve().as_uri()
        for anc in reversed([el, *el.iterancestors()]):
            if anc.get(XML_BASE) is not None:
                base = urljoin(base, anc.get(XML_BASE, ""))
        out.append(urljoin(base, href.strip()))
    return out


# Compact syntax: strings (four quotings, `~` joins them), comments, keywords. A keyword
# written with a leading backslash is an identifier, not a keyword.
_RNC_TOKEN = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"[^"\n]*"|\'[^\'\n]*\'|#[^\n]*'
                        r"|\\?[A-Za-z_][\w.-]*|~|\S")
_RNC_ESCAPE = re.compile(r"\\x\{([0-9A-Fa-f]+)\}")


def _unescape(text: str) -> str:
    # \x{N} escapes are replaced before the compact syntax is tokenised (RELAX NG compact
    # syntax, section 3): `\x{69}nclude` is the keyword include.
    return _RNC_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if int(m.group(1), 16) < 0x110000
                           else m.group(0), text)


def _string(tokens: list[str], i: int) -> tuple[str | None, int]:
    """The literal (joined with `~`) that starts at tokens[i], and the index after it."""
    parts = []
    while i < len(tokens) and tokens[i][:1] in "\"'":
        quote = 3 if tokens[i][:3] in ('"""', "'''") else 1
        parts.append(tokens[i][quote:-quote])
        if i + 1 < len(tokens) and tokens[i + 1] == "~":
            i += 2
            continue
        return "".join(parts), i + 1
    return None, i


def _rnc_references(path: Path) -> list[str]:
    """The absolute URLs of the include and external patterns of a compact schema."""
    try:
        text = read_limited(path).decode("utf-8")
    except (XMLInputError, UnicodeDecodeError):
        return []  # the engine reports it
    tokens = [t for t in _RNC_TOKEN.findall(_unescape(text)) if not t.startswith("#")]
    base = path.resolve().as_uri()
    out = []
    for i, token in enumerate(tokens):
        if token in ("include", "external"):
            literal, _ = _string(tokens, i + 1)
            if literal is not None:
                out.append(urljoin(base, literal.strip()))
    return out


def check_schema(schema: Path) -> None:
    """Raise SchemaReferenceError when the schema, or a schema it pulls in, refers to
    anything but a local regular file; missing files are left to the engine to report.
    Included files are read in the syntax of the schema that includes them, as the
    engines read them."""
    compact = schema.suffix == ".rnc"
    todo, seen = [schema], set()
    while todo:
        path = todo.pop()
        try:
            st = path.stat()
        except OSError:
            continue  # missing: the engine says so
        if not stat.S_ISREG(st.st_mode):  # a pipe would block the engine, a device not end
            raise SchemaReferenceError(str(path), "is not a regular file")
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        if len(seen) > MAX_FILES:
            raise SchemaReferenceError(str(schema), f"pulls in more than {MAX_FILES} files")
        for url in _rnc_references(path) if compact else _rng_references(path):
            local = _local_path(url)
            if local is None:
                raise SchemaReferenceError(
                    str(path), f"refers to {url}, which is not a local file; schemas are "
                               "never fetched from the network: download it and refer to "
                               "the copy")
            todo.append(local)

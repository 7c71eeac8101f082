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
"""

from __future__ import annotations

import contextlib
import copy
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from . import __version__
from .config import AUTHORITIES, Config
from .diagnostics import Diagnostic
from .rules import POINTER_ATTRS, XML_ID
from .writers.tei import (
    DIGEST_PLACEHOLDER,
    TEI_NS,
    XML_NS,
    add_xml_models,
    indent,
    recorded_digest,
    serialize,
    sub,
)
from .xmlio import XMLInputError, parse_file, read_limited, write_atomic

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


@dataclass
class _Person:
    """A person of the register, gathered from the documents."""

    id: str
    names: list[etree._Element]  # the persName elements to write
    links: list[str] = field(default_factory=list)  # #doc.id of each occurrence


def qualify(root: etree._Element, doc_id: str) -> etree._Element:
    """A copy of a document with every xml:id but the root's written `doc_id.ID`, its
    pointers to them rewritten to match, and its output digest made anew."""
    part = copy.deepcopy(root)
    ids = {el.get(XML_ID) for el in part.iter() if isinstance(el.tag, str)} - {None, doc_id}
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


def register(documents: Sequence[tuple[str, etree._Element]], config: Config,
             taken: set[str]) -> list[_Person]:
    """The persons of the documents: one per registry id, else one per document person;
    sorted by their xml:id, which avoids every id in `taken`."""
    registry = {p.id for p in config.persons}
    persons: dict[str, _Person] = {}
    for doc_id, root in documents:
        ids = {el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str)} - {None, doc_id}
        for person in root.iterfind(f"{_T}teiHeader/{_T}profileDesc/{_T}particDesc//{_T}person"):
            pid = person.get(XML_ID)
            if not pid:
                continue
            key = pid if pid in registry else f"{doc_id}.{pid}"
            if key not in persons:
                names = (_registry_names(config, pid) if pid in registry else
                         _names(person, doc_id, ids))
                persons[key] = _Person(PERSON_PREFIX + key, names)
            persons[key].links.append(f"#{doc_id}.{pid}")
    out = sorted(persons.values(), key=lambda p: p.id)
    for p in out:  # a document named "person" could hold the same ids: never two alike
        base, n = p.id, 2
        while p.id in taken:
            p.id, n = f"{base}-{n}", n + 1
        taken.add(p.id)
    return out


def corpus_root(parts: Sequence[tuple[str, str]], persons: Iterable[_Person],
                config: Config) -> etree._Element:
    """The teiCorpus: header, register, and an XInclude of each part (doc id, href)."""
    root = etree.Element(_T + "teiCorpus", nsmap={None: TEI_NS, "xi": XI_NS})
    root.set(f"{{{XML_NS}}}lang", config.language)
    header = sub(root, "teiHeader")
    fd = sub(header, "fileDesc")
    sub(sub(fd, "titleStmt"), "title", config.corpus_title, type="main")
    count = len(parts)
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
    persons = list(persons)
    if persons:
        lp = sub(sub(sub(header, "profileDesc"), "particDesc"), "listPerson", type="register")
        for p in persons:
            el = sub(lp, "person", xml_id=p.id, corresp=" ".join(p.links))
            el.extend(p.names)
    change = sub(sub(header, "revisionDesc"), "change", type="conversion")
    change.text = (f"Made by tei-edition {__version__} from the documents of encoded/ and "
                   "tei-edition.toml; output SHA-256 ")
    sub(change, "idno", DIGEST_PLACEHOLDER, type="output-sha256").tail = (
        " (of this file as generated, with this value zeroed).")
    for _, href in parts:
        etree.SubElement(root, XI_INCLUDE, href=href)
    indent(root, structural=_STRUCTURAL)
    add_xml_models(root, config)
    return root


def corpus_files(encoded: Path, names: Sequence[str],
                 config: Config) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    """Every file of the corpus of the documents `names` of `encoded/`, with its bytes:
    corpus.xml and one part each. A document that cannot be read is left out and said so."""
    documents: list[tuple[str, str, etree._Element]] = []
    diags: list[Diagnostic] = []
    for name in sorted(names):
        path = encoded / f"{name}.xml"
        try:
            root = parse_file(path).getroot()
        except XMLInputError as exc:
            diags.append(Diagnostic(str(path), exc.line, exc.col, "warning", "corpus",
                                    f"left out of {CORPUS_NAME}: {exc.message}"))
            continue
        doc_id = root.get(XML_ID) or name
        documents.append((name, doc_id, root))
    files: dict[Path, bytes] = {}
    taken: set[str] = set()
    # a part is a generated TEI file too, one folder down: its xml-model instructions
    # point one level further up when the location is relative
    below = replace(config, schema_location="../" + config.schema_location) \
        if config.schema_is_local else config
    for name, doc_id, root in documents:
        part = qualify(root, doc_id)
        add_xml_models(part, below)
        taken.update(el.get(XML_ID) for el in part.iter() if isinstance(el.tag, str)
                     and el.get(XML_ID))
        files[encoded / PARTS / f"{name}.xml"] = serialize(part)
    persons = register([(doc_id, root) for _, doc_id, root in documents], config, taken)
    parts = [(doc_id, f"{PARTS}/{name}.xml") for name, doc_id, _ in documents]
    files[encoded / CORPUS_NAME] = serialize(corpus_root(parts, persons, config))
    return files, diags


def is_current(encoded: Path, names: Sequence[str], config: Config) -> bool:
    """True when the corpus need not be made again: corpus.xml is newer than the documents,
    the configuration and its parts (a part edited by hand is newer), the parts are those of
    exactly these documents, and corpus.xml still matches the digest it records. Only stats
    and one file read: a build with nothing to do stays quick."""
    corpus = encoded / CORPUS_NAME
    parts = [encoded / PARTS / f"{name}.xml" for name in names]
    inputs = [*parts, *(encoded / f"{name}.xml" for name in names)]
    if config.path:
        inputs.append(Path(config.path))
    try:
        made = corpus.stat().st_mtime_ns
        if any(p.stat().st_mtime_ns > made for p in inputs):
            return False
        if sorted((encoded / PARTS).glob("*.xml")) != sorted(parts):
            return False
        return recorded_digest(read_limited(corpus))[1]  # bounded: never a pipe or a device
    except (OSError, XMLInputError):
        return False


def write_corpus(encoded: Path, names: Sequence[str], config: Config) -> list[Diagnostic]:
    """Write encoded/corpus.xml and its parts (only the files whose bytes change), and
    remove the parts of documents that are gone."""
    if CORPUS_NAME.removesuffix(".xml") in names:
        return [Diagnostic(str(encoded / CORPUS_NAME), 0, 0, "error", "corpus",
                           f"a document is named {CORPUS_NAME}: the corpus file is not written; "
                           "rename the source")]
    files, diags = corpus_files(encoded, names, config)
    for path, data in files.items():
        try:  # read as every existing output is: a pipe or a device is refused, not read
            current = read_limited(path) if os.path.lexists(path) else None
            if current != data:
                write_atomic(path, data)
        except XMLInputError as exc:
            diags.append(Diagnostic(str(path), 0, 0, "error", "io",
                                    f"{exc.message}; it is neither read nor replaced"))
        except OSError as exc:
            diags.append(Diagnostic(str(path), 0, 0, "error", "io", exc.strerror or str(exc)))
    for stale in sorted((encoded / PARTS).glob("*.xml")):
        if stale not in files:
            stale.unlink()
    # corpus.xml is left as it is when its bytes do not change: made now all the same, it
    # is newer than every part, which is what is_current asks
    with contextlib.suppress(OSError):  # not written (reported above): nothing to touch
        os.utime(encoded / CORPUS_NAME)
    return diags


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

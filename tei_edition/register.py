"""The site-wide pages of the edition, written incrementally: the persons register and search.

`document_record()` is what one document contributes (made where the document is rendered);
`write_site_pages()` turns the records of all documents into files and writes only the files
whose bytes changed since the last run, and removes the files it wrote for persons or
documents that are gone. A cache beside the site (`.tei-edition-register.json`) keeps each
document's record without its text, and a digest of every file written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import __version__
from .config import KnownPerson
from .persons import appearances, collect, index_page, person_page
from .render import CSS_NAME, PERSONS_DIR, Stylesheets, passage_anchors
from .search import SCRIPT_NAME, SEARCH_DIR, SEARCH_PAGE, doc_file, index_files, record, script, search_page
from .xmlio import write_atomic

CACHE_NAME = ".tei-edition-register.json"


def document_record(root: etree._Element, doc: str, registry: Collection[str],
                    sheets: Stylesheets) -> dict:
    """What one document gives the register and the search index (JSON-serialisable)."""
    anchors = passage_anchors(root)
    return {"persons": appearances(root, doc, registry, anchors),
            "search": record(root, doc, sheets, anchors)}


@dataclass
class SiteReport:
    """Files of the register and the search index that a run wrote or removed."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == __version__ else {}


def write_site_pages(site: Path, records: dict[str, dict | None], *,
                     load: Callable[[str], dict | None] = lambda name: None,
                     registry: Iterable[KnownPerson] = (), css: str = CSS_NAME) -> SiteReport:
    """Write the persons register and the search index for the documents of `records`
    (name -> fresh record, or None for a document unchanged since the last run, whose record
    comes from the cache, else from `load(name)`)."""
    cache_path = site / CACHE_NAME
    cache = _load(cache_path)
    cached_docs: dict = cache.get("docs", {})
    digests: dict[str, str] = cache.get("files", {})
    files: dict[str, bytes] = {}
    kept: dict[str, dict] = {}
    for name in sorted(records):
        rec, passages = records[name], f"{SEARCH_DIR}/docs/{name}.js"
        if rec is None:
            rec = cached_docs.get(name)
            if rec is None or passages not in digests or not (site / passages).exists():
                rec = load(name) or rec  # the passages are not cached: read the TEI again
        if rec is None:
            continue
        # b"": an unchanged document's passage file stays as it is.
        files[passages] = doc_file(rec["search"]) if "passages" in rec["search"] else b""
        kept[name] = _without_text(rec)
    people = collect((r["persons"] for r in kept.values()), tuple(registry))
    for person in people:
        files[f"{PERSONS_DIR}/{person.key}.html"] = person_page(person, css)
    files[f"{PERSONS_DIR}/index.html"] = index_page(people, css)
    for rel, data in index_files([r["search"] for r in kept.values()], people).items():
        files[f"{SEARCH_DIR}/{rel}"] = data
    files[f"{SEARCH_DIR}/{SCRIPT_NAME}"] = script()
    files[SEARCH_PAGE] = search_page(css)
    report = _sync(site, files, digests)
    write_atomic(cache_path, json.dumps(
        {"version": __version__, "docs": kept, "files": digests},
        ensure_ascii=False, separators=(",", ":")).encode(), durable=False)
    report.written.append(cache_path)
    return report


def _without_text(rec: dict) -> dict:
    """The record as cached: the passages are only needed when the document changes."""
    search = {k: v for k, v in rec["search"].items() if k != "passages"}
    return {"persons": rec["persons"], "search": search}


def _sync(site: Path, files: dict[str, bytes], digests: dict[str, str]) -> SiteReport:
    """Write the files whose digest changed (b"" marks a file to keep as it is); remove the
    files of the last run that are no longer part of the site. Updates `digests`."""
    report = SiteReport()
    for rel in [r for r in digests if r not in files]:
        target = site / rel
        try:
            target.unlink()
            report.removed.append(target)
        except FileNotFoundError:
            pass
        del digests[rel]
    made: set[str] = set()  # folders known to exist: one check each, not one per file
    root = os.fspath(site)
    for rel, data in files.items():
        if not data:
            report.unchanged += 1
            continue
        target = os.path.join(root, rel)
        digest = hashlib.sha256(data).hexdigest()
        if digests.get(rel) == digest and os.path.exists(target):
            report.unchanged += 1
            continue
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        write_atomic(target, data, durable=False)
        digests[rel] = digest
        report.written.append(Path(target))
    return report


def adopt(site: Path, shard_site: Path) -> None:
    """Take over the document records another site folder stores (a shard's build, of
    other documents), so that write_site_pages finds them as if this site had made them."""
    theirs = _load(shard_site / CACHE_NAME)
    if not theirs.get("docs"):
        return
    ours = _load(site / CACHE_NAME) or {"version": __version__, "docs": {}, "files": {}}
    ours["docs"].update(theirs["docs"])
    write_atomic(site / CACHE_NAME, json.dumps(ours, ensure_ascii=False,
                                               separators=(",", ":")).encode(), durable=False)

"""The search index as MiniSearch reads it, and sites put together from shards.

The index is written by Python in MiniSearch's serialised form: node loads it as the search
page does (tests/minisearch_check.js) and compares it with the index MiniSearch builds itself
from the same documents, and their answers to the same queries.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import encoded_documents

from tei_edition.config import KnownPerson
from tei_edition.diagnostics import Exit
from tei_edition.register import CACHE_NAME, adopt, document_record, write_site_pages
from tei_edition.render import Stylesheets, passage_anchors, render_paths
from tei_edition.search import bucket_of, letter_lines, passages, text_of
from tei_edition.xmlio import parse_file

HERE = Path(__file__).parent
NODE = shutil.which("node")
TEI = "http://www.tei-c.org/ns/1.0"
REGISTRY = (KnownPerson("kim-ilsung", "Kim Il Sung", ("Kim Il-song",), (("wikidata", "Q39464"),)),)
QUERIES = ["zanzibarite", "zanzibar", "zanzibarote", "uiju", "Ŭiju", "talk", "kim il", "timb",
           "comrade", "korea", "the", "1962", "embassy soviet", "premier", "xqzv", "Li", "song"]


def small_corpus(folder: Path) -> list[Path]:
    """The seeds and the development corpus, and two documents with accents and a rare word."""
    folder.mkdir()
    files = encoded_documents(HERE.parent / "encoded")[:12]
    for f in files:
        shutil.copy(f, folder / f.name)
    for name, body in (("talk-a", "We discuss zanzibarite with Kim Il Sung."),
                       ("talk-b", "Ŭiju and timber, Sinŭiju and ÉCOLE²")):
        (folder / f"{name}.xml").write_text(
            f'<TEI xmlns="{TEI}" xml:id="{name}"><teiHeader><fileDesc><titleStmt>'
            f'<title type="main">Talk {name}</title></titleStmt><publicationStmt><p>t</p>'
            '</publicationStmt><sourceDesc><p>t</p></sourceDesc></fileDesc><profileDesc>'
            '<particDesc><listPerson><person xml:id="kim-ilsung" role="speaker"><persName>'
            'Kim Il Sung</persName></person></listPerson></particDesc></profileDesc></teiHeader>'
            '<text><body><sp who="#kim-ilsung"><speaker>Kim</speaker>'
            f'<p>{body}</p></sp></body></text></TEI>', "utf-8")
    return sorted(folder.glob("*.xml"))


@pytest.fixture(scope="module")
def sheets() -> Stylesheets:
    return Stylesheets.load()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return small_corpus(tmp_path_factory.mktemp("search") / "tei")


def render(files: list[Path], out: Path, sheets: Stylesheets) -> Path:
    report = render_paths(files, out, sheets=sheets, registry=REGISTRY)
    assert report.exit_status == Exit.OK, [d.format() for d in report.diagnostics]
    return out


@pytest.mark.skipif(NODE is None, reason="node is absent")
def test_written_index_answers_as_minisearch_built_on_the_documents(
        corpus: list[Path], sheets: Stylesheets, tmp_path: Path) -> None:
    site = render(corpus, tmp_path / "site", sheets)
    docs = []
    for f in corpus:
        root = parse_file(f).getroot()
        rec = document_record(root, f.stem, {"kim-ilsung"}, sheets)
        text = text_of(passages(root, sheets, passage_anchors(root)))
        docs.append({"id": f.stem, "title": rec["title"], "text": text, "date": rec["date"],
                     "href": rec["href"]})
    data = tmp_path / "input.json"
    data.write_text(json.dumps({"docs": docs, "queries": QUERIES}), "utf-8")
    run = subprocess.run([NODE, str(HERE / "minisearch_check.js"), str(site), str(data)],
                         capture_output=True, text=True, check=True)
    out = json.loads(run.stdout)
    written, built = out["index"]
    assert written["documentCount"] == len(corpus)
    assert written == built  # every term, count, field length, stored field
    assert out["exact"][0] == out["exact"][1]
    assert out["fuzzy"][0] == out["fuzzy"][1]
    persons = dict(zip(QUERIES, out["persons"], strict=True))  # the names, with their forms
    assert persons["kim il"] == ["Kim Il Sung"]
    assert "Kim Il Sung" in persons["song"]  # a form the registry gives (Kim Il-song)
    assert all(out["one"])  # the letters a query loads answer it as the whole index does
    answers = dict(zip(QUERIES, out["exact"][0], strict=True))
    assert [r[0] for r in answers["zanzibarite"]] == ["talk-a"]
    assert [r[0] for r in answers["uiju"]] == ["talk-b"] == [r[0] for r in answers["Ŭiju"]]
    assert answers["xqzv"] == []
    assert [r[0] for r in dict(zip(QUERIES, out["fuzzy"][0], strict=True))["zanzibarote"]] == [
        "talk-a"]  # a near miss is found when nothing matches exactly


def tree(site: Path) -> dict[str, bytes]:
    """The register and the search index of a site, file by file."""
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for sub in ("persons", "search") for p in sorted((site / sub).rglob("*")) if p.is_file()}


def test_sites_of_shards_adopted_give_the_site_of_one_build(
        corpus: list[Path], sheets: Stylesheets, tmp_path: Path) -> None:
    whole = render(corpus, tmp_path / "whole", sheets)
    shards = [render(corpus[k::3], tmp_path / f"shard{k}", sheets) for k in range(3)]
    merged = tmp_path / "merged"
    for shard in shards:
        adopt(merged, shard)
    write_site_pages(merged, {f.stem: None for f in corpus}, registry=REGISTRY)
    assert tree(merged) == tree(whole)
    assert (merged / "search.html").read_bytes() == (whole / "search.html").read_bytes()
    assert filecmp.cmp(whole / "persons" / "kim-ilsung.html", merged / "persons" / "kim-ilsung.html")


def test_one_changed_document_rewrites_its_persons_and_one_bucket(
        corpus: list[Path], sheets: Stylesheets, tmp_path: Path) -> None:
    site = render(corpus, tmp_path / "site", sheets)
    records = {f.stem: None for f in corpus}
    changed = next(f for f in corpus if f.stem == "talk-b")
    rec = document_record(parse_file(changed).getroot(), changed.stem, {"kim-ilsung"}, sheets)
    rec["passages"] = rec["passages"].replace("timber", "timber quetzal")
    rec["letters"] = "\n".join(f"{k}{v}" for k, v in
                               {**letter_lines(rec["letters"]), "q": "\t\tquetzal\t1"}.items())
    report = write_site_pages(site, {**records, changed.stem: rec}, registry=REGISTRY)
    written = {Path(p).relative_to(site).as_posix() for p in report.written}
    bucket = f"search/b{bucket_of(changed.stem):02d}"
    # Its passages and its bucket's terms in q; shards.js when the bucket had no q before.
    assert {CACHE_NAME, f"{bucket}-q.js", "search/docs/talk-b.js"} <= written <= {
        CACHE_NAME, f"{bucket}-q.js", "search/docs/talk-b.js", "search/shards.js"}
    again = write_site_pages(site, records, registry=REGISTRY)
    assert [Path(p).name for p in again.written] == [CACHE_NAME]
    # As one run writes them from the same records.
    fresh = {f.stem: document_record(parse_file(f).getroot(), f.stem, {"kim-ilsung"}, sheets)
             for f in corpus}
    write_site_pages(tmp_path / "fresh", {**fresh, changed.stem: rec}, registry=REGISTRY)
    assert tree(tmp_path / "fresh") == tree(site)


def test_a_store_of_an_earlier_format_is_made_again(
        corpus: list[Path], sheets: Stylesheets, tmp_path: Path) -> None:
    site = render(corpus, tmp_path / "site", sheets)
    whole = tree(site)
    # Format 1 kept the terms a row a document and letter, and docs without them.
    with contextlib.closing(sqlite3.connect(site / CACHE_NAME)) as db:
        db.executescript(
            "DROP TABLE docs; CREATE TABLE docs(name TEXT PRIMARY KEY, bucket INTEGER NOT NULL, "
            "info TEXT NOT NULL, persons TEXT NOT NULL, passages TEXT NOT NULL);"
            "INSERT INTO docs VALUES('gone', 0, '{}', '[]', '');"
            "CREATE TABLE terms(bucket INTEGER, letter TEXT, name TEXT, data TEXT NOT NULL);"
            "PRAGMA user_version=0;")
    (site / "search" / "b00-q.js").write_text("stale", "utf-8")  # a file it had written
    with contextlib.closing(sqlite3.connect(site / CACHE_NAME)) as db, db:
        db.execute("INSERT OR REPLACE INTO files VALUES('search/b00-q.js', 'x')")
    render(corpus, site, sheets)
    assert tree(site) == whole
    with contextlib.closing(sqlite3.connect(site / CACHE_NAME)) as db:
        assert db.execute("SELECT count(*) FROM docs").fetchone()[0] == len(corpus)
        assert db.execute("SELECT name FROM sqlite_master WHERE name='terms'").fetchone() is None

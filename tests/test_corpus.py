"""encoded/corpus.xml: the teiCorpus `build` writes, its persons register, its validation."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from conftest import ENCODED, ROOT, SOURCES, jing
from lxml import etree

from tei_edition import corpus, xmlio
from tei_edition.cli import cli
from tei_edition.config import Config, load_config
from tei_edition.corpus import XI_INCLUDE, qualify
from tei_edition.rules import XML_ID, check
from tei_edition.validate import validate_paths
from tei_edition.writers.tei import DIGEST_PLACEHOLDER, recorded_digest
from tei_edition.xmlio import MAX_XML_BYTES, parse_file

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI, "xi": "http://www.w3.org/2001/XInclude"}
NAMES = ["wcda-116538", "wcda-119000"]  # Han Ik-su is in both
CONFIG = """
[edition]
publisher = "Example Digital Edition"
licence = "CC BY 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"
corpus_title = "Conversations of 1962"

[[person]]
id = "han-iksu"
name = "Han Ik-su"
forms = ["Han"]
wikidata = "Q99999"
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def make_project(folder: Path, config: str = CONFIG) -> Path:
    (folder / "sources").mkdir(parents=True)
    for name in NAMES:
        shutil.copyfile(SOURCES / f"{name}.txt", folder / "sources" / f"{name}.txt")
    (folder / "tei-edition.toml").write_text(config, "utf-8")
    code, out = run("build", str(folder), "--jobs", "1")
    assert code == 0, out
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p")


def expanded(corpus: Path) -> etree._ElementTree:
    tree = etree.parse(str(corpus))
    tree.xinclude()
    return tree


def test_the_corpus_header_comes_from_the_configuration(project: Path) -> None:
    root = parse_file(project / "encoded" / "corpus.xml").getroot()
    assert root.tag == f"{{{TEI}}}teiCorpus"
    fd = root.find("t:teiHeader/t:fileDesc", NS)
    assert fd.findtext("t:titleStmt/t:title", namespaces=NS) == "Conversations of 1962"
    assert fd.findtext("t:publicationStmt/t:publisher", namespaces=NS) == "Example Digital Edition"
    licence = fd.find("t:publicationStmt/t:availability/t:licence", NS)
    assert licence.text == "CC BY 4.0" and licence.get("target").startswith("https://")
    assert fd.find("t:extent/t:measure", NS).get("quantity") == "2"
    assert [i.get("href") for i in root.iter(XI_INCLUDE)] == [f"corpus/{n}.xml" for n in NAMES]


def test_one_register_person_per_registry_id_else_per_document_person(project: Path) -> None:
    tree = expanded(project / "encoded" / "corpus.xml")
    register = tree.findall("t:teiHeader/t:profileDesc/t:particDesc/t:listPerson/t:person", NS)
    by_id = {p.get(XML_ID): p for p in register}
    han = by_id["person.han-iksu"]  # the registry's person, once for both documents
    assert han.get("corresp").split() == [f"#{n}.han-iksu" for n in NAMES]
    assert han.find("t:persName", NS).get("ref") == "https://www.wikidata.org/entity/Q99999"
    assert "person.wcda-119000.liu-shaoqi" in by_id  # a document's own person
    # every person of every document is in the register once, and every link resolves
    ids = {el.get(XML_ID): el for el in tree.iter() if isinstance(el.tag, str)}
    linked = [t for p in register for t in p.get("corresp").split()]
    persons = [f"#{d.get(XML_ID)}.{p.get(XML_ID).partition('.')[2]}"
               for d in tree.getroot().iterfind("t:TEI", NS)
               for p in d.iterfind(".//t:particDesc//t:person", NS)]
    assert sorted(linked) == sorted(persons) and len(set(linked)) == len(linked)
    assert all(ids[t[1:]].tag == f"{{{TEI}}}person" for t in linked)
    assert [p.get(XML_ID) for p in register] == sorted(by_id)
    assert check(tree.getroot()) == []  # ids unique, pointers resolved, across the corpus


def test_the_corpus_is_the_same_on_every_build(project: Path, tmp_path: Path) -> None:
    enc = project / "encoded"
    first = {p.relative_to(enc): p.read_bytes() for p in [enc / "corpus.xml",
                                                          *sorted((enc / "corpus").iterdir())]}
    shutil.rmtree(enc / "corpus")
    (enc / "corpus.xml").unlink()
    code, out = run("build", str(project), "--force", "--jobs", "2")
    assert code == 0, out
    again = {p: (enc / p).read_bytes() for p in first}
    assert again == first
    elsewhere = make_project(tmp_path / "other" / "place")  # no path goes into the files
    assert {p: (elsewhere / "encoded" / p).read_bytes() for p in first} == first


def test_parts_have_qualified_ids_and_their_own_digest() -> None:
    doc = parse_file(ENCODED / "wcda-119000.xml").getroot()
    part = qualify(doc, "wcda-119000")
    assert part.get(XML_ID) == "wcda-119000"
    ids = [el.get(XML_ID) for el in part.iter() if isinstance(el.tag, str) and el.get(XML_ID)]
    assert all(i == "wcda-119000" or i.startswith("wcda-119000.") for i in ids)
    whos = {sp.get("who") for sp in part.iter(f"{{{TEI}}}sp")}
    assert whos and all(w.startswith("#wcda-119000.") for w in whos)
    assert check(part) == []
    assert doc.get(XML_ID) == "wcda-119000" and any(  # the document itself is untouched
        el.get(XML_ID) == "liu-shaoqi" for el in doc.iter())
    data = (ENCODED / "corpus" / "wcda-119000.xml").read_bytes()
    assert recorded_digest(data)[1]


def test_the_expanded_development_corpus_is_valid_tei(tei_all: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus-expanded.xml"
    expanded(ENCODED / "corpus.xml").write(str(out), xml_declaration=True, encoding="UTF-8")
    result = jing(tei_all, [out])
    assert result.returncode == 0, result.stdout + result.stderr
    report = validate_paths([out])  # and against the project's schema and rules
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]


def test_validate_checks_the_corpus_and_its_parts(project: Path) -> None:
    enc = project / "encoded"
    report = validate_paths([enc / "corpus.xml"])
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]
    assert report.files == [str(enc / "corpus.xml"), *(str(enc / "corpus" / f"{n}.xml")
                                                       for n in NAMES)]
    part = enc / "corpus" / "wcda-119000.xml"
    part.write_text(part.read_text("utf-8").replace("<body>", "<body><p/>", 1), "utf-8")
    report = validate_paths([enc / "corpus.xml"])
    assert report.invalid_files == [str(part)]
    assert {d.rule for d in report.diagnostics} >= {"empty-element"}


def test_an_xml_id_two_parts_share_is_reported_at_the_include(project: Path) -> None:
    enc = project / "encoded"
    corpus = (enc / "corpus.xml").read_text("utf-8")
    unqualified = corpus.replace('href="corpus/', 'href="')  # the documents themselves
    (enc / "plain.xml").write_text(unqualified, "utf-8")
    report = validate_paths([enc / "plain.xml"])
    shared = [d for d in report.diagnostics if d.rule == "id-unique"]
    assert shared and all(d.file == str(enc / "plain.xml") for d in shared)
    include_line = next(i + 1 for i, line in enumerate(unqualified.splitlines())
                        if 'href="wcda-119000.xml"' in line)
    assert {d.line for d in shared} == {include_line}
    assert any('xml:id="han-iksu"' in d.message and "wcda-119000.xml" in d.message
               for d in shared)


@pytest.mark.parametrize(("href", "problem"), [
    ("../outside.xml", "out of the corpus's folder"), ("/etc/hostname", "not a relative path"),
    ("file:///etc/hostname", "not a relative path"), ("missing.xml", "cannot be read")])
def test_includes_that_are_not_parts_are_refused(project: Path, href: str, problem: str) -> None:
    enc = project / "encoded"
    (project / "outside.xml").write_bytes((ENCODED / "wcda-119000.xml").read_bytes())
    text = (enc / "corpus.xml").read_text("utf-8").replace("corpus/wcda-119000.xml", href)
    (enc / "corpus.xml").write_text(text, "utf-8")
    report = validate_paths([enc / "corpus.xml"])
    (found,) = [d for d in report.diagnostics if d.rule == "corpus-include"]
    assert problem in found.message and found.line > 1
    assert report.exit_status == 1


def test_check_finds_a_stale_corpus_and_stray_parts(project: Path) -> None:
    assert run("check", str(project))[0] == 0
    enc = project / "encoded"
    text = (enc / "corpus.xml").read_text("utf-8")
    (enc / "corpus.xml").write_text(text.replace("Conversations", "Talks"), "utf-8")
    shutil.copyfile(enc / "corpus" / "wcda-119000.xml", enc / "corpus" / "old.xml")
    code, out = run("check", str(project))
    assert code == 1
    assert "corpus.xml:1:1: error: [stale]" in out and "old.xml:0:0: warning: [orphan]" in out
    code, out = run("build", str(project), "--jobs", "1")  # rebuilt from the documents
    assert code == 0 and not (enc / "corpus" / "old.xml").exists()
    assert run("check", str(project))[0] == 0


def test_a_document_may_not_take_the_corpus_name(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copyfile(SOURCES / "wcda-119000.txt", tmp_path / "sources" / "corpus.txt")
    code, out = run("build", str(tmp_path), "--jobs", "1")
    assert code == 1 and "[corpus]" in out and "rename the source" in out
    assert parse_file(tmp_path / "encoded" / "corpus.xml").getroot().tag == f"{{{TEI}}}TEI"


def test_render_of_a_folder_leaves_the_corpus_out(project: Path, tmp_path: Path) -> None:
    code, out = run("html", str(project / "encoded"), "-o", str(tmp_path / "html"))
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "html").glob("*.html")) == sorted([
        "index.html", "search.html", *(f"{n}.html" for n in NAMES)])


def test_a_rebuild_remakes_the_corpus_only_when_needed(project: Path) -> None:
    enc = project / "encoded"
    files = [enc / "corpus.xml", *sorted((enc / "corpus").glob("*.xml"))]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    assert run("build", str(project), "--jobs", "1")[0] == 0
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before  # untouched
    part = enc / "corpus" / "wcda-119000.xml"
    part.write_text(part.read_text("utf-8").replace("Welcome", "Hello"), "utf-8")
    assert run("build", str(project), "--jobs", "1")[0] == 0
    assert part.read_bytes() == before[part][1]  # a part edited by hand is made again


def test_jing_checks_the_parts_and_lxml_the_expanded_corpus(project: Path) -> None:
    enc = project / "encoded"
    report = validate_paths([enc / "corpus.xml"], engine="jing")
    if report.exit_status == 2 and report.diagnostics[0].rule == "engine-missing":
        pytest.skip(report.diagnostics[0].message)
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]
    part = enc / "corpus" / "wcda-119000.xml"
    part.write_text(part.read_text("utf-8").replace("<body>", "<body><wrong/>", 1), "utf-8")
    report = validate_paths([enc / "corpus.xml"], engine="jing")
    assert report.invalid_files == [str(part)]


def test_the_stated_number_of_documents_is_checked(project: Path) -> None:
    enc = project / "encoded"
    text = (enc / "corpus.xml").read_text("utf-8")
    (enc / "corpus.xml").write_text(text.replace('quantity="2"', 'quantity="3"'), "utf-8")
    report = validate_paths([enc / "corpus.xml"])
    (found,) = [d for d in report.diagnostics if d.rule == "corpus-extent"]
    assert "says it holds 3 documents" in found.message and "holds 2" in found.message
    assert report.invalid_files == [str(enc / "corpus.xml")]


#: The commit whose corpus.py made the corpus from every tree at once: the corpus written one
#: document at a time must be the same, byte for byte.
WHOLE_TREE = "4068e41b136cb843be5caaca975cff496321662b"


@pytest.fixture
def whole_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """corpus.py as it was at WHOLE_TREE, loaded beside today's (it imports the package's
    writer and rules, as it did)."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show",
                                 f"{WHOLE_TREE}:tei_edition/corpus.py"],
                                capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip(f"the repository's history (commit {WHOLE_TREE[:7]}) is not at hand")
    path = tmp_path / "corpus_whole_tree.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("tei_edition.corpus_whole_tree", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # a dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def tricky_encoded(folder: Path) -> Path:
    """An encoded/ folder with what the register must get right: a registry person in
    several documents, documents whose ids qualify parts into "person.*" ids the register
    would take (so register ids are renamed, in a chain), a document that cannot be read,
    one with no persons, and a part whose document is gone."""
    enc = folder / "encoded"
    (enc / "corpus").mkdir(parents=True)
    for name in NAMES:
        shutil.copyfile(ENCODED / f"{name}.xml", enc / f"{name}.xml")
    text = (ENCODED / "wcda-119000.xml").read_text("utf-8")
    for name, doc_id in [("person", "person"), ("z-person-2", "person.han-iksu-2"),
                         ("a-person-person", "person.person"), ("ünï", "wcda-119000")]:
        (enc / f"{name}.xml").write_text(
            text.replace('xml:id="wcda-119000"', f'xml:id="{doc_id}"', 1), "utf-8")
    (enc / "broken.xml").write_text("<TEI><unclosed></TEI>", "utf-8")
    (enc / "bare.xml").write_text(f'<TEI xmlns="{TEI}" xml:id="bare"><teiHeader/></TEI>', "utf-8")
    (enc / "corpus" / "gone.xml").write_text("<TEI/>", "utf-8")
    return enc


def outputs(enc: Path) -> dict[str, bytes]:
    return {str(p.relative_to(enc)): p.read_bytes()
            for p in [enc / "corpus.xml", *sorted((enc / "corpus").glob("*.xml"))]}


#: The documents of tricky_encoded whose parts have "person.*" ids: register ids are renamed.
RENAMING = ["person", "z-person-2", "a-person-person"]


@pytest.mark.parametrize(("config_text", "batch", "renaming"), [
    (CONFIG, 2, True), (CONFIG, 256, True), ("", 3, True), (CONFIG, 3, False),
    ('[edition]\nschema_location = "https://example.org/schema/"\n', 256, True)])
def test_the_corpus_is_byte_for_byte_that_of_the_whole_tree_code(
        tmp_path: Path, whole_tree: ModuleType, config_text: str, batch: int, renaming: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "_BATCH", batch)  # documents, persons, includes at a time
    (tmp_path / "tei-edition.toml").write_text(config_text, "utf-8")
    config = load_config(tmp_path / "tei-edition.toml")
    made = {}
    for label, module in [("whole", whole_tree), ("streamed", corpus)]:
        enc = tricky_encoded(tmp_path / label)
        for name in [] if renaming else RENAMING:  # the register persons as stored
            (enc / f"{name}.xml").unlink()
        names = sorted(p.stem for p in enc.glob("*.xml"))
        diags = [d.format().replace(str(enc), "") for d in module.write_corpus(enc, names, config)]
        files, _ = module.corpus_files(enc, names, config)
        made[label] = (outputs(enc), diags, {str(p.relative_to(enc)): b for p, b in files.items()})
    assert made["streamed"] == made["whole"]
    files, diags, _ = made["streamed"]
    assert "corpus/gone.xml" not in files and "corpus/broken.xml" not in files
    assert any("left out of corpus.xml" in d for d in diags)
    if config_text == CONFIG and renaming:  # the renaming was put to the test
        assert b'xml:id="person.han-iksu-3"' in files["corpus.xml"]
        assert b'xml:id="person.person.liu-shaoqi-2"' in files["corpus.xml"]


def test_a_corpus_file_over_the_input_limit_is_replaced_and_checked(project: Path) -> None:
    """corpus.xml grows with the corpus (17 MB at 20,000 documents): it is compared and
    checked a piece at a time, never refused as an input too large to read."""
    enc = project / "encoded"
    config = load_config(project / "tei-edition.toml")
    (enc / "corpus.xml").write_bytes(b"x" * (MAX_XML_BYTES + 1))
    assert corpus.write_corpus(enc, NAMES, config) == []
    assert recorded_digest((enc / "corpus.xml").read_bytes())[1]
    assert corpus.is_current(enc, NAMES, config)


@pytest.mark.parametrize("at", [0, 1, 65536 - 60, 65536 - 27, 65536 - 1, 65536, 3 * 65536 + 5])
def test_the_recorded_digest_is_found_across_the_pieces_read(tmp_path: Path, at: int) -> None:
    idno = b'<idno type="output-sha256">' + DIGEST_PLACEHOLDER.encode() + b"</idno>"
    blank = b"a" * at + idno + b"b" * 70000
    digest = hashlib.sha256(blank).hexdigest().encode()
    path = tmp_path / "big.xml"
    path.write_bytes(blank.replace(DIGEST_PLACEHOLDER.encode(), digest))
    assert corpus._digest_holds(path)
    path.write_bytes(blank.replace(DIGEST_PLACEHOLDER.encode(), digest) + b" ")
    assert not corpus._digest_holds(path)


def test_is_current_keeps_what_it_protects(project: Path) -> None:
    enc = project / "encoded"
    config = load_config(project / "tei-edition.toml")
    assert corpus.is_current(enc, NAMES, config)

    def touch(path: Path) -> None:  # made after corpus.xml, as a hand edit would be
        made = (enc / "corpus.xml").stat().st_mtime_ns - 2 * 10**9
        os.utime(enc / "corpus.xml", ns=(made, made))
        os.utime(path)

    def stale_after(change: Callable[[], object]) -> bool:
        change()
        current = corpus.is_current(enc, NAMES, config)
        assert corpus.write_corpus(enc, NAMES, config) == []
        assert corpus.is_current(enc, NAMES, config)
        return not current

    part = enc / "corpus" / f"{NAMES[0]}.xml"
    assert stale_after(lambda: touch(part))  # a part edited by hand
    assert stale_after(lambda: touch(enc / f"{NAMES[1]}.xml"))
    assert stale_after(lambda: touch(project / "tei-edition.toml"))
    assert stale_after(lambda: shutil.copyfile(part, enc / "corpus" / ".stray.xml"))
    assert stale_after(part.unlink)
    text = (enc / "corpus.xml").read_text("utf-8")
    assert stale_after(lambda: (enc / "corpus.xml").write_text(text.replace("1962", "1963")))
    assert not corpus.is_current(enc, [NAMES[0], NAMES[0]], config)  # one part for two names
    assert not corpus.is_current(enc, NAMES[:1], config)  # a part too many
    assert not corpus.is_current(enc, [*NAMES, "wcda-1"], config)  # a document missing


def fresh_outputs(enc: Path, config_path: Path, where: Path) -> tuple[dict[str, bytes], list[str]]:
    """The corpus a full write (no store) makes of the TEI files of `enc`, in a copy."""
    copy = where / "encoded"
    (copy / "corpus").mkdir(parents=True)
    for path in enc.glob("*.xml"):
        if path.name != "corpus.xml":
            shutil.copyfile(path, copy / path.name)
    names = sorted(p.stem for p in copy.glob("*.xml"))
    diags = corpus.write_corpus(copy, names, load_config(config_path))
    return outputs(copy), [d.format().replace(str(copy), "") for d in diags]


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents write_corpus parses, by name, as it parses them."""
    seen: list[str] = []
    real = corpus.parse_bytes

    def counting(data: bytes, path: str = "<input>") -> etree._ElementTree:
        seen.append(Path(path).stem)
        return real(data, path)

    monkeypatch.setattr(corpus, "parse_bytes", counting)
    return seen


def test_the_stored_corpus_reads_only_what_changed_and_writes_what_a_full_write_does(
        tmp_path: Path, parsed: list[str]) -> None:
    config_path = tmp_path / "tei-edition.toml"
    config_path.write_text(CONFIG, "utf-8")
    enc = tricky_encoded(tmp_path / "inc")
    store = tmp_path / "site" / corpus.STORE_NAME
    store.parent.mkdir()
    steps = iter(range(100))

    def write() -> set[str]:
        """Write with the store; the files are those of a full write; what was parsed."""
        parsed.clear()
        names = sorted(p.stem for p in enc.glob("*.xml") if p.name != "corpus.xml")
        diags = corpus.write_corpus(enc, names, load_config(config_path), store)
        got = outputs(enc), [d.format().replace(str(enc), "") for d in diags]
        read = set(parsed)
        assert got == fresh_outputs(enc, config_path, tmp_path / f"fresh{next(steps)}")
        return read

    everything = {p.stem for p in enc.glob("*.xml")}
    assert write() == everything  # no store yet
    assert write() == {"broken"}  # a document that cannot be read is tried every time
    tei = enc / "wcda-119000.xml"
    tei.write_text(tei.read_text("utf-8").replace("Liu Shaoqi", "Liu Shao-chi"), "utf-8")
    assert write() == {"broken", "wcda-119000"}
    os.utime(enc / "wcda-116538.xml")  # touched, the same bytes: compared, not parsed
    assert write() == {"broken"}
    shutil.copyfile(tei, enc / "added.xml")
    assert write() == {"broken", "added"}
    (enc / "z-person-2.xml").unlink()  # the register ids renamed change with it
    assert write() == {"broken"}
    assert not (enc / "corpus" / "z-person-2.xml").exists()
    part = enc / "corpus" / "wcda-116538.xml"
    part.write_bytes(part.read_bytes().replace(b"Han", b"Kim"))
    assert write() == {"broken", "wcda-116538"}
    part.unlink()
    assert write() == {"broken", "wcda-116538"}
    store.write_bytes(b"not a database " * 100)
    assert write() == everything - {"z-person-2"} | {"added"}
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = 'another format' WHERE key = 'format'")
    db.close()
    assert write() == everything - {"z-person-2"} | {"added"}
    config_path.write_text(CONFIG.replace("Han Ik-su", "Han Ik-soo"), "utf-8")
    assert write() == everything - {"z-person-2"} | {"added"}
    config_path.write_text(CONFIG.replace("[edition]\n", '[edition]\nschema_location = "../s/"\n'),
                           "utf-8")
    assert write() == everything - {"z-person-2"} | {"added"}
    assert write() == {"broken"}
    for name in ["person", "a-person-person"]:  # no id renamed: the register persons as stored
        (enc / f"{name}.xml").unlink()
    assert write() == {"broken"}
    tei.write_text(tei.read_text("utf-8").replace("Liu Shao-chi", "Liu Shaoqi"), "utf-8")
    assert write() == {"broken", "wcda-119000"}
    shutil.copyfile(tei, enc / "person.xml")  # a copy: the same persons again
    assert write() == {"broken", "person"}


def test_renamed_register_ids_stay_out_of_the_store(tmp_path: Path) -> None:
    enc = tricky_encoded(tmp_path)
    store = tmp_path / corpus.STORE_NAME
    names = sorted(p.stem for p in enc.glob("*.xml"))
    config = load_config_text(tmp_path, CONFIG)
    for _ in range(2):  # the second write takes every row from the store
        corpus.write_corpus(enc, names, config, store)
        assert b'xml:id="person.han-iksu-3"' in (enc / "corpus.xml").read_bytes()
    with sqlite3.connect(store) as db:
        taken = {i for (i,) in db.execute("SELECT id FROM taken")}
    db.close()
    assert "person.han-iksu-3" not in taken and "person.han-iksu-2" in taken


def load_config_text(folder: Path, text: str) -> Config:
    (folder / "tei-edition.toml").write_text(text, "utf-8")
    return load_config(folder / "tei-edition.toml")


def test_a_build_after_one_change_reads_one_document_for_the_corpus(
        project: Path, parsed: list[str]) -> None:
    source = project / "sources" / "wcda-116538.txt"
    source.write_text(source.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    assert run("build", str(project), "--jobs", "1")[0] == 0
    assert (project / "site" / corpus.STORE_NAME).is_file()
    assert parsed == ["wcda-116538"]
    parsed.clear()
    enc = project / "encoded"
    assert (outputs(enc), []) == fresh_outputs(enc, project / "tei-edition.toml",
                                               project.parent / "fresh")


def test_a_corpus_over_the_input_limit_is_read_by_validate_and_check(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """corpus.xml grows with the edition (17 MB at 20,000 documents): validate, check and
    render read a teiCorpus beyond the limit every other XML input keeps to."""
    enc = project / "encoded"
    size = (enc / "corpus.xml").stat().st_size
    monkeypatch.setattr(xmlio, "MAX_XML_BYTES", size - 1)
    report = validate_paths([enc / "corpus.xml", enc / "wcda-119000.xml"])
    refused = {d.file for d in report.diagnostics if d.rule == "xml-size"}
    assert str(enc / "wcda-119000.xml") in refused  # a document is held to the limit
    assert str(enc / "corpus.xml") not in refused
    assert parse_file(enc / "corpus.xml").getroot().tag == f"{{{TEI}}}teiCorpus"
    part = enc / "corpus" / "wcda-119000.xml"
    monkeypatch.setattr(xmlio, "MAX_XML_BYTES", part.stat().st_size - 1)
    stale, stray = corpus.stale_corpus_files(enc, NAMES, load_config(project / "tei-edition.toml"))
    assert stale == [part] and stray == []  # refused as input: not what build makes


def test_check_compares_the_corpus_one_file_at_a_time(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never every part at once: the corpus files are compared as they are made."""
    monkeypatch.setattr(corpus, "corpus_files", None)  # what held them all
    (project / "encoded" / "corpus" / "stray.xml").write_text("<TEI/>", "utf-8")
    part = project / "encoded" / "corpus" / "wcda-116538.xml"
    part.write_bytes(part.read_bytes() + b"\n")
    code, out = run("check", str(project))
    assert code == 1 and "wcda-116538.xml:1:1: error: [stale]" in out
    assert "stray.xml:0:0: warning: [orphan]" in out and "corpus.xml:1:1" not in out

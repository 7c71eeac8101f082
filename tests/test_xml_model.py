"""The <?xml-model?> instructions of generated files: editors find the schemas through them,
tei-edition never follows them (nor anything else a file names)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS
from lxml import etree, isoschematron

from tei_edition.cli import cli
from tei_edition.config import ConfigError, load_config
from tei_edition.writers.tei import RELAXNG_NS, SCHEMATRON_NS, recorded_digest
from tei_edition.xmlio import parse_file

NAMES = ["wcda-119000", "syn-06-letter-kerteszfalvi-students"]


def build_project(folder: Path, config: str = "") -> Path:
    (folder / "sources").mkdir(parents=True)
    for name in NAMES:
        shutil.copyfile(CORPUS / f"{name}.txt", folder / "sources" / f"{name}.txt")
    if config:
        (folder / "tei-edition.toml").write_text(config, "utf-8")
    result = CliRunner().invoke(cli, ["build", str(folder), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return folder


def xml_models(path: Path) -> dict[str, str]:
    """The href of each xml-model instruction before the root, by schema language: all a
    file says about its schemas."""
    root = parse_file(path).getroot()
    return {pi.get("schematypens"): pi.get("href") for pi in root.itersiblings(preceding=True)
            if isinstance(pi, etree._ProcessingInstruction) and pi.target == "xml-model"}


def test_every_generated_file_names_its_schemas(tmp_path: Path) -> None:
    project = build_project(tmp_path)
    files = sorted((project / "encoded").rglob("*.xml"))
    assert len(files) == 2 * len(NAMES) + 1  # the documents, the corpus and its parts
    schemas = {(project / "schema" / name).resolve() for name in ("tei_edition.rng",
                                                                   "tei_edition.sch")}
    for path in files:
        lines = path.read_bytes().split(b"\n")
        assert lines[0].startswith(b"<?xml version=")
        assert lines[1].startswith(b"<?xml-model ") and lines[2].startswith(b"<?xml-model ")
        # the parts of the corpus, one folder down, find the same schemas
        assert {(path.parent / href).resolve() for href in xml_models(path).values()} == schemas
    document = project / "encoded" / f"{NAMES[0]}.xml"
    assert xml_models(document) == {RELAXNG_NS: "../schema/tei_edition.rng",
                                    SCHEMATRON_NS: "../schema/tei_edition.sch"}
    assert recorded_digest(document.read_bytes())[1]  # the digest covers the instructions


def test_schema_location_comes_from_the_configuration(tmp_path: Path) -> None:
    project = build_project(tmp_path, '[edition]\nschema_location = '
                                      '"https://edition.example.org/schema"\n')
    models = xml_models(project / "encoded" / f"{NAMES[0]}.xml")
    assert models[SCHEMATRON_NS] == "https://edition.example.org/schema/tei_edition.sch"
    assert not (project / "schema").exists()  # a URL: nothing is copied into the project
    assert xml_models(project / "encoded" / "corpus.xml") == models


@pytest.mark.parametrize("value", ['"a b"', '"x\\"y"', '"file:///etc/"', '"s?>x"', "3"])
def test_a_bad_schema_location_is_refused(tmp_path: Path, value: str) -> None:
    config = tmp_path / "tei-edition.toml"
    config.write_text(f"[edition]\nschema_location = {value}\n", "utf-8")
    with pytest.raises(ConfigError, match="schema_location"):
        load_config(config)


def _xmllint(schema: Path, path: Path, xinclude: bool = False) -> int:
    exe = shutil.which("xmllint")
    if exe is None:
        pytest.skip("xmllint not installed (Debian libxml2-utils; .ci/run installs it)")
    cmd = [exe, "--noout", *(["--xinclude"] if xinclude else []), "--relaxng", str(schema),
           str(path)]
    return subprocess.run(cmd, capture_output=True, timeout=60, check=False).returncode


def _schematron(schema: Path, path: Path, xinclude: bool = False) -> bool:
    tree = etree.parse(str(path))
    if xinclude:
        tree.xinclude()
    return isoschematron.Schematron(etree.parse(str(schema))).validate(tree)


@pytest.mark.parametrize(("name", "xinclude"), [(NAMES[0], False), ("corpus", True)])
def test_the_schemas_an_editor_finds_pass_and_fail(tmp_path: Path, name: str,
                                                   xinclude: bool) -> None:
    """Only the xml-model instructions say where the schemas are: build copied them there,
    xmllint and lxml.isoschematron check the file with them, and reject a broken copy."""
    project = build_project(tmp_path)
    path = project / "encoded" / f"{name}.xml"
    models = xml_models(path)
    rng = (path.parent / models[RELAXNG_NS]).resolve()
    sch = (path.parent / models[SCHEMATRON_NS]).resolve()
    assert _xmllint(rng, path, xinclude) == 0
    assert _schematron(sch, path, xinclude)
    # broken: a day that does not exist, which both the datatype and date-iso reject
    part = project / "encoded" / ("corpus" if xinclude else "") / f"{NAMES[0]}.xml"
    text = part.read_text("utf-8")
    assert 'when="1962-04-21' in text
    part.write_text(text.replace('when="1962-04-21', 'when="1962-02-30'), "utf-8")
    assert _xmllint(rng, path, xinclude) != 0
    assert not _schematron(sch, path, xinclude)


# --- nothing is fetched -------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(b'<grammar xmlns="http://relaxng.org/ns/structure/1.0"/>')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    """A local HTTP server that records every request it gets."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_validate_never_follows_xml_model(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    project = build_project(tmp_path, f'[edition]\nschema_location = "{base}/schema/"\n')
    encoded = project / "encoded"
    assert xml_models(encoded / f"{NAMES[0]}.xml")[RELAXNG_NS] == f"{base}/schema/tei_edition.rng"
    # a corpus that includes a part from the server, and an XInclude inside a document
    corpus = (encoded / "corpus.xml").read_text("utf-8")
    (encoded / "remote-corpus.xml").write_text(corpus.replace(
        f'href="corpus/{NAMES[0]}.xml"', f'href="{base}/part.xml"'), "utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(encoded)])
    assert result.exit_code == 1 and "[corpus-include]" in result.output, result.output
    assert f"{base}/part.xml" in result.output
    result = runner.invoke(cli, ["validate", str(encoded / "corpus.xml"),
                                 str(encoded / f"{NAMES[0]}.xml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["check", str(project)])
    assert "corpus-include" in result.output
    assert server.requests == []  # type: ignore[attr-defined]
    with urllib.request.urlopen(f"{base}/schema/tei_edition.rng", timeout=10) as answer:
        assert answer.status == 200  # the server was there all along, and listening
    assert server.requests == ["/schema/tei_edition.rng"]  # type: ignore[attr-defined]

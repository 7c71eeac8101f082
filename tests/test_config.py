"""tei-edition.toml: publication details and the persons registry shared by all documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from docs import NS, export
from tei_edition.cli import cli
from tei_edition.config import ConfigError, load_config

CONFIG = """
[edition]
publisher = "Example Digital Edition"
licence = "CC BY 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"

[[person]]
id = "kim-ilsung"
name = "Kim Il Sung"
forms = ["Kim Il-song", "Kim Il-sŏng"]
wikidata = "Q39464"
viaf = "84186283"
"""


def test_registry_gives_the_same_id_in_every_document(tmp_path: Path) -> None:
    (tmp_path / "tei-edition.toml").write_text(CONFIG, "utf-8")
    src = tmp_path / "sources"
    src.mkdir()
    (src / "a.txt").write_text(export("Kim Il Sung: Welcome.\n\nChen Yi: Thanks.\n\n"
                                      "Kim Il Sung: Sit down."), "utf-8")
    (src / "b.txt").write_text(export("Zhou Enlai: Hello.\n\nKim Il-song: Hello.\n\n"
                                      "Zhou Enlai: Good."), "utf-8")
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "out"),
                                      "--config", str(tmp_path / "tei-edition.toml")])
    assert result.exit_code == 0, result.output
    for name in ("a", "b"):
        root = etree.parse(str(tmp_path / "out" / f"{name}.xml")).getroot()
        person = root.find(".//t:person[@xml:id='kim-ilsung']".replace(
            "@xml:id", "@{http://www.w3.org/XML/1998/namespace}id"), NS)
        assert person is not None
        assert person.find("t:persName", NS).get("ref") == (
            "https://www.wikidata.org/entity/Q39464 https://viaf.org/viaf/84186283")
        assert "#kim-ilsung" in root.xpath("//t:sp/@who", namespaces=NS)
        assert root.findtext(".//t:publicationStmt/t:publisher", namespaces=NS) == \
            "Example Digital Edition"
        assert root.find(".//t:licence", NS).get("target").startswith("https://creativecommons")


@pytest.mark.parametrize("bad", [
    "[[person]]\nid = '1x'\nname = 'A'\n",
    "[[person]]\nid = 'a'\n",
    "[[person]]\nid = 'a'\nname = 'A'\n[[person]]\nid = 'a'\nname = 'B'\n",
    "[[person]]\nid = 'a'\nname = 'A'\nwikipedia = 'x'\n",
    "not toml [",
])
def test_bad_configuration_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "tei-edition.toml"
    path.write_text(bad, "utf-8")
    with pytest.raises(ConfigError):
        load_config(path)
    result = CliRunner().invoke(cli, ["convert", str(tmp_path), "-o", str(tmp_path / "o"),
                                      "--config", str(path)])
    assert result.exit_code == 2 and "[config]" in result.output

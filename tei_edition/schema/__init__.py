"""The project's TEI customisation (RelaxNG) and the tools that read grammars.

The master copies live in the repository's top-level `schema/`; `scripts/build_schema.py`
generates the .rng from the .rnc and the .sch from the content rules, and copies them here
so that the installed package carries them (a test keeps the copies equal).
"""

from __future__ import annotations

from pathlib import Path

SCHEMA_NAME = "tei_edition"


def schema_file(suffix: str = ".rng") -> Path:
    """The packaged schema: `.rng` (XML form, what the validators read), `.rnc`, or `.sch`
    (the Schematron twin of the content rules)."""
    return Path(__file__).with_name(SCHEMA_NAME + suffix)

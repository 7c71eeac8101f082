"""The project's TEI customisation (RelaxNG) and the tools that read grammars.

The master copies live in the repository's top-level `schema/`; `scripts/build_schema.py`
generates the .rng from the .rnc and copies both here so that the installed package carries
them (a test keeps the copies equal).
"""

from __future__ import annotations

from pathlib import Path

SCHEMA_NAME = "tei_edition"


def schema_file(suffix: str = ".rng") -> Path:
    """The packaged schema: `.rng` (XML form, what the validators read) or `.rnc`."""
    return Path(__file__).with_name(SCHEMA_NAME + suffix)

"""Source readers. Each turns one kind of source file into a `model.Document`; the commands
choose one by the file's extension and use only this public face:

  reader.load(path, encoding)              -> Loaded (raw bytes, the text the rules read)
  reader.read(loaded, name, source, report, known, hints) -> Document
  reader.body_words(loaded)                -> (body words, footnote words), for `verify`
  reader.locate(loaded, line)              -> the line a diagnostic names (Word: paragraph)

Submodules are imported when a reader is asked for, not here: `config` imports
`readers.hints`, and the readers import `config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import KnownPerson
    from ..model import Document
    from .hints import Hints
    from .report import Reporter
    from .text import Word

TEXT_SUFFIXES = (".txt", ".md")
WORD_SUFFIXES = (".docx",)
SOURCE_SUFFIXES = TEXT_SUFFIXES + WORD_SUFFIXES


@dataclass
class Loaded:
    """A source file as read from disk: its bytes (for the digest) and the export text the
    shared rules read; `structure` is what a reader keeps beside the text (Word: runs,
    notes, tables by text line)."""

    raw: bytes
    text: str
    replaced_controls: int = 0
    structure: object | None = None


class SourceReader(Protocol):
    """What every reader offers the commands."""

    def load(self, path: Path, encoding: str | None = None) -> Loaded: ...

    def read(self, loaded: Loaded, name: str, source: str, report: Reporter,
             known: tuple[KnownPerson, ...] = (), hints: Hints | None = None) -> Document: ...

    def body_words(self, loaded: Loaded) -> tuple[list[Word], list[Word]]: ...

    def locate(self, loaded: Loaded, line: int) -> int: ...


def reader_for(path: str | Path) -> SourceReader:
    """The reader of a source file, by its extension (anything not Word is read as text)."""
    if Path(path).suffix.lower() in WORD_SUFFIXES:
        from .docx import DocxReader

        return DocxReader()
    from .text import TextReader

    return TextReader()


def __getattr__(name: str) -> object:
    # The readers' one exception, without importing the rules when `readers` is imported.
    if name == "ReaderError":
        from .wcda import ReaderError

        return ReaderError
    raise AttributeError(name)

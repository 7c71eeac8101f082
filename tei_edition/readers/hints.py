"""Hints: an editor's corrections of the reader's decisions, kept beside the source.

`NAME.hints.toml` next to `NAME.txt` (and, for labels and brackets across an edition, the
`[hints]` table of `tei-edition.toml`) says what the rules got wrong; hints win over the
rules, and the transcription itself stays untouched. The format (docs/hints.md):

    [document]
    kind = "telegram"          # minutes, telegram, letter, report, memorandum, journal, document
    date = "1951-03-09"        # YYYY, YYYY-MM or YYYY-MM-DD
    language = "ru"            # the original's ISO 639-1 code

    [blocks]
    "37" = "distribution"      # a line, or "37-41": the kind of the block on those lines

    [speakers]
    "PM Chou" = "zhou-enlai"   # a label -> the id of a person of the document or the registry
    "Note" = false             # a label that is no speaker

    [brackets]
    "[Laughter]" = "stage"     # the exact written bracket -> its meaning
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HINTS_SUFFIX = ".hints.toml"
BLOCK_KINDS = ("distribution", "fields", "participants", "text", "heading", "letter", "opener",
               "closer", "endorsements")
DOCUMENT_KINDS = ("minutes", "telegram", "letter", "report", "memorandum", "journal", "document")
BRACKET_MEANINGS = ("text", "supplied", "stage", "sic", "unclear", "pb", "note-editorial",
                    "note-translator", "note-status", "note-physical", "gap-omitted",
                    "gap-illegible", "gap-redacted", "gap-untranslated")
_TABLES = {"document": ("kind", "date", "language"), "blocks": None, "speakers": None,
           "brackets": None}
_RANGE = re.compile(r"(\d{1,6})(?:\s*-\s*(\d{1,6}))?")
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_ID = re.compile(r"[A-Za-z_][\w.-]*")


class HintsError(Exception):
    """A hints file that cannot be used: its file, line and what is wrong."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True)
class BlockHint:
    """"37-41" = "distribution": lines first..last are one block of that kind."""

    first: int
    last: int
    kind: str
    line: int  # where the hint stands in its file


@dataclass(frozen=True)
class Hints:
    """Every hint for one document (its own file merged over the edition's)."""

    file: str | None = None
    sha256: str | None = None
    kind: str | None = None
    date: str | None = None
    language: str | None = None
    blocks: tuple[BlockHint, ...] = ()
    speakers: dict[str, str | bool] = field(default_factory=dict)
    brackets: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "speakers:LABEL" -> line in the file

    def __bool__(self) -> bool:
        return bool(self.kind or self.date or self.language or self.blocks or self.speakers
                    or self.brackets)

    def line_of(self, table: str, key: str) -> int:
        """The line of a hint in its file (1 when unknown)."""
        return self.lines.get(f"{table}:{key}", 1)

    def over(self, edition: Hints) -> Hints:
        """These hints, with the edition's labels and brackets where these say nothing."""
        return Hints(self.file, self.sha256, self.kind, self.date, self.language, self.blocks,
                     {**edition.speakers, **self.speakers}, {**edition.brackets, **self.brackets},
                     {**edition.lines, **self.lines})


def parse_hints(text: str, file: str, *, edition: bool = False) -> Hints:
    """Read and check a hints file (or the `[hints]` table of tei-edition.toml, where only
    speakers and brackets make sense); raises HintsError naming the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        mt = re.search(r"line (\d+)", str(exc))
        raise HintsError(file, int(mt.group(1)) if mt else 1, f"TOML syntax: {exc}") from None
    if edition:
        data = data.get("hints", {})
    lines = _key_lines(text, "hints." if edition else "")
    allowed = ("speakers", "brackets") if edition else tuple(_TABLES)
    for key, value in data.items():
        if key not in allowed:
            raise HintsError(file, lines.get(f":{key}", lines.get(f"{key}:", 1)),
                             f"unknown key {key!r}: expected one of {', '.join(allowed)}")
        if not isinstance(value, dict):
            raise HintsError(file, lines.get(f":{key}", 1), f"{key!r} must be a table ([{key}])")
    doc = data.get("document", {})
    for key in doc:
        if key not in _TABLES["document"]:
            raise HintsError(file, lines.get(f"document:{key}", 1),
                             f"unknown key {key!r} in [document]: expected kind, date or language")
    kind = _checked(doc, "kind", lambda v: v in DOCUMENT_KINDS, ", ".join(DOCUMENT_KINDS), file, lines)
    date = _checked(doc, "date", lambda v: bool(_DATE.fullmatch(v)), "YYYY, YYYY-MM or YYYY-MM-DD",
                    file, lines)
    language = _checked(doc, "language", lambda v: bool(_LANGUAGE.fullmatch(v)),
                        "an ISO 639-1 code such as 'ru'", file, lines)
    return Hints(file, hashlib.sha256(text.encode()).hexdigest(), kind, date, language,
                 _blocks(data.get("blocks", {}), file, lines),
                 _speakers(data.get("speakers", {}), file, lines),
                 _brackets(data.get("brackets", {}), file, lines), lines)


def _checked(table: dict, key: str, ok, expected: str, file: str, lines: dict[str, int]) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not ok(value):
        raise HintsError(file, lines.get(f"document:{key}", 1),
                         f"[document] {key} = {value!r}: expected {expected}")
    return value


def _blocks(table: dict, file: str, lines: dict[str, int]) -> tuple[BlockHint, ...]:
    out: list[BlockHint] = []
    for key, kind in table.items():
        line = lines.get(f"blocks:{key}", 1)
        mt = _RANGE.fullmatch(key.strip())
        if not mt:
            raise HintsError(file, line, f"[blocks] {key!r}: expected a line \"37\" or lines \"37-41\"")
        first, last = int(mt.group(1)), int(mt.group(2) or mt.group(1))
        if last < first:
            raise HintsError(file, line, f"[blocks] {key!r}: the range ends before it starts")
        if kind not in BLOCK_KINDS:
            raise HintsError(file, line, f"[blocks] {key!r} = {kind!r}: expected one of "
                             + ", ".join(BLOCK_KINDS))
        for other in out:
            if first <= other.last and other.first <= last:
                raise HintsError(file, line, f"[blocks] {key!r} overlaps lines "
                                 f"{other.first}-{other.last}")
        out.append(BlockHint(first, last, kind, line))
    return tuple(sorted(out, key=lambda b: b.first))


def _speakers(table: dict, file: str, lines: dict[str, int]) -> dict[str, str | bool]:
    for label, value in table.items():
        if value is not False and not (isinstance(value, str) and _ID.fullmatch(value)):
            raise HintsError(file, lines.get(f"speakers:{label}", 1),
                             f"[speakers] {label!r} = {value!r}: expected a person id or false")
    return dict(table)


def _brackets(table: dict, file: str, lines: dict[str, int]) -> dict[str, str]:
    for written, meaning in table.items():
        line = lines.get(f"brackets:{written}", 1)
        if not re.fullmatch(r"\[\[.*\]\]|\[.*\]|\(.*\)", written, re.S):
            raise HintsError(file, line, f"[brackets] {written!r}: write the bracket as in the "
                             "source, with its brackets or parentheses")
        if meaning not in BRACKET_MEANINGS:
            raise HintsError(file, line, f"[brackets] {written!r} = {meaning!r}: expected one of "
                             + ", ".join(BRACKET_MEANINGS))
    return dict(table)


_TABLE_LINE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$")
_KEY_LINE = re.compile(r"""^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([\w.-]+))\s*=""")


def _key_lines(text: str, prefix: str) -> dict[str, int]:
    """"table:key" -> the line where the key is written (and ":table" for table headers),
    for messages that point at the hint; tomllib keeps no positions."""
    out: dict[str, int] = {}
    table = ""
    for n, raw in enumerate(text.splitlines(), 1):
        mt = _TABLE_LINE.match(raw)
        if mt:
            table = mt.group(1).strip().strip('"')
            table = table.removeprefix(prefix) if prefix else table
            out.setdefault(f":{table}", n)
            continue
        mt = _KEY_LINE.match(raw)
        if mt:
            key = mt.group(1) if mt.group(1) is not None else mt.group(2) or mt.group(3)
            if mt.group(1) is not None:
                key = key.encode().decode("unicode_escape") if "\\" in key else key
            out.setdefault(f"{table}:{key}", n)
    return out


def hints_path(source: Path) -> Path:
    """Where the hints of a source stand: NAME.hints.toml beside NAME.txt."""
    return source.with_name(source.stem + HINTS_SUFFIX)


def load_hints(source: Path, edition: Hints | None = None) -> Hints:
    """The hints for one source: its own file (if any) over the edition's."""
    from ..xmlio import XMLInputError, read_limited  # the same bounded, regular-file read

    path = hints_path(source)
    own = Hints()
    if path.exists():
        try:
            text = read_limited(path).decode("utf-8")
        except XMLInputError as exc:
            raise HintsError(str(path), 0, exc.message) from None
        except UnicodeDecodeError as exc:
            raise HintsError(str(path), 0, f"not UTF-8: {exc.reason}") from None
        own = parse_hints(text, str(path))
    return own.over(edition) if edition else own


def toml_key(text: str) -> str:
    """A hints key as TOML writes it: quoted, with backslashes, quotes and line ends escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

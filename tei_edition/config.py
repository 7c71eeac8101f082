"""Project configuration: `tei-edition.toml` (publisher, licence, language, schema location,
corpus title, persons registry)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .readers.hints import Hints, HintsError, parse_hints
from .xmlio import XMLInputError, read_limited

CONFIG_NAME = "tei-edition.toml"
# Authority files a registry entry may link to, with the URL each identifier expands to.
AUTHORITIES = {
    "wikidata": "https://www.wikidata.org/entity/{}",
    "viaf": "https://viaf.org/viaf/{}",
    "gnd": "https://d-nb.info/gnd/{}",
    "lcnaf": "https://id.loc.gov/authorities/names/{}",
    "isni": "https://isni.org/isni/{}",
}
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
#: Where generated files say their schemas are, relative to the file: encoded/../schema/.
SCHEMA_LOCATION = "../schema/"
#: A location is written into a processing instruction's pseudo-attribute: no quote, no
#: white space, no "?>" (which would end the instruction), no "\" (not a URI).
_LOCATION = re.compile(r'[^\s"\'<>\\]+')


class ConfigError(Exception):
    """A configuration file that cannot be used."""


@dataclass(frozen=True)
class KnownPerson:
    """A person of the registry: one id across all documents."""

    id: str
    name: str
    forms: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (authority, identifier)


@dataclass(frozen=True)
class Config:
    """Settings that shape every converted file."""

    publisher: str = "tei-edition"
    licence: str | None = None
    licence_url: str | None = None
    language: str = "en"
    persons: tuple[KnownPerson, ...] = field(default_factory=tuple)
    path: str | None = None
    hints: Hints = field(default_factory=Hints)  # [hints]: labels and brackets edition-wide
    #: The folder (a path relative to the TEI file, or a URL) holding tei_edition.rng and
    #: tei_edition.sch, which every generated file names in its <?xml-model?> instructions.
    schema_location: str = SCHEMA_LOCATION
    #: The title of encoded/corpus.xml (the teiCorpus of all documents).
    corpus_title: str = "tei-edition corpus"
    #: TEI files in encoded/ that have no source and are kept on purpose (file name
    #: patterns, as `fnmatch`): `build` publishes them and `check` accepts them.
    orphans: tuple[str, ...] = ()

    def schema_href(self, name: str) -> str:
        """Where a generated file finds the schema file `name` (tei_edition.rng ...)."""
        return self.schema_location.rstrip("/") + "/" + name

    @property
    def schema_is_local(self) -> bool:
        """True when the location is a path relative to the files, not a URL."""
        return "://" not in self.schema_location and not self.schema_location.startswith("/")

    def keeps_orphan(self, name: str) -> bool:
        """True when encoded/NAME is listed in [build] orphans."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.orphans)


def _person(raw: dict, where: str) -> KnownPerson:
    pid, name = raw.get("id"), raw.get("name")
    if not isinstance(pid, str) or not _NCNAME.match(pid):
        raise ConfigError(f"{where}: 'id' must be a valid XML id (letters, digits, - _ .)")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' is required")
    forms = raw.get("forms", [])
    if not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
        raise ConfigError(f"{where}: 'forms' must be a list of strings")
    links = tuple((k, str(raw[k])) for k in AUTHORITIES if k in raw)
    unknown = set(raw) - {"id", "name", "forms", *AUTHORITIES}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"expected id, name, forms, {', '.join(AUTHORITIES)}")
    return KnownPerson(pid, name.strip(), tuple(forms), links)


def _schema_location(value: object, where: str) -> str:
    if not isinstance(value, str) or not _LOCATION.fullmatch(value) or "?>" in value:
        raise ConfigError(f"{where}: [edition] schema_location must be a relative path or a URL "
                          "without spaces or quotes (e.g. \"../schema/\" or "
                          "\"https://example.org/edition/schema/\")")
    scheme = re.match(r"([A-Za-z][\w+.-]*):", value)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise ConfigError(f"{where}: [edition] schema_location: only http and https URLs or "
                          f"relative paths, not {scheme.group(1)}:")
    return value


def _orphans(build: object, path: Path) -> tuple[str, ...]:
    """The [build] table's `orphans`: names (or patterns) of TEI files kept without a source."""
    where = f"{path}: [build]"
    if not isinstance(build, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(build) - {"orphans"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; expected orphans")
    orphans = build.get("orphans", [])
    if not isinstance(orphans, list) or not all(isinstance(o, str) and o for o in orphans):
        raise ConfigError(f"{where}: 'orphans' must be a list of file names in encoded/, "
                          "such as \"appendix.xml\" or \"notes-*.xml\"")
    bad = [o for o in orphans if "/" in o or "\\" in o]
    if bad:
        raise ConfigError(f"{where}: 'orphans' lists file names in encoded/, not paths: {bad[0]}")
    return tuple(orphans)


def load_config(path: Path | None) -> Config:
    """Read a configuration file; None or a missing default file gives the defaults."""
    if path is None or not path.is_file():
        return Config()
    try:
        text = read_limited(path).decode("utf-8")
        raw = tomllib.loads(text)
    except XMLInputError as exc:  # the bounded reader of every input: not only for XML
        raise ConfigError(f"{path}: cannot read: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        hints = parse_hints(text, str(path), edition=True)
    except HintsError as exc:
        raise ConfigError(f"{exc.file}:{exc.line}: {exc.message}") from None
    edition = raw.get("edition", {})
    persons = tuple(_person(p, f"{path}: [[person]] #{i + 1}")
                    for i, p in enumerate(raw.get("person", [])))
    ids = [p.id for p in persons]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{path}: person id(s) used twice: {', '.join(dupes)}")
    return Config(
        orphans=_orphans(raw.get("build", {}), path),
        publisher=edition.get("publisher", Config.publisher),
        licence=edition.get("licence"),
        licence_url=edition.get("licence_url"),
        language=edition.get("language", Config.language),
        persons=persons,
        path=str(path),
        hints=hints,
        schema_location=_schema_location(edition.get("schema_location", SCHEMA_LOCATION),
                                         str(path)),
        corpus_title=_text(edition.get("corpus_title", Config.corpus_title), "corpus_title",
                           str(path)),
    )


def _text(value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: [edition] {key} must be a non-empty string")
    return value.strip()


def find_config(start: Path) -> Path | None:
    """`tei-edition.toml` in `start` or the nearest folder above it."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None

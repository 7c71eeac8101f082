"""The reader's vocabulary (data/vocabulary.toml), loaded once and passed explicitly."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

#: The packaged word lists.
VOCABULARY_FILE = Path(__file__).parent.parent / "data" / "vocabulary.toml"


@dataclass(frozen=True)
class Vocabulary:
    """Word lists the block and inline rules consult (all lower-case)."""

    participant_labels: frozenset[str]
    participant_nouns: frozenset[str]
    field_labels: frozenset[str]
    role_words: frozenset[str]
    honorifics: frozenset[str]
    salutations: tuple[str, ...]
    valedictions: tuple[str, ...]
    classifications: frozenset[str]
    stage_words: frozenset[str]
    redaction_words: tuple[str, ...]
    illegible_words: tuple[str, ...]
    untranslated_words: tuple[str, ...]
    physical_words: tuple[str, ...]
    translator_notes: tuple[str, ...]
    editor_notes: tuple[str, ...]
    editorial_openings: tuple[str, ...]
    reference_openings: frozenset[str]
    status_words: tuple[str, ...]
    translator_words: tuple[str, ...]
    distribution_labels: frozenset[str]
    endorsement_phrases: tuple[str, ...]
    closing_narrative: tuple[str, ...]
    kinds: dict[str, tuple[str, ...]]
    languages: dict[str, str]
    archives: dict[str, str]

    @cached_property
    def title_words(self) -> frozenset[str]:
        """Role words and honorifics: what may stand before a name in a label."""
        return self.role_words | self.honorifics


def fold(text: str) -> str:
    """Lower case without accents (the same key as readers.inline.fold)."""
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """Read the packaged vocabulary (cached: it is immutable)."""
    # Beside the package, as the schema is (schema_file): importlib.resources would cost
    # its import and a resource reader at every start-up for the same path.
    raw = tomllib.loads(VOCABULARY_FILE.read_text("utf-8"))

    def low(key: str) -> list[str]:
        # Folded like the text they are compared with (lower case, no accents).
        return [fold(w) for w in raw[key]]

    return Vocabulary(
        participant_labels=frozenset(low("participant_labels")),
        participant_nouns=frozenset(low("participant_nouns")),
        field_labels=frozenset(low("field_labels")),
        role_words=frozenset(low("role_words")),
        honorifics=frozenset(low("honorifics")),
        salutations=tuple(low("salutations")),
        valedictions=tuple(low("valedictions")),
        classifications=frozenset(low("classifications")),
        stage_words=frozenset(low("stage_words")),
        redaction_words=tuple(low("redaction_words")),
        illegible_words=tuple(low("illegible_words")),
        untranslated_words=tuple(low("untranslated_words")),
        physical_words=tuple(sorted(low("physical_words"), key=len, reverse=True)),
        translator_notes=tuple(low("translator_notes")),
        editor_notes=tuple(low("editor_notes")),
        # Longest first: the pattern tries them in order ("see also" before "see").
        editorial_openings=tuple(sorted(low("editorial_openings"), key=len, reverse=True)),
        reference_openings=frozenset(low("reference_openings")),
        status_words=tuple(low("status_words")),
        translator_words=tuple(low("translator_words")),
        distribution_labels=frozenset(low("distribution_labels")),
        endorsement_phrases=tuple(low("endorsement_phrases")),
        closing_narrative=tuple(low("closing_narrative")),
        kinds={k: tuple(w.lower() for w in v) for k, v in raw["kinds"].items()},
        languages={k.lower(): v for k, v in raw["languages"].items()},
        archives=dict(raw["archives"]),
    )

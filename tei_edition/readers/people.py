"""People: participants named in the preamble, speakers named by labels, one id per person."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import AUTHORITIES, KnownPerson
from ..model import AliasRef, Field, Inline, Person, PersonRef, Supplied, Text, Variant
from .inline import fold, plain_text, split_text, whole_word
from .vocab import Vocabulary

_NON_WORD = re.compile(r"[\W_]")
_PARTICLES = {"van", "von", "de", "der", "den", "la", "le", "du", "di", "da", "dos", "bin",
              "ibn", "al", "el", "y", "ter", "zu"}
_INTERPRETER = {"interpreter", "interpreters", "translator", "translators"}
_RECORDER = {"recorder", "recorders", "note-taker", "notetaker", "documentation", "notes",
             "note taker", "minutes", "record"}
_NOT_PEOPLE = {"time", "date", "date and time", "place", "location", "venue"}
_TITLE_NOUNS = {"conversation", "conversations", "talks", "meeting", "record", "minutes",
                "letter", "telegram", "report", "memorandum", "note", "journal", "delegation",
                "embassy", "ministry", "government", "party", "and", "with", "to", "from"}


def slug(name: str) -> str:
    """A readable, stable xml:id from a name: "Han Ik-su" -> "han-iksu"."""
    norm = unicodedata.normalize("NFKD", name)
    ascii_ = "".join(c for c in norm if not unicodedata.combining(c)).lower()
    ascii_ = ascii_.replace("ø", "o").replace("ł", "l").replace("đ", "d").replace("ß", "ss")
    tokens = [re.sub(r"[^a-z0-9]", "", t) for t in ascii_.split()]
    out = "-".join(t for t in tokens if t)
    if not out or not out[0].isalpha():
        out = "p-" + out
    return out


def document_id(name: str) -> str:
    """The TEI element's xml:id for a document name (an NCName)."""
    out = re.sub(r"[^\w.-]", "-", name)
    return out if out[:1].isalpha() or out[:1] == "_" else "d-" + out


def translator_id(name: str) -> str:
    """The xml:id of a translator's persName in the titleStmt."""
    return "tr-" + slug(name)


@lru_cache(maxsize=1 << 14)
def _key(name: str) -> str:
    """Name comparison key: folded, letters and digits only."""
    return _NON_WORD.sub("", fold(name))


@lru_cache(maxsize=1 << 14)
def is_name_token(token: str) -> bool:
    """A token that can be part of a personal name."""
    t = token.strip(",;")
    if not t or any(c.isdigit() for c in t):
        return False
    return t[0].isupper() or t.lower() in _PARTICLES


@dataclass
class LabelParts:
    """A speaker label taken apart."""

    written: str  # as written, without the colon
    name: str  # the personal name ("Gao Wenbin"), supplied parts included
    role: str | None = None  # "Vice Premier"
    alias: str | None = None  # from "(hereafter Gao)"
    variant: str | None = None  # another romanisation


def split_role(tokens: list[str], vocab: Vocabulary) -> tuple[list[str], list[str]]:
    """Split the title off a name: everything up to the last title word is the role
    ("Chinese Ambassador", "Hao Deqing"), ("Vice Premier", "Gao Wenbin")."""
    words = vocab.title_words
    last = max((i for i, t in enumerate(tokens) if fold(t) in words), default=-1)
    if last < len(tokens) - 1:
        return tokens[:last + 1], tokens[last + 1:]
    # A title last or alone ("Ambassador", "Comrade Deputy Minister"): leading words only.
    i = 0
    while i < len(tokens) and fold(tokens[i]) in words:
        i += 1
    return tokens[:i], tokens[i:]


def parse_label(inlines: list[Inline], vocab: Vocabulary) -> LabelParts:
    """Take a speaker label apart: role, name, alias, variant."""
    written = " ".join("".join(_written(n) for n in inlines).split())
    alias = None
    variant = None
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, AliasRef):
            alias = plain_text(node.children).strip(" \"'“”‘’")
        elif isinstance(node, Variant):
            parts.append(plain_text(node.orig))
            variant = plain_text(node.reg)
        elif isinstance(node, Supplied):
            parts.append(plain_text(node.children))
        elif isinstance(node, Text):
            parts.append(node.text)
    tokens = " ".join(parts).split()
    role, name = split_role(tokens, vocab)
    role_text = " ".join(role) or None
    if not name:  # "Ambassador:" names a role only
        return LabelParts(written, "", role_text, alias, variant)
    return LabelParts(written, " ".join(name), role_text, alias, variant)


def _written(node: Inline) -> str:
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Supplied):
        return "[" + "".join(_written(c) for c in node.children) + "]"
    if isinstance(node, Variant):
        return "".join(_written(c) for c in node.orig) + " [" + "".join(
            _written(c) for c in node.reg) + "]"
    if isinstance(node, AliasRef):
        return "(" + node.lead + plain_text(node.children) + ")"
    return plain_text([node])


@dataclass
class Mention:
    """A person named in a preamble value."""

    name: str
    role_name: str | None
    role: str
    variant: str | None


def _role_of(label: str, suffix: str | None) -> str:
    low = fold(label)
    if suffix and fold(suffix) in _INTERPRETER:
        return "interpreter"
    if suffix and fold(suffix) in _RECORDER:
        return "recorder"
    if low in _INTERPRETER:
        return "interpreter"
    if low in _RECORDER:
        return "recorder"
    return "attendee"


def _looks_like_name(tokens: list[str], vocab: Vocabulary) -> bool:
    if not 1 <= len(tokens) <= 5 or not all(is_name_token(t) for t in tokens):
        return False
    return not all(fold(t) in vocab.role_words for t in tokens)


_TRAILING_PAREN = re.compile(r"\(([^)]*)\)\s*$")


def mentions_in(fld: Field, vocab: Vocabulary) -> list[Mention]:
    """People named in one preamble field ("Our side: Vice Minister Ji Pengfei, …")."""
    if fold(fld.label.rstrip(":")) in _NOT_PEOPLE:
        return []
    variants = {plain_text(v.orig).strip(): plain_text(v.reg).strip()
                for v in fld.value if isinstance(v, Variant)}
    text = plain_text(fld.value)
    segments = text.split(";") if ";" in text else text.split(",")
    out: list[Mention] = []
    for seg in segments:
        seg = seg.strip().rstrip(".")
        suffix = None
        mt = _TRAILING_PAREN.search(seg)
        if mt:
            suffix, seg = mt.group(1).strip(), seg[:mt.start()].strip()
        if ";" in text and "," in seg:
            first, rest = (s.strip() for s in seg.split(",", 1))
            if _looks_like_name(first.split(), vocab):
                name, role_name = first, rest
            else:
                name, role_name = rest, first
            title, bare = split_role(name.split(), vocab)
            if title and bare:  # "Mr. Jones, Counselor"
                name = " ".join(bare)
            if suffix is None and fold(role_name) in _INTERPRETER | _RECORDER:
                suffix = role_name
        else:
            role_tokens, name_tokens = split_role(seg.split(), vocab)
            name, role_name = " ".join(name_tokens), " ".join(role_tokens) or None
        if not _looks_like_name(name.split(), vocab):
            continue
        out.append(Mention(name, role_name, _role_of(fld.label.rstrip(": "), suffix),
                           variants.get(name)))
    return out


@dataclass
class PersonRegistry:
    """All people of one document, matched by name, surname, alias and role."""

    vocab: Vocabulary
    known: tuple[KnownPerson, ...] = ()
    reserved: frozenset[str] = frozenset()  # ids other elements of the file use
    persons: list[Person] = field(default_factory=list)
    aliases: dict[str, Person] = field(default_factory=dict)

    def _registered(self, *names: str | None) -> KnownPerson | None:
        """The project registry's entry for a person of these names, if any."""
        keys = {_key(n) for n in names if n}
        for kp in self.known:
            if keys & {_key(kp.name), *(_key(f) for f in kp.forms)}:
                return kp
        return None

    def _new_id(self, name: str, variant: str | None = None) -> str:
        ids = {p.id for p in self.persons} | self.reserved
        kp = self._registered(name, variant)
        if kp and kp.id not in ids:
            return kp.id
        base = slug(name)
        n, out = 2, base
        while out in ids:
            out, n = f"{base}-{n}", n + 1
        return out

    def add(self, name: str, role: str, role_name: str | None = None,
            variant: str | None = None, side: str | None = None, line: int = 0) -> Person:
        """Add a person, or return the one already known by that name."""
        existing = self.by_name(name)
        if existing:
            if variant and not existing.variant:
                existing.variant = variant
            if role_name and not existing.role_name:
                existing.role_name = role_name
            return existing
        person = Person(self._new_id(name, variant), name, [], role, role_name, variant, side, line)
        kp = self._registered(name, variant)
        if kp:
            person.links = [AUTHORITIES[k].format(v) for k, v in kp.links]
        self.persons.append(person)
        return person

    def by_name(self, name: str) -> Person | None:
        """The person whose full name, a written form or variant is `name`."""
        key = _key(name)
        if not key:
            return None
        for p in self.persons:
            if key == _key(p.name) or (p.variant and key == _key(p.variant)) \
                    or any(key == _key(f) for f in p.forms):
                return p
        return None

    def token_matches(self, token: str) -> list[Person]:
        """People whose first or last name is `token` (speakers only, when any)."""
        key = _key(token)
        hits = [p for p in self.persons
                if key in {_key(p.name.split()[0]), _key(p.name.split()[-1])}]
        if len(hits) > 1:
            hits = [p for p in hits if p.role == "speaker"] or hits
        return hits

    def by_token(self, token: str) -> Person | None:
        """The one person whose first or last name is `token`."""
        hits = self.token_matches(token)
        return hits[0] if len(hits) == 1 else None

    def by_role(self, role: str) -> Person | None:
        """The one person holding the role ("Ambassador")."""
        word = whole_word(fold(role))
        hits = [p for p in self.persons if p.role_name and word.search(fold(p.role_name))]
        return hits[0] if len(hits) == 1 else None

    def resolve(self, parts: LabelParts) -> Person | None:
        """The person a label names, if already known."""
        for cand in (parts.written, parts.name, parts.alias):
            if cand and fold(cand) in self.aliases:
                return self.aliases[fold(cand)]
        if parts.name:
            hit = self.by_name(parts.name) or (parts.variant and self.by_name(parts.variant))
            if hit:
                return hit
            tokens = parts.name.split()
            if len(tokens) == 1:
                return self.by_token(tokens[0])
            return None
        return self.by_role(parts.role) if parts.role else None

    def speaker(self, parts: LabelParts, title: str, line: int,
                resolved: Person | None = None) -> Person:
        """The person speaking under this label, created when new; `resolved` is what
        `resolve(parts)` gave, when the caller already asked."""
        person = resolved or self.resolve(parts)
        if person is None:
            name = parts.name or parts.role or parts.written
            if parts.name and len(parts.name.split()) == 1:
                name = full_name_from(parts.name, title, self.vocab) or name
            person = self.add(name, "speaker", parts.role, parts.variant, line=line)
        person.role = "speaker"
        if parts.role and not person.role_name:
            person.role_name = parts.role
        if parts.variant and not person.variant:
            person.variant = parts.variant
        for form in (parts.name, parts.alias):
            if form and _key(form) != _key(person.name) and form not in person.forms:
                person.forms.append(form)
        if parts.alias:
            self.aliases[fold(parts.alias)] = person
        return person


def full_name_from(token: str, text: str, vocab: Vocabulary) -> str | None:
    """Complete a surname from the catalogue title: "Liu" -> "Liu Shaoqi"."""
    stop = vocab.role_words | _TITLE_NOUNS
    tokens = re.findall(r"[\w'’-]+", text)
    if len(token) < 2:  # "A:" in an interview is no surname to look for
        return None
    for i, t in enumerate(tokens):
        if t != token:
            continue
        after: list[str] = []
        for nxt in tokens[i + 1:i + 3]:
            bare = re.sub(r"['’]s$", "", nxt)
            if not nxt[:1].isupper() or fold(bare) in stop:
                break
            after.append(bare)
            if bare != nxt:
                break
        if after:
            return " ".join([t, *after])
        before: list[str] = []
        for prv in reversed(tokens[max(0, i - 2):i]):
            if not prv[:1].isupper() or fold(prv) in stop:
                break
            before.insert(0, prv)
        if before:
            return " ".join([*before, t])
    return None


def link_names(inlines: list[Inline], people: dict[str, str]) -> list[Inline]:
    """Wrap the names of known people in a preamble value in PersonRefs."""
    if not people:
        return inlines
    names = sorted(people, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names))
    nodes = [PersonRef([node], people[plain_text(node.orig).strip()])
             if isinstance(node, Variant) and plain_text(node.orig).strip() in people else node
             for node in inlines]
    return split_text(nodes, lambda t: ((m.start(), m.end(),
                                         PersonRef([Text(m.group(0))], people[m.group(0)]))
                                        for m in pattern.finditer(t)))

"""People: participants named in the preamble, speakers named by labels, one id per person."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import AUTHORITIES, KnownPerson
from ..model import AliasRef, Field, Inline, LineBreak, Person, PersonRef, Supplied, Text, Variant
from .inline import fold, plain_text, split_text, whole_word
from .vocab import Vocabulary

_NON_WORD = re.compile(r"[\W_]")
_PARTICLES = {"van", "von", "de", "der", "den", "la", "le", "du", "di", "da", "dos", "bin",
              "ibn", "al", "el", "y", "ter", "zu"}
_INTERPRETER = {"interpreter", "interpreters", "translator", "translators"}
_RECORDER = {"recorder", "recorders", "note-taker", "notetaker", "documentation", "notes",
             "note taker", "minutes", "record"}
# Preamble labels whose value names no one.
NOT_PEOPLE = {"time", "date", "date and time", "place", "location", "venue", "date, time and place",
              "date and place", "time and place", "place and date", "place and time"}
_TITLE_NOUNS = {"conversation", "conversations", "talks", "meeting", "record", "minutes",
                "letter", "telegram", "report", "memorandum", "note", "journal", "delegation",
                "embassy", "ministry", "government", "party", "and", "with", "to", "from"}


@lru_cache(maxsize=1 << 12)
def slug(name: str) -> str:
    """A readable, stable xml:id from a name in any script: "Han Ik-su" -> "han-iksu",
    "Баатар Дашдорж" -> "baatar-dashdorzh", "김일성" -> "gim-ilseong".

    Transliteration is anyascii's (one table for every script, maintained upstream), so no
    name gives an empty id."""
    parts = name.split()
    words = " ".join(_ascii_token(t, len(parts) == 1) for t in parts).split()
    tokens = [re.sub(r"[^a-z0-9]", "", t.lower()) for t in words]
    out = "-".join(t for t in tokens if t)
    if not out:
        return "person"
    return out if out[0].isalpha() else "person-" + out


def _ascii_token(token: str, whole_name: bool) -> str:
    """One word in ASCII. A name written in Chinese characters or Hangul as one word puts
    the family name first, one syllable: it is split off as in a romanised name
    ("김일성" -> "Gim IlSeong", like "Kim Il-song")."""
    if token.isascii():  # most names: anyascii (and the tables it reads) is not needed
        return token
    from anyascii import anyascii

    syllables = [c for c in token if c.isalpha()]
    if whole_name and len(syllables) >= 2 and all(_is_syllabic(c) for c in syllables):
        return anyascii(syllables[0]) + " " + anyascii("".join(syllables[1:]))
    return anyascii(token)


def _is_syllabic(char: str) -> bool:
    """A Chinese character or a Hangul syllable: one syllable of a name each."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" \
        or "\uac00" <= char <= "\ud7a3"


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


name_key = _key


@lru_cache(maxsize=1 << 14)
def is_name_token(token: str) -> bool:
    """A token that can be part of a personal name."""
    t = token.strip(",;")
    if not t or any(c.isdigit() for c in t):
        return False
    # Scripts without case (Hangul, Chinese) write names without capitals.
    return t[0].isupper() or t.lower() in _PARTICLES or (t[0].isalpha() and t[0].lower()
                                                         == t[0].upper())


@dataclass
class LabelParts:
    """A speaker label taken apart."""

    written: str  # as written, without the colon
    name: str  # the personal name ("Gao Wenbin"), supplied parts included
    role: str | None = None  # "Vice Premier"
    alias: str | None = None  # from "(hereafter Gao)"
    variant: str | None = None  # another romanisation


_FUNCTION_WORDS = {"of", "the", "and", "for", "to"}
_TITLE_PREFIXES = {"co", "vice", "deputy", "acting", "ex", "sub", "under"}


def is_title_word(token: str, vocab: Vocabulary) -> bool:
    """A word of a title: listed, or a listed one with a prefix ("Co-chairman")."""
    low = fold(token)
    if low in vocab.title_words:
        return True
    head, _, last = low.rpartition("-")
    return head in _TITLE_PREFIXES and last in vocab.title_words


def split_role(tokens: list[str], vocab: Vocabulary) -> tuple[list[str], list[str]]:
    """Split the title off a name: everything up to the last title word is the role
    ("Chinese Ambassador", "Hao Deqing"), ("Vice Premier", "Gao Wenbin")."""
    last = max((i for i, t in enumerate(tokens) if is_title_word(t, vocab)), default=-1)
    if last < len(tokens) - 1:
        return tokens[:last + 1], tokens[last + 1:]
    # A title last or alone ("Ambassador", "Comrade Deputy Minister"): leading words only.
    i = 0
    while i < len(tokens) and is_title_word(tokens[i], vocab):
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
    side: str | None = None  # "From Seoul", "From the Bulgarian side"
    forms: list[str] = field(default_factory=list)  # the name in another script: "박영찬"


def _role_of(label: str, suffix: str | None) -> str:
    low = fold(label)
    if suffix and fold(suffix) in _INTERPRETER:
        return "interpreter"
    if suffix and fold(suffix) in _RECORDER:
        return "recorder"
    if low in _INTERPRETER or low.startswith("interpret"):
        return "interpreter"
    if low in _RECORDER or low.startswith("record"):
        return "recorder"
    return "attendee"


def _looks_like_name(tokens: list[str], vocab: Vocabulary) -> bool:
    if not 1 <= len(tokens) <= 5 or not all(is_name_token(t) for t in tokens):
        return False
    return not any(fold(t) in vocab.role_words | _SIDE_WORDS for t in tokens)


_TRAILING_PAREN = re.compile(r"\(([^)]*)\)\s*$")
_LAST_PAREN = re.compile(r"\(([^()]+)\)\s*$")
_INITIAL = re.compile(r"(?:[^\W\d_]\.-?){1,3}")
# A parenthesis holding the name in another script: "Pak Yong-chan (박영찬)".
_OTHER_SCRIPT = re.compile(r"\s*\(([^()]*[^\x00-\u024f\u1e00-\u1eff\s.,'’-][^()]*)\)")
# A side's heading: "From Seoul", "From the Bulgarian side – Comrades …", "On the Mongolian side".
_SIDE_HEAD = re.compile(
    r"^((?:from|on|for)\s+(?:the\s+)?[\w'’. -]{1,40}?(?:\s+side)?)\s*(?:[–—:-]\s+|,\s+|$)", re.I)
_SIDE_WORDS = {"from", "on", "side"}
_AND = re.compile(r"^(?:and|as well as)\s+", re.I)


def value_lines(nodes: list[Inline]) -> list[str]:
    """The plain text of a value, one string per source line (split at line breaks)."""
    lines: list[list[Inline]] = [[]]
    for n in nodes:
        if isinstance(n, LineBreak):
            lines.append([])
        else:
            lines[-1].append(n)
    return [plain_text(line) for line in lines]


def mentions_in(fld: Field, vocab: Vocabulary, surnames: frozenset[str] = frozenset()) -> list[Mention]:
    """People named in one preamble field ("Our side: Vice Minister Ji Pengfei, …"): one
    or more lines, each a list of "Name, Title" or "Title Name" or "NAME Given Title",
    possibly under a side's heading ("From Seoul"). `surnames` are the keys of words that
    speaker labels end with, which may separate names run together."""
    if fold(fld.label.rstrip(":")) in NOT_PEOPLE:
        return []
    variants = {plain_text(v.orig).strip(): plain_text(v.reg).strip()
                for v in fld.value if isinstance(v, Variant)}
    label = fld.label.rstrip(": ")
    out: list[Mention] = []
    side: str | None = None
    for line in value_lines(fld.value):
        line = line.strip()
        head = _SIDE_HEAD.match(line)
        if head and not _looks_like_name(head.group(1).split(), vocab):
            side, line = head.group(1).strip(), line[head.end():].strip()
        for m in _line_mentions(line, label, vocab, surnames):
            m.variant = variants.get(m.name)
            m.side = side
            out.append(m)
    return out


def _run_together(tokens: list[str], vocab: Vocabulary, surnames: frozenset[str]) -> list[list[str]]:
    """Names and titles run together (a participants list flattened from a PDF), cut where
    a title follows a name ("… Bae Chung-hun Ambassador Seo In-gyu") and after a surname
    that a speaker label uses ("Lyle Corrigan Donald Eckhart")."""
    parts: list[list[str]] = [[]]
    run = 0  # name words just before this one (a name has two at least, to be cut off)
    for t in tokens:
        is_name = is_name_token(t) and not is_title_word(t, vocab)
        if run >= 2 and t[:1].isupper() and is_title_word(t, vocab):
            parts.append([])
        elif run >= 2 and is_name and _key(parts[-1][-1]) in surnames:
            parts.append([])
            run = 0
        parts[-1].append(t)
        run = run + 1 if is_name else 0
    return [p for p in parts if p]


def _line_mentions(text: str, label: str, vocab: Vocabulary,
                   surnames: frozenset[str] = frozenset()) -> list[Mention]:
    """The people of one line of a preamble value."""
    semicolons = ";" in text
    out: list[Mention] = []
    for seg in text.split(";") if semicolons else text.split(","):
        seg = _AND.sub("", seg.strip().rstrip("."))
        if semicolons and seg.count(",") > 1:  # "Name, Title, and Name, Title; …"
            out.extend(_line_mentions(seg, label, vocab, surnames))
            continue
        forms = [f.strip() for f in _OTHER_SCRIPT.findall(seg)]
        seg = _OTHER_SCRIPT.sub("", seg).strip()
        suffix = None
        mt = _TRAILING_PAREN.search(seg)
        if mt:
            suffix, seg = mt.group(1).strip(), seg[:mt.start()].strip()
        if semicolons and "," in seg:
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
            parts = _run_together(seg.split(), vocab, surnames) or [[]]
            for extra in parts[:-1]:  # "Lyle Corrigan Donald Eckhart, …": one name each
                name, role_name = _name_and_role(extra, vocab)
                if _looks_like_name(name.split(), vocab):
                    # the name in another script follows the first name of the segment
                    out.append(Mention(name, role_name, _role_of(label, None), None, forms=forms))
                    forms = []
            seg = " ".join(parts[-1])
            name, role_name = _name_and_role(parts[-1], vocab)
        if not _looks_like_name(name.split(), vocab):
            # "…, Member of the Politburo": the role of the name before (a role that was only
            # an honorific, "Comrades", gives way to it)
            if out and seg and (not out[-1].role_name or _honorific(out[-1].role_name, vocab)):
                out[-1].role_name = seg
                if fold(seg) in _INTERPRETER | _RECORDER:
                    out[-1].role = _role_of(label, seg)
            continue
        if suffix is None and role_name and fold(role_name) in _INTERPRETER | _RECORDER:
            suffix = role_name  # "interpreter Pak Yong-il"
        out.append(Mention(name, role_name, _role_of(label, suffix), None, forms=forms))
    return out


def _honorific(role: str, vocab: Vocabulary) -> bool:
    """A role that is only a form of address ("Comrades", "Mr.")."""
    return all(fold(t) in vocab.honorifics for t in role.split())


# "… Luvsangiin Dorj (Лувсангийн Дорж) (hereafter: Dorj)": a person introduced in the text.
_INTRODUCED = re.compile(
    r"((?:[^\W\d_][\w'’.-]*\s+){0,5}[^\W\d_][\w'’-]*)\s*(?:\([^()]*\)\s*)?"
    r"\((?:here(?:in)?after|henceforth)\b[^()]*?([^\W\d_][\w'’-]*)[\"”']?\)")


def introduced_in(text: str, vocab: Vocabulary) -> list[tuple[str, str, list[str]]]:
    """(name, alias, other written forms) of the people a running text introduces with
    "(hereafter X)": the name is the run of name words before it that holds the alias; a
    parenthesis in another script between them is the name written so ("(Лувсангийн Дорж)")."""
    out: list[tuple[str, str, list[str]]] = []
    for mt in _INTRODUCED.finditer(text):
        tokens, alias = mt.group(1).split(), mt.group(2)
        name: list[str] = []
        for t in reversed(tokens):
            if not is_name_token(t) or fold(t) in vocab.title_words or len(name) == 4:
                break
            name.insert(0, t)
        # "the MPR Luvsangiin Dorj": an acronym before a name in mixed case is no name word
        while len(name) > 1 and name[0].isupper() and not all(t.isupper() for t in name):
            name.pop(0)
        if name and any(_key(t) == _key(alias) for t in name):
            forms = [f.strip() for f in _OTHER_SCRIPT.findall(text[mt.start():mt.end()])]
            out.append((" ".join(name), alias, forms))
    return out


def _name_and_role(tokens: list[str], vocab: Vocabulary) -> tuple[str, str | None]:
    """"Vice Premier Gao Wenbin" (title first) or "YUN Chae-ho Co-chairman of …" (name
    first, then the title)."""
    role_tokens, name_tokens = split_role(tokens, vocab)
    if role_tokens and fold(role_tokens[-1]) in _FUNCTION_WORDS and name_tokens:
        # "Embassy of the Republic of Korea Min Tae-sik": the office's name ends first; what
        # is left is a name only when it has two words at least ("Secretary of the MPRP CC"
        # names an office, not a person "CC").
        rest = name_tokens[1:]
        role_tokens, name_tokens = [*role_tokens, *(name_tokens[:1] if len(rest) >= 2
                                                    else name_tokens)], (rest if len(rest) >= 2
                                                                         else [])
    if name_tokens and _looks_like_name(name_tokens, vocab):
        return " ".join(name_tokens), " ".join(role_tokens) or None
    first_title = next((i for i, t in enumerate(tokens)
                        if is_title_word(t, vocab) and fold(t) not in _FUNCTION_WORDS), None)
    if first_title and first_title >= 2:  # a surname and a given name, then the title
        return " ".join(tokens[:first_title]), " ".join(tokens[first_title:])
    return " ".join(name_tokens), " ".join(role_tokens) or None


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
            variant: str | None = None, side: str | None = None, line: int = 0,
            forms: tuple[str, ...] = ()) -> Person:
        """Add a person, or return the one already known by that name ("K. Pospíšil" is
        the Karel Pospíšil already listed)."""
        existing = self.by_name(name) or self.by_initials(name.split())
        if existing:
            if variant and not existing.variant:
                existing.variant = variant
            if role_name and not existing.role_name:
                existing.role_name = role_name
            existing.forms.extend(f for f in forms if f not in existing.forms)
            if _key(name) != _key(existing.name) and name not in existing.forms:
                existing.forms.append(name)  # "K. Pospíšil" is a written form of Karel Pospíšil
            if role in ("interpreter", "recorder") and existing.role == "attendee":
                existing.role = role
            return existing
        person = Person(self._new_id(name, variant), name, list(forms), role, role_name, variant,
                        side, line)
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
        return self.resolve_why(parts)[0]

    def resolve_why(self, parts: LabelParts) -> tuple[Person | None, str]:
        """The person a label names, if already known, and how it was found."""
        for cand in (parts.written, parts.name, parts.alias):
            if cand and fold(cand) in self.aliases:
                return self.aliases[fold(cand)], f"alias {cand!r}"
        if parts.name:
            hit = self.by_name(parts.name) or (parts.variant and self.by_name(parts.variant))
            if hit:
                return hit, "full name" + (" (in the registry)" if hit.links else "")
            tokens = parts.name.split()
            if len(tokens) == 1:
                hit = self.by_token(tokens[0])
                return hit, f"surname {tokens[0]!r}" + (" after the title" if parts.role else "")
            inner = _LAST_PAREN.search(parts.name)
            if inner:  # "North (KIM)": a side, then the name
                hit, why = self.resolve_why(LabelParts(inner.group(1), inner.group(1).strip()))
                return hit, f"side and name: {why}"
            return self.by_initials(tokens), "initials and surname"
        if parts.role:
            return self.by_role(parts.role), f"role {parts.role!r}"
        return None, ""

    def by_id(self, pid: str) -> Person | None:
        """The person with this xml:id, or the registry's entry of that id (then added)."""
        hit = next((p for p in self.persons if p.id == pid), None)
        if hit is None:
            kp = next((k for k in self.known if k.id == pid), None)
            if kp is not None:
                hit = self.add(kp.name, "speaker")
        return hit

    def introduce(self, name: str, alias: str, line: int, forms: tuple[str, ...] = ()) -> Person:
        """A person the text introduces with an alias ("… Dorj (hereafter: Dorj)")."""
        person = self.add(name, "attendee", line=line, forms=forms)
        self.aliases[fold(alias)] = person
        if _key(alias) != _key(person.name) and alias not in person.forms:
            person.forms.append(alias)
        return person

    def by_initials(self, tokens: list[str]) -> Person | None:
        """The one person that "P. VALCHANOV" or "J.-P. Martin" names: the surname, and
        given names that start with the initials."""
        if len(tokens) < 2:
            return None
        *initials, surname = tokens
        if not all(_INITIAL.fullmatch(t) for t in initials):
            return None
        letters = [fold(c) for t in initials for c in t if c.isalpha()]
        hits = [p for p in self.persons
                if p.name.split() and _key(p.name.split()[-1]) == _key(surname)
                and [fold(w[0]) for w in p.name.split()[:-1]][:len(letters)] == letters]
        return hits[0] if len(hits) == 1 else None

    def speaker(self, parts: LabelParts, title: str, line: int,
                resolved: Person | None = None) -> Person:
        """The person speaking under this label, created when new; `resolved` is what
        `resolve(parts)` gave, when the caller already asked."""
        person = resolved or self.resolve(parts)
        if person is None:
            name = parts.name or parts.role or parts.written
            if parts.name and len(parts.name.split()) == 1:
                name = full_name_from(parts.name, title, self.vocab) or name
            elif parts.name:
                name = full_name_from_initials(parts.name.split(), title) or name
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


def full_name_from_initials(tokens: list[str], text: str) -> str | None:
    """Complete "J. BRODSKÝ" from the catalogue title: "Jaroslav Brodský"."""
    if len(tokens) < 2:
        return None
    *initials, surname = tokens
    if not all(_INITIAL.fullmatch(t) for t in initials):
        return None
    letters = [fold(c) for t in initials for c in t if c.isalpha()]
    words = re.findall(r"[\w'’-]+", text)
    for i, w in enumerate(words):
        given = words[max(0, i - len(letters)):i]
        if _key(w) == _key(surname) and len(given) == len(letters) \
                and [fold(g[0]) for g in given] == letters and all(g[:1].isupper() for g in given):
            return " ".join([*given, w])
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

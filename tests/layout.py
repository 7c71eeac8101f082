"""A generator of source documents from the grammar of the export layout.

Used by the property-based tests (hypothesis drives the `random.Random`) and by a seeded run
whose outputs are checked against tei_all in one jing call. It returns the source text and
what a correct conversion must show (the number of turns and of people speaking; for the
layouts of the real archive, `RealArchiveGenerator`, also who is who and the distribution
list's copies).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tei_edition.readers.inline import fold
from tei_edition.readers.vocab import load_vocabulary

SYLLABLES = ["kim", "pak", "li", "wang", "zhou", "chen", "tran", "ngu", "yen", "sor", "ina",
             "mar", "kov", "han", "jun", "ong", "bel", "ros", "tam", "vel", "dra", "hoa",
             "ša", "ţu", "gár", "ő", "lü", "ż"]
WORDS = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "with", "was", "on",
    "by", "be", "this", "are", "from", "at", "or", "an", "which", "we", "you", "they", "he",
    "she", "government", "delegation", "question", "trade", "railway", "rice", "coal",
    "embassy", "agreement", "comrades", "ministry", "border", "talks", "position", "friendly",
    "relations", "support", "delivery", "season", "plan", "1958", "240,000", "tons", "percent",
    "fraternal", "Beijing", "Hanoi", "Pyongyang", "Moscow", "Sinŭiju", "地方自力", "“local”",
    "‘quoted’", "wagons—there", "well-known",
]
SURNAMES = ["Kim", "Pak", "Li", "Wang", "Zhou", "Chen", "Tran", "Nguyen", "Sorescu", "Marin",
            "Kovács", "Hanák", "Belov", "Rossi", "Tamás", "Velkov", "Dragan", "Hoang", "Šarić",
            "Lü", "Żuk", "Gârbea"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
KINDS = ["Record of Conversation between", "Minutes of Conversation with", "Telegram from",
         "Letter from", "Report of", "Note on a Conversation with", "Journal of"]


def _vocabulary_words() -> set[str]:
    v = load_vocabulary()
    words = set(v.participant_labels | v.field_labels | v.role_words | v.honorifics
                | v.distribution_labels | v.classifications)
    return {w for phrase in words for w in phrase.split()}


@dataclass
class Generated:
    """A generated source and the facts a correct conversion shows."""

    text: str
    turns: int = 0
    speakers: int = 0
    features: list[str] = field(default_factory=list)
    #: (name, labels): exactly one person of particDesc bears the name, and every turn whose
    #: speaker is one of the labels points to that person (ENCODING.md, `participants`).
    participants: list[tuple[str, list[str]]] = field(default_factory=list)
    #: (label, value) of preamble fields, each a `label` + value item of the participants list.
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: The copies of each distribution item, in order (None: no distribution list).
    distribution: list[int] | None = None
    total: int | None = None  # the stated total, as written
    #: Phrases of the text that must stand in the main div, outside the distribution list.
    outside_distribution: list[str] = field(default_factory=list)


class LayoutGenerator:
    """Draws documents; every choice comes from the given random source."""

    def __init__(self, rnd: random.Random) -> None:
        self.r = rnd
        self.reserved = _vocabulary_words()

    def token(self) -> str:
        while True:
            t = "".join(self.r.choice(SYLLABLES) for _ in range(self.r.randint(1, 2)))
            if fold(t) not in self.reserved and len(t) > 1:
                return t.capitalize()

    def name(self) -> str:
        given = self.token() + ("-" + self.token().lower() if self.r.random() < 0.3 else "")
        return f"{self.token()} {given}"

    def given(self) -> str:
        """A given name that is no one's surname (a surname-only label must stay unique)."""
        # "Kim-kim" is changed where it matters, its first part: "Kim-kimo" still begins
        # with a surname, and a label of that word would name two persons; so would
        # "Vel-kov", which a reader compares as "Velkov"
        head, dash, tail = self.name().split()[1].partition("-")
        surnames = {fold(n) for n in SURNAMES}
        if head in SURNAMES or fold(head + tail) in surnames:
            head += "o"
        return head + dash + tail

    def date(self) -> tuple[int, int, int]:
        return self.r.randint(1945, 1989), self.r.randint(1, 12), self.r.randint(1, 28)

    def words(self, n: int) -> str:
        return " ".join(self.r.choice(WORDS) for _ in range(n))

    def sentence(self) -> str:
        s = self.words(self.r.randint(3, 12))
        return s[0].upper() + s[1:] + self.r.choice([".", ".", "?", "!"])

    def inline(self, features: list[str]) -> str:
        """A sentence with some of the inline conventions in it."""
        parts = [self.sentence()]
        for _ in range(self.r.randint(0, 3)):
            kind = self.r.choice(["supplied", "variant", "laughter", "boxes", "omission",
                                  "redaction", "illegible", "unclear", "expansion",
                                  "translator", "plain", "sic", "query", "editorial",
                                  "bracket-stage", "page"])
            features.append(kind)
            parts.append({
                "supplied": f"[{self.words(self.r.randint(1, 3))}] {self.words(2)}.",
                "variant": f"Comrade {(n := self.name())} [{n.replace('a', 'o')}] agreed.",
                "laughter": "(Laughter)",
                "boxes": "□" * self.r.randint(1, 4) + " " + self.words(2) + ".",
                "omission": self.r.choice(["[...]", "[…]", "[ …]", "[….]"]),
                "redaction": f"({self.r.choice(['one line', 'two lines', 'three lines'])} "
                             "blacked out)",
                "illegible": self.r.choice(["[illegible]", "[[illegible signature]]"]),
                "unclear": f"[[{self.token()}?]]",
                "expansion": "the F[oreign] M[inistry] said so.",
                "translator": f"[trans. note—{self.words(4)}]",
                "plain": self.sentence(),
                "sic": self.words(2) + self.r.choice([" [sic].", " [sic!]", " [sic; should read "
                                                      f"{self.r.randint(1945, 1989)}]."]),
                "query": f"{self.words(2)} [?] {self.words(2)}.",
                "editorial": self.r.choice(["[emphasis in the original]",
                                            f"[See the {self.words(2)} at Tab A.]"]),
                "bracket-stage": self.r.choice(["[Laughter]", "[Applause]"]),
                "page": f"[Page {self.r.randint(2, 400)}] {self.words(2)}.",
            }[kind])
        return " ".join(parts)

    def header(self, title: str, date: tuple[int, int, int]) -> str:
        y, m, d = date
        date_line = f"{MONTHS[m - 1]} {d}, {y}"
        sig = f"PRC FMA {self.r.randint(100, 119)}-{self.r.randint(10000, 99999):05d}-01"
        pages = f"{self.r.randint(1, 40)}-{self.r.randint(41, 90)}"
        translators = " and ".join(self.name() for _ in range(self.r.randint(1, 2)))
        cit = (f'"{title}", {date_line}, Wilson Center Digital Archive, {sig}, {pages}. '
               f"Translated by {translators}. <https://digitalarchive.example.org/document/1>")
        summary = f"\n**Summary:**\n\n{self.sentence()}\n" if self.r.random() < 0.8 else ""
        return (f"\n\n**{date_line}**\n\n**{title}**\n\n**Citation:**\n\n{cit}\n{summary}\n"
                f"**Original Language:**\n\n{self.r.choice(['Chinese', 'Russian', 'Korean'])}\n\n"
                f"**Contents:**\n\nTranslation - English\n\n")

    def conversation(self) -> Generated:
        date = self.date()
        # Distinct surnames: a surname-only label must name one person.
        surnames = self.r.sample(SURNAMES, self.r.randint(2, 4))
        people = [f"{surname} {self.given()}" for surname in surnames]
        title = f"Record of Conversation between {people[0]} and {people[1]}"
        out = Generated("")
        body = [title, f"Time: 10:{self.r.randint(10, 59)} a.m., {date[2]} {MONTHS[date[1] - 1]} "
                       f"{date[0]}", f"Place: {self.token()} Hall",
                f"Our side: Vice Minister {people[0]}, {self.name()}",
                f"Interpreter: {self.name()}"]
        spoke: set[str] = set()
        for k in range(self.r.randint(3, 12)):
            who = people[k % len(people)] if k < len(people) else self.r.choice(people)
            label = who if who not in spoke or self.r.random() < 0.3 else who.split()[0]
            spoke.add(who)
            body.append(f"{label}: {self.inline(out.features)}")
            out.turns += 1
            for _ in range(self.r.randint(0, 2)):
                body.append(self.inline(out.features))
            if self.r.random() < 0.15:  # a page marker alone does not end the turn
                body.append(self.r.choice(["[Page {}]", "(p. {})", "[p. {}]"]).format(k + 2))
                out.features.append("lone-page")
        last_said = len(body) - 1
        if self.r.random() < 0.7:
            n = self.r.randint(1, 5)
            body.append(f"CC: {self.name()}, {self.token()} Department ({n}), "
                        f"{n + 1} copies in total")
        if self.r.random() < 0.5:
            body.append(f"Received on {date[2]} {MONTHS[date[1] - 1]} {date[0]} □□ Printed and "
                        f"distributed on {date[2] + 1} {MONTHS[date[1] - 1]} {date[0]}")
        if self.r.random() < 0.3:  # a footnote number glued to a name in capitals
            body[last_said] += f" {self.token().upper()}1 {self.words(2)}."
            body.append(f"[1] {self.sentence()}")
            out.features.append("glued-anchor")
        out.speakers = len(spoke)
        out.text = self.header(title, date) + "\n\n".join(body) + "\n"
        return out

    def letter(self) -> Generated:
        date = self.date()
        writer = self.name()
        title = f"{self.r.choice(['Letter', 'Telegram', 'Report'])} from {writer}"
        out = Generated("")
        body = [f"Embassy of the {self.token()} Republic\nin {self.token()}",
                f"{self.token()}, {date[2]} {MONTHS[date[1] - 1]} {date[0]}",
                f"Subject: {self.words(4)}", "Dear Comrade Minister,"]
        for _ in range(self.r.randint(1, 5)):
            body.append(self.inline(out.features))
        if self.r.random() < 0.5:
            body.append("\n".join(f"{i}. {self.sentence()}" for i in range(1, 4)))
        body += ["With comradely greetings,", f"{writer}\nAmbassador"]
        out.text = self.header(title, date) + "\n\n".join(body) + "\n"
        return out

    def document(self) -> Generated:
        return self.conversation() if self.r.random() < 0.6 else self.letter()


#: Ways of writing a count of copies after (or before) a recipient (ENCODING.md, "Layouts
#: of the real archive").
COUNT_FORMS = ("{r} ({n})", "{r} - {n}", "{r}-{n}", "{n}x {r}", "{r} {n}x", "{r} x {n}")
#: Participant lines: the heading alone on its line, the names below.
PARTICIPANT_HEADINGS = ("Foreign guests:", "Accompanying persons:", "Recording officials:",
                        "Present:", "Participants:")
#: (title in the participant list, the title a speaker label uses with the surname).
LABEL_TITLES = (("Prime Minister", "PM"), ("Minister of Foreign Affairs", "FM"),
                ("Vice Minister of Foreign Affairs", "VFM"), ("Interpreter", "Miss"),
                ("Ambassador", "Ambassador"), ("Notetaker", "Mr."))
#: Alias phrasings after a first full label; the alias is the last word.
ALIAS_FORMS = ("{full} (hereafter abbreviated {alias}):", "{full} (hereafter: {alias}):",
               "{full} [henceforth {alias}]:", "{full} [henceforth referred to as {alias}].")


class RealArchiveGenerator(LayoutGenerator):
    """The layouts of "Layouts of the real archive" (ENCODING.md), one kind per method, so a
    failing property names its layout."""

    def people(self, n: int) -> list[tuple[str, str]]:
        """(surname, given) pairs with distinct surnames and given names."""
        surnames = self.r.sample(SURNAMES, n)
        givens: list[str] = []
        for _ in range(n):
            given = self.given()
            while given in givens:  # ends even when the random source repeats itself
                given += "n"
            givens.append(given)
        return list(zip(surnames, givens, strict=True))

    def other_name(self, taken: set[str]) -> str:
        """A name sharing no word with `taken` (a speaker's surname must name one person)."""
        words = [self.token(), self.token()]
        return " ".join(w + "a" * (w in taken) for w in words)

    def talk(self, out: Generated, labels: list[str]) -> list[str]:
        """Turns under these labels, some with unlabelled continuation paragraphs."""
        body = []
        for label in labels:
            body.append(f"{label} {self.sentence()} {self.sentence()}")
            out.turns += 1
            if self.r.random() < 0.3:
                body.append(self.sentence())
        return body

    def finish(self, out: Generated, title: str, body: list[str],
               used: list[str] | None = None) -> Generated:
        """The source around `body`; with `used` (the labels the turns have), a
        participant's labels are only those some turn uses."""
        out.text = self.header(title, self.date()) + "\n\n".join(body) + "\n"
        if used is not None:
            keys = {label.rstrip(":.") for label in used}
            out.participants = [(name, [lab for lab in labels if lab in keys])
                                for name, labels in out.participants]
        out.speakers = len({name for name, labels in out.participants if labels})
        return out

    def top_distribution(self) -> Generated:
        """A telegram with its distribution list between the transmission log and the text:
        the list ends at its own line, counts in every written form."""
        out = Generated("")
        y, m, d = self.date()
        recipients = self.r.sample(SURNAMES, self.r.randint(2, 6))
        copies = [self.r.randint(1, 3) for _ in recipients]
        entries = [self.r.choice(COUNT_FORMS).format(r=r, n=n)
                   for r, n in zip(recipients, copies, strict=True)]
        total = sum(copies) + (self.r.choice([1, 2]) if self.r.random() < 0.25 else 0)
        out.distribution, out.total = copies, total
        firsts = [self.sentence() for _ in range(self.r.randint(1, 4))]
        text = [f"{first} {self.inline(out.features)}" for first in firsts]
        out.outside_distribution = firsts
        signer = self.token().upper()
        body = [f"CIPHERED TELEGRAM No. {self.r.randint(100, 99999)}",
                f"From: {self.r.choice(['PYONGYANG', 'HANOI', 'BEIJING'])}",
                f"Sent on {d}.{m}.{y} at 0{self.r.randint(1, 9)}:40",
                f"Distribution list - {total} copies: " + ", ".join(entries) + ".",
                f"TO COMRADE {self.token().upper()}", *text, f"{d}.{m}.{y} {signer}"]
        return self.finish(out, f"Telegram from {signer.title()}", body)

    def label_above_value(self) -> Generated:
        """A conversation whose preamble labels stand alone, the value on the next line."""
        out = Generated("")
        (s1, g1), (s2, g2) = self.people(2)
        y, m, d = self.date()
        out.fields = [("Date and Time:", f"{d} {MONTHS[m - 1]} {y}, {self.r.randint(1, 11)} p.m."),
                      ("Location:", f"{self.token()} Hall"),
                      ("Our side:", f"Vice Minister {s1} {g1}"),
                      ("Korean side:", f"Ambassador {s2} {g2}")]
        preamble = [f"{label}\n{value}" for label, value in out.fields]
        out.participants = [(f"{s1} {g1}", [f"{s1} {g1}", s1]), (f"{s2} {g2}", [s2])]
        labels = [f"{s1} {g1}:", f"{s2}:"] + [f"{self.r.choice([s1, s2])}:"
                                               for _ in range(self.r.randint(1, 5))]
        title = f"Record of Conversation between {s1} {g1} and {s2} {g2}"
        return self.finish(out, title, [title, *preamble, *self.talk(out, labels)], labels)

    def participant_lines(self) -> Generated:
        """Participants under the many headings of the archive, or as a bulleted list."""
        out = Generated("")
        people = self.people(self.r.randint(3, 5))
        titles = [self.r.choice(["Vice Premier", "Ambassador", "Counsellor", "Director"])
                  for _ in people]
        listed = [f"{s} {g}, {t}" for (s, g), t in zip(people, titles, strict=True)]
        if self.r.random() < 0.3:
            preamble = ["\n".join(f"  • {entry}" for entry in listed)]
        else:
            cut = self.r.randint(1, len(listed) - 1)
            first, second = self.r.sample(PARTICIPANT_HEADINGS, 2)
            preamble = [first, "; ".join(listed[:cut]), second, "; ".join(listed[cut:])]
        speakers = people[:2]
        out.participants = [(f"{s} {g}", [s] if (s, g) in speakers else [])
                            for s, g in people]
        if self.r.random() < 0.5:  # interpreters and recorders, names only
            staff = [self.other_name({s for s, _ in people}) for _ in range(self.r.randint(1, 2))]
            staff = [n for k, n in enumerate(staff) if n not in staff[:k]]
            preamble += ["Interpretation and Minutes:", "; ".join(staff)]
            out.participants += [(name, []) for name in staff]
        labels = [f"{s}:" for s, _ in speakers] + [
            f"{self.r.choice(speakers)[0]}:" for _ in range(self.r.randint(1, 5))]
        title = f"Minutes of Conversation with {people[0][0]} {people[0][1]}"
        return self.finish(out, title, [title, *preamble, *self.talk(out, labels)])

    def speaker_label_forms(self) -> Generated:
        """Speakers labelled otherwise than listed: title + surname, side + name, initials."""
        out = Generated("")
        form = self.r.choice(["title", "side", "initials"])
        (s1, g1), (s2, g2) = self.people(2)
        if form == "title":
            (t1, a1), (t2, a2) = self.r.sample(LABEL_TITLES, 2)
            preamble = ["Participants:", f"{s1} {g1}, {t1}; {s2} {g2}, {t2}"]
            first, second = f"{a1} {s1}", f"{a2} {s2}"
        elif form == "side":
            preamble = ["Participants:", f"From the North\n{s1.upper()} {g1} Vice Premier",
                        f"From the South\n{s2.upper()} {g2} Co-chairman"]
            first, second = f"North ({s1.upper()})", f"South ({s2.upper()})"
        else:
            preamble = ["Present:", f"Comrades {g1} {s1}, Member of the Politburo, and "
                        f"{g2} {s2}, Ambassador"]
            first, second = f"{g1[0]}. {s1.upper()}", f"{g2[0]}. {s2.upper()}"
        out.features.append(form)
        name1, name2 = (f"{s1} {g1}", f"{s2} {g2}") if form != "initials" else (
            f"{g1} {s1}", f"{g2} {s2}")
        out.participants = [(name1, [first]), (name2, [second])]
        labels = [f"{first}:", f"{second}:"] + [
            f"{self.r.choice([first, second])}:" for _ in range(self.r.randint(1, 5))]
        title = f"Record of the Talks between {name1} and {name2}"
        return self.finish(out, title, [title, *preamble, *self.talk(out, labels)])

    def alias_phrasings(self) -> Generated:
        """A first label with its alias in one of the archive's phrasings, then the alias."""
        out = Generated("")
        (s1, g1), (s2, g2) = self.people(2)
        alias_form = self.r.choice(ALIAS_FORMS)
        out.features.append(alias_form)
        full1 = f"Vice Premier {s1} {g1}"
        first = alias_form.format(full=full1, alias=s1)
        out.participants = [(f"{s1} {g1}", [first.rstrip(":."), s1]), (f"{s2} {g2}", [s2])]
        labels = [first, f"{s2}:"] + [f"{self.r.choice([s1, s2])}:"
                                       for _ in range(self.r.randint(1, 5))]
        title = f"Minutes of the Conversation between {full1} and Ambassador {s2} {g2}"
        preamble = ["Participants:", f"{full1}; Ambassador {s2} {g2}"]
        return self.finish(out, title, [title, *preamble, *self.talk(out, labels)], labels)


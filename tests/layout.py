"""A generator of source documents from the grammar of the export layout.

Used by the property-based tests (hypothesis drives the `random.Random`) and by a seeded run
whose outputs are checked against tei_all in one jing call. It returns the source text and
what a correct conversion must show (the number of turns and of people speaking).
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
        given = self.name().split()[1]
        return given + "o" if given.split("-")[0] in SURNAMES else given

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

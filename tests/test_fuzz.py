"""Fuzzing: thousands of generated sources through convert, verify, validate and html.

A crash is any exception other than the documented ones: `SourceError` for bytes that are
not text, `ReaderError` for a source without title or body. Sources are drawn in the
export layout (bold date and title, Citation/Summary/Contents blocks, labelled body lines
with brackets, parentheses, boxes, numbers, CC lines and any Unicode) and as arbitrary
text and bytes: 3,400 sources a run, some 30 s on two cores. The library is called
directly; a subprocess per example would be far too slow.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from lxml import etree

from tei_edition.convert import convert_text
from tei_edition.readers.wcda import ReaderError
from tei_edition.textio import SourceError, decode
from tei_edition.verify import verify_text
from tei_edition.xmlio import parse_bytes

FUZZ = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# --------------------------------------------------------------------------- sources

# Characters that carry meaning in the layout, drawn often so that they meet each other.
MARKUP = [*"[]()□:*.…-–—\"“”'’/\\ \t\n0123456789", "\u00a0", "[[", "]]", "  \n", "\\\n"]
NAMES = ["Gao", "Ri Chang-sop", "Liu", "Comrade Kim", "Pak Song-hwan [Pak Sung-hwan]",
         "Vice Premier Gao Wenbin (hereafter Gao)", "Interpreter", "To", "From", "CC",
         "Dear Comrade Minister", "Chai [Junwu]", "Ho Chi Minh", "Müller", "Łukasz", "Иванов",
         "毛泽东", "N. P. Vasin", "Gao Wenbin", "Kim Il Sung [Kim Il-song]"]
PHRASES = ["[illegible]", "[[illegible signature]]", "[...]", "[…]", "(Laughter)",
           "(two lines blacked out)", "[1 line not declassified]", "[North] Korea",
           "F[oreign] M[inistry]", "[trans. note—the text is unclear]", "□□□", "[[N. P. Vasin?]]",
           "(Not yet proofread)", "[handwritten: received", "[stamp: No. [illegible]]",
           "Kim Il Sung [Kim Il-song]", "FENG XI [STALIN]", "[1]", "(4)", "(interpreter)",
           "14 October 1958", "3:30–5:40 p.m.", "240,000 tons", "No. 1234/56", "CC: Comrade Li",
           "Distribution list - 11 copies", "Five copies printed", "Received on 3.X.1958",
           "(hereafter Ri)", "[Section on trade not translated.]", "[signature]", "[[", "]]"]
DATES = ["**October 14, 1958**", "**1958-10-14**", "**14 October 1958**", "**October 1958**",
         "**1958**", "**Octember 99, 19x8**", "**February 30, 1961**", ""]
BLOCKS = ["Citation", "Summary", "Credits", "Original Language", "Source", "Contents"]
CONTENTS = ["Translation - English", "Transcript - English", "", "Scan of Original Document"]
# Unicode beyond the Latin-1 page: other scripts, combining marks, right-to-left text,
# astral characters, controls, non-characters and the replacement character.
UNICODE = ["é", "ŭ", "Ł", "ж", "α", "中", "한", "ا", "\u0301", "\u200f", "\u200b", "\ufeff", "😀",
           "\U0001d11e", "\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufffd", "\ufffe", "\U0010ffff"]


class SourceMaker:
    """Draws sources from a seeded `random.Random`. Hypothesis supplies only the seed:
    drawing each choice through Hypothesis costs some 50 ms a source, twenty times the
    pipeline's own time, and would not leave room for thousands of sources per run."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def char(self) -> str:
        r = self.rnd.random()
        if r < 0.5:
            return self.rnd.choice(MARKUP)
        if r < 0.8:
            return self.rnd.choice(UNICODE)
        return chr(self.rnd.choice([self.rnd.randrange(0x20, 0x250),
                                    self.rnd.randrange(0x250, 0xD800),
                                    self.rnd.randrange(0xE000, 0x110000)]))

    def word(self) -> str:
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self.rnd.choice(letters) for _ in range(self.rnd.randint(1, 9)))

    def fragment(self) -> str:
        """One piece of a body line: a word, a phrase, a name, markup or odd characters."""
        kind = self.rnd.randrange(6)
        if kind == 0:
            return self.rnd.choice(PHRASES)
        if kind == 1:
            return self.rnd.choice(NAMES)
        if kind == 2:
            return "".join(self.char() for _ in range(self.rnd.randint(1, 5)))
        if kind == 3:
            return str(self.rnd.choice([0, 1, 7, 12, 1958, 240000, -3, 10**30]))
        return self.word()

    def brackets(self) -> str:
        """Nested, unclosed or stray brackets and parentheses around a few fragments."""
        inner = " ".join(self.fragment() for _ in range(self.rnd.randint(0, 4)))
        for _ in range(self.rnd.randint(1, 4)):
            opener, closer = self.rnd.choice([("[", "]"), ("(", ")"), ("[[", "]]"), ("[", ""),
                                              ("(", ""), ("", "]"), ("", ")"), ("[", "\n]")])
            inner = opener + inner + closer
        return inner

    def line(self) -> str:
        """A paragraph: maybe a label, then fragments; sometimes CC, a footnote or a field."""
        parts = [self.brackets() if self.rnd.random() < 0.3 else self.fragment()
                 for _ in range(self.rnd.randint(0, 14))]
        text = self.rnd.choice([" ", " ", "", "\n", "  \n"]).join(parts)
        kind = self.rnd.randrange(10)
        if kind < 3:
            label = self.rnd.choice([*NAMES, self.word(), self.brackets()])
            return f"{label}:{self.rnd.choice([' ', ' ', '', chr(9), chr(160)])}{text}"
        if kind == 3:
            return "CC: " + ", ".join(self.rnd.sample(NAMES, self.rnd.randint(0, 4)))
        if kind == 4:
            return f"[{self.rnd.randint(0, 12)}] {text}"
        if kind == 5:
            field = self.rnd.choice(["Time", "Place", "To", "From", "No.", "Sent", "Received"])
            return f"{field}: {text}"
        if kind == 6:
            return f"**{text}**"
        return text

    def export(self) -> str:
        """A source in the export layout; each part may be missing, repeated or odd."""
        rnd = self.rnd
        title = rnd.choice([self.line(), self.word(), rnd.choice(PHRASES), "Record of Talks"])
        lines = [rnd.choice(DATES)]
        if rnd.random() < 0.85:
            lines += ["", f"**{title}**" if rnd.random() < 0.8 else f"**{title}  \n{title}**"]
        blocks = [rnd.choice(BLOCKS) for _ in range(rnd.randint(0, 6))]
        if rnd.random() < 0.9:  # usually a Contents block, so that the body is reached
            blocks.append("Contents")
        for name in blocks:
            value = {
                "Citation": f'"{title}", October 14, 1958, Wilson Center Digital Archive, '
                            f"PRC FMA 109-02231-04, 12-15. Translated by {rnd.choice(NAMES)}. "
                            "<https://example.org/document/1>",
                "Original Language": rnd.choice(["Chinese", "Russian", "Klingon", ""]),
                "Contents": rnd.choice(CONTENTS),
            }.get(name, self.line())
            lines += ["", f"**{name}:**", "", value]
        for _ in range(rnd.randint(0, 16)):
            lines += [""] * rnd.choice([0, 1, 1, 1, 2]) + [self.line()]
        return rnd.choice(["\n", "\n", "\r\n", "\r"]).join(lines)


# --------------------------------------------------------------------------- the run

class Pipeline:
    """convert -> hardened re-parse -> verify -> validate -> html, for one source."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        validate = _optional("tei_edition.validate")
        self.validate = None if validate is None else (
            # one compiled schema for the whole run where the module offers it
            validate.Validator().validate if hasattr(validate, "Validator")
            else validate.validate_paths)
        render = _optional("tei_edition.render")
        self.render = render
        self.sheets = render.Stylesheets.load() if render else None

    def run_bytes(self, raw: bytes) -> None:
        try:
            text = decode(raw, "fuzz.txt").text
        except SourceError:
            return  # the documented error for bytes that are not text
        self.run(text, raw)

    def run(self, text: str, raw: bytes | None = None) -> None:
        try:
            _, data, diags = convert_text(text, "fuzz", "fuzz.txt", raw)
        except ReaderError as exc:
            assert exc.rule in ("no-title", "no-body"), exc.rule
            return
        assert all(d.severity in ("warning", "error", "info") for d in diags)
        tree = parse_bytes(data, "fuzz.xml")  # our own output passes our own hardened parser
        verify_text(text, tree, "fuzz.txt", "fuzz.xml")
        if self.validate is not None:
            path = self.tmp / "fuzz.xml"
            path.write_bytes(data)
            report = self.validate([path])
            assert report.exit_status in (0, 1), [d.format() for d in report.diagnostics]
        if self.render is not None:
            html = self.render.render_document(tree, self.sheets)
            etree.fromstring(html.split(b"\n", 1)[1], etree.HTMLParser())


def _optional(module: str) -> object | None:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:  # validate/render are being written alongside: fuzz what exists
        return None


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return Pipeline(tmp_path_factory.mktemp("fuzz"))


SEEDS = st.integers(0, 2**64 - 1)


def _source(seed: int) -> str:
    source = SourceMaker(random.Random(seed)).export()
    note(f"source: {source!r}")  # printed with a failure: the seed alone is not readable
    return source


@settings(FUZZ, max_examples=2200)
@given(seed=SEEDS)
def test_export_layout_never_crashes(pipeline: Pipeline, seed: int) -> None:
    pipeline.run_bytes(_source(seed).encode("utf-8"))


@settings(FUZZ, max_examples=300)
@given(seed=SEEDS, encoding=st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                             "cp1252", "latin-1", "cp1250", "cp1251",
                                             "gb18030"]))
def test_export_layout_in_any_encoding_never_crashes(pipeline: Pipeline, seed: int,
                                                     encoding: str) -> None:
    pipeline.run_bytes(_source(seed).encode(encoding, errors="replace"))


@settings(FUZZ, max_examples=300)
@given(text=st.text(st.one_of(st.characters(blacklist_categories=("Cs",)),
                              st.sampled_from([c for c in MARKUP if len(c) == 1])),
                    max_size=300))
def test_arbitrary_text_never_crashes(pipeline: Pipeline, text: str) -> None:
    pipeline.run_bytes(text.encode("utf-8"))
    header = "**1958**\n\n**Title**\n\n**Contents:**\n\nTranslation - English\n\n"
    pipeline.run_bytes((header + text).encode("utf-8"))  # the same text as a body


@settings(FUZZ, max_examples=300)
@given(raw=st.binary(max_size=800))
def test_arbitrary_bytes_never_crash(pipeline: Pipeline, raw: bytes) -> None:
    pipeline.run_bytes(raw)

"""Reading source transcriptions: encoding detection and line-ending normalisation.

Sources come from OCR engines, Windows editors and archive exports, so the bytes may be
UTF-8 (with or without a BOM), UTF-16, or a Windows/ISO single-byte code page. Detection
order: BOM, UTF-16 shape, NUL bytes (binary), strict UTF-8, then the single-byte code page
whose decoding looks most like text. Whatever cannot be decoded is an error that names the
file, the line and the byte offset; nothing is silently replaced.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from .diagnostics import Diagnostic

#: Largest source accepted. The longest archival export is well under 1 MB and the reader
#: converts some 0.2 MB of dense turns a second, so a larger file is almost certainly not a
#: transcription (a log, a dump, many documents pasted together) and would only keep the
#: run busy: it gets a one-line error at once instead.
MAX_SOURCE_BYTES = 2 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Single-byte code pages tried, most likely first (ties go to the earlier one).
#: Windows-1252 also reads Latin-1 text: they differ only in 0x80-0x9F, which Latin-1
#: text never uses (C1 control characters), so a separate Latin-1 candidate adds nothing;
#: for the same reason a decoding that yields C1 controls is rejected.
SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "iso8859_2")
#: Multi-byte encodings left to charset-normalizer when no single-byte code page fits.
_MULTI_BYTE = ["shift_jis", "gb18030", "euc_kr", "big5"]

# Characters XML 1.0 cannot carry; they are replaced and reported.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """Text with the characters XML 1.0 cannot carry replaced by U+FFFD, and their count."""
    return _XML_ILLEGAL.subn("\ufffd", text)


def plain_spaces(text: str) -> str:
    """No-break, thin and ideographic spaces as plain spaces, as the reader expects."""
    return _SPACES.sub(" ", text)


def normalize_text(text: str) -> tuple[str, int]:
    """LF line ends and XML-safe characters, as the reader expects (and the count of
    replaced characters): for text that did not come through `decode`."""
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))
_C1 = re.compile("[\x80-\x9f]")
# A UTF-16 surrogate (U+D800-U+DFFF) in UTF-8 form: never text, though CESU-8 writes it.
_UTF8_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
_SPACES = re.compile("[\u00a0\u2007\u202f\u2009\u200a\u3000]")
# Word-internal characters that are not letters but occur in real words.
_WORD_JOINERS = frozenset("'’-‐‑.&/")
_ALPHABETS = frozenset({"LATIN", "CYRILLIC", "GREEK"})


@dataclass
class SourceError(Exception):
    """A source that cannot be read as text (line 0: the file as a whole)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def diagnostic(self, shown: str | None = None) -> Diagnostic:
        """The error as a diagnostic: `io` for the file as a whole, `encoding` at a byte."""
        rule = "io" if self.line == 0 else "encoding"
        return Diagnostic(shown or self.path, self.line, self.col, "error", rule, self.message)


@dataclass
class SourceText:
    """Decoded, normalised source text."""

    text: str
    encoding: str
    replaced_controls: int = 0


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte NUL in Latin-script text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) / 2)
    odd_nuls = data[1::2].count(0) / (len(data) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and byte column (1-based) of a byte offset; CRLF, CR and LF all end a line."""
    head = data[:offset]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    return line, offset - start + 1


def _undecodable(path: str, data: bytes, offset: int, what: str) -> SourceError:
    line, col = _position(data, offset)
    return SourceError(path, line, col, f"byte 0x{data[offset]:02x} at byte offset {offset} "
                                        f"{what}")


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER E" -> LATIN)."""
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def _alphabetic(ch: str) -> bool:
    """True for one Latin, Cyrillic or Greek letter (East Asian text has signs between
    its characters without spaces, so only these alphabets say anything)."""
    return ch.isalpha() and _script(ch) in _ALPHABETS


def _odd_word(word: str) -> bool:
    """True for a word that a wrong code page typically produces ("Za¿ó³æ", "Ïðèâåò", "Cafй").

    Only the comparison between code pages matters: a sign that is odd in every reading
    ("25°C") counts against each of them alike.
    """
    core = word.strip("".join(c for c in set(word) if unicodedata.category(c)[0] == "P"))
    for i, c in enumerate(core):
        if c.isalpha() or c.isdecimal() or c in _WORD_JOINERS or unicodedata.category(c) == "Mn":
            continue
        if _alphabetic(core[i - 1:i]) or _alphabetic(core[i + 1:i + 2]):
            return True  # a sign or superscript touching a letter: "Za¿ó³æ", "gêœl¹"
    letters = [c for c in core if c.isalpha()]
    if len({_script(c) for c in letters} & _ALPHABETS) > 1:
        return True  # Latin and Cyrillic mixed: "naпve"
    if len(letters) >= 3 and all(ord(c) > 0x7F for c in letters) and _script(letters[0]) == "LATIN":
        return True  # a Latin word without one ASCII letter: Cyrillic read as Latin
    # a capital after a small letter, the capital not ASCII: "jaŸñ"
    return any(a.islower() and b.isupper() and ord(b) > 0x7F for a, b in pairwise(core))


def _oddness(text: str) -> int:
    """How many distinct words with non-ASCII characters look like mis-decoded text."""
    return sum(map(_odd_word, {w for w in set(text.split()) if not w.isascii()}))


def _single_byte(data: bytes) -> tuple[str, int, int] | None:
    """The best single-byte code page, its odd words and all non-ASCII words; None if none fits."""
    # Distinct words only: a long file repeats its names, and each is judged once.
    words = {w for w in set(data.split()) if not w.isascii()}
    best: tuple[str, int, int] | None = None
    for enc in SINGLE_BYTE:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue  # a byte this code page leaves undefined
        if _C1.search(text):
            continue
        odd = sum(_odd_word(w.decode(enc)) for w in words)
        if best is None or odd < best[1]:
            best = (enc, odd, len(words))
    return best


def _multi_byte(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's choice among the East Asian encodings and its text, if any fits."""
    from charset_normalizer import from_bytes

    found = from_bytes(data, cp_isolation=_MULTI_BYTE).best()
    if found is None:
        return None
    try:
        return found.encoding, data.decode(found.encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def detect_encoding(data: bytes, path: str) -> str:
    """Choose an encoding: BOM, UTF-16 shape, strict UTF-8, then the likeliest code page."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        raise SourceError(path, line, col, "this is a binary file (it holds NUL bytes), not a "
                                           "text transcription")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    lenient = data.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    if len(lenient) - len(lenient.encode("ascii", "ignore")) - damaged > damaged:
        # Mostly valid UTF-8: a damaged UTF-8 file, not another encoding. Reading it as a
        # code page would garble every correct character, so say where the damage is.
        raise _undecodable(path, data, bad, "is not valid UTF-8 (the rest of the file is); "
                                            "repair it, or give the encoding with --encoding")
    surrogate = _UTF8_SURROGATE.search(data)
    if surrogate is not None:
        raise _undecodable(path, data, surrogate.start(),
                           "starts a UTF-16 surrogate encoded as UTF-8 (CESU-8 or a broken "
                           "conversion), which is not text; repair it, or give the encoding "
                           "with --encoding")
    enc = _code_page(data, path, bad)
    misread = _misread_utf8_word(data, enc)
    if misread is not None:
        # Some words are valid UTF-8 and read naturally only as UTF-8 ("Café"), while the
        # code page would garble them ("CafÃ©"): a UTF-8 file with damaged parts, not a
        # code-page file. Neither reading is right for the whole file, so say where.
        raise _undecodable(path, data, bad, f"is not valid UTF-8, but other parts of the file "
                                            f"are (line {misread[0]}: {misread[1]!r}); repair "
                                            "it, or give the encoding with --encoding")
    return enc


def _code_page(data: bytes, path: str, bad: int) -> str:
    """The single- or multi-byte encoding that reads non-UTF-8 bytes most like text."""
    single = _single_byte(data)
    if single is not None and single[1] * 2 <= single[2]:
        return single[0]
    multi = _multi_byte(data)
    if multi is not None and (single is None or _oddness(multi[1]) < single[1]):
        return multi[0]
    if single is not None:
        return single[0]
    raise _undecodable(path, data, bad, "is not UTF-8 and no other encoding fits; give the "
                                        "encoding with --encoding")


def _misread_utf8_word(data: bytes, enc: str) -> tuple[int, str] | None:
    """The first non-ASCII word (line, text) that is valid UTF-8 and reads as a natural word
    in UTF-8 but as an odd one in `enc`; None when there is none."""
    for number, line in enumerate(data.splitlines(), 1):
        for word in line.split():
            if word.isascii():
                continue
            try:
                as_utf8 = word.decode("utf-8")
            except UnicodeDecodeError:
                continue
            as_code_page = word.decode(enc, errors="replace")
            if not _odd_word(as_utf8) and _odd_word(as_code_page):
                return number, as_utf8
    return None


def _too_large(path: str, size: int) -> SourceError:
    return SourceError(path, 0, 0, f"file is {size / 2**20:.1f} MB; sources over "
                                   f"{MAX_SOURCE_BYTES // 2**20} MB are refused (an archival "
                                   "export is well under 1 MB: is this the right file?)")


def decode(data: bytes, path: str, encoding: str | None = None) -> SourceText:
    """Decode source bytes to normalised text (LF line ends, plain spaces)."""
    if len(data) > MAX_SOURCE_BYTES:
        raise _too_large(path, len(data))
    enc = encoding or detect_encoding(data, path)
    try:
        text = data.decode(enc)
    except LookupError:
        raise SourceError(path, 0, 0, f"unknown encoding {enc!r} (try utf-8, utf-16, cp1252, "
                                      "latin-1)") from None
    except UnicodeDecodeError as exc:
        raise _undecodable(path, data, exc.start, f"cannot be decoded as {enc}") from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    spaced = plain_spaces(text)
    text, replaced = _XML_ILLEGAL.subn("\ufffd", spaced)
    if replaced > 16 and replaced * 20 > len(text):
        # Text has a stray form feed or two; a file that is 5% control characters is not text.
        controls = _XML_ILLEGAL.search(spaced)
        assert controls is not None
        line = text.count("\n", 0, controls.start()) + 1
        col = controls.start() - text.rfind("\n", 0, controls.start())
        raise SourceError(path, line, col, "this is a binary file (it is full of control "
                                           "characters), not a text transcription")
    return SourceText(text, enc, replaced)


def read_source_bytes(path: str | Path, limit: int = MAX_SOURCE_BYTES,
                      too_large: Callable[[str, int], Exception] | None = None) -> bytes:
    """The bytes of a source file: a regular file of at most `limit` bytes, read no
    further than that even if it grows meanwhile (SourceError otherwise; `too_large` makes
    the error for a file over the limit, a Word package's own)."""
    # strings, not a Path: a build reads thousands of sources, and a Path interns the
    # name of each in a table that stays as large as it grew
    name = os.fspath(path)
    too_large = too_large or _too_large
    try:
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise SourceError(name, 0, 0, "is a folder, not a source file")
        if not stat.S_ISREG(st.st_mode):
            # a pipe or a device (/dev/zero) would block or never end
            raise SourceError(name, 0, 0, "not a regular file")
        if st.st_size > limit:
            raise too_large(name, st.st_size)
        with open(name, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise SourceError(name, 0, 0, exc.strerror or str(exc)) from None
    if len(data) > limit:  # it grew past the limit after the stat
        raise too_large(name, len(data))
    return data


def read_source(path: str | Path, encoding: str | None = None) -> tuple[bytes, SourceText]:
    """Read a source file; returns the raw bytes (for the digest) and the decoded text."""
    data = read_source_bytes(path)
    return data, decode(data, str(path), encoding)

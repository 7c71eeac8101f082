"""Reading source transcriptions: encoding detection and line-ending normalisation."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

#: Largest source accepted; the longest real export is well under 1 MB.
MAX_SOURCE_BYTES = 64 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Characters XML 1.0 cannot carry; they are replaced and reported.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile("[\u00a0\u2007\u202f\u2009\u200a\u3000]")


@dataclass
class SourceError(Exception):
    """A source that cannot be read as text."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


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
    """Line and column (1-based) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def detect_encoding(data: bytes, path: str) -> str:
    """Choose an encoding: BOM, then UTF-16 shape, then strict UTF-8, then a detector."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        raise SourceError(path, line, col, "this is a binary file, not a text transcription")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "cp1250", "iso8859_2",
                                          "cp1251", "koi8_r", "shift_jis", "gb18030",
                                          "euc_kr", "big5"]).best()
    if best is None:
        line, col = _position(data, bad)
        raise SourceError(path, line, col,
                          f"byte 0x{data[bad]:02x} at offset {bad} is not UTF-8 and no other "
                          "encoding fits; give one with --encoding")
    # Windows-1252 is a superset of Latin-1 for printable text and is what Western Windows
    # editors write, so it is preferred when the detector says Latin-1.
    return "cp1252" if best.encoding in ("latin_1", "iso8859_1") else best.encoding


def decode(data: bytes, path: str, encoding: str | None = None) -> SourceText:
    """Decode source bytes to normalised text (LF line ends, plain spaces)."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(path, 0, 0, f"file is larger than {MAX_SOURCE_BYTES // 2**20} MB")
    enc = encoding or detect_encoding(data, path)
    try:
        text = data.decode(enc)
    except LookupError:
        raise SourceError(path, 0, 0, f"unknown encoding {enc!r}") from None
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise SourceError(path, line, col,
                          f"byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be "
                          f"decoded as {enc}") from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text, replaced = _XML_ILLEGAL.subn("\ufffd", text)
    return SourceText(text, enc, replaced)


def read_source(path: str | Path, encoding: str | None = None) -> tuple[bytes, SourceText]:
    """Read a source file; returns the raw bytes (for the digest) and the decoded text."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_SOURCE_BYTES:
            raise SourceError(str(p), 0, 0, f"file is larger than {MAX_SOURCE_BYTES // 2**20} MB")
        data = p.read_bytes()
    except OSError as exc:
        raise SourceError(str(p), 0, 0, exc.strerror or str(exc)) from None
    return data, decode(data, str(p), encoding)

"""Finding and normalising the dates written in archival documents."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for m in names
}
ROMAN_MONTHS = {r: i for i, r in enumerate(
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"], start=1)}

_MONTH = (r"(?P<month>January|February|March|April|May|June|July|August|September|October"
          r"|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?"
          r"|Oct\.?|Nov\.?|Dec\.?)")
_YEAR = r"(?P<year>\d{4})(?!\w)"
_TIME = (r"(?:(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:\s*(?P<ampm>[ap])\.?\s?m\.?)?"
         r"|(?P<hh>\d{1,2})\s*(?P<ampm2>[ap])\.?\s?m\.?)")
_RANGE = (r"(?<![\w:.])(?P<h1>\d{1,2})[:.](?P<m1>\d{2})\s*(?P<ap1>[ap]\.?\s?m\.?)?\s*[–—-]\s*"
          r"(?P<h2>\d{1,2})[:.](?P<m2>\d{2})\s*(?P<ap2>[ap])\.?\s?m\.?")

# A time range after the date: "Dec. 2, 1972 14:00-16:35", "18 November 1959 from 10:00 to
# 11:15", "March 3, 1973, 3:05–6:20 p.m." (a.m./p.m. may be missing: a 24-hour clock).
_RANGE_AFTER = (r",?\s+(?:from\s+)?(?P<h1>\d{1,2})[:.](?P<m1>\d{2})\s*(?P<ap1>[ap]\.?\s?m\.?)?\s*"
                r"(?:[–—-]|to|until|till)\s*(?P<h2>\d{1,2})[:.](?P<m2>\d{2})"
                r"(?:\s*(?P<ap2>[ap])\.?\s?m\.?)?(?![\w:])")

# Ordered: the longest, most specific forms first.
_PATTERNS = [
    ("range_dmy", re.compile(_RANGE + r",?\s+(?P<day>\d{1,2})\s+" + _MONTH + r"\s+" + _YEAR, re.I)),
    ("dmy_range", re.compile(r"(?<!\w)(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+" + _YEAR
                             + _RANGE_AFTER, re.I)),
    ("mdy_range", re.compile(r"(?<!\w)" + _MONTH + r"\s+(?P<day>\d{1,2}),?\s+" + _YEAR
                             + _RANGE_AFTER, re.I)),
    ("time_dmy", re.compile(
        r"(?<![\w:.])" + _TIME + r",?\s+(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+" + _YEAR, re.I)),
    ("dmy_time", re.compile(
        r"(?<!\w)(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+" + _YEAR + r",?\s+(?:at\s+)?" + _TIME,
        re.I)),
    ("dmy", re.compile(r"(?<!\w)(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH
                       + r",?\s+" + _YEAR, re.I)),
    ("mdy", re.compile(r"(?<!\w)" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR,
                       re.I)),
    ("my", re.compile(r"(?<![\d\w])" + _MONTH + r",?\s+" + _YEAR, re.I)),
    ("roman", re.compile(
        r"(?<![\w.])(?P<day>\d{1,2})[.\s](?P<rmonth>XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
        r"[.\s](?P<year>\d{2}|\d{4})(?:[\s/]+" + _TIME + r")?(?![\w])")),
    ("numeric", re.compile(
        r"(?<![\w.])(?P<day>\d{1,2})\.(?P<nmonth>\d{1,2})\.(?P<year>\d{4})(?:\s*/\s*|\s+)?"
        r"(?:" + _TIME + r")?(?![\w])")),
]


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: its span and its ISO value(s)."""

    start: int
    end: int
    when: str | None = None
    from_: str | None = None
    to: str | None = None


def _hour(h: str, ampm: str | None) -> int:
    hour = int(h)
    if ampm and ampm[0].lower() == "p" and hour < 12:
        hour += 12
    if ampm and ampm[0].lower() == "a" and hour == 12:
        hour = 0
    return hour


def _year(text: str, century_hint: int | None) -> int:
    if len(text) == 4:
        return int(text)
    century = century_hint if century_hint is not None else 1900
    return century + int(text)


def _valid(y: int, m: int, d: int | None = None) -> bool:
    if not (1 <= m <= 12 and 1000 <= y <= 2999):
        return False
    return d is None or 1 <= d <= calendar.monthrange(y, m)[1]


def _iso(y: int, m: int | None = None, d: int | None = None,
         hh: int | None = None, mm: int | None = None) -> str:
    out = f"{y:04d}"
    if m is not None:
        out += f"-{m:02d}"
        if d is not None:
            out += f"-{d:02d}"
            if hh is not None and mm is not None:
                out += f"T{hh:02d}:{mm:02d}:00"
    return out


def _convert(kind: str, g: dict[str, str | None], century: int | None) -> DateMatch | None:
    month = g.get("month")
    m = MONTHS.get(month.lower().rstrip(".")) if month else None
    if g.get("rmonth"):
        m = ROMAN_MONTHS[g["rmonth"]]
    if g.get("nmonth"):
        m = int(g["nmonth"])
    y = _year(g["year"], century) if g.get("year") else None
    d = int(g["day"]) if g.get("day") else None
    if y is None or m is None or not _valid(y, m, d):
        return None
    if kind in ("range_dmy", "dmy_range", "mdy_range"):
        # "11:30–1:00 p.m.": the p.m. of the end does not make the start 23:30.
        same_half = int(g["h1"]) % 12 <= int(g["h2"]) % 12
        h1 = _hour(g["h1"], g.get("ap1") or (g.get("ap2") if same_half else "a"))
        h2 = _hour(g["h2"], g.get("ap2"))
        if not (h1 < 24 and h2 < 24 and int(g["m1"]) < 60 and int(g["m2"]) < 60):
            return DateMatch(0, 0, _iso(y, m, d))
        return DateMatch(0, 0, None, _iso(y, m, d, h1, int(g["m1"])), _iso(y, m, d, h2, int(g["m2"])))
    if g.get("hh"):  # "9 a.m.": a whole hour
        g = {**g, "h": g["hh"], "mi": "00", "ampm": g.get("ampm2")}
    if g.get("h") and g.get("mi"):
        hh, mm = _hour(g["h"], g.get("ampm")), int(g["mi"])
        if hh < 24 and mm < 60:
            return DateMatch(0, 0, _iso(y, m, d, hh, mm))
    return DateMatch(0, 0, _iso(y, m, d))


# Every date has a digit, and the first six forms a month name: texts without them are not
# scanned by those patterns (most paragraphs have neither).
_DIGIT = re.compile(r"\d")
_MONTH_NAME = re.compile(_MONTH, re.I)
_NAMED_MONTH_KINDS = frozenset({"range_dmy", "dmy_range", "mdy_range", "time_dmy", "dmy_time",
                                "dmy", "mdy", "my"})


def find_dates(text: str, century: int | None = None) -> list[DateMatch]:
    """All non-overlapping dates in `text`, most specific pattern first."""
    if not _DIGIT.search(text):
        return []
    named_month = _MONTH_NAME.search(text) is not None
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        if not named_month and kind in _NAMED_MONTH_KINDS:
            continue
        for mt in pattern.finditer(text):
            if any(mt.start() < e and s < mt.end() for s, e in taken):
                continue
            conv = _convert(kind, mt.groupdict(), century)
            if conv is None:
                continue
            found.append(DateMatch(mt.start(), mt.end(), conv.when, conv.from_, conv.to))
            taken.append((mt.start(), mt.end()))
    return sorted(found, key=lambda d: d.start)


def parse_catalogue_date(text: str) -> str | None:
    """The catalogue date line: "April 21, 1962", "July 1965" or "1955"."""
    text = text.strip()
    dates = find_dates(text)
    if dates:
        d = dates[0]
        return d.when or d.from_
    mt = re.fullmatch(r"(?:c(?:irca|a)?\.?\s*)?(\d{4})", text)
    return mt.group(1) if mt else None

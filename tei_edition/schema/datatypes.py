"""The XML Schema datatypes the project's grammar uses, checked in Python, described in words.

Used only to explain a value libxml2 or jing rejected; a type not listed here is taken as
valid (so the explanation falls back to the validator's own message).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from .grammar import ValueRule

_TZ = r"(Z|[+-]\d\d:\d\d)?"
_NCNAME = r"[^\W\d][\w.\-]*"


def _calendar(value: str) -> bool:
    """True when the YYYY-MM-DD part (and the time, if any) names a real day and time."""
    m = re.match(r"-?(\d{4,})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d))?", value)
    if m is None:
        return False
    year, month, day = (int(x) for x in m.group(1, 2, 3))
    try:
        dt.date(min(year, 9999) or 1, month, day)
        if m.group(4) is not None:
            dt.time(*(int(x) for x in m.group(4, 5, 6)))
    except ValueError:
        return False
    return True


def _regex(pattern: str, extra: Callable[[str], bool] | None = None) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda v: compiled.fullmatch(v) is not None and (extra is None or extra(v))


#: Checks for the XSD types, applied to the whitespace-collapsed value.
CHECKS: dict[str, Callable[[str], bool]] = {
    "gYear": _regex(rf"-?\d{{4,}}{_TZ}"),
    "gYearMonth": _regex(rf"-?\d{{4,}}-(0[1-9]|1[0-2]){_TZ}"),
    "date": _regex(rf"-?\d{{4,}}-\d\d-\d\d{_TZ}", _calendar),
    "dateTime": _regex(rf"-?\d{{4,}}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?{_TZ}", _calendar),
    "time": _regex(rf"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?{_TZ}"),
    "gMonth": _regex(rf"--(0[1-9]|1[0-2]){_TZ}"),
    "gDay": _regex(rf"---(0[1-9]|[12]\d|3[01]){_TZ}"),
    "gMonthDay": _regex(rf"--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}"),
    "ID": _regex(_NCNAME),
    "IDREF": _regex(_NCNAME),
    "NCName": _regex(_NCNAME),
    "Name": _regex(r"[^\W\d][\w.\-:]*"),
    "language": _regex(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*"),
    "positiveInteger": _regex(r"\+?0*[1-9]\d*"),
    "nonNegativeInteger": _regex(r"\+?\d+"),
    "integer": _regex(r"[+-]?\d+"),
    "decimal": _regex(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "double": _regex(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN"),
    "boolean": _regex(r"true|false|1|0"),
}

#: What each type expects, in words.
WORDS: dict[str, str] = {
    "gYear": "a year (YYYY)",
    "gYearMonth": "a month (YYYY-MM)",
    "date": "a day (YYYY-MM-DD)",
    "dateTime": "a day and time (YYYY-MM-DDThh:mm:ss)",
    "time": "a time (hh:mm:ss)",
    "gMonth": "a month of any year (--MM)",
    "gDay": "a day of any month (---DD)",
    "gMonthDay": "a day of any year (--MM-DD)",
    "ID": "an identifier (a letter or _ first, then letters, digits, '-', '_' or '.'; no spaces)",
    "IDREF": "an identifier",
    "NCName": "a name without spaces or colons",
    "Name": "a name without spaces",
    "language": "a language code (BCP 47: 'en', 'zh', 'ko', 'de-AT')",
    "positiveInteger": "a whole number of 1 or more",
    "nonNegativeInteger": "a whole number of 0 or more",
    "integer": "a whole number",
    "decimal": "a number",
    "double": "a number",
    "boolean": "true or false",
    "anyURI": "a URI",
    "token": "a short text (a number or label as written)",
    "string": "text",
}


def _pattern_ok(rule: ValueRule, value: str) -> bool:
    if not rule.pattern:
        return True
    try:  # XSD regexes are anchored; Python's re lacks \p{..}: then trust the validator
        return re.fullmatch(rule.pattern, value) is not None
    except re.error:
        return True


def accepts(rule: ValueRule, value: str) -> bool:
    """True when `value` has this form (unknown datatypes accept everything)."""
    norm = " ".join(value.split())
    if rule.literal is not None:
        return norm == rule.literal
    if rule.datatype == "list":
        tokens = norm.split()
        return bool(tokens) and all(any_accepts(rule.items, t) for t in tokens)
    check = CHECKS.get(rule.datatype)
    text = norm if rule.datatype not in ("string", "") else value
    return (check is None or check(text)) and _pattern_ok(rule, text)


def any_accepts(rules: Sequence[ValueRule], value: str) -> bool:
    """True when one of the forms accepts `value` (no forms: any text)."""
    return not rules or any(accepts(r, value) for r in rules)


def describe(rules: Sequence[ValueRule]) -> str:
    """The accepted forms in words: 'one of: redacted, illegible', 'a day (YYYY-MM-DD)' ..."""
    literals = [r.literal for r in rules if r.literal is not None]
    others = [r for r in rules if r.literal is None]
    parts: list[str] = []
    if literals:
        parts.append(f"one of: {', '.join(literals)}" if len(literals) > 1 else f'"{literals[0]}"')
    docs = list(dict.fromkeys(r.doc for r in others if r.doc))
    if docs:
        parts += [_first_sentence(d) for d in docs]
    else:
        for r in others:
            if r.datatype == "list":
                parts.append("one or more, separated by spaces, of: " + describe(r.items))
            else:
                words = WORDS.get(r.datatype, r.datatype)
                if r.pattern == r"#\S+":
                    words = "a pointer '#id' to an xml:id in this file"
                parts.append(words)
    return " or ".join(dict.fromkeys(parts)) or "a value"


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    head = text.split(". ")[0].rstrip(".")
    word = head.split()[0] if head.split() else ""
    acronym = len(word) > 1 and word.isupper()
    return head if acronym or not head else head[0].lower() + head[1:]

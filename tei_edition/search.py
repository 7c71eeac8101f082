"""Full-text search of the HTML edition, static and offline: `site/search.html` and `site/search/`.

The index is a set of JavaScript files that the search page loads with `<script>` elements,
the one way a page opened from `file://` may read other files (browsers refuse fetch(),
XMLHttpRequest, modules and workers there; Pagefind, tried first, needs all four, and took
twice as long as the whole HTML stage to index 1,000 documents). The same files work from
any static host.

- `search/docs.js`: the documents (name, title, date, page) and the list of term shards;
- `search/terms-X.js`: for every document, its terms starting with X and their counts (the
  page turns them into a term -> documents map when it loads the file);
- `search/docs/NAME.js`: the passages of one document (turns and paragraphs with the page
  id each links to), loaded for the best documents of a search to show the passage;
- `search/persons.js`: the persons register, so that a name leads to the person's page.

Each document's record (`record()`) is made where the document is rendered and cached; a
build rewrites a document's passage file only when it changed, and a shard only when one of
its terms changed.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from urllib.parse import quote

from lxml import etree

from .persons import Person, site_page
from .render import MAIN_TITLE, SORT_DATE, XSLT_DIR, Stylesheets, passage_anchors

SEARCH_DIR = "search"
SEARCH_PAGE = "search.html"
SCRIPT_NAME = "search.js"  # shipped beside edition.css in tei_edition/xslt/
_TOKEN = re.compile(r"[^\W_]+")
_MAX_TERM = 40
_MARKS = re.compile("([\ue000\ue002])")


def normalise(text: str) -> str:
    """Text as the index compares it: no accents, lower case (search.js does the same)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    """The words of a text as index terms. Words are cut first and only those with a
    character outside ASCII are normalised: per character, that is the expensive part."""
    words = _TOKEN.findall(text.lower())
    if not text.isascii():
        words = [w if w.isascii() else normalise(w) for w in words]
    return [w[:_MAX_TERM] for w in words]


# Bytes of ASCII punctuation and spaces become spaces; letters, digits and every byte of a
# UTF-8 sequence are kept: one C-level pass cuts the words of a whole document.
_KEEP = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789") | frozenset(range(128, 256))
_CUT = bytes(c if c in _KEEP else 32 for c in range(256))


def term_counts(text: str) -> Counter[str]:
    """How often each index term occurs in `text` (the same terms as tokens(), faster: only
    the distinct words with a character outside ASCII go through the regular expression)."""
    counts = Counter(text.lower().encode().translate(_CUT).decode().split())
    # Found by C-level filters: a loop over every distinct word costs more than the rest.
    odd = list(itertools.filterfalse(str.isascii, counts))
    if max(map(len, counts), default=0) > _MAX_TERM:
        odd += [w for w in counts if len(w) > _MAX_TERM and w.isascii()]
    for word in odd:
        n = counts.pop(word)
        for term in tokens(word):
            counts[term] += n
    return counts


def record(root: etree._Element, doc: str, sheets: Stylesheets,
           anchors: list[tuple[etree._Element, str]] | None = None) -> dict:
    """One document for the index (JSON-serialisable): title, date, page, passages
    ([page id, label, text]) and the count of every term. `anchors`: passage_anchors(root)."""
    anchors = passage_anchors(root) if anchors is None else anchors
    passages: list[list[str]] = []
    other: list[str] = []
    # The text comes from passages.xsl: U+E000 opens the next passage of `anchors`, U+E002
    # closes it, U+E001 ends a speaker label.
    pieces = _MARKS.split(str(sheets.passages(root.getroottree())))
    opened = 0
    for mark, piece in zip(["\ue002", *pieces[1::2]], pieces[::2], strict=True):
        if mark == "\ue000" and opened < len(anchors):
            label, _, body = piece.partition("\ue001") if "\ue001" in piece else ("", "", piece)
            passages.append([anchors[opened][1], " ".join(label.split()), " ".join(body.split())])
            opened += 1
        elif piece.strip():
            other.append(" ".join(piece.split()))
    passages = [p for p in passages if p[2]]
    if other:
        passages.append(["", "", " ".join(other)])
    title = MAIN_TITLE(root) or doc
    counts = term_counts(" ".join(f"{label} {body}" for _, label, body in passages))
    # The title counts as much as a passage that repeats each of its words five times.
    counts.update({t: 5 for t in tokens(title)})
    # Sorted terms and their counts as two strings: far cheaper to cache as JSON than a
    # mapping, and each shard's terms are one slice of them (see index_files).
    terms = sorted(counts)
    return {"doc": doc, "href": quote(f"{doc}.html"), "title": title, "date": SORT_DATE(root),
            "passages": passages, "terms": " ".join(terms),
            "counts": " ".join([str(counts[t]) for t in terms])}


# (shard, first term of its range, first term after it); "_" holds what sorts after "z".
_SHARD_RANGES = [("0", "0", ":"), *((c, c, chr(ord(c) + 1)) for c in "abcdefghijklmnopqrstuvwxyz"),
                 ("_", "{", "")]


def shard_of(term: str) -> str:
    """The file a term lives in: its first letter a-z, '0' for digits, '_' for the rest."""
    c = term[0]
    return c if "a" <= c <= "z" else "0" if "0" <= c <= "9" else "_"


def _js(call: str, *args: object) -> bytes:
    # ensure_ascii: no U+2028/U+2029 (line ends in older JavaScript), no encoding questions.
    return f"teSearch.{call}({', '.join(json.dumps(a, separators=(',', ':')) for a in args)});\n".encode()


def doc_file(rec: dict) -> bytes:
    """`search/docs/NAME.js`: the passages of one document."""
    return _js("passages", rec["doc"], rec["passages"])


def index_files(records: list[dict], people: Iterable[Person]) -> dict[str, bytes]:
    """The site-wide files (paths relative to `search/`): documents, shards, persons."""
    records = sorted(records, key=lambda r: r["doc"])
    shards: dict[str, list[list]] = {}
    for i, rec in enumerate(records):
        terms, counts = rec["terms"].split(), rec["counts"].split()
        # Terms are sorted and a shard is a range of first characters: one bisection a shard.
        for key, low, high in _SHARD_RANGES:
            a, b = bisect_left(terms, low), bisect_left(terms, high) if high else len(terms)
            if a < b:
                shards.setdefault(key, []).append([i, " ".join(terms[a:b]), " ".join(counts[a:b])])
    docs = [[r["doc"], r["title"], r["date"], r["href"]] for r in records]
    files = {"docs.js": _js("documents", docs, sorted(shards))}
    for key, rows in shards.items():
        files[f"terms-{key}.js"] = _js("terms", key, rows)
    files["persons.js"] = _js("persons", [
        [p.name, p.forms, f"persons/{p.href}", len({rec['doc'] for rec, _ in p.rows})]
        for p in people])
    return files


def search_page(css: str) -> bytes:
    """`search.html`: the form, the results, and without JavaScript a way on."""
    body = (
        "<h1>Search</h1>"
        f"<form class=\"search-form\" role=\"search\" action=\"{SEARCH_PAGE}\" method=\"get\">"
        "<label for=\"q\">Words or names</label> "
        "<input type=\"search\" id=\"q\" name=\"q\" autocomplete=\"off\"> "
        "<button type=\"submit\">Search</button></form>"
        "<noscript><p class=\"noscript\">Searching needs JavaScript. Every document is listed in "
        "<a href=\"index.html\">the index</a> and every person in "
        "<a href=\"persons/index.html\">the persons register</a>.</p></noscript>"
        "<p id=\"status\" class=\"search-status\" role=\"status\" aria-live=\"polite\"></p>"
        "<section id=\"person-results\" class=\"person-results\" aria-label=\"Persons\" hidden>"
        "<h2>Persons</h2><ul></ul></section>"
        "<ol id=\"results\" class=\"results\"></ol>"
    )
    return site_page("Search", body, css, prefix="", body_class="page-search",
                     scripts=[f"{SEARCH_DIR}/{SCRIPT_NAME}",
                              f"{SEARCH_DIR}/docs.js", f"{SEARCH_DIR}/persons.js"])


def script() -> bytes:
    """The search page's script (static)."""
    return (XSLT_DIR / SCRIPT_NAME).read_bytes()

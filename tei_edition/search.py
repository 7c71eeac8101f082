"""Full-text search of the HTML edition, static and offline: `site/search.html` and `site/search/`.

Searching is MiniSearch's (tei_edition/xslt/vendor/, MIT): tokens, prefix and fuzzy matching,
BM25 ranking. The build writes MiniSearch's serialised index (what `MiniSearch.loadJS`
accepts, serialisation version 2) in parts, so the browser never indexes a document: it only
joins the parts a query needs and hands them to `loadJS`. The terms come a row a document
(terms and counts as the store keeps them: a file is a join of stored rows, not a turn of
every posting in Python); the page turns them into MiniSearch's entries with a few splits
a row. Every file is a script that
passes its JSON to a function of `teSearch`, for `<script>` is the one way a page opened from
`file://` may read other files (browsers refuse fetch(), modules and workers there, which is
why Pagefind cannot serve this edition). The same files work from any static host.

The index is cut two ways, so that a changed document rewrites little and a query loads little:

- by document: a stable hash of the document name puts each document in one of `BUCKETS`
  buckets; a changed document rewrites files of its own bucket only;
- by term: within a bucket, the terms starting with one letter (a-z, `0` for digits, `_` for
  the rest) are one file, and a query loads only the letters its words start with.

Files (paths relative to `search/`):

- `shards.js`: which buckets hold which letters, and the letters of `persons-L.js`;
- `bNN.js`: bucket NN's documents: MiniSearch's `documentIds`, `fieldLength` and
  `storedFields` (title, date, page), the sums of its field lengths, the number of documents;
- `bNN-L.js`: bucket NN's terms starting with L, with their counts, a row a document
  (the page turns the rows of the letters a query needs into MiniSearch's `index`);
- `docs/NAME.js`: the passages of one document (turns and paragraphs with the page id each
  links to), loaded for the best documents of a search to show and link the passage;
- `persons-L.js`: the persons a word of whose names starts with L (names, forms, page), which
  the page gives MiniSearch for the letters of a query.

A document's short id in MiniSearch is `position in its bucket (by name) * BUCKETS + bucket`:
unique across buckets, and the same whatever the order in which documents were built, so
that a site put together from shards equals a site built at once.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from lxml import etree

from .persons import site_page
from .render import MAIN_TITLE, SORT_DATE, XSLT_DIR, Stylesheets, passage_anchors

SEARCH_DIR = "search"
SEARCH_PAGE = "search.html"
SCRIPT_NAME = "search.js"  # shipped beside edition.css in tei_edition/xslt/
LIBRARY_NAME = "minisearch.js"  # tei_edition/xslt/vendor/, see its README.md
BUCKETS = 32
FIELDS = ("title", "text")  # MiniSearch fieldIds 0 and 1
SERIALIZATION_VERSION = 2
_TOKEN = re.compile(r"[^\W_]+")
_SPACES = re.compile("  +")  # runs of ASCII spaces (not " {2,}": three times slower)
_MAX_TERM = 40


def normalise(text: str) -> str:
    """Text as the index compares it: no accents, lower case (search.js does the same)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    """The words of a text as index terms (search.js's `tokenize`). Words are cut first and
    only those with a character outside ASCII are normalised: per character, that is the
    expensive part."""
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
    odd = [] if text.isascii() else list(itertools.filterfalse(str.isascii, counts))
    if max(map(len, counts), default=0) > _MAX_TERM:
        odd += [w for w in counts if len(w) > _MAX_TERM and w.isascii()]
    for word in odd:
        n = counts.pop(word)
        for term in tokens(word):
            counts[term] += n
    return counts


def bucket_of(doc: str) -> int:
    """The bucket of a document: a hash of its name, the same on every machine and run."""
    return zlib.crc32(doc.encode("utf-8")) % BUCKETS


# (letter, first term of its range, first term after it); "_" holds what sorts after "z".
_LETTERS = [("0", "0", ":"), *((c, c, chr(ord(c) + 1)) for c in "abcdefghijklmnopqrstuvwxyz"),
            ("_", "{", "")]
LETTERS = "".join(key for key, _, _ in _LETTERS)  # the letters of letter_of(), in order


def letter_of(term: str) -> str:
    """The file a term lives in: its first letter a-z, '0' for digits, '_' for the rest."""
    c = term[0]
    return c if "a" <= c <= "z" else "0" if "0" <= c <= "9" else "_"


_NUMERALS = tuple(map(str, range(1000)))


def _by_letter(counts: Counter[str]) -> dict[str, tuple[str, str]]:
    """Sorted terms and their counts, cut by letter: letter -> ("term term", "n n")."""
    terms = sorted(counts)
    try:  # most counts are small: their numerals are looked up, which costs less than str()
        numbers = [_NUMERALS[counts[term]] for term in terms]
    except IndexError:
        numbers = list(map(str, map(counts.__getitem__, terms)))
    out, a, n = {}, 0, len(terms)
    # Terms are sorted and the letters' ranges in order: from where the last one ended, a
    # bisection for each letter that has terms, none for the others.
    for key, low, high in _LETTERS:
        if a < n and terms[a] < low:  # (between ranges: no term is, see tokens())
            a = bisect_left(terms, low, a)
        if a == n:
            break
        if high and terms[a] >= high:
            continue
        b = bisect_left(terms, high, a) if high else n
        out[key] = (" ".join(terms[a:b]), " ".join(numbers[a:b]))
        a = b
    return out


def record(root: etree._Element, doc: str, sheets: Stylesheets,
           anchors: list[tuple[etree._Element, str]] | None = None) -> dict:
    """One document for the index: title, date, page; per field the number of distinct
    terms (MiniSearch's field length); by letter, the terms with their counts, a line a
    letter ("L" "title terms TAB title counts TAB text terms TAB text counts", see
    letter_lines()); the passage file (doc_file()).
    Strings, not nested lists: a build holds the records of every document it renders, and
    Python's garbage collector walks every list and dict it holds, again and again as they
    grow (at 1,000 documents that cost as much as making the records).
    `anchors`: passage_anchors(root)."""
    anchors = passage_anchors(root) if anchors is None else anchors
    found = passages(root, sheets, anchors)
    title = MAIN_TITLE(root) or doc
    fields = [term_counts(title), term_counts(text_of(found))]
    letters: dict[str, list[str]] = {}
    for i, counts in enumerate(fields):
        for key, pair in _by_letter(counts).items():
            letters.setdefault(key, ["", "", "", ""])[2 * i:2 * i + 2] = pair
    return {"doc": doc, "href": quote(f"{doc}.html"), "title": title, "date": SORT_DATE(root),
            "passages": doc_file(doc, found), "lengths": [len(c) for c in fields],
            "letters": "\n".join(key + "\t".join(data) for key, data in letters.items())}


def text_of(passages: list[list[str]]) -> str:
    """The text field of a document: every passage, speaker labels included."""
    return " ".join(f"{label} {body}" for _, label, body in passages)


def passages(root: etree._Element, sheets: Stylesheets,
             anchors: list[tuple[etree._Element, str]]) -> list[list[str]]:
    """The passages of a document: [page id, speaker label, text]; the text outside passages
    last, without id."""
    passages: list[list[str]] = []
    # The text comes from passages.xsl: U+E000 opens the next passage of `anchors`, U+E002
    # closes it, U+E001 ends a speaker label. Cut by str.split (a regular expression over
    # the whole text cost as much as the rest of this function).
    # Spaces come normalised but for runs of spaces (see passages.xsl), made one space here
    # in one C-level pass (replacing "  " until none is left took a pass a length of run and
    # cost three times as much).
    text = _SPACES.sub(" ", str(sheets.passages(root.getroottree())))
    first, *opened = text.split("\ue000")
    other = [first]
    for i, piece in enumerate(opened):
        inside, *after = piece.split("\ue002")  # more than one close: passages were nested
        if i < len(anchors):
            label, _, body = inside.partition("\ue001") if "\ue001" in inside else ("", "", inside)
            body = body.strip()
            if body:
                passages.append([anchors[i][1], label.strip(), body])
        else:
            other.append(inside)
        other += after
    rest = " ".join(filter(None, map(str.strip, other)))
    if rest:
        passages.append(["", "", rest])
    return passages


# ------------------------------------------------------------------ the index files

def js_call(call: str, *args: object) -> bytes:
    """`teSearch.CALL(JSON, …);` ensure_ascii: no U+2028/U+2029 (line ends in older
    JavaScript), no encoding questions."""
    return f"teSearch.{call}({', '.join(_json(a) for a in args)});\n".encode()


# One encoder for the run: json.dumps with any option makes a new one at every call, which
# cost as much as the encoding of a person's line.
_json = json.JSONEncoder(separators=(",", ":")).encode


def short_id(bucket: int, position: int) -> int:
    """MiniSearch's short id of the `position`th document (by name) of `bucket`."""
    return position * BUCKETS + bucket


def bucket_file(bucket: int, docs: list[dict]) -> bytes:
    """`bNN.js`: the documents of a bucket (`docs` sorted by name, each with doc, title,
    date, href, lengths), as the MiniSearch fields that describe documents."""
    ids, lengths, stored = {}, {}, {}
    sums = [0] * len(FIELDS)
    for position, d in enumerate(docs):
        key = str(short_id(bucket, position))
        ids[key], lengths[key] = d["doc"], d["lengths"]
        stored[key] = {"title": d["title"], "date": d["date"], "href": d["href"]}
        sums = [s + n for s, n in zip(sums, d["lengths"], strict=True)]
    return js_call("bucket", bucket, {"documentCount": len(docs), "documentIds": ids,
                                      "fieldLength": lengths, "storedFields": stored,
                                      "lengthSums": sums})


def letter_lines(letters: str) -> dict[str, str]:
    """A record's terms by letter (record()["letters"]): letter -> "title terms TAB title
    counts TAB text terms TAB text counts". (Terms are letters and digits, counts digits: a
    line a letter needs no escaping.)"""
    return {line[0]: line[1:] for line in letters.split("\n")} if letters else {}


def letter_line(letters: str, letter: str) -> str | None:
    """letter_lines(letters).get(letter), found without cutting every line (a run that
    rewrites a few files of a bucket reads the terms of all its documents)."""
    if letters.startswith(letter):
        start = 1
    else:
        start = letters.find("\n" + letter) + 2  # a line starts after a line end
        if start == 1:
            return None
    end = letters.find("\n", start)
    return letters[start:] if end < 0 else letters[start:end]


def letter_head(bucket: int, letter: str) -> str:
    """The start of `bNN-L.js`: bucket NN's terms starting with L, a row a document
    (letter_row(), comma-separated, by name), then LETTER_TAIL; search.js turns the rows into
    MiniSearch's `index` entries. A bucket without such terms has no such file."""
    return f'teSearch.terms({bucket},"{letter}",['


def letter_row(short: int, data: str) -> str:
    """One document's row of `bNN-L.js` from its short id and its terms of the letter as
    stored ("title terms TAB title counts TAB text terms TAB text counts"): `[short id, title
    terms, title counts, text terms, text counts]`."""
    # Terms are letters and digits (tokens()), counts digits: nothing to escape in ASCII.
    return (f'[{short},"{data.replace(TAB, QUOTED_TAB)}"]' if data.isascii()
            else _json([short, *data.split(TAB)]))


TAB, QUOTED_TAB = "\t", '","'
LETTER_TAIL = "]);\n"


def shards_file(letters: dict[int, str], persons: str) -> bytes:
    """`shards.js`: bucket -> the letters it has files for; the letters of persons-L.js."""
    return js_call("shards", {str(b): letters[b] for b in sorted(letters)}, persons)


def doc_file(doc: str, found: list[list[str]]) -> str:
    """`docs/NAME.js`: the passages of one document."""
    return f"teSearch.passages({_json(doc)}, {_json(found)});\n"


def person_item(name: str, forms: list[str], href: str, docs: int) -> str:
    """One person of `persons-L.js`: [name, other forms, page, number of documents]."""
    return _json([name, forms, href, docs])


def persons_file(letter: str, items: Iterable[str]) -> Iterator[str]:
    """`persons-L.js`, piece by piece: the persons a word of whose names starts with L, one
    person_item() each. The search page indexes the names of the letters a query needs with
    MiniSearch when it needs them: lists rewrite cheaply when one document changes (one item
    a person, kept by register.py), a serialised index would not, and names are a few words."""
    yield f"teSearch.persons({_json(letter)},["
    items, comma = iter(items), ""
    while chunk := ",".join(itertools.islice(items, 1000)):  # few writes, little memory
        yield comma + chunk
        comma = ","
    yield "]);\n"


def serialised(ids: dict, lengths: dict, stored: dict, sums: list[int], index: dict,
               fields: Iterable[str] = FIELDS) -> dict:
    """A complete MiniSearch index as `toJSON()` gives it (serialisation version 2)."""
    n = len(ids)
    return {"documentCount": n, "nextId": max(map(int, ids), default=-1) + 1,
            "documentIds": ids, "fieldIds": {f: i for i, f in enumerate(fields)},
            "fieldLength": lengths, "averageFieldLength": [s / n if n else 0 for s in sums],
            "storedFields": stored, "dirtCount": 0, "index": list(index.items()),
            "serializationVersion": SERIALIZATION_VERSION}


def page_scripts() -> list[str]:
    """The scripts of the search page, in order."""
    return [f"{SEARCH_DIR}/{LIBRARY_NAME}", f"{SEARCH_DIR}/{SCRIPT_NAME}",
            f"{SEARCH_DIR}/shards.js"]


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
                     scripts=page_scripts())


def static_files() -> Iterator[tuple[str, bytes]]:
    """The search page's scripts (paths relative to `search/`): MiniSearch and search.js.
    MiniSearch's source map is not shipped, so its reference goes."""
    library = (XSLT_DIR / "vendor" / LIBRARY_NAME).read_bytes()
    library = re.sub(rb"\n//# sourceMappingURL=\S+\s*$", b"\n", library)
    yield LIBRARY_NAME, library
    yield SCRIPT_NAME, (XSLT_DIR / SCRIPT_NAME).read_bytes()

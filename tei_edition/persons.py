"""The persons register of the HTML edition: `site/persons/index.html` and one page a person.

A person's identity across documents is the registry id (`tei-edition.toml` `[[person]]`,
carried in the TEI as the person's `xml:id`); a person outside the registry is known only in
its document (`DOC~ID`, see `render.person_key`). Everything is read from the TEI `particDesc`
and the turns of the text. Each document contributes one `appearances()` record, computed
where the document is rendered and cached, so a build that changes one document renders the
register from records and rewrites only the pages whose content changed.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple
from urllib.parse import quote

from lxml import etree

from .config import AUTHORITIES, KnownPerson
from .render import (
    MAIN_TITLE,
    NOT_HTML,
    PERSONS_DIR,
    SORT_DATE,
    TEI_NS,
    has_non_html,
    participants,
    passage_anchors,
    person_key,
    register_id,
)

_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_SP = f"{{{TEI_NS}}}sp"
# Children found by tag (lxml's C-level iteration): ElementPath (find, iterfind) is Python code
# and cost half of a document's appearances.
_PERSNAME, _ROLENAME, _HEAD = (f"{{{TEI_NS}}}{t}" for t in ("persName", "roleName", "head"))
_SKIP_IN_NAME = frozenset({f"{{{TEI_NS}}}{t}" for t in ("roleName", "note", "reg", "expan", "corr")})
_AUTHORITY_NAMES = {"wikidata": "Wikidata", "viaf": "VIAF", "gnd": "GND",
                    "lcnaf": "Library of Congress", "isni": "ISNI"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


# ------------------------------------------------------------------ one document's record

def plain_name(el: etree._Element) -> str:
    """A persName as plain text: the reading as written, without role names and notes."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag not in _SKIP_IN_NAME and isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    if len(el) == 0:  # most names are text alone
        return " ".join(el.text.split()) if el.text else ""
    walk(el)
    return " ".join("".join(parts).split())


def _role_names(el: etree._Element) -> str:
    if len(el) == 0:
        return ""
    return " ".join(" ".join("".join(r.itertext()).split())
                    for r in el.iterchildren(_ROLENAME))


def _side(person: etree._Element, known: dict[etree._Element, str]) -> str:
    """The heading of the person's list (or "side"); `known`: the lists' sides found so far
    (the persons of a document share a few lists)."""
    parent = person.getparent()
    side = known.get(parent)
    if side is None:
        side = known[parent] = _list_side(person)
    return side


def _list_side(person: etree._Element) -> str:
    for lp in person.iterancestors(f"{{{TEI_NS}}}listPerson"):
        head = next(lp.iterchildren(_HEAD), None)
        if head is not None:
            return " ".join("".join(head.itertext()).split())
        if lp.get("type") == "side":
            return "side"
    return ""


def _authorities(person: etree._Element, names: list[etree._Element]) -> list[str]:
    """The person's authority URIs (persName/@ref or @ref, space-separated, not `#…`);
    `names`: the person's persName children."""
    refs = [person.get("ref") or "", *(p.get("ref") or "" for p in names)]
    out: list[str] = []
    for uri in " ".join(refs).split():
        if uri.startswith(("https://", "http://")) and uri not in out:
            out.append(uri)
    return out


def appearances(root: etree._Element, doc: str, registry: Collection[str],
                anchors: list[tuple[etree._Element, str]] | None = None) -> dict:
    """What the register needs of one document (JSON-serialisable): its title, date and page,
    and for every person of particDesc the key, names, role, side, turns and authorities.
    `anchors`: passage_anchors(root), when the caller has them."""
    turns: dict[str, list[str]] = {}
    for el, anchor in passage_anchors(root) if anchors is None else anchors:
        who = el.get("who")  # a turn's (the tag is asked only then: it costs more)
        for one in who.split() if who and el.tag == _SP else ():
            turns.setdefault(one, []).append(anchor)
    persons = []
    sides: dict[etree._Element, str] = {}
    for person in participants(root):
        pid = register_id(person)
        if not pid:
            continue
        names = list(person.iterchildren(_PERSNAME))
        main = next((n for n in names if n.get("type") != "label"), names[0] if names else None)
        name = plain_name(main) if main is not None else pid
        forms = [f for f in dict.fromkeys(plain_name(n) for n in names if n is not main)
                 if f and f != name]  # the main name is no form: not read twice
        persons.append({
            "key": person_key(doc, pid, registry), "id": pid, "name": name or pid,
            "forms": forms, "role": person.get("role") or "",
            "title": _role_names(main) if main is not None else "", "side": _side(person, sides),
            "turns": turns.get(f"#{pid}", []), "authorities": _authorities(person, names),
        })
    return {"doc": doc, "href": quote(f"{doc}.html"), "title": MAIN_TITLE(root) or doc,
            "date": SORT_DATE(root), "persons": persons}


# ------------------------------------------------------------------ the register

@dataclass
class Person:
    """One person of the register with every document they appear in."""

    key: str
    name: str
    forms: list[str] = field(default_factory=list)
    authorities: list[str] = field(default_factory=list)
    rows: list[tuple[dict, dict]] = field(default_factory=list)  # (document, appearance)
    registered: bool = False

    @property
    def href(self) -> str:
        return quote(f"{self.key}.html")

    def entry(self) -> Entry:
        """What the index of persons and the search of names need of this person."""
        docs = len({rec["doc"] for rec, _ in self.rows})
        return Entry(self.key, self.name, self.forms, self.authorities, docs,
                     self.rows[0][0]["title"] if self.rows else "", initial(self.name))


class Entry(NamedTuple):
    """A person as the index of persons lists them (kept by register.py between runs)."""

    key: str
    name: str
    forms: list[str]
    authorities: list[str]
    docs: int
    first_title: str
    initial: str


def local_person(rec: dict, ap: dict) -> Person:
    """A person known in one document only (not in the registry): what collect() makes of
    that one appearance, without its merging and sorting."""
    forms = [f for f in dict.fromkeys((ap["name"], *ap["forms"])) if f and f != ap["name"]]
    return Person(ap["key"], ap["name"], forms, list(dict.fromkeys(ap["authorities"])),
                  [(rec, ap)], registered="~" not in ap["key"])


def collect(records: Iterable[dict], registry: Collection[KnownPerson] = ()) -> list[Person]:
    """The persons of all documents, merged by key, sorted by name; registry names win."""
    known = {kp.id: kp for kp in registry}
    people: dict[str, Person] = {}
    for rec in records:
        for ap in rec["persons"]:
            person = people.get(ap["key"])
            if person is None:
                kp = known.get(ap["key"])
                person = people[ap["key"]] = Person(ap["key"], kp.name if kp else ap["name"],
                                                    registered="~" not in ap["key"])
                if kp:
                    person.authorities += [AUTHORITIES[k].format(v) for k, v in kp.links]
                    person.forms += [f for f in kp.forms if f != kp.name]
            for form in (ap["name"], *ap["forms"]):
                if form and form != person.name and form not in person.forms:
                    person.forms.append(form)
            person.authorities += [a for a in ap["authorities"] if a not in person.authorities]
            person.rows.append((rec, ap))
    for person in people.values():
        person.rows.sort(key=lambda row: (row[0]["date"] or "9999", row[0]["doc"]))
    return sorted(people.values(), key=lambda p: (sort_key(p.name), p.key))


@functools.lru_cache(maxsize=4096)  # asked several times a person; names recur across documents
def sort_key(name: str) -> str:
    """Names compared without case and accents ("Ŭ" files under U)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def initial(name: str) -> str:
    """The letter a name is filed under; names that start with no letter file under '#'."""
    key = sort_key(name)
    first = next((c for c in key if c.isalnum()), "")
    return first.upper() if first.isalpha() else "#"


# ------------------------------------------------------------------ HTML

def site_page(title: str, body: str, css: str, *, prefix: str, body_class: str,
              scripts: Iterable[str] = ()) -> bytes:
    """A complete page beside the documents (`prefix` leads from the page to the site root);
    characters HTML forbids become U+FFFD, as in the documents."""
    head, top, after = _frame(css, prefix, body_class, tuple(scripts))
    data = f"{head}{escape(title)}{top}{body}{after}".encode()
    # Checked on the bytes the page is written as: one encoding, not two.
    return html_text(data.decode()).encode() if has_non_html(data) else data


def page_frame(title: str, css: str, *, prefix: str, body_class: str,
               scripts: Iterable[str] = ()) -> tuple[str, str]:
    """What site_page() puts before and after the body (for pages written piece by piece)."""
    head, top, after = _frame(css, prefix, body_class, tuple(scripts))
    return html_text(head + escape(title) + top), after


@functools.lru_cache(maxsize=16)  # one frame for every person's page: only the title differs
def _frame(css: str, prefix: str, body_class: str, scripts: tuple[str, ...]) -> tuple[str, str, str]:
    """A page around its title and body: (up to the title, from the title to the body, after)."""
    tags = "".join(f"<script src=\"{escape(src)}\"></script>" for src in scripts)
    head = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
    top = (
        f"</title><link rel=\"stylesheet\" href=\"{prefix}{css}\">"
        "<link rel=\"icon\" href=\"data:,\"></head>"
        f"<body class=\"{body_class}\"><a class=\"skip-link\" href=\"#text\">Skip to the text</a>"
        "<nav class=\"site-nav\" aria-label=\"Edition\">"
        f"<a class=\"back\" href=\"{prefix}index.html\">All documents</a> "
        f"<a href=\"{prefix}{PERSONS_DIR}/index.html\">Persons</a> "
        f"<a href=\"{prefix}search.html\">Search</a></nav><main id=\"text\">"
    )
    return head, html_text(top), f"</main>{tags}</body></html>\n"


def html_text(text: str) -> str:
    """Text with the characters HTML forbids as U+FFFD (a character class: any piece of a
    page may be cleaned on its own)."""
    if text.isascii():  # known without a scan; DEL is the one such character in ASCII
        return text.replace("\x7f", "\ufffd")
    return NOT_HTML.sub("\ufffd", text) if has_non_html(text.encode()) else text


@functools.lru_cache(maxsize=1024)  # a document's date, on the page of each of its persons
def format_date(iso: str) -> str:
    """"1962-04-21T16:00" as <time> "21 April 1962"; an empty or odd value as it is."""
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso)
    if not m:
        return escape(iso)
    year, month, day = m.groups()
    words = [str(int(day))] if day else []
    if month and 1 <= int(month) <= 12:
        words.append(_MONTHS[int(month) - 1])
    words.append(year)
    return f"<time datetime=\"{escape(m.group(0))}\">{' '.join(words)}</time>"


def authority_label(uri: str) -> str:
    """"Wikidata Q39464" for a URI of a known authority file, else the host name."""
    for name, pattern in AUTHORITIES.items():
        stem = pattern.split("{}")[0]
        if uri.startswith(stem):
            return f"{_AUTHORITY_NAMES.get(name, name)} {uri[len(stem):]}"
    return re.sub(r"^https?://([^/]+).*$", r"\1", uri)


def _authority_links(authorities: Iterable[str]) -> str:
    return ", ".join(f"<a class=\"authority\" href=\"{escape(u)}\">{escape(authority_label(u))}</a>"
                     for u in authorities if not re.search(r"\s", u))


def _role(ap: dict) -> str:
    role = "" if ap["role"] in ("attendee", "") else ap["role"]
    side = "" if ap["side"] in ("", "side") else ap["side"]
    parts = [p for p in (ap["title"], role, side) if p]
    return escape("; ".join(parts))


def person_page(person: Person, css: str) -> bytes:
    """The page of one person: names, authority records and the documents they appear in."""
    out = [f"<h1>{escape(person.name)}</h1>"]
    if person.forms:
        out.append(f"<p class=\"forms\">Also written: {escape('; '.join(person.forms))}</p>")
    links = _authority_links(person.authorities)
    if links:
        out.append(f"<p class=\"authorities\">Authority records: {links}</p>")
    if not person.registered:
        out.append("<p class=\"scope\">Known from this document only: a person outside the "
                   "persons registry of the edition is not matched across documents.</p>")
    out.append("<table class=\"appearances\"><caption>Documents</caption><thead><tr>"
               "<th scope=\"col\">Date</th><th scope=\"col\">Document</th>"
               "<th scope=\"col\">Role</th><th scope=\"col\">Turns</th></tr></thead><tbody>")
    for rec, ap in person.rows:
        href = f"../{rec['href']}"
        turns = ap["turns"]
        cell = str(len(turns))
        if turns:
            # The page's href is quoted and turn-K needs no escaping (most ids are that);
            # id-ID comes from the file's own xml:id and does.
            cell += ": " + " ".join(
                f"<a class=\"turn\" href=\"{href}#{a}\" aria-label=\"turn {a[5:]}\">{a[5:]}</a>"
                if a.startswith("turn-") else
                f"<a class=\"turn\" href=\"{href}#{escape(a)}\">{escape(a)}</a>" for a in turns)
        out.append(f"<tr><td class=\"date\">{format_date(rec['date'])}</td>"
                   f"<td class=\"title\"><a href=\"{escape(href)}\">{escape(rec['title'])}</a></td>"
                   f"<td class=\"role\">{_role(ap)}</td><td class=\"turns\">{cell}</td></tr>")
    out.append("</tbody></table>")
    return site_page(f"{person.name} – Persons", "".join(out), css, prefix="../",
                 body_class="page-person")


def index_item(person: Entry) -> str:
    """A person's line in the index of persons (kept by register.py between runs)."""
    where = (f"{person.docs} documents" if person.docs != 1 else
             f"in <cite>{escape(person.first_title)}</cite>")
    links = _authority_links(person.authorities)
    return html_text(f"<li><a class=\"person\" href=\"{escape(quote(person.key + '.html'))}\">"
                     f"{escape(person.name)}</a> <span class=\"where\">{where}</span>"
                     + (f" <span class=\"authorities\">{links}</span>" if links else "")
                     + "</li>")


def index_page(letters: list[str], rows: Iterable[tuple[str, str]], count: int,
               css: str) -> Iterator[str]:
    """`persons/index.html`, piece by piece (the register of an archive is large): every
    person, grouped by initial, with authority links. `letters`: the initials in order ('#'
    last); `rows`: (group, index_item() line) of every person in that order, by name, the
    group being the initial after one character; `count`: how many persons."""
    before, after = page_frame("Persons", css, prefix="../", body_class="page-persons")
    yield before + ("<h1>Persons</h1>"
                    f"<p class=\"count\">{count} person{'s' if count != 1 else ''} "
                    "named in the documents, by name.</p>")
    if letters:
        yield ("<nav class=\"initials\" aria-label=\"Initials\">" + " ".join(
            f"<a href=\"#letter-{_letter_id(g)}\">{escape(g)}</a>" for g in letters) + "</nav>")
    for grp, group in itertools.groupby(rows, key=lambda row: row[0]):
        g, initial = _letter_id(grp[1:]), grp[1:]
        yield (f"<section class=\"letter\" id=\"letter-{g}\" aria-labelledby=\"h-{g}\">"
               f"<h2 id=\"h-{g}\">{escape(initial)}</h2><ul class=\"register\">")
        while chunk := "".join(item for _, item in itertools.islice(group, 1000)):
            yield chunk  # a thousand lines a piece: few writes, little memory
        yield "</ul></section>"
    yield after


def _letter_id(letter: str) -> str:
    return "other" if letter == "#" else "".join(f"{ord(c):x}" if not c.isascii() else c
                                                for c in letter)

"""What a RelaxNG schema allows, read from its XML form, to explain validation errors.

libxml2 says "Did not expect element respStmt there" and stops. To say what *was* expected,
this module reads a grammar (.rng) once and records, for every `element` pattern, its child
elements and its attributes as small regular patterns over names, whether it takes text,
and the values each attribute accepts. `Patterns` matches them with Brzozowski derivatives,
so `explain.Explainer` can say which elements may come at one point of a parent and which
attributes are missing. Only names are modelled (plus the datatypes in `datatypes.py`): this
explains errors, while libxml2 or jing stay the judges of validity. `docs.py` reads the same
summary to document the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from lxml import etree

RNG = "http://relaxng.org/ns/structure/1.0"
TEI = "http://www.tei-c.org/ns/1.0"
XML = "http://www.w3.org/XML/1998/namespace"
ANY = "*"  # a name class that matches every name (anyName, nsName)

# Atoms: ("el", name, pattern id) for a child element, ("at", name) for an attribute.
Atom = tuple


def element_name(ns: str | None, local: str) -> str:
    """Display name of an element: bare for TEI, {ns}local otherwise ({}local: no namespace)."""
    return local if ns == TEI else f"{{{ns or ''}}}{local}"


def attribute_name(ns: str | None, local: str) -> str:
    """Display name of an attribute: bare, xml:local, or {ns}local."""
    if not ns:
        return local
    return f"xml:{local}" if ns == XML else f"{{{ns}}}{local}"


def clark_element_name(tag: str) -> str:
    """element_name() of an lxml tag in Clark notation."""
    q = etree.QName(tag)
    return element_name(q.namespace, q.localname)


def clark_attribute_name(key: str) -> str:
    """attribute_name() of an lxml attribute key in Clark notation."""
    q = etree.QName(key)
    return attribute_name(q.namespace, q.localname)


class Patterns:
    """Hash-consed regular patterns over atoms; every pattern is an int id.

    Sharing identical sub-patterns keeps derivatives cheap even for tei_all, whose class
    macros expand to hundreds of alternatives.
    """

    EMPTY, NONE = 0, 1

    def __init__(self) -> None:
        self._nodes: list[tuple] = [("empty",), ("none",)]
        self._index: dict[tuple, int] = {n: i for i, n in enumerate(self._nodes)}
        self._nullable: dict[int, bool] = {}
        self._first: dict[int, frozenset[Atom]] = {}
        self._deriv: dict[tuple[int, str], int] = {}

    def _make(self, node: tuple) -> int:
        found = self._index.get(node)
        if found is None:
            found = self._index[node] = len(self._nodes)
            self._nodes.append(node)
        return found

    def atom(self, atom: Atom) -> int:
        return self._make(("atom", atom))

    def seq(self, a: int, b: int) -> int:
        if self.NONE in (a, b):
            return self.NONE
        if a == self.EMPTY:
            return b
        return a if b == self.EMPTY else self._make(("seq", a, b))

    def alt(self, a: int, b: int) -> int:
        if a == self.NONE or a == b:
            return b
        if b == self.NONE:
            return a
        return self._make(("alt", min(a, b), max(a, b)))

    def inter(self, a: int, b: int) -> int:
        if self.NONE in (a, b):
            return self.NONE
        if a == self.EMPTY:
            return b
        return a if b == self.EMPTY else self._make(("inter", min(a, b), max(a, b)))

    def more(self, a: int) -> int:
        return a if a in (self.EMPTY, self.NONE) else self._make(("more", a))

    def nullable(self, p: int) -> bool:
        """True when the pattern matches nothing at all (an empty sequence)."""
        if p not in self._nullable:
            node = self._nodes[p]
            kind = node[0]
            if kind in ("empty", "none", "atom"):
                value = kind == "empty"
            elif kind == "more":
                value = self.nullable(node[1])
            elif kind == "alt":
                value = self.nullable(node[1]) or self.nullable(node[2])
            else:
                value = self.nullable(node[1]) and self.nullable(node[2])
            self._nullable[p] = value
        return self._nullable[p]

    def first(self, p: int) -> frozenset[Atom]:
        """The atoms that may come first."""
        if p not in self._first:
            node = self._nodes[p]
            kind = node[0]
            if kind == "atom":
                value = frozenset([node[1]])
            elif kind in ("empty", "none"):
                value = frozenset()
            elif kind == "more" or (kind == "seq" and not self.nullable(node[1])):
                value = self.first(node[1])
            else:
                value = self.first(node[1]) | self.first(node[2])
            self._first[p] = value
        return self._first[p]

    def needs(self, p: int, name: str) -> bool:
        """True when every way to complete `p` includes an atom named `name`."""
        return not self._finishes_without(p, name, {})

    def _finishes_without(self, p: int, name: str, memo: dict[int, bool]) -> bool:
        if p not in memo:
            memo[p] = False  # patterns are acyclic; this only guards repeated sub-patterns
            node = self._nodes[p]
            kind = node[0]
            if kind in ("empty", "none"):
                value = kind == "empty"
            elif kind == "atom":
                value = node[1][1] != name
            elif kind == "more":
                value = self._finishes_without(node[1], name, memo)
            elif kind == "alt":
                value = any(self._finishes_without(q, name, memo) for q in node[1:])
            else:
                value = all(self._finishes_without(q, name, memo) for q in node[1:])
            memo[p] = value
        return memo[p]

    def atoms(self, p: int) -> set[Atom]:
        """Every atom anywhere in the pattern."""
        seen: set[int] = set()
        out: set[Atom] = set()
        stack = [p]
        while stack:
            q = stack.pop()
            if q in seen:
                continue
            seen.add(q)
            node = self._nodes[q]
            if node[0] == "atom":
                out.add(node[1])
            else:
                stack.extend(node[1:])
        return out

    def deriv(self, p: int, name: str) -> int:
        """What remains of `p` after an atom named `name` (element or attribute name)."""
        key = (p, name)
        if key not in self._deriv:
            self._deriv[key] = self._deriv_uncached(p, name)
        return self._deriv[key]

    def _deriv_uncached(self, p: int, name: str) -> int:
        node = self._nodes[p]
        kind = node[0]
        if kind == "atom":
            return self.EMPTY if node[1][1] in (name, ANY) else self.NONE
        if kind in ("empty", "none"):
            return self.NONE
        a, b = node[1], node[-1]
        if kind == "alt":
            return self.alt(self.deriv(a, name), self.deriv(b, name))
        if kind == "seq":
            d = self.seq(self.deriv(a, name), b)
            return self.alt(d, self.deriv(b, name)) if self.nullable(a) else d
        if kind == "inter":
            return self.alt(self.inter(self.deriv(a, name), b), self.inter(a, self.deriv(b, name)))
        return self.seq(self.deriv(a, name), self.alt(p, self.EMPTY))  # more: d(a+) = d(a), a*


@dataclass(frozen=True)
class ValueRule:
    """One accepted form of an attribute value: a literal or a datatype (with its pattern)."""

    literal: str | None = None
    datatype: str = ""  # an XSD type name, or "list" for a space-separated list of `items`
    pattern: str = ""
    doc: str = ""
    items: tuple[ValueRule, ...] = ()


@dataclass
class ElementSpec:
    """One `element` pattern of the grammar."""

    pid: int  # the pattern's number
    name: str
    define: str  # the define it stands in ("" when inline)
    content: int = Patterns.NONE  # child elements
    attrs: int = Patterns.EMPTY  # attributes (order-free)
    text: bool = False
    values: dict[str, list[ValueRule]] = field(default_factory=dict)
    doc: str = ""

    def attribute_names(self, patterns: Patterns) -> list[str]:
        """The attributes this element may carry."""
        return sorted(a[1] for a in patterns.atoms(self.attrs))


def _rng(node: etree._Element, *names: str) -> bool:
    return isinstance(node.tag, str) and node.tag in {f"{{{RNG}}}{n}" for n in names}


def _kids(node: etree._Element) -> list[etree._Element]:
    """RNG child patterns (annotations in foreign namespaces are skipped)."""
    return [k for k in node if isinstance(k.tag, str) and k.tag.startswith(f"{{{RNG}}}")]


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def documentation(node: etree._Element | None) -> str:
    """The a:documentation (an `##` comment in .rnc) attached to a pattern, whitespace-joined."""
    if node is None:
        return ""
    for k in node:
        if isinstance(k.tag, str) and k.tag.endswith("}documentation"):
            return "".join(k.itertext()).strip()
    return ""


def _following_doc(node: etree._Element) -> str:
    """Documentation trang writes after a value in a choice (a "following annotation")."""
    nxt = node.getnext()
    if nxt is not None and isinstance(nxt.tag, str) and nxt.tag.endswith("}documentation"):
        return "".join(nxt.itertext()).strip()
    return ""


def _inherited_ns(node: etree._Element) -> str:
    for anc in [node, *node.iterancestors()]:
        if "ns" in anc.attrib:
            return anc.get("ns", "")
    return ""


def _qname(node: etree._Element, value: str, ns: str, *, attribute: bool) -> str:
    value = value.strip()
    if ":" in value:
        prefix, value = value.split(":", 1)
        ns = XML if prefix == "xml" else (node.nsmap.get(prefix) or "")
    return attribute_name(ns, value) if attribute else element_name(ns, value)


def name_class(node: etree._Element, *, attribute: bool) -> tuple[list[str], list[etree._Element]]:
    """Names an element/attribute pattern matches, and its remaining content patterns."""
    if "name" in node.attrib:
        # RelaxNG: an element name inherits `ns`; an attribute name is in no namespace.
        ns = node.get("ns", "") if attribute else _inherited_ns(node)
        return [_qname(node, node.get("name", ""), ns, attribute=attribute)], _kids(node)
    kids = _kids(node)
    return (_names_in(kids[0], attribute=attribute), kids[1:]) if kids else ([], [])


def _names_in(nc: etree._Element, *, attribute: bool) -> list[str]:
    if _rng(nc, "name"):
        return [_qname(nc, nc.text or "", _inherited_ns(nc), attribute=attribute)]
    if _rng(nc, "choice"):
        return [n for k in _kids(nc) for n in _names_in(k, attribute=attribute)]
    return [ANY]


class Grammar:
    """The element patterns of a RelaxNG grammar in XML syntax (.rng), for explanations."""

    def __init__(self, root: etree._Element) -> None:
        self.patterns = Patterns()
        self.defines: dict[str, list[etree._Element]] = {}
        for d in root.iter(f"{{{RNG}}}define"):
            self.defines.setdefault(d.get("name", ""), []).append(d)
        self.complete = not any(_rng(n, "include", "externalRef", "parentRef")
                                for n in root.iter())
        self._pid_of: dict[etree._Element, int] = {}
        element_nodes = list(root.iter(f"{{{RNG}}}element"))
        for node in element_nodes:
            self._pid_of[node] = len(self._pid_of)
        self._content_memo: dict[str, int] = {}
        self._attr_memo: dict[str, int] = {}
        self._summary_memo: dict[str, tuple[bool, dict[str, list[ValueRule]]]] = {}
        self.specs = [self._spec(node) for node in element_nodes]
        self.by_name: dict[str, list[int]] = {}
        for spec in self.specs:
            self.by_name.setdefault(spec.name, []).append(spec.pid)
        if _rng(root, "grammar"):
            start = root.find(f"{{{RNG}}}start")
            self.start = self._content(_kids(start), attrs=False) if start is not None else 0
        else:  # a schema may be a single pattern, e.g. <element name="TEI">
            self.start = self._content([root], attrs=False)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Grammar:
        """Read a .rng file (the project's, or one the user names; it is not resolved further)."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        return cls(etree.parse(os.fspath(path), parser).getroot())

    # --- building -------------------------------------------------------------------------
    def _spec(self, node: etree._Element) -> ElementSpec:
        names, content = name_class(node, attribute=False)
        parent = node.getparent()
        define = parent.get("name", "") if parent is not None and _rng(parent, "define") else ""
        spec = ElementSpec(self._pid_of[node], names[0] if len(names) == 1 else ANY, define)
        spec.content = self._content(content, attrs=False)
        spec.attrs = self._content(content, attrs=True)
        spec.text = self._collect(content, spec.values)
        spec.doc = documentation(node) or documentation(parent)
        return spec

    def _content(self, nodes: Iterable[etree._Element], *, attrs: bool) -> int:
        """The child-element (or attribute) pattern of a sequence of RNG patterns."""
        p = self.patterns
        result = p.EMPTY
        for n in nodes:
            sub = self._pattern(n, attrs=attrs)
            # Attributes are unordered in RelaxNG: a group of attributes is an interleave.
            result = p.inter(result, sub) if attrs else p.seq(result, sub)
        return result

    def _pattern(self, n: etree._Element, *, attrs: bool) -> int:
        p = self.patterns
        tag = _local(n)
        if tag == "element":
            if attrs:
                return p.EMPTY
            names, _ = name_class(n, attribute=False)
            out = p.NONE
            for name in names:
                out = p.alt(out, p.atom(("el", name, self._pid_of[n])))
            return out
        if tag == "attribute":
            if not attrs:
                return p.EMPTY
            names, _ = name_class(n, attribute=True)
            out = p.NONE
            for name in names:
                out = p.alt(out, p.atom(("at", name)))
            return out
        if tag == "ref":
            return self._ref(n.get("name", ""), attrs=attrs)
        if tag in ("group", "mixed", "define", "start"):
            return self._content(_kids(n), attrs=attrs)
        combine = {"interleave": p.inter, "choice": p.alt}.get(tag)
        if combine is not None:
            out = p.EMPTY if tag == "interleave" else p.NONE
            for k in _kids(n):
                out = combine(out, self._pattern(k, attrs=attrs))
            return out
        inner = self._content(_kids(n), attrs=attrs)
        if tag == "optional":
            return p.alt(inner, p.EMPTY)
        if tag == "oneOrMore":
            return p.more(inner)
        if tag == "zeroOrMore":
            return p.alt(p.more(inner), p.EMPTY)
        return p.NONE if tag == "notAllowed" else p.EMPTY  # text, data, value, list, empty

    def _ref(self, name: str, *, attrs: bool) -> int:
        memo = self._attr_memo if attrs else self._content_memo
        if name not in memo:
            memo[name] = Patterns.EMPTY  # a define cannot refer to itself outside an element
            out = Patterns.NONE
            for d in self.defines.get(name, []):
                out = self.patterns.alt(out, self._content(_kids(d), attrs=attrs))
            memo[name] = out
        return memo[name]

    def _collect(self, nodes: Iterable[etree._Element],
                 values: dict[str, list[ValueRule]]) -> bool:
        """Record attribute value rules; return True when the pattern allows character data."""
        text = False
        for n in nodes:
            tag = _local(n)
            if tag == "element":
                continue
            if tag == "attribute":
                names, content = name_class(n, attribute=True)
                rules = self._value_rules(content, "", frozenset())
                if len(rules) == 1 and rules[0].literal is not None and not rules[0].doc:
                    # trang puts the `##` of a lone value on the attribute
                    rules = [replace(rules[0], doc=documentation(n))]
                for name in names:
                    values.setdefault(name, []).extend(rules)
            elif tag in ("text", "data", "value", "list"):
                text = True
            elif tag == "ref":
                ref_text, ref_values = self._define_summary(n.get("name", ""))
                text |= ref_text
                for name, rules in ref_values.items():
                    values.setdefault(name, []).extend(rules)
            else:
                text |= self._collect(_kids(n), values) or tag == "mixed"
        return text

    def _define_summary(self, name: str) -> tuple[bool, dict[str, list[ValueRule]]]:
        """_collect() of a define, computed once (tei_all's attribute classes are shared)."""
        if name not in self._summary_memo:
            self._summary_memo[name] = (False, {})  # defines do not recurse outside elements
            values: dict[str, list[ValueRule]] = {}
            text = False
            for d in self.defines.get(name, []):
                text |= self._collect(_kids(d), values)
            self._summary_memo[name] = (text, values)
        return self._summary_memo[name]

    def _value_rules(self, content: Sequence[etree._Element], doc: str,
                     seen: frozenset[str]) -> list[ValueRule]:
        """The accepted forms of an attribute value ([] when any text is accepted)."""
        rules: list[ValueRule] = []
        for n in content:
            tag = _local(n)
            if tag == "value":
                rules.append(ValueRule(literal=" ".join((n.text or "").split()),
                                       doc=documentation(n) or _following_doc(n)))
            elif tag == "data":
                param = n.find(f"{{{RNG}}}param[@name='pattern']")
                rules.append(ValueRule(datatype=n.get("type", ""),
                                       pattern=param.text or "" if param is not None else "",
                                       doc=doc))
            elif tag == "ref" and n.get("name", "") not in seen:
                name = n.get("name", "")
                for d in self.defines.get(name, []):
                    rules += self._value_rules(_kids(d), doc or documentation(d), seen | {name})
            elif tag in ("choice", "group", "oneOrMore", "zeroOrMore", "optional"):
                rules += self._value_rules(_kids(n), doc, seen)
            elif tag == "list":
                items = tuple(self._value_rules(_kids(n), "", seen))
                rules.append(ValueRule(datatype="list", doc=doc, items=items))
            elif tag == "text":
                return []
        return rules

    # --- queries --------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every element name the grammar defines."""
        return sorted(n for n in self.by_name if n != ANY)

    def children(self, name: str) -> list[str]:
        """Every child element name that `name` may contain somewhere (in any of its patterns)."""
        out = {a[1] for pid in self.by_name.get(name, []) for a in
               self.patterns.atoms(self.specs[pid].content)}
        return sorted(out)

    def parents(self, name: str) -> list[str]:
        """Every element that may contain `name`."""
        return sorted({s.name for s in self.specs
                       if any(a[1] == name for a in self.patterns.atoms(s.content))})

    def roots(self) -> list[str]:
        """Element names allowed as the document element."""
        return sorted({a[1] for a in self.patterns.first(self.start)})


    def render(self, p: int, *, attrs: bool = False) -> str:
        """A pattern in words, e.g. `@reason, @unit?` or `(p | sp)+`."""
        return _render(self.patterns, p, attrs, top=True)

    def render_required(self, p: int) -> str:
        """The required part of an attribute pattern in words: `@when or (@from and @to)`."""
        return _required(self.patterns, p, top=True) or "nothing"


def _required(pats: Patterns, p: int, top: bool = False) -> str:
    node = pats._nodes[p]
    kind = node[0]
    if kind == "atom":
        return f"@{node[1][1]}"
    if kind in ("empty", "none") or pats.nullable(p):
        return ""  # optional parts are not what is missing
    if kind == "more":
        return _required(pats, node[1], top)
    parts = [q for q in _flatten(pats, p, kind) if _required(pats, q)]
    if len(parts) == 1:
        return _required(pats, parts[0], top)
    text = (" or " if kind == "alt" else " and ").join(_required(pats, q) for q in parts)
    return text if top else f"({text})"


def _render(pats: Patterns, p: int, attrs: bool, top: bool = False) -> str:
    node = pats._nodes[p]
    kind = node[0]
    if kind == "atom":
        return f"@{node[1][1]}" if attrs else node[1][1]
    if kind == "empty":
        return "nothing"
    if kind == "none":
        return "nothing allowed"
    if kind == "more":
        return _group(_render(pats, node[1], attrs)) + "+"
    if kind == "alt":
        a, b = node[1], node[2]
        if Patterns.EMPTY in (a, b):
            other = b if a == Patterns.EMPTY else a
            inner = pats._nodes[other]
            if inner[0] == "more":  # (x+)? is x*
                return _group(_render(pats, inner[1], attrs)) + "*"
            return _group(_render(pats, other, attrs)) + "?"
        text = " | ".join(sorted(_render(pats, q, attrs) for q in _flatten(pats, p, "alt")))
        return text if top else f"({text})"
    parts = [_render(pats, q, attrs) for q in _flatten(pats, p, kind)]
    joined = ", ".join(sorted(parts) if kind == "inter" else parts)
    return joined if top else f"({joined})"


def _flatten(pats: Patterns, p: int, kind: str) -> list[int]:
    node = pats._nodes[p]
    if node[0] != kind:
        return [p]
    return _flatten(pats, node[1], kind) + _flatten(pats, node[2], kind)


def _group(text: str) -> str:
    simple = all(c not in text for c in " ,|") or (text.startswith("(") and text.endswith(")"))
    return text if simple else f"({text})"

"""Explain why a document does not match a RelaxNG grammar, in words a TEI editor can act on.

Runs only on documents the validator (libxml2) already rejected. Walks the document with the
`Grammar`: every element is matched against the pattern its parent's content model chose
for it, so a `date` in `creation` is checked against the header's stricter date. Problems
name what was found and what was expected at that point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from .datatypes import any_accepts, describe
from .grammar import (
    ANY,
    TEI,
    ElementSpec,
    Grammar,
    Patterns,
    clark_attribute_name,
    clark_element_name,
)

#: The most names listed after "expected"; tei_all allows hundreds in some places.
MAX_LISTED = 14


@dataclass(frozen=True)
class Problem:
    """One schema problem, at an element (or at text inside it, `text` holding a snippet)."""

    element: etree._Element
    rule: str  # schema-element | schema-content | schema-text | schema-attribute
    message: str
    attribute: str | None = None
    text: str | None = None


#: Decides whether an attribute value problem is left to a content rule (element, name, value).
Skip = Callable[[etree._Element, str, str], bool]


def show(name: str) -> str:
    """An element name as written in messages: <p>, or <foo> (in no namespace)."""
    if name.startswith("{}"):
        return f"<{name[2:]}> (in no namespace)"
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return f"<{local}> (namespace {ns})"
    return f"<{name}>"


def listing(names: list[str], end: str | None = None) -> str:
    """`<p>, <sp> or the end of <div>` (shortened when long)."""
    shown = [show(n) if n != ANY else "any element" for n in names[:MAX_LISTED]]
    if len(names) > MAX_LISTED:
        shown.append(f"… ({len(names) - MAX_LISTED} more)")
    if end:
        shown.append(end)
    if not shown:
        return "nothing"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


class Explainer:
    """Finds the schema problems of one document; `label` names the schema in messages."""

    def __init__(self, grammar: Grammar, label: str, skip: Skip | None = None) -> None:
        self.g = grammar
        self.p: Patterns = grammar.patterns
        self.label = label
        self.skip: Skip = skip or (lambda el, name, value: False)

    def explain(self, tree: etree._ElementTree) -> list[Problem]:
        """Every problem found, in document order."""
        root = tree.getroot()
        name = clark_element_name(root.tag)
        pids = self._candidates(self.g.start, name)
        out: list[Problem] = []
        if not pids:
            out.append(Problem(root, "schema-element", self._root_message(name)))
            pids = self.g.by_name.get(name, [])
        if pids:
            out += self._element(root, pids)
        return out

    # --- one element ----------------------------------------------------------------------
    def _element(self, el: etree._Element, pids: list[int]) -> Iterator[Problem]:
        if not pids:
            return  # an element the grammar does not know: reported where it stands
        specs = [self.g.specs[i] for i in pids]
        yield from self._best_attributes(el, specs)
        if not any(s.text for s in specs):
            yield from self._text(el, specs)
        content = Patterns.NONE
        for s in specs:
            content = self.p.alt(content, s.content)
        yield from self._children(el, content)

    def _children(self, el: etree._Element, content: int) -> Iterator[Problem]:
        residual, prev = content, None
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            name = clark_element_name(child.tag)
            after = self.p.deriv(residual, name)
            if after == Patterns.NONE:
                yield self._misplaced(el, child, name, residual, prev)
                yield from self._element(child, self.g.by_name.get(name, []))
                continue
            pids = self._candidates(residual, name)
            residual, prev = after, child
            yield from self._element(child, pids)
        if not self.p.nullable(residual):
            where = f"after {show(clark_element_name(prev.tag))}" if prev is not None else ""
            expected = listing(self._names(residual))
            yield Problem(el, "schema-content",
                          f"{show(clark_element_name(el.tag))} is incomplete: "
                          f"{where + ' ' if where else ''}expected {expected}")

    def _candidates(self, residual: int, name: str) -> list[int]:
        return sorted({a[2] for a in self.p.first(residual)
                       if a[0] == "el" and a[1] in (name, ANY)})

    def _names(self, residual: int) -> list[str]:
        return sorted({a[1] for a in self.p.first(residual) if a[0] == "el"})

    def _misplaced(self, parent: etree._Element, child: etree._Element, name: str,
                   residual: int, prev: etree._Element | None) -> Problem:
        pname = clark_element_name(parent.tag)
        end = f"the end of {show(pname)}" if self.p.nullable(residual) else None
        expected = listing(self._names(residual), end)
        if name not in self.g.by_name:
            return Problem(child, "schema-element",
                           f"{self._unknown(name)}; expected here in {show(pname)}: {expected}")
        if name in self.g.children(pname):
            where = f"after {show(clark_element_name(prev.tag))}" if prev is not None \
                else "as the first element"
            return Problem(child, "schema-element",
                           f"{show(name)} is allowed in {show(pname)}, but not {where}; "
                           f"expected here: {expected}")
        homes = self.g.parents(name)
        hint = f" ({show(name)} belongs in {listing(homes)})" if homes else ""
        return Problem(child, "schema-element",
                       f"{show(name)} is not allowed inside {show(pname)}{hint}; "
                       f"expected here: {expected}")

    def _unknown(self, name: str) -> str:
        local = name.rsplit("}", 1)[-1]
        if local in self.g.by_name:
            where = "in no namespace" if name.startswith("{}") else "in another namespace"
            return (f"<{local}> is {where}: TEI elements must be in the TEI namespace "
                    f'(xmlns="{TEI}")')
        return f"{show(name)} is not an element of {self.label}"

    def _root_message(self, name: str) -> str:
        roots = self.g.roots()
        if name not in self.g.by_name:
            return f"{self._unknown(name)}; the document element must be {listing(roots)}"
        return f"the document element must be {listing(roots)}, not {show(name)}"

    # --- text -----------------------------------------------------------------------------
    def _text(self, el: etree._Element, specs: list[ElementSpec]) -> Iterator[Problem]:
        texts = [el.text] + [c.tail for c in el]
        snippet = next((" ".join(t.split()) for t in texts if t and t.strip()), None)
        if snippet is None:
            return
        name = clark_element_name(el.tag)
        children = sorted({a[1] for s in specs for a in self.p.atoms(s.content)})
        if "div" in children and "p" not in children:
            hint = "put it in a <p> inside a <div>"
        elif "p" in children:
            hint = "put it in a <p>"
        else:
            hint = f"{show(name)} holds only elements: {listing(children)}"
        short = snippet if len(snippet) <= 40 else snippet[:37] + "…"
        yield Problem(el, "schema-text",
                      f'text "{short}" is not allowed directly in {show(name)}; {hint}',
                      text=snippet)

    # --- attributes -----------------------------------------------------------------------
    def _best_attributes(self, el: etree._Element, specs: list[ElementSpec]) -> list[Problem]:
        """The attribute problems against the pattern that fits best (several may apply)."""
        best: list[Problem] | None = None
        for spec in specs:
            found = list(self._attributes(el, spec))
            if best is None or len(found) < len(best):
                best = found
        return best or []

    def _attributes(self, el: etree._Element, spec: ElementSpec) -> Iterator[Problem]:
        ename = show(clark_element_name(el.tag))
        present = {clark_attribute_name(k): v for k, v in el.attrib.items()}
        allowed = spec.attribute_names(self.p)
        residual = spec.attrs
        for name in sorted(present):
            if name not in allowed and ANY not in allowed:
                others = ", ".join(f"@{a}" for a in allowed) or "none"
                yield Problem(el, "schema-attribute",
                              f"attribute @{name} is not allowed on {ename} (allowed: {others})",
                              attribute=name)
                continue
            after = self.p.deriv(residual, name)
            if after == Patterns.NONE:
                yield Problem(el, "schema-attribute",
                              f"attribute @{name} cannot be combined with the other attributes "
                              f"of {ename}; expected {self.g.render(spec.attrs, attrs=True)}",
                              attribute=name)
                continue
            residual = after
            value = present[name]
            rules = spec.values.get(name, [])
            if not any_accepts(rules, value) and not self.skip(el, name, value):
                yield Problem(el, "schema-attribute",
                              f'@{name}="{value}" is not allowed on {ename}: expected '
                              f"{describe(rules)}", attribute=name)
        if not self.p.nullable(residual):
            names = sorted(a[1] for a in self.p.first(residual))
            required = [n for n in names if self.p.needs(residual, n)]
            if len(required) == 1:
                rules = spec.values.get(required[0], [])
                values = f" ({describe(rules)})" if rules else ""
                text = f"{ename} needs the attribute @{required[0]}{values}"
            else:
                text = f"{ename} needs {self.g.render_required(residual)}"
            yield Problem(el, "schema-attribute", text, attribute=(required or names)[0])

"""Building small source documents in the export layout for tests."""

from __future__ import annotations

from lxml import etree

from tei_edition.convert import convert_text
from tei_edition.diagnostics import Diagnostic

NS = {"t": "http://www.tei-c.org/ns/1.0"}


def export(body: str, *, title: str = "Record of a Conversation with Ambassador Pak Il-u",
           date: str = "May 4, 1960", citation: str | None = None,
           language: str = "Chinese") -> str:
    """A source in the archive's export layout around `body`."""
    citation = citation or (
        f'"{title}", {date}, Wilson Center Digital Archive, PRC FMA 106-00001-01, 1-4. '
        "Translated by Ann Example. <https://digitalarchive.example.org/document/1>")
    return (f"\n\n**{date}**\n\n**{title}**\n\n**Citation:**\n\n{citation}\n\n**Summary:**\n\n"
            f"A test document.\n\n**Original Language:**\n\n{language}\n\n**Contents:**\n\n"
            f"Translation - English\n\n{body}")


def convert(body: str, **kw: str) -> tuple[etree._Element, list[Diagnostic]]:
    """Convert an export body; returns the TEI root and the warnings."""
    _, data, diags = convert_text(export(body, **kw), "test", "test.txt")
    return etree.fromstring(data), diags


def xp(root: etree._Element, path: str) -> list:
    """XPath with the TEI namespace as `t`."""
    return root.xpath(path, namespaces=NS)


def speakers(root: etree._Element) -> list[tuple[str, str]]:
    """(who, speaker text) of every turn."""
    return [(sp.get("who"), "".join(sp.find("t:speaker", NS).itertext()))
            for sp in xp(root, "//t:sp")]

"""Benchmark the HTML edition against the cost of merely reading and writing the same TEI.

    python benchmarks/render.py [FILES or FOLDERS ...] [--rounds N] [--check]

For each seed document (default: encoded/*.xml) it times, in the same run and interleaved:
  floor:  lxml's bare parse + serialise of the TEI bytes
  render: hardened parse (xmlio.parse_bytes) + XSLT transform + HTML serialisation
          (tei_edition.render.render_document, stylesheets compiled once, outside the loop)
and prints the ratio render/floor (the target is at most 3). For scale it also times
  identity: hardened parse + an identity XSLT 1.0 transform + HTML serialisation,
the least any XSLT-based page can cost with lxml. Times are CPU time of this
process (time.process_time), the fastest of N rounds: the figures least disturbed by other
work on the machine. Wall-clock times are printed too, for reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tei_edition.render import Stylesheets, render_document  # noqa: E402
from tei_edition.xmlio import parse_bytes  # noqa: E402

TARGET = 3.0


def seed_files(args: list[str]) -> list[Path]:
    """The files named, the *.xml in folders named, or encoded/*.xml."""
    paths = [Path(a) for a in args] or [ROOT / "encoded"]
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.xml")) if path.is_dir() else [path])
    return files


def floor(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data))


IDENTITY = b"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html"/>
  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>
</xsl:stylesheet>"""


def make_identity() -> Callable[[bytes], bytes]:
    identity = etree.XSLT(etree.fromstring(IDENTITY))

    def run(data: bytes) -> bytes:
        root = identity(parse_bytes(data)).getroot()
        return etree.tostring(root, method="html", encoding="unicode").encode("utf-8")
    return run


def make_render(sheets: Stylesheets) -> Callable[[bytes], bytes]:
    def render(data: bytes) -> bytes:
        return render_document(parse_bytes(data), sheets)
    return render


def timed(work: Callable[[bytes], bytes], docs: list[bytes], repeat: int) -> tuple[float, float]:
    """(CPU, wall) seconds for one pass over all documents, `repeat` passes timed together."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for data in docs:
            work(data)
    return (time.process_time() - cpu) / repeat, (time.perf_counter() - wall) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20, help="passes per round")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET}x")
    opts = parser.parse_args(argv)

    files = seed_files(opts.paths)
    if not files:
        print("no seed documents: run `tei-edition convert sources -o encoded` first")
        return 2
    docs = [f.read_bytes() for f in files]

    start = time.perf_counter()
    sheets = Stylesheets.load()
    compile_ms = (time.perf_counter() - start) * 1000
    render, identity = make_render(sheets), make_identity()
    for data in docs:  # warm up caches and the allocator
        floor(data)
        render(data)
        identity(data)

    floors, renders, identities = [], [], []
    for _ in range(opts.rounds):  # interleaved so that all see the same machine state
        floors.append(timed(floor, docs, opts.repeat))
        renders.append(timed(render, docs, opts.repeat))
        identities.append(timed(identity, docs, opts.repeat))
    f, r = min(t[0] for t in floors), min(t[0] for t in renders)
    f_wall, r_wall = min(t[1] for t in floors), min(t[1] for t in renders)
    i = min(t[0] for t in identities)
    ratio = r / f

    size = sum(map(len, docs))
    print(f"documents: {len(docs)} ({size / 1024:.0f} KiB of TEI): "
          + ", ".join(p.name for p in files))
    print(f"compile stylesheets (once per run): {compile_ms:.1f} ms")
    print(f"floor  (parse + serialise TEI):          {f * 1000:7.3f} ms CPU per pass"
          f" ({f_wall * 1000:.3f} ms wall)")
    print(f"render (parse + XSLT + serialise HTML):  {r * 1000:7.3f} ms CPU per pass"
          f" ({r_wall * 1000:.3f} ms wall)")
    print(f"identity (parse + identity XSLT + HTML): {i * 1000:7.3f} ms CPU per pass"
          f" (x{i / f:.2f} the floor)")
    print(f"ratio render/floor: {ratio:.2f} CPU, {r_wall / f_wall:.2f} wall (target <= {TARGET:.0f})")
    return 1 if opts.check and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the HTML edition against the cost of merely reading and writing the same TEI.

    python benchmarks/render.py [FILES or FOLDERS ...] [--rounds N] [--check] [--xslt DIR ...]

For each seed document (default: encoded/*.xml) it times, in the same run and interleaved:
  floor:  lxml's bare parse + serialise of the TEI bytes
  render: hardened parse (xmlio.parse_bytes) + XSLT transform + HTML serialisation
          (tei_edition.render.render_document, stylesheets compiled once, outside the loop)
and prints the ratio render/floor (the target is at most 3). For scale it also times
  identity: hardened parse + an identity XSLT 1.0 transform + HTML serialisation,
the least any XSLT-based page can cost with lxml. Times are CPU time of this
process (time.process_time), the fastest of N rounds: the figures least disturbed by other
work on the machine. Wall-clock times are printed too, for reference.

To show where the render time goes, the three stages of render are also timed on their
own: parse of the bytes (the tree freed), transform of trees parsed once (the result freed),
serialisation of results made once. Their sum is a little less than render, which also
frees the TEI tree and pays the Python glue around the stages.
--xslt DIR (repeatable) times the whole render path once more with the stylesheets of DIR,
interleaved with the rest: the way to compare a variant with the current stylesheets on a
machine whose speed drifts during the run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tei_edition.render import Stylesheets, _serialise, render_document  # noqa: E402
from tei_edition.xmlio import parse_bytes  # noqa: E402

TARGET = 3.0

Work = Callable[[bytes], object]


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


def make_stages(sheets: Stylesheets, docs: list[bytes]) -> dict[str, Work]:
    """The stages of render one by one, each fed with what the stage before it made once.

    Each takes the bytes of a seed document (as every timed function does) and looks up
    the tree or result made from them outside the timed loop.
    """
    trees = {id(data): parse_bytes(data) for data in docs}
    results = {key: sheets.document(tree) for key, tree in trees.items()}

    def transform(data: bytes) -> object:
        return sheets.document(trees[id(data)])

    def serialise(data: bytes) -> bytes:
        return _serialise(results[id(data)])
    return {"parse": parse_bytes, "transform": transform, "serialise": serialise}


def timed(work: Work, docs: list[bytes], repeat: int) -> tuple[float, float]:
    """(CPU, wall) seconds for one pass over all documents, `repeat` passes timed together."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for data in docs:
            work(data)
    return (time.process_time() - cpu) / repeat, (time.perf_counter() - wall) / repeat


def load_average() -> float:
    """The 1-minute load average (NaN where the system has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20, help="passes per round")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET}x")
    parser.add_argument("--xslt", type=Path, action="append", default=[], metavar="DIR",
                        help="also time render with the stylesheets of DIR (repeatable)")
    opts = parser.parse_args(argv)

    files = seed_files(opts.paths)
    if not files:
        print("no seed documents: run `tei-edition convert sources -o encoded` first")
        return 2
    docs = [f.read_bytes() for f in files]

    start = time.perf_counter()
    sheets = Stylesheets.load()
    compile_ms = (time.perf_counter() - start) * 1000
    works: dict[str, Work] = {"floor": floor, "render": make_render(sheets),
                              "identity": make_identity()}
    works.update(make_stages(sheets, docs))
    for directory in opts.xslt:
        works[f"render with {directory}"] = make_render(Stylesheets.load(directory))
    for work in works.values():  # warm up caches and the allocator
        for data in docs:
            work(data)

    load_before = load_average()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in works}
    for _ in range(opts.rounds):  # interleaved so that all see the same machine state
        for name, work in works.items():
            times[name].append(timed(work, docs, opts.repeat))
    load_after = load_average()
    cpu = {name: min(t[0] for t in runs) for name, runs in times.items()}
    wall = {name: min(t[1] for t in runs) for name, runs in times.items()}
    f, r = cpu["floor"], cpu["render"]
    ratio = r / f

    size = sum(map(len, docs))
    print(f"documents: {len(docs)} ({size / 1024:.0f} KiB of TEI): "
          + ", ".join(p.name for p in files))
    print(f"load average (1 min) before and after the timing: {load_before:.2f}, {load_after:.2f}")
    print(f"compile stylesheets (once per run): {compile_ms:.1f} ms")
    print(f"floor  (parse + serialise TEI):          {f * 1000:7.3f} ms CPU per pass"
          f" ({wall['floor'] * 1000:.3f} ms wall)")
    print(f"render (parse + XSLT + serialise HTML):  {r * 1000:7.3f} ms CPU per pass"
          f" ({wall['render'] * 1000:.3f} ms wall)")
    for stage in ("parse", "transform", "serialise"):
        print(f"  of which {stage:<9}                    {cpu[stage] * 1000:7.3f} ms CPU"
              f" (x{cpu[stage] / f:.2f} the floor)")
    print(f"identity (parse + identity XSLT + HTML): {cpu['identity'] * 1000:7.3f} ms CPU per pass"
          f" (x{cpu['identity'] / f:.2f} the floor)")
    for directory in opts.xslt:
        other = cpu[f"render with {directory}"]
        print(f"render with {directory}: {other * 1000:.3f} ms CPU per pass"
              f" (x{other / f:.2f} the floor)")
    print(f"ratio render/floor: {ratio:.2f} CPU, {wall['render'] / wall['floor']:.2f} wall"
          f" (target <= {TARGET:.0f})")
    return 1 if opts.check and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())

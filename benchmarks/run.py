"""Benchmark of the whole pipeline on a corpus of N documents, with reference points measured
in the same run: jing validating the same files against the same schema in one call, and
lxml's bare parse + serialise of the same TEI (the floor).

    python3 benchmarks/run.py [-n 1000] [--work DIR] [--out benchmarks/results.md]
    python3 benchmarks/run.py --word-only     # the Word reader against the text reader only

Figures are reported as ratios against those references, not as absolute targets. The corpus
is made in a temporary folder under --work: by default the memory-backed /dev/shm where there
is one, else benchmarks/. On the project machines the disk is a fresh virtual one: creating a
file where the disk was never written before costs 0.5-1 ms (the file system reads and
initialises its inode tables on first use, init_itable), twenty times what it costs a moment
later in the same folder, and that, not the program, would decide the results. The cost of
the build's own writes (two new files per document) is measured in the same folder as a
reference; `--work benchmarks` measures on the disk.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from render import load_average  # noqa: E402  (benchmarks/render.py, beside this script)
from startup import startup_lines  # noqa: E402  (benchmarks/startup.py)

from tei_edition import __version__  # noqa: E402
from tei_edition.build import build  # noqa: E402
from tei_edition.config import Config  # noqa: E402
from tei_edition.convert import convert_paths  # noqa: E402
from tei_edition.explain import explain_source, render_json  # noqa: E402
from tei_edition.render import render_paths  # noqa: E402
from tei_edition.validate import Validator, schema_file, validate_paths  # noqa: E402

#: The documents a corpus replicates: the seeds (sources/), which the targets are set for
#: ("seed-sized documents"), or the development corpus (tests/corpus/, many of them short
#: telegrams and letters) with the seeds.
CORPORA = {
    "seeds": lambda: sorted((ROOT / "sources").glob("*.txt")),
    "development": lambda: sorted({p.name: p for p in [
        *(ROOT / "tests" / "corpus").glob("*.txt"), *(ROOT / "sources").glob("*.txt")]}.values()),
}


def make_corpus(folder: Path, n: int, corpus: str = "seeds") -> None:
    """N sources: the documents of `corpus` replicated under distinct names."""
    docs = CORPORA[corpus]()
    (folder / "sources").mkdir(parents=True)
    for i in range(n):
        src = docs[i % len(docs)]
        shutil.copyfile(src, folder / "sources" / f"{src.stem}-{i:05d}.txt")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor(files: list[Path]) -> float:
    """lxml's bare parse + serialise of the same TEI files."""
    def run() -> None:
        for f in files:
            etree.tostring(etree.parse(str(f)), encoding="UTF-8")
    return min(timed(run) for _ in range(3))


def writes(files: list[Path], folder: Path) -> float:
    """The file system's share of a build: each TEI file's bytes written as two new files
    (the TEI and the page), atomically and without a flush, as the build writes them."""
    from tei_edition.xmlio import write_atomic

    data = [f.read_bytes() for f in files]
    folder.mkdir()
    start = time.perf_counter()
    for i, d in enumerate(data):
        write_atomic(folder / f"{i}.xml", d, durable=False)
        write_atomic(folder / f"{i}.html", d, durable=False)
    return time.perf_counter() - start


def jing(files: list[Path], schema: Path) -> float | None:
    exe = shutil.which("pyjing") or shutil.which("pyjing", path=os.path.dirname(sys.executable))
    if exe is None or shutil.which("java") is None:
        return None
    start = time.perf_counter()
    subprocess.run([exe, str(schema), *map(str, files)], capture_output=True, check=False)
    return time.perf_counter() - start


def word_against_text(folder: Path, rounds: int) -> list[tuple[str, float, float]]:
    """Each development document converted from its text and from the same document as a
    Word file (one paragraph per source paragraph, as the tests write it): (name, best
    seconds from text, best seconds from Word), reading and writing included."""
    sys.path.insert(0, str(ROOT / "tests"))
    from wordfiles import docx_from_text

    from tei_edition.convert import convert_loaded
    from tei_edition.readers import reader_for

    def once(src: Path) -> None:
        reader = reader_for(src)
        convert_loaded(reader, reader.load(src), src.stem, src.name)

    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for txt in sorted((ROOT / "tests" / "corpus").glob("*.txt")):
        word = docx_from_text(txt.read_text("utf-8"), folder / f"{txt.stem}.docx")
        # Alternated, so that both readers meet the same moments of a shared machine.
        pairs = [(timed(lambda t=txt: once(t)), timed(lambda w=word: once(w)))
                 for _ in range(rounds)]
        out.append((txt.stem, min(a for a, _ in pairs), min(b for _, b in pairs)))
    return out


def word_lines(found: list[tuple[str, float, float]]) -> list[str]:
    """The Word reader's table: per document, and the whole corpus."""
    total_text, total_word = sum(t for _, t, _ in found), sum(w for _, _, w in found)
    worst = max(found, key=lambda r: r[2] / r[1])
    return [
        "The Word reader (`.docx`) against the text reader, the same documents (tests/corpus/ "
        "written as Word files), per document, reading and TEI writing included (target: at "
        "most 3x):", "",
        "| document | text ms | Word ms | Word / text |", "|---|---:|---:|---:|",
        *(f"| {name} | {t * 1000:.1f} | {w * 1000:.1f} | {w / t:.2f} |" for name, t, w in found),
        f"| all {len(found)} | {total_text * 1000:.1f} | {total_word * 1000:.1f} | "
        f"{total_word / total_text:.2f} |", "",
        f"Highest ratio: {worst[2] / worst[1]:.2f} ({worst[0]}).", "",
    ]


def one_round(base: Path) -> tuple[float, dict[str, float], object]:
    """Every measurement once, from a clean state: (mean KB of a TEI file, seconds per step,
    the serial build's result)."""
    for leftover in (base / "stage", base / "writes", base / "p" / "encoded", base / "p" / "site"):
        shutil.rmtree(leftover, ignore_errors=True)
    src = base / "p" / "sources"
    enc = base / "stage" / "encoded"
    times = {"convert": timed(lambda: convert_paths([src], enc))}
    sources = sorted(src.glob("*.txt"))
    times["explain"] = timed(lambda: [render_json(explain_source(s)) for s in sources])
    files = sorted(enc.glob("*.xml"))
    kb = sum(f.stat().st_size for f in files) / len(files) / 1024
    times["floor"] = floor(files)
    times["writes"] = writes(files, base / "writes")
    times["validate"] = timed(lambda: validate_paths(files))
    times["schema"] = timed(lambda: Validator(rules=False).validate(files))
    t_jing = jing(files, schema_file())
    if t_jing is not None:
        times["jing"] = t_jing
    # The HTML stage without and with the persons register and the search index (a fresh
    # folder each: everything written). CPU time as well: both are one process, and on a
    # shared machine the wall time measures the neighbours as much as the program.
    cpu = time.process_time()
    times["html"] = timed(lambda: render_paths([enc], base / "stage" / "site", site_pages=False))
    times["html_cpu"] = time.process_time() - cpu
    cpu = time.process_time()
    times["html_site"] = timed(lambda: render_paths([enc], base / "stage" / "site2"))
    times["html_site_cpu"] = time.process_time() - cpu
    built: list = []
    times["build1"] = timed(lambda: built.append(build(base / "p", jobs=1, config=Config())))
    shutil.rmtree(base / "p" / "encoded")
    shutil.rmtree(base / "p" / "site")
    times["build2"] = timed(lambda: build(base / "p", jobs=2, config=Config()))
    times["noop"] = timed(lambda: build(base / "p", jobs=2, config=Config()))
    return kb, times, built[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="number of documents (default 1000)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="seeds",
                    help="documents to replicate (default: the seeds, as the targets say)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="each step is timed this many times, from a clean state; the best "
                    "time counts (default 3: a virtual machine's timings vary by a third)")
    shm = Path("/dev/shm")
    ap.add_argument("--work", type=Path,
                    default=shm if shm.is_dir() and os.access(shm, os.W_OK) else ROOT / "benchmarks",
                    help="folder in which the temporary corpus is made (default: /dev/shm "
                    "where there is one, else benchmarks/)")
    ap.add_argument("--word-only", action="store_true",
                    help="measure only the Word reader against the text reader and print it")
    ap.add_argument("--scale", metavar="SIZES", nargs="?", const="500,5000,20000",
                    help="also the scale section (benchmarks/scale.py): peak memory and no-op "
                    "builds at these sizes (default 500,5000,20000), a change, shards, start-up")
    args = ap.parse_args()
    n = args.n
    if args.word_only:
        with tempfile.TemporaryDirectory(prefix=".word-", dir=args.work) as tmp:
            print("\n".join(word_lines(word_against_text(Path(tmp), max(args.rounds, 5)))))
        return
    load_before = load_average()
    rows: list[tuple[str, float, str]] = []
    best: dict[str, float] = {}
    built: list = []
    with tempfile.TemporaryDirectory(prefix=".run-", dir=args.work) as tmp:
        base = Path(tmp)
        make_corpus(base / "p", n, args.corpus)
        word = word_against_text(base / "word", max(args.rounds, 5))
        for _ in range(args.rounds):
            kb, times, result = one_round(base)
            if times["build1"] < best.get("build1", float("inf")):
                built = [result]  # the stage table comes from the fastest serial build
            best = {k: min(v, best.get(k, v)) for k, v in times.items()}
    t_convert, t_floor, t_writes, t_validate = (best[k] for k in ("convert", "floor", "writes",
                                                                  "validate"))
    t_jing = best.get("jing")
    t_html, t_build1, t_build2, t_noop = (best[k] for k in ("html", "build1", "build2", "noop"))

    stages = {}
    for step in ("convert", "validate", "html", "register"):
        stages[step] = built[0].stage_seconds.get(step, 0.0) / n
    per_floor = t_floor / n
    load_after = load_average()
    per = lambda t: f"{n / t:,.0f} docs/s"  # noqa: E731
    rows = [
        ("floor: lxml parse + serialise", t_floor, per(t_floor)),
        ("convert (1 process)", t_convert, per(t_convert)),
        ("explain --format json, each source", best["explain"], per(best["explain"])),
        ("validate (lxml RelaxNG + content rules, one call)", t_validate, per(t_validate)),
        ("validate --no-rules (the schema alone, what jing checks)", best["schema"],
         per(best["schema"])),
        ("jing, same files and schema, one call", t_jing or float("nan"), "" if t_jing is None
         else per(t_jing)),
        ("html (XSLT, one call)", t_html, per(t_html)),
        ("html + persons register + search index, one call", best["html_site"],
         per(best["html_site"])),
        ("build --jobs 1 (convert + validate + html)", t_build1, per(t_build1)),
        ("build --jobs 2 (the default here: one per core)", t_build2, per(t_build2)),
        ("build, nothing changed", t_noop, per(t_noop)),
        ("reference: write 2 new files per document (the build's writes)", t_writes,
         per(t_writes)),
    ]
    ratios = [
        ("jing time / validate --no-rules time (same files and schema; target ≥ 5)",
         (t_jing or float("nan")) / best["schema"]),
        ("jing time / validate time (schema + content rules)", (t_jing or float("nan")) / t_validate),
        ("build (default --jobs 2) / floor (target ≤ 10)", t_build2 / t_floor),
        ("build --jobs 1 / floor", t_build1 / t_floor),
        ("convert / floor", t_convert / t_floor),
        ("explain --format json / convert, per document (target ≤ 3)", best["explain"] / t_convert),
        ("validate / floor", t_validate / t_floor),
        ("html / floor", t_html / t_floor),
        ("persons register + search index / html stage, wall time (target ≤ 0.60)",
         (best["html_site"] - t_html) / t_html),
        ("persons register + search index / html stage, CPU time",
         (best["html_site_cpu"] - best["html_cpu"]) / best["html_cpu"]),
        ("speed-up --jobs 2 over --jobs 1 (target ≥ 1.7)", t_build1 / t_build2),
        ("no-change rebuild seconds (target < 1)", t_noop),
    ]
    lines = [
        f"# Benchmark results (tei-edition {__version__})", "",
        f"{n} documents ({args.corpus} corpus replicated), {kb:.1f} KB of TEI each on average; "
        f"{os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}; files in {args.work}.",
        f"Each step timed {args.rounds} times from a clean state, the best time kept; reference "
        "points measured in the same run. Reproduce: "
        f"`python3 benchmarks/run.py -n {n} --corpus {args.corpus} --work {args.work}`.",
        f"Load average (1 min) before and after the run: {load_before:.2f}, {load_after:.2f}"
        + ("; other work was running: the --jobs 2 figures say little." if load_before > 0.5
           else " (the run's own work raises it)."), "",
        "| step | seconds | throughput |", "|---|---:|---:|",
        *(f"| {name} | {t:.2f} | {rate} |" for name, t, rate in rows), "",
        "| ratio | value |", "|---|---:|",
        *(f"| {name} | {v:.2f} |" for name, v in ratios), "",
        "Where the time of `build --jobs 1` goes, per document (the stages as the build "
        "times them; the rest is planning, the index page and the cache):", "",
        "| stage | ms per document | × floor |", "|---|---:|---:|",
        *(f"| {step} | {t * 1000:.2f} | {t / per_floor:.1f} |" for step, t in stages.items()),
        f"| whole build | {t_build1 / n * 1000:.2f} | {t_build1 / t_floor:.1f} |",
        f"| floor | {per_floor * 1000:.3f} | 1.0 |",
        f"| reference: the build's file writes | {t_writes / n * 1000:.3f} | "
        f"{t_writes / t_floor:.1f} |", "",
        *word_lines(word), "",
        *([] if args.scale else startup_lines(args.work)),  # --scale has it in its section
    ]
    if args.scale:
        from scale import report as scale_report

        with tempfile.TemporaryDirectory(prefix=".scale-", dir=args.work) as tmp:
            lines += ["", *scale_report([int(x) for x in args.scale.split(",")], Path(tmp))]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text, "utf-8")


if __name__ == "__main__":
    main()

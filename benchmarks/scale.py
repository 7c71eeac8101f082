"""The scale section of the benchmark: what a build costs as the archive grows.

    python3 benchmarks/scale.py [--sizes 500,5000,20000] [--work DIR] [--out FILE]

All in one run, on corpora of the development documents replicated under distinct names:
- the peak resident memory of `tei-edition build` (the largest process of the build, the
  pool's workers included) at each size, against the peak at the smallest;
- a no-op build at each size (the build cache must not be rewritten);
- a rebuild after one source changes, against 0.3 s plus the time to convert that document;
- `tei-edition convert` of one file against pandoc on the same file (benchmarks/startup.py);
- `build --shard K/N` over 3 shares plus `build --merge`, against one build;
- `validate` of 1,000 TEI files with its process pool against the fork queue it replaced.

Each build runs as its own process, as a user runs it: start-up is part of every figure.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import make_corpus  # noqa: E402
from startup import convert_vs_pandoc, users_environment, validate_pool  # noqa: E402

from tei_edition.buildstate import CACHE_NAME  # noqa: E402

#: Targets of the issue "Scale".
PEAK_RATIO = 1.3
REBUILD_OVERHEAD = 0.3
NOOP_SECONDS = 1.0

# Runs a command and prints the largest resident set of it and its descendants (kB): the
# maximum over the processes waited for, which is how getrusage reports children.
_PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")


def tei_edition(*args: str | Path) -> list[str]:
    """The command line of the console script of this checkout's environment."""
    script = Path(sys.executable).with_name("tei-edition")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "tei_edition"]
    return [*head, *map(str, args)]


def measured(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one command."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True,
                          check=False, env=users_environment())
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return wall, int(done.stdout.split()[-1]) / 1024


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def one_size(work: Path, n: int) -> dict[str, float | bool]:
    """Full build, settling build, no-op builds (best of 3) of n documents."""
    project = work / f"p{n}"
    make_corpus(project, n, "development")
    full, peak = measured(tei_edition("build", project, "-q"))
    # A file hashed within 2 s of being written is hashed again (buildstate.RACY_NS): the
    # build after that settles the cache; the no-op builds measured come after it.
    time.sleep(2.1)
    subprocess.run(tei_edition("build", project, "-q"), capture_output=True, check=False)
    cache = project / "site" / CACHE_NAME
    before = digest(cache)
    noop = min(measured(tei_edition("build", project, "-q"))[0] for _ in range(3))
    return {"n": n, "full": full, "peak": peak, "noop": noop,
            "cache_kept": digest(cache) == before}


def one_change(work: Path, n: int) -> tuple[float, float]:
    """(rebuild seconds after one source changed, seconds of `tei-edition convert` of that
    one source): both are a process of their own, as a user runs them."""
    project = work / f"p{n}"
    source = sorted((project / "sources").glob("*.txt"))[n // 2]
    rebuilds = []
    for i in range(3):
        with source.open("a", encoding="utf-8") as fh:
            fh.write(f"\nOne more sentence ({i}), added to see what a change costs.\n")
        rebuilds.append(measured(tei_edition("build", project, "-q"))[0])
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        convert = min(measured(tei_edition("convert", source, "-o", tmp, "-q", "--force"))[0]
                      for _ in range(3))
    return min(rebuilds), convert


def shards(work: Path, n: int, parts: int = 3) -> tuple[float, float, bool]:
    """(one build seconds, slowest shard + merge seconds, identical encoded/ and site/)."""
    one, split = work / "one", work / "split"
    make_corpus(one, n, "development")
    shutil.copytree(one / "sources", split / "sources")
    t_one = measured(tei_edition("build", one, "-q"))[0]
    slowest = max(measured(tei_edition("build", split, "-q", "--shard", f"{k}/{parts}"))[0]
                  for k in range(1, parts + 1))
    dirs = [split / "shards" / f"{k}-of-{parts}" for k in range(1, parts + 1)]
    merge = measured(tei_edition("build", split, "-q", *(a for d in dirs for a in ("--merge", d))))[0]
    same = all(_files(one / sub) == _files(split / sub) for sub in ("encoded", "site"))
    return t_one, slowest + merge, same


def _files(folder: Path) -> dict[str, str]:
    """Every file of a folder but the build's own hidden state, with its digest."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def report(sizes: list[int], work: Path) -> list[str]:
    runs = [one_size(work, n) for n in sizes]
    base = runs[0]
    lines = ["## Scale", "", f"Development documents replicated; {os.cpu_count()} cores; "
             "each build a process of its own.", "",
             "| documents | full build s | peak MB | peak / peak at "
             f"{base['n']} | no-op build s | cache untouched by the no-op |",
             "|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        ratio = r["peak"] / base["peak"]
        lines.append(f"| {r['n']} | {r['full']:.1f} | {r['peak']:.0f} | {ratio:.2f} "
                     f"({'PASS' if ratio <= PEAK_RATIO else 'FAIL'} ≤ {PEAK_RATIO}) | "
                     f"{r['noop']:.2f} ({'PASS' if r['noop'] < NOOP_SECONDS else 'FAIL'} "
                     f"< {NOOP_SECONDS}) | {'yes' if r['cache_kept'] else 'NO'} |")
    n_change = 5000 if 5000 in sizes else sizes[-1]
    rebuild, convert = one_change(work, n_change)
    budget = REBUILD_OVERHEAD + convert
    lines += ["", f"One source changed at {n_change} documents: rebuild {rebuild:.2f} s (best "
              f"of 3 changes); `tei-edition convert` of that document alone {convert:.3f} s; "
              f"target ≤ {budget:.2f} s (0.3 s + that conversion): "
              f"{'PASS' if rebuild <= budget else 'FAIL'}."]
    t_one, t_split, same = shards(work / "shards", min(sizes))
    lines += ["", f"Shards at {min(sizes)} documents: one build {t_one:.1f} s; 3 shards "
              f"(slowest, as on 3 machines) plus the merge {t_split:.1f} s; encoded/ and site/ "
              f"{'identical' if same else 'DIFFERENT'} to one build's."]
    lines += _startup(work)
    return lines


def _startup(work: Path) -> list[str]:
    """`tei-edition convert` of one file against pandoc, and `validate`'s process pool
    against the fork queue it replaced (benchmarks/startup.py)."""
    return ["", *convert_vs_pandoc(ROOT / "sources" / "wcda-119000.txt", work / "startup", 15),
            "", *validate_pool(work / "pool", files=1000, jobs=2, rounds=7)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,5000,20000",
                    help="document counts, the first being the reference (default 500,5000,20000)")
    ap.add_argument("--work", type=Path,
                    default=Path("/dev/shm") if Path("/dev/shm").is_dir() else ROOT / "benchmarks")
    ap.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="tei-edition-scale-", dir=args.work) as tmp:
        text = "\n".join(report(sizes, Path(tmp))) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

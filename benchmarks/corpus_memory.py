"""Peak memory and time of writing encoded/corpus.xml (corpus.write_corpus) at several sizes.

    python benchmarks/corpus_memory.py make --work /dev/shm/corpus-bench -n 500 5000 20000
    python benchmarks/corpus_memory.py measure --work /dev/shm/corpus-bench -n 500 5000 20000
    python benchmarks/corpus_memory.py measure ... --reference main   # the corpus.py of a git ref

`make` converts the seeds and the development corpus once (with a registry of three persons
who occur in several documents, so registry links gather across documents), then copies the
TEI files under distinct names, each with its root's xml:id renamed to match (a document's
id qualifies its part's ids and its register persons). `measure` runs write_corpus in a fresh
process per size, three ways: with no corpus yet (every file written), again with nothing
changed (every file compared), and is_current on the result; it prints the peak RSS of the
process (ru_maxrss, which includes the interpreter and its imports: the "floor" column is the
peak before write_corpus is called) and the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = """
[edition]
publisher = "Benchmark edition"
licence = "CC BY 4.0"
licence_url = "https://creativecommons.org/licenses/by/4.0/"

[[person]]
id = "han-iksu"
name = "Han Ik-su"
forms = ["Han"]
wikidata = "Q99999"

[[person]]
id = "zhou-qiuye"
name = "Zhou Qiuye"

[[person]]
id = "tang-yingbin"
name = "Tang Yingbin"
"""

# Run in a fresh interpreter: ru_maxrss is the peak of the whole process.
CHILD = r"""
import importlib.util, json, os, resource, shutil, subprocess, sys, time
from pathlib import Path
import tei_edition
from tei_edition.config import load_config
work, ref = Path(sys.argv[1]), sys.argv[2]
if ref:
    source = subprocess.run(["git", "-C", sys.argv[3], "show", f"{ref}:tei_edition/corpus.py"],
                            check=True, capture_output=True).stdout
    path = Path(sys.argv[4])
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("tei_edition.corpus_reference", path)
    corpus = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
else:
    from tei_edition import corpus
encoded = work / "encoded"
config = load_config(work / "tei-edition.toml")
# strings, not Paths: the list is in the peak too
names = sorted(n[:-4] for n in os.listdir(encoded) if n.endswith(".xml") and n != "corpus.xml")
mode = sys.argv[5]
if mode == "cold":
    shutil.rmtree(encoded / "corpus", ignore_errors=True)
    (encoded / "corpus.xml").unlink(missing_ok=True)
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu_start = time.perf_counter(), cpu()
if mode == "is_current":
    times = []
    for _ in range(5):
        t = time.perf_counter()
        current = corpus.is_current(encoded, names, config)
        times.append(time.perf_counter() - t)
    seconds, errors = min(times), [] if current else ["is_current: False"]
else:
    errors = [d.format() for d in corpus.write_corpus(encoded, names, config)]
    seconds = time.perf_counter() - start
cpu_seconds = cpu() - cpu_start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"floor_kb": floor, "peak_kb": peak, "seconds": round(seconds, 4),
                  "cpu_seconds": round(cpu_seconds, 4),
                  "corpus_bytes": (encoded / "corpus.xml").stat().st_size, "errors": errors}))
"""


def make(work: Path, sizes: list[int]) -> None:
    """Convert the documents once, then copy them under distinct names for each size."""
    base = work / "base"
    if not (base / "encoded").is_dir():
        (base / "sources").mkdir(parents=True, exist_ok=True)
        for src in [*(ROOT / "tests" / "corpus").glob("*.txt"), *(ROOT / "sources").glob("*.txt")]:
            shutil.copyfile(src, base / "sources" / src.name)
        (base / "tei-edition.toml").write_text(REGISTRY, "utf-8")
        subprocess.run([sys.executable, "-m", "tei_edition", "convert",
                        *map(str, sorted((base / "sources").glob("*.txt"))),
                        "-o", str(base / "encoded"), "-q",
                        "--config", str(base / "tei-edition.toml")], check=True)
    docs = [(p.stem, p.read_bytes()) for p in sorted((base / "encoded").glob("*.xml"))]
    for n in sizes:
        folder = work / f"n{n}"
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "encoded").mkdir(parents=True)
        shutil.copyfile(base / "tei-edition.toml", folder / "tei-edition.toml")
        for i in range(n):
            stem, data = docs[i % len(docs)]
            name = f"{stem}-{i:05d}"
            renamed = data.replace(f'xml:id="{stem}"'.encode(), f'xml:id="{name}"'.encode(), 1)
            (folder / "encoded" / f"{name}.xml").write_bytes(renamed)


def measure(work: Path, sizes: list[int], reference: str) -> list[dict]:
    """Each size, each mode, in a fresh process; prints and returns the rows."""
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for n in sizes:
        for mode in ("cold", "warm", "is_current"):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(work / f"n{n}"), reference, str(ROOT),
                 str(work / "corpus_reference.py"), mode],
                check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
            row = {"n": n, "mode": mode, "code": reference or "worktree", **json.loads(out)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["make", "measure"])
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/corpus-bench"))
    parser.add_argument("-n", type=int, nargs="+", default=[500, 5000, 20000])
    parser.add_argument("--reference", default="", help="a git ref whose corpus.py to measure")
    args = parser.parse_args()
    if args.action == "make":
        make(args.work, args.n)
    else:
        measure(args.work, args.n, args.reference)


if __name__ == "__main__":
    main()

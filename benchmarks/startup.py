"""Start-up and parallel validation, measured in one run:

- `convert_vs_pandoc`: `tei-edition convert ONE_FILE -o DIR` as a Makefile or an editor calls
  it (the console script, a fresh process each time) against pandoc converting the same file
  to TEI (`pandoc -f markdown -t tei -s FILE -o OUT.xml`: a plain-text reader and a
  standalone TEI writer, the nearest pandoc has to what convert does). Target: at most 1.3
  times pandoc's wall time.
- `validate_pool`: `validate --jobs 2` on about a thousand TEI files with the process pool of
  this version against the fork-and-pipe queue it replaced (loaded from git). Target: new/old
  at most 1.05.

    python benchmarks/startup.py [--source FILE] [--rounds 20] [--files 1000] [--jobs 2]
                                 [--pool-rounds 7] [--work DIR] [--skip-validate]
                                 [--tei-edition PATH/TO/tei-edition]

Times are medians of interleaved runs (ours, then pandoc, then pandoc, then ours …), so that
a load that comes and goes on the machine falls on both alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Start-up target: our wall time over pandoc's.
STARTUP_TARGET = 1.3
#: Parallel validation target: the pool's time over the fork queue's.
POOL_TARGET = 1.05
#: The last commit whose validate.py has the fork-and-pipe queue (`_check_forked`).
OLD_VALIDATE_REF = "4068e41"
WARM_UP = 2


def _work_folder(work: Path | None) -> Path:
    """A fresh folder under `work`, else under the memory-backed /dev/shm where there is one
    (a fresh virtual disk makes first writes slow, see benchmarks/run.py)."""
    base = work or (Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    return Path(tempfile.mkdtemp(prefix="tei-startup-", dir=base))


def console_script() -> list[str]:
    """How users start tei-edition: the console script of this interpreter's environment,
    else one on PATH, else `python -m tei_edition`."""
    beside = Path(sys.executable).with_name("tei-edition")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("tei-edition")
    return [found] if found else [sys.executable, "-m", "tei_edition"]


def users_environment() -> dict[str, str]:
    """The environment of the measured commands: this one, but Python may write its
    bytecode caches, as it does in users' installations (a sandbox that sets
    PYTHONDONTWRITEBYTECODE would have every start compile every module from source)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def interleaved(commands: Sequence[Sequence[str]], rounds: int) -> list[list[float]]:
    """Wall times (s) of each command, run in turn `rounds` times after a warm-up; the
    order is reversed every other round."""
    env = users_environment()
    times: list[list[float]] = [[] for _ in commands]
    for r in range(rounds + WARM_UP):
        order = list(range(len(commands)))[::-1 if r % 2 else 1]
        for i in order:
            start = time.perf_counter()
            subprocess.run(commands[i], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False, env=env)
            if r >= WARM_UP:
                times[i].append(time.perf_counter() - start)
    return times


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def convert_vs_pandoc(source: Path, work: Path, rounds: int, *,
                      command: Sequence[str] | None = None) -> list[str]:
    """Markdown lines: the median wall time of a one-file convert (a fresh process each
    time), pandoc's on the same file, the ratio and PASS/FAIL against 1.3. Without pandoc:
    our time alone, and that it could not be compared."""
    work.mkdir(parents=True, exist_ok=True)
    ours = [*(command or console_script()), "convert", str(source), "-o", str(work / "tei"),
            "-q"]
    beside = Path(ours[0]).with_name("python")  # the interpreter of that installation
    python = str(beside) if beside.is_file() else sys.executable
    floors = [[python, "-c", "pass"], [python, "-c", "import lxml.etree, click"]]
    pandoc = shutil.which("pandoc")
    theirs = [pandoc, "-f", "markdown", "-t", "tei", "-s", str(source), "-o",
              str(work / "pandoc.xml")] if pandoc else None
    runs = interleaved([ours, *floors, *([theirs] if theirs else [])], rounds)
    medians = [statistics.median(t) for t in runs]
    lines = [
        "## Start-up: one-file convert against pandoc", "",
        f"{source.name} ({source.stat().st_size} bytes); median of {rounds} interleaved runs, "
        "each a fresh process" + (f" (PYTHONPATH={os.environ['PYTHONPATH']})"
                                  if os.environ.get("PYTHONPATH") else "") + ".", "",
        "| command | median | fastest |", "|---|---:|---:|",
        f"| `tei-edition convert FILE -o DIR -q` ({ours[0]}) | {_ms(medians[0])} | "
        f"{_ms(min(runs[0]))} |",
        f"| floor: `python -c pass` | {_ms(medians[1])} | {_ms(min(runs[1]))} |",
        f"| floor: `python -c 'import lxml.etree, click'` | {_ms(medians[2])} | "
        f"{_ms(min(runs[2]))} |",
    ]
    if theirs is None:
        return [*lines, "", f"pandoc is not installed: convert alone takes {_ms(medians[0])} "
                "(no ratio, no verdict)."]
    ratio = medians[0] / medians[3]
    verdict = "PASS" if ratio <= STARTUP_TARGET else "FAIL"
    return [*lines, f"| `pandoc -f markdown -t tei -s FILE -o OUT.xml` | {_ms(medians[3])} | "
            f"{_ms(min(runs[3]))} |", "",
            f"ratio tei-edition / pandoc: **{ratio:.2f}** (target ≤ {STARTUP_TARGET}): "
            f"**{verdict}**"]


def startup_lines(work: Path | None = None, rounds: int = 10) -> list[str]:
    """`convert_vs_pandoc` on the larger seed, in a folder of its own removed afterwards
    (the line benchmarks/run.py adds to its report)."""
    folder = _work_folder(work)
    try:
        return convert_vs_pandoc(ROOT / "sources" / "wcda-119000.txt", folder, rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- parallel validation ------------------------------------------------------------------
def make_tei_corpus(folder: Path, n: int) -> Path:
    """N TEI files: copies of the development documents (sources/, tests/corpus/) under
    distinct names, converted as `tei-edition convert` does."""
    from tei_edition.config import Config
    from tei_edition.convert import convert_paths

    docs = sorted({p.name: p for p in [*(ROOT / "tests" / "corpus").glob("*.txt"),
                                        *(ROOT / "sources").glob("*.txt")]}.values())
    sources = folder / "sources"
    sources.mkdir(parents=True)
    for i in range(n):
        src = docs[i % len(docs)]
        shutil.copyfile(src, sources / f"{src.stem}-{i:05d}.txt")
    encoded = folder / "encoded"
    result = convert_paths([sources], encoded, config=Config())
    assert not result.usage_errors, result.usage_errors
    return encoded


def old_validate(ref: str = OLD_VALIDATE_REF) -> ModuleType | None:
    """validate.py as it was at `ref`, loaded beside the package (its relative imports
    resolve to this version's modules); None when git cannot show it."""
    try:
        text = subprocess.run(["git", "show", f"{ref}:tei_edition/validate.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="tei-old-validate-")) / "validate.py"
    path.write_text(text, "utf-8")
    name = "tei_edition._validate_before_pool"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # workers find its functions by name
    spec.loader.exec_module(module)
    return module


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def validate_pool(work: Path, files: int = 1000, jobs: int = 2, rounds: int = 5) -> list[str]:
    """Markdown lines: `validate` of `files` TEI files with `jobs` processes, this version's
    pool against the fork-and-pipe queue of OLD_VALIDATE_REF (medians of interleaved runs,
    schema compiled beforehand), the ratio new/old and PASS/FAIL against 1.05."""
    from tei_edition import validate as new

    old = old_validate()
    encoded = make_tei_corpus(work / "corpus", files)
    n = len(list(encoded.glob("*.xml")))
    lines = ["## Parallel validation: process pool against the fork queue", "",
             f"{n} TEI files, --jobs {jobs}; median of {rounds} interleaved runs.", ""]
    if old is None:
        validator = new.Validator()
        alone = statistics.median(_timed(lambda: validator.validate([encoded], jobs))
                                  for _ in range(rounds))
        return [*lines, f"git cannot show {OLD_VALIDATE_REF}: the pool alone takes "
                f"{_ms(alone)}."]
    validators = {"old": old.Validator(), "new": new.Validator()}
    reports = {k: v.validate([encoded], jobs) for k, v in validators.items()}  # warm-up
    same = [(d.file, d.line, d.rule, d.message) for d in reports["old"].diagnostics] == \
        [(d.file, d.line, d.rule, d.message) for d in reports["new"].diagnostics]
    wall: dict[str, list[float]] = {"old": [], "new": []}
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(rounds):
        for key in (["old", "new"] if r % 2 == 0 else ["new", "old"]):
            spent = _cpu()
            wall[key].append(_timed(lambda v=validators[key]: v.validate([encoded], jobs)))
            cpu[key].append(_cpu() - spent)
    medians = {k: statistics.median(t) for k, t in wall.items()}
    ratio = medians["new"] / medians["old"]
    # Each round runs both one after the other: the ratio within a round is the least
    # disturbed by a load that comes and goes.
    paired = statistics.median(n / o for n, o in zip(wall["new"], wall["old"], strict=True))
    verdict = "PASS" if ratio <= POOL_TARGET else "FAIL"
    cpus = {k: statistics.median(t) for k, t in cpu.items()}
    return [*lines, "| implementation | median | fastest | CPU, all processes (median) |",
            "|---|---:|---:|---:|",
            f"| fork + pipe queue ({OLD_VALIDATE_REF}) | {_ms(medians['old'])} | "
            f"{_ms(min(wall['old']))} | {_ms(cpus['old'])} |",
            f"| ProcessPoolExecutor (this version) | {_ms(medians['new'])} | "
            f"{_ms(min(wall['new']))} | {_ms(cpus['new'])} |", "",
            f"same diagnostics: {'yes' if same else 'NO'}; ratio new / old: **{ratio:.3f}** "
            f"(target ≤ {POOL_TARGET}): **{verdict}**; within a round (median): {paired:.3f}; "
            f"fastest: {min(wall['new']) / min(wall['old']):.3f}; CPU: "
            f"{cpus['new'] / cpus['old']:.3f}"]


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "sources" / "wcda-119000.txt")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pool-rounds", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--tei-edition", dest="script", default=None,
                        help="the console script to measure (default: this environment's)")
    parser.add_argument("--skip-validate", action="store_true")
    args = parser.parse_args(argv)
    work = _work_folder(args.work)
    try:
        command = [args.script] if args.script else None
        print("\n".join(convert_vs_pandoc(args.source, work, args.rounds, command=command)))
        if not args.skip_validate:
            print()
            print("\n".join(validate_pool(work, args.files, args.jobs, args.pool_rounds)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Atomic output: a run killed at any moment leaves each file old or new, never partial.

Outputs are written to a temporary file beside the target and renamed over it. The tests
kill real processes with SIGKILL (no cleanup handler runs) at random moments: first a
conversion of a large corpus, then a writer busy with big files, where almost every kill
lands in the middle of a write. Afterwards every output must be absent, the old file or
the complete new one.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import encoded_documents

from tei_edition import xmlio
from tei_edition.convert import convert_text
from tei_edition.xmlio import write_atomic

CORPUS = Path(__file__).parent / "corpus"
COPIES = 3  # of each corpus document: a run long enough to be interrupted
CLI = [sys.executable, "-c", "from tei_edition.cli import main; main()"]
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def _kill_at(cmd: list[str], delay: float) -> int | None:
    """Start `cmd`, SIGKILL it after `delay` seconds; its exit status if it ended first."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def _leftovers(folder: Path, expected: set[str]) -> list[str]:
    """Files that are neither an expected output nor a stray temporary file of a kill."""
    return [p.name for p in folder.iterdir()
            if p.name not in expected and not (p.name.startswith(".") and p.name.endswith(".tmp"))]


@pytest.fixture(scope="module")
def large_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes],
                                                                  dict[str, bytes]]:
    """Sources (the corpus, each body repeated), and the old and new TEI of each."""
    folder = tmp_path_factory.mktemp("large-run")
    sources = folder / "sources"
    sources.mkdir()
    old: dict[str, bytes] = {}
    new: dict[str, bytes] = {}
    for src in sorted(CORPUS.glob("*.txt")):
        head, sep, body = src.read_text("utf-8").partition("Translation - English\n")
        if not sep:
            continue
        for copy in range(COPIES):
            name = f"{src.stem}-{copy}"
            text = head + sep + body * 6
            raw = text.encode("utf-8")
            (sources / f"{name}.txt").write_bytes(raw)
            new[name] = convert_text(text, name, f"{name}.txt", raw)[1]
            before = text.replace(" the ", " a ", 3)  # an earlier state of the same source
            old[name] = convert_text(before, name, f"{name}.txt", before.encode())[1]
            assert old[name] != new[name]
    return folder, old, new


def _timed_run(cmd: list[str]) -> float:
    """Seconds a complete run of `cmd` takes."""
    start = time.perf_counter()
    assert _kill_at(cmd, 120) in (0, 1)
    return time.perf_counter() - start


def test_sigkill_during_a_large_conversion_run(large_run: tuple[Path, dict[str, bytes],
                                                                dict[str, bytes]]) -> None:
    folder, old, new = large_run
    out = folder / "encoded"
    convert = [*CLI, "convert", str(folder / "sources"), "-o", str(out)]
    expected = {f"{name}.xml" for name in new}

    def restore_old() -> None:
        for name, data in old.items():  # every round starts from the old outputs
            write_atomic(out / f"{name}.xml", data)

    _timed_run(convert)
    restore_old()
    full = _timed_run(convert)  # a whole run from the state every round starts in
    startup = _timed_run([*CLI, "--help"])  # interpreter and imports, before any work
    rnd = random.Random()
    kills = 0
    # One kill in each fifth of the first 90% of the working time, at a random moment within
    # it: spread over the whole run, and relative to this machine's speed, so that a faster
    # converter does not make the runs end before their kills.
    for fifth in range(5):
        restore_old()
        delay = startup + (full - startup) * 0.9 * (fifth + rnd.random()) / 5
        if _kill_at(convert, delay) is None:
            kills += 1
        for name in new:
            path = out / f"{name}.xml"
            data = path.read_bytes()
            assert data in (old[name], new[name]), f"{path} is partial after a kill at {delay:.2f} s"
        assert _leftovers(out, expected) == []
    assert kills >= 3, f"{5 - kills} of 5 runs ended before their kill (a run takes {full:.2f} s)"
    # The next run finishes the job, stray temporary files or not.
    assert _kill_at(convert, 60) in (0, 1)
    for name, data in new.items():
        assert (out / f"{name}.xml").read_bytes() == data


_WRITER = """
import sys
from tei_edition.xmlio import write_atomic
folder, size = sys.argv[1], int(sys.argv[2])
n = 0
while True:
    for i in range(3):
        write_atomic(f"{folder}/out{i}.xml", (b"AB"[n % 2:n % 2 + 1]) * size)
    n += 1
"""


def test_sigkill_in_the_middle_of_writes(tmp_path: Path) -> None:
    """A writer that does nothing but write 16 MB files: kills land mid-write."""
    size = 16 * 2**20
    rnd = random.Random()
    for _ in range(4):
        _kill_at([sys.executable, "-c", _WRITER, str(tmp_path), str(size)], rnd.uniform(0.2, 0.8))
        for i in range(3):
            path = tmp_path / f"out{i}.xml"
            if not path.exists():
                continue
            data = path.read_bytes()
            assert len(data) == size and data.count(data[:1]) == size, f"{path} is partial"
    assert _leftovers(tmp_path, {f"out{i}.xml" for i in range(3)}) == []


# --------------------------------------------------------------------------- write_atomic

def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "doc.xml"
    target.write_bytes(b"old")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.xml"]  # no temporary file left


def test_interrupted_write_keeps_the_old_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between writing and renaming: old file kept, temporary file removed."""
    target = tmp_path / "doc.xml"
    target.write_bytes(b"old")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.xml"]


def test_mode_of_an_existing_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "doc.xml"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == b"new"


def test_new_file_follows_the_umask(tmp_path: Path) -> None:
    """Not the 0600 of the temporary file: a web server or a colleague must read the output."""
    write_atomic(tmp_path / "sub" / "doc.xml", b"new")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "sub" / "doc.xml").stat().st_mode) == 0o666 & ~umask


def test_symlinked_output_is_replaced_not_followed(tmp_path: Path) -> None:
    """Writing never goes through a link to somewhere else."""
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"precious")
    link = tmp_path / "doc.xml"
    link.symlink_to(elsewhere)
    xmlio.write_atomic(link, b"new")
    assert elsewhere.read_bytes() == b"precious"
    assert not link.is_symlink() and link.read_bytes() == b"new"


# --------------------------------------------------------------------------- durability

class _Flushes:
    """Counts fsync and sync calls (and still performs them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, with_sync: bool = True) -> None:
        self.fsync = self.sync = 0
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            self.fsync += 1
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        if with_sync and hasattr(os, "sync"):
            real_sync = os.sync

            def sync() -> None:
                self.sync += 1
                real_sync()

            monkeypatch.setattr(os, "sync", sync)
        else:
            monkeypatch.delattr(os, "sync", raising=False)


def test_single_write_is_flushed_with_its_folder(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    flushes = _Flushes(monkeypatch)
    write_atomic(tmp_path / "doc.xml", b"new")
    assert flushes.fsync == 2  # the file, then the folder holding the rename


def test_a_run_flushes_once_not_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """convert of several sources: no fsync per file, one sync for the run; none when
    nothing was written."""
    from tei_edition.convert import convert_paths

    sources = tmp_path / "src"
    sources.mkdir()
    for src in sorted(CORPUS.glob("syn-0[1-3]*.txt")):
        (sources / src.name).write_bytes(src.read_bytes())
    flushes = _Flushes(monkeypatch)
    result = convert_paths([sources], tmp_path / "out")
    assert [f.status for f in result.files] == ["converted"] * 3
    if hasattr(os, "sync"):
        assert (flushes.fsync, flushes.sync) == (0, 1)
    result = convert_paths([sources], tmp_path / "out")
    assert [f.status for f in result.files] == ["unchanged"] * 3
    assert flushes.sync <= 1


def test_without_sync_each_file_and_folder_is_flushed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    files = [tmp_path / "a" / "one.xml", tmp_path / "a" / "two.xml", tmp_path / "b" / "three.xml"]
    for f in files:
        write_atomic(f, b"x", durable=False)
    flushes = _Flushes(monkeypatch, with_sync=False)
    xmlio.sync_written([*files, tmp_path / "a" / "gone.xml"])
    assert flushes.fsync == 3 + 2  # three files, two folders; the missing file is skipped


# --------------------------------------------------------------------------- a build, killed


def _small_corpus(count: int) -> dict[str, str]:
    """The `count` smallest documents of the first twelve of the corpus: short builds."""
    files = sorted((p for p in CORPUS.glob("syn-*.txt") if int(p.name[4:6]) <= 12),
                   key=lambda p: p.stat().st_size)[:count]
    return {p.stem[:6]: p.read_text("utf-8") for p in files}


def _versions(text: str) -> list[str]:
    """Three states of one source: as it is, and two earlier ones."""
    return [text, text.replace(" the ", " a ", 1), text.replace(" the ", " a ", 2)]


def _listed(site: Path) -> set[str]:
    index = (site / "index.html").read_text("utf-8")
    return set(re.findall(r'href="([^"/]+)\.html"', index)) - {"index", "search"}  # site pages


def _fork_build(root: Path, delay: float) -> bool:
    """Run a build in a forked copy of this process and SIGKILL it after `delay` seconds;
    True when it was killed before it ended. A fork starts at once with everything
    imported and compiled, so the kill lands in the build's own work, not in the start of
    an interpreter."""
    from tei_edition.build import build

    pid = os.fork()
    if pid == 0:  # the child: build, then leave without running the parent's cleanup
        status = 3
        try:
            status = build(root, jobs=1).exit_status
        finally:
            os._exit(status)
    deadline = time.perf_counter() + delay
    while time.perf_counter() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return False
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")
def test_sigkill_during_builds_then_restores_deletions_and_renames_converge(
        tmp_path: Path) -> None:
    """Kill a build at a random moment; then restore a source from an older state with an
    older mtime (as `cp -p`, `tar`, `rsync -a` do), delete one and rename one; build again.
    `check` must pass and the site list exactly the sources, round after round."""
    from tei_edition.build import build
    from tei_edition.check import check

    root = tmp_path
    sources = root / "sources"
    sources.mkdir()
    pool = {name: _versions(text) for name, text in _small_corpus(5).items()}
    for name, versions in pool.items():
        (sources / f"{name}.txt").write_text(versions[0], "utf-8")
    build(root, jobs=1)  # compiles the schema and stylesheets once, for every fork
    shutil.rmtree(root / "encoded")
    shutil.rmtree(root / "site")
    start = time.perf_counter()
    assert not _fork_build(root, 120)
    full = time.perf_counter() - start  # every document converted, validated and rendered
    rnd = random.Random()
    old = time.time_ns() - 10**12  # long before any output was written
    kills = 0
    for round_ in range(20):
        _change(sources, pool, rnd, old, f"k{round_}", delete=False)  # work for the build...
        kills += _fork_build(root, rnd.uniform(0, full))  # ...killed at a random moment
        _change(sources, pool, rnd, old, f"r{round_}", delete=True)
        start = time.perf_counter()
        result = build(root, jobs=1)
        full = time.perf_counter() - start  # the next kill: within a build of this size
        assert result.exit_status == 0, [d.format() for d in result.diagnostics]
        report = check(root)
        problems = [d.format() for d in report.diagnostics if d.severity == "error"]
        assert report.exit_status == 0 and not problems, (round_, problems)
        names = {p.stem for p in sources.glob("*.txt")}
        assert {p.stem for p in encoded_documents(root / "encoded")} == names, round_
        assert {p.stem for p in (root / "site").glob("*.html")} - {"index", "search"} == names, round_
        assert _listed(root / "site") == names, round_
    assert kills >= 5, f"only {kills} of 20 builds were killed (a build takes {full:.2f} s)"


def _change(sources: Path, pool: dict[str, list[str]], rnd: random.Random, old: int, tag: str,
            *, delete: bool) -> None:
    """Restore one source from an older state with an older mtime than its outputs (as
    `cp -p`, `tar`, `rsync -a` do), delete one, rename one (its outputs become orphans)."""
    present = sorted(sources.glob("*.txt"))
    src = rnd.choice(present)
    src.write_text(rnd.choice([v for v in pool[src.stem[:6]] if v != src.read_text("utf-8")]),
                   "utf-8")
    os.utime(src, ns=(old, old))
    if delete and len(present) > 2:
        gone = rnd.choice([p for p in present if p != src])
        gone.unlink()
        present.remove(gone)
    moved = rnd.choice(present)
    moved.rename(moved.with_name(f"{moved.stem[:6]}-{tag}.txt"))
    if len(present) < 4:  # keep a few documents in play
        name = rnd.choice(sorted(pool))
        back = sources / f"{name}-b{tag}.txt"
        back.write_text(rnd.choice(pool[name]), "utf-8")
        os.utime(back, ns=(old, old))

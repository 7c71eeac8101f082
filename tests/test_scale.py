"""Building at scale: shares of the sources built apart and merged (`build --shard K/N`,
`build --merge`), and a build that leaves its cache alone when there is nothing to do."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, copy_sources, run_console
from hypothesis import given, settings
from hypothesis import strategies as st

from tei_edition.build import Share
from tei_edition.buildstate import CACHE_NAME

#: A dozen development documents: enough for three shares of several documents each.
NAMES = sorted(p.stem for p in CORPUS.glob("*.txt"))[:12]


def files(folder: Path) -> dict[str, str]:
    """Every file below `folder` but the build's hidden state, with its digest."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


@pytest.fixture(scope="module")
def one_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_sources(tmp_path_factory.mktemp("one"), NAMES)
    from tei_edition import cli

    with pytest.raises(SystemExit) as done:
        cli.cli.main(["build", str(project), "-q", "-j", "2"], standalone_mode=False)
    assert done.value.code == 0
    return project


def shard_all(capsys: pytest.CaptureFixture[str], project: Path, n: int) -> list[Path]:
    out = []
    for k in range(1, n + 1):
        status, text = run_console(capsys, "build", project, "-q", "-j", "1", "--shard", f"{k}/{n}")
        assert status == 0, text
        out.append(project / "shards" / f"{k}-of-{n}")
    return out


def merge_args(dirs: list[Path]) -> list[str | Path]:
    return [a for d in dirs for a in ("--merge", d)]


def test_three_shards_and_a_merge_are_one_build(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, one_build: Path) -> None:
    project = copy_sources(tmp_path, NAMES)
    dirs = shard_all(capsys, project, 3)
    built = [sorted(p.stem for p in (d / "encoded").glob("*.xml")) for d in dirs]
    assert sorted(n for names in built for n in names) == NAMES  # disjoint, and all of them
    assert all(built), built  # 12 documents: no share is empty
    assert not (dirs[0] / "encoded" / "corpus.xml").exists()  # a shard writes no corpus
    status, out = run_console(capsys, "build", project, *merge_args(dirs))
    assert status == 0, out
    assert "0 converted, 12 unchanged" in out, out  # the shards' work is kept, not redone
    for sub in ("encoded", "site"):
        assert files(project / sub) == files(one_build / sub), sub
    # and the merged project is a project like any other: the next build has nothing to do
    status, out = run_console(capsys, "build", project)
    assert status == 0 and "0 converted, 12 unchanged" in out and "site: 0 file(s)" in out, out


def test_a_source_no_shard_built_is_built_by_the_merge(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, one_build: Path) -> None:
    project = copy_sources(tmp_path, NAMES)
    dirs = shard_all(capsys, project, 3)
    status, out = run_console(capsys, "build", project, *merge_args(dirs[:2]))
    assert status == 0, out
    missing = len(list((dirs[2] / "encoded").glob("*.xml")))
    assert f"{missing} converted, {12 - missing} unchanged" in out, out
    assert files(project / "encoded") == files(one_build / "encoded")


def test_the_merge_keeps_a_hand_edited_tei_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = copy_sources(tmp_path, NAMES[:4])
    dirs = shard_all(capsys, project, 2)
    theirs = next(p for d in dirs for p in (d / "encoded").glob("*.xml"))
    edited = project / "encoded" / theirs.name
    edited.parent.mkdir(parents=True, exist_ok=True)
    text = theirs.read_text("utf-8")
    edited.write_text(text.replace("</body>", "<p>An editor's addition.</p></body>", 1), "utf-8")
    status, out = run_console(capsys, "build", project, *merge_args(dirs))
    assert "An editor's addition." in edited.read_text("utf-8")
    assert f"{edited}:0:0: warning: [hand-edited]" in out, out
    assert status in (0, 1), out


@pytest.mark.parametrize("bad", ["0/3", "4/3", "x/3", "3", "1/0", "-1/2"])
def test_a_bad_share_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      bad: str) -> None:
    project = copy_sources(tmp_path, NAMES[:1])
    status, out = run_console(capsys, "build", project, "--shard", bad)
    assert status == 2, out
    assert not (project / "shards").exists() and not (project / "encoded").exists()


def test_merging_a_folder_that_is_no_shard_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = copy_sources(tmp_path, NAMES[:1])
    (tmp_path / "other").mkdir()
    status, out = run_console(capsys, "build", project, "--merge", tmp_path / "other")
    assert status == 2, out
    assert "not the output of `build --shard`" in out
    assert not (project / "encoded").exists()


def test_shard_and_merge_do_not_go_together(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    project = copy_sources(tmp_path, NAMES[:1])
    status, _ = run_console(capsys, "build", project, "--shard", "1/2", "--merge", tmp_path)
    assert status == 2


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=40, unique=True),
       n=st.integers(min_value=1, max_value=9))
def test_shares_are_disjoint_cover_everything_and_depend_on_the_name_alone(
        names: list[str], n: int) -> None:
    shares = [Share(k, n) for k in range(1, n + 1)]
    for name in names:
        assert sum(s.holds(name) for s in shares) == 1
    # the same name, asked again or among other names, in another order: the same share
    assert [next(s.k for s in shares if s.holds(x)) for x in names] == \
        [next(s.k for s in shares if s.holds(x)) for x in reversed(names)][::-1]


def settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are trusted by their stat at once: a file changed within two seconds of being
    hashed is otherwise hashed again by the next build (buildstate.RACY_NS)."""
    import tei_edition.buildstate as buildstate

    monkeypatch.setattr(buildstate, "RACY_NS", 0)


def test_a_build_with_nothing_to_do_leaves_the_cache_alone(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settle(monkeypatch)
    project = copy_sources(tmp_path, NAMES[:3])
    assert run_console(capsys, "build", project, "-q")[0] == 0
    cache = project / "site" / CACHE_NAME
    before = (cache.read_bytes(), cache.stat().st_mtime_ns)
    status, out = run_console(capsys, "build", project, "-q")
    assert status == 0 and "0 converted, 3 unchanged" in out and "site: 0 file(s)" in out
    assert (cache.read_bytes(), cache.stat().st_mtime_ns) == before
    # and a change is seen: one document converted, its row written
    source = next((project / "sources").iterdir())
    source.write_text(source.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    status, out = run_console(capsys, "build", project, "-q")
    assert "1 converted, 2 unchanged" in out, out
    assert cache.read_bytes() != before[0]


def test_a_build_with_nothing_to_do_reads_no_document(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision of a settled no-op build comes from stat and the cache: no source,
    TEI file or page is read."""
    settle(monkeypatch)
    project = copy_sources(tmp_path, NAMES[:1])
    src = next((project / "sources").iterdir())
    for i in range(30):
        shutil.copyfile(src, project / "sources" / f"copy-{i:03d}.txt")
    assert run_console(capsys, "build", project, "-q")[0] == 0
    import tei_edition.build as build
    import tei_edition.buildstate as buildstate

    read: list[str] = []

    def counting(real):
        return lambda path, *a, **k: read.append(Path(path).name) or real(path, *a, **k)

    monkeypatch.setattr(build, "read_source_bytes", counting(build.read_source_bytes))
    monkeypatch.setattr(build, "read_limited", counting(build.read_limited))
    monkeypatch.setattr(buildstate, "read_limited", counting(buildstate.read_limited))
    status, out = run_console(capsys, "build", project, "-q", "-j", "1")
    assert status == 0 and "0 converted, 31 unchanged" in out, out
    assert [n for n in read if n != "corpus.xml"] == []
    # the check is real: a touched source is read again (and found unchanged)
    os.utime(src)
    assert run_console(capsys, "build", project, "-q", "-j", "1")[0] == 0
    assert src.name in read


def test_the_quick_key_is_what_untouched_compares(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row of a settled build has a quick key that the stats of its files match;
    a touched page, a touched TEI file, other settings (for a generated TEI) or a hints
    file beside the source each make the key fail, and a racy file has none."""
    import json
    import sqlite3

    import tei_edition.buildstate as buildstate

    def cached() -> dict[str, tuple[str | None, str]]:
        """name -> (quick key, the settings the state records)"""
        con = sqlite3.connect(project / "site" / CACHE_NAME)
        try:
            return {name: (quick, json.loads(state)[3])
                    for name, quick, state in con.execute("SELECT name, quick, state FROM docs")}
        finally:
            con.close()

    settle(monkeypatch)
    project = copy_sources(tmp_path, NAMES[:2])
    assert run_console(capsys, "build", project, "-q", "-j", "1")[0] == 0
    found = cached()
    assert sorted(found) == NAMES[:2]
    rows = {name: quick for name, (quick, _) in found.items()}
    settings = found[NAMES[0]][1]
    untouched = buildstate.untouched

    def paths(name: str) -> tuple[str, str, str]:
        return (str(project / "sources" / f"{name}.txt"), str(project / "encoded" / f"{name}.xml"),
                str(project / "site" / f"{name}.html"))

    first, second = NAMES[:2]
    assert all(untouched(rows[n], paths(n), settings) for n in rows)
    assert not untouched(rows[first], paths(first), "other settings")
    assert not untouched(rows[first], paths(second), settings)  # another document's files
    os.utime(paths(first)[2])  # the page touched
    assert not untouched(rows[first], paths(first), settings)
    os.utime(paths(second)[1])  # the TEI file touched
    assert not untouched(rows[second], paths(second), settings)
    assert not untouched(None, paths(second), settings)
    # and the build that follows checks both in full and settles them again
    status, out = run_console(capsys, "build", project, "-q", "-j", "1")
    assert status == 0 and "0 converted, 2 unchanged" in out, out
    # a file hashed within RACY_NS of its change gets no quick key
    assert all(quick is not None for quick, _ in cached().values())
    monkeypatch.setattr(buildstate, "RACY_NS", 10**18)
    os.utime(paths(first)[0])
    assert run_console(capsys, "build", project, "-q", "-j", "1")[0] == 0
    assert cached()[first][0] is None


def test_a_hints_file_added_to_a_settled_document_is_seen(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick test of an unchanged document looks at three files; a hints file that
    appears beside a settled source is a new input all the same, and converts it again."""
    settle(monkeypatch)
    project = copy_sources(tmp_path, NAMES[:2])
    assert run_console(capsys, "build", project, "-q", "-j", "1")[0] == 0
    hints = project / "sources" / f"{NAMES[0]}.hints.toml"
    hints.write_text('[document]\ndate = "1960-06-04"\n', "utf-8")
    status, out = run_console(capsys, "build", project, "-q", "-j", "1")
    assert status == 0 and "1 converted, 1 unchanged" in out, out
    assert b'type="hints-sha256"' in (project / "encoded" / f"{NAMES[0]}.xml").read_bytes()


def test_names_that_sort_apart_from_their_files_are_matched(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Sources and TEI files are walked side by side in name order, which is not the order
    of their file names ('a-b' sorts after 'a', 'a-b.xml' before 'a.xml'): a collision, a
    document and an orphan with such names are each found."""
    project = copy_sources(tmp_path, NAMES[:1])
    src = next((project / "sources").iterdir())
    for name in ("a.txt", "a-b.txt", "a.b.txt", "a.md"):
        shutil.copyfile(src, project / "sources" / name)
    src.unlink()
    status, out = run_console(capsys, "build", project, "-j", "1")
    assert status == 1, out  # a.txt and a.md would both become a.xml
    assert "a.txt and " in out and "[collision]" in out
    assert {p.name for p in (project / "encoded").glob("*.xml")} >= {"a-b.xml", "a.b.xml"}
    assert not (project / "encoded" / "a.xml").exists()
    (project / "sources" / "a.md").unlink()
    shutil.copyfile(project / "encoded" / "a-b.xml", project / "encoded" / "a-c.xml")
    status, out = run_console(capsys, "build", project, "-j", "1")
    assert status == 0, out
    assert "1 converted, 2 unchanged" in out and "1 orphan(s) removed" in out, out
    assert {p.name for p in (project / "encoded").glob("*.xml")} == {
        "a-b.xml", "a.b.xml", "a.xml", "corpus.xml"}


def test_a_shard_of_another_version_is_refused_and_left_as_it_is(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import sqlite3

    project = copy_sources(tmp_path, NAMES[:2])
    dirs = shard_all(capsys, project, 2)
    cache = dirs[0] / "site" / CACHE_NAME
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value = '0.0.1' WHERE key = 'converter'")
    db.close()
    before = cache.read_bytes()
    status, out = run_console(capsys, "build", project, *merge_args(dirs))
    assert status == 2, out
    assert "tei-edition 0.0.1" in out and "build the shard again" in out, out
    assert cache.read_bytes() == before  # read, never rewritten
    assert not (project / "encoded").exists()  # nothing taken from the other shard either


def test_a_rebuild_that_trusts_unchanged_documents_writes_the_corpus_a_fresh_build_writes(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A rebuild reads again only what changed (the corpus trusts the documents the build
    found unchanged); its encoded/, corpus included, is what a build from scratch gives."""
    project = copy_sources(tmp_path / "a", NAMES[:5])
    assert run_console(capsys, "build", project, "-q")[0] == 0
    edited, touched = sorted((project / "sources").iterdir())[1:3]
    edited.write_text(edited.read_text("utf-8").replace("the", "THE", 3), "utf-8")
    touched.write_bytes(touched.read_bytes())  # a new stat, the same bytes
    part = project / "encoded" / "corpus" / f"{sorted(NAMES[:5])[3]}.xml"
    part.write_text(part.read_text("utf-8").replace("</TEI>", "<!-- by hand --></TEI>"), "utf-8")
    status, out = run_console(capsys, "build", project, "-q")
    assert status == 0 and "1 converted, 4 unchanged" in out, out
    fresh = copy_sources(tmp_path / "b", [])
    shutil.rmtree(fresh / "sources")
    shutil.copytree(project / "sources", fresh / "sources")
    assert run_console(capsys, "build", fresh, "-q")[0] == 0
    assert files(project / "encoded") == files(fresh / "encoded")

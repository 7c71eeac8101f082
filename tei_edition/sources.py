"""Where the sources of a project are, and which TEI file each becomes: the listing that
`convert`, `build` and `check` share. Light on purpose (no reader is imported): a build with
nothing to do lists 20,000 sources and converts none."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from .diagnostics import Diagnostic
from .readers import SOURCE_SUFFIXES

_P = TypeVar("_P", str, Path)  # a source path, as a string or a Path


def collect_sources(paths: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Source files named directly or found in folders (NAME.txt / NAME.md / NAME.docx),
    sorted; Word's lock files ("~$NAME.docx") are not sources; a file named twice (directly
    and in its folder, or through a link) is taken once."""
    found: list[tuple[str, tuple[int, int] | None]] = []
    errors: list[Diagnostic] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(_listed_sources(p)))
        elif p.is_file():
            found.append((os.fspath(p), None))
        else:
            errors.append(Diagnostic(str(p), 0, 0, "error", "io", "no such file or folder"))
    return [Path(p) for p in _distinct_files(found)], errors


def list_sources(folder: Path) -> list[str]:
    """The sources of one folder as collect_sources finds them, as path strings (a build
    of 20,000 documents makes no Path object for a document it does not convert)."""
    return _distinct_files(sorted(_listed_sources(folder)))


def _listed_sources(folder: Path) -> Iterator[tuple[str, tuple[int, int] | None]]:
    """The sources of a folder with their identity (device, inode) where the listing gives
    it: a folder of 20,000 sources is read without a stat per file. A link is followed
    (its identity is its target's, found by _distinct_files)."""
    dev = None
    with os.scandir(folder) as entries:
        for e in entries:
            name = e.name
            if (os.path.splitext(name)[1].lower() not in SOURCE_SUFFIXES
                    or name.upper().startswith("README") or name.startswith("~$")):
                continue
            try:
                if not e.is_file():
                    continue
                if e.is_symlink():
                    yield e.path, None
                    continue
                if dev is None:
                    dev = os.stat(folder).st_dev
            except OSError:  # vanished meanwhile: reading it will say so
                continue
            yield e.path, (dev, e.inode())


def _distinct_files(found: list[tuple[str, tuple[int, int] | None]]) -> list[str]:
    seen: set[tuple[int, int]] = set()
    out = []
    for p, ident in found:
        if ident is None:
            try:
                st = os.stat(p)
            except OSError:  # vanished meanwhile: reading it will say so
                out.append(p)
                continue
            ident = (st.st_dev, st.st_ino)
        if ident not in seen:
            seen.add(ident)
            out.append(p)
    return out


def by_output_name(sources: Sequence[_P]) -> dict[str, list[_P]]:
    """The sources grouped by the name of the TEI file each becomes (NAME.txt -> NAME.xml)."""
    groups: dict[str, list[_P]] = {}
    for src in sources:
        groups.setdefault(os.path.splitext(os.path.basename(src))[0], []).append(src)
    return groups


def collision_diagnostic(src: str | Path, group: Sequence[str | Path], output: Path
                         ) -> Diagnostic:
    """The error for one of several sources that would all be written to `output`."""
    others = " and ".join(str(o) for o in group if o != src)
    return Diagnostic(str(src), 0, 0, "error", "collision",
                      f"{src} and {others} would both become {output}; neither is converted: "
                      "rename one of them")

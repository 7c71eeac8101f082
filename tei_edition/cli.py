"""The `tei-edition` command line.

Each command is a thin shell around a library function; exit statuses follow
`diagnostics.Exit`: 0 fine, 1 a document problem, 2 a usage or I/O error.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .diagnostics import FORMATS, Diagnostic, Exit, render

if TYPE_CHECKING:  # each command imports what it needs: `validate` reads no configuration
    from .config import Config


def _emit(diags: Sequence[Diagnostic], fmt: str = "text", files: Sequence[str] = ()) -> None:
    """Print diagnostics: text goes to stderr, machine formats to stdout."""
    if not diags and fmt in ("text", "github"):
        return
    out = render(diags, fmt, files)
    if out:
        click.echo(out, err=(fmt == "text"))


def _config(path: Path | None, folder: Path) -> Config:
    """The project configuration, or exit 2 with the reason it cannot be read."""
    from .config import CONFIG_NAME, ConfigError, find_config, load_config

    if path is not None and not path.is_file():
        raise click.UsageError(f"{path}: no such configuration file ({CONFIG_NAME})")
    try:
        return load_config(path or find_config(folder.resolve()))
    except ConfigError as exc:
        click.echo(f"tei-edition: error: [config] {exc}", err=True)
        sys.exit(Exit.USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tei-edition")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Convert archival transcriptions to TEI P5, validate them and publish HTML editions."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Folder for the TEI files (NAME.txt becomes OUTDIR/NAME.xml).")
@click.option("--strict", is_flag=True, help="Treat converter warnings as errors.")
@click.option("--force", is_flag=True,
              help="Overwrite TEI files edited by hand since generation (a .bak copy is kept).")
@click.option("--encoding", default=None, help="Source text encoding (default: detect).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only, no warnings or summary.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Project configuration (default: tei-edition.toml beside the sources or above).")
def convert(sources: tuple[Path, ...], outdir: Path, strict: bool, force: bool,
            encoding: str | None, quiet: bool, config_path: Path | None) -> None:
    """Convert source transcriptions (files or folders) to TEI P5."""
    from .convert import convert_paths

    # Found beside the sources, not the working directory: output must not depend on where
    # the command is run from.
    first = sources[0] if sources[0].is_dir() else sources[0].parent
    config = _config(config_path, first)
    result = convert_paths(list(sources), outdir, strict=strict, force=force, encoding=encoding,
                           config=config)
    shown = [d for d in result.diagnostics if not quiet or d.severity == "error"]
    _emit(shown)
    if not quiet:
        for line in result.summary_lines():
            click.echo(line, err=True)
    sys.exit(result.exit_status)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("tei", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="Source text encoding (default: detect).")
def verify(source: Path, tei: Path, encoding: str | None) -> None:
    """Prove that no text of SOURCE's body was lost in the TEI file."""
    from .verify import verify_files

    diags, status = verify_files(source, tei, encoding=encoding)
    _emit(diags)
    if status == Exit.OK:
        click.echo(f"{tei}: all body words of {source} are present, in order", err=True)
    sys.exit(status)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Project configuration (default: tei-edition.toml beside or above SOURCE).")
@click.option("--encoding", default=None, help="Source text encoding (default: detect).")
def explain(source: Path, fmt: str, config_path: Path | None, encoding: str | None) -> None:
    """Show SOURCE as the reader saw it: blocks, speakers, brackets, each with its rule and
    the hints line that would change it."""
    from .explain import explain_source, render_json, render_text
    from .readers import ReaderError  # type: ignore[attr-defined]
    from .readers.hints import HintsError
    from .textio import SourceError

    config = _config(config_path, source.parent)
    try:
        ex = explain_source(source, config, encoding)
    except SourceError as exc:
        diag = exc.diagnostic(str(source))
        _emit([diag])
        sys.exit(Exit.USAGE if diag.rule == "io" else Exit.PROBLEM)
    except ReaderError as exc:
        _emit([Diagnostic(str(source), exc.line, 1, "error", exc.rule, exc.message)])
        sys.exit(Exit.PROBLEM)
    except HintsError as exc:
        _emit([Diagnostic(exc.file, exc.line, 1, "error", "hints", exc.message)])
        sys.exit(Exit.PROBLEM)
    click.echo(render_json(ex) if fmt == "json" else render_text(ex))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--schema", "schema", type=click.Path(path_type=Path), default=None,
              help="Validate against this RelaxNG schema (.rng) instead of the project's.")
@click.option("--engine", type=click.Choice(["lxml", "jing"]), default="lxml", show_default=True,
              help="RelaxNG engine: lxml (fast, no Java) or jing (fuller messages, needs Java).")
@click.option("--no-rules", is_flag=True, help="Check the schema only, not the content rules.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary line.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Processes for large runs with lxml (default: the number of cores).")
def validate(paths: tuple[Path, ...], fmt: str, schema: Path | None, engine: str,
             no_rules: bool, quiet: bool, jobs: int | None) -> None:
    """Validate TEI files (files or folders): RelaxNG schema, then content rules.

    A corpus (teiCorpus, e.g. encoded/corpus.xml) is checked with the parts it includes.
    No file is ever fetched: <?xml-model?> instructions and URLs are not followed.

    Exit status: 0 all valid, 1 a file is invalid or not well-formed, 2 usage error,
    unreadable file, missing schema or missing Java (jing).
    """
    from .validate import validate_paths

    report = validate_paths(list(paths), schema=schema, engine=engine, rules=not no_rules,
                            jobs=jobs)
    _emit(report.diagnostics, fmt, report.files)
    if fmt == "text" and not quiet and report.exit_status != Exit.USAGE:
        click.echo(report.summary(), err=True)
    sys.exit(report.exit_status)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              help="Folder for NAME.html, index.html and the stylesheet.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only, no warnings or summary.")
def html(paths: tuple[Path, ...], outdir: Path, quiet: bool) -> None:
    """Render TEI files (files or folders) as an HTML reading edition with an index page."""
    from .render import render_paths

    report = render_paths(list(paths), outdir)
    _emit([d for d in report.diagnostics if not quiet or d.severity == "error"])
    if not quiet:
        click.echo(report.summary(), err=True)
    sys.exit(report.exit_status)


def _progress():
    """A count of the documents done on a terminal; plain lines otherwise, for the documents
    a build did something with (a line for each unchanged one would bury them)."""
    if sys.stderr.isatty():
        done = [0]

        def step(result) -> None:
            done[0] += 1
            if done[0] % 50 == 0 or result.status != "unchanged":
                click.echo(f"\rbuilding: {done[0]} document(s) done", err=True, nl=False)

        return step

    def line(result) -> None:
        if result.status == "unchanged" and result.valid:
            return
        flag = "" if result.valid else " (invalid)"
        click.echo(f"{result.name}: {result.status}{flag}", err=True)

    return line


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--force", is_flag=True,
              help="Convert and render everything again, replacing TEI files edited by hand "
                   "(a .bak copy is kept).")
@click.option("--keep-orphans", is_flag=True,
              help="Keep TEI files and pages whose source is gone (default: remove them).")
@click.option("--shard", "share", metavar="K/N", default=None,
              help="Build only the Kth of N stable shares of the sources, into "
                   "FOLDER/shards/K-of-N (or --out), for a job array or a CI matrix.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="With --shard: the folder the share is built into.")
@click.option("--merge", "shards", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Take the documents of a shard folder into FOLDER and build "
                                  "the edition from them (once per shard: --merge A --merge B).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors and the summary only.")
def build(folder: Path, jobs: int | None, force: bool, keep_orphans: bool, share: str | None,
          out: Path | None, shards: tuple[Path, ...], quiet: bool) -> None:
    """Build FOLDER: sources/ -> encoded/ (TEI) -> validate -> site/ (HTML).

    Incremental by content; --force converts and renders everything again (hand-edited TEI
    files are replaced, a .bak copy kept). A TEI file and page whose source is gone are
    removed, unless kept by --keep-orphans or listed under [build] orphans in
    tei-edition.toml (those are published). --shard K/N and --merge split a large archive
    over machines (docs/scale.md)."""
    from .build import Share, merge, output_folder
    from .build import build as run_build

    if (share or out) and shards:
        raise click.UsageError("--shard/--out and --merge do not go together")
    if out and not share:
        raise click.UsageError("--out goes with --shard")
    try:
        parts = Share.parse(share) if share else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    config = _config(None, folder)
    progress = None if quiet else _progress()
    if shards:
        result = merge(folder, list(shards), jobs=jobs, config=config, progress=progress)
    else:
        result = run_build(folder, jobs=jobs, force=force, config=config, progress=progress,
                           keep_orphans=keep_orphans, share=parts, out=out)
    if progress is not None and sys.stderr.isatty():
        click.echo("", err=True)  # ends the count's line
    _emit([d for d in result.diagnostics if not quiet or d.severity == "error"])
    click.echo(result.summary(), err=True)
    index = output_folder(folder, parts, out) / "site" / "index.html"
    if index.exists() and not result.usage_errors:
        click.echo(f"open {index}", err=True)
    sys.exit(result.exit_status)


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes.")
def check(folder: Path, fmt: str, jobs: int) -> None:
    """For CI: fail when FOLDER/encoded/ is stale, invalid, hand-edited or has lost text."""
    from .check import check as run_check

    config = _config(None, folder)
    result = run_check(folder, config=config, jobs=jobs)
    _emit(result.diagnostics, fmt, result.files)
    if fmt == "text":
        bad = len({d.file for d in result.diagnostics if d.severity == "error"})
        click.echo(f"check: {len(result.files)} TEI file(s), "
                   f"{'all current, valid and complete' if not bad else f'{bad} with problems'}",
                   err=True)
    sys.exit(result.exit_status)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: turns unexpected exceptions into one-line errors (exit 2)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="tei-edition", standalone_mode=True)
    except SystemExit:
        if argv is None:
            # The console script ends here: its objects die with the process. Frozen, they
            # are left out of the collection the interpreter runs on its way out, which
            # costs a one-file convert a tenth of its time (atexit handlers still run).
            gc.freeze()
        raise
    except Exception as exc:  # a traceback is no message for an archivist
        if debug:
            raise
        # one line, whatever the exception text holds (lxml messages span lines)
        detail = " ".join(str(exc).split())[:300]
        click.echo(f"tei-edition: error: {type(exc).__name__}: {detail} "
                   "(run with --debug for details)", err=True)
        sys.exit(Exit.USAGE)

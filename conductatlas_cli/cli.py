"""The `atlas` command: arguments, options, exit codes. No business logic here.

Heavy modules (requests, trafilatura, rich tables) are imported inside the
commands that need them, so `atlas --help`, `log` and `diff` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from conductatlas_cli import __version__
from conductatlas_cli.errors import AtlasError, ConfigError, ExitCode


class _AtlasGroup(TyperGroup):
    """Turns expected failures into one line on stderr and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            problems = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
            for problem in problems:
                _err(problem)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            _err("interrupted")
            ctx.exit(int(ExitCode.INTERRUPTED))


app = typer.Typer(
    cls=_AtlasGroup,
    name="atlas",
    help="A git-backed archive of AI platforms' policy documents: fetch, record, diff.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    """One line on stderr, never interpreted as markup."""
    from conductatlas_cli.textsafe import plain

    sys.stderr.write(f"atlas: error: {plain(message)}\n")
    sys.stderr.flush()


def _load(config: Path | None):
    from conductatlas_cli.config import find_sources, load_sources

    path = config if config is not None else find_sources()
    if not path.exists():
        raise ConfigError([f"'{path}' does not exist (run 'atlas init')"])
    return load_sources(path)


ConfigOption = typer.Option(
    None, "--config", "-c", help="Path to sources.yaml (default: the nearest one upwards)."
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"atlas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """A git-backed archive of AI platforms' policy documents: fetch, record, diff."""


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), help="Folder to set up (created if missing)."),
) -> None:
    """Create sources.yaml, snapshots/, .gitignore and a git repository; never overwrites."""
    from conductatlas_cli.store import init_project

    for line in init_project(directory):
        typer.echo(line)


@app.command()
def check(
    config: Path | None = ConfigOption,
    live: bool = typer.Option(
        False, "--live", help="Also fetch and extract each document twice to prove it is stable."
    ),
) -> None:
    """Validate sources.yaml: one line per problem, exit 2 when there is any."""
    sources = _load(config)
    if not live:
        typer.echo(f"{sources.path.name}: ok ({len(sources.sources)} documents)")
        return
    from conductatlas_cli.pipeline import check_live

    failed = 0
    for source, problem in check_live(sources):
        if problem:
            failed += 1
            typer.echo(f"{source.key}: {problem}")
        else:
            typer.echo(f"{source.key}: stable")
    if failed:
        raise typer.Exit(ExitCode.PARTIAL)


@app.command()
def fetch(
    targets: list[str] = typer.Argument(
        None, help="platform or platform/document (default: everything in sources.yaml)."
    ),
    config: Path | None = ConfigOption,
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print nothing when nothing changed and nothing failed."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON report on stdout."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Fetch and report; write nothing."),
    force: bool = typer.Option(False, "--force", help="Record changes held back by the guards."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, max=64, help="Documents fetched at once."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait for another running fetch instead of exiting with 75."
    ),
) -> None:
    """Fetch documents, record each changed one as a commit, and report."""
    from conductatlas_cli.pipeline import run_fetch
    from conductatlas_cli.report import plain_lines, print_table, to_json

    sources = _load(config)
    progress = None
    if not (quiet or as_json) and sys.stderr.isatty() and not _no_color_env():
        progress = _Progress()
    try:
        report = run_fetch(
            sources,
            targets=tuple(targets or ()),
            force=force,
            dry_run=dry_run,
            jobs=jobs,
            wait_for_lock=wait,
            on_start=progress.start if progress else None,
            on_done=progress.advance if progress else None,
        )
    finally:
        if progress:
            progress.stop()
    if as_json:
        typer.echo(to_json(report))
    elif sys.stdout.isatty() and not quiet:
        print_table(report, _console())
    else:
        for line in plain_lines(report, quiet=quiet):
            typer.echo(line)
    raise typer.Exit(int(report.exit_code))


@app.command()
def status(config: Path | None = ConfigOption) -> None:
    """Per document: last checked, last changed, versions, failing since, last error."""
    from conductatlas_cli.status import status_rows

    sources = _load(config)
    rows = status_rows(sources)
    width = max((len(r["document"]) for r in rows), default=8)
    header = [
        "document".ljust(width),
        "versions",
        "last checked",
        "last changed",
        "failing since",
        "last error",
    ]
    typer.echo("  ".join(header).rstrip())
    for r in rows:
        typer.echo(
            "  ".join(
                [
                    r["document"].ljust(width),
                    str(r["versions"]).rjust(8),
                    (r["last_checked"] or "-").ljust(12),
                    (r["last_changed"] or "-").ljust(12),
                    (r["failing_since"] or "-").ljust(13),
                    r["last_error"] or "",
                ]
            ).rstrip()
        )


def _no_color_env() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color=_no_color_env() or None, highlight=False, markup=False)


class _Progress:
    """A rich progress bar on stderr while documents are fetched."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=_console(stderr=True),
            transient=True,
        )
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("", total=total)

    def advance(self, doc) -> None:
        self.bar.update(self.task, advance=1, description=doc.key)

    def stop(self) -> None:
        self.bar.stop()


def main() -> None:
    """Entry point for the `atlas` script."""
    try:
        app()
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED:
            # Commits are atomic, so stopping now loses nothing; os._exit does not wait
            # for fetches still in flight in worker threads.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        raise

"""The `atlas` app: the typer group, the one error edge, the entry point.

Commands live in `commands_*.py` beside this module, one file per family; they
parse arguments, call one core function, render, and map errors to exit codes.
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
from conductatlas_cli.cli.console import err
from conductatlas_cli.errors import AtlasError, ConfigError, ExitCode, UsageError


class _AtlasGroup(TyperGroup):
    """Turns expected failures into one line on stderr and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            problems = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
            for problem in problems:
                err(problem)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            err("interrupted")
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


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"atlas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
    directory: Path | None = typer.Option(
        None, "-C", metavar="DIR", help="Run as if atlas was started in DIR (like git -C)."
    ),
) -> None:
    """A git-backed archive of AI platforms' policy documents: fetch, record, diff."""
    if directory is not None:
        try:
            os.chdir(directory)
        except OSError as exc:
            raise UsageError(f"cannot change to '{directory}': {exc.strerror}") from None


def main() -> None:
    """Entry point for the `atlas` script."""
    import signal

    # A file-size limit (`ulimit -f`) must make a write fail with EFBIG, which becomes a
    # one-line error for that document, not kill the run: CPython ignores SIGXFSZ at
    # start-up; say so here too, for interpreters that embed us without doing it.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
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

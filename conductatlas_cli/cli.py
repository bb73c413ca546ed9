"""The `atlas` command: arguments, options, exit codes. No business logic here.

Heavy modules (requests, trafilatura, rich tables) are imported inside the
commands that need them, so `atlas --help`, `log` and `diff` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from conductatlas_cli import __version__
from conductatlas_cli.errors import AtlasError, ConfigError, ExitCode

app = typer.Typer(
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


def _load(config: Optional[Path]):
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
    config: Optional[Path] = ConfigOption,
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


def main() -> None:
    """Entry point: run the app, turning expected failures into one line and an exit code."""
    try:
        code = app(standalone_mode=False)
    except AtlasError as exc:
        if isinstance(exc, ConfigError):
            for problem in exc.problems:
                _err(problem)
        else:
            _err(str(exc))
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err("aborted")
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(int(ExitCode.USAGE))
        raise
    sys.exit(code if isinstance(code, int) else 0)

"""The `atlas` app: the typer group, the command table, the one error edge, the entry point.

Commands live in `commands_*.py` beside this module, one file per family; they
parse arguments, call one core function, render, and map errors to exit codes.
The group is lazy: `COMMANDS` names each command's module and its one-line help,
so `atlas --help` lists them without importing any, and `atlas log` imports and
builds `log` alone. Heavy modules (requests, trafilatura, rich tables) are imported
inside the commands that need them, so `atlas --help`, `log` and `diff` start fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from conductatlas_cli import __version__
from conductatlas_cli.cli.console import err
from conductatlas_cli.errors import AtlasError, ConfigError, ExitCode, UsageError


@dataclass(frozen=True)
class Command:
    """One `atlas` command: its name (= its function's), its module, its one-line help.

    `summary` is the first paragraph of the function's docstring, which `--help`
    lists; a test keeps the two the same.
    """

    name: str
    module: str
    summary: str

    def load(self) -> Callable[..., Any]:
        """The command's function, importing its module."""
        module = importlib.import_module(f"conductatlas_cli.cli.{self.module}")
        function: Callable[..., Any] = getattr(module, self.name)
        return function


COMMANDS = (  # the order `--help` lists
    Command(
        "init",
        "commands_setup",
        "Create sources.yaml, snapshots/, .gitignore and a git repository; never overwrites.",
    ),
    Command(
        "check",
        "commands_fetch",
        "Validate sources.yaml: one line per problem, exit 2 when there is any.",
    ),
    Command(
        "fetch",
        "commands_fetch",
        "Fetch documents, record each changed one as a commit, send alerts, and report.",
    ),
    Command(
        "status",
        "commands_history",
        "Per document: versions, last checked, last changed, failing since, last error.",
    ),
    Command(
        "diff",
        "commands_history",
        "What changed, section by section: default previous version → latest.",
    ),
    Command(
        "log",
        "commands_history",
        "Versions, newest first: date (UTC), commit, document, what changed.",
    ),
    Command(
        "show",
        "commands_history",
        "The text of one version of a document (or, with --raw, what was served).",
    ),
    Command(
        "topics",
        "commands_topics",
        "Which governance topics each document addresses today, and where.",
    ),
    Command("compare", "commands_topics", "One topic's provisions across platforms, side by side."),
    Command(
        "reextract",
        "commands_reextract",
        "Today's extractor and settings over each latest capture: a technical version.",
    ),
    Command(
        "digest",
        "commands_alerts",
        "The digest: every document changed since then, per platform; failing ones at the end.",
    ),
    Command(
        "feed",
        "commands_alerts",
        "Atom feeds: feed.atom (all documents) and one PLATFORM.atom per platform.",
    ),
    Command(
        "notify",
        "commands_alerts",
        "Send queued alerts now (with --test: a test message to every notify target).",
    ),
    Command(
        "site",
        "commands_site",
        "Write the archive as a static website: index, one page per document and per version.",
    ),
    Command(
        "add",
        "commands_sources",
        "Add a document to sources.yaml (validated; comments and order kept).",
    ),
    Command(
        "rm",
        "commands_sources",
        "Stop tracking a document: remove it from sources.yaml; its history stays in git.",
    ),
    Command(
        "mv",
        "commands_sources",
        "Rename a document's key: sources.yaml, snapshot, capture and state; history follows.",
    ),
    Command(
        "demo",
        "commands_setup",
        "An offline first run: fetch two versions of a bundled sample policy, then diff them.",
    ),
)


def build_command(function: Callable[..., Any]) -> Any:
    """The click command typer makes of `function`, with the app's settings."""
    single = typer.Typer(
        add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False
    )
    single.command()(function)
    return get_command(single)


class _LazyCommands(MutableMapping[str, Any]):
    """The group's commands by name: each built on first use, from `COMMANDS`."""

    def __init__(self) -> None:
        self._table = {c.name: c for c in COMMANDS}
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = build_command(self._table[name].load())
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:  # click's add_command
        self._built[name] = command
        self._table[name] = Command(name, "", command.help or "")

    def __delitem__(self, name: str) -> None:
        del self._table[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def summaries(self) -> list[tuple[str, str]]:
        return [(c.name, c.summary) for c in self._table.values()]


class _AtlasGroup(TyperGroup):
    """Commands built when run; expected failures become one line on stderr and an exit code."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list, from the table's one-line help: nothing is imported or built."""
        assert isinstance(self.commands, _LazyCommands)
        listed = [
            TyperCommand(name=name, help=summary) for name, summary in self.commands.summaries()
        ]
        TyperGroup.format_commands(TyperGroup(commands=listed), ctx, formatter)

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

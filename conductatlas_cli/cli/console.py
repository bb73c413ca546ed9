"""Console helpers for the commands: output format, colour, width, warnings, progress."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from conductatlas_cli.errors import ConfigError, UsageError


def err(message: str) -> None:
    """One line on stderr, never interpreted as markup."""
    from conductatlas_cli.textsafe import plain

    sys.stderr.write(f"atlas: error: {one_line(plain(message))}\n")
    sys.stderr.flush()


def one_line(text: str) -> str:
    """TEXT with its line breaks (and the blanks around them) folded into one space."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def warn(message: str) -> None:
    from conductatlas_cli.textsafe import plain

    sys.stderr.write(f"atlas: warning: {one_line(plain(message))}\n")


def load_sources_at(config: Path | None):
    from conductatlas_cli.config.load import find_sources, load_sources

    path = config if config is not None else find_sources()
    if not path.exists():
        raise ConfigError([f"'{path}' does not exist (run 'atlas init')"])
    return load_sources(path)


ConfigOption = typer.Option(
    None, "--config", "-c", help="Path to sources.yaml (default: the nearest one upwards)."
)

FORMAT_HELP = "rich (terminal default), plain (piped default), markdown, or json."


def output_format(fmt: str | None) -> str:
    from conductatlas_cli.render import FORMATS

    if fmt is None:
        return "rich" if sys.stdout.isatty() else "plain"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
    return fmt


def color_wanted() -> bool:
    return sys.stdout.isatty() and not no_color_env() and os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def no_color_env() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


def make_console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color=no_color_env() or None, highlight=False, markup=False)


class FetchProgress:
    """A rich progress bar on stderr while documents are fetched."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=make_console(stderr=True),
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

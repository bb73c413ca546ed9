"""Console helpers for the commands: output format, colour, width, warnings, progress."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from conductatlas_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from rich.progress import TaskID

    from conductatlas_cli.config.model import Sources


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


def sources_path(config: Path | None) -> Path:
    """The sources.yaml that --config names (a file or a folder), else the nearest upwards."""
    from conductatlas_cli.config.load import find_sources
    from conductatlas_cli.config.model import SOURCES_FILE

    path = config if config is not None else find_sources()
    if path.is_dir():  # --config FOLDER: that folder's sources.yaml
        path = path / SOURCES_FILE
    if not path.exists():
        raise ConfigError([f"'{path}' does not exist (run 'atlas init')"])
    return path


def load_sources_at(config: Path | None) -> Sources:
    from conductatlas_cli.config.load import load_sources

    return load_sources(sources_path(config))


ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    metavar="PATH",
    help="sources.yaml, or a folder holding one (default: the nearest one upwards).",
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
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("", total=total)

    def advance(self, doc) -> None:
        if self.task is not None:
            self.bar.update(self.task, advance=1, description=doc.key)

    def stop(self) -> None:
        self.bar.stop()


def short_time(stamp: str | None) -> str:
    """'2026-12-01T21:23:05Z' → '2026-12-01 21:23Z' (the zone always shown); None → '-'."""
    from conductatlas_cli.timestamps import parse_utc

    when = parse_utc(stamp or "")
    return when.strftime("%Y-%m-%d %H:%MZ") if when else "-"

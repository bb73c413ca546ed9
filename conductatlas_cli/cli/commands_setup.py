"""`atlas init` and `atlas demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from conductatlas_cli.cli.console import color_wanted, output_format, terminal_width


def init(
    directory: Path = typer.Argument(Path("."), help="Folder to set up (created if missing)."),
) -> None:
    """Create sources.yaml, snapshots/, .gitignore and a git repository; never overwrites."""
    from conductatlas_cli.archive.scaffold import init_project, next_steps

    for line in init_project(directory):
        typer.echo(line)
    typer.echo("")
    for line in next_steps(directory):
        typer.echo(line)


def demo(
    directory: Path | None = typer.Argument(
        None, help="A new or empty folder for the demo archive (default: a new temporary one)."
    ),
) -> None:
    """An offline first run: fetch two versions of a bundled sample policy, then diff them."""
    import tempfile

    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.demo import DEMO_KEY, run_demo
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.render import render_summary

    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="atlas-demo-"))
    sources = run_demo(directory, say=typer.echo)
    typer.echo(f"$ atlas diff {DEMO_KEY}")
    with Archive.from_sources(sources) as archive:
        new, old = archive.versions(DEMO_KEY)[:2]
        summary = summarize_changes(
            archive.read_version(DEMO_KEY, old.commit), archive.read_version(DEMO_KEY, new.commit)
        )
    fmt = output_format(None)
    out = render_summary(
        summary, fmt=fmt, color=fmt == "rich" and color_wanted(), width=terminal_width()
    )
    sys.stdout.write(out)
    typer.echo(f"\nThe archive is in {directory}: try 'cd {directory} && atlas log'.")
    site = (directory / "site" / "index.html").resolve()
    typer.echo(f"Its website: 'cd {directory} && atlas site', then open {site.as_uri()}")

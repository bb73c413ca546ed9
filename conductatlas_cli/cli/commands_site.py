"""`atlas site`: the archive as a static website (and `atlas fetch --site`'s refresh)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from conductatlas_cli.cli.console import ConfigOption, load_sources_at, warn

SiteJobsOption = typer.Option(
    None, "--jobs", "-j", min=1, max=64, help="Processes for a large rebuild (default: CPUs, ≤ 4)."
)


def site(
    directory: Path | None = typer.Argument(
        None, help="Folder of the site (default: site/ beside sources.yaml)."
    ),
    config: Path | None = ConfigOption,
    jobs: int | None = SiteJobsOption,
) -> None:
    """Write the archive as a static website: index, one page per document and per version."""
    sources = load_sources_at(config)
    typer.echo(build_and_describe(sources, directory, jobs=jobs))


def build_and_describe(sources, directory: Path | None, *, jobs: int | None = None) -> str:
    """Build the project's site; one line saying what changed and where to open it."""
    from conductatlas_cli.site import build_project_site

    processes = jobs or min(4, os.cpu_count() or 1)
    result = build_project_site(sources, directory, processes=processes, warn=warn)
    written, removed = len(result.counts.written), len(result.counts.removed)
    changes = f"{written} file{'' if written == 1 else 's'} written"
    if removed:
        changes += f", {removed} removed"
    return f"site: {result.pages} pages, {changes}; open {result.index.resolve().as_uri()}"

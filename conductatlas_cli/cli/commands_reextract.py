"""`atlas reextract`: re-derive text from the raw captures, without fetching."""

from __future__ import annotations

from pathlib import Path

import typer

from conductatlas_cli.cli.console import ConfigOption, load_sources_at, one_line
from conductatlas_cli.errors import ExitCode


def reextract(
    targets: list[str] = typer.Argument(
        None, help="platform or platform/document (default: everything in sources.yaml)."
    ),
    all_captures: bool = typer.Option(
        False, "--all", help="Also re-derive every earlier captured version, oldest first."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Today's extractor and settings over each latest capture: a technical version."""
    from conductatlas_cli.run.reextract import ReextractStatus, run_reextract
    from conductatlas_cli.textsafe import plain

    sources = load_sources_at(config)
    report = run_reextract(sources, targets=tuple(targets or ()), all_captures=all_captures)
    width = max((len(d.key) for d in report.documents), default=0)
    for doc in report.documents:
        if all_captures:
            for commit, differs in doc.history:
                said = "differs from the recorded text" if differs else "same text"
                typer.echo(f"  {doc.key}  {commit[:10]}  {said}")
        detail = doc.summary or doc.reason or ""
        if doc.status == ReextractStatus.TECHNICAL and doc.commit:
            detail = f"{detail} [{doc.commit[:10]}]"
        line = f"{doc.status.value:<10} {doc.key:<{width}}  {one_line(plain(detail))}"
        typer.echo(line.rstrip())
    if report.failed:
        raise typer.Exit(int(ExitCode.PARTIAL))

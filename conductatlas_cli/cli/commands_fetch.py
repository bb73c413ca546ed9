"""`atlas check` and `atlas fetch`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from conductatlas_cli.cli.console import (
    ConfigOption,
    FetchProgress,
    load_sources_at,
    make_console,
    no_color_env,
    one_line,
    warn,
)
from conductatlas_cli.errors import ExitCode


def check(
    config: Path | None = ConfigOption,
    live: bool = typer.Option(
        False, "--live", help="Also fetch and extract each document twice to prove it is stable."
    ),
) -> None:
    """Validate sources.yaml: one line per problem, exit 2 when there is any."""
    sources = load_sources_at(config)
    if not live:
        typer.echo(f"{sources.path.name}: ok ({len(sources.sources)} documents)")
        return
    from conductatlas_cli.run.live import check_live
    from conductatlas_cli.textsafe import plain

    failed = 0
    for source, problem in check_live(sources):
        if problem:
            failed += 1
            typer.echo(f"{source.key}: {one_line(plain(problem))}")
        else:
            typer.echo(f"{source.key}: stable")
    if failed:
        raise typer.Exit(ExitCode.PARTIAL)


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
    shard: str | None = typer.Option(
        None,
        "--shard",
        help="K/N: only the documents whose host hashes to shard K of N (one per machine).",
    ),
) -> None:
    """Fetch documents, record each changed one as a commit, and report."""
    from conductatlas_cli.fetch.shard import parse_shard
    from conductatlas_cli.render.fetch_report import plain_lines, print_table, to_json
    from conductatlas_cli.run.runner import run_fetch

    chosen_shard = parse_shard(shard) if shard is not None else None
    sources = load_sources_at(config)
    progress = None
    if not (quiet or as_json) and sys.stderr.isatty() and not no_color_env():
        progress = FetchProgress()
    try:
        report = run_fetch(
            sources,
            targets=tuple(targets or ()),
            force=force,
            dry_run=dry_run,
            jobs=jobs,
            wait_for_lock=wait,
            shard=chosen_shard,
            on_start=progress.start if progress else None,
            on_done=progress.advance if progress else None,
            warn=warn,
        )
    finally:
        if progress:
            progress.stop()
    if as_json:
        typer.echo(to_json(report))
    elif sys.stdout.isatty() and not quiet:
        print_table(report, make_console())
    else:
        for line in plain_lines(report, quiet=quiet):
            typer.echo(line)
    raise typer.Exit(int(report.exit_code))

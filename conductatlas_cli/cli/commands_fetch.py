"""`atlas check` and `atlas fetch`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from conductatlas_cli.cli.console import (
    ColorOption,
    ConfigOption,
    FetchProgress,
    color_wanted,
    load_sources_at,
    make_console,
    no_color_env,
    one_line,
    warn,
)
from conductatlas_cli.errors import ExitCode

if TYPE_CHECKING:  # the report model is only needed once a fetch runs
    from conductatlas_cli.run.report import DocumentReport


def check(
    config: Path | None = ConfigOption,
    live: bool = typer.Option(
        False, "--live", help="Also fetch and extract each document twice to prove it is stable."
    ),
) -> None:
    """Validate sources.yaml: one line per problem, exit 2 when there is any."""
    sources = load_sources_at(config)
    _check_notify(sources)
    _warn_browser(sources)
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


def _check_notify(sources) -> None:
    """Each notify URL: its variables set, its scheme known to apprise (nothing is sent)."""
    from conductatlas_cli.errors import ConfigError
    from conductatlas_cli.notify.targets import url_problems

    problems = [
        f"{sources.path.name}:{target.line}: {problem}"
        for target in sources.notify
        for problem in url_problems(target)
    ]
    if problems:
        raise ConfigError(problems)


def _warn_browser(sources) -> None:
    """Say up front when documents need a browser that cannot start here."""
    needing = [s for s in sources.sources if s.render in ("browser", "auto")]
    if not needing:
        return
    from conductatlas_cli.fetch.chromium import browser_problem

    problem = browser_problem()
    if problem:
        count = f"{len(needing)} document{'s' if len(needing) != 1 else ''}"
        warn(f"{count} with render: browser or auto will fail: {problem}")


def fetch(
    targets: list[str] = typer.Argument(
        None,
        metavar="[TARGET]...",
        help="platform or platform/document (default: everything in sources.yaml).",
    ),
    config: Path | None = ConfigOption,
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print nothing when nothing changed and nothing failed."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON report on stdout."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Fetch and report, with each changed or held-back document's summary; write nothing.",
    ),
    force: bool = typer.Option(False, "--force", help="Record changes held back by the guards."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, max=64, help="Documents fetched at once."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Wait for another running fetch instead of exiting with 75."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="In a terminal, list unchanged documents too."
    ),
    feed: Path | None = typer.Option(
        None, "--feed", metavar="DIR", help="After recording, refresh the Atom feeds in DIR."
    ),
    site: Path | None = typer.Option(
        None,
        "--site",
        metavar="DIR",
        help="Then refresh the static website in DIR (see 'atlas site').",
    ),
    color: str = ColorOption,
    shard: str | None = typer.Option(
        None,
        "--shard",
        metavar="K/N",
        help="Only the documents whose host hashes to shard K of N (one per machine).",
    ),
) -> None:
    """Fetch documents, record each changed one as a commit, send alerts, and report.

    Examples:

    \b
      atlas fetch
      atlas fetch -q                        (for cron: quiet unless something changed or failed)
      atlas fetch acme --dry-run            (each change's summary; nothing written)
      atlas fetch acme/privacy --force      (record a change that was held back)

    Exit codes: 0 done, nothing failed; 1 some documents failed or were held back (see
    'atlas diff TARGET --pending'); 2 usage or configuration error; 75 another fetch holds
    the lock; 130 interrupted.
    """
    from conductatlas_cli.cli.commands_alerts import fetch_alerts, prime_alerts
    from conductatlas_cli.fetch.shard import parse_shard
    from conductatlas_cli.render.fetch_report import plain_lines, print_table, to_json
    from conductatlas_cli.run.runner import run_fetch

    coloured = color_wanted(color)
    chosen_shard = parse_shard(shard) if shard is not None else None
    sources = load_sources_at(config)
    prime_alerts(sources, dry_run=dry_run)
    progress = None
    if not (quiet or as_json) and sys.stderr.isatty() and not no_color_env() and color != "never":
        progress = FetchProgress()
    done: list[DocumentReport] = []

    def finished(doc: DocumentReport) -> None:
        done.append(doc)
        if progress:
            progress.advance(doc)

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
            on_done=finished,
            warn=warn,
        )
    except KeyboardInterrupt:
        if progress:
            progress.stop()
        recorded = ", ".join(f"{d.key} ({d.commit[:10]})" for d in done if d.commit)
        if recorded:  # what is committed is whole; say what it is
            warn(f"recorded before the interrupt: {recorded}")
        raise
    finally:
        if progress:
            progress.stop()
    notifications, delivered = fetch_alerts(sources, report, dry_run=dry_run, feed=feed)
    code = max(int(report.exit_code), 0 if delivered else int(ExitCode.PARTIAL))
    previews = None
    if dry_run:  # what was fetched and not recorded, as `atlas diff` shows a change
        from conductatlas_cli.cli.previews import fetch_previews

        if as_json:
            previews = fetch_previews(sources, report, color=color, as_json=True)
    if as_json:
        typer.echo(to_json(report, notifications=notifications, exit_code=code, previews=previews))
    elif (sys.stdout.isatty() or color == "always") and not quiet:
        print_table(report, make_console(color=coloured), verbose=verbose)
    else:
        for line in plain_lines(report, quiet=quiet):
            typer.echo(line)
    if dry_run and not as_json:
        fetch_previews(sources, report, color=color, as_json=False)
    if site is not None and not dry_run:
        code = max(code, _refresh_site(sources, site, say=not (quiet or as_json)))
    raise typer.Exit(code)


def _refresh_site(sources, directory: Path, *, say: bool) -> int:
    """Rebuild the site after recording: a failure is a warning and exit 1, never lost data."""
    from conductatlas_cli.cli.commands_site import build_and_describe
    from conductatlas_cli.errors import AtlasError

    try:
        line = build_and_describe(sources, directory)
    except AtlasError as exc:
        warn(f"the site in '{directory}' was not refreshed: {exc}")
        return int(ExitCode.PARTIAL)
    if say:
        typer.echo(line)
    return int(ExitCode.OK)

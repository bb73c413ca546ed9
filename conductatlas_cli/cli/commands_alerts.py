"""`atlas notify`, `atlas digest`, `atlas feed`, and the alert step of `atlas fetch`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from conductatlas_cli.cli.console import ConfigOption, load_sources_at, warn
from conductatlas_cli.errors import AtlasError, ExitCode, UsageError
from conductatlas_cli.timestamps import parse_moment

DIGEST_FORMAT_HELP = "text (default), markdown, html, or json."


def _say_results(results) -> None:
    """One line per target (sent, or why not); exit PARTIAL when any was not delivered."""
    for r in results:
        if r.sent:
            typer.echo(f"{r.target}: sent" + (f" (with {r.delayed} delayed)" if r.delayed else ""))
        else:
            typer.echo(f"{r.target}: not delivered ({r.error})")
    if not all(r.sent for r in results):
        raise typer.Exit(int(ExitCode.PARTIAL))


def fetch_alerts(sources, report, *, dry_run: bool, feed: Path | None) -> tuple[list, bool]:
    """After `atlas fetch` recorded: alerts, then feeds. (notification dicts, all went well)."""
    if dry_run:
        return [], True
    results = []
    if sources.notify:  # no targets: the notify package is not even imported
        from conductatlas_cli.notify.service import after_fetch

        results = after_fetch(sources, report, warn=warn)
    ok = all(r.sent for r in results)
    if feed is not None:
        from conductatlas_cli.feeds.atom import write_feeds

        try:
            write_feeds(sources, feed, commit_url=sources.settings.commit_url)
        except AtlasError as exc:
            warn(str(exc))
            ok = False
    return [r.to_dict() for r in results], ok


def prime_alerts(sources, *, dry_run: bool) -> None:
    """Before `atlas fetch` records: the outbox's cursor, so a killed run is announced later."""
    if not dry_run and sources.notify:
        from conductatlas_cli.notify.service import before_fetch

        before_fetch(sources, warn=warn)


def notify(
    test: bool = typer.Option(False, "--test", help="Send a test message to every target."),
    config: Path | None = ConfigOption,
) -> None:
    """Send queued alerts now (with --test: a test message to every notify target)."""
    from conductatlas_cli.notify import service

    sources = load_sources_at(config)
    if not sources.notify:
        raise UsageError(f"'{sources.path.name}' has no 'notify:' targets")
    if test:
        results = service.send_test(sources.notify)
    else:
        results = service.queue_and_send(sources.state_dir, [], sources.notify, warn=warn)
        if not results:
            typer.echo("nothing queued")
    _say_results(results)


def digest(
    since: str = typer.Option(
        "7d", "--since", help="7d, 2w, 12h, yesterday, today, a date (YYYY-MM-DD) or a date-time."
    ),
    send: bool = typer.Option(False, "--notify", help="Send the digest to the notify targets."),
    fmt: str | None = typer.Option(None, "--format", "-f", help=DIGEST_FORMAT_HELP),
    config: Path | None = ConfigOption,
) -> None:
    """The digest: every document changed since then, per platform; failing ones at the end."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.notify import digest as digests
    from conductatlas_cli.notify import service

    fmt = "text" if fmt in (None, "plain") else fmt
    if fmt not in digests.DIGEST_FORMATS:
        choices = ", ".join(digests.DIGEST_FORMATS)
        raise UsageError(f"unknown format '{fmt}' (choose from {choices})")
    moment = parse_moment(since)
    sources = load_sources_at(config)
    if send and not sources.notify:
        raise UsageError(f"'{sources.path.name}' has no 'notify:' targets")
    state = load_state(sources.state_dir, warn=warn)
    with Archive.from_sources(sources) as archive:
        found = digests.build_digest(
            archive, sources, state, since=moment, commit_url=sources.settings.commit_url
        )
    if not send:
        sys.stdout.write(digests.render_digest(found, fmt))
        sys.stdout.flush()
        return
    messages = digests.digest_messages(found, sources.notify, fmt_of=service.default_format)
    results = service.queue_and_send(sources.state_dir, messages, sources.notify, warn=warn)
    if not results:
        typer.echo("nothing to send (no target's filters matched)")
    _say_results(results)


def feed(
    directory: Path = typer.Argument(Path("feeds"), help="Folder for the feeds (created)."),
    config: Path | None = ConfigOption,
) -> None:
    """Atom feeds: feed.atom (all documents) and one PLATFORM.atom per platform."""
    from conductatlas_cli.feeds.atom import write_feeds

    sources = load_sources_at(config)
    for path in write_feeds(sources, directory, commit_url=sources.settings.commit_url):
        typer.echo(str(path))

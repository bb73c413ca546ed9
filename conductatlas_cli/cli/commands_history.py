"""`atlas status`, `diff`, `log` and `show`: reading the archive."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from conductatlas_cli.cli.console import (
    FORMAT_HELP,
    ConfigOption,
    color_wanted,
    load_sources_at,
    output_format,
    terminal_width,
    warn,
)
from conductatlas_cli.errors import ExitCode, UsageError


def status(config: Path | None = ConfigOption) -> None:
    """Per document: versions, last checked, last changed, failing since, last error."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.history import status_rows
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.textsafe import plain

    sources = load_sources_at(config)
    with Archive.from_sources(sources) as archive:
        rows = status_rows(sources, archive, load_state(sources.state_dir, warn=warn))
    width = max((len(r["document"]) for r in rows), default=8)
    columns = ("versions", "last_checked", "last_changed", "failing_since")
    typer.echo(
        f"{'document':<{width}}  versions  {'last checked':<20}  {'last changed':<20}  "
        f"{'failing since':<20}  last error"
    )
    for r in rows:
        cells = [f"{r['document']:<{width}}", f"{r[columns[0]]:>8}"]
        cells += [f"{r[c] or '-':<20}" for c in columns[1:]]
        cells.append(plain(r["last_error"] or ""))
        typer.echo("  ".join(cells).rstrip())


def _taxonomy(sources, topic_ids=()):
    """The project's taxonomy; an unknown --topic id is a usage error listing the known ones."""
    from conductatlas_cli.topics import load_taxonomy
    from conductatlas_cli.topics.compare import require_topic

    taxonomy = load_taxonomy(sources.topics)
    for topic_id in topic_ids or ():
        require_topic(taxonomy, topic_id)
    return taxonomy


def diff(
    target: str | None = typer.Argument(None, help="platform or platform/document."),
    from_ref: str | None = typer.Option(
        None, "--from", help="A date (YYYY-MM-DD, the version in force then), a commit, or ~N."
    ),
    to_ref: str | None = typer.Option(None, "--to", help="Same forms as --from; default latest."),
    since: str | None = typer.Option(
        None, "--since", help="Every document that changed since DATE (YYYY-MM-DD)."
    ),
    stat: bool = typer.Option(False, "--stat", help="Only the counts per document."),
    context: int = typer.Option(
        0, "--context", "-C", min=0, max=1000, help="Unchanged sentences around each change."
    ),
    show_all: bool = typer.Option(False, "--all", help="Also show cosmetic changes."),
    fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 3 when there are differences."),
    topic: list[str] = typer.Option(
        None, "--topic", help="Only changed sections with this topic (repeatable)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """What changed, section by section: default previous version → latest."""
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.render import render_summary, stat_line, summary_to_dict
    from conductatlas_cli.topics.changes import annotate_topics, keep_topics

    fmt = output_format(fmt)
    if target is None and since is None:
        raise UsageError("give a TARGET (platform or platform/document) or --since DATE")
    sources = load_sources_at(config)
    with Archive.from_sources(sources) as archive:
        keys = history.matching_keys(archive, sources, target)
        if since is not None:
            comparisons = history.comparisons_since(archive, history.parse_day(since), keys)
        else:
            lenient = len(keys) > 1
            comparisons = [
                history.compare(archive, k, from_ref=from_ref, to_ref=to_ref, lenient=lenient)
                for k in keys
            ]
    color = fmt == "rich" and color_wanted()
    differs = False
    documents, chunks = [], []
    taxonomy = _taxonomy(sources, topic)  # issue 13: topics on every changed section
    for comp in comparisons:
        summary = summarize_changes(comp.old_text, comp.new_text)
        summary = annotate_topics(summary, comp.old_text, comp.new_text, taxonomy)
        if topic:
            summary = keep_topics(summary, topic)
        differs = differs or summary.has_changes(show_all=show_all)
        if fmt == "json":
            data = summary_to_dict(
                summary,
                from_ref=comp.old.commit if comp.old else None,
                to_ref=comp.new.commit,
            )
            documents.append({"key": comp.key, **data})
        elif stat:
            chunks.append(f"{comp.label}\n  {stat_line(summary, show_all=show_all)}\n")
        else:
            chunks.append(
                render_summary(
                    summary,
                    fmt=fmt,
                    context=context,
                    show_all=show_all,
                    title=comp.label,
                    color=color,
                    width=terminal_width(),
                )
            )
    if fmt == "json":
        typer.echo(json.dumps({"documents": documents}, ensure_ascii=False, indent=2))
    elif not chunks:
        typer.echo(f"no changes since {since}" if since else "no changes")
    else:
        sys.stdout.write("\n".join(chunks))
        sys.stdout.flush()
    if exit_code and differs:
        raise typer.Exit(int(ExitCode.DIFFERENCES))


def log(
    target: str | None = typer.Argument(None, help="platform or platform/document (default all)."),
    since: str | None = typer.Option(None, "--since", help="Only versions since DATE."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    topic: list[str] = typer.Option(
        None, "--topic", help="Only versions whose changes touch this topic (repeatable)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Versions, newest first: date, commit, document, what changed."""
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.textsafe import plain

    sources = load_sources_at(config)
    day = history.parse_day(since) if since else None
    with Archive.from_sources(sources) as archive:
        keys = history.matching_keys(archive, sources, target)
        entries = history.log_entries(archive, keys, day)
        if topic:  # issue 13
            from conductatlas_cli.topics.changes import entries_touching

            entries = entries_touching(archive, entries, topic, _taxonomy(sources, topic))
    if as_json:
        rows = [
            {
                "key": key,
                "date": v.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "commit": v.commit,
                "summary": history.one_line(key, v),
            }
            for key, v in entries
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(key) for key, _ in entries), default=0)
    for key, v in entries:
        line = f"{v.date:%Y-%m-%d %H:%M}  {v.short}  {key:<{width}}  {history.one_line(key, v)}"
        typer.echo(plain(line))


def show(
    target: str = typer.Argument(..., help="platform/document."),
    at: str | None = typer.Option(None, "--at", help="A date, a commit, or ~N (default latest)."),
    config: Path | None = ConfigOption,
) -> None:
    """The text of one version of a document."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.config.model import parse_key
    from conductatlas_cli.textsafe import plain

    parse_key(target)
    sources = load_sources_at(config)
    with Archive.from_sources(sources) as archive:
        version = archive.resolve_ref(target, at)
        text = archive.read_version(target, version.commit)
    sys.stdout.write(plain(text))
    sys.stdout.flush()

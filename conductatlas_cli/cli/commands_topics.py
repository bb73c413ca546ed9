"""`atlas topics` and `atlas compare`: governance topics across the archive (issue 13)."""

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
)


def topics(
    target: str | None = typer.Argument(None, help="platform or platform/document (default all)."),
    fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    explain: bool = typer.Option(False, "--explain", help="Show which pattern matched where."),
    config: Path | None = ConfigOption,
) -> None:
    """Which governance topics each document addresses today, and where."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.render.topics import (
        render_explain,
        render_topic_lists,
        topic_lists_to_dict,
    )
    from conductatlas_cli.topics import load_taxonomy, tag_text
    from conductatlas_cli.topics.compare import document_topics

    fmt = output_format(fmt)
    sources = load_sources_at(config)
    taxonomy = load_taxonomy(sources.topics)
    targets = [target] if target else []
    with Archive.from_sources(sources) as archive:
        docs = document_topics(archive, sources, taxonomy, targets)
        if explain and fmt != "json":
            for d in docs:
                sys.stdout.write(
                    render_explain(d.key, tag_text(archive.read_version(d.key, d.commit), taxonomy))
                )
            return
    if fmt == "json":
        import json

        typer.echo(json.dumps(topic_lists_to_dict(docs), ensure_ascii=False, indent=2))
    elif not docs:
        typer.echo("no recorded documents")
    else:
        sys.stdout.write(render_topic_lists(docs, fmt=fmt))


def compare(
    topic: str = typer.Argument(..., help="A topic id (see `atlas topics`)."),
    platforms: list[str] = typer.Argument(None, help="Platform ids (default all)."),
    at: str | None = typer.Option(
        None, "--at", help="Compare the versions in force at DATE (YYYY-MM-DD)."
    ),
    fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    config: Path | None = ConfigOption,
) -> None:
    """One topic's provisions across platforms, side by side."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.render.topics import comparison_to_dict, render_comparison
    from conductatlas_cli.topics import load_taxonomy
    from conductatlas_cli.topics.compare import compare_topic, require_topic

    fmt = output_format(fmt)
    sources = load_sources_at(config)
    taxonomy = load_taxonomy(sources.topics)
    require_topic(taxonomy, topic)
    with Archive.from_sources(sources) as archive:
        comparison = compare_topic(archive, sources, taxonomy, topic, tuple(platforms or ()), at=at)
    if fmt == "json":
        import json

        typer.echo(json.dumps(comparison_to_dict(comparison), ensure_ascii=False, indent=2))
        return
    color = fmt == "rich" and color_wanted()
    sys.stdout.write(render_comparison(comparison, fmt=fmt, color=color, width=terminal_width()))

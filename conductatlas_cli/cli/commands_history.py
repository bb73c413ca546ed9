"""`atlas status`, `diff`, `log` and `show`: reading the archive."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from conductatlas_cli.cli.console import (
    FORMAT_HELP,
    ColorOption,
    ConfigOption,
    color_wanted,
    load_sources_at,
    output_format,
    short_time,
    terminal_width,
    warn,
)
from conductatlas_cli.errors import ExitCode, UsageError
from conductatlas_cli.timestamps import DATE_FORMS, parse_moment

NOTHING_YET = "no versions recorded yet (run 'atlas fetch')"


def status(
    targets: list[str] = typer.Argument(
        None, metavar="[TARGET]...", help="platform or platform/document (default: all)."
    ),
    failing: bool = typer.Option(False, "--failing", help="Only documents that are failing."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    config: Path | None = ConfigOption,
) -> None:
    """Per document: versions, last checked, last changed, failing since, last error.

    Times are UTC (`Z`). Examples:

    \b
      atlas status
      atlas status openai --failing
      atlas status --json
    """
    import json

    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.history import clone_note, status_rows
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.textsafe import plain

    sources = load_sources_at(config)
    with Archive.from_sources(sources) as archive:
        _say_once(clone_note(archive))
        state = load_state(sources.state_dir, warn=warn)
        rows = status_rows(sources, archive, state, targets=tuple(targets or ()))
    if failing:
        rows = [r for r in rows if r.failing_since]
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no failing documents" if failing else "no documents in sources.yaml")
        return
    key_width = max(len("document"), *(len(r.key) for r in rows))
    head = f"{'document':<{key_width}}  versions  {'last checked':<17}  {'last changed':<17}"
    room = terminal_width() - len(head) - 2
    column = room >= 24  # else each title goes on a line of its own, under its row
    typer.echo(head + ("  title" if column else ""))
    for r in rows:
        title = plain(r.title)
        if column and len(title) > room:
            title = title[: room - 1] + "…"
        cells = [
            f"{r.key:<{key_width}}",
            f"{r.versions:>8}",
            f"{short_time(r.last_checked):<17}",
            f"{short_time(r.last_changed):<17}",
            title if column else "",
        ]
        typer.echo("  ".join(cells).rstrip())
        if not column:
            typer.echo(f"  {title}")
        if r.failing_since or r.last_error:
            since = f"failing since {short_time(r.failing_since)}" if r.failing_since else "held"
            typer.echo(plain(f"  {since}: {r.last_error or ''}").rstrip())


def _taxonomy(sources, topic_ids=()):
    """The project's taxonomy; an unknown --topic id is a usage error listing the known ones."""
    from conductatlas_cli.topics import load_taxonomy
    from conductatlas_cli.topics.compare import require_topic

    taxonomy = load_taxonomy(sources.topics)
    for topic_id in topic_ids or ():
        require_topic(taxonomy, topic_id)
    return taxonomy


def diff(
    ctx: typer.Context,
    target: str | None = typer.Argument(None, help="platform or platform/document."),
    from_ref: str | None = typer.Option(
        None,
        "--from",
        help="The version in force at a DATE (a bare date is 00:00 UTC), a commit, or @~N (N versions back).",
        metavar="REF",
    ),
    to_ref: str | None = typer.Option(
        None, "--to", metavar="REF", help="Same forms as --from; default: the latest."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="DATE",
        help=f"Every document that changed since DATE: {DATE_FORMS}.",
    ),
    stat: bool = typer.Option(False, "--stat", help="Only the counts per document."),
    context: int = typer.Option(
        0, "--context", "-C", min=0, max=1000, help="Unchanged sentences around each change."
    ),
    show_all: bool = typer.Option(
        False, "--all", help="Also show cosmetic and ignored lines, and renumbered items."
    ),
    fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit 3 when there are differences other than cosmetic ones."
    ),
    color_choice: str = ColorOption,
    topic: list[str] = typer.Option(
        None, "--topic", help="Only changed sections with this topic (repeatable)."
    ),
    pending: bool = typer.Option(
        False, "--pending", help="The change the last fetch held back: latest → that fetch."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """What changed, section by section: default previous version → latest.

    Examples:

    \b
      atlas diff cohere
      atlas diff cohere/usage-policy --from 2026-11-01 --to @~0
      atlas diff --since 7d --format markdown
      atlas diff acme/privacy --pending     (before 'atlas fetch --force acme/privacy')

    Exit codes: 0 shown (also nothing to show); 2 usage error, unknown target, or
    nothing held back for --pending; 3 with --exit-code when there are differences.
    """
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.cli.previews import draw
    from conductatlas_cli.render import stat_line, summary_to_dict
    from conductatlas_cli.timestamps import format_utc
    from conductatlas_cli.topics.batch import Pair, summarize_all
    from conductatlas_cli.topics.changes import keep_topics
    from conductatlas_cli.topics.store import kept_in

    coloured = color_wanted(color_choice)
    fmt = output_format(fmt, color=color_choice)
    if target is None and since is None:
        raise UsageError("give a TARGET (platform or platform/document) or --since DATE")
    sources = load_sources_at(config)
    if pending:
        if target is None or from_ref or to_ref or since:
            raise UsageError("--pending takes a TARGET, and no --from, --to or --since")
        from conductatlas_cli.cli.previews import pending_diff

        color = fmt == "rich" and coloured
        shown = pending_diff(
            sources, target, fmt=fmt, color=color, context=context, show_all=show_all, stat=stat
        )
        if shown and exit_code:
            raise typer.Exit(int(ExitCode.DIFFERENCES))
        return
    with Archive.from_sources(sources) as archive:
        _say_once(history.clone_note(archive))
        # what tagging derives from the taxonomy, kept beside the history index (issue 11)
        ctx.with_resource(kept_in(archive.git.git_dir / "atlas"))
        keys = history.matching_keys(archive, sources, target)
        if since is not None:
            comparisons = history.comparisons_since(archive, parse_moment(since), keys)
        else:
            lenient = len(keys) > 1
            comparisons = [
                history.compare(archive, k, from_ref=from_ref, to_ref=to_ref, lenient=lenient)
                for k in keys
            ]
    color = fmt == "rich" and coloured
    differs = False
    documents, chunks = [], []
    ignore = {source.key: source.ignore for source in sources.sources}
    taxonomy = _taxonomy(sources, topic)  # issue 13: topics on every changed section
    labels = {s.key: s.label for s in sources.sources}  # 'Acme AI — Privacy Policy (acme/p)'
    titles = {s.key: s.title for s in sources.sources}
    compared = [comp for comp in comparisons if not comp.cut_off]
    pairs = [
        Pair(c.old_text, c.new_text, c.between, tuple(ignore.get(c.key, ()))) for c in compared
    ]
    summaries = iter(summarize_all(pairs, taxonomy))  # in the order of `compared`
    for comp in comparisons:
        if comp.cut_off:  # never a "first snapshot" we cannot see
            if fmt == "json":
                documents.append({"key": comp.key, "from": None, "to": comp.new.commit})
                documents[-1]["earlier_history"] = "not in this clone"
            else:
                chunks.append(history.cut_off_line(comp) + "\n")
            continue
        summary = next(summaries)
        if topic:
            summary = keep_topics(summary, topic)
        title = comp.heading(labels.get(comp.key, comp.key))
        if comp.new.technical:
            title += f" (extraction changed: {comp.new.technical}, not an edit by the platform)"
        differs = differs or summary.has_changes(show_all=show_all)
        if fmt == "json":
            data = summary_to_dict(
                summary,
                from_ref=comp.old.commit if comp.old else None,
                to_ref=comp.new.commit,
            )
            first = comp.first_recorded
            recorded = format_utc(first.date) if first else None
            documents.append(
                {
                    "key": comp.key,
                    "title": titles.get(comp.key),
                    "technical": comp.new.technical,
                    "first_recorded": recorded,
                    **data,
                }
            )
        elif stat:
            chunks.append(f"{title}\n  {stat_line(summary, show_all=show_all)}\n")
        else:
            options = {"context": context, "show_all": show_all}
            chunks.append(draw(summary, fmt=fmt, title=title, color=color, **options))
    if fmt == "json":
        typer.echo(json.dumps({"documents": documents}, ensure_ascii=False, indent=2))
    elif not keys:
        typer.echo(NOTHING_YET)
    elif not chunks:
        typer.echo(f"no changes since {since}" if since else "no changes")
    else:
        sys.stdout.write("\n".join(chunks))
        sys.stdout.flush()
    if exit_code and differs:
        raise typer.Exit(int(ExitCode.DIFFERENCES))


def log(
    target: str | None = typer.Argument(
        None, metavar="[TARGET]", help="platform or platform/document (default: all)."
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help=f"Only versions since DATE: {DATE_FORMS}."
    ),
    number: int | None = typer.Option(
        None, "-n", "--max-count", min=1, metavar="N", help="At most N versions."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    topic: list[str] = typer.Option(
        None, "--topic", help="Only versions whose changes touch this topic (repeatable)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Versions, newest first: date (UTC), commit, document, what changed.

    Examples:

    \b
      atlas log
      atlas log openai/privacy-policy -n 5
      atlas log --since 2026-11-01 --json
    """
    import json

    from conductatlas_cli.archive import history
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.textsafe import plain
    from conductatlas_cli.timestamps import format_utc

    sources = load_sources_at(config)
    day = parse_moment(since) if since else None
    with Archive.from_sources(sources) as archive:
        _say_once(history.clone_note(archive))
        keys = history.matching_keys(archive, sources, target)
        entries = history.log_entries(archive, keys, day)
        if topic:  # issue 13
            from conductatlas_cli.topics.changes import entries_touching

            entries = entries_touching(archive, entries, topic, _taxonomy(sources, topic))
        entries = entries[:number]
    titles = {s.key: s.title for s in sources.sources}
    if as_json:
        rows = [
            {
                "key": key,
                "title": titles.get(key),
                "date": format_utc(v.date),
                "commit": v.commit,
                "summary": history.one_line(key, v),
                "technical": v.technical,
            }
            for key, v in entries
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not keys:
        typer.echo(NOTHING_YET)
    if len(keys) == 1 and keys[0] in titles:
        typer.echo(plain(f"{titles[keys[0]]} ({keys[0]})"))
    width = max((len(key) for key, _ in entries), default=0)
    for key, v in entries:
        summary = history.one_line(key, v)
        if v.technical:
            summary = f"[technical: {v.technical}] {summary}"
        line = f"{v.date:%Y-%m-%d %H:%MZ}  {v.short}  {key:<{width}}  {summary}"
        typer.echo(plain(line))


def show(
    target: str = typer.Argument(..., help="platform/document."),
    at: str | None = typer.Option(
        None, "--at", help="A date, a commit, or @~N (default: the latest).", metavar="REF"
    ),
    raw: bool = typer.Option(False, "--raw", help="The body as served (the capture's bytes)."),
    rendered: bool = typer.Option(
        False, "--rendered", help="The DOM the browser rendered (render: browser captures)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """The text of one version of a document (or, with --raw, what was served)."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.config.model import parse_key
    from conductatlas_cli.textsafe import plain

    parse_key(target)
    sources = load_sources_at(config)
    with Archive.from_sources(sources) as archive:
        version = archive.resolve_ref(target, at)
        if raw or rendered:
            data = _captured(archive, target, version, rendered=rendered)
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        text = archive.read_version(target, version.commit)
    sys.stdout.write(plain(text))
    sys.stdout.flush()


def _captured(archive, key: str, version, *, rendered: bool) -> bytes:
    """The captured bytes of VERSION: as served, or the browser's DOM."""
    from conductatlas_cli.archive.captures import read_capture

    capture = read_capture(archive, key, version.commit)
    if capture is None:
        raise UsageError(f"version {version.short} of '{key}' has no capture")
    if rendered:
        if capture.rendered is None:
            raise UsageError(f"version {version.short} of '{key}' was not rendered in a browser")
        return capture.rendered
    return capture.body


def _say_once(note: str | None) -> None:
    """A shallow clone's note, on stderr, once per command."""
    if note:
        warn(note)

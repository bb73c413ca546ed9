"""Change summaries of what was not recorded: `atlas fetch --dry-run` and `atlas diff --pending`.

The summary is `atlas diff`'s (`diff.summary`, topics annotated as there) drawn by
the same renderers (`render.render_summary`); only the heading says what the
recorded version is compared with: this fetch, or the last held-back one.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import typer

from conductatlas_cli.cli.console import color_wanted, output_format, terminal_width
from conductatlas_cli.errors import UsageError


def change_summary(sources, key: str, old: str | None, new: str, *, between=(), taxonomy=None):
    """The ChangeSummary `atlas diff` shows for KEY from OLD to NEW (its `ignore` rules applied)."""
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.topics import load_taxonomy
    from conductatlas_cli.topics.changes import annotate_topics

    ignore = next((s.ignore for s in sources.sources if s.key == key), ())
    summary = summarize_changes(old, new, between=between, ignore=ignore)
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy(sources.topics)
    return annotate_topics(summary, old, new, taxonomy)


def draw(summary, *, fmt: str, title: str, color: bool, context: int = 0, show_all=False) -> str:
    """SUMMARY as `atlas diff` prints it in FMT (rich, plain, markdown) under TITLE."""
    from conductatlas_cli.render import render_summary

    return render_summary(
        summary,
        fmt=fmt,
        context=context,
        show_all=show_all,
        title=title,
        color=color,
        width=terminal_width(),
    )


def heading(sources, key: str, base: str | None, date: datetime | None, what: str) -> str:
    """'Acme AI — Privacy Policy (acme/privacy): 5a7d92814e (2026-12-01) → WHAT'."""
    label = next((s.label for s in sources.sources if s.key == key), key)
    old = f"{base[:10]} ({date:%Y-%m-%d})" if base and date else "nothing"
    return f"{label}: {old} → {what}"


def fetch_previews(sources, report, *, color: str, as_json: bool) -> dict[str, object] | None:
    """A dry run's changed and held-back documents: their summaries (JSON), or print them."""
    from conductatlas_cli.render import summary_to_dict
    from conductatlas_cli.render.fetch_report import ordered
    from conductatlas_cli.run.report import FetchStatus

    found: dict[str, object] = {}
    chunks = []
    fmt = output_format(None, color=color)
    for doc in ordered(report):
        if doc.preview is None:
            continue
        p = doc.preview
        summary = change_summary(sources, doc.key, p.old_text, p.new_text)
        if as_json:
            found[doc.key] = summary_to_dict(summary, from_ref=p.base, to_ref=None)
            continue
        held = doc.status == FetchStatus.HELD
        what = "this fetch (held back: --force records it)" if held else "this fetch (dry run)"
        title = heading(sources, doc.key, p.base, p.base_date, what)
        chunks.append(
            draw(summary, fmt=fmt, title=title, color=fmt == "rich" and color_wanted(color))
        )
    if chunks:
        sys.stdout.write("\n" + "\n".join(chunks))
        sys.stdout.flush()
    return found if as_json else None


def pending_diff(
    sources, target: str, *, fmt: str, color: bool, context: int, show_all: bool, stat: bool
) -> bool:
    """Print TARGET's held-back changes as `atlas diff` would; whether any differs."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.pending import load_pending
    from conductatlas_cli.render import stat_line, summary_to_dict
    from conductatlas_cli.textsafe import plain
    from conductatlas_cli.timestamps import parse_utc
    from conductatlas_cli.topics import load_taxonomy

    chosen = sources.select((target,))  # an unknown target is a usage error naming it
    held = [p for p in (load_pending(sources.state_dir, s.key) for s in chosen) if p]
    if not held:
        raise UsageError(
            f"nothing is held back for '{target}' (the last fetch recorded it or held nothing)"
        )
    taxonomy = load_taxonomy(sources.topics)
    documents, chunks, differs = [], [], False
    with Archive.from_sources(sources) as archive:
        archive.versions(held[0].key)  # the history index: texts of renamed documents too
        bases = {p.key: archive.read_version(p.key, p.base) for p in held}
        dates = {p.key: v.date for p in held for v in archive.versions(p.key) if v.commit == p.base}
    for p in held:
        summary = change_summary(sources, p.key, bases[p.key], p.text, taxonomy=taxonomy)
        differs = differs or summary.has_changes(show_all=show_all)
        fetched = parse_utc(p.fetched_at)
        when = f"{fetched:%Y-%m-%d %H:%M}Z" if fetched else p.fetched_at
        title = heading(sources, p.key, p.base, dates.get(p.key), f"held back {when}")
        note = plain(f"held back: {p.reason}; 'atlas fetch --force {p.key}' records it\n")
        if fmt == "json":
            data = summary_to_dict(summary, from_ref=p.base, to_ref=None)
            title_of = next(s.title for s in chosen if s.key == p.key)
            held_back = {"reason": p.reason, "fetched_at": p.fetched_at, "url": p.url}
            documents.append({"key": p.key, "title": title_of, "held_back": held_back, **data})
        elif stat:
            chunks.append(f"{title}\n  {stat_line(summary, show_all=show_all)}\n{note}")
        else:
            options = {"context": context, "show_all": show_all}
            chunks.append(draw(summary, fmt=fmt, title=title, color=color, **options) + note)
    if fmt == "json":
        typer.echo(json.dumps({"documents": documents}, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write("\n".join(chunks))
        sys.stdout.flush()
    return differs

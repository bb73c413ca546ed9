"""The weekly digest: every document changed since a moment, and the documents failing now.

Per platform (in sources.yaml's order), each document that has a version after
SINCE is compared from the version in force at SINCE (nothing, for a document
first recorded since) to its latest version, with its topics. Documents that
are failing now (per `.atlas/state.json`) follow at the end, longest failing
first. SINCE is read by `timestamps.parse_moment`, as every `--since` is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from conductatlas_cli.config.notify import Event, Target
from conductatlas_cli.notify import archive_view as view
from conductatlas_cli.notify import bodies
from conductatlas_cli.notify.events import DocumentEvent, headline, select_events
from conductatlas_cli.notify.message import Message, new_id, now_iso
from conductatlas_cli.render.summary_markdown import md_escape
from conductatlas_cli.timestamps import format_utc

DIGEST_FORMATS = ("text", "markdown", "html", "json")


@dataclass(frozen=True)
class PlatformGroup:
    platform: str
    name: str
    events: tuple[DocumentEvent, ...]


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    groups: tuple[PlatformGroup, ...]
    failing: tuple[DocumentEvent, ...]

    @property
    def events(self) -> list[DocumentEvent]:
        return [e for g in self.groups for e in g.events] + list(self.failing)


def build_digest(
    archive, sources, state, *, since: datetime, commit_url: str | None = None
) -> Digest:
    """The digest of everything recorded since SINCE, and what is failing now."""
    keys = [s.key for s in getattr(sources, "sources", ())] or None
    spans = view.versions_since(archive, keys, since)
    events = [
        view.span_event(archive, sources, key, old, new, versions, commit_url=commit_url)
        for key, old, new, versions in spans
    ]
    order = list(dict.fromkeys(s.platform for s in getattr(sources, "sources", ())))
    rank = {platform: i for i, platform in enumerate(order)}
    groups = []
    for platform in sorted({e.platform for e in events}, key=lambda p: (rank.get(p, len(rank)), p)):
        mine = tuple(sorted((e for e in events if e.platform == platform), key=lambda e: e.key))
        groups.append(PlatformGroup(platform, mine[0].platform_name, mine))
    failing = tuple(view.failing_documents(sources, state))
    return Digest(since, datetime.now(timezone.utc), tuple(groups), failing)


def _restricted(digest: Digest, target: Target) -> Digest:
    chosen = select_events(digest.events, target)
    ids = {id(e) for e in chosen}
    groups = []
    for group in digest.groups:
        mine = tuple(e for e in group.events if id(e) in ids)
        if mine:
            groups.append(PlatformGroup(group.platform, group.name, mine))
    failing = tuple(e for e in digest.failing if id(e) in ids)
    return Digest(digest.since, digest.until, tuple(groups), failing)


def digest_title(digest: Digest) -> str:
    changed = [e for g in digest.groups for e in g.events]
    what = headline(changed) if changed else "no changes"
    failing = f", {len(digest.failing)} failing" if digest.failing else ""
    return f"atlas digest since {digest.since:%Y-%m-%d %H:%M} UTC: {what}{failing}"


def render_digest(digest: Digest, fmt: str) -> str:
    """The digest in FMT: text, markdown, html or json."""
    if fmt == "json":
        return json.dumps(_digest_dict(digest), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return _html(digest)
    title = digest_title(digest)
    if fmt == "markdown":
        out = [f"# {md_escape(title)}", ""]
        for group in digest.groups:
            out += [f"## {md_escape(group.name)}", ""]
            out += [bodies.markdown_document(e, level=3) for e in group.events]
        if digest.failing:
            out += ["## Failing documents", ""]
            out += [bodies.markdown_document(e, level=3) for e in digest.failing]
        return "\n".join(out).rstrip("\n") + "\n"
    out = [title, "=" * min(len(title), 72), ""]
    for group in digest.groups:
        out += [bodies.H._safe(group.name), "-" * min(len(group.name), 72), ""]
        out += [bodies.text_document(e) for e in group.events]
    if digest.failing:
        out += ["Failing documents", "-" * 17, ""]
        out += [bodies.text_document(e) for e in digest.failing]
    return "\n".join(out).rstrip("\n") + "\n"


def _html(digest: Digest) -> str:
    from lxml.html import builder as E

    root = E.DIV(E.H1(bodies.H._safe(digest_title(digest))))
    for group in digest.groups:
        root.append(E.H2(bodies.H._safe(group.name)))
        root.extend(bodies.html_document(e, level=3) for e in group.events)
    if digest.failing:
        root.append(E.H2("Failing documents"))
        root.extend(bodies.html_document(e, level=3) for e in digest.failing)
    return bodies.H.to_html(root)


def _iso(value: datetime | None) -> str | None:
    return format_utc(value) if value else None


def _digest_dict(digest: Digest) -> dict:
    return {
        "since": _iso(digest.since),
        "until": _iso(digest.until),
        "platforms": [
            {
                "platform": group.platform,
                "name": group.name,
                "documents": [
                    {
                        "key": e.key,
                        "title": e.title,
                        "from": e.from_commit,
                        "from_date": _iso(e.from_date),
                        "to": e.commit,
                        "to_date": _iso(e.date),
                        "summary": e.stat,
                        "topics": list(e.topics),
                        "watched": e.watched,
                        "link": e.link,
                        "changes": view.summary_json(e.summary),
                    }
                    for e in group.events
                ],
            }
            for group in digest.groups
        ],
        "failing": [
            {
                "key": e.key,
                "title": e.title,
                "failing_since": e.failing_since,
                "last_error": e.reason,
            }
            for e in digest.failing
        ],
    }


def digest_messages(digest: Digest, targets, *, fmt_of) -> list[Message]:
    """One digest message per target whose filters keep something (FMT_OF(target) → format)."""
    messages = []
    for target in targets:
        mine = _restricted(digest, target)
        if not mine.groups and not mine.failing:
            continue
        fmt = fmt_of(target)
        messages.append(
            Message(
                id=new_id(),
                target=target.id,
                kind="digest",
                created=now_iso(),
                title=digest_title(mine),
                body=render_digest(mine, fmt),
                format=fmt,
            )
        )
    return messages


__all__ = [
    "DIGEST_FORMATS",
    "Digest",
    "Event",
    "build_digest",
    "digest_messages",
    "render_digest",
]

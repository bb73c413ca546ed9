"""What a message tells about one document: the `DocumentEvent`.

Built by `archive_view` from a fetch report or from the archive; rendered by
`bodies`; filtered per target here. Plain data: no archive, git or apprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from conductatlas_cli.config.notify import Event, Target

if TYPE_CHECKING:
    from conductatlas_cli.diff.model import ChangeSummary


@dataclass(frozen=True)
class DocumentEvent:
    """One document in a message: a recorded version, a failure or a held-back change.

    `summary` is the ChangeSummary of the version (None for failures and held-back
    changes); `stat` its one-line count ("2 sections changed (+10 -3 words)") or, for
    failures, the reason. `delayed` marks a version that an earlier, interrupted run
    recorded but could not announce.
    """

    key: str
    platform: str
    platform_name: str
    title: str  # "Cohere — Acceptable Use Policy"
    event: Event
    stat: str
    summary: ChangeSummary | None = None
    topics: tuple[str, ...] = ()
    watched: bool = False
    commit: str | None = None
    link: str | None = None  # settings.commit_url filled in
    reason: str | None = None
    failing_since: str | None = None  # ISO 8601, UTC
    date: datetime | None = None  # when the version was fetched
    delayed: bool = False
    span: bool = False  # the digest: from the version in force then (from_*) to `commit`
    from_commit: str | None = None
    from_date: datetime | None = None


def document_title(platform_name: str, doc_type: str, document: str) -> str:
    """'Cohere — Acceptable Use Policy': the platform's name and the document's type.

    Without a type, the document id reads as words ('usage-policy' → 'Usage Policy').
    """
    what = doc_type.strip() or " ".join(word.capitalize() for word in document.split("-"))
    return f"{platform_name.strip() or document} — {what}"


def commit_link(template: str | None, commit: str | None) -> str | None:
    """`settings.commit_url` with `{commit}` (and `{short}`) filled in, or None."""
    if not template or not commit:
        return None
    return template.replace("{commit}", commit).replace("{short}", commit[:10])


def select_events(events: list[DocumentEvent], target: Target) -> list[DocumentEvent]:
    """The events TARGET asked for: its `on`, `platforms` and `topics` filters.

    The topics filter applies to recorded versions only: a failure or a held-back
    change cannot say which provisions it touches, so it is never filtered away
    by topic (it may hide the very change the target watches for).
    """
    chosen = []
    for event in events:
        if not target.wants(event.event, event.platform):
            continue
        if (
            target.topics
            and event.event in (Event.NEW, Event.CHANGED)
            and not set(target.topics) & set(event.topics)
        ):
            continue
        chosen.append(event)
    return chosen


ORDER = {Event.CHANGED: 0, Event.NEW: 1, Event.HELD: 2, Event.FAILED: 3}


def sort_events(events: list[DocumentEvent]) -> list[DocumentEvent]:
    """Changes first, then new documents, held-back changes, failures; by key inside."""
    return sorted(
        events, key=lambda e: (ORDER[e.event], e.key, e.date.timestamp() if e.date else 0.0)
    )


def headline(events: list[DocumentEvent]) -> str:
    """'2 documents changed, 1 new, 1 held back, 1 failed' (zero counts left out)."""
    counts = {kind: 0 for kind in ORDER}
    for event in events:
        counts[event.event] += 1
    parts = []
    if counts[Event.CHANGED]:
        n = counts[Event.CHANGED]
        parts.append(f"{n} document{'s' if n != 1 else ''} changed")
    if counts[Event.NEW]:
        n = counts[Event.NEW]
        parts.append(f"{n} new document{'s' if n != 1 else ''}")
    if counts[Event.HELD]:
        parts.append(f"{counts[Event.HELD]} held back")
    if counts[Event.FAILED]:
        parts.append(f"{counts[Event.FAILED]} failed")
    return ", ".join(parts) or "nothing to report"

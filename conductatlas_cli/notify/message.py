"""One message per target: title and body in the target's format, and how queued ones merge.

A run's message is titled `atlas: 2 documents changed, 1 failed`. Messages that an
earlier run could not deliver are sent with the next one to the same target, merged
into one (`… (and 1 delayed message)`), each earlier part headed `Delayed: …`.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from conductatlas_cli.config.notify import Target
from conductatlas_cli.notify import bodies
from conductatlas_cli.notify.events import DocumentEvent, headline, select_events, sort_events
from conductatlas_cli.render.summary_markdown import md_escape
from conductatlas_cli.timestamps import utc_now

KINDS = ("fetch", "digest", "test")


@dataclass(frozen=True)
class Message:
    """A message for one target, as the outbox keeps it (no URL, no secret)."""

    id: str
    target: str  # Target.id
    kind: str  # fetch | digest | test
    created: str  # ISO 8601, UTC
    title: str
    body: str
    format: str  # text | markdown | html
    attempts: int = 0
    last_error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**fields)


def now_iso() -> str:
    return utc_now()


def new_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"


def run_message(
    events: list[DocumentEvent], target: Target, *, fmt: str, kind: str = "fetch"
) -> Message | None:
    """The message of one run for TARGET in FMT, or None when none of EVENTS matches it."""
    chosen = sort_events(select_events(events, target))
    if not chosen:
        return None
    title = f"atlas: {headline(chosen)}"
    if all(e.delayed for e in chosen):
        title += " (delayed)"
    return Message(
        id=new_id(),
        target=target.id,
        kind=kind,
        created=now_iso(),
        title=title,
        body=bodies.render_documents(chosen, fmt),
        format=fmt,
    )


def merged(messages: list[Message]) -> tuple[str, str]:
    """(title, body) of MESSAGES (oldest first, one format) sent as one.

    The newest message leads; each earlier one follows under a `Delayed` heading
    saying when it was made. A lone message that waited in the outbox says
    "(delayed)" in its title.
    """
    newest, earlier = messages[-1], messages[:-1]
    fmt = newest.format
    if not earlier:
        return newest.title, newest.body
    n = len(earlier)
    title = f"{newest.title} (and {n} delayed message{'s' if n != 1 else ''})"
    parts = [newest.body]
    for message in reversed(earlier):
        parts.append(_delayed_part(message, fmt))
    return title, _join(parts, fmt)


def delayed_title(message: Message) -> str:
    """A queued message sent on its own: its title marked as delayed (once)."""
    return message.title if "(delayed" in message.title else f"{message.title} (delayed)"


def _delayed_part(message: Message, fmt: str) -> str:
    heading = f"Delayed: {message.title}, from {bodies.when(message.created)}"
    if fmt == "html":
        from lxml.html import builder as E

        from conductatlas_cli.notify.html import _safe, to_html

        return to_html(E.H2(_safe(heading))) + message.body
    if fmt == "markdown":
        return f"# {md_escape(heading)}\n\n{message.body}"
    return f"{heading}\n{'=' * min(len(heading), 72)}\n\n{message.body}"


def _join(parts: list[str], fmt: str) -> str:
    if fmt == "html":
        return "<hr>".join(parts)
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)

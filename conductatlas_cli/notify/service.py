"""One run's notifications: queue first, then send, then acknowledge.

The order, and what kill -9 at each point leaves (see also `outbox`):

0. `prime` (before the fetch): a project without an outbox gets one whose cursor
   is HEAD, so what this run records counts as "not yet announced".
1. The fetch records its versions (commits). Killed here: the versions are in git
   after the cursor; the next run announces them, marked "delayed".
2. `queue_run`: this run's messages, one per target, are built from the report and
   from every version after the cursor that the report does not cover (a killed
   run's), and written to the outbox together with the new cursor (HEAD), in one
   atomic replace. Killed before it completes: as in 1.
3. `flush`: per target, every queued message is sent as one (the newest leads,
   earlier ones follow marked "Delayed"). Killed here: the messages are still
   queued and the next run sends them.
4. After a send succeeds, its messages are removed from the outbox (one atomic
   replace). Killed between the service's answer and this write — a window of one
   send — the next run sends them again: delivery is at least once, never lost.

A failed send leaves its messages queued (attempts and the redacted error noted)
and becomes one warning line; the caller exits 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from conductatlas_cli.config.notify import Target
from conductatlas_cli.notify import archive_view as view
from conductatlas_cli.notify.deliver import send
from conductatlas_cli.notify.events import DocumentEvent
from conductatlas_cli.notify.message import (
    Message,
    delayed_title,
    merged,
    new_id,
    now_iso,
    run_message,
)
from conductatlas_cli.notify.outbox import Outbox

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Notification:
    """What happened for one target in this run, as the fetch JSON reports it."""

    target: str  # Target.label: never the URL
    sent: bool
    error: str | None = None
    delayed: int = 0  # messages from earlier runs included

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "sent": self.sent,
            "error": self.error,
            "delayed": self.delayed,
        }


def default_format(target: Target) -> str:
    """The target's `format`, else what its service takes best (from apprise's plugin)."""
    if target.format:
        return target.format
    from apprise.manager_plugins import NotificationManager

    manager = NotificationManager()
    if target.scheme not in manager:
        return "text"
    from conductatlas_cli.notify.deliver import service_format

    return service_format(manager[target.scheme])


def prime(state_dir, archive, *, warn: Warn | None = None) -> None:
    """Before a fetch: a new outbox starts with its cursor at HEAD (an existing one is kept)."""
    with Outbox(state_dir, warn=warn) as box:
        if not box.exists:
            box.add([], cursor=view.head(archive))


def run_events(archive, sources, report, state, cursor: str | None, *, commit_url):
    """(this run's events, HEAD): the report's, plus versions after CURSOR it does not cover."""
    tip = view.head(archive)
    fresh = view.commits_after(archive, cursor, tip)
    events = view.report_events(archive, sources, report, state, commit_url=commit_url, fresh=fresh)
    if fresh:
        covered = {e.commit for e in events if e.commit}
        events += view.catch_up_events(archive, sources, fresh, skip=covered, commit_url=commit_url)
    return events, tip


def build_messages(events: list[DocumentEvent], targets, *, kind: str = "fetch") -> list[Message]:
    """One message per target that EVENTS match (none for the others)."""
    messages = []
    for target in targets:
        message = run_message(events, target, fmt=default_format(target), kind=kind)
        if message is not None:
            messages.append(message)
    return messages


def queue_run(box: Outbox, archive, sources, report, state, targets, *, commit_url=None, warn=None):
    """Step 2: queue this run's messages and move the cursor, in one write; return their ids."""
    events, tip = run_events(archive, sources, report, state, box.cursor, commit_url=commit_url)
    messages = build_messages(events, targets)
    _add(box, messages, cursor=tip, targets=targets, warn=warn)
    return {m.id for m in messages}


def _add(box: Outbox, messages, *, cursor, targets, warn) -> None:
    dropped = box.add(messages, cursor=cursor)
    if dropped and warn:
        warn(f"dropped the {dropped} oldest queued messages (a target kept failing)")


def flush(
    box: Outbox,
    targets,
    *,
    fresh: frozenset[str] | set[str] = frozenset(),
    env: Mapping[str, str] | None = None,
    warn: Warn | None = None,
) -> list[Notification]:
    """Steps 3 and 4: send each target's queued messages as one; acknowledge what was sent."""
    known = {t.id for t in targets}
    orphans = [m.id for m in box.messages if m.target not in known]
    if orphans:
        box.ack(orphans)
        if warn:
            warn(f"dropped {len(orphans)} queued message(s) for targets no longer in 'notify:'")
    results = []
    for target in targets:
        waiting = box.waiting(target.id)
        for fmt in dict.fromkeys(m.format for m in waiting):
            group = [m for m in waiting if m.format == fmt]
            title, body = merged(group)
            if group[-1].id not in fresh:
                title = delayed_title(group[-1]) if len(group) == 1 else f"{title} (delayed)"
            outcome = send(target, title=title, body=body, fmt=fmt, env=env)
            ids = [m.id for m in group]
            if outcome.sent:
                box.ack(ids)
            else:
                box.failed(ids, outcome.error or "not delivered")
                if warn:
                    warn(
                        f"{target.label}: not delivered ({outcome.error}); queued for the next run"
                    )
            delayed = sum(1 for m in group if m.id not in fresh)
            results.append(Notification(target.label, outcome.sent, outcome.error, delayed))
    return results


def notify_after_fetch(
    sources,
    report,
    targets,
    *,
    commit_url: str | None = None,
    env: Mapping[str, str] | None = None,
    warn: Warn | None = None,
) -> list[Notification]:
    """After `atlas fetch` recorded: queue this run's messages, then send all queued ones."""
    if not targets:
        return []
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import load_state

    state = load_state(sources.state_dir, warn=warn)
    with Archive.from_sources(sources) as archive, Outbox(sources.state_dir, warn=warn) as box:
        fresh = queue_run(box, archive, sources, report, state, targets, commit_url=commit_url)
        return flush(box, targets, fresh=fresh, env=env, warn=warn)


def before_fetch(sources, *, warn: Warn | None = None) -> None:
    """Step 0 for `atlas fetch` (not --dry-run): prime the outbox when targets are configured."""
    if not sources.notify:
        return
    from conductatlas_cli.archive.archive import Archive

    with Archive.from_sources(sources) as archive:
        prime(sources.state_dir, archive, warn=warn)


def after_fetch(sources, report, *, warn: Warn | None = None) -> list[Notification]:
    """Steps 2-4 for `atlas fetch`: the targets and commit link of sources.yaml."""
    return notify_after_fetch(
        sources, report, sources.notify, commit_url=sources.settings.commit_url, warn=warn
    )


def queue_and_send(
    state_dir, messages: list[Message], targets, *, env=None, warn: Warn | None = None
) -> list[Notification]:
    """Queue MESSAGES (a digest) without moving the cursor, then send everything queued."""
    with Outbox(state_dir, warn=warn) as box:
        _add(box, messages, cursor=box.cursor, targets=targets, warn=warn)
        return flush(box, targets, fresh={m.id for m in messages}, env=env, warn=warn)


def send_test(targets, *, env=None) -> list[Notification]:
    """`atlas notify --test`: a short message to every target, sent now, never queued."""
    results = []
    for target in targets:
        fmt = default_format(target)
        body = (
            f"This is a test message from atlas to {target.label}, sent {now_iso()}.\n"
            "If you can read it, this target receives atlas's alerts.\n"
        )
        if fmt == "html":
            body = "<p>" + body.replace("\n", " ").strip() + "</p>"
        outcome = send(target, title="atlas: test message", body=body, fmt=fmt, env=env)
        results.append(Notification(target.label, outcome.sent, outcome.error))
    return results


__all__ = [
    "Notification",
    "after_fetch",
    "before_fetch",
    "build_messages",
    "flush",
    "new_id",
    "notify_after_fetch",
    "prime",
    "queue_and_send",
    "queue_run",
    "send_test",
]

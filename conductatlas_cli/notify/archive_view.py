"""The one place alerts, the digest and feeds read the archive, the change model and a report.

Turns a fetch report's documents and the archive's versions into `DocumentEvent`s:
each recorded version with its change summary (from the version before it), its
topics (the report's, or the `Atlas-Topics` commit trailer where the topics
feature writes one) and the commit link. Also answers the outbox's question
"which commits came after the cursor?" with git.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from conductatlas_cli.config.notify import Event
from conductatlas_cli.notify.events import DocumentEvent, commit_link, document_title

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Version

TOPICS_TRAILER = "Atlas-Topics"
WATCHED_TRAILER = "Atlas-Watched"
_STATUS_EVENTS = {"new": Event.NEW, "changed": Event.CHANGED, "held": Event.HELD}
_STATUS_EVENTS["failed"] = Event.FAILED


@dataclass(frozen=True)
class DocInfo:
    """What sources.yaml says about a document, for titles and filters."""

    key: str
    platform: str
    platform_name: str
    title: str


def doc_info(sources, key: str) -> DocInfo:
    """KEY's platform and title from SOURCES (a document no longer listed keeps its key)."""
    platform, _, document = key.partition("/")
    for source in getattr(sources, "sources", ()):
        if source.key == key:
            name = source.platform_name or platform
            return DocInfo(key, platform, name, document_title(name, source.type, document))
    names = {s.platform: s.platform_name for s in getattr(sources, "sources", ())}
    name = names.get(platform) or platform
    return DocInfo(key, platform, name, document_title(name, "", document))


def _document_event(sources, key: str, **fields) -> DocumentEvent:
    """An event of KEY, its platform and title from SOURCES, the rest from FIELDS."""
    info = doc_info(sources, key)
    return DocumentEvent(
        key=key,
        platform=info.platform,
        platform_name=info.platform_name,
        title=info.title,
        **fields,
    )


def head(archive) -> str | None:
    """The commit at HEAD, or None in a repository with no commit."""
    found = archive.git.head()
    return found[0] if found else None


def root_commit(archive) -> str | None:
    """The first commit of the history (the oldest root): a stable name for the archive."""
    if head(archive) is None:
        return None
    out = archive.git.run("rev-list", "--max-parents=0", "HEAD").decode().split()
    return out[-1] if out else None


def commits_after(archive, cursor: str | None, tip: str | None) -> set[str] | None:
    """The commits in `cursor..tip`; None when CURSOR is unknown or not an ancestor of TIP."""
    if tip is None:
        return set()
    if not cursor:
        return None
    if cursor == tip:
        return set()
    code, _ = archive.git.run_status("merge-base", "--is-ancestor", cursor, tip)
    if code != 0:
        return None
    out = archive.git.run("rev-list", "--no-merges", f"{cursor}..{tip}")
    return {line for line in out.decode().split() if line}


def _trailers(archive, commits: list[str]) -> dict[str, tuple[tuple[str, ...], bool]]:
    """{commit: (topics, watched)} from the `Atlas-Topics` / `Atlas-Watched` trailers."""
    if not commits:
        return {}
    fmt = (
        f"%H%x1f%(trailers:key={TOPICS_TRAILER},valueonly,separator=%x2C)"
        f"%x1f%(trailers:key={WATCHED_TRAILER},valueonly)%x1e"
    )
    out = archive.git.run("log", "--no-walk=unsorted", f"--format={fmt}", *commits)
    found = {}
    for record in out.decode("utf-8", "replace").split("\x1e"):
        parts = record.strip("\n").split("\x1f")  # not strip(): \x1f counts as a space
        if len(parts) != 3:
            continue
        topics = tuple(t.strip() for t in parts[1].split(",") if t.strip())
        found[parts[0]] = (topics, parts[2].strip().lower() in ("yes", "true"))
    return found


def version_events(
    archive,
    sources,
    versions: list[tuple[str, Version]],
    *,
    commit_url: str | None = None,
    delayed: bool = False,
    history: dict[str, list[Version]] | None = None,
) -> list[DocumentEvent]:
    """One event per (key, Version): the change from the version before it.

    HISTORY ({key: versions, newest first}) saves reading what the caller read already.
    """
    from conductatlas_cli.diff.summary import summarize_changes

    trailers = _trailers(archive, sorted({v.commit for _, v in versions}))
    events = []
    history = dict(history or {})
    for key, version in versions:
        if key not in history:
            history[key] = archive.versions(key)
        older = _older(history[key], version.commit)
        old_text = archive.read_version(key, older.commit) if older else None
        summary = summarize_changes(old_text, archive.read_version(key, version.commit))
        topics, watched = trailers.get(version.commit, ((), False))
        events.append(
            _change_event(
                sources,
                key,
                summary,
                older,
                version,
                topics=topics,
                watched=watched,
                commit_url=commit_url,
                delayed=delayed,
            )
        )
    return events


def _change_event(
    sources, key: str, summary, old, new, *, topics, watched: bool, commit_url, **extra
) -> DocumentEvent:
    """The event of KEY's change SUMMARY from version OLD (None: nothing) to NEW."""
    from conductatlas_cli.diff.describe import stat_line

    return _document_event(
        sources,
        key,
        event=Event.NEW if old is None else Event.CHANGED,
        stat=stat_line(summary),
        summary=summary,
        topics=topics or _section_topics(summary),
        watched=watched,
        commit=new.commit,
        link=commit_link(commit_url, new.commit),
        date=new.date,
        **extra,
    )


def _older(versions: list, commit: str):
    """The version before COMMIT in VERSIONS (newest first), or None."""
    for i, version in enumerate(versions):
        if version.commit == commit:
            return versions[i + 1] if i + 1 < len(versions) else None
    return None


def _section_topics(summary) -> tuple[str, ...]:
    """Topics the change model put on the changed sections (the topics feature), in order."""
    seen: list[str] = []
    for change in summary.sections:
        if change.kind == "equal":
            continue
        for topic in getattr(change, "topics", ()) or ():
            if topic not in seen:
                seen.append(topic)
    return tuple(seen)


def report_events(
    archive,
    sources,
    report,
    state,
    *,
    commit_url: str | None = None,
    fresh: set[str] | None = None,
) -> list[DocumentEvent]:
    """Events for the documents of a fetch REPORT that recorded, failed or were held back.

    FRESH, when given, is the set of commits not yet announced: a recorded version
    whose commit is not in it was announced already (by a run that caught up).
    """
    events: list[DocumentEvent] = []
    recorded = []
    for doc in report.documents:
        status = getattr(doc.status, "value", doc.status)
        event = _STATUS_EVENTS.get(status)
        if event is None:
            continue
        if event in (Event.NEW, Event.CHANGED):
            if doc.commit and (fresh is None or doc.commit in fresh):
                recorded.append(doc)
            continue
        st = state.documents.get(doc.key)
        events.append(
            _document_event(
                sources,
                doc.key,
                event=event,
                stat=doc.reason or status,
                reason=doc.reason,
                failing_since=st.failing_since if st and event == Event.FAILED else None,
                topics=tuple(getattr(doc, "topics", ()) or ()),
                watched=bool(getattr(doc, "watched", False)),
            )
        )
    history = {doc.key: archive.versions(doc.key) for doc in recorded}
    versions = [(doc.key, _version_of(history[doc.key], doc.commit)) for doc in recorded]
    made = version_events(
        archive,
        sources,
        [(k, v) for k, v in versions if v],
        commit_url=commit_url,
        history=history,
    )
    by_key = {doc.key: doc for doc in recorded}
    for made_event in made:
        doc = by_key[made_event.key]
        topics = tuple(getattr(doc, "topics", ()) or ()) or made_event.topics
        watched = bool(getattr(doc, "watched", False)) or made_event.watched
        events.append(_replace(made_event, topics=topics, watched=watched))
    return events


def _replace(event: DocumentEvent, **changes) -> DocumentEvent:
    from dataclasses import replace

    return replace(event, **changes)


def _version_of(versions: list[Version], commit: str | None) -> Version | None:
    for version in versions:
        if version.commit == commit:
            return version
    return None


def catch_up_events(
    archive, sources, commits: set[str], *, skip: set[str], commit_url: str | None = None
) -> list[DocumentEvent]:
    """Events for versions in COMMITS not in SKIP: recorded by a run that died before queuing."""
    wanted = commits - skip
    if not wanted:
        return []
    versions = [(key, v) for key, v in archive.all_versions() if v.commit in wanted]
    return version_events(archive, sources, versions, commit_url=commit_url, delayed=True)


def summary_json(summary) -> dict | None:
    """A change summary in the documented JSON shape of `atlas diff --format json`."""
    if summary is None:
        return None
    from conductatlas_cli.render.summary_json import summary_to_dict

    return summary_to_dict(summary)


def failing_documents(sources, state) -> list[DocumentEvent]:
    """The documents failing now (per the state file), the longest-failing first."""
    events = []
    for source in getattr(sources, "sources", ()):
        st = state.documents.get(source.key)
        if st is None or not st.failing_since:
            continue
        events.append(
            _document_event(
                sources,
                source.key,
                event=Event.FAILED,
                stat=st.last_error or "failing",
                reason=st.last_error,
                failing_since=st.failing_since,
            )
        )
    return sorted(events, key=lambda e: (e.failing_since or "", e.key))


def versions_since(archive, keys: list[str] | None, since: datetime):
    """For the digest, per changed document: (key, version in force at SINCE or None, latest,
    all its versions newest first)."""
    changed = sorted({key for key, _ in archive.all_versions(since=since)})
    result = []
    for key in changed:
        if keys is not None and key not in keys:
            continue
        versions = archive.versions(key)
        if not versions:
            continue
        before = [v for v in versions if v.date < since]
        result.append((key, before[0] if before else None, versions[0], versions))
    return result


def span_event(archive, sources, key: str, old, new, versions, *, commit_url: str | None):
    """The event of KEY from version OLD (None: nothing) to NEW (of VERSIONS), for the digest."""
    from conductatlas_cli.archive.history import texts_between
    from conductatlas_cli.diff.summary import summarize_changes

    old_text = archive.read_version(key, old.commit) if old else None
    ignore = next((s.ignore for s in sources.sources if s.key == key), ())
    summary = summarize_changes(
        old_text,
        archive.read_version(key, new.commit),
        between=texts_between(archive, key, old, new, versions),  # identity through the range
        ignore=ignore,
    )
    commits = [v.commit for v in versions if old is None or v.date > old.date]
    topics: list[str] = []
    watched = False
    for found_topics, found_watched in _trailers(archive, commits).values():
        topics += [t for t in found_topics if t not in topics]
        watched = watched or found_watched
    return _change_event(
        sources,
        key,
        summary,
        old,
        new,
        topics=tuple(topics),
        watched=watched,
        commit_url=commit_url,
        from_commit=old.commit if old else None,
        from_date=old.date if old else None,
        span=True,
    )

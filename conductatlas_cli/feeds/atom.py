"""Atom feeds (RFC 4287) of the recorded versions, built with feedgen.

One entry per version, newest first, the last `LIMIT` of each feed:

- `id`: `tag:atlas.localhost,<version date>:<platform>/<document>/<commit>`
  (RFC 4151), stable as long as the history is;
- `title`: `Cohere — Usage Policy: 2 sections changed` (the document's title, then
  what changed, without the word counts);
- `updated` (and `published`): the version's fetch date;
- `content` (type html): the change summary — sections and sentences with
  `<del>`/`<ins>` word marks; `category`: the topics of the change, where known;
- `link rel=alternate`: `settings.commit_url` with the commit filled in, when set.

The feed's own id is `tag:atlas.localhost,2026:archive/<root commit>[/<platform>]`,
unique to the archive; its `updated` is its newest entry's date, so the same
history gives the same bytes (files are only rewritten when their bytes change).
A platform whose id is `feed` gets `platform-feed.atom`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from conductatlas_cli.errors import StoreError
from conductatlas_cli.notify import archive_view as view
from conductatlas_cli.notify.events import DocumentEvent
from conductatlas_cli.notify.html import summary_html

LIMIT = 100
TAG_AUTHORITY = "atlas.localhost"
ALL_FEED = "feed.atom"


def short_stat(summary) -> str:
    """What changed in a few words: '2 sections changed', 'first snapshot', '1 section renumbered'."""
    st = summary.stats
    if summary.first:
        return "first snapshot"
    if st.sections_changed:
        return f"{st.sections_changed} section{'s' if st.sections_changed != 1 else ''} changed"
    if st.sections_renumbered:
        n = st.sections_renumbered
        return f"{n} section{'s' if n != 1 else ''} renumbered"
    return "cosmetic changes only" if st.cosmetic else "no changes"


def entry_id(event: DocumentEvent) -> str:
    day = event.date.strftime("%Y-%m-%d") if event.date else "2026"
    return f"tag:{TAG_AUTHORITY},{day}:{event.key}/{event.commit}"


def feed_file(platform: str | None) -> str:
    if platform is None:
        return ALL_FEED
    return f"platform-{platform}.atom" if f"{platform}.atom" == ALL_FEED else f"{platform}.atom"


def _feed_bytes(events: list[DocumentEvent], *, feed_id: str, title: str) -> bytes:
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "ConductAtlas"})
    fg.generator("atlas (ConductAtlas CLI)")
    newest = max((e.date for e in events if e.date), default=None)
    fg.updated(newest or datetime(1970, 1, 1, tzinfo=timezone.utc))
    for event in events:  # newest first; every version event has its summary
        assert event.summary is not None
        fe = fg.add_entry(order="append")
        fe.id(entry_id(event))
        fe.title(f"{event.title}: {short_stat(event.summary)}")
        fe.updated(event.date)
        fe.published(event.date)
        fe.author({"name": "ConductAtlas"})
        fe.content(summary_html(event.summary, stat=event.stat), type="html")
        for topic in event.topics:
            fe.category(term=topic)
        if event.link:
            fe.link(href=event.link, rel="alternate", type="text/html")
    return fg.atom_str(pretty=True)


def build_feeds(archive, sources, *, commit_url: str | None = None, limit: int = LIMIT):
    """{file name: Atom bytes}: the feed of all documents and one per platform."""
    known = {s.key for s in getattr(sources, "sources", ())}
    versions = [(k, v) for k, v in archive.all_versions() if not known or k in known]
    wanted = list(versions[:limit])
    per_platform: dict[str, list] = {}
    for key, version in versions:
        mine = per_platform.setdefault(key.split("/", 1)[0], [])
        if len(mine) < limit:
            mine.append((key, version))
    seen = {(k, v.commit) for k, v in wanted}
    for mine in per_platform.values():
        wanted += [(k, v) for k, v in mine if (k, v.commit) not in seen]
        seen.update((k, v.commit) for k, v in mine)
    events = view.version_events(archive, sources, wanted, commit_url=commit_url)
    by_version = {(e.key, e.commit): e for e in events}
    root = view.root_commit(archive) or "empty"
    base = f"tag:{TAG_AUTHORITY},2026:archive/{root[:12]}"
    feeds = {
        ALL_FEED: _feed_bytes(
            [by_version[(k, v.commit)] for k, v in versions[:limit]],
            feed_id=base,
            title="atlas: policy document changes",
        )
    }
    names = {s.platform: s.platform_name for s in getattr(sources, "sources", ())}
    platforms = sorted(set(per_platform) | set(names))
    for platform in platforms:
        mine = [by_version[(k, v.commit)] for k, v in per_platform.get(platform, [])]
        name = names.get(platform) or platform
        feeds[feed_file(platform)] = _feed_bytes(
            mine, feed_id=f"{base}/{platform}", title=f"{name}: policy document changes"
        )
    return feeds


def write_feeds(sources, directory: Path, *, commit_url: str | None = None) -> list[Path]:
    """Write the feeds into DIRECTORY (atomically, only those whose bytes changed); all paths."""
    from conductatlas_cli.archive.archive import Archive

    with Archive.from_sources(sources) as archive:
        feeds = build_feeds(archive, sources, commit_url=commit_url)
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the feed folder '{folder}': {exc.strerror}") from None
    paths = []
    for name, data in feeds.items():
        path = folder / name
        paths.append(path)
        try:
            if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
                continue
        except OSError:
            pass
        _write_atomically(path, data)
    return paths


def _write_atomically(path: Path, data: bytes) -> None:
    if path.is_symlink():
        raise StoreError(f"refusing to write through the symbolic link '{path}'")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".feed-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StoreError(f"cannot write the feed '{path}': {exc.strerror}") from None

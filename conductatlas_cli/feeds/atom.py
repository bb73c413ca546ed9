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
A platform whose id is `feed` gets `platform-feed.atom`. Each version's entry is
computed once and kept in `.atlas/feeds-cache.json` (best effort; deleting it
only costs time), so refreshing the feeds after a fetch diffs only new versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.errors import StoreError
from conductatlas_cli.notify import archive_view as view
from conductatlas_cli.notify.events import DocumentEvent
from conductatlas_cli.notify.html import summary_html

LIMIT = 100
TAG_AUTHORITY = "atlas.localhost"
ALL_FEED = "feed.atom"
CACHE_FILE = "feeds-cache.json"  # in .atlas/: each version's entry, computed once
CACHE_VERSION = 1  # bump when an entry's content or summary changes shape


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


def feed_file(platform: str | None) -> str:
    if platform is None:
        return ALL_FEED
    return f"platform-{platform}.atom" if f"{platform}.atom" == ALL_FEED else f"{platform}.atom"


@dataclass(frozen=True)
class Entry:
    """One version as a feed entry; `short`, `html` and `topics` are what the cache keeps."""

    key: str
    commit: str
    date: datetime
    title: str
    short: str
    html: str
    topics: tuple[str, ...] = ()
    link: str | None = None


def entry_id(entry: Entry) -> str:
    return f"tag:{TAG_AUTHORITY},{entry.date:%Y-%m-%d}:{entry.key}/{entry.commit}"


def _entry(event: DocumentEvent) -> Entry:
    assert event.summary is not None and event.commit and event.date
    return Entry(
        key=event.key,
        commit=event.commit,
        date=event.date,
        title=event.title,
        short=short_stat(event.summary),
        html=summary_html(event.summary, stat=event.stat),
        topics=event.topics,
        link=event.link,
    )


def _feed_bytes(entries: list[Entry], *, feed_id: str, title: str) -> bytes:
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "ConductAtlas"})
    fg.generator("atlas (ConductAtlas CLI)")
    newest = max((e.date for e in entries), default=None)
    fg.updated(newest or datetime(1970, 1, 1, tzinfo=timezone.utc))
    for entry in entries:  # newest first
        fe = fg.add_entry(order="append")
        fe.id(entry_id(entry))
        fe.title(f"{entry.title}: {entry.short}")
        fe.updated(entry.date)
        fe.published(entry.date)
        fe.author({"name": "ConductAtlas"})
        fe.content(entry.html, type="html")
        for topic in entry.topics:
            fe.category(term=topic)
        if entry.link:
            fe.link(href=entry.link, rel="alternate", type="text/html")
    return fg.atom_str(pretty=True)


def _entries(archive, sources, wanted, *, commit_url, cache: dict | None) -> dict:
    """{(key, commit): Entry} for WANTED, computing only what CACHE does not hold."""
    from conductatlas_cli.notify.events import commit_link

    cached = cache if cache is not None else {}
    missing = [(k, v) for k, v in wanted if f"{k}@{v.commit}" not in cached]
    for event in view.version_events(archive, sources, missing):
        entry = _entry(event)
        cached[f"{entry.key}@{entry.commit}"] = {
            "short": entry.short,
            "html": entry.html,
            "topics": list(entry.topics),
        }
    found = {}
    for key, version in wanted:
        data = cached[f"{key}@{version.commit}"]
        found[(key, version.commit)] = Entry(
            key=key,
            commit=version.commit,
            date=version.date,
            title=view.doc_info(sources, key).title,
            short=data["short"],
            html=data["html"],
            topics=tuple(data["topics"]),
            link=commit_link(commit_url, version.commit),
        )
    if cache is not None:  # keep only what the feeds show
        keep = {f"{k}@{c}" for k, c in found}
        for name in [name for name in cache if name not in keep]:
            del cache[name]
    return found


def build_feeds(
    archive,
    sources,
    *,
    commit_url: str | None = None,
    limit: int = LIMIT,
    cache: dict | None = None,
) -> dict[str, bytes]:
    """{file name: Atom bytes}: the feed of all documents and one per platform.

    CACHE ({"key@commit": entry parts}), when given, is used and updated in place:
    a version's summary never changes, so each is computed once.
    """
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
    entries = _entries(archive, sources, wanted, commit_url=commit_url, cache=cache)
    root = view.root_commit(archive) or "empty"
    base = f"tag:{TAG_AUTHORITY},2026:archive/{root[:12]}"
    feeds = {
        ALL_FEED: _feed_bytes(
            [entries[(k, v.commit)] for k, v in versions[:limit]],
            feed_id=base,
            title="atlas: policy document changes",
        )
    }
    names = {s.platform: s.platform_name for s in getattr(sources, "sources", ())}
    platforms = sorted(set(per_platform) | set(names))
    for platform in platforms:
        mine = [entries[(k, v.commit)] for k, v in per_platform.get(platform, [])]
        name = names.get(platform) or platform
        feeds[feed_file(platform)] = _feed_bytes(
            mine, feed_id=f"{base}/{platform}", title=f"{name}: policy document changes"
        )
    return feeds


def _load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save_cache(path: Path, entries: dict) -> None:
    """Best effort: a cache that cannot be written only costs time next run."""
    data = json.dumps({"version": CACHE_VERSION, "entries": entries}, ensure_ascii=False)
    try:
        _write_atomically(path, data.encode("utf-8"), sync=False)
    except StoreError:
        pass


def write_feeds(sources, directory: Path, *, commit_url: str | None = None) -> list[Path]:
    """Write the feeds into DIRECTORY (atomically, only those whose bytes changed); all paths."""
    from conductatlas_cli.archive.archive import Archive

    cache_path = Path(sources.state_dir) / CACHE_FILE
    cache = _load_cache(cache_path)
    with Archive.from_sources(sources) as archive:
        feeds = build_feeds(archive, sources, commit_url=commit_url, cache=cache)
    _save_cache(cache_path, cache)
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


def _write_atomically(path: Path, data: bytes, *, sync: bool = True) -> None:
    if path.is_symlink():
        raise StoreError(f"refusing to write through the symbolic link '{path}'")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data, prefix=".feed-", chmod=0o644, fsync=sync)
    except OSError as exc:
        raise StoreError(f"cannot write the feed '{path}': {exc.strerror}") from None

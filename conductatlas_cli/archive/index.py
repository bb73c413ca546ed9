"""The history index: every atlas version of every document from one pass over git.

One `git log --raw` over the snapshots folder finds, per document, the commits
that are atlas versions: an `Atlas-Fetched-At` trailer on a commit that changed
one snapshot (or, where it lists several, as a shallow clone's boundary commit
lists every file as added, the one its subject `platform/document: …` names).
A user's commit that touches a snapshot, a repair commit: neither is a version.
A commit of `atlas mv` carries `Atlas-Renamed-From: OLD` (subject `NEW: …`): the
versions older than it that were recorded as OLD are NEW's (`Entry.stored_as`
keeps the key their files have at their commit), as `git log --follow` would
follow the rename, but exactly and for every document in the one pass; a
document added as OLD after the move is a document of its own. The result is kept in
`.git/atlas/history.json` (the worktree's git dir: a cache that never shows in
`git status`) under the HEAD commit it describes (and the shallow
boundary), so the next command reads one file; when HEAD moved forward only the
new commits are read, when history was rewritten the index is rebuilt.

`log`, `diff`, `status`, `--since` and the foreign-commit check of `fetch` read
it; reads do not grow with the number of documents in sources.yaml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from conductatlas_cli.archive.files import key_of_path
from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.timestamps import parse_utc as parse_date

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Version

INDEX_FILE = "history.json"
INDEX_FORMAT = 3  # 2: entries carry the Atlas-Technical trailer; 3: renames (atlas mv)
FETCHED_TRAILER = "Atlas-Fetched-At"
TECHNICAL_TRAILER = "Atlas-Technical"
RENAMED_TRAILER = "Atlas-Renamed-From"
_LOG_FORMAT = (
    f"%x1e%H%x1f%ct%x1f%(trailers:key={FETCHED_TRAILER},valueonly)"
    f"%x1f%(trailers:key={TECHNICAL_TRAILER},valueonly)"
    f"%x1f%(trailers:key={RENAMED_TRAILER},valueonly)%x1f%s%x1f%b%x1d"
)


@dataclass(frozen=True)
class Entry:
    """One version of one document as the index holds it."""

    key: str
    version: Version
    blob: str  # the snapshot's blob at that commit
    added: bool  # the commit created the path (its parent had no such file)
    renamed_from: str | None = None  # a rename (atlas mv) from this key to KEY: no version
    stored_as: str | None = None  # the key the files had at that commit, when renamed since


def follow_renames(raw: list[Entry]) -> list[Entry]:
    """RAW (newest first, rename markers among them) → versions under today's keys."""
    from dataclasses import replace

    alias: dict[str, str] = {}  # a key as recorded → the key it was renamed to later
    out = []
    for entry in raw:
        if entry.renamed_from is not None:
            alias[entry.renamed_from] = alias.get(entry.key, entry.key)
            continue
        key = alias.get(entry.key)
        out.append(entry if key is None else replace(entry, key=key, stored_as=entry.key))
    return out


class HistoryIndex:
    """Atlas's versions per document, newest first, for one HEAD."""

    def __init__(self, head: str | None, base: str, boundary: tuple[str, ...], entries: list):
        self.head = head
        self.base = base
        self.boundary = boundary  # shallow clone: commits whose parents are not here
        self.shallow_since: datetime | None = None
        self.raw: list[Entry] = entries  # newest first, as recorded, with rename markers
        self.entries: list[Entry] = follow_renames(entries)  # newest first, today's keys
        self.by_key: dict[str, list[Entry]] = {}
        for entry in self.entries:
            self.by_key.setdefault(entry.key, []).append(entry)
        self.dirty = False

    def stored_as(self, key: str, commit: str) -> str:
        """The key KEY's files had at COMMIT (another one before an `atlas mv`)."""
        for entry in self.by_key.get(key, ()):
            if entry.version.commit == commit:
                return entry.stored_as or key
        return key

    def versions(self, key: str) -> list[Version]:
        return [e.version for e in self.by_key.get(key, ())]

    def latest_blob(self, key: str) -> str | None:
        found = self.by_key.get(key)
        return found[0].blob if found else None

    def history_complete(self, key: str) -> bool:
        """Whether the oldest version seen here is the document's first (not cut off).

        Only a shallow clone cuts history off: in a complete one the oldest version is
        the first (even where a commit outside atlas created the file before it).
        """
        found = self.by_key.get(key)
        if not found or not self.boundary:
            return True
        oldest = found[-1]
        return oldest.added and oldest.version.commit not in self.boundary

    def add(self, entry: Entry, head: str) -> None:
        """A version just recorded at HEAD (its parent was this index's head)."""
        self.raw.insert(0, entry)
        self.entries.insert(0, entry)
        self.by_key.setdefault(entry.key, []).insert(0, entry)
        self.head = head
        self.dirty = True

    def moved_to(self, head: str) -> None:
        """HEAD moved to a commit that adds no version (a repair commit of ours)."""
        self.head = head
        self.dirty = True


def entry_for(key: str, commit: str, message: str, *, blob: str, added: bool, version_cls):
    """The Entry of a commit atlas just wrote with MESSAGE, or None when it is no version."""
    subject, _, body = message.partition("\n")
    fetched, technical = None, None
    for line in body.splitlines():
        if line.startswith(f"{FETCHED_TRAILER}: "):
            fetched = parse_date(line.split(": ", 1)[1].strip())
        elif line.startswith(f"{TECHNICAL_TRAILER}: "):
            technical = line.split(": ", 1)[1].strip() or None
    if fetched is None:
        return None
    summary = "\n".join(line for line in body.splitlines() if not line.startswith("Atlas-")).strip()
    return Entry(key, version_cls(commit, fetched, subject, summary, technical), blob, added)


def read_log(git, base: str, revisions: list[str], version_cls) -> list[Entry]:
    """Atlas versions in `git log REVISIONS -- BASE`, newest first."""
    out = git.run(
        "-c",
        "core.quotePath=false",
        "log",
        "--no-merges",
        "--no-renames",
        "--raw",
        "--no-abbrev",
        f"--format={_LOG_FORMAT}",
        *revisions,
        "--",
        base or ".",
    ).decode("utf-8", "replace")
    entries = []
    for chunk in out.split("\x1e")[1:]:
        head, _, tail = chunk.partition("\x1d")
        fields = (head.split("\x1f", 6) + [""] * 7)[:7]
        commit, ctime, fetched, technical, renamed, subject, body = fields
        fetched = fetched.strip()
        key_part = subject.split(": ", 1)[0]
        if renamed.strip() and not fetched:  # `atlas mv`: KEY_PART was RENAMED before
            when = datetime.fromtimestamp(int(ctime or 0), tz=timezone.utc)
            marker = version_cls(commit, when, subject, "", None)
            entries.append(Entry(key_part, marker, "", False, renamed.strip().splitlines()[0]))
            continue
        if not fetched:
            continue  # not an atlas version: a user's commit, a repair, an import
        date = parse_date(fetched.splitlines()[0]) or datetime.fromtimestamp(
            int(ctime or 0), tz=timezone.utc
        )
        summary = "\n".join(
            line for line in body.splitlines() if not line.startswith("Atlas-")
        ).strip()
        changed = []
        for line in tail.splitlines():
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if line.startswith(":") and len(fields) >= 5 and fields[4][:1] in "AMT":
                key = key_of_path(path, base)
                if key is not None:
                    changed.append((key, fields[3], fields[4][:1] == "A"))
        if len(changed) > 1:  # atlas touches one path; a shallow boundary lists them all
            changed = [c for c in changed if c[0] == key_part]
        for key, blob, added in changed:
            version = version_cls(commit, date, subject, summary, technical.strip() or None)
            entries.append(Entry(key, version, blob, added))
    return entries


def shallow_boundary(git) -> tuple[str, ...]:
    """The commits whose parents a shallow clone does not have (empty when complete)."""
    try:
        text = (git.objects.parent / "shallow").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ()
    return tuple(sorted(line.strip() for line in text.splitlines() if line.strip()))


def build_index(git, base: str, head: str | None, state_dir: Path, version_cls) -> HistoryIndex:
    """The index for HEAD: from `.atlas/history.json` when it still holds, else from git."""
    boundary = shallow_boundary(git)
    if head is None:
        return HistoryIndex(None, base, boundary, [])
    cached = _load(state_dir, version_cls)
    index = None
    if cached is not None and cached.base == base and cached.boundary == boundary:
        if cached.head == head:
            index = cached
        elif cached.head and _is_ancestor(git, cached.head, head):
            newer = read_log(git, base, [f"{cached.head}..{head}"], version_cls)
            index = HistoryIndex(head, base, boundary, newer + cached.raw)
            index.dirty = True
    if index is None:
        index = HistoryIndex(head, base, boundary, read_log(git, base, [head], version_cls))
        index.dirty = True
    if boundary:
        index.shallow_since = _oldest_date(git, boundary)
    return index


def save_index(state_dir: Path, index: HistoryIndex) -> None:
    """Write the index (atomically); a cache, so a failure to write is not an error."""
    if not index.dirty or index.head is None:
        return
    data = {
        "format": INDEX_FORMAT,
        "head": index.head,
        "base": index.base,
        "boundary": list(index.boundary),
        "entries": [
            [
                e.key,
                e.version.commit,
                e.version.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                e.version.subject,
                e.version.summary,
                e.blob,
                e.added,
                e.version.technical,
                e.renamed_from,
            ]
            for e in index.raw
        ],
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(state_dir / INDEX_FILE, payload, prefix=".history-")
        index.dirty = False
    except OSError:
        pass


def _load(state_dir: Path, version_cls) -> HistoryIndex | None:
    try:
        data = json.loads((state_dir / INDEX_FILE).read_text(encoding="utf-8"))
        if data.get("format") != INDEX_FORMAT:
            return None
        entries = []
        rows = data["entries"]
        for key, commit, date, subject, summary, blob, added, technical, renamed in rows:
            when = parse_date(date)
            version = version_cls(commit, when, subject, summary, technical)
            entries.append(Entry(key, version, blob, bool(added), renamed))
        return HistoryIndex(data["head"], data["base"], tuple(data["boundary"]), entries)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing or damaged: rebuilt from git


def _is_ancestor(git, old: str, new: str) -> bool:
    code, _ = git.run_status("merge-base", "--is-ancestor", old, new)
    return code == 0


def _oldest_date(git, boundary: tuple[str, ...]) -> datetime | None:
    code, out = git.run_status("log", "--no-walk", "--format=%ct", *boundary)
    stamps = [int(s) for s in out.decode().split() if s.isdigit()] if code == 0 else []
    return datetime.fromtimestamp(min(stamps), tz=timezone.utc) if stamps else None

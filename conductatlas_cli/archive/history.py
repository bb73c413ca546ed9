"""The read side of the archive: which versions to compare, list or show.

store → changes → render: this module picks versions from the archive (by
TARGET and REF) and pairs them; `changes` compares, `render` prints.

A comparison across several versions carries the texts of the versions in
between (`Comparison.between`, oldest first): the diff chains section identity
through each step, so a rename or a move made half-way is followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conductatlas_cli.archive.archive import Archive, Version
from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Sources
from conductatlas_cli.errors import UsageError
from conductatlas_cli.timestamps import format_utc


@dataclass(frozen=True)
class Comparison:
    """Two versions of one document to compare (old is None: the document is new).

    `between`: the texts of the versions strictly between old and new, oldest
    first. `first_recorded`: set when the document was first recorded inside the
    range asked for (`--since`): old is then its first version (or None when that
    is also the latest).
    """

    key: str
    old: Version | None
    new: Version
    old_text: str | None
    new_text: str
    between: tuple[str, ...] = ()
    first_recorded: Version | None = None
    cut_off: bool = False  # old is None only because earlier history is not in this clone

    @property
    def label(self) -> str:
        return self.heading(self.key)

    def heading(self, name: str) -> str:
        """'NAME: abc (2026-01-10) → def (2026-02-10)', NAME being the key or a title."""
        new = f"{self.new.short} ({self.new.date:%Y-%m-%d})"
        first = self.first_recorded
        if first is not None:
            # imported here: `atlas log` and `status` need none of the diff machinery
            from conductatlas_cli.diff.describe import plural
            from conductatlas_cli.diff.summary import count_words

            text = self.old_text if self.old is not None else self.new_text
            head = (
                f"{name}: first recorded on {first.date:%Y-%m-%d} "
                f"({plural(count_words(text or ''), 'word')})"
            )
            return f"{head}; {self.old.short} → {new}" if self.old is not None else head
        old = f"{self.old.short} ({self.old.date:%Y-%m-%d})" if self.old else "nothing"
        return f"{name}: {old} → {new}"


def clone_note(archive) -> str | None:
    """'history before <date> is not in this clone' for a shallow clone, else None."""
    since = archive.history().shallow_since
    if since is None:
        return None
    return f"history before {since:%Y-%m-%d} is not in this clone"


def cut_off_line(comp: Comparison) -> str:
    """What a diff says instead of claiming a first version it cannot see."""
    return (
        f"{comp.key}: {comp.new.short} ({comp.new.date:%Y-%m-%d}) is the oldest version in "
        "this clone; the one before it is not here (fetch more history: git fetch --unshallow)"
    )


def _cut_off(archive, key: str, old) -> bool:
    return old is None and not archive.history().history_complete(key)


def texts_between(
    archive: Archive,
    key: str,
    old: Version | None,
    new: Version,
    versions: list[Version] | None = None,
) -> tuple[str, ...]:
    """Texts of KEY's versions strictly between OLD and NEW, oldest first (repeats dropped).

    VERSIONS: KEY's versions, newest first, when the caller has them already.
    """
    if old is None:
        return ()
    commits = [v.commit for v in (versions or archive.versions(key))]  # newest first
    try:
        lo, hi = commits.index(new.commit), commits.index(old.commit)
    except ValueError:
        return ()
    texts: list[str] = []
    for commit in reversed(commits[lo + 1 : hi]):
        text = archive.read_version(key, commit)
        if not texts or texts[-1] != text:
            texts.append(text)
    return tuple(texts)


def matching_keys(archive, sources, target: str | None) -> list[str]:
    """Documents with history that TARGET ('platform', 'platform/document', None: all) names."""
    known = set(archive.keys_with_history())  # one index read, whatever sources.yaml holds
    if target is None:
        keys = sorted(known)
    elif "/" in target:
        keys = [target] if target in known else []
    else:
        keys = sorted(k for k in known if k.split("/", 1)[0] == target)
    if not keys and target is not None and not (sources is not None and sources.knows(target)):
        if sources is not None:
            raise UsageError(sources.unknown_target(target))
        raise UsageError(f"no version of '{target}' has been recorded yet")
    return keys  # empty: tracked, but nothing recorded yet (not an error)


def compare(archive, key: str, *, from_ref: str | None, to_ref: str | None, lenient: bool):
    """The Comparison of KEY between FROM_REF (default: the one before TO) and TO_REF.

    LENIENT (several documents at once): a FROM that does not exist yet for this
    document means "compare with nothing" instead of an error.
    """
    new = archive.resolve_ref(key, to_ref)
    old = None
    if from_ref is None:
        versions = archive.versions(key)
        later = [i for i, v in enumerate(versions) if v.commit == new.commit]
        index = later[0] + 1 if later else len(versions)
        old = versions[index] if index < len(versions) else None
    else:
        try:
            old = archive.resolve_ref(key, from_ref)
        except UsageError:
            if not lenient:
                raise
    if old is not None and old.date > new.date and from_ref is not None:
        raise UsageError(
            f"--from '{from_ref}' ({old.date:%Y-%m-%d %H:%M}Z) is later than --to "
            f"'{to_ref or '@~0'}' ({new.date:%Y-%m-%d %H:%M}Z) for '{key}'; swap them"
        )
    cut_off = _cut_off(archive, key, old)
    return Comparison(
        key=key,
        old=old,
        new=new,
        old_text=archive.read_version(key, old.commit) if old else None,
        new_text=archive.read_version(key, new.commit),
        between=texts_between(archive, key, old, new),
        cut_off=cut_off,
    )


def comparisons_since(archive, since: datetime, keys: list[str]) -> list[Comparison]:
    """For the weekly digest: each document that changed since SINCE, from then to now.

    A document first recorded after SINCE is compared from its first version (and
    says "first recorded on …"), not shown as one new text.
    """
    wanted = set(keys)
    history: dict[str, list[Version]] = {}  # key → versions, newest first: one `git log`
    for key, version in archive.all_versions():
        if key in wanted:
            history.setdefault(key, []).append(version)
    changed = {key for key, versions in history.items() if any(v.date >= since for v in versions)}
    result = []
    for key in sorted(changed):
        versions = history[key]
        latest = versions[0]
        before = [v for v in versions if v.date < since]
        first = None if before else versions[-1]
        old: Version | None = before[0] if before else versions[-1]
        if old is not None and old.commit == latest.commit:
            old = None
        result.append(
            Comparison(
                key=key,
                old=old,
                new=latest,
                old_text=archive.read_version(key, old.commit) if old else None,
                new_text=archive.read_version(key, latest.commit),
                between=texts_between(archive, key, old, latest, versions),
                first_recorded=first,
                cut_off=_cut_off(archive, key, old),
            )
        )
    return result


def log_entries(
    archive: Archive, keys: list[str], since: datetime | None
) -> list[tuple[str, Version]]:
    """(key, Version) newest first, for the documents in KEYS."""
    wanted = set(keys)
    return [(key, v) for key, v in archive.all_versions(since=since) if key in wanted]


def one_line(key: str, version: Version) -> str:
    """The part of a commit subject after 'key: ' (the key it had then, before an `atlas mv`)."""
    import re

    subject = version.subject
    found = re.match(r"[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*: ", subject)
    return subject[found.end() :] if found else subject


@dataclass(frozen=True)
class DocumentStatus:
    """One tracked document's standing: what `atlas status` shows."""

    key: str
    title: str
    url: str
    versions: int
    last_checked: str | None  # ISO 8601 UTC
    last_changed: str | None
    failing_since: str | None
    last_error: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "url": self.url,
            "versions": self.versions,
            "last_checked": self.last_checked,
            "last_changed": self.last_changed,
            "failing_since": self.failing_since,
            "last_error": self.last_error,
        }


def status_rows(
    sources: Sources, archive: Archive, state: State, *, targets: tuple[str, ...] = ()
) -> list[DocumentStatus]:
    """Per document of TARGETS (default: all of sources.yaml): versions, times, last error."""
    counts: dict[str, int] = {}
    latest: dict[str, datetime] = {}
    for key, version in archive.all_versions():
        counts[key] = counts.get(key, 0) + 1
        latest.setdefault(key, version.date)
    rows = []
    for source in sources.select(targets):
        st = state.documents.get(source.key) or DocumentState()
        changed = latest.get(source.key)
        rows.append(
            DocumentStatus(
                key=source.key,
                title=source.title,
                url=source.display_url,
                versions=counts.get(source.key, 0),
                last_checked=st.last_checked,
                last_changed=format_utc(changed) if changed else None,
                failing_since=st.failing_since,
                last_error=st.last_error,
            )
        )
    return rows

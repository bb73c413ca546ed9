"""The read side of the archive: which versions to compare, list or show.

store → changes → render: this module picks versions from the archive (by
TARGET and REF) and pairs them; `changes` compares, `render` prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.errors import UsageError


@dataclass(frozen=True)
class Comparison:
    """Two versions of one document to compare (old is None: the document is new)."""

    key: str
    old: object | None  # store.Version
    new: object  # store.Version
    old_text: str | None
    new_text: str
    cut_off: bool = False  # old is None only because earlier history is not in this clone

    @property
    def label(self) -> str:
        old = f"{self.old.short} ({self.old.date:%Y-%m-%d})" if self.old else "nothing"
        return f"{self.key}: {old} → {self.new.short} ({self.new.date:%Y-%m-%d})"


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


def parse_day(text: str) -> datetime:
    """Midnight UTC of a 'YYYY-MM-DD' date; UsageError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(f"'{text}' is not a date (expected YYYY-MM-DD)")
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise UsageError(f"'{text}' is not a valid date") from None


def matching_keys(archive, sources, target: str | None) -> list[str]:
    """Documents with history that TARGET ('platform', 'platform/document', None: all) names."""
    known = set(archive.keys_with_history())  # one index read, whatever sources.yaml holds
    if target is None:
        keys = sorted(known)
    elif "/" in target:
        keys = [target] if target in known else []
    else:
        keys = sorted(k for k in known if k.split("/", 1)[0] == target)
    if not keys:
        what = f"'{target}'" if target else "any document"
        raise UsageError(f"no version of {what} has been recorded yet (run 'atlas fetch')")
    return keys


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
        old, new = new, old
    cut_off = _cut_off(archive, key, old)
    return Comparison(
        key=key,
        old=old,
        new=new,
        old_text=archive.read_version(key, old.commit) if old else None,
        new_text=archive.read_version(key, new.commit),
        cut_off=cut_off,
    )


def comparisons_since(archive, since: datetime, keys: list[str]) -> list[Comparison]:
    """For the weekly digest: each document that changed since SINCE, from then to now."""
    changed = {key for key, version in archive.all_versions(since=since) if key in keys}
    result = []
    for key in sorted(changed):
        latest = archive.resolve_ref(key, None)
        before = [v for v in archive.versions(key) if v.date < since]
        old = before[0] if before else None
        result.append(
            Comparison(
                key=key,
                old=old,
                new=latest,
                old_text=archive.read_version(key, old.commit) if old else None,
                new_text=archive.read_version(key, latest.commit),
                cut_off=_cut_off(archive, key, old),
            )
        )
    return result


def log_entries(archive, keys: list[str], since: datetime | None) -> list[tuple[str, object]]:
    """(key, Version) newest first, for the documents in KEYS."""
    wanted = set(keys)
    return [(key, v) for key, v in archive.all_versions(since=since) if key in wanted]


def one_line(key: str, version) -> str:
    """The part of a commit subject after 'key: '."""
    prefix = f"{key}: "
    subject = version.subject
    return subject[len(prefix) :] if subject.startswith(prefix) else subject


def status_rows(sources, archive, state: State) -> list[dict]:
    """Per document in sources.yaml: versions, last checked/changed, failing since, last error."""
    counts: dict[str, int] = {}
    latest: dict[str, datetime] = {}
    for key, version in archive.all_versions():
        counts[key] = counts.get(key, 0) + 1
        latest.setdefault(key, version.date)
    rows = []
    for source in sources.sources:
        st = state.documents.get(source.key) or DocumentState()
        changed = latest.get(source.key)
        rows.append(
            {
                "document": source.key,
                "versions": counts.get(source.key, 0),
                "last_checked": st.last_checked,
                "last_changed": changed.strftime("%Y-%m-%dT%H:%M:%SZ") if changed else None,
                "failing_since": st.failing_since,
                "last_error": st.last_error,
            }
        )
    return rows

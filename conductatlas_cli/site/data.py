"""What the site reads from the archive: documents, their versions, texts, state.

The one module of `site` that imports the archive (store, history, state): when
those move, only the imports here change. Everything leaves as dataclasses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from conductatlas_cli.archive.archive import Archive, Version
from conductatlas_cli.archive.history import one_line
from conductatlas_cli.archive.state import State, load_state

__all__ = [
    "Archive",
    "DocumentRecord",
    "State",
    "Version",
    "VersionRecord",
    "load_documents",
    "load_state",
    "read_text",
    "source_urls",
]

_SOURCE_TRAILER = "Atlas-Source"


@dataclass(frozen=True)
class VersionRecord:
    """One version as the site shows it."""

    commit: str
    short: str
    date: datetime  # UTC
    summary: str  # the commit subject after 'key: ', e.g. '2 sections changed (+3 -1 words)'


@dataclass(frozen=True)
class DocumentRecord:
    """One document: what sources.yaml says about it, its versions and its fetch state."""

    key: str
    platform: str
    document: str
    platform_name: str
    type: str
    url: str  # redacted, from sources.yaml ('' when the document is no longer tracked)
    tracked: bool  # still in sources.yaml
    versions: tuple[VersionRecord, ...]  # newest first
    last_checked: datetime | None
    failing_since: datetime | None
    last_error: str | None

    @property
    def last_changed(self) -> datetime | None:
        return self.versions[0].date if self.versions else None


def load_documents(sources, archive: Archive, state: State) -> list[DocumentRecord]:
    """Every document in sources.yaml or in the archive's history, in key order."""
    by_key: dict[str, list[Version]] = {}
    for key, version in archive.all_versions():
        by_key.setdefault(key, []).append(version)
    tracked = {source.key: source for source in sources.sources}
    result = []
    for key in sorted(set(by_key) | set(tracked)):
        source = tracked.get(key)
        platform, document = key.split("/", 1)
        url = source.display_url if source else ""
        st = state.documents.get(key)
        versions = tuple(
            VersionRecord(
                commit=v.commit,
                short=v.short,
                date=v.date,
                summary=one_line(key, v),
            )
            for v in by_key.get(key, [])
        )
        result.append(
            DocumentRecord(
                key=key,
                platform=platform,
                document=document,
                platform_name=(source.platform_name if source else "") or platform,
                type=source.type if source else "",
                url=url,
                tracked=source is not None,
                versions=versions,
                last_checked=_parse_time(st.last_checked if st else None),
                failing_since=_parse_time(st.failing_since if st else None),
                last_error=st.last_error if st else None,
            )
        )
    return result


def read_text(archive: Archive, key: str, commit: str) -> str:
    """The snapshot text of KEY at COMMIT."""
    return archive.read_version(key, commit)


def source_urls(archive: Archive) -> dict[str, str]:
    """{commit: Atlas-Source trailer} for every commit on the snapshots folder (one git log)."""
    if archive.git.head() is None:
        return {}
    base = "/".join(archive.snapshot_relpath("x/x").split("/")[:-2])
    fmt = f"%H%x1f%(trailers:key={_SOURCE_TRAILER},valueonly)%x1e"
    out = archive.git.run("log", "--no-merges", f"--format={fmt}", "HEAD", "--", base or ".")
    urls = {}
    for record in out.decode("utf-8", "replace").split("\x1e"):
        commit, _, value = record.strip().partition("\x1f")
        value = value.strip().splitlines()[0].strip() if value.strip() else ""
        if commit and re.fullmatch(r"https?://\S+", value):
            urls[commit] = value
    return urls


def _parse_time(value: str | None) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)

"""What one `atlas fetch` reports: a status per document and the run's exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from conductatlas_cli.errors import ExitCode


@dataclass(frozen=True)
class Preview:
    """What a dry run fetched of a changed or held-back document, for its change summary."""

    old_text: str | None  # the recorded text (None: a new document)
    new_text: str
    base: str | None  # the commit of the recorded version
    base_date: datetime | None  # when it was fetched (UTC)


class FetchStatus(StrEnum):
    """How one document's fetch ended."""

    NEW = "new"  # first version recorded
    CHANGED = "changed"  # a new version recorded
    UNCHANGED = "unchanged"  # nothing to record: same text, only noise, 304, or a flip back
    HELD = "held"  # a change that removes most of the document (--force records it)
    FAILED = "failed"  # fetch, extraction or a page guard failed; the last good snapshot stays


@dataclass
class DocumentReport:
    key: str
    url: str
    status: FetchStatus = FetchStatus.FAILED
    reason: str | None = None
    words: int = 0
    words_added: int = 0
    words_removed: int = 0
    commit: str | None = None
    elapsed: float = 0.0
    summary: str = ""  # one line: what changed
    title: str = ""  # 'Acme AI — Privacy Policy'
    sections: tuple[str, ...] = ()  # the changed sections, one line each ('~ 4. Data Retention')
    topics: list[str] = field(
        default_factory=list
    )  # governance topics the change touches (issue 13)
    watched: bool = False  # the change touches a watched provision (`watch:`)
    moved_from: str | None = None  # sources.yaml gives another URL than the last fetch had
    preview: Preview | None = field(default=None, repr=False)  # --dry-run, changed or held

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["preview"]
        data["status"] = str(self.status)
        data["sections"] = list(self.sections)
        data["elapsed"] = round(self.elapsed, 3)
        return data


@dataclass
class FetchReport:
    documents: list[DocumentReport] = field(default_factory=list)
    dry_run: bool = False
    state_error: str | None = None  # .atlas/state.json could not be saved (exit 1)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys([str(status) for status in FetchStatus], 0)
        for doc in self.documents:
            counts[doc.status] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        counts = self.counts
        if counts[FetchStatus.FAILED] or counts[FetchStatus.HELD] or self.state_error:
            return ExitCode.PARTIAL
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": [doc.to_dict() for doc in self.documents],
            "counts": self.counts,
            "dry_run": self.dry_run,
            "state_error": self.state_error,
            "exit_code": int(self.exit_code),
        }

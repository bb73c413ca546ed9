"""`atlas reextract`: today's extractor and settings over the captures, no fetching.

For each selected document, the latest version's capture (its body as served,
or the browser's DOM) goes through the same extraction, normalization and
guards as a fetched page, with the document's `select`, `remove`, `ignore` and
`min_chars` as sources.yaml says today. A text that differs from the recorded
one is recorded as a **technical** version: the subject says
`extraction changed: … (technical version)`, the trailer `Atlas-Technical` says why
(`extractor` when atlas's extractor differs from the one that made the
version, else `settings`), `Atlas-Rederived-From` names the version whose
capture was read, and the capture stays as it was (it is the same evidence).

With `--all`, every captured version is re-derived in history order, oldest
first: the report says which versions today's extraction reads differently,
and the latest is recorded as above. History is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from conductatlas_cli.config.model import Source, Sources
from conductatlas_cli.errors import AtlasError

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Archive, Version
    from conductatlas_cli.archive.captures import Capture


class ReextractStatus(StrEnum):
    TECHNICAL = "technical"  # a technical version was recorded
    UNCHANGED = "unchanged"  # today's extraction gives the recorded text
    SKIPPED = "skipped"  # nothing to re-derive from (no version, no capture)
    FAILED = "failed"  # the capture could not be read or extracted


@dataclass
class ReextractResult:
    key: str
    status: ReextractStatus
    reason: str | None = None
    commit: str | None = None
    summary: str = ""
    history: list[tuple[str, bool]] = field(default_factory=list)  # (version, differs)


@dataclass
class ReextractReport:
    documents: list[ReextractResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(d.status == ReextractStatus.FAILED for d in self.documents)


def rederive(source: Source, capture: Capture) -> tuple[str | None, str | None]:
    """(text, None) or (None, why) for CAPTURE under SOURCE's settings today."""
    from conductatlas_cli.run.pages import page_job, process_page

    job = page_job(
        source,
        capture.document,
        content_type=capture.document_type,
        url=capture.final_url,
        charset=capture.charset,
        rendered=capture.rendered is not None,
    )
    page = process_page(job)
    return page.text, page.error


def run_reextract(
    sources: Sources, *, targets: tuple[str, ...] = (), all_captures: bool = False
) -> ReextractReport:
    """Re-derive the selected documents' text from their captures; record differences."""
    from conductatlas_cli.archive.archive import Archive

    report = ReextractReport()
    with Archive.from_sources(sources) as archive, archive.lock():
        for source in sources.select(targets):
            try:
                result = _one(archive, source, all_captures)
            except AtlasError as exc:
                result = ReextractResult(source.key, ReextractStatus.FAILED, reason=str(exc))
            report.documents.append(result)
    return report


def _one(archive: Archive, source: Source, all_captures: bool) -> ReextractResult:
    from conductatlas_cli.archive.captures import read_capture

    key = source.key
    versions = archive.versions(key)
    if not versions:
        return ReextractResult(key, ReextractStatus.SKIPPED, reason="no version recorded yet")
    result = ReextractResult(key, ReextractStatus.UNCHANGED)
    if all_captures:
        for version in reversed(versions[1:]):
            capture = read_capture(archive, key, version.commit)
            if capture is None:
                continue
            text, _error = rederive(source, capture)
            result.history.append(
                (version.commit, text != archive.read_version(key, version.commit))
            )
    latest = versions[0]
    capture = read_capture(archive, key, latest.commit)
    if capture is None:
        result.status = ReextractStatus.SKIPPED
        result.reason = "the latest version has no capture (recorded without captures)"
        return result
    text, error = rederive(source, capture)
    old = archive.read_version(key, latest.commit)
    result.history.append((latest.commit, text != old))
    if error is not None or text is None:
        result.status, result.reason = ReextractStatus.FAILED, error
        return result
    if text == old:
        return result
    result.commit, result.summary = _record(archive, source, latest, capture, old, text)
    result.status = ReextractStatus.TECHNICAL
    return result


def _record(
    archive: Archive, source: Source, latest: Version, capture: Capture, old: str, new: str
) -> tuple[str, str]:
    """Record NEW as a technical version re-derived from LATEST's CAPTURE."""
    from conductatlas_cli.archive.commit_message import commit_message
    from conductatlas_cli.archive.index import TECHNICAL_TRAILER
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.extract.extractor import extractor_id
    from conductatlas_cli.run.pages import sha256

    made_by = _trailer(archive, latest.commit, "Atlas-Extractor")
    why = "extractor" if made_by != extractor_id() else "settings"
    summary = summarize_changes(old, new)
    trailers = {
        "Atlas-Source": source.display_url,
        "Atlas-Fetched-At": capture.fetched_at,
        "Atlas-Content-SHA256": sha256(new),
        "Atlas-Extractor": extractor_id(),
        TECHNICAL_TRAILER: why,
        "Atlas-Rederived-From": latest.commit,
    }
    message = commit_message(source.key, summary, trailers=trailers)
    subject, _, rest = message.partition("\n")
    stat = subject.split(": ", 1)[-1]
    line = f"extraction changed: {stat} (technical version)"
    message = f"{source.key}: {line}\n{rest}"
    return archive.record_version(source.key, new, message=message), line


def _trailer(archive: Archive, commit: str, name: str) -> str:
    out = archive.git.run("log", "-1", f"--format=%(trailers:key={name},valueonly)", commit)
    return out.decode("utf-8", "replace").strip()

"""Version pages: a document's stale version pages rendered here or in worker processes.

A from-scratch build diffs every pair of consecutive versions, which is most of
its time; past `PARALLEL_FROM` stale pages the work is shared out, one document
per task, to worker processes (spawned, each with its own archive reader).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conductatlas_cli.site.cards import version_changes
from conductatlas_cli.site.data import Archive, DocumentRecord, VersionRecord, read_text
from conductatlas_cli.site.templating import render
from conductatlas_cli.site.text import text_sections

PARALLEL_FROM = 32  # stale version pages from which worker processes are worth starting


def version_file(version: VersionRecord) -> str:
    return f"{version.date:%Y-%m-%d}-{version.short}.html"


class Texts:
    """Snapshot texts and their topic tags, each read (and tagged) once."""

    def __init__(self, archive, tagger):
        self.archive, self.tagger = archive, tagger
        self._text: dict[tuple[str, str], str] = {}
        self._tags: dict[tuple[str, str], tuple] = {}

    def text(self, key: str, commit: str) -> str:
        found = self._text.get((key, commit))
        if found is None:
            found = self._text[(key, commit)] = read_text(self.archive, key, commit)
        return found

    def tags(self, key: str, commit: str) -> tuple:
        if self.tagger is None:
            return ()
        found = self._tags.get((key, commit))
        if found is None:
            raw = self.tagger.tag_text(self.text(key, commit))
            found = self._tags[(key, commit)] = tuple(tuple(t) for t in raw)
        return found

    def forget(self, key: str) -> None:
        for cache in (self._text, self._tags):
            for k in [k for k in cache if k[0] == key]:
                del cache[k]


@dataclass(frozen=True)
class VersionJob:
    """The stale version pages of one document (indexes into `doc.versions`)."""

    doc: DocumentRecord
    folder: str  # the document's folder in the site
    context: dict  # what every page of the document shows (picklable)
    stale: tuple[tuple[int, str], ...]  # (index, inputs digest)
    source_urls: dict[str, str]  # commit → Atlas-Source


@dataclass(frozen=True)
class RenderedPage:
    path: str
    data: bytes
    inputs: str
    facts: dict


def render_job(texts: Texts, job: VersionJob) -> list[RenderedPage]:
    """The pages of JOB, each with its facts: the topics it changed and their first card."""
    doc, versions, out = job.doc, job.doc.versions, []
    for i, inputs in job.stale:
        version = versions[i]
        older = versions[i + 1] if i + 1 < len(versions) else None
        newer = versions[i - 1] if i else None
        new_text = texts.text(doc.key, version.commit)
        changes = version_changes(
            texts.text(doc.key, older.commit) if older else None,
            new_text,
            old_topics=texts.tags(doc.key, older.commit) if older else (),
            new_topics=texts.tags(doc.key, version.commit),
        )
        anchors: dict[str, str] = {}  # a first version changes no topic: it starts them
        for card in () if changes.first else (*changes.cards, *changes.renumbered):
            for topic in card.topics:
                anchors.setdefault(topic, card.anchor)
        data = render(
            "version.html.j2",
            **job.context,
            root="../../",
            version=version,
            source_url=job.source_urls.get(version.commit) or doc.url,
            older=older,
            newer=newer,
            older_file=version_file(older) if older else None,
            newer_file=version_file(newer) if newer else None,
            changes=changes,
            sections=text_sections(new_text, texts.tags(doc.key, version.commit))
            if changes.first
            else (),
        )
        path = f"{job.folder}/{version_file(version)}"
        out.append(RenderedPage(path, data, inputs, {"topics": list(anchors.items())}))
    texts.forget(doc.key)
    return out


_worker_texts: Texts | None = None


def _start_worker(root: Path, snapshots: Path, state: Path, tagger) -> None:
    global _worker_texts
    _worker_texts = Texts(Archive(root, snapshots, state), tagger)


def _run_in_worker(job: VersionJob) -> list[RenderedPage]:
    assert _worker_texts is not None
    return render_job(_worker_texts, job)


def worker_count(jobs: Sequence[VersionJob], processes: int) -> int:
    """How many worker processes JOBS are worth, at most PROCESSES (0: render here)."""
    stale = sum(len(job.stale) for job in jobs)
    if processes <= 1 or stale < PARALLEL_FROM or len(jobs) < 2:
        return 0
    return min(processes, len(jobs))


def render_jobs(
    texts: Texts, jobs: Sequence[VersionJob], *, workers: int
) -> Iterator[tuple[VersionJob, list[RenderedPage]]]:
    """Each job with its pages, in order; in WORKERS processes (0: in this one)."""
    if workers <= 0:
        for job in jobs:
            yield job, render_job(texts, job)
        return
    archive = texts.archive
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(archive.root, archive.snapshots_dir, archive.state_dir, texts.tagger),
    ) as pool:
        yield from zip(jobs, pool.map(_run_in_worker, jobs), strict=True)

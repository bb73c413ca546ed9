"""One `atlas fetch`: config → fetch → extract → normalize → guard → store.

Documents are fetched and extracted concurrently (bounded overall by `jobs`
and per host by `per_host`); recording happens in the calling thread, one
document at a time, so commits never interleave. Every document ends in one
`DocumentReport` whose status is one of:

- ``new``        first version recorded
- ``changed``    a new version recorded
- ``unchanged``  nothing to record (same text, only noise, 304, or a flip back
                 to an earlier version that has not persisted yet)
- ``held``       a change that removes most of the document (``--force`` records it)
- ``failed``     fetch, extraction or page guard failed; the last good snapshot stays
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from conductatlas_cli import __version__
from conductatlas_cli.config.load import Source, Sources
from conductatlas_cli.errors import AtlasError, ExitCode
from conductatlas_cli.run.pages import PageJob, PageProcessor, noise_hash, process_page, sha256

STATUSES = ("new", "changed", "unchanged", "held", "failed")
# How many recorded versions' noise keys are remembered to recognise a flip.
FLIP_MEMORY = 6
# Seconds between saves of .atlas/state.json during a run (and once at the end).
STATE_SAVE_INTERVAL = 2.0


@dataclass
class DocumentReport:
    key: str
    url: str
    status: str = "failed"
    reason: str | None = None
    words: int = 0
    words_added: int = 0
    words_removed: int = 0
    commit: str | None = None
    elapsed: float = 0.0
    summary: str = ""  # one line: what changed

    def to_dict(self) -> dict:
        data = asdict(self)
        data["elapsed"] = round(self.elapsed, 3)
        return data


@dataclass
class FetchReport:
    documents: list[DocumentReport] = field(default_factory=list)
    dry_run: bool = False
    state_error: str | None = None  # .atlas/state.json could not be saved (exit 1)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for doc in self.documents:
            counts[doc.status] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        counts = self.counts
        if counts["failed"] or counts["held"] or self.state_error:
            return ExitCode.PARTIAL
        return ExitCode.OK

    def to_dict(self) -> dict:
        return {
            "documents": [doc.to_dict() for doc in self.documents],
            "counts": self.counts,
            "dry_run": self.dry_run,
            "state_error": self.state_error,
            "exit_code": int(self.exit_code),
        }


@dataclass
class _Extracted:
    """What a fetch thread hands back to the recorder."""

    source: Source
    text: str | None = None
    error: str | None = None
    not_modified: bool = False  # 304
    same_body: bool = False  # the very bytes last accepted: nothing to extract
    etag: str | None = None
    last_modified: str | None = None
    body_key: str | None = None
    noise: str = ""
    words: int = 0
    elapsed: float = 0.0


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def body_key(fetched, source: Source) -> str:
    """Identifies a response and everything that decides its text: same key, same text."""
    from conductatlas_cli.extract.extractor import extractor_id

    settings = json.dumps(
        [
            extractor_id(),
            fetched.content_type,
            fetched.charset,
            source.select,
            source.remove,
            source.ignore,
            source.min_chars,
        ]
    )
    return hashlib.sha256(settings.encode("utf-8") + b"\0" + fetched.body).hexdigest()


class _HostLimiter:
    """At most `per_host` requests at once to one host."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self._lock = threading.Lock()
        self._sems: dict[str, threading.Semaphore] = {}

    def __call__(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            if host not in self._sems:
                self._sems[host] = threading.Semaphore(self.per_host)
            return self._sems[host]


def fetch_and_extract(
    source: Source,
    *,
    session,
    settings,
    doc_state: dict,
    limiter: _HostLimiter | None = None,
    processor: PageProcessor | None = None,
) -> _Extracted:
    """Fetch one document and turn it into normalized snapshot text (or an error)."""
    from conductatlas_cli.fetch.http import fetch_document

    started = time.monotonic()
    result = _Extracted(source=source)
    try:
        sem = limiter(source.url) if limiter else threading.Semaphore(1)
        with sem:
            fetched = fetch_document(
                session,
                source.url,
                timeout=settings.timeout,
                max_bytes=settings.max_bytes,
                retries=settings.retries,
                etag=doc_state.get("etag"),
                last_modified=doc_state.get("last_modified"),
                deadline=started + settings.timeout * 4,
            )
        result.etag, result.last_modified = fetched.etag, fetched.last_modified
        if fetched.not_modified:
            result.not_modified = True
            return result
        result.body_key = body_key(fetched, source)
        if result.body_key == (doc_state.get("extra") or {}).get("body"):
            result.same_body = True
            return result
        job = PageJob(
            body=fetched.body,
            content_type=fetched.content_type,
            url=fetched.url,
            charset=fetched.charset,
            select=source.select,
            remove=source.remove,
            ignore=source.ignore,
            min_chars=source.min_chars,
        )
        page = processor.run(job) if processor else process_page(job)
        result.text, result.error = page.text, page.error
        result.noise, result.words = page.noise, page.words
    except AtlasError as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one document's surprise never stops the others
        result.error = f"unexpected error while fetching ({type(exc).__name__}: {exc})"
    finally:
        result.elapsed = time.monotonic() - started
    return result


class Recorder:
    """Decides, per extracted document, what to record, and records it."""

    def __init__(self, archive, state: dict, *, force: bool, dry_run: bool):
        self.archive = archive
        self.state = state
        self.force = force
        self.dry_run = dry_run

    def doc_state(self, key: str) -> dict:
        from conductatlas_cli.archive.archive import document_state

        return document_state(self.state, key)

    def handle(self, got: _Extracted) -> DocumentReport:
        source = got.source
        report = DocumentReport(key=source.key, url=source.display_url, elapsed=got.elapsed)
        st = self.doc_state(source.key)
        st["last_checked"] = _now()
        try:
            self._decide(got, report, st)
        except AtlasError as exc:
            report.status, report.reason = "failed", str(exc)
        if report.reason:
            # One line without control sequences, whatever a library or a page put in the
            # message (libxml2 ends some with "\n"): it goes to JSON and the state file too.
            from conductatlas_cli.textsafe import plain

            report.reason = " ".join(plain(report.reason).split())
        if report.status == "failed":
            st["failing_since"] = st.get("failing_since") or st["last_checked"]
        else:
            st["failing_since"] = None
        st["last_error"] = report.reason if report.status in ("failed", "held") else None
        return report

    def _decide(self, got: _Extracted, report: DocumentReport, st: dict) -> None:
        source = got.source
        if got.error:
            report.status, report.reason = "failed", got.error
            return
        old = self.archive.read_latest(source.key)
        if got.not_modified or got.same_body:
            if old is None:
                report.status, report.reason = (
                    "failed",
                    "server says unchanged but nothing recorded",
                )
                st["etag"] = st["last_modified"] = None
                st["extra"].pop("body", None)
                return
            report.status, report.words = "unchanged", self._current(st, old, source)[1]
            self._accept(got, st)
            return
        new = got.text or ""
        report.words = got.words
        if old is not None:
            new_key = got.noise
            old_key = self._current(st, old, source)[0]
            if new_key == old_key:
                report.status = "unchanged"
                self._accept(got, st)
                return
            if not self.force:
                shrink = _shrink_reason(old, new)
                if shrink:
                    report.status, report.reason = "held", shrink
                    return
                if self._is_flip(st, new_key):
                    report.status = "unchanged"
                    report.reason = "back to an earlier version; recorded if it persists"
                    return
        self._record(got, report, st, old, new)

    def _is_flip(self, st: dict, new_key: str) -> bool:
        """A return to an earlier recorded version is only recorded once seen twice in a row."""
        extra = st["extra"]
        if new_key not in extra.get("recent", [])[:-1]:
            extra.pop("pending", None)
            return False
        if extra.get("pending") == new_key:
            return False
        extra["pending"] = new_key
        return True

    def _current(self, st: dict, text: str, source: Source) -> tuple[str, int]:
        """(noise hash, words) of the recorded TEXT, from the state when it still matches."""
        extra = st["extra"]
        cached = extra.get("current")
        # The noise hash depends on the `ignore` rules too: key the cache on both.
        digest = sha256(json.dumps(list(source.ignore)) + "\n" + text)
        if isinstance(cached, list) and len(cached) == 3 and cached[0] == digest:
            noise, words = cached[1], cached[2]
        else:
            from conductatlas_cli.snapshot.normalize import count_words

            noise, words = noise_hash(text, source.ignore), count_words(text)
        extra["current"] = [digest, noise, words]
        return noise, words

    def _accept(self, got: _Extracted, st: dict) -> None:
        """The page is what is recorded: keep what lets the next run skip work."""
        st["etag"], st["last_modified"] = got.etag, got.last_modified
        if got.body_key:
            st["extra"]["body"] = got.body_key
        st["extra"].pop("pending", None)  # a flip back did not persist

    def _record(self, got: _Extracted, report, st: dict, old: str | None, new: str) -> None:
        from conductatlas_cli.diff.summary import ChangeSummary, Stats, summarize_changes
        from conductatlas_cli.extract.extractor import extractor_id
        from conductatlas_cli.render.summary_text import commit_message

        source = got.source
        if old is None:
            # A first version's message only counts words: no section diff needed.
            stats = Stats(words_added=got.words, words=got.words)
            summary = ChangeSummary((), stats, first=True)
        else:
            summary = summarize_changes(old, new)
        report.words_added = summary.stats.words_added
        report.words_removed = summary.stats.words_removed
        trailers = {
            "Atlas-Source": source.display_url,
            "Atlas-Fetched-At": _now(),
            "Atlas-Content-SHA256": sha256(new),
            "Atlas-Extractor": extractor_id(),
        }
        message = commit_message(source.key, summary, trailers=trailers)
        report.summary = message.split("\n", 1)[0].split(": ", 1)[-1]
        report.status = "new" if old is None else "changed"
        if self.dry_run:
            return
        report.commit = self.archive.record_version(source.key, new, message=message)
        self._accept(got, st)
        st["last_changed"] = trailers["Atlas-Fetched-At"]
        new_key = got.noise
        digest = sha256(json.dumps(list(source.ignore)) + "\n" + new)
        st["extra"]["current"] = [digest, new_key, got.words]
        recent = [k for k in st["extra"].get("recent", []) if k != new_key]
        st["extra"]["recent"] = (recent + [new_key])[-FLIP_MEMORY:]


def _shrink_reason(old: str, new: str) -> str | None:
    from conductatlas_cli.snapshot.guards import check_shrink

    return check_shrink(old, new)


def run_fetch(
    sources: Sources,
    *,
    targets: tuple[str, ...] = (),
    force: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
    wait_for_lock: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[DocumentReport], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> FetchReport:
    """Fetch the selected documents, record what changed, and report per document."""
    from conductatlas_cli.fetch.http import make_session
    from conductatlas_cli.archive.archive import Archive, load_state

    chosen = sources.select(targets)
    report = FetchReport(dry_run=dry_run)
    jobs = jobs or sources.settings.jobs
    processor = PageProcessor(len(chosen))  # first: its workers fork from one thread
    with (
        closing(processor),
        Archive.from_sources(sources) as archive,
        archive.lock(wait=wait_for_lock) if not dry_run else nullcontext(),
    ):
        if not dry_run:
            archive.repair([source.key for source in chosen])
        state = load_state(sources.state_dir, warn=warn)
        if on_start:
            on_start(len(chosen))
        recorder = Recorder(archive, state, force=force, dry_run=dry_run)
        session = make_session(user_agent=sources.settings.user_agent, pool_size=max(jobs, 4))
        limiter = _HostLimiter(sources.settings.per_host)
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="atlas-fetch")
        saved_at = time.monotonic()
        try:
            futures = [
                pool.submit(
                    fetch_and_extract,
                    source,
                    session=session,
                    settings=sources.settings,
                    doc_state=dict(recorder.doc_state(source.key)),
                    limiter=limiter,
                    processor=processor,
                )
                for source in chosen
            ]
            for future in as_completed(futures):
                doc = recorder.handle(future.result())
                report.documents.append(doc)
                if on_done:
                    on_done(doc)
                if not dry_run and time.monotonic() - saved_at > STATE_SAVE_INTERVAL:
                    _save(sources, state, report, warn)
                    saved_at = time.monotonic()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            processor.close(wait=False)
            raise
        else:
            pool.shutdown()
            processor.close()
        finally:
            if not dry_run:
                _save(sources, state, report, warn)
            session.close()
    report.documents.sort(key=lambda d: d.key)
    return report


def _save(sources: Sources, state: dict, report: FetchReport, warn) -> None:
    """Save the state; a failure (disk full, file-size limit) is a warning, not a lost report.

    The state holds no history (validators, last checked, last error), so the recorded
    versions stand; the run exits 1 and the next run starts from the last saved state.
    """
    from conductatlas_cli.archive.archive import save_state

    try:
        save_state(sources.state_dir, state)
    except AtlasError as exc:
        if report.state_error is None and warn is not None:
            warn(str(exc))
        report.state_error = str(exc)


def check_live(sources: Sources):
    """Yield (source, problem or None): fetch and extract each document twice and compare."""
    from conductatlas_cli.fetch.http import make_session

    session = make_session(user_agent=sources.settings.user_agent)
    for source in sources.sources:
        first = fetch_and_extract(source, session=session, settings=sources.settings, doc_state={})
        if first.error:
            yield source, first.error
            continue
        second = fetch_and_extract(source, session=session, settings=sources.settings, doc_state={})
        if second.error:
            yield source, second.error
        elif second.noise != first.noise:
            yield source, "unstable: two fetches in a row gave different text"
        else:
            yield source, None


__all__ = ["DocumentReport", "FetchReport", "run_fetch", "check_live", "__version__"]

"""One `atlas fetch`: config → fetch → extract → normalize → guard → store.

Documents are fetched and extracted concurrently (bounded overall by `jobs`
and per host by `per_host`); recording happens in the calling thread, one
document at a time, so commits never interleave. Every document ends in one
`DocumentReport` (`run.report`) whose status the decision policy
(`run.decision`) chose.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing, nullcontext
from dataclasses import replace

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Source, Sources
from conductatlas_cli.errors import AtlasError
from conductatlas_cli.fetch.hosts import HostLimiter
from conductatlas_cli.run.decision import Extracted, Recorder
from conductatlas_cli.run.pages import PageJob, PageProcessor, process_page
from conductatlas_cli.run.report import DocumentReport, FetchReport

# Seconds between saves of .atlas/state.json during a run (and once at the end).
STATE_SAVE_INTERVAL = 2.0


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


def fetch_and_extract(
    source: Source,
    *,
    session,
    settings,
    doc_state: DocumentState,
    limiter: HostLimiter | None = None,
    processor: PageProcessor | None = None,
) -> Extracted:
    """Fetch one document and turn it into normalized snapshot text (or an error)."""
    from conductatlas_cli.fetch.http import fetch_document

    started = time.monotonic()
    result = Extracted(source=source)
    try:
        sem = limiter(source.url) if limiter else threading.Semaphore(1)
        with sem:
            fetched = fetch_document(
                session,
                source.url,
                timeout=settings.timeout,
                max_bytes=settings.max_bytes,
                retries=settings.retries,
                etag=doc_state.etag,
                last_modified=doc_state.last_modified,
                deadline=started + settings.timeout * 4,
            )
        result.etag, result.last_modified = fetched.etag, fetched.last_modified
        if fetched.not_modified:
            result.not_modified = True
            return result
        result.body_key = body_key(fetched, source)
        if result.body_key == doc_state.body:
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
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.fetch.http import make_session

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
        recorder = Recorder(
            archive,
            state,
            force=force,
            dry_run=dry_run,
            topics=sources.topics,
            watch=sources.settings.watch,
        )
        session = make_session(user_agent=sources.settings.user_agent, pool_size=max(jobs, 4))
        limiter = HostLimiter(sources.settings.per_host)
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="atlas-fetch")
        saved_at = time.monotonic()
        try:
            futures = [
                pool.submit(
                    fetch_and_extract,
                    source,
                    session=session,
                    settings=sources.settings,
                    doc_state=replace(state.document(source.key)),
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


def _save(sources: Sources, state: State, report: FetchReport, warn) -> None:
    """Save the state; a failure (disk full, file-size limit) is a warning, not a lost report.

    The state holds no history (validators, last checked, last error), so the recorded
    versions stand; the run exits 1 and the next run starts from the last saved state.
    """
    from conductatlas_cli.archive.state import save_state

    try:
        save_state(sources.state_dir, state)
    except AtlasError as exc:
        if report.state_error is None and warn is not None:
            warn(str(exc))
        report.state_error = str(exc)

"""One `atlas fetch`: config → fetch → extract → normalize → guard → store.

Documents are fetched and extracted concurrently by `jobs` threads that take
them from a host-aware scheduler (`fetch.scheduler`: at most `per_host`
requests at once and `delay` seconds between requests to one host, a host's
Retry-After pauses that host only); recording happens in the calling thread,
one document at a time, so commits never interleave. Every document ends in one
`DocumentReport` (`run.report`) whose status the decision policy
(`run.decision`) chose.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import replace

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Source, Sources
from conductatlas_cli.errors import AtlasError
from conductatlas_cli.fetch.scheduler import HostScheduler, RetryLater, Ticket, host_of
from conductatlas_cli.run.decision import Extracted, Recorder
from conductatlas_cli.run.pages import PageJob, PageProcessor, process_page
from conductatlas_cli.run.report import DocumentReport, FetchReport

# Seconds between saves of .atlas/state.json during a run (and once at the end); with
# thousands of documents a save takes long, so the interval grows to keep saving under
# 1/STATE_SAVE_SHARE of the run.
STATE_SAVE_INTERVAL = 2.0
STATE_SAVE_SHARE = 20


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
    ticket: Ticket | None = None,
    processor: PageProcessor | None = None,
) -> Extracted:
    """Fetch one document and turn it into normalized snapshot text (or an error).

    With a TICKET the request holds its host slot only while it runs, and a retry
    raises RetryLater (the scheduler tries the document again later, the thread
    fetches from another host meanwhile) instead of sleeping.
    """
    from conductatlas_cli.fetch.http import fetch_document

    started = time.monotonic()
    result = Extracted(source=source)
    try:
        retry = {}
        if ticket is not None:
            retry = {
                "first_attempt": ticket.attempt,
                "pause_host": ticket.pause_host,
                "sleep": _raise_retry_later,
            }
        with ticket if ticket is not None else nullcontext():
            fetched = fetch_document(
                session,
                source.url,
                timeout=settings.timeout,
                max_bytes=settings.max_bytes,
                retries=settings.retries,
                etag=doc_state.etag,
                last_modified=doc_state.last_modified,
                deadline=started + settings.timeout * 4,
                **retry,
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
    except RetryLater:
        raise
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
    shard=None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[DocumentReport], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> FetchReport:
    """Fetch the selected documents, record what changed, and report per document.

    SHARD (a `fetch.shard.Shard`) keeps only the documents whose host is in it.
    """
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.state import load_state
    from conductatlas_cli.fetch.http import make_session

    chosen = sources.select(targets)
    if shard is not None:
        chosen = [source for source in chosen if shard.holds(source.url)]
    report = FetchReport(dry_run=dry_run)
    jobs = jobs or sources.settings.jobs
    processor = PageProcessor(len(chosen))  # first: its workers fork from one thread
    with (
        closing(processor),
        Archive.from_sources(sources) as archive,
        archive.lock(wait=wait_for_lock) if not dry_run else nullcontext(),
    ):
        keys = [source.key for source in chosen]
        if not dry_run:
            _restore_lost(archive, keys, warn)
            archive.repair(keys)
        state = load_state(sources.state_dir, warn=warn)
        if on_start:
            on_start(len(chosen))
        recorder = Recorder(archive, state, force=force, dry_run=dry_run)
        session = make_session(user_agent=sources.settings.user_agent, pool_size=max(jobs, 4))
        settings = sources.settings
        scheduler = HostScheduler(
            [(host_of(s.url), s) for s in chosen], per_host=settings.per_host, delay=settings.delay
        )
        results: queue.Queue[Extracted] = queue.Queue()
        doc_states = {s.key: replace(state.document(s.key)) for s in chosen}

        def work(ticket: Ticket) -> Extracted:
            return fetch_and_extract(
                ticket.item,
                session=session,
                settings=settings,
                doc_state=doc_states[ticket.item.key],
                ticket=ticket,
                processor=processor,
            )

        threads = [
            threading.Thread(
                target=_fetch_loop,
                args=(scheduler, work, results),
                name=f"atlas-fetch-{i}",
                daemon=True,
            )
            for i in range(min(jobs, len(chosen)))
        ]
        for thread in threads:
            thread.start()
        saved_at, interval = time.monotonic(), STATE_SAVE_INTERVAL
        try:
            for _ in chosen:
                doc = recorder.handle(results.get())
                if archive.moved_meanwhile:  # a commit made outside atlas, between two of ours
                    archive.moved_meanwhile = False
                    _restore_lost(archive, keys, warn)
                report.documents.append(doc)
                if on_done:
                    on_done(doc)
                if not dry_run and time.monotonic() - saved_at > interval:
                    started = time.monotonic()
                    _save(sources, state, report, warn)
                    saved_at = time.monotonic()
                    interval = max(STATE_SAVE_INTERVAL, (saved_at - started) * STATE_SAVE_SHARE)
        except BaseException:
            scheduler.close()
            processor.close(wait=False)
            raise
        else:
            for thread in threads:
                thread.join()
            processor.close()
            if not dry_run and archive.head_moved_since_last_write():
                _restore_lost(archive, keys, warn)
        finally:
            if not dry_run:
                _save(sources, state, report, warn)
            session.close()
    report.documents.sort(key=lambda d: d.key)
    return report


def _restore_lost(archive, keys: list[str], warn) -> None:
    """Put back what a commit made outside atlas dropped (`archive.foreign`); say so once."""
    from conductatlas_cli.archive.foreign import restore_lost

    try:
        restored = restore_lost(archive, keys)
    except AtlasError as exc:  # a rebase in progress, a locked index: the next run retries
        if warn is not None:
            warn(f"cannot restore snapshots a commit made outside atlas dropped: {exc}")
        return
    if restored is not None and warn is not None:
        warn(restored.note)


def _raise_retry_later(seconds: float) -> None:
    raise RetryLater(seconds)


def _fetch_loop(scheduler: HostScheduler, work, results: queue.Queue) -> None:
    """One fetch thread: take the next ready document, fetch it, hand the result back."""
    while (ticket := scheduler.take()) is not None:
        try:
            results.put(work(ticket))
        except RetryLater as later:
            if ticket.held:  # else the request's `with ticket` requeued it already
                scheduler.requeue(ticket, later.wait)
        except BaseException as exc:  # noqa: BLE001 - never leave the recorder waiting
            results.put(Extracted(source=ticket.item, error=f"unexpected error ({exc})"))
        finally:
            ticket.release()


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

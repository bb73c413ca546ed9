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
from typing import TYPE_CHECKING

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Settings, Source, Sources
from conductatlas_cli.errors import AtlasError
from conductatlas_cli.fetch.hosts import HostLimiter
from conductatlas_cli.fetch.registry import FetcherOptions, Fetchers
from conductatlas_cli.run.decision import Extracted, Recorder
from conductatlas_cli.run.pages import PageJob, PageProcessor, process_page
from conductatlas_cli.run.report import DocumentReport, FetchReport
from conductatlas_cli.timestamps import utc_now

if TYPE_CHECKING:
    from conductatlas_cli.fetch.http import FetchResult
    from conductatlas_cli.fetch.registry import Fetcher

# Seconds between saves of .atlas/state.json during a run (and once at the end).
STATE_SAVE_INTERVAL = 2.0


def body_key(fetched: FetchResult, source: Source) -> str:
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
        # A rendered DOM is keyed apart; HTTP keys stay what they were before the browser.
        + (["rendered"] if fetched.rendered is not None else [])
    )
    document = fetched.rendered if fetched.rendered is not None else fetched.body
    return hashlib.sha256(settings.encode("utf-8") + b"\0" + document).hexdigest()


def fetch_and_extract(
    source: Source,
    *,
    fetchers: Fetchers,
    settings: Settings,
    doc_state: DocumentState,
    limiter: HostLimiter | None = None,
    processor: PageProcessor | None = None,
) -> Extracted:
    """Fetch one document and turn it into normalized snapshot text (or an error).

    `render: auto` fetches over HTTP first and again in the browser when the page
    is a JavaScript shell or a bot wall.
    """
    started = time.monotonic()
    result = Extracted(source=source)
    try:
        sem = limiter(source.url) if limiter else threading.Semaphore(1)
        with sem:
            first = "browser" if source.render == "browser" else "http"
            _fetch_once(result, fetchers.get(first), source, settings, doc_state, processor)
            if source.render == "auto" and result.needs_browser:
                browser = fetchers.get("browser")
                again = replace(doc_state, etag=None, last_modified=None)
                _fetch_once(result, browser, source, settings, again, processor)
    except AtlasError as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one document's surprise never stops the others
        result.error = f"unexpected error while fetching ({type(exc).__name__}: {exc})"
    finally:
        result.elapsed = time.monotonic() - started
    return result


def _fetch_once(
    result: Extracted,
    fetcher: Fetcher,
    source: Source,
    settings: Settings,
    doc_state: DocumentState,
    processor: PageProcessor | None,
) -> None:
    """One fetch with FETCHER into RESULT (which a retry in the browser overwrites)."""
    from conductatlas_cli.archive.captures import Capture, capture_files
    from conductatlas_cli.fetch.registry import FetchRequest

    result.error, result.needs_browser, result.capture = None, False, None
    at = utc_now()
    timeout = source.timeout or settings.timeout
    fetched = fetcher.fetch(
        FetchRequest(
            url=source.url,
            timeout=timeout,
            max_bytes=settings.max_bytes,
            retries=settings.retries,
            etag=doc_state.etag,
            last_modified=doc_state.last_modified,
            deadline=time.monotonic() + timeout * 4,
            wait_for=source.wait_for,
        )
    )
    result.etag, result.last_modified = fetched.etag, fetched.last_modified
    result.fetched_at = at
    if fetched.not_modified:
        result.not_modified = True
        return
    result.body_key = body_key(fetched, source)
    if result.body_key == doc_state.body:
        result.same_body = True
        return
    rendered = fetched.rendered is not None
    job = PageJob(
        body=fetched.rendered if fetched.rendered is not None else fetched.body,
        content_type="text/html" if rendered else fetched.content_type,
        url=fetched.url,
        charset="utf-8" if rendered else fetched.charset,
        select=source.select,
        remove=source.remove,
        ignore=source.ignore,
        min_chars=source.min_chars,
        rendered=rendered,
    )
    page = processor.run(job) if processor else process_page(job)
    result.text, result.error = page.text, page.error
    result.noise, result.words = page.noise, page.words
    result.needs_browser = page.needs_browser
    if settings.captures and page.text is not None:
        capture = Capture(
            url=source.display_url,
            final_url=fetched.url,
            status=fetched.status,
            content_type=fetched.content_type,
            charset=fetched.charset,
            fetched_at=at,
            renderer="browser" if rendered else "http",
            body=fetched.body,
            rendered=fetched.rendered,
        )
        result.capture = capture_files(capture)  # gzip here, in parallel (zlib frees the GIL)


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
    from conductatlas_cli.archive.captures import repair_captures
    from conductatlas_cli.archive.state import load_state

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
            repair_captures(archive, [source.key for source in chosen])
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
        fetchers = Fetchers(FetcherOptions(user_agent=sources.settings.user_agent, jobs=jobs))
        limiter = HostLimiter(sources.settings.per_host)
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="atlas-fetch")
        saved_at = time.monotonic()
        try:
            futures = [
                pool.submit(
                    fetch_and_extract,
                    source,
                    fetchers=fetchers,
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
            fetchers.close()
    report.documents.sort(key=lambda d: d.key)
    return report


def _save(
    sources: Sources, state: State, report: FetchReport, warn: Callable[[str], None] | None
) -> None:
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

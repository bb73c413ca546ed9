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
import queue
import threading
import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Settings, Source, Sources
from conductatlas_cli.errors import AtlasError
from conductatlas_cli.fetch.registry import FetcherOptions, Fetchers
from conductatlas_cli.fetch.scheduler import HostScheduler, RetryLater, Ticket, host_of
from conductatlas_cli.run.decision import Extracted, Recorder
from conductatlas_cli.run.pages import HeldJob, PageProcessor, page_job, process_page
from conductatlas_cli.run.report import DocumentReport, FetchReport
from conductatlas_cli.run.site_evidence import SiteBatches, own_evidence
from conductatlas_cli.timestamps import utc_now

if TYPE_CHECKING:
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.fetch.http import FetchResult
    from conductatlas_cli.fetch.registry import Fetcher
    from conductatlas_cli.fetch.shard import Shard

# Seconds between saves of .atlas/state.json during a run (and once at the end) ...
STATE_SAVE_INTERVAL = 2.0
# ... or this many times what the last save took, when that is longer (a big state file).
STATE_SAVE_SHARE = 10
# Seconds the git index may lag behind HEAD during a run (git rewrites it whole per change).
INDEX_DELAY = 1.0


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


@dataclass(frozen=True)
class ExtractHints:
    """What a run knows beyond a document's own history when it extracts the page.

    `site_chrome(source)`: the blocks the site's other documents are known to hold
    (`SiteBatches.chrome_for`), given as chrome to the page's first extraction, so
    that a page whose site's evidence is complete by then needs no second one.
    """

    site_chrome: Callable[[Source], frozenset[int]] | None = None


def fetch_and_extract(
    source: Source,
    *,
    fetchers: Fetchers,
    settings: Settings,
    doc_state: DocumentState,
    ticket: Ticket | None = None,
    processor: PageProcessor | None = None,
    hints: ExtractHints | None = None,
) -> Extracted:
    """Fetch one document and turn it into normalized snapshot text (or an error).

    `render: auto` fetches over HTTP first and again in the browser when the page
    is a JavaScript shell or a bot wall. With a TICKET (from the run's host
    scheduler) the request holds its host slot only while it runs, and a retry
    raises RetryLater (the scheduler tries the document again later, the thread
    fetches from another host meanwhile) instead of sleeping. HINTS: what the run knows
    beyond the document's own history (`ExtractHints`).
    """
    started = time.monotonic()
    result = Extracted(source=source)
    hints = hints or ExtractHints()
    try:
        first = "browser" if source.render == "browser" else "http"
        http = fetchers.get(first)
        _fetch_once(result, http, source, settings, doc_state, processor, ticket, hints)
        if source.render == "auto" and result.needs_browser:
            browser = fetchers.get("browser")
            again = replace(doc_state, etag=None, last_modified=None)
            _fetch_once(result, browser, source, settings, again, processor, None, hints)
    except RetryLater:
        raise
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
    ticket: Ticket | None,
    hints: ExtractHints,
) -> None:
    """One fetch with FETCHER into RESULT (which a retry in the browser overwrites).

    The TICKET's host slot is held for the request only, not for the extraction.
    """
    from conductatlas_cli.archive.captures import Capture, capture_files
    from conductatlas_cli.fetch.request import FetchRequest

    result.error, result.needs_browser, result.capture = None, False, None
    result.blocks, result.container, result.job = frozenset(), None, None
    at = utc_now()
    timeout = source.timeout or settings.timeout
    request = FetchRequest(
        url=source.url,
        timeout=timeout,
        max_bytes=settings.max_bytes,
        retries=settings.retries,
        etag=doc_state.etag,
        last_modified=doc_state.last_modified,
        deadline=time.monotonic() + timeout * 4,
        wait_for=source.wait_for,
    )
    if ticket is not None:
        request = replace(
            request,
            first_attempt=ticket.attempt,
            pause_host=ticket.pause_host,
            sleep=_raise_retry_later,
        )
    with ticket if ticket is not None else nullcontext():
        fetched = fetcher.fetch(request)
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
    own = own_evidence(doc_state)
    chrome = hints.site_chrome(source) if hints.site_chrome else frozenset()
    job = page_job(
        source,
        fetched.rendered if fetched.rendered is not None else fetched.body,
        content_type="text/html" if rendered else fetched.content_type,
        url=fetched.url,
        charset=fetched.charset,
        rendered=rendered,
        evidence=replace(own, chrome=chrome) if chrome else own,
    )
    run = processor.run if processor else process_page
    page = run(job)
    if page.text is None and chrome:
        # The site's blocks may be what cost the page its text: the page as it reads
        # without them, as SiteBatches expects of a page it did not refine.
        job = replace(job, evidence=own)
        page = run(job)
    if job.evidence is not None and job.evidence.chrome:
        # The site's blocks count only where the page holds them: keep those, not the
        # whole site's (a held page of a site of N documents would keep N pages' blocks).
        chrome = job.evidence.chrome & page.blocks
        job = replace(job, evidence=replace(job.evidence, chrome=chrome))
    result.text, result.error = page.text, page.error
    result.noise, result.words, result.extracted = page.noise, page.words, page.extracted
    result.blocks, result.container = page.blocks, page.container
    result.job = HeldJob.hold(job)
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
    shard: Shard | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[DocumentReport], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> FetchReport:
    """Fetch the selected documents, record what changed, and report per document.

    SHARD (a `fetch.shard.Shard`) keeps only the documents whose host is in it.
    """
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.captures import repair_captures
    from conductatlas_cli.archive.state import load_state

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
        state = load_state(sources.state_dir, warn=warn)
        if not dry_run:
            archive.git.index_delay = INDEX_DELAY
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
        settings = sources.settings
        by_host = [(host_of(s.url), s) for s in chosen]
        hosts = len({host for host, _ in by_host})
        fetchers = Fetchers(FetcherOptions(user_agent=settings.user_agent, jobs=jobs, hosts=hosts))
        scheduler = HostScheduler(by_host, per_host=settings.per_host, delay=settings.delay)
        results: queue.Queue[Extracted | None] = queue.Queue()  # None: a site is ready
        doc_states = {s.key: _validators_for(state.document(s.key), s) for s in chosen}
        # a site's pages are recorded together, once its last one is in (run/site_evidence.py)
        sites = SiteBatches(
            chosen,
            sources.sources,
            state,
            processor,
            topics=sources.topics,
            wake=lambda: results.put(None),
        )
        hints = ExtractHints(site_chrome=sites.chrome_for)

        def work(ticket: Ticket) -> Extracted:
            got = fetch_and_extract(
                ticket.item,
                fetchers=fetchers,
                settings=settings,
                doc_state=doc_states[ticket.item.key],
                ticket=ticket,
                processor=processor,
                hints=hints,
            )
            sites.learn(got)  # the page's blocks, for its site's pages extracted after it
            return got

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
            if not dry_run:  # while the threads fetch: the recorder needs it, they do not
                _restore_lost(archive, keys, warn)
                archive.repair(keys)
                repair_captures(archive, keys)
            waiting = len(chosen)
            while waiting or sites.busy:
                try:
                    got = results.get(timeout=0.25)
                except queue.Empty:
                    pass
                else:
                    if got is not None:
                        waiting -= 1
                        sites.add(got)  # the last page of a site hands its pages on
                sites.overdue()
                for got in sites.ready():
                    doc = recorder.handle(got)
                    if archive.moved_meanwhile:  # a commit made outside atlas, between ours
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
            sites.close()
            processor.close(wait=False)
            raise
        else:
            for thread in threads:
                thread.join()
            sites.close()
            processor.close()
            if not dry_run:
                archive.git.flush_index()
            if not dry_run and archive.head_moved_since_last_write():
                _restore_lost(archive, keys, warn)
        finally:
            if not dry_run:
                archive.git.flush_index()  # before the lock goes
                _save(sources, state, report, warn)
            fetchers.close()
    report.documents.sort(key=lambda d: d.key)
    return report


def _validators_for(doc_state: DocumentState, source: Source) -> DocumentState:
    """A copy of DOC_STATE for the fetch; a moved source's validators are not the new URL's."""
    if doc_state.url and doc_state.url != source.display_url:
        return replace(doc_state, etag=None, last_modified=None)
    return replace(doc_state)


def _restore_lost(archive: Archive, keys: list[str], warn: Callable[[str], None] | None) -> None:
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


def _fetch_loop(
    scheduler: HostScheduler[Source],
    work: Callable[[Ticket[Source]], Extracted],
    results: queue.Queue[Extracted | None],
) -> None:
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

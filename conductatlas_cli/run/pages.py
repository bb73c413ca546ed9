"""A fetched body → checked snapshot text: extract → normalize → guard → stream hash.

This is the CPU-bound part of a fetch. `PageProcessor` runs it in worker
processes when a run has enough documents to pay for starting them (threads
do not help here: extraction holds the GIL), else in the calling thread. The
work is a pure function of its `PageJob`, so both ways give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from conductatlas_cli.errors import AtlasError
from conductatlas_cli.extract.evidence import Evidence, ExtractRequest

if TYPE_CHECKING:
    from conductatlas_cli.config.model import Source
    from conductatlas_cli.topics import Taxonomy

R = TypeVar("R")

# Below this many documents a run extracts in its fetch threads (no worker start-up).
POOL_MIN_DOCUMENTS = 16


@dataclass(frozen=True)
class PageJob(ExtractRequest):
    """What extraction is asked (the body, the selectors, the evidence: what the archive
    knows, extract/evidence.py), with what the run checks and hashes the text by."""

    ignore: tuple[str, ...] = ()
    min_chars: int = 0
    rendered: bool = False  # BODY is a browser's DOM (no JavaScript-shell question)
    # Tag the text with these `topics:` (sources.yaml's, merged over the shipped taxonomy):
    # a new document's commit lists its topics, and the tagging runs here, beside the
    # extraction, instead of in the recorder's one thread. None: no tagging.
    topics: Mapping[str, Any] | None = None
    # What this very job (the same body, `ignore` and `min_chars`) gave under other evidence:
    # the run's second extraction of a page with its site's chrome (run/site_evidence.py).
    prior: Prior | None = None


@dataclass(frozen=True)
class HeldJob:
    """A PageJob kept for a second extraction, its body compressed meanwhile.

    A site's pages wait for its last document (run/site_evidence.py), and a run that
    spreads each host's documents over its length holds most of its pages at once:
    10,000 bodies of 20 KB are 200 MB, compressed about a fifth of that.
    """

    job: PageJob  # with an empty body
    packed: bytes

    @classmethod
    def hold(cls, job: PageJob) -> HeldJob:
        return cls(replace(job, body=b""), zlib.compress(job.body, 1))

    def unpacked(self, **changes: Any) -> PageJob:
        """The job with its body back, and CHANGES."""
        return replace(self.job, body=zlib.decompress(self.packed), **changes)

    @property
    def evidence(self) -> Evidence | None:
        return self.job.evidence


@dataclass(frozen=True)
class Prior:
    """An earlier extraction's result for a job that differs only in its evidence.

    When the extractor gives the same characters again, the snapshot text, its noise hash
    and word count are these (each a pure function of those characters and the job's
    `ignore`), and the guards, which passed them on the same body, pass them again: a
    page is normalized, checked and hashed once, however often it is extracted.
    """

    extracted: str  # sha256 of the extractor's text, before normalizing
    text: str
    noise: str
    words: int


def page_job(
    source: Source,
    body: bytes,
    *,
    content_type: str,
    url: str,
    charset: str | None,
    rendered: bool,
    evidence: Evidence | None = None,
    topics: Mapping[str, Any] | None = None,
) -> PageJob:
    """The job for BODY under SOURCE's extraction settings (a browser's DOM is UTF-8)."""
    return PageJob(
        body=body,
        content_type=content_type,
        url=url,
        charset="utf-8" if rendered else charset,
        select=source.select,
        remove=source.remove,
        ignore=source.ignore,
        min_chars=source.min_chars,
        rendered=rendered,
        evidence=evidence,
        topics=topics,
    )


@dataclass(frozen=True)
class Tags:
    """A text's topics (taxonomy order) and its sections' heading trails ("A › B")."""

    topics: tuple[str, ...]
    headings: tuple[str, ...]


@dataclass(frozen=True)
class PageText:
    """The snapshot text (or why there is none), with its noise hash and word count."""

    text: str | None = None
    error: str | None = None
    noise: str = ""  # noise_hash(text, ignore): the change model's stream hash
    words: int = 0
    needs_browser: bool = False  # a JavaScript shell or bot wall: `render: auto` retries
    blocks: frozenset[int] = frozenset()  # the page's block fingerprints
    container: str | None = None  # the path of the container chosen
    tags: Tags | None = None  # with the job's `topics`: the text's (None: not tagged)
    extracted: str = ""  # sha256 of the extractor's text (`Prior.extracted`); "": no text


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def noise_hash(text: str, ignore: tuple[str, ...]) -> str:
    """For snapshot TEXT: the change model's stream hash; a different hash is a real change.

    Equal hashes are not enough to call a change cosmetic: `decide` then asks the
    change model's structural check (`texts_cosmetic`).
    """
    from conductatlas_cli.snapshot.change_model import stream_hash

    return sha256(json.dumps(list(ignore)) + "\n" + stream_hash(text, ignore=ignore))


def process_page(job: PageJob) -> PageText:
    """Extract, normalize and check one page; never raises for a bad page."""
    from conductatlas_cli.extract.extractor import extract_page
    from conductatlas_cli.snapshot.guards import check_page
    from conductatlas_cli.snapshot.normalize import normalize_text
    from conductatlas_cli.snapshot.words import count_words

    try:
        page = extract_page(job)
        extracted = sha256(page.text)
        prior = job.prior
        if prior is not None and prior.extracted == extracted:
            text, noise, words = prior.text, prior.noise, prior.words
        else:
            text = normalize_text(page.text)
            problem = check_page(text, body=job.body, min_chars=job.min_chars)
            if problem:
                return _refused(job, text, problem)
            noise, words = noise_hash(text, job.ignore), count_words(text)
        return PageText(
            text=text,
            noise=noise,
            words=words,
            blocks=page.blocks,
            container=page.container,
            tags=tag_page(text, job.topics) if job.topics is not None else None,
            extracted=extracted,
        )
    except AtlasError as exc:
        return PageText(error=str(exc))
    except RecursionError:
        return PageText(error="the page is nested too deeply to extract")
    except MemoryError:
        return PageText(error="the page is too large to extract")
    except Exception as exc:  # noqa: BLE001 - a page must never stop the other documents
        return PageText(
            error=f"unexpected error while reading the page ({type(exc).__name__}: {exc})"
        )


def tag_page(text: str, topics: Mapping[str, Any]) -> Tags | None:
    """TEXT's topics under TOPICS; None when the taxonomy cannot be had (the recorder
    then tags the text itself, and says what is wrong with the taxonomy)."""
    from conductatlas_cli.topics import load_taxonomy

    try:
        key = json.dumps(topics, sort_keys=True, default=repr)
        taxonomy = _TAXONOMIES.get(key)
        if taxonomy is None:
            taxonomy = _TAXONOMIES[key] = load_taxonomy(topics)
        return text_tags(text, taxonomy)
    except Exception:  # noqa: BLE001 - tagging here is a head start, never a page's failure
        return None


def text_tags(text: str, taxonomy: Taxonomy) -> Tags:
    """TEXT's topics under TAXONOMY."""
    from conductatlas_cli.topics import tag_text

    tagged = tag_text(text, taxonomy)
    return Tags(tagged.topics, tuple(" › ".join(s.section.path) for s in tagged.sections))


# {`topics:` as JSON: its taxonomy}: a worker merges each one once, not once per page
_TAXONOMIES: dict[str, Taxonomy] = {}


def _refused(job: PageJob, text: str, problem: str) -> PageText:
    """The failure for a page the guards refused; a JavaScript shell says so."""
    if job.rendered:
        return PageText(error=problem)
    from conductatlas_cli.snapshot.guards import is_challenge
    from conductatlas_cli.snapshot.jsshell import NEEDS_BROWSER, looks_like_js_shell

    if looks_like_js_shell(text, job.body, min_chars=job.min_chars):
        return PageText(error=NEEDS_BROWSER, needs_browser=True)
    return PageText(error=problem, needs_browser=is_challenge(text, job.body))


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C to the main process and die with it.

    The extractor is imported at a worker's first page, so a run whose pages are all
    unchanged (304, same bytes) never pays for it.
    """
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        # A killed `atlas fetch` (kill -9) cannot shut its pool down: without this,
        # workers would live on, holding its stdout and stderr open.
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()


def _ready() -> bool:
    return True


class PageProcessor:
    """Runs process_page inline or in a pool of worker processes (one per core).

    Create it before any thread of the run starts: on Linux the workers are
    forked right away, from a process with one thread (fast, no re-import, and no
    named semaphores for a resource tracker to complain about after a Ctrl-C).
    A pool that breaks later is replaced by a spawned one. Either way the workers
    are our children and exit when we die, even by kill -9.
    """

    def __init__(self, documents: int):
        import sys
        import threading

        cores = os.cpu_count() or 1
        self._workers = min(cores, documents) if documents >= POOL_MIN_DOCUMENTS else 1
        self._lock = threading.Lock()
        self._pool: Executor | None = None
        if self._workers > 1:
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            self._pool = self._new_pool(method)
            try:
                self._pool.submit(_ready).result()  # start every worker now
            except Exception:  # noqa: BLE001 - no workers here: extract inline
                self.close(wait=False)

    def _new_pool(self, method: str) -> Executor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    @property
    def workers(self) -> int:
        return self._workers

    def run(self, job: PageJob) -> PageText:
        """JOB's page (a worker that dies on it twice: the page fails)."""
        died = PageText(error="the extractor process died on this page")
        return self._call(process_page, job, died=died)

    def tag(self, text: str, topics: Mapping[str, Any]) -> Tags | None:
        """TEXT's topics (`tag_page`), in a worker like a page; None when it cannot be had."""
        return self._call(tag_page, text, topics, died=None)

    def _call(self, fn: Callable[..., R], *args: Any, died: R, retry: bool = True) -> R:
        pool = self._pool
        if pool is None:
            return fn(*args)
        from concurrent.futures.process import BrokenProcessPool

        try:
            return pool.submit(fn, *args).result()
        except (BrokenProcessPool, RuntimeError) as exc:
            with self._lock:
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                    if isinstance(exc, BrokenProcessPool):
                        self._pool = self._new_pool("spawn")
            if isinstance(exc, BrokenProcessPool):
                # A worker died (a parser crash, the OOM killer): every page in flight
                # sees the pool break, so each is tried once more in the fresh pool; the
                # page that kills a worker again fails, the innocent ones are recorded.
                if retry:
                    return self._call(fn, *args, died=died, retry=False)
                return died
            return fn(*args)  # workers cannot start here: work inline

    def close(self, *, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

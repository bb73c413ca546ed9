"""The archive's evidence for extraction in one run (see extract/evidence.py).

- `own_evidence(state)`: what a document's own history says before its page is
  extracted: its volatile blocks and the container chosen last time.
- `SiteBatches`: holds each site's extracted pages until the site's last document
  of the run is in. Then a page sharing blocks with another document of the same
  site (host) — extracted in this run, or as last extracted — is extracted once
  more with those blocks as chrome, unless its first extraction had those very
  blocks as chrome already (a second extraction that gives the first one's characters
  takes their snapshot text, noise hash and word count from it: `run.pages.Prior`),
  and a new document's final text is tagged with its
  topics (once, in the run's workers); when that is done, the pages are handed on to
  be recorded, together, in the order they came. The recorder meanwhile records
  other sites' pages. A page's first extraction gets as chrome what
  the site's other documents are known to hold when it starts (`chrome_for`: their
  blocks as last extracted, this run's once `learn` has them); the extractor reads
  chrome only where the page holds it (`Evidence.noise & the page's blocks`), so
  those blocks give the page the text the site's evidence gives it, and a page
  whose site's evidence is complete by then is extracted once. A site's documents
  therefore see the same evidence whatever order their fetches end in — unless one
  is slow: when none of the site's pages has come in for `SITE_WAIT` seconds, those
  in are recorded with what is known so far (the slow one's last extraction), so a
  slow or hanging page never holds the rest back.
- `remember(state, got)`: the document's history after each extraction (recorded or not).

The history lives in `DocumentState.extra["extract"]` (`evidence.History`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Source
from conductatlas_cli.extract.evidence import Evidence, History, PageExtraction
from conductatlas_cli.run.pages import Prior

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from conductatlas_cli.run.decision import Extracted
    from conductatlas_cli.run.pages import PageJob, PageProcessor

HISTORY_KEY = "extract"
SITE_WAIT = 2.0  # seconds a site's fetched pages wait for its slowest document


def site_of(url: str) -> str:
    """The site a page belongs to: its host, without a leading "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def history(state: DocumentState) -> History:
    return History.from_json(state.extra.get(HISTORY_KEY))


def own_evidence(state: DocumentState) -> Evidence:
    return history(state).evidence()


def remember(state: DocumentState, got: Extracted) -> None:
    """Keep GOT's blocks and container in STATE's history (an accepted extraction)."""
    if got.blocks or got.container:
        page = PageExtraction("", got.blocks, got.container)
        state.extra[HISTORY_KEY] = history(state).after(page).to_json()


class SiteBatches:
    """Per site, the run's extracted pages until the last one is in (see the module doc).

    `add` and `overdue` (the recorder's thread) hand a complete site to helper
    threads, which run its second extractions and taggings in the PROCESSOR; `ready`
    gives the sites done since, and WAKE is called (from a helper) when one is.
    """

    def __init__(
        self,
        chosen: list[Source],
        every: tuple[Source, ...],
        state: State,
        processor: PageProcessor,
        *,
        topics: Mapping[str, Any] | None = None,
        wake: Callable[[], None] = lambda: None,
    ):
        self._processor = processor
        self._topics = topics  # None: tag no page (the recorder tags a new document)
        self._wake = wake
        self._state = state
        self._lock = threading.Lock()  # `_stored`, `_done`, `_busy`: shared with the threads
        self._site = {s.key: site_of(s.url) for s in every}
        self._waiting: dict[str, int] = defaultdict(int)
        for source in chosen:
            self._waiting[self._site[source.key]] += 1
        self._stored: dict[str, dict[str, frozenset[int]]] = defaultdict(dict)
        # per site: how many of its documents hold each block, and (a cache) all its blocks
        self._counts: dict[str, Counter[int]] = defaultdict(Counter)
        self._union: dict[str, frozenset[int]] = {}
        for source in every:
            doc = state.documents.get(source.key)
            blocks = history(doc).blocks if doc is not None else frozenset()
            if blocks:
                self._store(self._site[source.key], source.key, blocks)
        self._held: dict[str, list] = defaultdict(list)
        self._since: dict[str, float] = {}  # when a page of a waiting site last came in
        self._done: list[list] = []  # sites' pages ready to record, in the order they got so
        self._busy = 0  # sites handed to the helpers and not done yet
        self._helpers: ThreadPoolExecutor | None = None

    def chrome_for(self, source: Source) -> frozenset[int]:
        """The blocks SOURCE's site's other documents are known to hold now (any thread)."""
        site = self._site.get(source.key, site_of(source.url))
        with self._lock:
            counts = self._counts.get(site)
            if not counts:
                return frozenset()
            union = self._union.get(site)
            if union is None:
                union = self._union[site] = frozenset(counts)
            own = self._stored[site].get(source.key, frozenset())
            alone = [b for b in own if counts[b] == 1]  # held by SOURCE and no other
        return union.difference(alone) if alone else union

    def learn(self, got: Extracted) -> None:
        """GOT's page is extracted: its blocks are its site's evidence from now on (any thread)."""
        if got.blocks:
            site = self._site.get(got.source.key, site_of(got.source.url))
            with self._lock:
                self._store(site, got.source.key, got.blocks)  # this run's page wins

    def _store(self, site: str, key: str, blocks: frozenset[int]) -> None:
        """KEY (of SITE) holds BLOCKS now (under the lock, or before any thread starts)."""
        counts = self._counts[site]
        old = self._stored[site].get(key)
        if old is not None:
            counts.subtract(old)
            for b in old:
                if counts[b] <= 0:
                    del counts[b]
        counts.update(blocks)
        self._stored[site][key] = blocks
        self._union.pop(site, None)

    def add(self, got: Extracted) -> None:
        """GOT is in; the last page of a site hands the site on (`ready` gives it back)."""
        site = self._site.get(got.source.key, site_of(got.source.url))
        self._held[site].append(got)
        self._since[site] = time.monotonic()  # the wait counts from the site's last arrival
        self._waiting[site] -= 1
        self.learn(got)
        if self._waiting[site] <= 0:
            self._flush(site)

    def overdue(self, wait: float = SITE_WAIT) -> None:
        """Hand on the pages of sites that got nothing new for WAIT seconds.

        Their evidence is what is known so far (the slow document's last extraction); the
        slow document gets the site's evidence when it comes.
        """
        now = time.monotonic()
        for site in [s for s, t in self._since.items() if now - t >= wait]:
            self._flush(site)

    def ready(self) -> list[Extracted]:
        """The pages of the sites done since the last call, to record now."""
        with self._lock:
            done, self._done = self._done, []
        return [got for pages in done for got in pages]

    @property
    def busy(self) -> bool:
        """Whether a site handed on is not done yet, or not given back by `ready`."""
        with self._lock:
            return self._busy > 0 or bool(self._done)

    def close(self) -> None:
        """Stop the helpers (the pages still with them are not recorded)."""
        if self._helpers is not None:
            self._helpers.shutdown(wait=False, cancel_futures=True)

    def _flush(self, site: str) -> None:
        self._since.pop(site, None)
        pages = self._held.pop(site, [])
        work = self._work(pages)
        if not work:
            with self._lock:
                self._done.append(pages)
            return
        if self._helpers is None:
            from concurrent.futures import ThreadPoolExecutor

            # two per worker process, so that none waits while a helper hands a page over
            self._helpers = ThreadPoolExecutor(
                max_workers=2 * self._processor.workers, thread_name_prefix="atlas-site"
            )
        left = [len(work)]
        with self._lock:
            self._busy += 1
        for got, job in work:
            self._helpers.submit(self._finish, got, job, pages, left)

    def _work(self, pages: list) -> list[tuple[Extracted, PageJob | None]]:
        """(page, the job to extract it again with the site's evidence, or None: tag only)."""
        work: list[tuple[Extracted, PageJob | None]] = []
        for got in pages:
            if not (got.text is not None and got.job is not None):
                continue
            doc = self._state.documents.get(got.source.key)
            new = doc is None or doc.current is None  # nothing recorded: a first version
            topics = self._topics if new else None
            job = None
            if got.text and got.blocks:
                chrome = got.blocks & self.chrome_for(got.source)
                evidence = got.job.evidence or Evidence()
                if chrome != got.blocks & evidence.chrome:  # else extracted with this chrome
                    evidence = replace(evidence, chrome=chrome)
                    prior = Prior(got.extracted, got.text, got.noise, got.words)
                    job = got.job.unpacked(evidence=evidence, topics=topics, prior=prior)
            if job is not None or topics is not None:
                work.append((got, job))
        return work

    def _finish(self, got: Extracted, job: PageJob | None, pages: list, left: list[int]) -> None:
        """In a helper: GOT's second extraction (JOB) or its tags; the site's last one hands
        the site back."""
        try:
            if job is not None:
                page = self._processor.run(job)
                got.text, got.error = page.text, page.error
                got.noise, got.words, got.extracted = page.noise, page.words, page.extracted
                got.container = page.container or got.container
                got.tags = page.tags
            elif got.text is not None and self._topics is not None:
                got.tags = self._processor.tag(got.text, self._topics)
        finally:
            with self._lock:
                left[0] -= 1
                last = left[0] == 0
                if last:
                    self._busy -= 1
                    self._done.append(pages)
            if last:
                self._wake()

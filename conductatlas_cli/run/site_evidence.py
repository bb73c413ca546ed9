"""The archive's evidence for extraction in one run (see extract/evidence.py).

- `own_evidence(state)`: what a document's own history says before its page is
  extracted: its volatile blocks and the container chosen last time.
- `SiteBatches`: holds each site's extracted pages until the site's last document
  of the run is in. Then a page sharing blocks with another document of the same
  site (host) — extracted in this run, or as last extracted — is extracted once
  more with those blocks as chrome; the pages are handed on to be recorded,
  together, in the order they came. A site's documents therefore see the same
  evidence whatever order their fetches end in — unless one is slow: when none of
  the site's pages has come in for `SITE_WAIT` seconds, those in are recorded with
  what is known so far (the slow one's last extraction), so a slow or hanging page
  never holds the rest back.
- `remember(state, got)`: the document's history after each extraction (recorded or not).

The history lives in `DocumentState.extra["extract"]` (`evidence.History`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conductatlas_cli.archive.state import DocumentState, State
from conductatlas_cli.config.model import Source
from conductatlas_cli.extract.evidence import Evidence, History, PageExtraction

if TYPE_CHECKING:
    from conductatlas_cli.run.decision import Extracted
    from conductatlas_cli.run.pages import PageJob, PageText

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
    """Per site, the run's extracted pages until the last one is in (see the module doc)."""

    def __init__(
        self,
        chosen: list[Source],
        every: tuple[Source, ...],
        state: State,
        run_job: Callable[[PageJob], PageText],
    ):
        self._run_job = run_job  # PageJob -> PageText (the run's page processor)
        self._site = {s.key: site_of(s.url) for s in every}
        self._waiting: dict[str, int] = defaultdict(int)
        for source in chosen:
            self._waiting[self._site[source.key]] += 1
        self._stored: dict[str, dict[str, frozenset[int]]] = defaultdict(dict)
        for source in every:
            doc = state.documents.get(source.key)
            blocks = history(doc).blocks if doc is not None else frozenset()
            if blocks:
                self._stored[self._site[source.key]][source.key] = blocks
        self._held: dict[str, list] = defaultdict(list)
        self._since: dict[str, float] = {}  # when a page of a waiting site last came in

    def add(self, got: Extracted) -> list[Extracted]:
        """GOT is in: the pages of its site ready to record (none until the site is complete)."""
        site = self._site.get(got.source.key, site_of(got.source.url))
        self._held[site].append(got)
        self._since[site] = time.monotonic()  # the wait counts from the site's last arrival
        self._waiting[site] -= 1
        if got.blocks:
            self._stored[site][got.source.key] = got.blocks  # this run's page wins
        if self._waiting[site] > 0:
            return []
        return self._flush(site)

    def overdue(self, wait: float = SITE_WAIT) -> list:
        """The pages of sites that got nothing new for WAIT seconds: record them now.

        Their evidence is what is known so far (the slow document's last extraction); the
        slow document gets the site's evidence when it comes.
        """
        now = time.monotonic()
        ready = []
        for site in [s for s, t in self._since.items() if now - t >= wait]:
            ready.extend(self._flush(site))
        return ready

    def _flush(self, site: str) -> list:
        self._since.pop(site, None)
        return self._refine(site, self._held.pop(site, []))

    def _refine(self, site: str, pages: list) -> list:
        known = dict(self._stored.get(site, {}))
        if len(known) < 2:
            return pages
        for got in pages:
            if not (got.text and got.blocks and got.job is not None):
                continue
            others: set[int] = set()
            for key, blocks in known.items():
                if key != got.source.key:
                    others |= blocks
            chrome = got.blocks & frozenset(others)
            if not chrome:
                continue
            evidence = replace(got.job.evidence or Evidence(), chrome=chrome)
            page = self._run_job(replace(got.job, evidence=evidence))
            got.text, got.error = page.text, page.error
            got.noise, got.words = page.noise, page.words
            got.container = page.container or got.container
        return pages

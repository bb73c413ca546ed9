"""The fetchers behind one interface: a name in `render:` → a Fetcher for the run.

A fetcher turns a `FetchRequest` into a `FetchResult` (the type the HTTP
fetcher returns) or raises `FetchError` with a one-line reason. A new fetcher
is one module with a class that takes `FetcherOptions`, plus one line in
`FETCHERS`. `Fetchers` holds one of each kind for a run, made at first use
(so a run with no `render: browser` document never starts a browser) and
closed together on every exit path.

`render: auto` is not a fetcher: the run fetches over HTTP and retries in the
browser when the page looks like a JavaScript shell or a bot wall.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from conductatlas_cli.fetch.http import FetchResult
from conductatlas_cli.fetch.request import FetchRequest

RENDER_MODES = ("http", "browser", "auto")


@dataclass(frozen=True)
class FetcherOptions:
    """What a run tells its fetchers once."""

    user_agent: str
    jobs: int = 8
    hosts: int = 0  # how many hosts the run's documents are on


class Fetcher(Protocol):
    def fetch(self, request: FetchRequest) -> FetchResult: ...

    def close(self) -> None: ...


class HttpFetcher:
    """The HTTP fetcher (conductatlas_cli.fetch) behind the Fetcher interface."""

    def __init__(self, options: FetcherOptions):
        from conductatlas_cli.fetch.http import make_session

        self._session = make_session(
            user_agent=options.user_agent, pool_size=max(options.jobs, 4), hosts=options.hosts
        )

    def fetch(self, request: FetchRequest) -> FetchResult:
        from conductatlas_cli.fetch.http import fetch_document

        return fetch_document(self._session, request)

    def close(self) -> None:
        self._session.close()


def _browser(options: FetcherOptions) -> Fetcher:
    from conductatlas_cli.fetch.browser import BrowserFetcher

    return BrowserFetcher(options)


FETCHERS: dict[str, Callable[[FetcherOptions], Fetcher]] = {
    "http": HttpFetcher,
    "browser": _browser,
}


class Fetchers:
    """One fetcher of each kind per run, made at first use; thread-safe."""

    def __init__(self, options: FetcherOptions):
        self.options = options
        self._lock = threading.Lock()
        self._made: dict[str, Fetcher] = {}
        self._closed = False

    def get(self, name: str) -> Fetcher:
        with self._lock:
            if self._closed:
                from conductatlas_cli.errors import FetchError

                raise FetchError("the run is shutting down")
            if name not in self._made:
                self._made[name] = FETCHERS[name](self.options)
            return self._made[name]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            made, self._made = list(self._made.values()), {}
        for fetcher in made:
            fetcher.close()

    def __enter__(self) -> Fetchers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""What a fetcher is asked for: one document, with its limits and validators.

The run builds a `FetchRequest`; every fetcher (`registry.FETCHERS`) takes it as it
is, the HTTP one (`http.fetch_document`) and the browser alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FetchRequest:
    """One document to fetch, with everything a fetcher may need."""

    url: str
    timeout: float  # seconds: one request (http) or the whole page (browser)
    max_bytes: int
    retries: int = 3
    etag: str | None = None
    last_modified: str | None = None
    deadline: float | None = None  # time.monotonic() value
    wait_for: str | None = None  # CSS selector the browser waits for
    # From the run's host scheduler (http only): attempts already made, a pause of the host
    # on Retry-After, and what to do instead of sleeping before a retry (None: time.sleep).
    first_attempt: int = 0
    pause_host: Callable[[float], None] | None = None
    sleep: Callable[[float], None] | None = None

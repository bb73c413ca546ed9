"""Politeness towards hosts: at most `per_host` requests at once to one host."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit


class HostLimiter:
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

"""Host-aware scheduling: which document a free fetch thread takes next.

Documents wait in one queue per host. A free thread takes a document from the
ready host with the most documents left (so a big host is served all run long
and never becomes the tail), where a host is ready when fewer than `per_host`
of its requests are running, `delay` seconds have passed since its last request
started, and no Retry-After pause holds it. A thread never waits on one host
while another host has a ready document; it only waits when no host is ready.

    scheduler = HostScheduler([(host, item), ...], per_host=2, delay=0.0)
    ticket = scheduler.take()        # blocks; None when every item is done
    with ticket:                     # the host slot: held for the request only
        ...                          # ticket.pause_host(seconds); raise RetryLater(wait)
                                     # requeues the document (the slot is freed)

`per_host` is a hard limit: a slot is taken under the scheduler's lock before
the request starts and given back when the `with` block ends. Pure threading,
no I/O: the clock and the condition wait are the only outside things.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


class RetryLater(Exception):
    """Raised by a fetch that wants its document tried again in `wait` seconds."""

    def __init__(self, wait: float):
        super().__init__(f"retry in {wait:g} s")
        self.wait = wait


def host_of(url: str) -> str:
    """The host a request to URL goes to, lower-case ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass
class _Host:
    name: str
    queue: deque = field(default_factory=deque)
    active: int = 0
    not_before: float = 0.0  # delay after the last start, or a Retry-After pause
    stamp: int = 0  # bumps on every change; stale heap entries are skipped


class Ticket(Generic[T]):
    """One document handed to a thread, holding one request slot on its host."""

    def __init__(self, scheduler: HostScheduler[T], host: _Host, item: T, attempt: int):
        self._scheduler = scheduler
        self._host = host
        self.item = item
        self.attempt = attempt  # how many attempts already failed and were requeued
        self._held = True

    @property
    def host(self) -> str:
        return self._host.name

    @property
    def held(self) -> bool:
        """Whether the ticket still holds its host slot."""
        return self._held

    def __enter__(self) -> Ticket[T]:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if isinstance(exc, RetryLater) and self._held:
            self._scheduler.requeue(self, exc.wait)
        self.release()

    def release(self) -> None:
        """Give the host slot back (idempotent)."""
        if self._held:
            self._held = False
            self._scheduler._release(self._host)

    def pause_host(self, seconds: float) -> None:
        """No new request to this host for SECONDS (a 429/503 Retry-After)."""
        self._scheduler._pause(self._host, seconds)


class HostScheduler(Generic[T]):
    """Per-host queues; `take()` hands out the next document a thread may fetch now."""

    def __init__(
        self,
        items: Iterable[tuple[str, T]],
        *,
        per_host: int,
        delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.per_host = per_host
        self.delay = max(delay, 0.0)
        self._clock = clock
        self._cond = threading.Condition()
        self._hosts: dict[str, _Host] = {}
        for name, item in items:
            host = self._hosts.get(name)
            if host is None:
                host = self._hosts[name] = _Host(name)
            host.queue.append((item, 0, 0.0))
        self._pending = sum(len(h.queue) for h in self._hosts.values())
        self._in_flight = 0
        self._order = itertools.count()
        self._ready: list[tuple[int, int, int, str]] = []  # (-left, order, stamp, host)
        self._timed: list[tuple[float, int, str]] = []  # (when, stamp, host)
        self._closed = False
        for host in self._hosts.values():
            self._offer(host)

    # -- the heaps (called with the lock held) -------------------------------

    def _offer(self, host: _Host) -> None:
        """Put HOST on the ready heap, or on the timed heap when it must wait."""
        host.stamp += 1
        if not host.queue or host.active >= self.per_host:
            return
        when = max(host.not_before, host.queue[0][2])
        if when > self._clock():
            heapq.heappush(self._timed, (when, host.stamp, host.name))
        else:
            entry = (-len(host.queue), next(self._order), host.stamp, host.name)
            heapq.heappush(self._ready, entry)

    def _wake_timed(self, now: float) -> float | None:
        """Move hosts whose wait is over to the ready heap; the next wake-up time."""
        while self._timed and self._timed[0][0] <= now:
            _when, stamp, name = heapq.heappop(self._timed)
            host = self._hosts[name]
            if stamp == host.stamp:
                self._offer(host)
        return self._timed[0][0] if self._timed else None

    # -- the interface -------------------------------------------------------

    def take(self) -> Ticket[T] | None:
        """The next document whose host is ready; waits while none is; None when all done."""
        with self._cond:
            while True:
                if self._closed or (self._pending == 0 and self._in_flight == 0):
                    self._cond.notify_all()
                    return None
                now = self._clock()
                wake = self._wake_timed(now)
                while self._ready:
                    _left, _order, stamp, name = heapq.heappop(self._ready)
                    host = self._hosts[name]
                    if stamp != host.stamp:
                        continue
                    item, attempt, _not_before = host.queue.popleft()
                    self._pending -= 1
                    self._in_flight += 1
                    host.active += 1
                    if self.delay:
                        host.not_before = max(host.not_before, now + self.delay)
                    self._offer(host)
                    return Ticket(self, host, item, attempt)
                timeout = None if wake is None else max(wake - now, 0.0)
                self._cond.wait(timeout)

    def requeue(self, ticket: Ticket[T], wait: float = 0.0) -> None:
        """Try TICKET's document again in WAIT seconds, before the rest of its host's queue."""
        with self._cond:
            if not ticket._held:
                raise ValueError("requeue a ticket that still holds its slot")
            host = ticket._host
            host.queue.appendleft((ticket.item, ticket.attempt + 1, self._clock() + wait))
            self._pending += 1
            ticket.release()  # offers the host again, its new head included

    def close(self) -> None:
        """Hand out nothing more: every `take()` returns None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _release(self, host: _Host) -> None:
        with self._cond:
            host.active -= 1
            self._in_flight -= 1
            self._offer(host)
            self._cond.notify_all()

    def _pause(self, host: _Host, seconds: float) -> None:
        with self._cond:
            host.not_before = max(host.not_before, self._clock() + max(seconds, 0.0))
            self._offer(host)
            self._cond.notify_all()

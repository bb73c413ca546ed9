"""The host-aware scheduler: unit behaviour, then real fetches over several loopback hosts."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import LocalServer, Page
from test_cli_fetch import policy_html

from conductatlas_cli.config.load import load_sources
from conductatlas_cli.fetch.scheduler import HostScheduler
from conductatlas_cli.run.runner import run_fetch


def _drain(scheduler: HostScheduler) -> list[str]:
    """Take and release every ticket one at a time; the hosts in the order handed out."""
    order = []
    while (ticket := scheduler.take()) is not None:
        order.append(ticket.host)
        ticket.release()
    return order


def test_documents_of_one_host_are_spread_over_the_run():
    """Hosts listed one after the other are served in turn: most left first, ties in turn."""
    items = [("a", 1), ("a", 2), ("a", 3), ("b", 4), ("b", 5), ("c", 6)]
    assert _drain(HostScheduler(items, per_host=4)) == ["a", "b", "a", "c", "b", "a"]


def test_a_busy_host_never_blocks_a_ready_one():
    """With the first host at its per_host limit, the next take goes to another host."""
    scheduler = HostScheduler([("a", 1), ("a", 2), ("a", 3), ("b", 4)], per_host=1)
    first, second = scheduler.take(), scheduler.take()
    assert (first.host, second.host) == ("a", "b")


def test_per_host_is_a_hard_limit():
    """A take waits while every host with work is at its limit, and goes on on release."""
    scheduler = HostScheduler([("a", 1), ("a", 2)], per_host=1)
    first = scheduler.take()
    got = []
    waiter = threading.Thread(target=lambda: got.append(scheduler.take()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and not got
    first.release()
    waiter.join(5)
    assert got and got[0].item == 2


def test_a_paused_host_lets_other_hosts_go_first():
    """pause_host holds that host only; the others are served during the pause."""
    now = [0.0]
    scheduler = HostScheduler(
        [("a", 1), ("a", 2), ("b", 3), ("b", 4)], per_host=2, clock=lambda: now[0]
    )
    ticket = scheduler.take()
    assert ticket.host == "a"
    ticket.pause_host(30)
    ticket.release()
    assert [scheduler.take().host, scheduler.take().host] == ["b", "b"]


def test_requeue_retries_the_document_before_the_rest_of_its_host():
    """A requeued document comes back first on its host, with its attempt counted."""
    scheduler = HostScheduler([("a", 1), ("a", 2)], per_host=1)
    ticket = scheduler.take()
    scheduler.requeue(ticket, 0.0)
    again = scheduler.take()
    assert (again.item, again.attempt) == (1, 1)


# -- real fetches -------------------------------------------------------------


@pytest.fixture
def hosts():
    """Three real HTTP servers on three loopback addresses."""
    servers = [LocalServer(host=f"127.0.0.{i}") for i in (2, 3, 4)]
    yield servers
    for srv in servers:
        srv.close()


def _sources(project, urls: dict[str, list[str]], **settings):
    """sources.yaml with one platform per host, its documents at URLS."""
    platforms = {
        name: {"documents": {f"d{i}": {"url": u} for i, u in enumerate(docs)}}
        for name, docs in urls.items()
    }
    project.write_sources(platforms, settings=settings)
    return load_sources(project.root / "sources.yaml")


def test_a_thread_goes_to_another_host_while_the_first_is_at_its_limit(project, hosts):
    """Host A's pages answer only once host B was served: B must not queue behind A."""
    a, b = hosts[0], hosts[1]
    b_done = threading.Event()
    served_b = []
    seen = []

    def slow_a(handler):
        seen.append(b_done.wait(5))
        body = policy_html().encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def fast_b(handler):
        body = policy_html().encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        served_b.append(1)
        if len(served_b) == 2:
            b_done.set()

    for i in range(4):
        a.routes[f"/a{i}"] = slow_a
    for i in range(2):
        b.routes[f"/b{i}"] = fast_b
    urls = {"pa": [a.url(f"/a{i}") for i in range(4)], "pb": [b.url(f"/b{i}") for i in range(2)]}
    report = run_fetch(_sources(project, urls, jobs=2, per_host=1))
    assert seen == [True] * 4
    assert [d.status.value for d in report.documents] == ["new"] * 6


def test_retry_after_pauses_that_host_only(project, hosts):
    """One thread: while host A says 503 Retry-After: 1, host B's documents are fetched."""
    a, b = hosts[0], hosts[1]
    stamps: dict[str, list[float]] = {"a": [], "b": []}

    def stamped(name, pages):
        count = [0]

        def handler(h):
            stamps[name].append(time.monotonic())
            page = pages[min(count[0], len(pages) - 1)]
            count[0] += 1
            body = page.body.encode()
            h.send_response(page.status)
            for k, v in page.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return handler

    busy = Page(body="busy", status=503, headers={"Retry-After": "1"})
    a.routes["/a0"] = stamped("a", [busy, Page(body=policy_html())])
    for i in (1, 2, 3):
        a.routes[f"/a{i}"] = stamped("a", [Page(body=policy_html())])
    for i in range(2):
        b.routes[f"/b{i}"] = stamped("b", [Page(body=policy_html())])
    urls = {"pa": [a.url(f"/a{i}") for i in range(4)], "pb": [b.url(f"/b{i}") for i in range(2)]}
    report = run_fetch(_sources(project, urls, jobs=1, per_host=1))
    assert [d.status.value for d in report.documents] == ["new"] * 6
    first_a, second_a = stamps["a"][:2]
    assert second_a - first_a >= 0.95
    assert all(first_a < t < second_a for t in stamps["b"])


def test_delay_spaces_the_requests_to_one_host(project, hosts):
    """settings.delay: the starts of two requests to one host are at least DELAY apart."""
    a = hosts[0]
    for i in range(3):
        a.set(f"/a{i}", policy_html())
    urls = {"pa": [a.url(f"/a{i}") for i in range(3)]}
    starts = []
    original = a._serve

    def serve(handler):
        starts.append(time.monotonic())
        original(handler)

    a._serve = serve
    run_fetch(_sources(project, urls, jobs=4, per_host=4, delay=0.3))
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    # The scheduler spaces the starts 0.3 s apart; the server sees them with a few ms of
    # jitter (a new connection or a reused one), so allow 50 ms. Without the delay the
    # gaps are near 0.
    assert len(starts) == 3 and min(gaps) >= 0.25


def test_per_host_limit_holds_with_many_threads(project, hosts):
    """Eight threads, per_host 2: no host ever sees more than two requests at once."""
    peak: dict[str, int] = {}
    lock = threading.Lock()
    for srv in hosts:
        active = [0]

        def counting(handler, srv=srv, active=active):
            with lock:
                active[0] += 1
                peak[srv.host] = max(peak.get(srv.host, 0), active[0])
            time.sleep(0.05)
            with lock:
                active[0] -= 1
            body = policy_html().encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        for i in range(5):
            srv.routes[f"/p{i}"] = counting
    urls = {f"p{n}": [srv.url(f"/p{i}") for i in range(5)] for n, srv in enumerate(hosts)}
    run_fetch(_sources(project, urls, jobs=8, per_host=2))
    assert set(peak) == {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert max(peak.values()) <= 2


def test_settings_delay_is_read_and_checked(tmp_path):
    """settings.delay is seconds (default 0); a negative one is a problem on its line."""
    from conductatlas_cli.config.load import parse_sources
    from conductatlas_cli.errors import ConfigError

    path = tmp_path / "sources.yaml"
    base = "platforms:\n  a:\n    documents:\n      d: https://a.test/d\n"
    assert parse_sources(base, path=path).settings.delay == 0
    assert parse_sources("settings:\n  delay: 1.5\n" + base, path=path).settings.delay == 1.5
    with pytest.raises(ConfigError) as info:
        parse_sources("settings:\n  delay: -1\n" + base, path=path)
    assert info.value.problems == ["sources.yaml:2: 'settings.delay' must be at least 0, not '-1'"]

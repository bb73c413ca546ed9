"""The browser fetcher against a real Chromium and pages served from 127.0.0.1."""

from __future__ import annotations

import threading
import time

import pytest
from browserkit import browser_processes, kill_renderers, require_browser, wait_gone

from conductatlas_cli.errors import FetchError
from conductatlas_cli.fetch.browser import BrowserFetcher
from conductatlas_cli.fetch.browser_page import BROWSER_GONE, CRASHED
from conductatlas_cli.fetch.chromium import INSTALL_CHROMIUM, find_chromium
from conductatlas_cli.fetch.registry import FetcherOptions
from conductatlas_cli.fetch.request import FetchRequest

POLICY = "You must not use the service to harm people. " * 12
# The policy text exists only once a script has run after the page loaded.
SCRIPTED = (
    "<html><head><title>Usage Policy</title></head><body><div id='root'></div>"
    "<noscript>You need to enable JavaScript to run this app.</noscript><script>"
    "addEventListener('load', () => setTimeout(() => {"
    "document.getElementById('root').innerHTML = "
    f"'<main><h1>Usage Policy</h1><p>{POLICY}</p></main>';"
    "}, 50));</script></body></html>"
)


@pytest.fixture(scope="module")
def browser():
    """One browser for the module's tests (started at the first page, as in a run)."""
    require_browser()
    fetcher = BrowserFetcher(FetcherOptions(user_agent="atlas-test", jobs=4))
    yield fetcher
    fetcher.close()


def request(url: str, **kw) -> FetchRequest:
    return FetchRequest(url=url, timeout=kw.pop("timeout", 10.0), max_bytes=10**7, **kw)


def test_records_text_a_script_writes_after_load(server, browser):
    """The rendered DOM holds the text a script wrote after `load`; body is the shell."""
    url = server.set("/p", SCRIPTED)
    result = browser.fetch(request(url))
    assert POLICY.strip() in result.rendered.decode()
    assert result.body == SCRIPTED.encode()
    assert (result.status, result.content_type, result.url) == (200, "text/html", url)


def test_wait_for_waits_for_the_selector(server, browser):
    """With wait_for, the page is read once the selector is there, even after a slow script."""
    html = (
        "<html><body><div id='x'></div><script>setTimeout(() => {"
        "document.getElementById('x').innerHTML = '<article>late text</article>'}, 1500)"
        "</script></body></html>"
    )
    url = server.set("/late", html)
    result = browser.fetch(request(url, wait_for="article"))
    assert b"<article>late text</article>" in result.rendered


def test_wait_for_that_never_appears_times_out_in_one_line(server, browser):
    """A wait_for selector that never appears fails with one line naming it."""
    url = server.set("/never", "<html><body><p>nothing here</p></body></html>")
    with pytest.raises(FetchError) as caught:
        browser.fetch(request(url, wait_for="#policy", timeout=1.5))
    assert str(caught.value) == "timed out after 1.5 s waiting for '#policy'"


def test_page_that_never_finishes_loading_times_out(server, browser):
    """A page whose load never finishes (a frame that never answers) fails with one line."""
    hang = threading.Event()
    server.routes["/hang"] = lambda handler: hang.wait(30)
    url = server.set("/slow", "<html><body><p>text</p><iframe src='/hang'></iframe></body></html>")
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            browser.fetch(request(url, timeout=1.5))
    finally:
        hang.set()
    assert str(caught.value) == "timed out after 1.5 s (the page did not finish loading)"
    assert time.monotonic() - started < 8


def test_dialogs_and_popups_are_dismissed(server, browser):
    """alert/confirm/prompt dialogs and window.open pop-ups do not stop the page."""
    html = (
        "<html><body><p id='s'>before</p><script>alert('a'); confirm('b'); prompt('c');"
        "window.open('/popup'); window.open('about:blank');"
        "document.getElementById('s').textContent = 'after';</script></body></html>"
    )
    server.set("/popup", "<html><body><script>alert('again')</script></body></html>")
    url = server.set("/dialogs", html)
    result = browser.fetch(request(url))
    assert b'<p id="s">after</p>' in result.rendered


def test_renderer_crash_fails_the_page_in_one_line(server, browser):
    """A renderer killed mid-page fails that page with one line; the next page renders."""
    hang = threading.Event()
    server.routes["/hang2"] = lambda handler: hang.wait(30)
    url = server.set("/crash", "<html><body><iframe src='/hang2'></iframe></body></html>")
    outcome: list[BaseException] = []

    def render() -> None:
        try:
            browser.fetch(request(url, timeout=20))
        except FetchError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=render)
    worker.start()
    deadline = time.monotonic() + 10
    while server.hits["/hang2"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kill_renderers(str(browser.run_dir)) >= 1
    worker.join(15)
    hang.set()
    assert [str(e) for e in outcome] == [CRASHED]
    after = server.set("/after", SCRIPTED)
    assert POLICY.strip().encode() in browser.fetch(request(after)).rendered


def test_a_killed_browser_fails_its_page_and_is_started_again(server):
    """The browser itself killed mid-page: one line for that page; the next page renders."""
    require_browser()
    import os
    import signal

    fetcher = BrowserFetcher(FetcherOptions(user_agent="atlas-test", jobs=2))
    hang = threading.Event()
    server.routes["/hang3"] = lambda handler: hang.wait(30)
    url = server.set("/dies", "<html><body><iframe src='/hang3'></iframe></body></html>")
    outcome: list[str] = []

    def render() -> None:
        try:
            fetcher.fetch(request(url, timeout=20))
        except FetchError as exc:
            outcome.append(str(exc))

    try:
        worker = threading.Thread(target=render)
        worker.start()
        deadline = time.monotonic() + 10
        while server.hits["/hang3"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int((fetcher.run_dir / "browser.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        worker.join(15)
        hang.set()
        assert outcome == [BROWSER_GONE]
        after = server.set("/after2", SCRIPTED)
        assert POLICY.strip().encode() in fetcher.fetch(request(after)).rendered
    finally:
        hang.set()
        fetcher.close()


def test_error_status_fails_like_http(server, browser):
    """A 404 in the browser fails with the same line as over HTTP."""
    url = server.set("/gone", "<html><body>gone</body></html>", status=404)
    with pytest.raises(FetchError, match=r"^HTTP 404 Not Found$"):
        browser.fetch(request(url))


def test_each_page_gets_a_fresh_context(server, browser):
    """A cookie one page sets is not sent with the next page (isolated contexts)."""
    setter = server.set(
        "/set", "<html><body><script>document.cookie='seen=1'</script></body></html>"
    )
    reader = server.set(
        "/read",
        "<html><body><p id='c'></p><script>document.getElementById('c').textContent="
        "'cookie:' + document.cookie</script></body></html>",
    )
    browser.fetch(request(setter))
    assert b'<p id="c">cookie:</p>' in browser.fetch(request(reader)).rendered


def test_plain_text_is_kept_as_served(server, browser):
    """A text/plain document in the browser is its served body (no <pre> wrapper)."""
    url = server.set("/t.txt", "Terms\n\nBe nice.\n", content_type="text/plain; charset=utf-8")
    result = browser.fetch(request(url))
    assert (result.body, result.rendered, result.content_type) == (
        b"Terms\n\nBe nice.\n",
        None,
        "text/plain",
    )


def test_at_most_jobs_pages_at_once(server):
    """With jobs=2, no more than two pages load at the same time."""
    require_browser()
    lock, now, peak = threading.Lock(), [0], [0]

    def slow(handler) -> None:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.6)
        body = b"<html><body><p>page</p></body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        with lock:
            now[0] -= 1

    fetcher = BrowserFetcher(FetcherOptions(user_agent="atlas-test", jobs=2))
    try:
        threads = []
        for i in range(5):
            server.routes[f"/s{i}"] = slow
            url = server.url(f"/s{i}")
            threads.append(threading.Thread(target=fetcher.fetch, args=(request(url),)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        fetcher.close()
    # The limit is the behaviour pinned: never more than two at once (two at once is
    # usual, but one can happen on a loaded machine, so it is not asserted).
    assert 1 <= peak[0] <= 2


def test_close_leaves_no_browser_process(server):
    """After close() no process of that browser is left running."""
    require_browser()
    fetcher = BrowserFetcher(FetcherOptions(user_agent="atlas-test", jobs=1))
    fetcher.fetch(request(server.set("/p", SCRIPTED)))
    run_dir = fetcher.run_dir
    procs = browser_processes(str(run_dir))
    assert procs
    fetcher.close()
    assert wait_gone(procs) == set()
    assert not run_dir.exists()


def test_missing_chromium_names_what_to_install(monkeypatch):
    """Without Chromium on PATH, the reason is the one line that says what to install."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("ATLAS_CHROMIUM", raising=False)
    with pytest.raises(FetchError) as caught:
        find_chromium()
    assert str(caught.value) == INSTALL_CHROMIUM


def test_atlas_chromium_must_be_an_executable(monkeypatch, tmp_path):
    """ATLAS_CHROMIUM naming no executable fails in one line naming it."""
    monkeypatch.setenv("ATLAS_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(FetchError, match=r"^ATLAS_CHROMIUM='.*nope' is not an executable file$"):
        find_chromium()


def test_a_browser_document_fails_without_chromium(monkeypatch, server):
    """A fetch through a fetcher with no Chromium fails with the install line, every time."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("ATLAS_CHROMIUM", raising=False)
    fetcher = BrowserFetcher(FetcherOptions(user_agent="atlas-test"))
    try:
        for _ in range(2):
            with pytest.raises(FetchError) as caught:
                fetcher.fetch(request(server.set("/p", SCRIPTED)))
            assert str(caught.value) == INSTALL_CHROMIUM
    finally:
        fetcher.close()

"""A page rendered by a system Chromium → a FetchResult (served body + rendered DOM).

playwright-python (the optional extra `browser`) drives a Chromium found on
PATH (`chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable`)
or named by `ATLAS_CHROMIUM`; playwright's own browser download is never used.

One browser per run, started at the first page (a run without `render:
browser` documents never starts it) and run by one thread with its own event
loop; callers in any thread block on `fetch`. Each page gets a fresh browser
context (no cookies, storage or cache shared between documents), at most
`jobs` at once (the run's host limiter keeps `per_host`). A page:

1. loads until the `load` event, within the document's time-out;
2. then waits for `wait_for` (a CSS selector) when given, else for the network
   to be idle (500 ms without requests, at most 5 s of waiting);
3. gives the main response's body as served (`body`), its status, content
   type and final URL, and the DOM after scripts ran (`rendered`, UTF-8).

Images, media and fonts are not loaded. JavaScript dialogs are dismissed and
pop-up windows closed. A renderer crash, a time-out, a non-2xx status or a
browser that dies fails that page with one line (FetchError); a browser that
dies is started again for the next page. `close()` closes the browser on every
exit path; `chromium_launcher` makes sure a killed `atlas` leaves no Chromium.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import threading
from pathlib import Path

from conductatlas_cli.errors import FetchError
from conductatlas_cli.fetch.browser_page import (
    BROWSER_GONE,
    CLOSE_TIMEOUT,
    PageLoad,
    first_line,
    seconds,
    split_credentials,
)
from conductatlas_cli.fetch.chromium import (
    ARGS,
    INSTALL_EXTRA,
    find_chromium,
    kill_launched,
    prepare_run,
)
from conductatlas_cli.fetch.http import FetchResult
from conductatlas_cli.fetch.registry import FetcherOptions
from conductatlas_cli.fetch.request import FetchRequest

LAUNCH_TIMEOUT = 60.0


class BrowserFetcher:
    """The browser fetcher: thread-safe `fetch`, one browser for its lifetime."""

    def __init__(self, options: FetcherOptions, *, chromium: str | None = None):
        self._options = options
        self._chromium = chromium
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._run_dir: Path | None = None
        self._launcher: Path | None = None
        self._failure: str | None = None  # why the browser cannot start: every page fails
        self._closed = False
        self._pending: set[concurrent.futures.Future] = set()
        # Owned by the loop thread:
        self._playwright = None
        self._browser = None
        self._starting: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None

    @property
    def run_dir(self) -> Path | None:
        """This run's folder (launcher, crash reports); its path marks the browser's processes."""
        return self._run_dir

    # -- the caller's side ------------------------------------------------------

    def fetch(self, request: FetchRequest) -> FetchResult:
        """Render REQUEST.url; FetchError with a one-line reason when it cannot be."""
        loop = self._start()
        future = asyncio.run_coroutine_threadsafe(self._render(request), loop)
        with self._lock:
            self._pending.add(future)
        try:
            # The page's own time-outs fire first; this one catches a stuck driver.
            return future.result(timeout=request.timeout + LAUNCH_TIMEOUT + 2 * CLOSE_TIMEOUT)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise FetchError(
                f"timed out after {seconds(request.timeout)} s in the browser"
            ) from None
        except concurrent.futures.CancelledError:
            raise FetchError("the browser was closed before the page was rendered") from None
        finally:
            with self._lock:
                self._pending.discard(future)

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise FetchError("the browser was closed before the page was rendered")
            if self._failure:
                raise FetchError(self._failure)
            if self._loop is not None:
                return self._loop
            try:
                self._prepare()
            except FetchError as exc:
                self._failure = str(exc)
                raise
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=_run_loop, args=(loop,), name="atlas-browser", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
            return loop

    def _prepare(self) -> None:
        """Check the extra and Chromium, and write this run's launcher."""
        import importlib.util

        if importlib.util.find_spec("playwright") is None:
            raise FetchError(INSTALL_EXTRA)
        chromium = self._chromium or find_chromium()
        self._run_dir, self._launcher = prepare_run(chromium)

    def close(self) -> None:
        """Close the browser and stop its thread; safe to call twice, from any thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread, pending = self._loop, self._thread, list(self._pending)
        for future in pending:
            future.cancel()
        if loop is not None:
            try:
                done = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
                done.result(timeout=3 * CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001 - whatever happened, kill what is left below
                pass
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=CLOSE_TIMEOUT)
        if self._run_dir is not None:
            kill_launched(self._run_dir)
            shutil.rmtree(self._run_dir, ignore_errors=True)

    # -- the loop's side --------------------------------------------------------

    async def _ensure_browser(self):
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            browser = self._browser
            if browser is not None and browser.is_connected():
                return browser
            if self._failure:
                raise FetchError(self._failure)
            try:
                self._browser = await self._launch()
            except FetchError as exc:
                self._failure = str(exc)
                raise
            return self._browser

    async def _launch(self):
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        assert self._run_dir is not None and self._launcher is not None
        try:
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            env = dict(os.environ)
            env["XDG_CONFIG_HOME"] = str(self._run_dir / "config")  # crash reports stay here
            return await self._playwright.chromium.launch(
                executable_path=str(self._launcher),
                args=list(ARGS),
                env=env,
                timeout=LAUNCH_TIMEOUT * 1000,
            )
        except PlaywrightError as exc:
            shown = self._chromium or find_chromium()
            detail = first_line(exc).removeprefix("BrowserType.launch: ")
            raise FetchError(f"Chromium '{shown}' did not start ({detail})") from None

    async def _render(self, request: FetchRequest) -> FetchResult:
        from playwright.async_api import Error as PlaywrightError

        if self._slots is None:
            self._slots = asyncio.Semaphore(max(self._options.jobs, 1))
        async with self._slots:
            browser = await self._ensure_browser()
            url, credentials = split_credentials(request.url)
            try:
                context = await browser.new_context(
                    user_agent=self._options.user_agent,
                    service_workers="block",
                    accept_downloads=False,
                    http_credentials=credentials,
                )
            except PlaywrightError:
                raise FetchError(BROWSER_GONE) from None
            try:
                return await PageLoad(context, request, url).load()
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(context.close(), CLOSE_TIMEOUT)

    async def _shutdown(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT)
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), CLOSE_TIMEOUT)


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        with contextlib.suppress(Exception):
            loop.close()

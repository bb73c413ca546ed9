"""One page in its own browser context: load, settle, read; each failure one line.

Used by `browser.BrowserFetcher` inside its event loop (playwright's async API).
"""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus
from urllib.parse import unquote, urlsplit, urlunsplit

from conductatlas_cli.config.model import redact_url
from conductatlas_cli.errors import FetchError
from conductatlas_cli.fetch.http import FetchResult, parse_content_type
from conductatlas_cli.fetch.request import FetchRequest

CRASHED = "the browser's page crashed while rendering"
BROWSER_GONE = "the browser closed while rendering the page (it crashed or was killed)"
IDLE_CAP = 5.0  # seconds of waiting for an idle network after `load`
CLOSE_TIMEOUT = 5.0
_SKIPPED = {"image", "media", "font"}
_HTML = {"text/html", "application/xhtml+xml"}


class PageLoad:
    """One page in its own context: load, settle, read; every failure one line."""

    def __init__(self, context, request: FetchRequest, url: str):
        self.context = context
        self.request = request
        self.url = url
        self.loop = asyncio.get_running_loop()
        self.crashed: asyncio.Future = self.loop.create_future()
        self.started = self.loop.time()

    def left_ms(self) -> float:
        return max(self.request.timeout - (self.loop.time() - self.started), 0.05) * 1000

    async def load(self) -> FetchResult:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        stage = "load"
        try:
            page = await self.context.new_page()
            page.on("crash", self._on_crash)
            page.on("dialog", _dismiss)
            self.context.on("page", lambda other: None if other is page else _close_later(other))
            await self.context.route("**/*", _route)
            response = await self.race(
                page.goto(self.url, wait_until="load", timeout=self.left_ms())
            )
            if response is None:
                raise FetchError("the browser shows no page for this URL")
            if not 200 <= response.status <= 299:
                raise FetchError(_status_line(response.status, response.status_text))
            stage = "wait_for"
            if self.request.wait_for:
                waiting = page.wait_for_selector(
                    self.request.wait_for, state="attached", timeout=self.left_ms()
                )
                await self.race(waiting)
            else:
                idle = min(self.left_ms(), IDLE_CAP * 1000)
                with contextlib.suppress(PlaywrightTimeout):
                    await self.race(page.wait_for_load_state("networkidle", timeout=idle))
            stage = "read"
            try:
                served: bytes | None = await self.race(response.body())
            except PlaywrightError:
                served = None  # a body the browser no longer holds (rare): the DOM stands
            html = await self.race(page.content())
        except PlaywrightTimeout:
            raise FetchError(self._timeout_reason(stage)) from None
        except PlaywrightError as exc:
            raise FetchError(self._reason(exc)) from None
        return self._result(response, served, html.encode("utf-8"))

    def _result(self, response, served: bytes | None, rendered: bytes) -> FetchResult:
        limit = self.request.max_bytes
        if len(rendered) > limit or (served is not None and len(served) > limit):
            raise FetchError(f"page larger than {limit} bytes")
        mime, charset = parse_content_type(response.headers.get("content-type", ""))
        if mime not in _HTML and served is not None:
            # Text, JSON, XML: the browser only wraps them in <pre>; keep them as served.
            return FetchResult(
                url=redact_url(response.url),
                status=response.status,
                body=served,
                content_type=mime,
                charset=charset,
            )
        return FetchResult(
            url=redact_url(response.url),
            status=response.status,
            body=served if served is not None else b"",
            content_type="text/html",
            charset=charset,
            rendered=rendered,
        )

    def _on_crash(self, _page) -> None:
        if not self.crashed.done():
            self.crashed.set_result(None)

    async def race(self, awaitable):
        """AWAITABLE's result, or FetchError(CRASHED) as soon as the renderer crashes."""
        task = asyncio.ensure_future(awaitable)
        try:
            await asyncio.wait({task, self.crashed}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled (the run is closing): leave nothing unretrieved
            task.cancel()
            task.add_done_callback(_retrieve)
            raise
        if task.done():
            if self.crashed.done() and task.exception() is not None:
                raise FetchError(CRASHED)
            return task.result()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise FetchError(CRASHED)

    def _timeout_reason(self, stage: str) -> str:
        limit = seconds(self.request.timeout)
        if stage == "load":
            return f"timed out after {limit} s (the page did not finish loading)"
        if stage == "wait_for":
            return f"timed out after {limit} s waiting for '{self.request.wait_for}'"
        return f"timed out after {limit} s reading the rendered page"

    def _reason(self, exc: Exception) -> str:
        if self.crashed.done():
            return CRASHED
        return _error_reason(first_line(exc), self.url)


# -- helpers --------------------------------------------------------------------

_NET_ERRORS = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_CONNECTION_RESET": "connection reset",
    "ERR_CONNECTION_CLOSED": "connection closed without a response",
    "ERR_EMPTY_RESPONSE": "connection closed without a response",
    "ERR_TIMED_OUT": "timed out",
    "ERR_CONNECTION_TIMED_OUT": "timed out",
    "ERR_TOO_MANY_REDIRECTS": "too many redirects",
    "ERR_INVALID_RESPONSE": "invalid HTTP response",
    "ERR_INVALID_HTTP_RESPONSE": "invalid HTTP response",
    "ERR_UNSAFE_PORT": "the browser refuses this port",
    "ERR_SSL_PROTOCOL_ERROR": "tls error",
}


def _error_reason(message: str, url: str) -> str:
    """One line for a playwright error MESSAGE (its first line) about URL."""
    text = (
        message.split(": ", 1)[1] if message.startswith(("Page.", "BrowserContext.")) else message
    )
    lowered = text.lower()
    if "crash" in lowered:
        return CRASHED
    if "has been closed" in lowered or "connection closed" in lowered or "target closed" in lowered:
        return BROWSER_GONE
    if "download is starting" in lowered:
        return "the browser downloads this URL instead of showing it (a file: use render: http)"
    if "net::" in text:
        code = text.split("net::", 1)[1].split()[0]
        if code == "ERR_NAME_NOT_RESOLVED":
            return f"cannot resolve host '{urlsplit(url).hostname or ''}'"
        if code.startswith("ERR_CERT_"):
            return "tls certificate verification failed"
        return _NET_ERRORS.get(code, f"browser network error {code}")
    text = redact_url(text)
    return f"browser error: {text[:150]}"


def first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _status_line(status: int, text: str) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "".join(ch for ch in (text or "")[:40] if ch.isprintable())
    return f"HTTP {status} {phrase}".rstrip()


def split_credentials(url: str) -> tuple[str, dict[str, str] | None]:
    """(URL without user:password, playwright's http_credentials or None)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    creds = {"username": unquote(parts.username), "password": unquote(parts.password or "")}
    return bare, creds


def seconds(x: float) -> str:
    return f"{round(x, 1):g}"


def _retrieve(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


async def _dismiss(dialog) -> None:
    with contextlib.suppress(Exception):
        await dialog.dismiss()


def _close_later(page) -> None:
    async def close() -> None:
        with contextlib.suppress(Exception):
            await page.close()

    asyncio.ensure_future(close())


async def _route(route) -> None:
    with contextlib.suppress(Exception):
        if route.request.resource_type in _SKIPPED:
            await route.abort()
        else:
            await route.continue_()

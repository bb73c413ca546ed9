"""HTTP → a FetchResult: one GET with retries, redirects, a size cap and a deadline.

Public interface (used by `run`):

    make_session(*, user_agent: str, pool_size: int = 16, hosts: int = 0) -> requests.Session
    fetch_document(session, request: FetchRequest) -> FetchResult
        raises FetchError(reason) for anything that is not a usable 2xx/304. The
        request's `first_attempt` continues a retry sequence a scheduler requeued (the
        backoff goes on growing); `pause_host(seconds)` is told a server's Retry-After
        before `sleep(seconds)` waits (time.sleep when None; a scheduler's may raise to
        requeue instead). `wait_for` is the browser's alone.

Retries: connection errors, timeouts, a body cut short, 408, 429 and 5xx are retried
`retries` times, waiting 1, 2, 4 … s (capped at 30 s) or what Retry-After says (capped
at 60 s). When a wait would pass `deadline` (a time.monotonic() value) we give up with
the last error. Other 4xx, size and redirect problems fail at once.

Each request has a wall-clock limit of `timeout` seconds (never past `deadline`) that
also covers reading the body, so a server trickling bytes cannot hold us. Bodies are
read one socket read at a time and counted on the wire and after gzip/deflate
decoding, so a decompression bomb stops at `max_bytes`.

Redirects are followed here (at most 10), each hop must be http(s). Credentials in a
URL never appear in a reason; FetchResult.url is the final URL with them redacted.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import NoReturn
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import requote_uri

from conductatlas_cli.config.model import redact_url
from conductatlas_cli.errors import FetchError
from conductatlas_cli.fetch.request import FetchRequest

MAX_REDIRECTS = 10
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 60.0
CHUNK = 64 * 1024
DRAIN_MAX = 64 * 1024  # the longest unread body read away to keep its connection
_REDIRECTS = (301, 302, 303, 307, 308)
_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int  # 200..299 or 304
    body: bytes  # content-decoded body as served (empty on 304)
    content_type: str  # lower-case MIME type without parameters, "" when none
    charset: str | None  # charset declared in the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0
    rendered: bytes | None = None  # the browser's DOM after scripts ran (UTF-8 HTML)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's wish in seconds."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Session(requests.Session):
    """A session that reads the proxy environment once per host, not on every request.

    requests looks up `*_proxy`, `no_proxy` and the CA-bundle variables for each
    request, walking the whole environment twice; what it finds depends on the
    URL's scheme and host alone, and the environment does not change during a run.
    """

    def __init__(self) -> None:
        super().__init__()
        self._env_settings: dict[tuple, dict] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, repr(proxies), stream, repr(verify), repr(cert))
        found = self._env_settings.get(key)
        if found is None:
            found = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._env_settings[key] = found
        return {**found, "proxies": dict(found["proxies"])}


def make_session(*, user_agent: str, pool_size: int = 16, hosts: int = 0) -> requests.Session:
    """One session for all documents: pooled connections, no automatic retries.

    POOL_SIZE connections at most to one host; a pool kept for each of the run's HOSTS
    (a run visits its hosts in turn, and a pool dropped for another host's would
    reconnect for each document), within a share of the open-file limit.
    """
    session = _Session()
    pools = max(pool_size, min(hosts, _open_file_budget() // max(pool_size, 1)))
    adapter = HTTPAdapter(pool_connections=pools, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(
        {
            "User-Agent": user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.8",
        }
    )
    return session


def _open_file_budget() -> int:
    """Half the process's soft limit on open files: what idle pooled sockets may take."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 512 if soft == resource.RLIM_INFINITY else soft // 2


def fetch_document(session: requests.Session, request: FetchRequest) -> FetchResult:
    """GET the request's URL (conditionally when it has validators); FetchError with a reason."""
    start = time.monotonic()
    sleep = time.sleep if request.sleep is None else request.sleep
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    for attempt in range(min(request.first_attempt, request.retries), request.retries + 1):
        try:
            result = _follow(
                session, request.url, headers, request.timeout, request.max_bytes, request.deadline
            )
        except _Transient as exc:
            if attempt == request.retries:
                raise FetchError(exc.reason) from None
            wait = exc.retry_after
            if wait is None:
                wait = min(2.0**attempt, BACKOFF_CAP)
            wait = min(wait, RETRY_AFTER_CAP)
            if request.deadline is not None and time.monotonic() + wait > request.deadline:
                raise FetchError(exc.reason) from None
            if exc.retry_after is not None and request.pause_host is not None:
                request.pause_host(wait)
            sleep(wait)
            continue
        if result.status == 304:
            if not headers:
                raise FetchError("304 Not Modified without a prior request")
            result = replace(result, etag=result.etag or request.etag)
            result = replace(result, last_modified=result.last_modified or request.last_modified)
        return replace(result, elapsed=time.monotonic() - start)
    raise AssertionError("unreachable")  # pragma: no cover


def _follow(session, url, headers, timeout, max_bytes, deadline) -> FetchResult:
    """One attempt: the request and its redirect chain."""
    for _hop in range(MAX_REDIRECTS + 1):
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(f"not an http(s) URL {_quote(url)}")
        wall = time.monotonic() + timeout
        if deadline is not None:
            wall = min(wall, deadline)
        limit = max(wall - time.monotonic(), 0.0)
        if limit <= 0:
            raise FetchError("deadline reached before the request")
        try:
            resp = session.get(
                url,
                headers=headers,
                timeout=(limit, limit),
                stream=True,
                allow_redirects=False,
            )
        except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as exc:
            _raise_for(exc, limit, url)
        except ValueError:
            # requests parses a redirect's Location even with allow_redirects=False, and
            # urllib raises a bare ValueError for one like 'http://[::1'.
            raise FetchError("redirect to an invalid URL") from None
        try:
            status = resp.status_code
            if status in _REDIRECTS:
                _drain(resp)
                location = resp.headers.get("Location")
                if not location:
                    raise FetchError(f"{_status_line(resp)} without a Location header")
                # Percent-encode what a Location may smuggle in (ESC, spaces, controls), as
                # the request would: the URL is later shown in reasons and the JSON report.
                try:
                    url = requote_uri(urljoin(url, location.strip()))
                    scheme = urlsplit(url).scheme.lower()
                except ValueError:  # e.g. 'http://[::1' (an unclosed IPv6 host)
                    raise FetchError(f"redirect to an invalid URL {_quote(location)}") from None
                if scheme not in ("http", "https"):
                    raise FetchError(f"redirect to a non-http(s) URL {_quote(url)}")
                continue
            if status == 304:
                _drain(resp)
                return _result(resp, url, b"")
            if status in (408, 429) or 500 <= status <= 599:
                raise _Transient(_status_line(resp), _retry_after(resp))
            if not 200 <= status <= 299:
                raise FetchError(_status_line(resp))
            body = _read_body(resp, max_bytes, wall, limit, url)
            return _result(resp, url, body)
        finally:
            resp.close()
    raise FetchError("too many redirects")


def _drain(resp) -> None:
    """Read a bodiless or short answer (304, redirect) to its end: its connection is pooled.

    urllib3 gives a connection back to the pool once its body is read to the end (and
    closes it on a read error); `close` on an unread one closes it, and the next request
    to the host would connect anew.
    """
    length = 0 if resp.status_code == 304 else _content_length(resp)
    if length is not None and length <= DRAIN_MAX:
        resp.raw.drain_conn()


def _result(resp, url: str, body: bytes) -> FetchResult:
    content_type, charset = parse_content_type(resp.headers.get("Content-Type", ""))
    return FetchResult(
        url=redact_url(url),
        status=resp.status_code,
        body=body,
        content_type=content_type,
        charset=charset,
        etag=resp.headers.get("ETag"),
        last_modified=resp.headers.get("Last-Modified"),
    )


def _read_body(resp, max_bytes: int, wall: float, limit: float, url: str) -> bytes:
    """The decoded body, streamed: bounded in bytes on the wire, decoded, and time."""
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    supported = _ENCODINGS | set(getattr(resp.raw, "CONTENT_DECODERS", ()))
    for token in encoding.split(","):
        if token.strip() not in supported:
            raise FetchError(f"unsupported content-encoding {_quote(token.strip())}")
    length = _content_length(resp)
    if length is not None and length > max_bytes:
        raise FetchError(f"body larger than {_size(max_bytes)}")
    raw = resp.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    parts: list[bytes] = []
    total = 0
    _set_timeout(sock, min(wall - time.monotonic(), limit))
    try:
        for chunk in _chunks(raw):
            total += len(chunk)
            if raw.tell() > max_bytes or (total > max_bytes and encoding in ("", "identity")):
                raise FetchError(f"body larger than {_size(max_bytes)}")
            if total > max_bytes:
                raise FetchError(f"body decompresses to more than {_size(max_bytes)}")
            parts.append(chunk)
            remaining = wall - time.monotonic()
            if remaining <= 0:
                raise _Transient(f"timed out after {_seconds(limit)} s")
            _set_timeout(sock, min(remaining, limit))
    except (FetchError, _Transient):
        raise
    except (requests.RequestException, OSError, http.client.HTTPException) as exc:
        _raise_for(exc, limit, url)
    except urllib3.exceptions.DecodeError:
        raise FetchError(f"cannot decode the body (content-encoding {_quote(encoding)})") from None
    except urllib3.exceptions.HTTPError as exc:
        _raise_for(exc, limit, url)
    if length is not None and raw.tell() < length:
        raise _Transient("connection closed before the end of the body")
    if total == 0:
        raise FetchError("empty body")
    return b"".join(parts)


def _set_timeout(sock, seconds: float) -> None:
    """Shorten the socket's read timeout so one slow read cannot pass the wall limit."""
    if sock is not None:
        try:
            sock.settimeout(max(seconds, 0.001))
        except OSError:
            pass


def _chunks(raw):
    """Decoded chunks, one socket read at a time where urllib3 allows it (>= 2.3)."""
    read1 = getattr(raw, "read1", None)
    if read1 is None:  # pragma: no cover - older urllib3
        yield from raw.stream(CHUNK, decode_content=True)
        return
    while True:
        chunk = read1(CHUNK, decode_content=True)
        if not chunk:
            return
        yield chunk


def _raise_for(exc: BaseException, limit: float, url: str) -> NoReturn:
    """Turn a requests/urllib3/socket exception into FetchError or _Transient."""
    causes = _causes(exc)

    def has(*types) -> bool:
        return any(isinstance(c, types) for c in causes)

    if has(requests.exceptions.InvalidHeader):
        raise FetchError("invalid request header") from None
    if has(
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        urllib3.exceptions.LocationValueError,
    ):
        raise FetchError(f"invalid URL {_quote(url)}") from None
    if has(urllib3.exceptions.IncompleteRead, http.client.IncompleteRead):
        raise _Transient("connection closed before the end of the body") from None
    if has(http.client.RemoteDisconnected):
        raise _Transient("connection closed without a response") from None
    if has(ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        raise _Transient("connection reset") from None
    if has(ConnectionRefusedError):
        raise _Transient("connection refused") from None
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        host = urlsplit(url).hostname or ""
        raise _Transient(f"cannot resolve host {_quote(host)}") from None
    if has(requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError, socket.timeout):
        raise _Transient(f"timed out after {_seconds(limit)} s") from None
    if has(ssl.SSLCertVerificationError):
        raise FetchError("tls certificate verification failed") from None
    if has(ssl.SSLError, requests.exceptions.SSLError, urllib3.exceptions.SSLError):
        raise FetchError("tls error") from None
    if has(urllib3.exceptions.DecodeError):
        raise FetchError("cannot decode the body") from None
    if has(http.client.HTTPException, urllib3.exceptions.ProtocolError):
        raise _Transient("invalid HTTP response") from None
    raise _Transient(f"connection failed ({type(exc).__name__})") from None


def _causes(exc: BaseException) -> list[BaseException]:
    """EXC and everything it wraps (cause, context, exception arguments, .reason)."""
    seen: list[BaseException] = []
    stack: list[object] = [exc]
    while stack and len(seen) < 32:
        item = stack.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        stack += [item.__cause__, item.__context__, getattr(item, "reason", None)]
        stack += list(getattr(item, "args", ()))
    return seen


def _status_line(resp) -> str:
    try:
        phrase = HTTPStatus(resp.status_code).phrase
    except ValueError:
        phrase = "".join(ch for ch in str(resp.reason or "")[:40] if ch.isprintable())
    return f"HTTP {resp.status_code} {phrase}".rstrip()


def _retry_after(resp) -> float | None:
    value = (resp.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _content_length(resp) -> int | None:
    value = resp.headers.get("Content-Length")
    if value is None or "chunked" in resp.headers.get("Transfer-Encoding", "").lower():
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_content_type(value: str) -> tuple[str, str | None]:
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset":
            charset = arg.strip().strip("\"'").strip().lower() or None
    return mime.strip().lower(), charset


def _quote(text: str) -> str:
    text = redact_url(text)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > 200:
        text = text[:197] + "..."
    return f"'{text}'"


def _size(n: int) -> str:
    for unit, name in ((1 << 20, "MB"), (1_000_000, "MB"), (1 << 10, "KB"), (1000, "KB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} bytes"


def _seconds(x: float) -> str:
    return f"{round(x, 1):g}"

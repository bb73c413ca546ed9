"""fetch: retries, conditional requests, redirects, limits and charsets against a real server."""

from __future__ import annotations

import gzip
import resource
import socket
import struct
import sys
import time
import zlib
from email.utils import formatdate

import pytest
from conftest import LocalServer, Page

from conductatlas_cli.errors import FetchError
from conductatlas_cli.extract.charset import decode_text
from conductatlas_cli.fetch.http import fetch_document, make_session
from conductatlas_cli.fetch.request import FetchRequest

PAGE = "<html><body><h1>Usage Policy</h1><p>Do not misuse the service.</p></body></html>"


class Sleeps(list):
    """A `sleep` stand-in that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def session():
    s = make_session(user_agent="atlas-test/1.0")
    yield s
    s.close()


@pytest.fixture
def sleeps():
    return Sleeps()


def fetch(session, url, sleeps=None, **options):
    options.setdefault("timeout", 2.0)
    options.setdefault("max_bytes", 1_000_000)
    sleep = sleeps if sleeps is not None else Sleeps()
    return fetch_document(session, FetchRequest(url=url, sleep=sleep, **options))


def failure(session, url, sleeps=None, **options) -> str:
    with pytest.raises(FetchError) as info:
        fetch(session, url, sleeps, **options)
    return str(info.value)


def raw_handler(head: bytes, body: bytes = b"", *, pause: float = 0.0, reset: bool = False):
    """A route that writes HEAD and BODY itself, then optionally resets the connection."""

    def handler(h):
        h.close_connection = True
        try:
            h.wfile.write(head + body)
            h.wfile.flush()
            if reset:
                time.sleep(0.1)  # let the bytes leave before the reset discards them
                h.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                h.connection.close()
        except OSError:
            pass

    return handler


def test_ok_returns_body_type_and_validators(server, session):
    """A 200 gives the body, MIME type, charset, ETag and Last-Modified."""
    url = server.set(
        "/p",
        PAGE,
        content_type='Text/HTML; Charset="UTF-8"',
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 24 Nov 2026 10:00:00 GMT"},
    )
    result = fetch(session, url)
    assert result.status == 200
    assert result.body == PAGE.encode()
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 24 Nov 2026 10:00:00 GMT"
    assert result.url == url
    assert not result.not_modified
    assert result.elapsed > 0


def test_session_headers(server, session):
    """Requests carry our User-Agent and ask only for gzip/deflate encodings."""
    url = server.set("/p", PAGE)
    fetch(session, url)
    headers = server.requests[0][2]
    assert headers["User-Agent"] == "atlas-test/1.0"
    assert headers["Accept-Encoding"] == "gzip, deflate"


def test_conditional_request_sends_validators_and_handles_304(server, session):
    """ETag and Last-Modified are sent as If-None-Match/If-Modified-Since; 304 is unchanged."""
    url = server.set("/p", b"", status=304, headers={"ETag": '"v1"'})
    result = fetch(session, url, etag='"v1"', last_modified="Mon, 23 Nov 2026 10:00:00 GMT")
    headers = server.requests[0][2]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"
    assert result.status == 304 and result.not_modified
    assert result.body == b""
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 23 Nov 2026 10:00:00 GMT"


def test_304_without_validators_is_an_error(server, session):
    """A 304 answering an unconditional request is a failure, not 'unchanged'."""
    url = server.set("/p", b"", status=304)
    assert failure(session, url) == "304 Not Modified without a prior request"


def test_404_is_not_retried(server, session, sleeps):
    """A 404 fails at once with its status line and one request."""
    url = server.set("/gone", "nope", status=404)
    assert failure(session, url, sleeps) == "HTTP 404 Not Found"
    assert server.hits["/gone"] == 1
    assert sleeps == []


def test_500_then_200_is_retried(server, session, sleeps):
    """A 5xx is retried after a backoff and the later success is returned."""
    server.routes["/p"] = [Page("oops", status=500), Page(PAGE)]
    result = fetch(session, server.url("/p"), sleeps)
    assert result.body == PAGE.encode()
    assert server.hits["/p"] == 2
    assert sleeps == [1.0]


def test_503_exhausts_retries_with_exponential_backoff(server, session, sleeps):
    """A persistent 503 is tried retries+1 times, waiting 1, 2, 4 s, then fails."""
    url = server.set("/p", "busy", status=503)
    assert failure(session, url, sleeps, retries=3) == "HTTP 503 Service Unavailable"
    assert server.hits["/p"] == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_429_honours_retry_after_seconds(server, session, sleeps):
    """Retry-After in seconds sets the wait before the retry."""
    server.routes["/p"] = [Page("slow down", status=429, headers={"Retry-After": "7"}), Page(PAGE)]
    assert fetch(session, server.url("/p"), sleeps).status == 200
    assert sleeps == [7.0]


def test_retry_after_http_date_and_cap(server, session, sleeps):
    """Retry-After as an HTTP date is honoured; a huge value is capped at 60 s."""
    later = formatdate(time.time() + 20, usegmt=True)
    server.routes["/p"] = [
        Page("x", status=503, headers={"Retry-After": later}),
        Page("x", status=503, headers={"Retry-After": "86400"}),
        Page(PAGE),
    ]
    assert fetch(session, server.url("/p"), sleeps).status == 200
    assert 17 <= sleeps[0] <= 20
    assert sleeps[1] == 60.0


def test_wait_past_deadline_gives_up_with_last_error(server, session, sleeps):
    """When the next wait would pass the deadline, the last error is raised at once."""
    url = server.set("/p", "x", status=429, headers={"Retry-After": "30"})
    reason = failure(session, url, sleeps, deadline=time.monotonic() + 5)
    assert reason == "HTTP 429 Too Many Requests"
    assert sleeps == []
    assert server.hits["/p"] == 1


def test_connection_reset_mid_body(server, session, sleeps):
    """A connection reset while reading the body is retried, then reported as a reset."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n"
    server.routes["/p"] = raw_handler(head, b"x" * 100, reset=True)
    reason = failure(session, server.url("/p"), sleeps, retries=1)
    assert reason == "connection reset"
    assert server.hits["/p"] == 2


def test_read_timeout(server, session):
    """A server slower than the timeout fails with 'timed out after N s'."""
    url = server.set("/p", PAGE, delay=1.0)
    assert failure(session, url, timeout=0.3, retries=0) == "timed out after 0.3 s"


def test_byte_at_a_time_server_stops_at_the_wall_deadline(server, session):
    """A server trickling one byte per 50 ms cannot keep us past the request timeout."""

    def trickle(h):
        h.close_connection = True
        try:
            h.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n"
            )
            for _ in range(400):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    server.routes["/p"] = trickle
    started = time.monotonic()
    reason = failure(session, server.url("/p"), timeout=0.4, retries=0)
    assert reason == "timed out after 0.4 s"
    assert time.monotonic() - started < 2.0  # the whole body would take 20 s


def test_content_length_longer_than_body(server, session, sleeps):
    """A body cut short of its Content-Length is a failure, not a truncated page."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"
    server.routes["/p"] = raw_handler(head, b"<p>only part</p>")
    reason = failure(session, server.url("/p"), sleeps, retries=1)
    assert reason == "connection closed before the end of the body"
    assert sleeps == [1.0]


def test_redirect_chain_is_followed(server, session):
    """Absolute and relative redirects are followed to the final page, whose URL is kept."""
    server.set("/a", b"", status=301, headers={"Location": server.url("/b")})
    server.set("/b", b"", status=302, headers={"Location": "c"})
    server.set("/c", b"", status=307, headers={"Location": "/final"})
    final = server.set("/final", PAGE)
    result = fetch(session, server.url("/a"))
    assert result.url == final
    assert result.body == PAGE.encode()


def test_redirect_loop(server, session, sleeps):
    """A redirect loop stops after 10 hops with 'too many redirects'."""
    server.set("/loop", b"", status=302, headers={"Location": "/loop"})
    assert failure(session, server.url("/loop"), sleeps) == "too many redirects"
    assert server.hits["/loop"] == 11
    assert sleeps == []


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://example.com/x", "data:text/html,hi", "javascript:x"]
)
def test_redirect_to_other_scheme_is_refused(server, session, target):
    """A redirect to a non-http(s) URL fails, naming the URL, without following it."""
    url = server.set("/r", b"", status=302, headers={"Location": target})
    assert failure(session, url) == f"redirect to a non-http(s) URL '{target}'"
    assert server.hits["/r"] == 1


def test_credentials_never_in_the_reason(server, session):
    """User:password in the URL or a redirect target is redacted from the reason."""
    server.set("/r", b"", status=302, headers={"Location": "ftp://bob:hunter2@ftp.example/x"})
    reason = failure(session, server.url("/r").replace("://", "://alice:s3cret@"))
    assert reason == "redirect to a non-http(s) URL 'ftp://***@ftp.example/x'"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reason = failure(session, f"http://alice:s3cret@127.0.0.1:{port}/", retries=0)
    assert reason == "connection refused"


def test_oversize_streamed_body(server, session):
    """A body without Content-Length is cut off once it passes max_bytes."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
    server.routes["/p"] = raw_handler(head, b"x" * 300_000)
    assert failure(session, server.url("/p"), max_bytes=100 * 1024) == "body larger than 100 KB"


def test_oversize_chunked_body(server, session):
    """A chunked body is cut off once it passes max_bytes."""
    chunk = b"%x\r\n%s\r\n" % (50_000, b"y" * 50_000)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    server.routes["/p"] = raw_handler(head, chunk * 6 + b"0\r\n\r\n")
    assert failure(session, server.url("/p"), max_bytes=100_000) == "body larger than 100 KB"


def test_chunked_body_is_read_whole(server, session):
    """A chunked body under the limit arrives complete."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    server.routes["/p"] = raw_handler(head, b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    assert fetch(session, server.url("/p")).body == b"hello world"


def test_oversize_content_length_is_refused_up_front(server, session):
    """A Content-Length above max_bytes fails before any body is read."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 999999999\r\n\r\n"
    server.routes["/p"] = raw_handler(head, b"tiny")
    assert failure(session, server.url("/p"), max_bytes=10 << 20) == "body larger than 10 MB"


def test_gzip_body_is_decoded(server, session):
    """A gzip-encoded body is returned decompressed."""
    url = server.set("/p", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    assert fetch(session, url).body == PAGE.encode()


def gzip_bomb(megabytes: int) -> bytes:
    """A valid ~1 KB-per-MB gzip stream of zeros, built without inflating it in memory."""
    zeros = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)  # identical each time
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    trailer = b"\x03\x00" + struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)
    return first + block * (megabytes - 1) + trailer


def test_gzip_bomb_stops_at_max_bytes(server, session):
    """1 MB of gzip inflating to 1 GB stops at max_bytes without inflating it all."""
    bomb = gzip_bomb(1024)
    assert len(bomb) < 2 << 20
    url = server.set("/p", bomb, headers={"Content-Encoding": "gzip"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reason = failure(session, url, max_bytes=10 << 20)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    grown_mb = grown / (1 << 20) if sys.platform == "darwin" else grown / 1024
    assert reason == "body decompresses to more than 10 MB"
    assert grown_mb < 200


def test_corrupt_gzip(server, session, sleeps):
    """A body that is not the gzip it claims to be fails, naming the encoding."""
    url = server.set("/p", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    assert failure(session, url, sleeps) == "cannot decode the body (content-encoding 'gzip')"
    assert sleeps == []


def test_unsupported_content_encoding(server, session):
    """A Content-Encoding we cannot decode fails instead of returning encoded bytes."""
    url = server.set("/p", b"\x1f\x9d\x90", headers={"Content-Encoding": "compress"})
    assert failure(session, url) == "unsupported content-encoding 'compress'"


def test_redirect_without_location(server, session):
    """A redirect status without a Location header fails with its status line."""
    url = server.set("/p", b"", status=302)
    assert failure(session, url) == "HTTP 302 Found without a Location header"


def test_non_http_url_is_refused(session):
    """A URL that is not http(s) is refused before any request."""
    assert failure(session, "file:///etc/passwd") == "not an http(s) URL 'file:///etc/passwd'"


def test_bad_validator_is_not_retried(server, session, sleeps):
    """A stored ETag that cannot be sent as a header fails at once, without a request."""
    url = server.set("/p", PAGE)
    assert failure(session, url, sleeps, etag='"v1"\r\nX-Evil: 1') == "invalid request header"
    assert server.hits["/p"] == 0
    assert sleeps == []


@pytest.mark.parametrize("status", [200, 304], ids=["200", "304"])
def test_session_reuses_connections(server, session, status):
    """Two fetches through one session travel over one TCP connection, 304s too (a warm run)."""
    ports = []

    def page(h):
        ports.append(h.client_address[1])
        h.send_response(status)
        h.send_header("ETag", '"v1"')
        if status == 200:
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(PAGE)))
        h.end_headers()
        if status == 200:
            h.wfile.write(PAGE.encode())

    server.routes["/a"] = page
    server.routes["/b"] = page
    for path in ("/a", "/b"):
        assert fetch(session, server.url(path), etag='"v1"').status == status
    assert len(ports) == 2 and ports[0] == ports[1]


def test_empty_body(server, session, sleeps):
    """A 200 with no body is a failure."""
    url = server.set("/p", b"")
    assert failure(session, url, sleeps) == "empty body"


# -- charsets -----------------------------------------------------------------------

WESTERN = (
    "<p>The \u201cService\u201d costs \u20ac10 \u2014 that\u2019s final. Caf\u00e9 na\u00efve.</p>"
)
JAPANESE = "<p>\u5229\u7528\u898f\u7d04\u3002\u3053\u306e\u30b5\u30fc\u30d3\u30b9\u3092\u5229\u7528\u3059\u308b\u524d\u306b\u304a\u8aad\u307f\u304f\u3060\u3055\u3044\u3002</p>"


def test_windows_1252_without_declaration():
    """Undeclared windows-1252 (curly quotes, euro) decodes as windows-1252."""
    body = f"<html><body>{WESTERN}</body></html>".encode("cp1252")
    assert decode_text(body, declared=None) == f"<html><body>{WESTERN}</body></html>"


def test_latin1_declaration_means_windows_1252():
    """A page declared ISO-8859-1 is read as windows-1252, as browsers do."""
    body = WESTERN.encode("cp1252")
    assert decode_text(body, declared="iso-8859-1") == WESTERN


def test_shift_jis_declared_in_meta():
    """A Shift-JIS page declared only in <meta http-equiv> decodes correctly."""
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        f"</head><body>{JAPANESE}</body></html>"
    )
    assert decode_text(html.encode("shift_jis"), declared=None) == html


def test_utf8_page_misdeclared_as_latin1_in_header(server, session):
    """Valid UTF-8 declared ISO-8859-1 in the header is read as UTF-8, not mojibake."""
    text = f"<html><body>{WESTERN}{JAPANESE}</body></html>"
    url = server.set("/p", text, content_type="text/html; charset=ISO-8859-1")
    result = fetch(session, url)
    assert result.charset == "iso-8859-1"
    assert decode_text(result.body, declared=result.charset) == text


@pytest.mark.parametrize(
    ("body", "declared", "expected"),
    [
        (b"\xef\xbb\xbfhello \xc3\xa9", "iso-8859-1", "hello \u00e9"),
        ("hello \u00e9".encode("utf-16"), None, "hello \u00e9"),
        ("caf\u00e9".encode("cp1252"), "utf-8", "caf\u00e9"),  # mis-declared UTF-8 falls through
        (
            f"<meta charset='utf-8'>{WESTERN}".encode(),
            "bogus-charset",
            f"<meta charset='utf-8'>{WESTERN}",
        ),
        (JAPANESE.encode("euc_jp"), "euc-jp", JAPANESE),
        (
            "\u041f\u0440\u0430\u0432\u0438\u043b\u0430 \u0438\u0441\u043f\u043e\u043b\u044c\u0437\u043e\u0432\u0430\u043d\u0438\u044f \u0441\u0435\u0440\u0432\u0438\u0441\u0430".encode(
                "cp1251"
            ),
            "windows-1251",
            "\u041f\u0440\u0430\u0432\u0438\u043b\u0430 \u0438\u0441\u043f\u043e\u043b\u044c\u0437\u043e\u0432\u0430\u043d\u0438\u044f \u0441\u0435\u0440\u0432\u0438\u0441\u0430",
        ),
        (b"plain ascii", None, "plain ascii"),
    ],
)
def test_decode_text_precedence(body, declared, expected):
    """BOM, then UTF-8 validity, then header, then <meta>, then detection."""
    assert decode_text(body, declared=declared) == expected


def test_utf8_page_with_one_broken_byte_stays_utf8():
    """A UTF-8 page with one invalid byte keeps its accents (U+FFFD for the byte only)."""
    text = "Données personnelles — « accès » et rectification. " * 20
    body = text.encode("utf-8") + b"\xff" + b"Fin."
    decoded = decode_text(body, declared="utf-8")
    assert decoded.startswith("Données personnelles — « accès »")
    assert decoded.count("\ufffd") == 1


def test_windows_1252_is_not_mistaken_for_broken_utf8():
    """A windows-1252 page (no valid multi-byte sequences) is still read as windows-1252."""
    body = "Données “personnelles” – accès.".encode("cp1252")
    assert decode_text(body, declared=None) == "Données “personnelles” – accès."


def test_proxy_environment_is_honoured_on_every_request(server, monkeypatch):
    """`http_proxy` reaches each request (read once per host): both go through the proxy."""
    monkeypatch.setenv("http_proxy", server.url())
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    server.set("http://atlas.invalid/a", PAGE)
    server.set("http://atlas.invalid/b", PAGE)
    proxied = make_session(user_agent="atlas-test/1.0")
    try:
        for path in ("/a", "/b", "/a"):
            assert fetch(proxied, f"http://atlas.invalid{path}").body == PAGE.encode()
    finally:
        proxied.close()
    assert [p for _, p, _ in server.requests] == [
        "http://atlas.invalid/a",
        "http://atlas.invalid/b",
        "http://atlas.invalid/a",
    ]


def test_a_run_over_many_hosts_keeps_one_connection_per_host():
    """Documents fetched host after host, in turns: each host's second request reuses its connection."""
    servers = [LocalServer(host=f"127.0.0.{i}") for i in range(2, 26)]
    peers: dict[str, set[int]] = {srv.host: set() for srv in servers}

    def answer(srv):
        def route(h):
            peers[srv.host].add(h.client_address[1])
            body = PAGE.encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return route

    session = make_session(user_agent="atlas-test/1.0", pool_size=4, hosts=len(servers))
    try:
        for srv in servers:
            srv.routes["/p"] = answer(srv)
        for _turn in range(2):
            for srv in servers:
                assert fetch(session, srv.url("/p")).body == PAGE.encode()
    finally:
        session.close()
        for srv in servers:
            srv.close()
    assert {host: len(ports) for host, ports in peers.items()} == {s.host: 1 for s in servers}

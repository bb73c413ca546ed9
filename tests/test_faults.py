"""A fault matrix through `atlas fetch`: real sockets, the real local server, real git.

Every fault is injected on one document (BAD) while another (GOOD) changes; each
test ends with `FaultBench.assert_survived`, which checks the invariants listed in
tests/faultcheck.py. Process-level faults (kill -9, SIGINT, two runs, ulimit)
are in test_faults_process.py.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import Page
from faultcheck import (
    BAD,
    GOOD,
    FaultBench,
    assert_consistent,
    assert_no_escape_in_json,
    assert_plain_output,
    git,
    policy_html,
    run_cli,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Examples per fuzz test (sources.yaml fuzzing runs twice as many); raise it locally.
FUZZ_EXAMPLES = int(os.environ.get("ATLAS_FUZZ_EXAMPLES", "30"))


@pytest.fixture
def bench(in_project, server) -> FaultBench:
    """Both documents recorded once; /bad is ready to be broken."""
    return FaultBench(in_project, server)


# -- raw response writers ------------------------------------------------------------


def _absorb(h) -> None:
    """After we closed the socket ourselves, let the handler finish quietly."""
    h.wfile = io.BytesIO()
    h.close_connection = True


def _head(h, *, length: int | None, ctype: str = "text/html; charset=utf-8", extra=()) -> None:
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    if length is not None:
        h.send_header("Content-Length", str(length))
    for name, value in extra:
        h.send_header(name, value)
    h.end_headers()


def stall_mid_body(h) -> None:
    """Headers and half the body, then silence longer than the timeout."""
    body = policy_html(2).encode()
    _head(h, length=len(body))
    h.wfile.write(body[: len(body) // 2])
    h.wfile.flush()
    time.sleep(1.5)
    _absorb(h)


def byte_at_a_time(h) -> None:
    """One byte every 50 ms: each read succeeds, the whole never arrives in time."""
    body = policy_html(2).encode()
    _head(h, length=len(body))
    try:
        for i in range(60):
            h.wfile.write(body[i : i + 1])
            h.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass
    _absorb(h)


def reset_mid_body(h) -> None:
    """Half the body, then a TCP RST (SO_LINGER 0)."""
    body = policy_html(2).encode()
    _head(h, length=len(body))
    h.wfile.write(body[: len(body) // 2])
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    _absorb(h)


def short_body(h) -> None:
    """Content-Length says 2x the bytes sent, then the connection closes."""
    body = policy_html(2).encode()
    _head(h, length=2 * len(body))
    h.wfile.write(body)
    h.wfile.flush()
    h.connection.shutdown(socket.SHUT_RDWR)
    _absorb(h)


def not_http(h) -> None:
    """Bytes that are not an HTTP response at all."""
    h.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff garbage\r\n\r\n")
    h.wfile.flush()
    h.connection.shutdown(socket.SHUT_RDWR)
    _absorb(h)


def endless_chunks(h) -> None:
    """A chunked body without Content-Length that goes on for 50 MB."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"<p>" + b"policy words " * 5000 + b"</p>"
    try:
        h.wfile.write(b"c\r\n<html><body>\r\n")
        sent = 0
        while sent < 50 * 1024 * 1024:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        h.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass
    _absorb(h)


# -- network and HTTP faults ---------------------------------------------------------


@pytest.fixture
def refusing_url():
    """A port on 127.0.0.1 with nothing listening: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/policy"


@pytest.fixture
def never_accepting_url():
    """A listening socket that never accepts, its backlog full: SYNs are dropped."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    for _ in range(8):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/policy"
    for c in fillers:
        c.close()
    sock.close()


def test_connection_refused(bench, refusing_url):
    """A refused connection fails the document with 'connection refused'."""
    bench.write_sources(bad_url=refusing_url)
    bench.assert_survived(bench.fetch(), cause="connection refused")


def test_connect_timeout(bench, never_accepting_url):
    """A host that never completes the handshake fails with 'timed out' within the deadline."""
    bench.write_sources(bad_url=never_accepting_url)
    started = time.monotonic()
    result = bench.fetch()
    assert time.monotonic() - started < 8
    bench.assert_survived(result, cause="timed out")


@pytest.mark.parametrize(
    ("handler", "cause"),
    [
        pytest.param(stall_mid_body, "timed out", id="read-timeout-mid-body"),
        pytest.param(byte_at_a_time, "timed out", id="byte-at-a-time"),
        pytest.param(reset_mid_body, "connection (reset|closed)", id="reset-mid-body"),
        pytest.param(short_body, "connection closed before the end", id="content-length-long"),
        pytest.param(not_http, "invalid HTTP response|connection", id="not-http"),
    ],
)
def test_broken_transfers(bench, server, handler, cause):
    """A transfer that stalls, trickles, is reset or cut short fails that document only."""
    server.routes["/bad"] = handler
    started = time.monotonic()
    result = bench.fetch()
    assert time.monotonic() - started < 10
    bench.assert_survived(result, cause=cause)


RAW_REPLIES = {
    "negative-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: -5\r\n\r\nhello",
        "too short|invalid",
    ),
    "two-content-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        "invalid",
    ),
    "bad-chunk-size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "connection closed|invalid",
    ),
    "200-headers": (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-%d: a\r\n" % i for i in range(200))
        + b"Content-Length: 5\r\n\r\nhello",
        "invalid HTTP response",
    ),
    "70-KB-header": (
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\nContent-Length: 5\r\n\r\nhi",
        "invalid HTTP response",
    ),
    "status-line-with-escape": (
        b"HTTP/1.1 999 Weird\x1b[2J\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP 999",
    ),
    "http-0.9": (b"<html>hello</html>", "invalid HTTP response"),
    "bad-gzip": (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
        "cannot decode the body",
    ),
    "brotli-not-offered": (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 5\r\n\r\nhello",
        "unsupported content-encoding",
    ),
    "redirect-without-location": (
        b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
        "without a Location",
    ),
    "redirect-to-broken-ipv6": (
        b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
        "redirect to an invalid URL",
    ),
    "redirect-to-port-99999": (
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/\r\nContent-Length: 0\r\n\r\n",
        "invalid URL",
    ),
    "retry-after-10^22": (
        b"HTTP/1.1 503 X\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n",
        "HTTP 503",
    ),
    "retry-after-year-9999": (
        b"HTTP/1.1 503 X\r\nRetry-After: Wed, 21 Oct 9999 07:28:00 GMT\r\nContent-Length: 0"
        b"\r\n\r\n",
        "HTTP 503",
    ),
    "retry-after-negative": (
        b"HTTP/1.1 429 X\r\nRetry-After: -1\r\nContent-Length: 0\r\n\r\n",
        "HTTP 429",
    ),
}


def _raw(reply: bytes):
    def handler(h) -> None:
        h.wfile.write(reply)
        h.wfile.flush()
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        _absorb(h)

    return handler


@pytest.mark.parametrize("name", RAW_REPLIES)
def test_malformed_replies(bench, server, name):
    """Malformed status lines, headers, encodings and redirects fail that document, in one line."""
    reply, cause = RAW_REPLIES[name]
    server.routes["/bad"] = _raw(reply)
    bench.assert_survived(bench.fetch(), cause=cause)


def test_redirect_loop(bench, server):
    """A redirect loop fails with 'too many redirects'."""
    server.set("/bad", status=302, headers={"Location": "/bad"})
    bench.assert_survived(bench.fetch(), cause="too many redirects")


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://127.0.0.1/policy", "gopher://127.0.0.1/", "javascript:alert(1)"],
)
def test_redirect_to_another_scheme(bench, server, target):
    """A redirect to file://, ftp:// or any non-http scheme is refused, not followed."""
    server.set("/bad", status=301, headers={"Location": target})
    bench.assert_survived(bench.fetch(), cause="redirect to a non-http")


@pytest.mark.parametrize("status", [401, 403, 404, 410, 500, 503])
def test_http_error_status(bench, server, status):
    """An HTTP error status fails the document with that status in the line."""
    server.set("/bad", "<html><body>error</body></html>", status=status)
    bench.assert_survived(bench.fetch(), cause=f"HTTP {status}")


def test_429_with_long_retry_after_gives_up_at_once(bench, server):
    """429 with a Retry-After past the deadline fails at once instead of sleeping."""
    server.set("/bad", "slow down", status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = bench.fetch()
    assert time.monotonic() - started < 5
    bench.assert_survived(result, cause="HTTP 429")
    assert server.hits["/bad"] == 2  # the first recording fetch, then one attempt


def test_429_with_short_retry_after_is_retried(bench, server):
    """429 with Retry-After: 0 is retried `retries` times, then fails."""
    server.set("/bad", "slow down", status=429, headers={"Retry-After": "0"})
    bench.assert_survived(bench.fetch(), cause="HTTP 429")
    assert server.hits["/bad"] == 1 + 2


def test_429_without_retry_after(bench, server):
    """429 without Retry-After backs off (1 s) within the deadline, then fails."""
    server.set("/bad", "slow down", status=429)
    bench.assert_survived(bench.fetch(), cause="HTTP 429")


def test_304_without_a_prior_etag(bench, server):
    """A 304 to an unconditional request is a failure, not 'unchanged' with nothing to show."""
    server.set("/bad", status=304)
    bench.assert_survived(bench.fetch(), cause="304")


# -- content faults -------------------------------------------------------------------

GZIP_BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


@pytest.mark.parametrize(
    ("page", "cause"),
    [
        pytest.param(Page(body=b""), "empty body", id="zero-bytes"),
        pytest.param(
            Page(body=GZIP_BOMB, headers={"Content-Encoding": "gzip"}),
            "decompresses to more than",
            id="gzip-bomb",
        ),
        pytest.param(
            Page(body=b"x" * 1000, headers={"Content-Length": str(50 * 1024 * 1024)}),
            "larger than",
            id="50MB-declared",
        ),
        pytest.param(Page(handler=endless_chunks), "larger than", id="50MB-chunked"),
        pytest.param(
            Page(body=b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="text/html"),
            "not a readable PDF",
            id="corrupt-pdf-as-html",
        ),
        pytest.param(
            Page(body=bytes(range(256)) * 50, content_type="application/octet-stream"),
            "no text to extract|not text in any charset",
            id="binary",
        ),
        pytest.param(
            Page(
                body="<html><title>Just a moment...</title><body><p>Checking your browser "
                "before accessing the site.</p></body></html>"
            ),
            "bot wall",
            id="just-a-moment",
        ),
        pytest.param(
            Page(
                body="<html><body><div class='g-recaptcha'></div><p>Please complete the "
                "security check to access this site.</p></body></html>"
            ),
            "captcha|bot wall",
            id="captcha",
        ),
        pytest.param(
            Page(
                body="<html><title>Access Denied</title><body><h1>Access Denied</h1><p>You "
                "don't have permission to access this server.</p></body></html>"
            ),
            "access.denied",
            id="access-denied",
        ),
        pytest.param(
            Page(
                body="<html><title>Sign in</title><body><form><p>Please sign in to continue."
                "</p><input name=user><input name=password type=password></form></body></html>"
            ),
            "login wall",
            id="login-page",
        ),
        pytest.param(
            Page(
                body="<html><title>Page not found</title><body><h1>Page not found</h1><p>The "
                "page you are looking for does not exist. Go back home.</p></body></html>"
            ),
            "error page",
            id="soft-404",
        ),
    ],
)
def test_junk_is_never_recorded(bench, server, page, cause):
    """Empty, oversized, binary, corrupt or wall pages fail; the last good snapshot stays."""
    server.routes["/bad"] = page
    bench.assert_survived(bench.fetch(), cause=cause)


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf(bench, server):
    """An encrypted PDF fails with a line saying it needs a password."""
    server.set("/bad", _encrypted_pdf(), content_type="application/pdf")
    bench.assert_survived(bench.fetch(), cause="encrypted PDF")


def test_page_95_percent_shorter_is_held_then_forced(bench, server):
    """A page that suddenly loses 95% of its words is held (exit 1); --force records it."""
    server.set(
        "/bad",
        "<html><body><main><h1>Usage Policy</h1><p>This page has moved to a new home. "
        "Please see our updated documentation for every operator and user.</p>"
        "<p>Read the new policy on the developer portal today.</p></main></body></html>",
    )
    bench.project.write_sources(
        {
            "acme": {"documents": {"usage-policy": {"url": bench.bad_url, "min_chars": 50}}},
            "other": {"documents": {"terms": server.url("/good")}},
        },
        settings={"timeout": 0.5, "retries": 1},
    )
    bench.assert_survived(
        bench.fetch(),
        cause=r"would keep \d+ of the document's \d+ words and \d+% of its sentences.*--force",
        status="held back",
    )
    forced = bench.fetch("--force", change_good=False)
    assert forced.exit_code == 0, forced.output
    assert len(bench.commits(BAD)) == len(bench.bad_commits) + 1
    assert "moved to a new home" in bench.snapshot(BAD).read_text()
    assert_consistent(bench.root)


def _recorded_text(bench, server, body, **page) -> str:
    """Serve BODY at /bad, fetch, and return the recorded snapshot (exit 0, consistent)."""
    server.set("/bad", body, **page)
    result = bench.fetch()
    assert result.exit_code == 0, result.output
    assert_plain_output(result.output)
    assert_consistent(bench.root)
    assert len(bench.commits(BAD)) == len(bench.bad_commits) + 1
    text = bench.snapshot(BAD).read_text(encoding="utf-8")
    assert "\ufffd" not in text or "invalid" in text
    return text


def test_invalid_utf8_is_recorded_as_valid_text(bench, server):
    """Invalid UTF-8 bytes in a declared-UTF-8 page give valid UTF-8 text, no crash."""
    body = policy_html(2).replace("operator who", "opérateur who").encode("utf-8")
    body = body.replace(b"delete them", b"delete \xff\xfe\xc3 them", 1)
    server.set("/bad", body)
    result = bench.fetch()
    assert result.exit_code == 0, result.output
    assert_consistent(bench.root)
    text = bench.snapshot(BAD).read_bytes().decode("utf-8")  # valid UTF-8 or this raises
    assert "32 days" in text


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("cp1252", "utf-8"),
        ("utf-8", "iso-8859-1"),
        ("cp1252", "shift_jis"),
        ("cp1252", "utf-16"),
        ("utf-8", "utf-32"),
        ("utf-8", "punycode"),
        ("utf-8", "undefined"),
        ("cp1252", "base64"),
        ("utf-8", "no-such-charset"),
    ],
)
def test_wrongly_declared_charset(bench, server, encoding, declared):
    """A page whose header charset is wrong is still read right ('café', curly quote)."""
    html = policy_html(2).replace("operator who", "café operator’s who")
    text = _recorded_text(
        bench, server, html.encode(encoding), content_type=f"text/html; charset={declared}"
    )
    assert "café operator" in text


def test_html_nested_100000_levels(bench, server):
    """100 000 nested <div>s end in a failure or a recording, never a crash."""
    deep = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
    html = policy_html(2).replace("</main>", deep + "</main>")
    server.set("/bad", html)
    result = bench.fetch()
    assert result.exit_code in (0, 1), result.output
    assert_plain_output(result.output)
    assert_consistent(bench.root)
    if result.exit_code == 0:
        assert "32 days" in bench.snapshot(BAD).read_text()
    else:  # today: libxml2's depth limit, one line
        bench.assert_survived(result, cause="nested|depth|limit")


def test_single_20_mb_line(bench, server):
    """A 20 MB page on one line (max_bytes raised to let it through) ends cleanly."""
    bench.write_sources({"max_bytes": 32 * 1024 * 1024})
    line = "<p>" + " ".join(f"word{i % 9973}" for i in range(2_500_000)) + "</p>"
    html = policy_html(2).replace("</main>", line + "</main>")
    assert len(html) > 20_000_000
    server.set("/bad", html)
    started = time.monotonic()
    result = bench.fetch()
    assert time.monotonic() - started < 60
    assert result.exit_code in (0, 1), result.output
    assert_plain_output(result.output)
    assert_consistent(bench.root)
    if result.exit_code == 1:  # today: libxml2's buffer limit, one line
        bench.assert_survived(result, cause="limit")


def test_pdf_served_as_html_is_read_as_pdf(bench, server):
    """A real PDF served as text/html is read as a PDF (by its %PDF- magic), not as markup."""
    pdf = _text_pdf("Usage Policy. Operators must keep records for 45 days and then delete them.")
    bench.project.write_sources(
        {
            "acme": {"documents": {"usage-policy": {"url": bench.bad_url, "min_chars": 20}}},
            "other": {"documents": {"terms": server.url("/good")}},
        },
        settings={"timeout": 0.5, "retries": 1, "jobs": 2},
    )
    server.set("/bad", pdf, content_type="text/html")
    result = bench.fetch("--force")
    assert result.exit_code == 0, result.output
    assert_consistent(bench.root)
    text = bench.snapshot(BAD).read_text()
    assert "45 days" in text and "%PDF" not in text and "obj" not in text


def _text_pdf(text: str) -> bytes:
    """A minimal one-page PDF with TEXT in Helvetica (hand-written objects, valid xref)."""
    stream = f"BT /F1 10 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_fragments = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<h2>",
        "</h2>",
        "<div>",
        "<li>",
        "<table><tr><td>",
        "<script>x=1</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "&amp;",
        "&#0;",
        "&#x1b;",
        "&#xd800;",
        "\x1b[2J",
        "\x9b",
        "\u202e",
        "\x00",
        "\ufeff",
        "[red]",
        "%PDF-",
        "policy clause",
        "operator",
        "\n",
        " ",
        "é",
        "\U0001f600",
    ]
)
_bodies = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(_fragments, st.text(max_size=20)), max_size=60).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    ),
)
_types = st.sampled_from(
    [
        "text/html; charset=utf-8",
        "text/html",
        "text/plain",
        "text/markdown",
        "application/pdf",
        "application/xhtml+xml",
        "application/json",
        "text/html; charset=utf-16",
        "image/png",
        "",
    ]
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_bodies, ctype=_types)
def test_random_pages_never_break_the_archive(bench, server, body, ctype):
    """Random bytes and tag soup under any content type: exit 0 or 1, one line per
    document, no control character in the snapshot, the archive consistent."""
    before = bench.snapshot(BAD).read_bytes()
    commits = bench.commits(BAD)
    server.set("/bad", body + b" " + policy_html(2).encode(), content_type=ctype)
    result = bench.fetch("--force")
    assert result.exit_code in (0, 1), result.output
    assert_plain_output(result.output)
    assert_consistent(bench.root)
    (line,) = [x for x in result.output.splitlines() if BAD in x]
    text = bench.snapshot(BAD).read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    if line.startswith("failed"):
        assert bench.snapshot(BAD).read_bytes() == before and bench.commits(BAD) == commits
    if line.startswith(("changed", "new")):
        assert len(bench.commits(BAD)) == len(commits) + 1


# -- terminal escapes and rich markup in a page ----------------------------------------

EVIL = (
    "\x1b[2J\x1b[31mCLEARED\x1b[0m \x1b]8;;http://evil.example\x1b\\click me\x1b]8;;\x1b\\ "
    "[red]not red[/red] [link=http://evil.example]not a link[/link] [bold]b[/bold]\x07\x9b31m"
)


def test_escapes_and_markup_in_a_page_are_data(bench, server):
    """ESC sequences never reach the snapshot or any output; rich markup prints literally."""
    html = policy_html(2).replace(
        "<h2>4. Liability</h2>", f"<h2>4. Liability {EVIL}</h2><p>Extra clause {EVIL}.</p>"
    )
    server.set("/bad", html)
    plain = bench.fetch()
    assert plain.exit_code == 0, plain.output
    assert_plain_output(plain.output)
    snapshot = bench.snapshot(BAD).read_text()
    assert "\x1b" not in snapshot and "\x9b" not in snapshot and "\x07" not in snapshot
    assert "[red]not red[/red]" in snapshot and "[link=http://evil.example]" in snapshot
    assert_consistent(bench.root)
    message = git(bench.root, "log", "-1", "--format=%B", "--", f"snapshots/{BAD}.md")
    assert "\x1b" not in message
    # The JSON report of a run that records the next change.
    server.set("/bad", html.replace("Extra clause", "Another clause"))
    as_json = bench.fetch("--json")
    report = json.loads(as_json.stdout)
    assert_no_escape_in_json(report)
    assert "\\u001b" not in as_json.stdout
    # atlas diff, in every format: no ESC, markup literal.
    for fmt in ("plain", "markdown", "rich"):
        shown = run_cli("diff", BAD, "--from", "~2", "--format", fmt)
        assert shown.exit_code == 0, shown.output
        assert_plain_output(shown.output)
        literal = "\\[red\\]not red\\[/red\\]" if fmt == "markdown" else "[red]not red[/red]"
        assert literal in shown.output, shown.output
    shown = run_cli("diff", BAD, "--from", "~2", "--format", "json")
    assert_no_escape_in_json(json.loads(shown.stdout))
    for command in (("log",), ("show", BAD), ("status",)):
        out = run_cli(*command)
        assert_plain_output(out.output)


def test_escapes_in_a_table_on_a_terminal(bench, server):
    """On a real terminal (pty) the fetch table and a coloured diff carry only SGR escapes."""
    import pty

    html = policy_html(2).replace("<h2>4. Liability</h2>", f"<h2>4. Liability {EVIL}</h2>")
    server.set("/bad", html)
    bench.server.set("/good", policy_html(9, title="Terms"))
    outputs = []
    for args, term_env in (
        (["fetch"], {"TERM": "dumb", "NO_COLOR": "1"}),
        (["diff", BAD], {"TERM": "xterm-256color", "NO_COLOR": "", "FORCE_COLOR": "1"}),
    ):
        leader, follower = pty.openpty()
        env = {**os.environ, **term_env, "COLUMNS": "200"}
        if not env["NO_COLOR"]:
            del env["NO_COLOR"]
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("atlas")), *args],
            cwd=bench.root,
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
        os.close(leader)
        out = b"".join(chunks).decode("utf-8", "replace")
        err = proc.stderr.read().decode("utf-8", "replace")
        assert proc.returncode in (0, 1), (out, err)
        assert_plain_output(err)
        outputs.append(out)
    table, coloured = outputs
    assert "\x1b" not in table, repr(table)
    assert re.match(r"\s*status +document +words +what", table), table  # rich's table
    assert re.search(rf"changed +{BAD}", table), table
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", coloured)  # rich's own SGR colours
    assert "\x1b" not in stripped and "\x07" not in coloured, repr(coloured)
    assert "[red]not red[/red]" in stripped
    assert "[link=http://evil.example]not a link[/link]" in stripped


def test_escapes_in_a_wall_title(bench, server):
    """A bot wall whose <title> carries ESC and a bidi override: the reason shows neither."""
    server.set(
        "/bad",
        "<html><title>Just a moment\x1b[2J\u202etxt.exe\x1b]8;;http://evil\x07</title>"
        "<body><p>Checking your browser.</p></body></html>",
    )
    result = bench.fetch("--json")
    assert_no_escape_in_json(json.loads(result.stdout))
    assert "\u202e" not in result.stdout and "\\u202e" not in result.stdout
    bench.baseline()
    result = bench.fetch()
    assert "\u202e" not in result.output
    bench.assert_survived(result, cause="bot wall")


def test_escapes_in_a_redirect_location(bench, server):
    """ESC sequences in a Location header reach no output, JSON report or state file."""
    server.set("/bad", status=302, headers={"Location": "/moved\x1b[2J\x1b]8;;http://evil\x1b\\x"})
    server.set(
        "/moved%1B%5B2J%1B%5D8;;http://evil%1B%5Cx", b"%PDF-1.4 cut", content_type="application/pdf"
    )
    result = bench.fetch("--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert_no_escape_in_json(report)
    state = json.loads((bench.root / ".atlas" / "state.json").read_text())
    assert_no_escape_in_json(state)
    bench.baseline()
    bench.assert_survived(bench.fetch(), cause="not a readable PDF")
    assert_plain_output(run_cli("status").output)


# -- disk and git faults ---------------------------------------------------------------


def test_read_only_platform_folder(bench):
    """A folder atlas cannot write in fails that document; the others are recorded.

    Tests run as root here, where chmod does not stop writes, so the folder is made
    immutable with `chattr +i` (which stops root too); a non-root user gets chmod 555.
    As root without a working chattr it is skipped, saying so.
    """
    folder = bench.root / "snapshots" / "acme"
    locked = _make_read_only(folder)
    try:
        (bench.root / "snapshots" / "acme" / "probe").touch()
    except OSError:
        pass
    else:
        pytest.fail(f"could not make '{folder}' read-only ({locked})")
    try:
        bench.server.set("/bad", policy_html(2))
        bench.assert_survived(bench.fetch(), cause="cannot write in .*acme")
    finally:
        _undo_read_only(folder, locked)
    again = bench.fetch()
    assert again.exit_code == 0, again.output
    assert_consistent(bench.root)


def _make_read_only(folder) -> str:
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return "chmod"
    if shutil.which("chattr"):
        proc = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if proc.returncode == 0:
            return "chattr"
    pytest.skip(
        "running as root where chattr +i does not work (no chattr, or a file system without "
        "the immutable flag): root writes through any mode bits; the nearest real fault, "
        "an unwritable platform path, is test_platform_folder_replaced_by_a_file"
    )


def _undo_read_only(folder, how: str) -> None:
    if how == "chattr":
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def test_state_folder_read_only(bench):
    """`.atlas/` that cannot be written (chattr +i): versions are still recorded, the
    report is printed, one warning says the state was not saved, exit 1."""
    folder = bench.root / ".atlas"
    locked = _make_read_only(folder)
    try:
        bench.server.set("/bad", policy_html(2))
        result = bench.fetch()
    finally:
        _undo_read_only(folder, locked)
    assert result.exit_code == 1, result.output
    assert_plain_output(result.output)
    lines = result.output.splitlines()
    assert [x for x in lines if x.startswith("atlas: warning: cannot save state in ")], lines
    assert sum(x.startswith("changed") for x in lines) == 2, lines
    assert len(bench.commits(BAD)) == len(bench.bad_commits) + 1
    assert_consistent(bench.root)


def test_platform_folder_replaced_by_a_file(bench):
    """`snapshots/acme` being a file (not a folder) fails that document with a clear line."""
    shutil.rmtree(bench.root / "snapshots" / "acme")
    git(bench.root, "rm", "-rq", "--cached", "snapshots/acme")
    git(bench.root, "commit", "-qm", "user removes acme")
    (bench.root / "snapshots" / "acme").write_text("not a folder\n")
    git(bench.root, "add", "snapshots/acme")
    git(bench.root, "commit", "-qm", "user adds a file")
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert result.exit_code == 1, result.output
    assert_plain_output(result.output)
    line = [x for x in result.output.splitlines() if BAD in x]
    assert len(line) == 1 and line[0].startswith("failed") and "acme" in line[0], result.output
    assert (bench.root / "snapshots" / "acme").read_text() == "not a folder\n"
    assert_fsck_and_head_files(bench)


def assert_fsck_and_head_files(bench) -> None:
    from faultcheck import assert_fsck_clean

    assert_fsck_clean(bench.root)
    good = bench.snapshot(GOOD).read_bytes()
    assert good == git(bench.root, "cat-file", "blob", f"HEAD:snapshots/{GOOD}.md", text=False)


def test_disk_full(bench):
    """A full file system (a real 16 KB tmpfs on the platform folder): ENOSPC is one line.

    Needs permission to mount (root in a privileged container); skipped with the
    reason otherwise — test_read_only_platform_folder covers an unwritable folder.
    """
    folder = bench.root / "snapshots" / "acme"
    kept = bench.snapshot(BAD).read_bytes()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.decode().strip()}")
    try:
        bench.snapshot(BAD).write_bytes(kept)
        big = policy_html(2).replace(
            "</main>", "".join(f"<p>Duty {i} of the operator is set out.</p>" for i in range(3000))
        )
        bench.server.set("/bad", big + "</main>")
        bench.assert_survived(bench.fetch(), cause="No space left on device")
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
    bench.snapshot(BAD).write_bytes(kept)
    assert_consistent(bench.root)


def test_crash_residue_in_a_new_platform_folder(bench):
    """A temporary file a crash left beside a never-recorded document is removed next run."""
    folder = bench.root / "snapshots" / "newco"
    folder.mkdir()
    residue = folder / ".atlas-k2j4h5.tmp"
    residue.write_text("half a snapshot")
    bench.project.write_sources(
        {
            "acme": {"documents": {"usage-policy": bench.bad_url}},
            "other": {"documents": {"terms": bench.server.url("/good")}},
            "newco": {"documents": {"terms": bench.server.url("/newco")}},
        },
        settings={"timeout": 0.5, "retries": 1},
    )
    bench.server.set("/newco", "gone", status=404)
    result = bench.fetch()
    assert result.exit_code == 1, result.output
    assert re.search(r"^failed +newco/terms +HTTP 404", result.output, re.M), result.output
    assert not residue.exists()
    assert_consistent(bench.root)


def test_failing_pre_commit_hook_does_not_stop_recording(bench):
    """Failing pre-commit and commit-msg hooks do not run: atlas commits with plumbing."""
    hooks = bench.root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    marker = bench.root.parent / "hook-ran"
    for name in ("pre-commit", "commit-msg", "prepare-commit-msg"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n")
        hook.chmod(0o755)
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert result.exit_code == 0, result.output
    assert len(bench.commits(BAD)) == len(bench.bad_commits) + 1
    assert not marker.exists()
    assert_consistent(bench.root)


def test_detached_head(bench):
    """A detached HEAD: every document fails with a line saying so; nothing is written."""
    git(bench.root, "checkout", "-q", "--detach")
    head = git(bench.root, "rev-parse", "HEAD")
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    bench.assert_survived(result, cause="detached", others="failed")
    assert git(bench.root, "rev-parse", "HEAD") == head
    git(bench.root, "checkout", "-q", "main")
    assert bench.fetch().exit_code == 0


def test_rebase_in_progress(bench):
    """A real rebase stopped on a conflict: documents fail, HEAD and the rebase untouched."""
    root = bench.root
    git(root, "checkout", "-qb", "side", "HEAD~2")
    (root / "README.md").write_text("side\n")
    git(root, "commit", "-qam", "side edit")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("main\n")
    git(root, "commit", "-qam", "main edit")
    proc = subprocess.run(["git", "rebase", "side"], cwd=root, capture_output=True)
    assert proc.returncode != 0 and (root / ".git" / "rebase-merge").exists()
    head = git(root, "rev-parse", "HEAD")
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert result.exit_code == 1, result.output
    assert_plain_output(result.output)
    for key in (BAD, GOOD):
        (line,) = [x for x in result.output.splitlines() if key in x]
        assert line.startswith("failed") and "rebase in progress" in line
    assert git(root, "rev-parse", "HEAD") == head
    assert (root / ".git" / "rebase-merge").exists()
    git(root, "rebase", "--abort")
    again = bench.fetch()
    assert again.exit_code == 0, again.output
    assert_consistent(root)


def test_stale_index_lock(bench):
    """An index.lock left by a crashed git: documents fail naming the file; removal heals."""
    lock = bench.root / ".git" / "index.lock"
    lock.write_text("")
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert result.exit_code == 1
    bench.assert_survived(result, cause="index is locked .*index.lock", others="failed")
    assert lock.exists()
    lock.unlink()
    again = bench.fetch()
    assert again.exit_code == 0, again.output
    assert_consistent(bench.root)


def test_symlink_out_of_snapshots(bench, tmp_path):
    """`snapshots/acme` a symlink to a folder outside: refused; the outside is untouched."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "usage-policy.md").write_text("outside\n")
    shutil.rmtree(bench.root / "snapshots" / "acme")
    (bench.root / "snapshots" / "acme").symlink_to(outside)
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert result.exit_code == 1, result.output
    assert_plain_output(result.output)
    lines = [x for x in result.output.splitlines() if BAD in x]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed") and "symbolic link" in lines[0], result.output
    assert (outside / "usage-policy.md").read_text() == "outside\n"
    assert sorted(p.name for p in outside.iterdir()) == ["usage-policy.md"]
    assert bench.commits(BAD) == bench.bad_commits
    assert_fsck_and_head_files(bench)


@pytest.mark.parametrize("name", ["lock", "state.json"])
def test_state_files_symlinked_outside(bench, tmp_path, name):
    """`.atlas/lock` or `.atlas/state.json` a symlink to a file outside: that file is never
    written; a symlinked lock is one error line (exit 1), a symlinked state is replaced."""
    outside = tmp_path / "precious.txt"
    outside.write_text("precious\n")
    link = bench.root / ".atlas" / name
    link.unlink()
    link.symlink_to(outside)
    bench.server.set("/bad", policy_html(2))
    result = bench.fetch()
    assert_plain_output(result.output)
    assert outside.read_text() == "precious\n"
    if name == "lock":
        assert result.exit_code == 1, result.output
        assert result.output.startswith("atlas: error: cannot open lock file"), result.output
        assert bench.commits(BAD) == bench.bad_commits
    else:
        assert result.exit_code == 0, result.output
        assert not link.is_symlink()
    assert_consistent(bench.root)


# -- input faults ---------------------------------------------------------------------


def _check(project, text: bytes | str):
    path = project.root / "sources.yaml"
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    path.write_bytes(text)
    return run_cli("check")


def _assert_check_result(result) -> None:
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert_plain_output(result.output)
    if result.exit_code == 2:
        lines = result.output.splitlines()
        assert lines and all(line.startswith("atlas: error: ") for line in lines), result.output


_yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
_yaml_trees = st.recursive(
    _yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=12), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)
_near_valid = st.fixed_dictionaries(
    {},
    optional={
        "settings": st.dictionaries(
            st.sampled_from(
                [
                    "timeout",
                    "jobs",
                    "per_host",
                    "snapshots",
                    "retries",
                    "max_bytes",
                    "user_agent",
                    "bogus",
                ]
            ),
            _yaml_scalars,
        ),
        "platforms": st.dictionaries(
            st.text(max_size=12),
            st.one_of(
                _yaml_trees,
                st.fixed_dictionaries(
                    {
                        "documents": st.dictionaries(
                            st.text(max_size=12),
                            st.one_of(
                                st.sampled_from(
                                    [
                                        "http://127.0.0.1/x",
                                        "file:///etc/passwd",
                                        "https://u:p@h/x",
                                        "ftp://h/",
                                    ]
                                ),
                                st.fixed_dictionaries(
                                    {"url": _yaml_scalars},
                                    optional={
                                        "ignore": st.lists(st.text(max_size=8)),
                                        "select": _yaml_scalars,
                                        "min_chars": _yaml_scalars,
                                    },
                                ),
                            ),
                            max_size=3,
                        )
                    }
                ),
            ),
            max_size=3,
        ),
    },
)


@settings(max_examples=2 * FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(_yaml_trees, _near_valid))
def test_check_fuzzed_structure(in_project, data):
    """Random YAML structures: `atlas check` exits 0 or 2, one line per problem, no traceback."""
    _assert_check_result(_check(in_project, yaml.safe_dump(data, allow_unicode=True)))


@settings(max_examples=2 * FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_check_fuzzed_bytes(in_project, raw):
    """Random bytes and text as sources.yaml: exit 0 or 2, one line per problem."""
    _assert_check_result(_check(in_project, raw))


@pytest.mark.parametrize(
    "doc_id",
    ["../../etc", ".git", "con", "a" * 300, "politique-données", "UPPER", "x/y", "-dash", ""],
)
def test_hostile_ids_are_config_errors(in_project, server, doc_id):
    """Ids that are not safe slugs are exit 2 naming the line; nothing fetched or written."""
    url = server.set("/p", policy_html())
    for platforms in (
        {doc_id: {"documents": {"terms": url}}},
        {"acme": {"documents": {doc_id: url}}},
    ):
        (in_project.root / "sources.yaml").write_text(
            yaml.safe_dump({"platforms": platforms}, allow_unicode=True)
        )
        for args in (("check",), ("fetch",)):
            result = run_cli(*args)
            assert result.exit_code == 2, result.output
            assert_plain_output(result.output)
            assert "sources.yaml:" in result.output
    assert server.hits["/p"] == 0
    assert not (in_project.root / "snapshots").exists()
    assert not (in_project.root / ".atlas").exists()


def test_yaml_alias_bomb(in_project):
    """A 'billion laughs' file is refused at once (exit 2), not expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    lines.append("platforms: *i")
    started = time.monotonic()
    result = _check(in_project, "\n".join(lines) + "\n")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert "anchors and aliases are not allowed" in result.output
    _assert_check_result(result)


def test_credentials_in_url_never_printed_or_stored(in_project, server):
    """user:password in a URL reach the server but no output, report, commit or state file."""
    secret = "s3cr3t-Pa55"
    url = server.set("/bad", policy_html(1)).replace("http://", f"http://alice:{secret}@")
    bench = FaultBench(in_project, server, bad_url=url)
    sent = [headers for _, path, headers in server.requests if path == "/bad"]
    assert sent[-1].get("Authorization", "").startswith("Basic ")
    server.set("/bad", policy_html(2))
    outputs = [bench.fetch().output, bench.fetch("--json").output]
    server.set("/bad", "denied", status=401)
    failed = bench.fetch()
    outputs.append(failed.output)
    # A redirect to another host must not carry the credentials there.
    server.set(
        "/bad",
        status=302,
        headers={"Location": server.url("/moved").replace("127.0.0.1", "localhost")},
    )
    server.set("/moved", policy_html(3))
    outputs.append(bench.fetch().output)
    moved = [headers for _, path, headers in server.requests if path == "/moved"]
    assert moved and all("Authorization" not in h for h in moved), moved
    server.set("/bad", status=302, headers={"Location": f"ftp://bob:{secret}@127.0.0.1/x"})
    outputs.append(bench.fetch("--json").output)
    commands = (("status",), ("log",), ("check",), ("check", "--live"), ("diff", BAD))
    outputs += [run_cli(*c).output for c in commands]
    for out in outputs:
        assert secret not in out and "alice" not in out, out
    history = git(bench.root, "log", "--all", "--format=%B%n%an%n%N")
    assert secret not in history and "alice" not in history
    assert "Atlas-Source: http://***@127.0.0.1" in history
    for path in (bench.root / ".atlas").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    for path in (bench.root / "snapshots").rglob("*.md"):
        assert secret.encode() not in path.read_bytes()

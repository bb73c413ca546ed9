"""Real notification receivers for the alert tests: an HTTP webhook and an SMTP server.

`Receiver` is a stdlib HTTP server on 127.0.0.1 that records what apprise's
`json://` and `form://` plugins POST; it can answer with any status, answer slowly,
or hold a request until released. `Smtp` is a real aiosmtpd server on 127.0.0.1
(plain SMTP, AUTH allowed without TLS) that keeps every message and can refuse
authentication. Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest


@dataclass
class Received:
    """One POST: its path, headers and body (parsed as JSON or a form where it is one)."""

    path: str
    headers: dict[str, str]
    raw: bytes
    data: dict = field(default_factory=dict)


class Receiver:
    """A webhook receiver. `status`, `delay` and `hold` decide how it answers."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.received: list[Received] = []
        self.status = 200
        self.delay = 0.0
        self.hold = threading.Event()
        self.hold.set()  # cleared: requests wait until it is set again
        self.started = 0  # requests whose body was read (in flight or answered)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with outer._lock:
                    outer.started += 1
                outer.hold.wait(30)
                if outer.delay:
                    time.sleep(outer.delay)
                item = Received(self.path, dict(self.headers), raw, _parse(self.headers, raw))
                if outer.status < 300:
                    with outer._lock:
                        outer.received.append(item)
                body = b"ok"
                try:
                    self.send_response(outer.status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.httpd = Server((host, 0), Handler)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=lambda: self.httpd.serve_forever(poll_interval=0.05), daemon=True
        )
        self.thread.start()

    def url(self, scheme: str = "json", path: str = "/hook") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.02)
        return list(self.received)

    def close(self) -> None:
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _parse(headers, raw: bytes) -> dict:
    kind = (headers.get("Content-Type") or "").lower()
    try:
        if "json" in kind:
            return json.loads(raw.decode("utf-8"))
        if "form" in kind:
            return {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
    except ValueError:
        pass
    return {}


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on (the port is closed again at once)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Smtp:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: plain SMTP, AUTH PLAIN/LOGIN without TLS."""

    def __init__(self, *, user: str = "atlas", password: str = "s3cret-pw") -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list = []
        self.logins: list[tuple[str, bool]] = []
        self.user, self.password = user, password
        self.refuse_auth = False
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                msg = message_from_bytes(envelope.content, policy=policy.default)
                outer.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else ""
            secret = auth_data.password.decode() if isinstance(auth_data.password, bytes) else ""
            ok = not outer.refuse_auth and (login, secret) == (outer.user, outer.password)
            outer.logins.append((login, ok))
            return AuthResult(success=ok, handled=False)

        self.port = free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=False,
            auth_required=False,
        )
        self.controller.start()

    def url(self, *, to: str = "legal@example.org", password: str | None = None) -> str:
        secret = self.password if password is None else password
        return (
            f"mailto://{self.user}:{secret}@127.0.0.1:{self.port}"
            f"?to={to}&from=atlas@example.org&smtp=127.0.0.1&mode=insecure"
        )

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return list(self.messages)

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def receiver():
    """A real webhook receiver on 127.0.0.1 for one test."""
    srv = Receiver()
    yield srv
    srv.close()


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 for one test."""
    srv = Smtp()
    yield srv
    srv.close()

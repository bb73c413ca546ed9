"""Shared fixtures: a real HTTP server on 127.0.0.1 and a real git project in tmp_path."""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml


@dataclass
class Page:
    """One canned response. `handler`, when set, writes the raw response itself."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-response (as fault tests make them) are not errors here."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ValueError)):
            super().handle_error(request, client_address)


class LocalServer:
    """A threaded stdlib HTTP server whose routes tests set per path.

    A route is a Page, a list of Pages (served in turn, the last one repeating),
    or a callable taking the request handler and writing the response itself.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, object] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802
                server._serve(self)

            def do_HEAD(self):  # noqa: N802
                server._serve(self)

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=lambda: self.httpd.serve_forever(poll_interval=0.05), daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def set(self, path: str, body: bytes | str | None = None, **page) -> str:
        """Serve BODY (or a Page built from keyword arguments) at PATH; return its URL."""
        self.routes[path] = Page(body=body if body is not None else b"", **page)
        return self.url(path)

    def _next(self, path: str):
        with self._lock:
            route = self.routes.get(path)
            count = self.hits[path]
            self.hits[path] += 1
        if isinstance(route, list):
            return route[min(count, len(route) - 1)]
        return route

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.requests.append((handler.command, path, dict(handler.headers)))
        route = self._next(path)
        if route is None:
            route = Page(body=b"not found", status=404, content_type="text/plain")
        if callable(route) and not isinstance(route, Page):
            route(handler)
            return
        page: Page = route
        if page.delay:
            import time

            time.sleep(page.delay)
        if page.handler is not None:
            page.handler(handler)
            return
        body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
        handler.send_response(page.status)
        if page.content_type:
            handler.send_header("Content-Type", page.content_type)
        for name, value in page.headers.items():
            handler.send_header(name, value)
        if not any(k.lower() == "content-length" for k in page.headers):
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD" and page.status not in (204, 304):
            handler.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 for the duration of one test."""
    srv = LocalServer()
    yield srv
    srv.close()


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run real git in CWD and return its stdout."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory, monkeypatch):
    """Keep the developer's own git config (identity, hooks) out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


@dataclass
class Project:
    """A real project folder: sources.yaml, snapshots/, a real git repository."""

    root: Path

    def write_sources(self, platforms: dict, settings: dict | None = None) -> Path:
        data: dict = {}
        if settings:
            data["settings"] = settings
        data["platforms"] = platforms
        path = self.root / "sources.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.root, *args, check=check)

    def snapshot(self, key: str) -> Path:
        return self.root / "snapshots" / f"{key}.md"

    def commits(self, path: str | None = None) -> list[str]:
        args = ["log", "--format=%H"]
        if path:
            args += ["--", path]
        out = self.git(*args, check=False)
        return [line for line in out.splitlines() if line]


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project in tmp_path with a git repository and one initial commit."""
    root = tmp_path / "archive"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.com")
    (root / "README.md").write_text("archive\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "init")
    return Project(root=root)


@pytest.fixture
def in_project(project, monkeypatch) -> Project:
    """The project, with the current directory inside it."""
    monkeypatch.chdir(project.root)
    return project

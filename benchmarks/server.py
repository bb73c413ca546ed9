"""A local HTTP server for the benchmarks: serves a chosen version of every corpus page.

- 127.0.0.1 (or another loopback address, `host=`: 127.0.0.2, 127.0.0.3, … are all local, so
  N servers stand for N hosts), ThreadingHTTPServer, HTTP/1.1 with keep-alive (Content-Length
  on every response). `peak` is the most requests it ever had in flight at once.
- `GET /p/<doc-id>` serves `<corpus>/<doc-id>/v<k>.html`, k being the document's current
  version: one version for all documents, plus per-document overrides.
- Conditional requests (switchable): an ETag (a hash of the bytes) and a Last-Modified date
  (the moment the server started serving those bytes) on every 200; If-None-Match, then
  If-Modified-Since, answered with 304. With `conditional=False` neither header is sent and
  both request headers are ignored, so every request is a full 200.
- A fixed latency per response (default 50 ms), slept before the response is written.

In the harness it runs in a thread (`BenchServer(...).start()`, then `.set_version()`,
`.set_conditional()`, `.set_latency()`). As a script it runs until interrupted and re-reads
a JSON control file whenever it changes:

    python benchmarks/server.py CORPUS_DIR --port 8765 --control ctl.json
    echo '{"version": 1, "overrides": {"doc-0003": 2}, "conditional": false}' > ctl.json
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import math
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class BenchServer:
    """The server and its switchable state; every switch is thread-safe."""

    def __init__(
        self,
        corpus: Path,
        *,
        port: int = 0,
        latency: float = 0.05,
        conditional: bool = True,
        control: Path | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._lock = threading.Lock()
        self.host = host
        self.in_flight = 0
        self.peak = 0
        self.corpus = Path(corpus)
        self.latency = latency
        self.conditional = conditional
        self.volatile = False  # a fresh CSP nonce in every 200 (bytes differ, text does not)
        self.version = 0
        self.overrides: dict[str, int] = {}
        self.control = control
        self._control_mtime = None
        self._cache: dict[tuple[Path, str, int], str] = {}  # ETags
        # Last-Modified: the whole second at which the server switched to the bytes it serves.
        # (A client must finish its previous run at least one second before a switch for
        # If-Modified-Since to see the change; the harness waits that second.)
        self._since: dict[str, float] = {}  # doc -> switched at, for overridden documents
        self._all_since = math.floor(time.time())
        self.hits = 0
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "atlas-bench/1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                server._serve(self, head=False)

            def do_HEAD(self):  # noqa: N802
                server._serve(self, head=True)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> BenchServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, doc_id: str) -> str:
        return f"http://{self.host}:{self.port}/p/{doc_id}"

    def use_corpus(self, corpus: Path) -> None:
        """Serve another corpus folder, from version 0."""
        with self._lock:
            self.corpus = Path(corpus)
            self.version = 0
            self.overrides = {}
            self._since.clear()
            self._all_since = math.floor(time.time())

    def set_version(self, version: int, docs: list[str] | None = None) -> None:
        """Serve VERSION for DOCS (all documents when None, which also clears overrides)."""
        with self._lock:
            now = math.floor(time.time())
            if docs is None:
                self.version = version
                self.overrides = {}
                self._since.clear()
                self._all_since = now
            else:
                self.overrides.update({d: version for d in docs})
                self._since.update({d: now for d in docs})

    def set_conditional(self, on: bool) -> None:
        with self._lock:
            self.conditional = on

    def set_volatile(self, on: bool) -> None:
        """Put a fresh per-request nonce in each page, as sites with a CSP do."""
        with self._lock:
            self.volatile = on

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self.latency = seconds

    def reset_counters(self) -> None:
        with self._lock:
            self.hits = 0
            self.not_modified = 0
            self.peak = 0

    def _read_control(self) -> None:
        if self.control is None or not self.control.exists():
            return
        mtime = self.control.stat().st_mtime_ns
        if mtime == self._control_mtime:
            return
        self._control_mtime = mtime
        try:
            data = json.loads(self.control.read_text() or "{}")
        except json.JSONDecodeError:
            return  # half-written; the next request reads it again
        with self._lock:
            overrides = {k: int(v) for k, v in data.get("overrides", {}).items()}
            now = math.floor(time.time())
            if int(data.get("version", self.version)) != self.version:
                self._all_since = now
                self._since.clear()
            self._since.update({k: now for k, v in overrides.items() if self.overrides.get(k) != v})
            self.overrides = overrides
            self.version = int(data.get("version", self.version))
            self.conditional = bool(data.get("conditional", self.conditional))
            self.latency = float(data.get("latency", self.latency))
            self.volatile = bool(data.get("volatile", self.volatile))
            if "corpus" in data:
                self.corpus = Path(data["corpus"])

    # ------------------------------------------------------------------ serving

    def _page(self, doc_id: str) -> tuple[bytes, str, float] | None:
        """(body, etag, last-modified as a timestamp) for DOC_ID's current version."""
        with self._lock:
            corpus = self.corpus
            version = self.overrides.get(doc_id, self.version)
            key = (corpus, doc_id, version)
            cached = self._cache.get(key)
            since = self._since.get(doc_id, self._all_since)
        path = corpus / doc_id / f"v{version}.html"
        if "/" in doc_id or not path.is_file():
            return None
        body = path.read_bytes()  # the page cache keeps this cheap; no bodies held in memory
        if cached is None:
            cached = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            with self._lock:
                self._cache[key] = cached
        return body, cached, since

    def _serve(self, handler: BaseHTTPRequestHandler, *, head: bool) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            self._serve_one(handler, head=head)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _serve_one(self, handler: BaseHTTPRequestHandler, *, head: bool) -> None:
        self._read_control()
        with self._lock:
            latency, conditional, volatile = self.latency, self.conditional, self.volatile
            self.hits += 1
        if latency:
            time.sleep(latency)
        path = handler.path.split("?", 1)[0]
        page = self._page(path[3:]) if path.startswith("/p/") else None
        if page is None:
            self._send(handler, 404, b"not found\n", {"Content-Type": "text/plain"}, head)
            return
        body, etag, modified = page
        headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
        if conditional:
            headers["ETag"] = etag
            headers["Last-Modified"] = email.utils.formatdate(modified, usegmt=True)
            inm = handler.headers.get("If-None-Match")
            ims = handler.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:
                fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
            elif ims:
                try:
                    fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= modified
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                with self._lock:
                    self.not_modified += 1
                self._send(
                    handler,
                    304,
                    b"",
                    {"ETag": etag, "Last-Modified": headers["Last-Modified"]},
                    True,
                )
                return
        if volatile:
            nonce = os.urandom(12).hex().encode()
            body = body.replace(b"<script>", b'<script nonce="' + nonce + b'">', 1)
        self._send(handler, 200, body, headers, head)

    @staticmethod
    def _send(handler, status: int, body: bytes, headers: dict[str, str], head: bool) -> None:
        try:
            handler.send_response(status)
            for k, v in headers.items():
                handler.send_header(k, v)
            if status != 304:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if not head and status != 304:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder written by benchmarks/corpus.py")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--no-conditional", action="store_true", help="no ETag, no 304")
    parser.add_argument(
        "--control",
        type=Path,
        default=None,
        help="JSON file re-read on change: version, overrides, conditional, latency",
    )
    args = parser.parse_args()
    server = BenchServer(
        args.corpus,
        port=args.port,
        latency=args.latency,
        conditional=not args.no_conditional,
        control=args.control,
        host=args.host,
    )
    print(f"serving {args.corpus} on http://{args.host}:{server.port}/p/<doc-id>", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

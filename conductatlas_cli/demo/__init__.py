"""`atlas demo`: an offline first run with bundled example pages.

Two versions of a sample policy (written for this project) are served from
127.0.0.1; the demo sets up an archive in DIR, fetches version 1, switches the
server to version 2, fetches again, and returns what to print.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from conductatlas_cli.errors import UsageError

PAGES = ("sample-policy-v1.html", "sample-policy-v2.html")
DEMO_KEY = "example-ai/usage-policy"


def demo_page(version: int) -> bytes:
    """The bundled sample policy, version 1 or 2."""
    return resources.files("conductatlas_cli.demo").joinpath(PAGES[version - 1]).read_bytes()


@contextmanager
def serve_versions() -> Iterator[tuple[str, Callable[[int], None]]]:
    """A local server of the sample policy: yields (url, switch(version))."""
    current = {"body": demo_page(1)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            body = current["body"]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def switch(version: int) -> None:
        current["body"] = demo_page(version)

    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/usage-policy", switch
    finally:
        httpd.shutdown()
        httpd.server_close()


def demo_sources(url: str) -> str:
    return (
        "# atlas demo: one sample policy served from this machine.\n"
        "platforms:\n"
        "  example-ai:\n"
        "    name: Example AI\n"
        "    documents:\n"
        "      usage-policy:\n"
        f"        url: {url}\n"
        "        type: Acceptable Use Policy\n"
    )


def run_demo(directory: Path, *, say: Callable[[str], None]):
    """Set up DIR, fetch both versions, and return the loaded Sources for the diff."""
    from conductatlas_cli.archive.scaffold import init_project
    from conductatlas_cli.config.load import load_sources
    from conductatlas_cli.render.fetch_report import plain_lines
    from conductatlas_cli.run.runner import run_fetch

    if (directory / "sources.yaml").exists():
        raise UsageError(f"'{directory}' already has a sources.yaml; give the demo an empty folder")
    init_project(directory)
    with serve_versions() as (url, switch):
        (directory / "sources.yaml").write_text(demo_sources(url), encoding="utf-8")
        sources = load_sources(directory / "sources.yaml")
        for version in (1, 2):
            switch(version)
            say(f"$ atlas fetch          # the server now has version {version}")
            for line in plain_lines(run_fetch(sources)):
                say(line)
            say("")
    return sources

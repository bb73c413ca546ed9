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

PAGE = "sample-policy-v1.html"
DEMO_KEY = "example-ai/usage-policy"

# Version 2 is version 1 with these edits, each once, in order: what the demo's diff shows.
V2_EDITS = (
    # Noise: the navigation and the cookie banner change, the policy's text does not.
    ('href="/pricing"', 'href="/pricing?utm_source=nav"'),
    (
        "to improve your experience. <button>Accept all</button>",
        "to make our site work. <button>Accept</button> <button>Reject</button>",
    ),
    ("March 1, 2026", "June 15, 2026"),
    ("Example AI's models", "Example AI’s models"),  # typography only: not a change
    ("<li>Send spam or run deceptive bulk messaging campaigns.</li>\n", ""),
    (
        "without their consent.</li>\n",
        "without their consent.</li>\n"
        "<li>Build systems that score people's trustworthiness from their social behaviour.</li>\n",
    ),
    ("legal or financial advice", "legal, financial or employment decisions"),
    (  # a section inserted: the ones after it are renumbered
        "<h2>3. Data Retention</h2>",
        "<h2>3. Operator Responsibility</h2>\n"
        "<p>Operators must tell their end users that they are talking to an AI system. Operators"
        " must keep records of the safeguards they use for at least one year.</p>\n"
        "<h2>4. Data Retention</h2>",
    ),
    ("30 days", "60 days"),
    ("<h2>4. Enforcement</h2>", "<h2>5. Enforcement</h2>"),
)


def demo_page(version: int) -> bytes:
    """The bundled sample policy, version 1 or 2."""
    page = resources.files("conductatlas_cli.demo").joinpath(PAGE).read_bytes().decode("utf-8")
    for old, new in V2_EDITS if version == 2 else ():
        page = page.replace(old, new, 1)
    return page.encode("utf-8")


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

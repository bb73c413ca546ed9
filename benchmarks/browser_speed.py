"""Rendering cost of `render: browser`: pages per second with 1 and with `jobs` contexts.

The benchmark corpus's pages (60 KB of HTML each), served from 127.0.0.1 with
a script that writes the policy into the page after `load` (as a JavaScript
shell does), rendered by the browser fetcher (`fetch.browser.BrowserFetcher`,
a real Chromium): every page in its own context, the network-idle wait
included, as `atlas fetch` does it. The browser's start is timed apart. Also
with `wait_for` (the page is read as soon as the selector is there, no idle
wait) and, for scale, the HTTP fetcher on the same pages without the script.

    .venv/bin/python benchmarks/browser_speed.py               # 16 pages, jobs 1 and 4
    .venv/bin/python benchmarks/browser_speed.py --pages 32 --jobs 8
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import KB, make_document, render_html  # noqa: E402


def scripted(page: str) -> bytes:
    """PAGE with its <main> moved into a script that writes it back after load."""
    start, end = page.index("<main"), page.index("</main>") + len("</main>")
    main = page[start:end]
    shell = (
        page[:start]
        + "<div id='root'></div><script>addEventListener('load', () => setTimeout(() => {"
        + f"document.getElementById('root').innerHTML = {json.dumps(main)};"
        + "}, 20));</script>"
        + page[end:]
    )
    return shell.encode("utf-8")


class Pages:
    def __init__(self, bodies: dict[str, bytes]) -> None:
        site = bodies

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                body = site.get(self.path, b"not found")
                self.send_response(200 if self.path in site else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def rate(fetcher, urls: list[str], jobs: int, **request) -> float:
    """Pages per second for URLS fetched by FETCHER, JOBS at once."""
    from conductatlas_cli.fetch.request import FetchRequest

    def one(url: str) -> None:
        fetcher.fetch(FetchRequest(url=url, timeout=30, max_bytes=10**7, **request))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, urls))
    return len(urls) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()

    from conductatlas_cli.fetch.browser import BrowserFetcher
    from conductatlas_cli.fetch.chromium import browser_problem
    from conductatlas_cli.fetch.registry import FetcherOptions, HttpFetcher

    problem = browser_problem()
    if problem:
        raise SystemExit(problem)
    bodies = {}
    for i in range(args.pages):
        page = render_html(make_document(i, html_bytes=60 * KB))
        bodies[f"/js/{i}"] = scripted(page)
        bodies[f"/plain/{i}"] = page.encode("utf-8")
    site = Pages(bodies)
    js = [f"{site.base}/js/{i}" for i in range(args.pages)]
    plain = [f"{site.base}/plain/{i}" for i in range(args.pages)]

    options = FetcherOptions(user_agent="atlas-bench", jobs=args.jobs)
    browser = BrowserFetcher(options)
    try:
        started = time.perf_counter()
        rate(browser, js[:1], 1)  # starts the browser
        launch = time.perf_counter() - started
        rows = [
            ("browser, idle wait", 1, rate(browser, js, 1)),
            ("browser, idle wait", args.jobs, rate(browser, js, args.jobs)),
            ("browser, wait_for main", 1, rate(browser, js, 1, wait_for="main")),
            ("browser, wait_for main", args.jobs, rate(browser, js, args.jobs, wait_for="main")),
        ]
    finally:
        browser.close()
    http = HttpFetcher(options)
    try:
        rows.append(("http (no extraction)", 1, rate(http, plain, 1)))
        rows.append(("http (no extraction)", args.jobs, rate(http, plain, args.jobs)))
    finally:
        http.close()
    print(
        f"{args.pages} pages of {len(bodies['/plain/0']) / KB:.0f} KB; browser start {launch:.2f} s"
    )
    print(f"{'fetcher':26} {'contexts':>8} {'pages/s':>8}")
    for label, jobs, value in rows:
        print(f"{label:26} {jobs:>8} {value:>8.2f}")


if __name__ == "__main__":
    main()

"""Archive size with raw captures: V versions of one page, `.git` after `git gc`.

Each version is a real `atlas fetch` (in-process `run_fetch`, real git) of the
benchmark corpus's page served from 127.0.0.1, with `captures: true` (the
default) and again with `captures: false`, so the cost of the evidence is the
difference. Target (issue 15): 100 versions of a 60 KB page with captures
≤ 5 MB after `git gc`.

    .venv/bin/python benchmarks/capture_size.py                  # 100 versions, 60 KB HTML
    .venv/bin/python benchmarks/capture_size.py --versions 20    # a quick look
    .venv/bin/python benchmarks/capture_size.py --text-bytes 61440   # scenario 7's page
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import KB, make_document, render_html, versions_of  # noqa: E402

MB = 1024 * 1024


class OnePage:
    """Serves BODY at every path; the benchmark swaps BODY between runs."""

    def __init__(self) -> None:
        self.body = b""
        page = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/policy"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def run(pages: list[bytes], server: OnePage, *, captures: bool) -> dict:
    from conductatlas_cli.config.load import load_sources
    from conductatlas_cli.run.runner import run_fetch

    with tempfile.TemporaryDirectory(prefix="atlas-capture-bench-") as tmp:
        root = Path(tmp)
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        subprocess.run(git + ["init", "-q"], cwd=root, check=True)
        (root / "sources.yaml").write_text(
            f"settings:\n  captures: {str(captures).lower()}\n"
            f"platforms:\n  bench:\n    documents:\n      doc: {server.url}\n",
            encoding="utf-8",
        )
        sources = load_sources(root / "sources.yaml")
        started = time.perf_counter()
        for k, page in enumerate(pages):
            server.body = page
            report = run_fetch(sources)
            status = report.documents[0].status.value
            if status != ("new" if k == 0 else "changed"):
                raise SystemExit(f"version {k}: {status} ({report.documents[0].reason})")
        elapsed = time.perf_counter() - started
        subprocess.run(["git", "gc", "-q"], cwd=root, check=True)
        return {"git": du(root / ".git"), "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--html-bytes", type=int, default=60 * KB)
    parser.add_argument("--text-bytes", type=int, default=None, help="size the text instead")
    args = parser.parse_args()
    if args.text_bytes:
        doc = make_document(0, text_bytes=args.text_bytes)
    else:
        doc = make_document(0, html_bytes=args.html_bytes)
    pages = [render_html(d).encode("utf-8") for d in versions_of(doc, args.versions)]
    server = OnePage()
    with_captures = run(pages, server, captures=True)
    without = run(pages, server, captures=False)
    served = sum(len(p) for p in pages)
    print(
        f"{args.versions} versions of a {len(pages[0]) / KB:.0f} KB page "
        f"({served / MB:.1f} MB served in all)"
    )
    print(f"{'':24} {'.git after gc':>14} {'fetch time':>11}")
    for label, row in (("captures: true", with_captures), ("captures: false", without)):
        print(f"{label:24} {row['git'] / MB:>11.2f} MB {row['seconds']:>9.1f} s")
    cost = with_captures["git"] - without["git"]
    print(
        f"{'captures cost':24} {cost / MB:>11.2f} MB ({cost / args.versions / KB:.1f} KB a version)"
    )
    target = 5 * MB * args.versions / 100
    verdict = "ok" if with_captures["git"] <= target else "MISS"
    print(f"target: ≤ {target / MB:.2f} MB with captures: {verdict}")


if __name__ == "__main__":
    main()

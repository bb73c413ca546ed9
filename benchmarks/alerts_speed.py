"""How long feeds, the digest and alert messages take on a synthetic archive. Prints numbers.

    python benchmarks/alerts_speed.py [--platforms 5] [--documents 4] [--versions 30] [--words 3000]

Builds an archive in a temporary folder (real git, `Archive.record_version`):
PLATFORMS × DOCUMENTS documents of about WORDS words, each with VERSIONS versions
(one clause changed per version), then times, best of 3:
`build_feeds` (feed.atom + one feed per platform, last 100 entries each; without and
with its entry cache),
`build_digest` over the whole history, and the events + messages of one run that
changed every document. Nothing is sent.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conductatlas_cli.archive.archive import Archive  # noqa: E402
from conductatlas_cli.archive.state import State  # noqa: E402
from conductatlas_cli.config.load import load_sources  # noqa: E402
from conductatlas_cli.config.notify import build_target  # noqa: E402
from conductatlas_cli.feeds.atom import build_feeds  # noqa: E402
from conductatlas_cli.notify import archive_view as view  # noqa: E402
from conductatlas_cli.notify.digest import build_digest  # noqa: E402
from conductatlas_cli.notify.service import build_messages  # noqa: E402


def text_of(words: int, version: int, doc: int) -> str:
    clauses = max(4, words // 60)
    out = ["# Policy", ""]
    for c in range(clauses):
        days = 30 + (version if c == version % clauses else 0)
        out += [
            f"## {c + 1}. Clause {c}",
            "",
            f"Document {doc} clause {c} keeps inputs for {days} days before deletion.",
            "Operators must make sure their end users follow this policy at all times.",
            "We may update this clause and will notify operators by e-mail in advance.",
            "",
        ]
    return "\n".join(out) + "\n"


def best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platforms", type=int, default=5)
    parser.add_argument("--documents", type=int, default=4)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--words", type=int, default=3000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="atlas-alerts-bench-"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    lines = ["platforms:"]
    keys = []
    for p in range(args.platforms):
        lines += [f"  p{p}:", f"    name: Platform {p}", "    documents:"]
        for d in range(args.documents):
            lines.append(f"      d{d}: https://example.org/p{p}/d{d}")
            keys.append(f"p{p}/d{d}")
    (root / "sources.yaml").write_text("\n".join(lines) + "\n")
    sources = load_sources(root / "sources.yaml")
    started = time.perf_counter()
    with Archive.from_sources(sources) as archive:
        for version in range(args.versions):
            for i, key in enumerate(keys):
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                archive.record_version(
                    key,
                    text_of(args.words, version, i),
                    message=f"{key}: version {version}\n\nAtlas-Fetched-At: {stamp}\n",
                    force_identity=("Bench", "bench@localhost"),
                )
    built = time.perf_counter() - started
    total = len(keys) * args.versions
    print(f"archive: {len(keys)} documents × {args.versions} versions = {total} versions, "
          f"~{args.words} words each (built in {built:.1f} s)")  # fmt: skip
    with Archive.from_sources(sources) as archive:
        feeds_time = best(lambda: build_feeds(archive, sources), repeats=1)
        cache: dict = {}
        feeds = build_feeds(archive, sources, cache=cache)
        warm_time = best(lambda: build_feeds(archive, sources, cache=cache))
        since = datetime(2000, 1, 1, tzinfo=UTC)
        digest_time = best(lambda: build_digest(archive, sources, State(), since=since))
        latest = [(key, archive.versions(key)[0]) for key in keys]
        targets = [build_target({"url": "json://127.0.0.1/hook", "format": f}) for f in
                   ("text", "markdown", "html")]  # fmt: skip

        def one_run() -> None:
            events = view.version_events(archive, sources, latest)
            build_messages(events, targets)

        run_time = best(one_run)
    size = sum(len(data) for data in feeds.values())
    print(
        f"build_feeds, no cache: {feeds_time * 1000:.0f} ms ({len(feeds)} feeds, {size // 1024} KB)"
    )
    print(
        f"build_feeds, warm cache (`atlas fetch --feed` with nothing new): {warm_time * 1000:.0f} ms"
    )
    print(f"build_digest (whole history): {digest_time * 1000:.0f} ms")
    print(
        f"one run's events + 3 messages ({len(keys)} changed documents): {run_time * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

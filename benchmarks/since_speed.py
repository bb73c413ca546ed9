"""How fast is a `--since` digest? `atlas diff --since DATE` over 44 documents, whole process.

Builds an archive in a temporary folder: 44 policy-like documents of about 30 KB
(benchmarks/diff_speed.py's generator, fixed seed), each with 4 versions a week
apart, then times `atlas diff --since` (plain output) from the second week on, so
every document is compared across 3 versions (2 intermediate steps chained).
Prints the best of N runs. Target: ≤ 1 s.

    .venv/bin/python benchmarks/since_speed.py [--runs 3] [--docs 44]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diff_speed import document, edit, join  # noqa: E402

from conductatlas_cli.archive.archive import Archive  # noqa: E402
from conductatlas_cli.config.load import load_sources  # noqa: E402


def build(root: Path, docs: int) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    lines = ["platforms:", "  bench:", "    documents:"]
    lines += [f"      doc-{n:04d}: https://bench.test/doc-{n:04d}" for n in range(docs)]
    (root / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = load_sources(root / "sources.yaml")
    rng = random.Random(44)
    texts = {}
    for n in range(docs):
        texts[n] = [document(rng, 30_000)]
        for _ in range(3):
            texts[n].append(edit(rng, texts[n][-1]))
    with Archive.from_sources(sources) as archive:
        for week in range(4):
            for n in range(docs):
                message = f"bench/doc-{n:04d}: v{week}\n\nAtlas-Fetched-At: 2026-01-{1 + 7 * week:02d}T10:00:00Z\n"
                archive.record_version(f"bench/doc-{n:04d}", join(texts[n][week]), message=message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=int, default=44)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atlas-since-") as tmp:
        root = Path(tmp)
        build(root, args.docs)
        atlas = [sys.executable, "-m", "conductatlas_cli", "diff", "--since", "2026-01-05"]
        best, cpu, out = float("inf"), float("inf"), ""
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                atlas + ["--format", "plain"], cwd=root, capture_output=True, text=True
            )
            best = min(best, time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            cpu = min(cpu, used)
            out = done.stdout
        # one heading per document: 'Bench — doc-0000 (bench/doc-0000): abc (…) → def (…)'
        documents = len(set(re.findall(r"^\S.* \((bench/doc-\d+)\): ", out, re.M)))
        print(
            f"--since over {args.docs} documents (3 versions each, {documents} compared, "
            f"{len(out) // 1000} KB of output): wall {best * 1000:.0f} ms, "
            f"CPU {cpu * 1000:.0f} ms (git included)"
        )


if __name__ == "__main__":
    main()

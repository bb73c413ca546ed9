"""How fast is `atlas site`? 1,000 versions over 100 documents: from scratch, again with
nothing changed, and after one new version.

Builds the archive in a temporary folder through the archive's own record path
(`Archive.record_version`: git objects written directly, one commit per version),
with policy-like Markdown of about 12 KB per document and scattered edits per
version (the generator of `diff_speed.py`, fixed seed), then times `build_site`.

    .venv/bin/python benchmarks/site.py [--documents 100] [--versions 10] [--size 12000]

Targets: ≤ 20 s from scratch, ≤ 2 s when nothing changed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diff_speed import VOCAB, document, edit, join, sentence  # noqa: E402

from conductatlas_cli.archive.archive import Archive  # noqa: E402
from conductatlas_cli.config.load import load_sources  # noqa: E402
from conductatlas_cli.site import build_site  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def revise(rng: random.Random, sections: list[list[str]], step: int) -> list[list[str]]:
    """A new version: every third one the big edit of diff_speed (moves, renumbering),
    otherwise a few reworded sentences and one added."""
    if step % 3 == 0:
        try:
            return edit(rng, sections)
        except StopIteration:  # no numbered clause left in the second half
            pass
    new = [list(s) for s in sections]
    for _ in range(3):
        s = rng.choice(new[1:])
        body = [i for i, line in enumerate(s) if i > 1 and line and not line.startswith("|")]
        if body:
            i = rng.choice(body)
            words = s[i].split()
            words[rng.randrange(len(words))] = rng.choice(VOCAB)
            s[i] = " ".join(words)
    s = rng.choice(new[1:])
    s.insert(len(s) - 1, sentence(rng))
    return new


def make_archive(root: Path, *, documents: int, versions: int, size: int) -> tuple[int, int]:
    """A project in ROOT with DOCUMENTS × VERSIONS recorded versions; (commits, seconds)."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    keys = [f"platform-{i // 4:02d}/document-{i % 4}" for i in range(documents)]
    lines = ["platforms:"]
    for platform in sorted({k.split("/")[0] for k in keys}):
        lines += [f"  {platform}:", f"    name: Platform {platform[-2:]}", "    documents:"]
        for key in (k for k in keys if k.startswith(platform + "/")):
            lines.append(f"      {key.split('/')[1]}: https://example.com/{key}")
    (root / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(16)
    texts = {key: document(rng, size) for key in keys}
    start = time.perf_counter()
    commits = 0
    with Archive(root, root / "snapshots", root / ".atlas") as archive:
        for step in range(versions):
            for n, key in enumerate(keys):
                when = START + timedelta(days=step * 7, minutes=n)
                if step:
                    texts[key] = revise(rng, texts[key], step)
                message = (
                    f"{key}: version {step + 1}\n\n"
                    f"Atlas-Source: https://example.com/{key}\n"
                    f"Atlas-Fetched-At: {when:%Y-%m-%dT%H:%M:%SZ}\n"
                )
                archive.record_version(key, join(texts[key]), message=message)
                commits += 1
    return commits, time.perf_counter() - start


def timed_build(root: Path, site: Path, processes: int):
    sources = load_sources(root / "sources.yaml")
    start = time.perf_counter()
    with Archive.from_sources(sources) as archive:
        result = build_site(sources, archive, site, processes=processes)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--size", type=int, default=12_000, help="bytes per document, about")
    parser.add_argument(
        "--processes", type=int, default=min(4, os.cpu_count() or 1), help="default: CPUs, ≤ 4"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atlas-site-bench-") as tmp:
        root, site = Path(tmp) / "archive", Path(tmp) / "site"
        commits, seconds = make_archive(
            root, documents=args.documents, versions=args.versions, size=args.size
        )
        print(f"archive: {commits} versions over {args.documents} documents in {seconds:.1f} s")
        before = os.times()
        result, scratch = timed_build(root, site, args.processes)
        after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])  # user + system, this process and its children
        print(
            f"from scratch:     {scratch:6.2f} s  ({result.pages} pages, "
            f"{len(result.counts.written)} files written; {result.workers} worker processes; "
            f"{cpu:.2f} s CPU with git and workers; load {os.getloadavg()[0]:.1f})   target ≤ 20 s"
        )
        result, again = timed_build(root, site, args.processes)
        print(
            f"nothing changed:  {again:6.2f} s  ({len(result.counts.written)} files written)"
            "   target ≤ 2 s"
        )
        with Archive(root, root / "snapshots", root / ".atlas") as archive:
            key = "platform-00/document-0"
            text = archive.read_latest(key) + "\n## 99. A New Clause\n\nA new sentence.\n"
            archive.record_version(key, text, message=f"{key}: one more\n")
        result, one = timed_build(root, site, args.processes)
        print(
            f"one new version:  {one:6.2f} s  ({len(result.counts.written)} files written: "
            f"{', '.join(sorted(result.counts.written))})"
        )


if __name__ == "__main__":
    main()

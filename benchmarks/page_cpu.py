"""Where one page's CPU goes on the cold path of `atlas fetch`, step by step.

A new document's page is extracted, normalized, checked by the guards, hashed for the
change model (`run.pages.noise_hash`), its words counted, and its text tagged with the
shipped topics (the `Atlas-Topics` trailer): `run.pages.process_page` with a job's
`topics`. This script times each step on its own, in this one process, with
`time.process_time` (CPU, not wall), on the pages `scale.py hosts` fetches (the
`hosts-120` corpus of benchmarks/corpus.py, ~97 KB of HTML, ~6,000 words each), and
prints the median per page of each step over REPEATS passes, then the whole
`process_page` call the workers make (which may share work between the steps), and a
page's second extraction with its site's chrome (`run/site_evidence.py`; the pages of
`scale.py hosts` are 10 per host, in order), with the first one's result as its `Prior`
(what a fetch does) and without it.

    python benchmarks/page_cpu.py                 # 120 pages, 3 passes
    python benchmarks/page_cpu.py --pages 20 --repeats 5
    python benchmarks/page_cpu.py --profile       # cProfile of process_page, top 30

Each step starts with the caches keyed by a text or its lines emptied (`forget`): a worker
meets each page once, so no step gains from an earlier one; the taxonomy is loaded and
compiled once, before the first pass, as each worker process does.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402
from run import WORK  # noqa: E402

from conductatlas_cli.diff import sections  # noqa: E402
from conductatlas_cli.diff.sections import fold_strict  # noqa: E402
from conductatlas_cli.extract.evidence import Evidence  # noqa: E402
from conductatlas_cli.extract.extractor import extract_page  # noqa: E402
from conductatlas_cli.run.pages import (  # noqa: E402
    PageJob,
    Prior,
    noise_hash,
    process_page,
    text_tags,
)
from conductatlas_cli.snapshot.guards import check_page  # noqa: E402
from conductatlas_cli.snapshot.normalize import normalize_text  # noqa: E402
from conductatlas_cli.snapshot.units import line_unit  # noqa: E402
from conductatlas_cli.snapshot.words import count_words  # noqa: E402
from conductatlas_cli.topics import load_taxonomy  # noqa: E402


def pages(count: int) -> list[bytes]:
    corpus = WORK / "corpus" / "hosts-120"
    write_corpus(corpus, docs=120, versions=1)
    return [p.read_bytes() for p in sorted(corpus.glob("doc-*/v0.html"))[:count]]


def job_for(body: bytes, topics: dict | None = None) -> PageJob:
    return PageJob(
        body=body,
        content_type="text/html; charset=utf-8",
        url="http://127.0.0.2/doc",
        topics=topics,
    )


def site_chrome(bodies: list[bytes], per_host: int = 10) -> list[frozenset[int]]:
    """Each page's blocks that another page of its host holds (hosts of PER_HOST pages)."""
    blocks = [extract_page(job_for(b)).blocks for b in bodies]
    out = []
    for i, own in enumerate(blocks):
        first = i - i % per_host
        others = [blocks[j] for j in range(first, first + per_host) if j != i and j < len(blocks)]
        out.append(own & frozenset().union(*others))
    return out


def forget() -> None:
    """Empty the caches keyed by a text or its lines, as a worker meets a page: once."""
    line_unit.cache_clear()
    fold_strict.cache_clear()
    sections._parse.cache_clear()


def steps(body: bytes, taxonomy, chrome: frozenset[int]) -> dict[str, float]:
    """Each step of one page, CPU seconds (each step from empty text caches)."""
    out: dict[str, float] = {}
    forget()
    t = time.process_time()
    page = extract_page(job_for(body))
    out["extract"] = time.process_time() - t
    forget()
    t = time.process_time()
    text = normalize_text(page.text)
    out["normalize"] = time.process_time() - t
    forget()
    t = time.process_time()
    check_page(text, body=body, min_chars=0)
    out["guards"] = time.process_time() - t
    forget()
    t = time.process_time()
    noise_hash(text, ())
    out["stream hash"] = time.process_time() - t
    forget()
    t = time.process_time()
    count_words(text)
    out["word count"] = time.process_time() - t
    forget()
    t = time.process_time()
    text_tags(text, taxonomy)
    out["tagging"] = time.process_time() - t
    forget()
    t = time.process_time()
    first = process_page(job_for(body, {}))
    out["process_page (all, tagged)"] = time.process_time() - t
    second = replace(job_for(body), evidence=Evidence(chrome=chrome))
    prior = Prior(first.extracted, first.text or "", first.noise, first.words)
    forget()
    t = time.process_time()
    process_page(replace(second, prior=prior))
    out["2nd extraction, prior"] = time.process_time() - t
    forget()
    t = time.process_time()
    process_page(second)
    out["2nd extraction, no prior"] = time.process_time() - t
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile process_page instead")
    args = parser.parse_args(argv)
    bodies = pages(args.pages)
    taxonomy = load_taxonomy({})
    process_page(job_for(bodies[0], {}))  # imports, the taxonomy of the worker: set-up once
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for body in bodies:
            process_page(job_for(body, {}))
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        return 0
    chrome = site_chrome(bodies)
    per_pass: list[dict[str, float]] = []
    for _ in range(args.repeats):
        total: dict[str, float] = {}
        for body, shared in zip(bodies, chrome, strict=True):
            for name, seconds in steps(body, taxonomy, shared).items():
                total[name] = total.get(name, 0.0) + seconds
        per_pass.append(total)
    size = sum(len(b) for b in bodies) / len(bodies) / 1024
    print(
        f"{len(bodies)} pages, {size:.0f} KB of HTML on average; CPU per page, median of {args.repeats}"
    )
    names = list(per_pass[0])
    steps_sum = 0.0
    for name in names:
        ms = statistics.median(p[name] for p in per_pass) / len(bodies) * 1000
        if name.startswith("process_page"):
            print(f"  {'sum of the steps':28} {steps_sum:6.1f} ms")
        elif not name.startswith("2nd"):
            steps_sum += ms
        print(f"  {name:28} {ms:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How well does the topic tagger find governance topics? Measured on a hand-labelled gold set.

    .venv/bin/python benchmarks/topics.py /work/shared/realpages [--source reference|atlas]
        [--only KEY] [--share dev|held-out] [--errors] [--speed-only]

Gold: benchmarks/topics_gold.yaml — for each real policy document of the
realpages corpus (latest capture), which of the 12 shipped topics it
addresses and a short verbatim phrase locating each provision, labelled by
reading the reference texts (see the file's header for the guidelines).

Text tagged: `reference` (default) — the capture's Open Terms Archive
reference text, with setext headings written as ATX (what atlas's own
Markdown uses); `atlas` — atlas's own extraction of the captured page.

Printed, per topic and micro-averaged over the 12, for the development
documents and the held-out ones (platforms with sha1(platform id) % 3 == 0,
never looked at while writing patterns):
- document-level precision and recall (does the document address the topic?);
- compare hit: share of labelled provisions for which a provision returned
  for that topic (what `atlas compare` shows) contains the locating phrase;
- specificity: mean share of the document's words in the returned provisions,
  per document and topic (over true positives);
and the time to tag a 100 KB document (best of 20).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conductatlas_cli.topics import load_taxonomy, tag_text  # noqa: E402
from conductatlas_cli.topics.segment import clean_markup  # noqa: E402

GOLD = Path(__file__).with_name("topics_gold.yaml")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")


def held_out(platform: str) -> bool:
    """Platforms kept out of pattern development: sha1(platform id) % 3 == 0."""
    return int(hashlib.sha1(platform.encode()).hexdigest(), 16) % 3 == 0


def atx(text: str) -> str:
    """TEXT with setext headings ("Title\\n=====") written as ATX ("# Title")."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            line.strip()
            and _SETEXT.match(nxt)
            and not line.lstrip().startswith(("#", "|", "* ", "- ", ">"))
            and not _SETEXT.match(line)
        ):
            out.append(("# " if "=" in nxt else "## ") + line.strip())
        elif (
            _SETEXT.match(line)
            and out
            and out[-1].startswith("#")
            and i > 0
            and lines[i - 1].strip()
        ):
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def words(text: str) -> int:
    return len(clean_markup(text).split())


def load_text(root: Path, doc: dict, source: str) -> str:
    caps = [c for c in doc["captures"] if c.get("reference")]
    cap = caps[-1]
    folder = root / doc["platform"] / doc["document"]
    if source == "reference":
        return atx((folder / cap["reference"]).read_text("utf-8"))
    from conductatlas_cli.extract.evidence import ExtractRequest
    from conductatlas_cli.extract.extractor import extract_page
    from conductatlas_cli.snapshot.normalize import normalize_text

    body = gzip.decompress((folder / cap["page"]).read_bytes())
    ctype = "application/pdf" if cap["page"].endswith(".pdf.gz") else "text/html"
    return normalize_text(
        extract_page(ExtractRequest(body, content_type=ctype, url="https://example.org/")).text
    )


def speed(text: str, taxonomy) -> tuple[float, float]:
    """Best of 20 wall and CPU times (ms) to tag TEXT, repeated to about 100 KB."""
    doc = text
    while len(doc.encode()) < 100 * 1024:
        doc += "\n\n" + text
    doc = doc.encode()[: 100 * 1024].decode("utf-8", "ignore")
    tag_text(doc, taxonomy)  # compile outside the timing
    wall = cpu = float("inf")
    for _ in range(20):
        start, start_cpu = time.perf_counter(), time.process_time()
        tag_text(doc, taxonomy)
        wall = min(wall, (time.perf_counter() - start) * 1000)
        cpu = min(cpu, (time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--source", choices=("reference", "atlas"), default="reference")
    parser.add_argument("--only", help="only documents whose key contains this")
    parser.add_argument(
        "--errors", action="store_true", help="list false positives/negatives and misses"
    )
    parser.add_argument(
        "--share",
        choices=("dev", "held-out"),
        help="only this share's documents (tune on dev; read held-out's figures, not its errors)",
    )
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy()
    manifest = json.loads((args.path / "manifest.json").read_text("utf-8"))
    gold = yaml.safe_load(GOLD.read_text("utf-8"))["documents"]

    sample = max(
        (
            d
            for d in manifest
            if f"{d['platform']}/{d['document']}" == "microsoft-copilot/privacy-policy"
        ),
        key=lambda d: 0,
        default=manifest[0],
    )
    wall, cpu = speed(load_text(args.path, sample, "reference"), taxonomy)
    print(
        "tagging a 100 KB document (microsoft-copilot/privacy-policy): "
        f"{wall:.1f} ms wall, {cpu:.1f} ms CPU (best of 20; load {os.getloadavg()[0]:.1f})"
    )
    if args.speed_only:
        return 0

    # counts[split][topic] = [tp, fp, fn, hits, provisions, spec_sum, spec_n]
    counts: dict[str, dict[str, list[float]]] = {
        s: defaultdict(lambda: [0, 0, 0, 0, 0, 0.0, 0]) for s in ("dev", "held-out")
    }
    n_docs = {"dev": 0, "held-out": 0}
    for doc in manifest:
        key = f"{doc['platform']}/{doc['document']}"
        if key not in gold or (args.only and args.only not in key):
            continue
        split = "held-out" if held_out(doc["platform"]) else "dev"
        if args.share and split != args.share:
            continue
        n_docs[split] += 1
        text = load_text(args.path, doc, args.source)
        total_words = max(words(text), 1)
        tagged = tag_text(text, taxonomy)
        truth = gold[key] or {}
        found = set(tagged.topics)
        for topic in taxonomy.ids:
            c = counts[split][topic]
            if topic in found and topic in truth:
                c[0] += 1
            elif topic in found:
                c[1] += 1
                if args.errors:
                    m = [
                        h
                        for s in tagged.sections
                        for mm in s.matches
                        if mm.topic == topic
                        for h in mm.hits
                    ]
                    print(
                        f"  FP {key} {topic}: "
                        + "; ".join(f"{h.where.value}:{h.text!r}" for h in m[:4])
                    )
            elif topic in truth:
                c[2] += 1
                if args.errors:
                    print(f"  FN {key} {topic}: {truth[topic][0]!r}")
            if topic not in truth:
                continue
            provisions = tagged.provisions(topic)
            texts = [clean_markup(p.text) for p in provisions]
            for phrase in truth[topic]:
                c[4] += 1
                needle = clean_markup(phrase)
                if any(needle in t for t in texts):
                    c[3] += 1
                elif args.errors and topic in found:
                    print(f"  MISS {key} {topic}: {phrase!r}")
            if topic in found:
                c[5] += sum(words(p.text) for p in provisions) / total_words
                c[6] += 1

    for split in ("dev", "held-out"):
        if args.share and split != args.share:
            continue
        print(f"\n{split}: {n_docs[split]} documents (source: {args.source})")
        print(f"{'topic':26}{'P':>7}{'R':>7}{'hit':>7}{'spec':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
        tot = [0, 0, 0, 0, 0, 0.0, 0]
        for topic in taxonomy.ids:
            c = counts[split][topic]
            tot = [a + b for a, b in zip(tot, c, strict=True)]
            print(_row(topic, c))
        print(_row("micro", tot))
    return 0


def _row(name: str, c: list[float]) -> str:
    tp, fp, fn, hits, provs, spec, spec_n = c
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    h = hits / provs if provs else 1.0
    s = spec / spec_n if spec_n else 0.0
    return f"{name:26}{p:7.3f}{r:7.3f}{h:7.3f}{s:7.1%}{tp:5.0f}{fp:5.0f}{fn:5.0f}"


if __name__ == "__main__":
    raise SystemExit(main())

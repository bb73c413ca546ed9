"""Measure extraction quality on real captures against hand-made reference extractions.

Usage:  .venv/bin/python benchmarks/extract_quality.py PATH [--only KEY] [--repeat N] [--dump DIR]

PATH is a folder of captures (manifest.json, <platform>/<document>/<stamp>.html.gz
and .reference.md; see /work/shared/realpages/README.md). For every capture,
extract its text "out of the box" (no select/remove) twice: with plain
trafilatura (markdown, favor_recall, tables) as the baseline, and with atlas's
`extract_page`. Both texts and the reference are normalized (`normalize_text`
once it is implemented, else nothing) and split into sentences on [.!?] + space
and on newlines, after dropping Markdown markup (links, emphasis, <br> in table
cells). Sentences are compared by words: lowercase, punctuation and whitespace
removed (spaces too: the PDF reference glues words at line ends), so Markdown
style does not count.

- rec:  share of the reference's sentences found in the extracted text
- prec: share of the extracted sentences found in the reference
- head: share of the reference's headings (ATX or setext) present as headings
- ms:   best of --repeat wall times per page, extraction alone

Figures are averaged over a document's captures, then over documents. Captures
whose reference has under 5 sentences (the reference's own selectors failed)
are skipped and listed. --dump writes atlas's output per capture, to read.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conductatlas_cli.errors import ExtractError  # noqa: E402
from conductatlas_cli.extract.evidence import ExtractRequest  # noqa: E402
from conductatlas_cli.extract.extractor import extract_page  # noqa: E402

_LINK = re.compile(r"!?\[((?:\\.|[^\]\\])*)\]\([^)]*\)")  # link text may hold "\]"
_BR_TAG = re.compile(r"<br\s*/?>", re.I)  # line breaks in table cells: markup too
_NONWORD = re.compile(r"[\W_]+", re.UNICODE)
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_]|[*_](?!\w)")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
# a table row, a quote or a list item is not a setext heading's text ("**Bold**" is)
_NOT_SETEXT = re.compile(r"\s*(?:[|>]|[-*+](?:\s|$))")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _normalizer():
    """`normalize_text` when it is implemented, else the identity (our split does the rest)."""
    try:
        from conductatlas_cli.snapshot.normalize import normalize_text

        normalize_text("A sentence. Another one.\n")
        return normalize_text
    except (ImportError, NotImplementedError, AttributeError):
        return lambda text: text


NORMALIZE = _normalizer()


def words(text: str) -> str:
    """Compare by words: drop link targets and markup, lowercase, collapse whitespace."""
    text = _BR_TAG.sub(" ", _LINK.sub(r"\1", text))
    return " ".join(_NONWORD.sub(" ", text.lower()).split())


def sentences(text: str) -> list[str]:
    """The comparable sentences of a Markdown text (empty ones and setext rules dropped)."""
    out = []
    text = _BR_TAG.sub(" ", _EMPHASIS.sub("", _LINK.sub(r"\1", NORMALIZE(text))))
    for piece in _SPLIT.split(text):
        if _SETEXT.match(piece.strip()):
            continue
        w = words(piece).replace(" ", "")  # spaces too: PDF references glue words at line ends
        if w:
            out.append(w)
    return out


def headings(text: str) -> list[str]:
    """ATX and setext headings, as words."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        m = _ATX.match(line)
        if m:
            found.append(words(m.group(2)))
        elif (
            i + 1 < len(lines)
            and line.strip()
            and re.fullmatch(r"(=+|-{2,})\s*", lines[i + 1])
            and not _NOT_SETEXT.match(line)
            and (i == 0 or not lines[i - 1].strip())
        ):
            found.append(words(line))
    return [h for h in found if h]


def score(got: str, reference: str) -> tuple[float, float, float]:
    ref_s, got_s = sentences(reference), sentences(got)
    got_set, ref_set = set(got_s), set(ref_s)
    recall = sum(s in got_set for s in ref_s) / len(ref_s) if ref_s else 1.0
    precision = sum(s in ref_set for s in got_s) / len(got_s) if got_s else 0.0
    ref_h, got_h = headings(reference), set(headings(got))
    kept = sum(h in got_h for h in ref_h) / len(ref_h) if ref_h else 1.0
    return recall, precision, kept


def baseline(body: bytes) -> str:
    import trafilatura

    out = trafilatura.extract(
        body, output_format="markdown", favor_recall=True, include_tables=True, deduplicate=False
    )
    return out or ""


def atlas(body: bytes, content_type: str, url: str) -> str:
    try:
        return extract_page(ExtractRequest(body, content_type=content_type, url=url)).text
    except ExtractError as exc:
        print(f"  extract error: {exc}", file=sys.stderr)
        return ""


def timed(fn, *args, repeat: int = 1) -> tuple[str, float]:
    """The output and the best of `repeat` wall times in ms (the machine may be busy)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, (time.perf_counter() - start) * 1000)
    return out, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--only", help="only documents whose key contains this")
    parser.add_argument("--repeat", type=int, default=3, help="time each extraction N times")
    parser.add_argument("--dump", type=Path, help="write atlas's output per capture here")
    args = parser.parse_args(argv)
    manifest = json.loads((args.path / "manifest.json").read_text("utf-8"))
    baseline(b"<html><body><p>warm up</p></body></html>")  # pay the import outside timings
    atlas(b"<html><body><p>warm up</p></body></html>", "text/html", "https://example.com/")

    cols = ("b.rec", "b.prec", "b.head", "b.ms", "a.rec", "a.prec", "a.head", "a.ms")
    print(f"{'document':46}" + "".join(f"{c:>8}" for c in cols))
    rows = []
    skipped: list[str] = []
    html_ms: list[tuple[float, float]] = []
    for doc in manifest:
        key = f"{doc['platform']}/{doc['document']}"
        if args.only and args.only not in key:
            continue
        per_capture = []
        for cap in doc["captures"]:
            if not cap.get("reference") or not cap.get("page"):
                continue  # a capture without a reference cannot be scored
            folder = args.path / doc["platform"] / doc["document"]
            body = gzip.decompress((folder / cap["page"]).read_bytes())
            reference = (folder / cap["reference"]).read_text("utf-8")
            if len(sentences(reference)) < 5:
                skipped.append(f"{key} {cap['captured']}")
                continue  # the reference's own selectors failed on this capture
            ctype = "application/pdf" if cap["page"].endswith(".pdf.gz") else "text/html"
            b_text, b_ms = timed(baseline, body, repeat=args.repeat)
            a_text, a_ms = timed(atlas, body, ctype, "https://example.com/", repeat=args.repeat)
            if args.dump:
                out = args.dump / doc["platform"] / doc["document"]
                out.mkdir(parents=True, exist_ok=True)
                (out / cap["page"].replace(".gz", ".md")).write_text(a_text, "utf-8")
            per_capture.append((*score(b_text, reference), b_ms, *score(a_text, reference), a_ms))
            if ctype == "text/html":
                html_ms.append((b_ms, a_ms))
        if not per_capture:
            continue
        row = [sum(c[i] for c in per_capture) / len(per_capture) for i in range(8)]
        rows.append(row)
        print(f"{key:46}" + "".join(_fmt(i, v) for i, v in enumerate(row)))
    if rows:
        avg = [sum(r[i] for r in rows) / len(rows) for i in range(8)]
        print(
            f"{'AVERAGE (' + str(len(rows)) + ' documents)':46}"
            + "".join(_fmt(i, v) for i, v in enumerate(avg))
        )
        worst = [min(r[i] for r in rows) for i in range(8)]
        print(f"{'WORST document':46}" + "".join(_fmt(i, v) for i, v in enumerate(worst)))
    if html_ms:
        base = sorted(b for b, _ in html_ms)
        ours = sorted(a for _, a in html_ms)
        print(
            f"ms per HTML capture ({len(html_ms)}): baseline mean {sum(base) / len(base):.1f}"
            f" median {base[len(base) // 2]:.1f}; atlas mean {sum(ours) / len(ours):.1f}"
            f" median {ours[len(ours) // 2]:.1f} max {ours[-1]:.1f}"
        )
    for capture in skipped:
        print(f"skipped (reference under 5 sentences): {capture}")
    return 0


def _fmt(i: int, value: float) -> str:
    return f"{value:8.1f}" if i in (3, 7) else f"{value:8.3f}"


if __name__ == "__main__":
    sys.exit(main())

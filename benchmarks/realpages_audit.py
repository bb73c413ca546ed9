"""Audit the judge's `stale` rule against the page bytes: is each excused reference really lagging?

Usage:  .venv/bin/python benchmarks/realpages_audit.py PATH [--share develop|held-out|all]
                         [--only KEY] [--dump DIR] [--show N]

For every capture that benchmarks/realpages_judge.py's `Capture.stale` leaves unscored,
prints the reference's sentences it found nowhere in the page's markup, and for each:

- near: the share of its 12-letter shingles that the page does hold (a sentence
  reworded in one word scores high; an encoding the judge folds wrongly would be
  ~1.0, which would make the rule unfair);
- other: another capture of the same document whose page holds it (evidence that
  the reference belongs to that version of the page), or "-".

With --dump DIR (a `realpages.py --dump` of the same run), it also scores atlas's
text of each stale capture on what the rule hides: recall over the reference's
sentences that the page does hold, and the share of atlas's sentences found in
this reference or in any reference of the document (the version the page had
moved to). A low figure there is an atlas error that the rule would excuse.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_quality import _BR_TAG, _EMPHASIS, _LINK, _SPLIT, NORMALIZE, words  # noqa: E402
from realpages import load_captures, share_of  # noqa: E402
from realpages_capture import STALE_MIN_LETTERS, Capture  # noqa: E402
from realpages_judge import GONE_MIN_LETTERS  # noqa: E402

SHINGLE = 12


def readable_sentences(text: str) -> list[tuple[str, str]]:
    """(the sentence as written, the scorer's sentence) pairs, as extract_quality splits."""
    out = []
    text = _BR_TAG.sub(" ", _EMPHASIS.sub("", _LINK.sub(r"\1", NORMALIZE(text))))
    for piece in _SPLIT.split(text):
        w = words(piece).replace(" ", "")
        if w:
            out.append((piece.strip(), w))
    return out


def near(sentence: str, page: str) -> float:
    """The share of SENTENCE's shingles found in PAGE (letters and digits only)."""
    if len(sentence) < SHINGLE:
        return 0.0
    grams = [sentence[i : i + SHINGLE] for i in range(len(sentence) - SHINGLE + 1)]
    return sum(g in page for g in grams) / len(grams)


def audit_document(key: str, caps: list[Capture], dump: Path | None, show: int) -> list[str]:
    lines: list[str] = []
    refs = [c.reference for c in caps if c.reference]
    ref_sets = [{s for _, s in readable_sentences(r)} for r in refs]
    for i, cap in enumerate(caps):
        if not (cap.usable and cap.stale):
            continue
        pairs = readable_sentences(cap.reference or "")
        long = [(t, s) for t, s in pairs if len(s) >= STALE_MIN_LETTERS]
        absent = [(t, s) for t, s in long if cap.absent(s)]
        lines.append(
            f"{key} {cap.stamp}: {len(absent)} of {len(long)} reference sentences"
            " nowhere in the page"
        )
        for text, s in absent[:show]:
            other = next(
                (c.stamp for c in caps if c is not cap and c.page_letters and s in c.page_letters),
                "-",
            )
            lines.append(f"    near {near(s, cap.page_letters):.2f} other {other}: {text[:110]}")
        if len(absent) > show:
            lines.append(f"    … {len(absent) - show} more")
        if dump is None:
            continue
        got_path = dump / key / f"{cap.stamp}.atlas.md"
        if not got_path.exists():
            continue
        got = [s for _, s in readable_sentences(got_path.read_text("utf-8"))]
        got_set = set(got)
        present = [s for _, s in pairs if not cap.absent(s)]
        rec = sum(s in got_set for s in present) / len(present) if present else 1.0
        own = {s for _, s in pairs}
        any_ref = set().union(*ref_sets) if ref_sets else set()
        prec_own = sum(s in own for s in got) / len(got) if got else 0.0
        prec_any = sum(s in any_ref for s in got) / len(got) if got else 0.0
        extra = [t for t, s in readable_sentences(got_path.read_text("utf-8")) if s not in any_ref]
        lines.append(
            f"    atlas: recall of what the page holds {rec:.3f}; precision against this"
            f" reference {prec_own:.3f}, against any of the document's {prec_any:.3f}"
        )
        for text in extra[:show]:
            lines.append(f"      in no reference: {text[:110]}")
        del i
    if dump is not None:
        lines.extend(_audit_lags(key, caps, dump, show))
    return lines


def _audit_lags(key: str, caps: list[Capture], dump: Path, show: int) -> list[str]:
    """The `lagged` rule's evidence for each capture whose atlas text changed, re-checked.

    For each sentence atlas's text lost that the reference still holds and the new page
    holds nowhere: the share of its shingles the new page holds (near) and whether the
    previous page held it (the page changed, not atlas's reading of it).
    """
    lines: list[str] = []
    texts = {}
    for cap in caps:
        path = dump / key / f"{cap.stamp}.atlas.md"
        texts[cap.stamp] = path.read_text("utf-8") if path.exists() else None
    for prev, cap in zip(caps, caps[1:], strict=False):
        old, new = texts[prev.stamp], texts[cap.stamp]
        if old is None or new is None or old == new or prev.ref_words != cap.ref_words:
            continue
        ref = cap.reference or next((c.reference for c in caps if c.reference), None)
        in_ref = {s for _, s in readable_sentences(ref or "")}
        kept = {s for _, s in readable_sentences(new)}
        gone = [
            (t, s)
            for t, s in dict.fromkeys(readable_sentences(old))
            if s not in kept and s in in_ref and len(s) >= GONE_MIN_LETTERS and cap.absent(s)
        ]
        if not gone:
            continue
        on_prev = sum(1 for _, s in gone if s in prev.page_letters)
        lines.append(
            f"{key} {cap.stamp}: lagged, {len(gone)} sentence(s) atlas lost are in the"
            f" reference and nowhere in the page; the previous page held {on_prev}"
        )
        for text, s in gone[:show]:
            lines.append(f"    near {near(s, cap.page_letters):.2f}: {text[:110]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--share", choices=("develop", "held-out", "all"), default="develop")
    parser.add_argument("--only", help="only documents whose key contains this")
    parser.add_argument("--dump", type=Path, help="a realpages.py --dump folder of the same run")
    parser.add_argument("--show", type=int, default=4, help="sentences shown per capture")
    args = parser.parse_args(argv)
    manifest = json.loads((args.path / "manifest.json").read_text("utf-8"))
    services = [doc["service"] for doc in manifest]
    total = 0
    for doc in manifest:
        key = f"{doc['platform']}/{doc['document']}"
        if args.share != "all" and share_of(doc["service"], services) != args.share:
            continue
        if args.only and not re.search(re.escape(args.only), key):
            continue
        caps = load_captures(args.path, doc)
        lines = audit_document(key, caps, args.dump, args.show)
        total += sum(1 for ln in lines if not ln.startswith(" ") and "lagged" not in ln)
        for line in lines:
            print(line)
    print(f"{total} stale captures")
    return 0


if __name__ == "__main__":
    sys.exit(main())

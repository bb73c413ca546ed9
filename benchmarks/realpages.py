"""Replay real captures through `atlas fetch`: is the whole document kept, and only true changes recorded?

Usage:  .venv/bin/python benchmarks/realpages.py PATH [--baseline] [--explain] [--cli] [--only KEY]
                                                     [--keep DIR]

PATH is a folder of captures (manifest.json, <platform>/<document>/<stamp>.html.gz or
.pdf.gz, and <stamp>.reference.md; see /work/shared/realpages/README.md). For each
document, its captures are served IN ORDER from a local HTTP server on 127.0.0.1 (the
current capture, decompressed, as text/html or application/pdf, status 200, no ETag or
Last-Modified) and fetched by the real pipeline (`conductatlas_cli.run.runner.run_fetch`,
what `atlas fetch` runs; with --cli, `atlas fetch --json` itself as a subprocess) into a
fresh temporary archive: a folder with a sources.yaml
naming the one document, out of the box (no select, remove or ignore), and `git init`.

--baseline replays the same captures through plain trafilatura (markdown, favor_recall,
tables, deduplicate off) + `normalize_text` and a naive rule: record whenever the text
differs from the last recorded text (an empty extraction is a failure, not recorded).
That is the "before" column.

Per document and in total:

- rec / prec / head: sentence recall, sentence precision and headings kept of atlas's
  snapshot text AFTER each capture against that capture's reference (scored with
  benchmarks/extract_quality.py's `score`: sentences compared by words, lowercase,
  Markdown markup and punctuation dropped). Averaged over the captures with a usable
  reference (one with at least 5 sentences), then over documents. A capture before
  anything was recorded scores 0.
- commits: versions recorded (the first snapshot included).
- noise: commits where the reference's words did not change since the version recorded
  before (the reference at the capture of atlas's previous commit). A capture without a
  reference borrows the next capture's reference (Open Terms Archive records a version
  only when it changes, so a missing reference means "not extracted yet", not "changed").
  A first snapshot is noise when it is not the document (recall under 0.2 against its
  reference): an error page or a bot wall recorded as the document. A commit judged
  noise is cleared when the next reference change's new wording was already in atlas's
  snapshot and came in with that commit: the page changed before the reference did.
- changes: consecutive captures whose references differ in words (emphasis markers
  dropped first, so `section**I.` is `sectionI.`). A change between a partial reference
  (under 5 sentences: its own selectors failed) and a full one is not counted.
- missed: such a change where atlas made no commit at that capture AND atlas's snapshot
  does not reflect it. The reference change is cut into hunks (a word diff, each hunk
  with 4 words of context either side). A hunk is within atlas's reach when atlas's own
  extraction of the new capture holds the new wording, or its extraction of the previous
  capture held the old wording; it is reflected when the snapshot holds the new wording
  (or, when only the old wording was ever extracted, no longer holds the old). A change
  none of whose hunks are within reach, i.e. it only touched words atlas never extracts
  (navigation, a block the extractor drops), is counted apart as `unreached`: it is a
  recall gap (seen in rec), not a recording failure.
- held / failed: fetches reported held back or failed (error pages, bot walls).
- ms/page: extraction + normalize alone (best of 1, in this process), mean over captures.

--explain prints, for each noise commit, the diff of atlas's text, and for each missed
or unreached change, the reference hunks and what atlas had.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_quality import score, sentences, words  # noqa: E402

from conductatlas_cli.config.load import load_sources  # noqa: E402
from conductatlas_cli.errors import AtlasError  # noqa: E402
from conductatlas_cli.extract.extractor import extract_text  # noqa: E402
from conductatlas_cli.run.runner import run_fetch  # noqa: E402
from conductatlas_cli.snapshot.normalize import normalize_text  # noqa: E402

CONTEXT = 4  # words of context either side of a reference hunk
FIRST_SNAPSHOT_MIN_RECALL = 0.2
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_]|[*_](?!\w)")  # as extract_quality drops it


def plain_words(text: str) -> str:
    """extract_quality.words, after dropping emphasis (`section**I.` is `sectionI.`)."""
    return words(_EMPHASIS.sub("", text))


# --- the server -------------------------------------------------------------------


class _Served:
    """What the server answers: one body and content type at a time."""

    lock = threading.Lock()
    body = b""
    ctype = "text/html"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        with _Served.lock:
            body, ctype = _Served.body, _Served.ctype
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# --- one capture, one document ------------------------------------------------------


@dataclass
class Capture:
    stamp: str
    body: bytes
    ctype: str
    reference: str | None  # None: no reference for this capture
    ref_words: str = ""  # the (possibly borrowed) reference, as words
    usable: bool = False  # the reference has at least 5 sentences: scored


@dataclass
class Step:
    """What the replay did with one capture."""

    status: str  # new, changed, unchanged, held, failed
    reason: str | None
    extracted: str  # atlas's (or the baseline's) own text for this capture, normalized
    snapshot: str | None  # the recorded text after this capture
    ms: float


@dataclass
class DocResult:
    key: str
    captures: int = 0
    scored: int = 0
    rec: float = 0.0
    prec: float = 0.0
    head: float = 0.0
    commits: int = 0
    noise: int = 0
    changes: int = 0
    missed: int = 0
    unreached: int = 0
    held: int = 0
    failed: int = 0
    ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_captures(root: Path, doc: dict) -> list[Capture]:
    folder = root / doc["platform"] / doc["document"]
    out = []
    for cap in doc["captures"]:
        body = gzip.decompress((folder / cap["page"]).read_bytes())
        ctype = "application/pdf" if cap["page"].endswith(".pdf.gz") else "text/html"
        ref = None
        if cap.get("reference") and (folder / cap["reference"]).exists():
            ref = (folder / cap["reference"]).read_text("utf-8")
        out.append(Capture(cap["captured"], body, ctype, ref))
    # A capture without a reference borrows the next one's (see the module docstring).
    following = None
    for cap in reversed(out):
        if cap.reference is not None:
            following = cap.reference
            cap.usable = len(sentences(cap.reference)) >= 5
            cap.ref_words = plain_words(cap.reference)
        elif following is not None:
            cap.ref_words = plain_words(following)
            cap.reference = None
    return out


def atlas_text(body: bytes, ctype: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        text = normalize_text(extract_text(body, content_type=ctype, url="http://127.0.0.1/"))
    except AtlasError:
        text = ""
    return text, (time.perf_counter() - start) * 1000


def baseline_text(body: bytes, ctype: str) -> tuple[str, float]:
    import trafilatura

    start = time.perf_counter()
    if ctype == "application/pdf":  # trafilatura has no PDF path: the same PDF text as atlas
        try:
            raw = extract_text(body, content_type=ctype, url="http://127.0.0.1/")
        except AtlasError:
            raw = ""
    else:
        raw = trafilatura.extract(
            body,
            output_format="markdown",
            favor_recall=True,
            include_tables=True,
            deduplicate=False,
        )
    text = normalize_text(raw or "")
    return text, (time.perf_counter() - start) * 1000


def _fetch_subprocess(root: Path) -> tuple[str, str | None]:
    """`atlas fetch --json` in ROOT: the one document's status and reason."""
    beside = Path(sys.executable).parent / "atlas"
    cmd = [str(beside) if beside.exists() else "atlas", "fetch", "--json"]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    doc = json.loads(out.stdout)["documents"][0]
    return doc["status"], doc["reason"]


def replay_atlas(
    key: str, caps: list[Capture], port: int, keep: Path | None, *, use_cli: bool = False
) -> list[Step]:
    platform, document = key.split("/")
    tmp = Path(tempfile.mkdtemp(prefix="atlas-realpages-"))
    try:
        (tmp / "sources.yaml").write_text(
            "settings:\n  jobs: 1\n  retries: 0\n  timeout: 30\n"
            f"platforms:\n  {platform}:\n    documents:\n"
            f"      {document}: http://127.0.0.1:{port}/{platform}/{document}\n",
            "utf-8",
        )
        subprocess.run(["git", "init", "-q", str(tmp)], check=True)
        sources = load_sources(tmp / "sources.yaml")
        snapshot = tmp / "snapshots" / platform / f"{document}.md"
        steps = []
        for cap in caps:
            with _Served.lock:
                _Served.body, _Served.ctype = cap.body, cap.ctype
            if use_cli:
                status, reason = _fetch_subprocess(tmp)
            else:
                doc = run_fetch(sources).documents[0]
                status, reason = doc.status, doc.reason
            extracted, ms = atlas_text(cap.body, cap.ctype)
            text = snapshot.read_text("utf-8") if snapshot.exists() else None
            steps.append(Step(status, reason, extracted, text, ms))
        if keep:
            dest = keep / platform / document
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(tmp, dest)
        return steps
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replay_baseline(caps: list[Capture]) -> list[Step]:
    steps = []
    last = None
    for cap in caps:
        text, ms = baseline_text(cap.body, cap.ctype)
        if not text:
            status, reason = "failed", "empty extraction"
        elif text != last:
            status, reason = ("new" if last is None else "changed"), None
            last = text
        else:
            status, reason = "unchanged", None
        steps.append(Step(status, reason, text, last, ms))
    return steps


# --- judging ----------------------------------------------------------------------


def hunks(old: str, new: str) -> list[tuple[str, str]]:
    """The word-level differences of two word strings: (old phrase, new phrase) with context."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        lo_a, lo_b = max(0, i1 - CONTEXT), max(0, j1 - CONTEXT)
        out.append((" ".join(a[lo_a : i2 + CONTEXT]), " ".join(b[lo_b : j2 + CONTEXT])))
    return out


def _cut(phrase: str, limit: int = 160) -> str:
    return phrase if len(phrase) <= limit else phrase[: limit - 1] + "…"


def _has(phrase: str, text_words: str) -> bool:
    return f" {phrase} " in f" {text_words} "


def judge_change(
    old_ref: str, new_ref: str, prev_extracted: str, extracted: str, snapshot: str | None
) -> tuple[str, list[str], list[str]]:
    """'reflected', 'missed' or 'unreached' for a reference change atlas did not commit.

    Also the explanation lines, and the new wordings found in the snapshot.
    """
    ext_new, ext_old = plain_words(extracted), plain_words(prev_extracted)
    snap = plain_words(snapshot or "")
    reached, unreflected = 0, 0
    lines, found = [], []
    for old_phrase, new_phrase in hunks(old_ref, new_ref):
        has_new = _has(new_phrase, ext_new)
        if not (has_new or _has(old_phrase, ext_old)):
            lines.append(f"    out of reach: -[{_cut(old_phrase)}] +[{_cut(new_phrase)}]")
            continue
        reached += 1
        ok = _has(new_phrase, snap) if has_new else not _has(old_phrase, snap)
        if not ok:
            unreflected += 1
        elif has_new:
            found.append(new_phrase)
        state = "reflected" if ok else "NOT in snapshot"
        lines.append(f"    {state}: -[{_cut(old_phrase)}] +[{_cut(new_phrase)}]")
    if not reached:
        return "unreached", lines, found
    return ("missed" if unreflected else "reflected"), lines, found


def judge(key: str, caps: list[Capture], steps: list[Step], explain: bool) -> DocResult:
    res = DocResult(key=key, captures=len(caps))
    sums = [0.0, 0.0, 0.0]
    recorded_ref: str | None = None  # reference words at atlas's last commit
    last_noise: tuple[str, str] | None = None  # (stamp, text before) of a noise commit
    for i, (cap, step) in enumerate(zip(caps, steps, strict=True)):
        res.ms.append(step.ms)
        res.held += step.status == "held"
        res.failed += step.status == "failed"
        if step.status in ("held", "failed"):
            res.notes.append(f"  {step.status} at {cap.stamp}: {step.reason}")
        if cap.usable:
            r, p, h = score(step.snapshot or "", cap.reference or "")
            sums[0] += r
            sums[1] += p
            sums[2] += h
            res.scored += 1
        committed = step.status in ("new", "changed")
        before = steps[i - 1].snapshot if i else None
        earlier_noise = last_noise  # a commit at this capture replaces it below
        if committed:
            res.commits += 1
            if recorded_ref is None:
                ref = cap.reference or _next_reference(caps, i)
                noise = (
                    ref is None or score(step.snapshot or "", ref)[0] < FIRST_SNAPSHOT_MIN_RECALL
                )
            else:
                noise = cap.ref_words == recorded_ref
            last_noise = None
            if noise:
                res.noise += 1
                last_noise = (cap.stamp, before or "")
                res.notes.append(
                    f"  noise commit at {cap.stamp} ({step.status})"
                    + _outside(before or "", step.snapshot or "", cap, caps, i)
                )
                if explain:
                    res.notes.extend(_diff(before or "", step.snapshot or ""))
            recorded_ref = cap.ref_words
        if not (i and caps[i - 1].ref_words and cap.ref_words):
            continue
        if caps[i - 1].ref_words == cap.ref_words:
            continue
        if cap.reference is None or caps[i - 1].reference is None:
            continue  # a borrowed reference: no known change here
        if cap.usable != caps[i - 1].usable:
            res.notes.append(
                f"  not counted: the reference at {caps[i - 1 if cap.usable else i].stamp} is"
                " partial (under 5 sentences: its own selectors failed), so its change is the"
                " reference's"
            )
            continue
        res.changes += 1
        if earlier_noise and _recorded_early(
            caps[i - 1].ref_words, cap.ref_words, before, earlier_noise[1]
        ):
            res.noise -= 1  # that commit recorded this change before the reference had it
            res.notes.append(
                f"  commit at {earlier_noise[0]} not noise after all: it recorded the"
                f" reference's change at {cap.stamp} early"
            )
            if last_noise is earlier_noise:
                last_noise = None
        if committed:
            continue
        verdict, lines, _found = judge_change(
            caps[i - 1].ref_words,
            cap.ref_words,
            steps[i - 1].extracted,
            step.extracted,
            step.snapshot,
        )
        if verdict == "reflected":
            continue
        if verdict == "missed":
            res.missed += 1
        else:
            res.unreached += 1
        res.notes.append(
            f"  {verdict} change at {cap.stamp} (atlas: {step.status}"
            + (f", {step.reason}" if step.reason else "")
            + ")"
        )
        if explain:
            res.notes.extend(lines[:12])
    if res.scored:
        res.rec, res.prec, res.head = (s / res.scored for s in sums)
    return res


def _recorded_early(old_ref: str, new_ref: str, snapshot: str | None, before: str) -> bool:
    """Whether SNAPSHOT already held a new wording of the reference change that BEFORE lacked."""
    snap, prior = plain_words(snapshot or ""), plain_words(before)
    return any(
        _has(new_phrase, snap) and not _has(new_phrase, prior)
        for _old, new_phrase in hunks(old_ref, new_ref)
    )


def _outside(old: str, new: str, cap: Capture, caps: list[Capture], i: int) -> str:
    """A note when none of the lines atlas changed is a sentence of the reference."""
    ref = cap.reference or _next_reference(caps, i)
    if ref is None:
        return ""
    in_ref = set(sentences(ref))
    changed = [
        line[1:]
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    got = {s for line in changed for s in sentences(line)}
    if got and not got & in_ref:
        return ": none of the lines it changed is in the reference (text the reference omits)"
    return ""


def _next_reference(caps: list[Capture], i: int) -> str | None:
    for cap in caps[i:]:
        if cap.reference is not None:
            return cap.reference
    return None


def _diff(old: str, new: str, limit: int = 40) -> list[str]:
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), "before", "after", n=0, lineterm=""
        )
    )
    shown = ["    " + ln[:200] for ln in lines[2 : 2 + limit]]
    if len(lines) > 2 + limit:
        shown.append(f"    … {len(lines) - 2 - limit} more diff lines")
    return shown


# --- main -------------------------------------------------------------------------


def _row(name: str, r: DocResult) -> str:
    ms = sum(r.ms) / len(r.ms) if r.ms else 0.0
    return (
        f"{name:44}{r.rec:6.3f}{r.prec:6.3f}{r.head:6.3f}{r.commits:8}{r.noise:6}"
        f"{r.changes:8}{r.missed:7}{r.unreached:6}{r.held:5}{r.failed:7}{ms:8.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--baseline", action="store_true", help="plain trafilatura, naive rule")
    parser.add_argument("--explain", action="store_true", help="diffs of noise, hunks of misses")
    parser.add_argument("--only", help="only documents whose key contains this")
    parser.add_argument("--keep", type=Path, help="copy each temporary archive here")
    parser.add_argument(
        "--cli", action="store_true", help="run `atlas fetch --json` as a subprocess per capture"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = json.loads((args.path / "manifest.json").read_text("utf-8"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    # pay imports outside the timings
    atlas_text(b"<html><body><p>warm up</p></body></html>", "text/html")
    if args.baseline:
        baseline_text(b"<html><body><p>warm up</p></body></html>", "text/html")

    mode = (
        "baseline: trafilatura + normalize + commit when text differs"
        if args.baseline
        else "atlas fetch"
    )
    print(f"# {mode}")
    print(
        f"{'document':44}{'rec':>6}{'prec':>6}{'head':>6}{'commits':>8}{'noise':>6}"
        f"{'changes':>8}{'missed':>7}{'unrch':>6}{'held':>5}{'failed':>7}{'ms/page':>8}"
    )
    results = []
    try:
        for doc in manifest:
            key = f"{doc['platform']}/{doc['document']}"
            if args.only and args.only not in key:
                continue
            caps = load_captures(args.path, doc)
            if args.baseline:
                steps = replay_baseline(caps)
            else:
                steps = replay_atlas(key, caps, port, args.keep, use_cli=args.cli)
            res = judge(key, caps, steps, args.explain)
            results.append(res)
            print(_row(key, res), flush=True)
            for note in res.notes:
                print(note)
    finally:
        server.shutdown()
    if not results:
        return 1
    total = DocResult(key="TOTAL")
    scored = [r for r in results if r.scored]
    for attr in ("rec", "prec", "head"):
        setattr(total, attr, sum(getattr(r, attr) for r in scored) / len(scored))
    for attr in ("commits", "noise", "changes", "missed", "unreached", "held", "failed"):
        setattr(total, attr, sum(getattr(r, attr) for r in results))
    total.ms = [m for r in results for m in r.ms]
    print(_row(f"TOTAL ({len(results)} documents, {len(total.ms)} captures)", total))
    share = 100 * total.noise / total.commits if total.commits else 0.0
    print(
        f"noise {total.noise} of {total.commits} commits ({share:.0f}%); "
        f"missed {total.missed} of {total.changes} reference changes"
        f" ({total.unreached} more only in words never extracted); "
        f"ms per page: mean {sum(total.ms) / len(total.ms):.1f},"
        f" median {sorted(total.ms)[len(total.ms) // 2]:.1f}, max {max(total.ms):.1f}; "
        f"run {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

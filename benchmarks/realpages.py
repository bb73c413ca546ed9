"""Replay real captures through `atlas fetch`: is the whole document kept, and only true changes recorded?

Usage:  .venv/bin/python benchmarks/realpages.py PATH [--share develop|held-out|all] [--jobs N]
                         [--baseline] [--explain] [--cli] [--only KEY] [--keep DIR] [--dump DIR]

PATH is a folder of captures (manifest.json, <platform>/<document>/<stamp>.html.gz or
.pdf.gz, and <stamp>.reference.md; see /work/shared/realpages/README.md).

Shares (generalization, not fit): the services of the manifest are sorted by the SHA-1 of
their name (UTF-8, hex digest) and every third one, starting with the first, is
"held-out"; the others are "develop" (`share_of`). That is 12 of the 35 services
(28 documents, 256 captures) held out. Rules are developed on `--share develop` (the
default) only; the held-out share is run to report, not to look at. (The plain rule
`int(sha1, 16) % 3 == 0` would hold out only 6 services and 15 documents, 11 of them the
23 pages the extractor was first written on, so it would not measure generalization.)

The replay, per platform (the documents of one site, fetched together as `atlas fetch`
does): a fresh temporary archive (a sources.yaml naming the platform's documents, out of
the box: no select, remove or ignore; `git init`) and one `run_fetch` (what `atlas fetch`
runs; with --cli, `atlas fetch --json` as a subprocess) at each capture time of any of its
documents, in time order. At each run, every document whose first capture has come is
served its latest capture so far from a local HTTP server on 127.0.0.1 (decompressed, as
text/html or application/pdf, status 200, no ETag or Last-Modified). A document's step
for a capture is what the first run that served it did; a commit at a later run that
served the same capture again is counted as a noise commit (the page did not change).

--baseline replays each document's captures through plain trafilatura (markdown,
favor_recall, tables, deduplicate off) + `normalize_text` and a naive rule: record
whenever the text differs from the last recorded text (an empty extraction is a
failure, not recorded). That is the "before" column.

Per document, per collection and share, and in total:

- rec / prec / head: sentence recall, sentence precision and headings kept of atlas's
  snapshot text AFTER each capture against that capture's reference (scored with
  benchmarks/extract_quality.py's `score`: sentences compared by words, lowercase,
  Markdown markup and punctuation dropped). Averaged over the captures with a usable
  reference (one with at least 5 sentences), then over documents. A capture before
  anything was recorded scores 0.
- stale: captures not scored because their reference lags the page: at least 2, and at
  least 5%, of the reference's sentences (those of 20 letters or more, a leading clause
  or list marker such as "(a)", "iv." or "2.1.1" dropped: a page may draw it with CSS)
  are nowhere in the page's markup (its text nodes as lxml parses them, joined, with
  spaces and punctuation removed, scripts' text included; nor in an alt, title or
  aria-label value: so that nothing an extractor could find is missed). No
  extractor can keep a sentence the page does not have; such a reference is of another
  version of the page (Open Terms Archive's own extraction lagging, or frozen). The
  judge looks at the page and the reference only, never at atlas's text. The summaries
  print the three scores over every usable capture too ("strict", stale ones included:
  the figures of the judge before this rule).
- commits: versions recorded (the first snapshot included).
- noise: commits where the reference's words did not change since the version recorded
  before (the reference at the capture of atlas's previous commit). A capture without a
  reference borrows the next capture's reference (Open Terms Archive records a version
  only when it changes, so a missing reference means "not extracted yet", not "changed").
  A first snapshot is noise when it is not the document (recall under 0.2 against its
  reference): an error page or a bot wall recorded as the document. A commit judged
  noise is cleared when the next reference change's new wording was already in atlas's
  snapshot and came in with that commit: the page changed before the reference did.
- dated: of the noise commits, those in which the document's own date stamp moved (a
  "Last updated / modified / effective …" line in its first 40 lines says another date,
  the same date written another way aside): the page says it is a new version while the
  reference did not change (a reference that lags or stopped following the page). They
  stay counted as noise; the summary line gives the share without them too.
- lagged: commits that the reference's words do not follow but that are not counted as
  noise, because the reference lags the page: the commit removed a sentence (12 letters
  or more) that the reference still holds and that is nowhere in the new page's markup
  (as for `stale`). A removal is the evidence, never an addition alone (a banner that
  comes is an addition too). The summary line gives the noise as counted before too.
- cased: commits not counted as noise because the reference changed too, in case or
  punctuation only (`Xbox` → `XBOX`, a comma): its words, compared lowercase and without
  punctuation, hide such an edit, which the change model counts as real. The reference
  is compared by its words and signs with case kept (`cased_words`: Markdown markup,
  link targets, quote variants and dashes do not count), and only when the commit made
  one of those edits (its new wording, two words of context either side, came into
  atlas's text with the commit, or a deleted wording left it): a commit that changed
  something else at the same time is judged as any other. A noise commit that made
  such an edit before the reference did (the next reference changes in case or
  punctuation only, and that commit's new wording is its) is cleared the same way,
  and counted as cased; so is one whose next reference change, in words, also made
  the case or punctuation edit that commit had made (as for words, below).
  benchmarks/realpages_audit.py re-checks the stale and lagged evidence against the
  page bytes (see its docstring).
- changes: consecutive captures whose references differ in words (emphasis markers
  dropped first, so `section**I.` is `sectionI.`). A change between a partial reference
  (under 5 sentences: its own selectors failed) and a full one is not counted, nor one
  that only writes a date another way (`january 1 2026` → `1 january 2026`: the same day).
- missed: such a change where atlas made no commit at that capture AND atlas's snapshot
  does not reflect it. The reference change is cut into hunks (a word diff, each hunk
  with 4 words of context either side). A hunk is within atlas's reach when atlas's own
  extraction of the new capture holds the new wording, or its extraction of the previous
  capture held the old wording (a pure insertion has no old wording, a pure deletion no
  new one: their context alone reaches nothing); it is reflected when the snapshot holds
  the new wording (or, when only the old wording was ever extracted, no longer holds the
  old). "atlas's own extraction" is what the run extracted (with its evidence). A change
  none of whose hunks are within reach, i.e. it only touched words atlas never extracts
  (navigation, a block the extractor drops), is counted apart as `unreached`: it is a
  recall gap (seen in rec), not a recording failure.
- held / failed: fetches reported held back or failed (error pages, bot walls).
- ms: extraction + normalize alone (once, in the replaying process), per capture;
  the summaries give the median (and the mean). With --jobs 2 both processes share the
  machine's cores with everything else: take speed figures from a --jobs 1 run.

Then the ten worst documents (by their lowest of rec, prec, head).

--explain prints, for each noise commit, the diff of atlas's text, and for each missed
or unreached change, the reference hunks and what atlas had. --dump DIR writes atlas's
own text of each capture to DIR/<platform>/<document>/<stamp>.atlas.md (beside it, a
copy of the reference) for reading.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_quality import sentences  # noqa: E402
from realpages_capture import Capture, cased_words, plain_words  # noqa: E402
from realpages_judge import USABLE_SENTENCES, DocResult, Step, judge  # noqa: E402

from conductatlas_cli.config.load import load_sources  # noqa: E402
from conductatlas_cli.errors import AtlasError  # noqa: E402
from conductatlas_cli.extract.evidence import ExtractRequest  # noqa: E402
from conductatlas_cli.extract.extractor import extract_page  # noqa: E402
from conductatlas_cli.run import pages  # noqa: E402
from conductatlas_cli.run.runner import run_fetch  # noqa: E402
from conductatlas_cli.snapshot.normalize import normalize_text  # noqa: E402

SHARES = ("develop", "held-out")

# What the pipeline itself extracted, per URL (its last extraction: with the site's evidence
# where it extracted twice). A benchmark may watch the pipeline; tests never do.
_EXTRACTED: dict[str, str] = {}
_process_page = pages.process_page


def _watched_process_page(job):
    page = _process_page(job)
    _EXTRACTED[job.url] = page.text or ""
    return page


pages.process_page = _watched_process_page


def share_of(service: str, services: list[str]) -> str:
    """ "held-out" for every third service in SHA-1 order (the first included), else "develop"."""
    ranked = sorted(set(services), key=lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest())
    return "held-out" if ranked.index(service) % 3 == 0 else "develop"


# --- the server -------------------------------------------------------------------


class _Served:
    """What the server answers, per path: one body and content type each."""

    lock = threading.Lock()
    pages: dict[str, tuple[bytes, str]] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        with _Served.lock:
            page = _Served.pages.get(self.path)
        if page is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, ctype = page
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


_PORT: int | None = None


def _server_port() -> int:
    """This process's local server (started at first use: each worker process has its own)."""
    global _PORT
    if _PORT is None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _PORT = server.server_address[1]
        atlas_text(b"<html><body><p>warm up</p></body></html>", "text/html")  # imports
    return _PORT


# --- captures and texts -------------------------------------------------------------


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
            cap.usable = len(sentences(cap.reference)) >= USABLE_SENTENCES
            cap.ref_words = plain_words(cap.reference)
            cap.ref_cased = cased_words(cap.reference)
        elif following is not None:
            cap.ref_words = plain_words(following)
            cap.ref_cased = cased_words(following)
            cap.reference = None
    return out


def atlas_text(body: bytes, ctype: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        text = normalize_text(
            extract_page(ExtractRequest(body, content_type=ctype, url="http://127.0.0.1/")).text
        )
    except AtlasError:
        text = ""
    return text, (time.perf_counter() - start) * 1000


def baseline_text(body: bytes, ctype: str) -> tuple[str, float]:
    import trafilatura

    start = time.perf_counter()
    if ctype == "application/pdf":  # trafilatura has no PDF path: the same PDF text as atlas
        try:
            raw = extract_page(
                ExtractRequest(body, content_type=ctype, url="http://127.0.0.1/")
            ).text
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


# --- replays ------------------------------------------------------------------------


def _fetch_subprocess(root: Path) -> dict[str, tuple[str, str | None]]:
    """`atlas fetch --json` in ROOT: each document's status and reason."""
    beside = Path(sys.executable).parent / "atlas"
    cmd = [str(beside) if beside.exists() else "atlas", "fetch", "--json"]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    return {d["key"]: (d["status"], d["reason"]) for d in json.loads(out.stdout)["documents"]}


def _write_sources(root: Path, platform: str, documents: list[str], port: int) -> None:
    lines = ["settings:\n  jobs: 2\n  retries: 0\n  timeout: 30\n", f"platforms:\n  {platform}:\n"]
    lines.append("    documents:\n")
    for document in documents:
        lines.append(f"      {document}: http://127.0.0.1:{port}/{platform}/{document}\n")
    (root / "sources.yaml").write_text("".join(lines), "utf-8")


def replay_site(
    platform: str,
    docs: dict[str, list[Capture]],
    *,
    keep: Path | None,
    use_cli: bool = False,
) -> dict[str, list[Step]]:
    """One archive for the platform's documents, one fetch per capture time (see the docstring)."""
    port = _server_port()
    tmp = Path(tempfile.mkdtemp(prefix="atlas-realpages-"))
    try:
        subprocess.run(["git", "init", "-q", str(tmp)], check=True)
        times = sorted({cap.stamp for caps in docs.values() for cap in caps})
        served = dict.fromkeys(docs, -1)  # index of the capture each document serves
        steps: dict[str, list[Step]] = {key: [] for key in docs}
        started: list[str] = []
        for now in times:
            fresh = set()
            for key, caps in docs.items():
                index = max((i for i, c in enumerate(caps) if c.stamp <= now), default=-1)
                if index < 0:
                    continue
                if index != served[key]:
                    served[key] = index
                    fresh.add(key)
                with _Served.lock:
                    _Served.pages[f"/{key}"] = (caps[index].body, caps[index].ctype)
            now_started = [key for key in docs if served[key] >= 0]
            if now_started != started:
                started = now_started
                _write_sources(tmp, platform, [k.split("/", 1)[1] for k in started], port)
            if use_cli:
                results = _fetch_subprocess(tmp)
            else:
                report = run_fetch(load_sources(tmp / "sources.yaml"))
                results = {d.key: (d.status, d.reason) for d in report.documents}
            for key in started:
                status, reason = results[key]
                path = tmp / "snapshots" / f"{key}.md"
                text = path.read_text("utf-8") if path.exists() else None
                if key in fresh:
                    cap = docs[key][served[key]]
                    extracted, ms = atlas_text(cap.body, cap.ctype)  # timed without evidence
                    url = f"http://127.0.0.1:{port}/{key}"
                    if not use_cli and url in _EXTRACTED:
                        extracted = _EXTRACTED[url]  # what the run extracted, evidence and all
                    steps[key].append(Step(status, reason, extracted, text, ms))
                elif status in ("new", "changed"):
                    steps[key][-1].later_commits.append(text or "")
        if keep:
            dest = keep / platform
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


def run_platform(
    root: Path, platform: str, docs: list[dict], options: dict
) -> tuple[str, list[DocResult]]:
    """Replay and judge one platform's documents (in a worker process with --jobs > 1)."""
    caps = {f"{d['platform']}/{d['document']}": load_captures(root, d) for d in docs}
    if options["baseline"]:
        steps = {key: replay_baseline(c) for key, c in caps.items()}
    else:
        steps = replay_site(platform, caps, keep=options["keep"], use_cli=options["cli"])
    results = []
    for doc in docs:
        key = f"{doc['platform']}/{doc['document']}"
        res = judge(key, caps[key], steps[key], options["explain"])
        res.service, res.collection, res.share = doc["service"], doc["collection"], doc["share"]
        results.append(res)
        if options["dump"]:
            _dump(options["dump"] / key, caps[key], steps[key])
    return platform, results


def _dump(folder: Path, caps: list[Capture], steps: list[Step]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for cap, step in zip(caps, steps, strict=True):
        (folder / f"{cap.stamp}.atlas.md").write_text(step.extracted, "utf-8")
        if cap.reference is not None:
            (folder / f"{cap.stamp}.reference.md").write_text(cap.reference, "utf-8")


# --- report -------------------------------------------------------------------------

_HEADER = (
    f"{'document':44}{'rec':>6}{'prec':>6}{'head':>6}{'commits':>8}{'noise':>6}"
    f"{'changes':>8}{'missed':>7}{'unrch':>6}{'held':>5}{'failed':>7}{'ms med':>7}"
)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _row(name: str, r: DocResult) -> str:
    return (
        f"{name:44}{r.rec:6.3f}{r.prec:6.3f}{r.head:6.3f}{r.commits:8}{r.noise:6}"
        f"{r.changes:8}{r.missed:7}{r.unreached:6}{r.held:5}{r.failed:7}{_median(r.ms):7.1f}"
    )


def total(results: list[DocResult], name: str) -> DocResult:
    out = DocResult(key=name)
    scored = [r for r in results if r.scored]
    for attr in ("rec", "prec", "head"):
        setattr(out, attr, sum(getattr(r, attr) for r in scored) / len(scored) if scored else 0)
    for attr in (
        *("captures", "commits", "noise", "dated", "lagged", "cased", "stale"),
        *("changes", "missed", "unreached", "held"),
    ):
        setattr(out, attr, sum(getattr(r, attr) for r in results))
    strict = [r for r in results if r.strict_scored]
    if strict:
        a, b, c = (sum(r.strict[k] for r in strict) / len(strict) for k in range(3))
        out.strict = (a, b, c)
    out.failed = sum(r.failed for r in results)
    out.ms = [m for r in results for m in r.ms]
    return out


def print_summaries(results: list[DocResult]) -> None:
    groups: dict[tuple[str, str], list[DocResult]] = defaultdict(list)
    for r in results:
        groups[(r.share, r.collection)].append(r)
        groups[(r.share, "all")].append(r)
        groups[("all", r.collection)].append(r)
        groups[("all", "all")].append(r)
    print("\n# per share and collection")
    print(
        f"{'share / collection':28}{'docs':>5}{'caps':>6}{'rec':>7}{'prec':>7}{'head':>7}"
        f"{'<0.85':>6}{'commits':>8}{'noise':>6}{'noise%':>7}{'dated':>6}{'lagged':>7}{'stale':>6}"
        f"{'changes':>8}{'missed':>7}{'unrch':>6}{'held':>5}{'failed':>7}{'ms med':>7}{'ms mean':>8}"
        "  strict rec/prec/head"
    )
    for share in (*SHARES, "all"):
        for collection in ("genai-eu", "genai-contrib", "all"):
            group = groups.get((share, collection))
            if not group:
                continue
            t = total(group, "")
            low = sum(1 for r in group if r.scored and min(r.rec, r.prec, r.head) < 0.85)
            share_pct = 100 * t.noise / t.commits if t.commits else 0.0
            mean = sum(t.ms) / len(t.ms) if t.ms else 0.0
            print(
                f"{share + ' / ' + collection:28}{len(group):5}{t.captures:6}{t.rec:7.3f}"
                f"{t.prec:7.3f}{t.head:7.3f}{low:6}{t.commits:8}{t.noise:6}{share_pct:6.1f}%{t.dated:6}"
                f"{t.lagged:7}{t.stale:6}{t.changes:8}{t.missed:7}{t.unreached:6}{t.held:5}"
                f"{t.failed:7}{_median(t.ms):7.1f}{mean:8.1f}"
                f"  {t.strict[0]:.3f} / {t.strict[1]:.3f} / {t.strict[2]:.3f}"
            )
    worst = sorted(
        (r for r in results if r.scored), key=lambda r: (min(r.rec, r.prec, r.head), r.key)
    )[:10]
    print("\n# the ten worst documents (by their lowest mean of rec, prec, head)")
    print(f"{_HEADER}  share     lowest capture (rec prec head)")
    for r in worst:
        low = " ".join(f"{v:.2f}" for v in r.lowest)
        print(f"{_row(r.key, r)}  {r.share:9} {low}")
    strict = sorted((r for r in results if r.strict_scored), key=lambda r: (min(r.strict), r.key))[
        :10
    ]
    print("\n# the ten worst documents, strict (every usable capture scored, stale ones too)")
    print(f"{'document':44}{'rec':>6}{'prec':>6}{'head':>6}{'scored':>7}{'stale':>6}  share")
    for r in strict:
        a, b, c = r.strict
        print(f"{r.key:44}{a:6.3f}{b:6.3f}{c:6.3f}{r.strict_scored:7}{r.stale:6}  {r.share}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument(
        "--share", choices=(*SHARES, "all"), default="develop", help="default: develop"
    )
    parser.add_argument("--jobs", type=int, default=1, help="platforms replayed at once")
    parser.add_argument("--baseline", action="store_true", help="plain trafilatura, naive rule")
    parser.add_argument("--explain", action="store_true", help="diffs of noise, hunks of misses")
    parser.add_argument("--only", help="only documents whose key contains this")
    parser.add_argument("--keep", type=Path, help="copy each platform's temporary archive here")
    parser.add_argument("--dump", type=Path, help="write atlas's text of each capture here")
    parser.add_argument(
        "--cli", action="store_true", help="run `atlas fetch --json` as a subprocess per run"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = json.loads((args.path / "manifest.json").read_text("utf-8"))
    services = [doc["service"] for doc in manifest]
    platforms: dict[str, list[dict]] = defaultdict(list)
    for doc in manifest:
        doc["share"] = share_of(doc["service"], services)
        key = f"{doc['platform']}/{doc['document']}"
        if args.share != "all" and doc["share"] != args.share:
            continue
        if args.only and args.only not in key:
            continue
        platforms[doc["platform"]].append(doc)
    if not platforms:
        return 1
    options = {
        "baseline": args.baseline,
        "explain": args.explain,
        "keep": args.keep,
        "dump": args.dump,
        "cli": args.cli,
    }
    # the biggest platforms first, so that two processes end together
    order = sorted(platforms, key=lambda p: -sum(len(d["captures"]) for d in platforms[p]))
    done: dict[str, list[DocResult]] = {}
    if args.jobs > 1:
        import multiprocessing

        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as ex:
            futures = [ex.submit(run_platform, args.path, p, platforms[p], options) for p in order]
            for future in as_completed(futures):
                platform, results = future.result()
                done[platform] = results
                print(f"  {len(done)}/{len(order)} {platform}", file=sys.stderr, flush=True)
    else:
        for p in order:
            done[p] = run_platform(args.path, p, platforms[p], options)[1]
            print(f"  {len(done)}/{len(order)} {p}", file=sys.stderr, flush=True)

    mode = (
        "baseline: trafilatura + normalize + commit when text differs"
        if args.baseline
        else ("atlas fetch")
    )
    print(f"# {mode}; share: {args.share}")
    print(_HEADER)
    results = []
    for platform in platforms:  # manifest order
        for res in done[platform]:
            results.append(res)
            print(_row(res.key, res))
            for note in res.notes:
                print(note)
    t = total(
        results, f"TOTAL ({len(results)} documents, {sum(r.captures for r in results)} captures)"
    )
    print(_row(t.key, t))
    print_summaries(results)
    share = 100 * t.noise / t.commits if t.commits else 0.0
    print(
        f"\nnoise {t.noise} of {t.commits} commits ({share:.1f}%), {t.dated} of them with the"
        f" page's own date stamp moved (the reference lags; without them"
        f" {t.noise - t.dated}, {100 * (t.noise - t.dated) / max(t.commits, 1):.1f}%); "
        f"{t.lagged} more commits not counted as the reference lags the page, {t.cased} as the"
        f" reference changed in case or punctuation only (as counted before:"
        f" {t.noise + t.lagged + t.cased},"
        f" {100 * (t.noise + t.lagged + t.cased) / max(t.commits, 1):.1f}%); "
        f"{t.stale} captures not scored (their reference lags the page; scored too:"
        f" {t.strict[0]:.3f} / {t.strict[1]:.3f} / {t.strict[2]:.3f}); "
        f"missed {t.missed} of {t.changes} reference changes"
        f" ({t.unreached} more only in words never extracted); "
        f"ms per page: median {_median(t.ms):.1f}, mean {sum(t.ms) / len(t.ms):.1f},"
        f" max {max(t.ms):.1f}; run {time.perf_counter() - started:.0f} s (--jobs {args.jobs})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks: atlas against urlwatch and git, side by side.

    python benchmarks/run.py            # every scenario (~10 minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run: 20 documents, fewer repeats
    python benchmarks/run.py --only 2   # one scenario (or a list: --only 1,3)

Prints a table and rewrites benchmarks/RESULTS.md (not with --quick or --only, unless
--write). Pages come from benchmarks/corpus.py (fixed seed, generated into
benchmarks/.work), served by benchmarks/server.py on 127.0.0.1 with 50 ms of latency.
urlwatch 2.29 is installed into its own virtualenv under benchmarks/.work/urlwatch-venv.
atlas runs as a subprocess (the `atlas` of this environment); until `atlas fetch` exists,
its cells read "atlas: not available".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))

from corpus import KB, write_corpus  # noqa: E402
from server import BenchServer  # noqa: E402

URLWATCH_VERSION = "2.29"
NA = "atlas: not available"
MB = 1024 * 1024


# =========================================================================== processes


@dataclass
class Run:
    """One finished subprocess: wall time, exit code, peak RSS (MB), output."""

    wall: float
    rc: int
    rss_mb: float
    cpu: float  # user + system seconds of the process and the children it waited for
    stdout: str
    stderr: str
    cmd: list[str]


def run_measured(
    cmd: list[str],
    *,
    cwd: Path,
    env: dict | None = None,
    timeout: float = 900,
    stdin: str | None = None,
) -> Run:
    """Run CMD; wall time from spawn to reap, peak RSS of it and its children via wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, lambda: _kill_group(proc.pid))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux (bytes on macOS).
        rss = usage.ru_maxrss / (1024 if sys.platform != "darwin" else MB)
        return Run(
            wall,
            proc.returncode,
            rss,
            usage.ru_utime + usage.ru_stime,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            cmd,
        )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def tool_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:300] if lines else "(no stderr)"


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# =========================================================================== peers


def atlas_command() -> list[str] | None:
    """The atlas of this environment, as an argv prefix; None when there is none at all."""
    if os.environ.get("ATLAS_CMD"):
        return os.environ["ATLAS_CMD"].split()
    for candidate in (
        shutil.which("atlas"),
        Path(sys.executable).parent / "atlas",
        ROOT / ".venv" / "bin" / "atlas",
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    python = ROOT / ".venv" / "bin" / "python"
    python = python if python.exists() else Path(sys.executable)
    probe = subprocess.run(
        [str(python), "-c", "import conductatlas_cli.cli"],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if probe.returncode == 0:
        return [str(python), "-m", "conductatlas_cli"]
    return None


def atlas_revision() -> str:
    """The commit of this work tree, and whether the package has uncommitted changes."""
    head = tool_version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = tool_version(["git", "-C", str(ROOT), "status", "--porcelain", "conductatlas_cli"])
    return f"commit {head}" + (" + uncommitted changes" if dirty else "")


def atlas_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    env.pop("ATLAS_CMD", None)
    return env


def atlas_has(cmd: list[str] | None, *sub: str) -> bool:
    """Whether `atlas SUB --help` works (the command exists)."""
    if cmd is None:
        return False
    try:
        r = subprocess.run(
            cmd + [*sub, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=atlas_env(),
            cwd=WORK,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


class AtlasProject:
    """A temporary atlas project (sources.yaml + git init) listing the given URLs."""

    def __init__(self, folder: Path, urls: dict[str, str], cmd: list[str]) -> None:
        self.folder = folder
        self.cmd = cmd
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        lines = [
            "settings:",
            "  jobs: 8",
            "  per_host: 8",
            "  timeout: 30",
            "platforms:",
            "  bench:",
            "    name: Bench",
            "    documents:" + ("" if urls else " {}"),  # an empty archive still validates
        ]
        lines += [f"      {doc}: {url}" for doc, url in urls.items()]
        (folder / "sources.yaml").write_text("\n".join(lines) + "\n")
        (folder / ".gitignore").write_text(".atlas/\n")
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)

    def fetch(self) -> Run:
        return run_measured(self.cmd + ["fetch", "--json"], cwd=self.folder, env=atlas_env())

    def run(self, *args: str) -> Run:
        return run_measured(self.cmd + list(args), cwd=self.folder, env=atlas_env())

    @staticmethod
    def counts(run: Run) -> dict | None:
        try:
            return json.loads(run.stdout).get("counts")
        except (json.JSONDecodeError, AttributeError):
            return None


class Urlwatch:
    """urlwatch 2.29 in its own virtualenv, with its own jobs, config and cache in a folder."""

    venv = WORK / "urlwatch-venv"

    @classmethod
    def install(cls) -> Path:
        exe = cls.venv / "bin" / "urlwatch"
        if exe.exists() and URLWATCH_VERSION in tool_version([str(exe), "--version"]):
            return exe
        print(f"installing urlwatch {URLWATCH_VERSION} into {cls.venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(cls.venv)], check=True)
        subprocess.run(
            [
                str(cls.venv / "bin" / "pip"),
                "install",
                "-q",
                f"urlwatch=={URLWATCH_VERSION}",
                "html2text",
            ],
            check=True,
        )
        return exe

    def __init__(self, folder: Path, urls: dict[str, str], *, method: str) -> None:
        self.exe = self.install()
        self.folder = folder
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "home").mkdir(parents=True)
        jobs = []
        for doc, url in urls.items():
            jobs.append(
                f"name: {doc}\nurl: {url}\nfilter:\n  - html2text:\n      method: {method}\n"
            )
        (folder / "jobs.yaml").write_text("---\n".join(jobs))
        # Only the stdout reporter (no colour); everything else is off by default.
        (folder / "cfg.yaml").write_text(
            "display:\n  new: true\n  error: true\n  unchanged: false\n  empty-diff: true\n"
            "report:\n  stdout:\n    enabled: true\n    color: false\n"
            "  email:\n    enabled: false\n"
        )
        self.env = {
            **os.environ,
            "HOME": str(folder / "home"),
            "XDG_CONFIG_HOME": str(folder / "home" / ".config"),
            "XDG_CACHE_HOME": str(folder / "home" / ".cache"),
        }
        self.env.pop("PYTHONPATH", None)

    def argv(self) -> list[str]:
        return [str(self.exe), "--urls", "jobs.yaml", "--config", "cfg.yaml", "--cache", "cache.db"]

    def fetch(self) -> Run:
        return run_measured(self.argv(), cwd=self.folder, env=self.env)

    def run(self, *args: str) -> Run:
        return run_measured(self.argv() + list(args), cwd=self.folder, env=self.env)

    @staticmethod
    def counts(run: Run) -> dict:
        """From the stdout report: lines like 'NEW: name (url)', 'CHANGED: …', 'ERROR: …'."""
        c = {"new": 0, "changed": 0, "error": 0}
        for line in run.stdout.splitlines():
            m = re.match(r"^\d+\. (NEW|CHANGED|ERROR): ", line)
            if m:
                c[m.group(1).lower()] += 1
        return c


# =========================================================================== results


@dataclass
class Row:
    scenario: str
    metric: str
    atlas: str
    peer: str
    ratio: str
    target: str
    verdict: str


@dataclass
class Bench:
    quick: bool
    repeats: int
    docs: int
    scale_docs: int
    growth_versions: int
    method: str
    server: BenchServer
    atlas_cmd: list[str] | None
    has_fetch: bool
    has_diff: bool
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)  # scenario -> tool -> [CPU seconds]
    primed: dict | None = None  # the 200-document state shared by scenarios 1–3 and 6

    # ------------------------------------------------------------------ helpers

    def corpus(self, name: str, **kw) -> Path:
        folder = WORK / "corpus" / name
        t = time.perf_counter()
        manifest = write_corpus(folder, **kw)
        took = time.perf_counter() - t
        if took > 1:
            print(
                f"  (corpus {name}: {len(manifest['docs'])} documents, {took:.0f} s)",
                file=sys.stderr,
            )
        return folder

    def urls(self, folder: Path) -> dict[str, str]:
        docs = json.loads((folder / "manifest.json").read_text())["docs"]
        return {d: self.server.url(d) for d in docs}

    def corpus_bytes(self, folder: Path, version: int = 0, kind: str = "html") -> int:
        docs = json.loads((folder / "manifest.json").read_text())["docs"]
        return sum(v[version][kind] for v in docs.values())

    def row(self, scenario, metric, atlas, peer, ratio, target, verdict) -> None:
        self.rows.append(Row(scenario, metric, atlas, peer, ratio, target, verdict))
        print(
            f"  {scenario:<28} {metric:<30} atlas {atlas:<22} peer {peer:<22} "
            f"ratio {ratio:<8} target {target:<12} {verdict}",
            flush=True,
        )

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", file=sys.stderr, flush=True)

    def track(self, scenario: str, tool: str, run: Run) -> None:
        """Remember the CPU time of a timed run (wall times on a busy machine are noisy)."""
        self.cpu.setdefault(scenario, {}).setdefault(tool, []).append(run.cpu)

    def check_atlas(self, run: Run, what: str, expect: dict | None = None) -> bool:
        """Whether an atlas run did what it should; a note when not."""
        if run.rc not in (0, 1):
            tail = (run.stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
            self.note(f"{what}: atlas exited {run.rc}: {tail}")
            return False
        counts = AtlasProject.counts(run)
        if counts is None:
            tail = (run.stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
            self.note(f"{what}: atlas --json printed no report (rc {run.rc}): {tail}")
            return False
        if run.rc == 1 or counts.get("failed") or counts.get("held"):
            self.note(f"{what}: atlas reported {counts}")
        if expect:
            off = {k: (counts.get(k), v) for k, v in expect.items() if counts.get(k) != v}
            if off:
                self.note(f"{what}: atlas counts {counts}, expected {expect}")
        return True

    def check_urlwatch(self, run: Run, what: str, expect: dict) -> None:
        if run.rc != 0:
            self.note(f"{what}: urlwatch exited {run.rc}: {last_line(run.stderr)}")
        counts = Urlwatch.counts(run)
        if counts != expect:
            self.note(f"{what}: urlwatch report {counts}, expected {expect}")

    @staticmethod
    def fmt_s(v: float | None) -> str:
        return "—" if v is None else (f"{v:.3f} s" if v < 10 else f"{v:.1f} s")

    def ratio_row(
        self, scenario, metric, atlas_times, peer_times, limit, peer_name="urlwatch", available=True
    ) -> None:
        peer = median(peer_times)
        peer_s = f"{self.fmt_s(peer)} ({peer_name})"
        target = f"≤ {limit:.1f}×"
        if not available:
            self.row(scenario, metric, NA, peer_s, "—", target, "pending")
            return
        a = median(atlas_times)
        if a is None:
            self.row(scenario, metric, "atlas: failed", peer_s, "—", target, "FAIL")
            return
        ratio = a / peer if peer else float("inf")
        self.row(
            scenario,
            metric,
            self.fmt_s(a),
            peer_s,
            f"{ratio:.2f}×",
            target,
            "ok" if ratio <= limit else "MISS",
        )

    # ------------------------------------------------------------------ shared state

    def main_corpus(self) -> Path:
        return self.corpus(f"main-{self.docs}", docs=self.docs, versions=self.repeats + 1)

    def prime(self) -> dict:
        """An atlas project and a urlwatch folder that have both fetched version 0 once."""
        if self.primed is not None:
            return self.primed
        folder = self.main_corpus()
        self.server.use_corpus(folder)
        self.server.set_conditional(True)
        urls = self.urls(folder)
        state = {"corpus": folder, "urls": urls, "version": 0, "atlas": None}
        uw = Urlwatch(WORK / "runs" / "urlwatch-main", urls, method=self.method)
        self.check_urlwatch(uw.fetch(), "priming", {"new": len(urls), "changed": 0, "error": 0})
        state["urlwatch"] = uw
        if self.has_fetch:
            at = AtlasProject(WORK / "runs" / "atlas-main", urls, self.atlas_cmd)
            self.check_atlas(at.fetch(), "priming", {"new": len(urls)})
            state["atlas"] = at
        self.primed = state
        return state

    # ------------------------------------------------------------------ scenarios

    def s1_cold(self) -> None:
        """Cold fetch: first run, everything new (atlas commits included)."""
        folder = self.main_corpus()
        self.server.use_corpus(folder)
        self.server.set_conditional(True)
        urls = self.urls(folder)
        n = len(urls)
        at_t, uw_t, at_rss, uw_rss = [], [], [], []
        uw = at = None
        for rep in range(self.repeats):
            uw = Urlwatch(WORK / "runs" / "urlwatch-main", urls, method=self.method)
            if self.has_fetch:
                at = AtlasProject(WORK / "runs" / "atlas-main", urls, self.atlas_cmd)
            order = [("uw", uw), ("at", at)] if rep % 2 == 0 else [("at", at), ("uw", uw)]
            for who, peer in order:
                if peer is None:
                    continue
                r = peer.fetch()
                if who == "uw":
                    self.check_urlwatch(r, f"cold {n}", {"new": n, "changed": 0, "error": 0})
                    uw_t.append(r.wall)
                    uw_rss.append(r.rss_mb)
                    self.track(f"cold {n}", "urlwatch", r)
                elif self.check_atlas(r, f"cold {n}", {"new": n}):
                    at_t.append(r.wall)
                    at_rss.append(r.rss_mb)
                    self.track(f"cold {n}", "atlas", r)
        self.raw["cold"] = {
            "docs": n,
            "atlas": at_t,
            "urlwatch": uw_t,
            "atlas_rss": at_rss,
            "urlwatch_rss": uw_rss,
            "html_mb": self.corpus_bytes(folder) / MB,
        }
        self.primed = {
            "corpus": folder,
            "urls": urls,
            "version": 0,
            "urlwatch": uw,
            "atlas": at if at_t else None,
        }
        self.ratio_row(
            f"1. cold fetch, {n} docs",
            "wall time (median)",
            at_t,
            uw_t,
            1.0,
            available=self.has_fetch,
        )

    def s2_warm(self) -> None:
        """Warm run, nothing changed: with ETag/Last-Modified, then without."""
        state = self.prime()
        n = len(state["urls"])
        self.server.use_corpus(state["corpus"])
        self.server.set_version(state["version"])
        for conditional, volatile, limit, label, key in (
            (True, False, 0.5, "server with ETag", "warm-etag"),
            (False, False, 1.0, "server without ETag", "warm-noetag"),
            (False, True, 1.0, "no ETag, per-request nonce", "warm-nonce"),
        ):
            self.server.set_conditional(conditional)
            self.server.set_volatile(volatile)
            at_t, uw_t = [], []
            for _ in range(self.repeats):
                self.server.reset_counters()
                r = state["urlwatch"].fetch()
                self.check_urlwatch(r, f"warm ({label})", {"new": 0, "changed": 0, "error": 0})
                uw_t.append(r.wall)
                self.track(f"warm, {label}", "urlwatch", r)
                uw_304 = self.server.not_modified
                if state["atlas"] is not None:
                    self.server.reset_counters()
                    r = state["atlas"].fetch()
                    if self.check_atlas(r, f"warm ({label})", {"unchanged": n}):
                        at_t.append(r.wall)
                        self.track(f"warm, {label}", "atlas", r)
                    at_304 = self.server.not_modified
                else:
                    at_304 = None
            self.raw[key] = {
                "atlas": at_t,
                "urlwatch": uw_t,
                "urlwatch_304": uw_304,
                "atlas_304": at_304,
            }
            self.ratio_row(
                f"2. warm, unchanged, {label}",
                "wall time (median)",
                at_t,
                uw_t,
                limit,
                available=state["atlas"] is not None,
            )
        self.server.set_conditional(True)
        self.server.set_volatile(False)
        # Requests wait on the server's latency: jobs at once bound the run from below.
        floor = -(-n // 8) * self.server.latency
        uw_floor = -(-n // 10) * self.server.latency
        uw_warm = median(self.raw["warm-etag"]["urlwatch"])
        if uw_warm and floor > 0.5 * uw_warm:
            self.note(
                f"network floor: with `jobs: 8` and {self.server.latency * 1000:.0f} ms per "
                f"response, a run over {n} documents takes at least ceil({n}/8) × latency = "
                f"{floor:.2f} s (urlwatch, 10 at once: {uw_floor:.2f} s); 0.5× urlwatch's warm "
                f"run is {0.5 * uw_warm:.2f} s, below that floor, so the ETag target cannot be "
                "met with these settings whatever atlas does per document"
            )
        if self.raw["warm-etag"]["urlwatch_304"] is not None:
            self.note(
                f"urlwatch got {self.raw['warm-etag']['urlwatch_304']}/{n} answers 304 on "
                "a warm run against the server with ETag (it sends If-None-Match and "
                "If-Modified-Since out of the box)"
            )

    def s3_changed(self) -> None:
        """10% of the documents changed since the last run."""
        state = self.prime()
        urls = state["urls"]
        n = len(urls)
        subset = [d for i, d in enumerate(urls) if i % 10 == 0]
        self.server.use_corpus(state["corpus"])
        self.server.set_version(state["version"])
        self.server.set_conditional(True)
        at_t, uw_t = [], []
        for rep in range(self.repeats):
            version = rep + 1
            time.sleep(1.1)  # Last-Modified has one-second resolution
            self.server.set_version(version, subset)
            order = ["uw", "at"] if rep % 2 == 0 else ["at", "uw"]
            for who in order:
                if who == "uw":
                    r = state["urlwatch"].fetch()
                    self.check_urlwatch(
                        r, "10% changed", {"new": 0, "changed": len(subset), "error": 0}
                    )
                    uw_t.append(r.wall)
                    self.track("10% changed", "urlwatch", r)
                elif state["atlas"] is not None:
                    r = state["atlas"].fetch()
                    if self.check_atlas(
                        r, "10% changed", {"changed": len(subset), "unchanged": n - len(subset)}
                    ):
                        at_t.append(r.wall)
                        self.track("10% changed", "atlas", r)
        self.raw["changed"] = {"atlas": at_t, "urlwatch": uw_t, "changed_docs": len(subset)}
        self.ratio_row(
            f"3. {len(subset)} of {n} docs changed",
            "wall time (median)",
            at_t,
            uw_t,
            1.0,
            available=state["atlas"] is not None,
        )

    def s4_scale(self) -> None:
        """1000 documents cold: peak RSS and time per document against the 200 run."""
        n = self.scale_docs
        folder = self.corpus(f"scale-{n}", docs=n, versions=1)
        self.server.use_corpus(folder)
        self.server.set_conditional(True)
        urls = self.urls(folder)
        uw = Urlwatch(WORK / "runs" / "urlwatch-scale", urls, method=self.method)
        ru = uw.fetch()
        self.check_urlwatch(ru, f"cold {n}", {"new": n, "changed": 0, "error": 0})
        self.track(f"cold {n}", "urlwatch", ru)
        shutil.rmtree(uw.folder, ignore_errors=True)
        ra = None
        if self.has_fetch:
            at = AtlasProject(WORK / "runs" / "atlas-scale", urls, self.atlas_cmd)
            ra = at.fetch()
            if not self.check_atlas(ra, f"cold {n}", {"new": n}):
                ra = None
            else:
                self.track(f"cold {n}", "atlas", ra)
            shutil.rmtree(at.folder, ignore_errors=True)
        self.raw["scale"] = {
            "docs": n,
            "html_mb": self.corpus_bytes(folder) / MB,
            "urlwatch": ru.wall,
            "urlwatch_rss": ru.rss_mb,
            "atlas": ra.wall if ra else None,
            "atlas_rss": ra.rss_mb if ra else None,
        }
        label = f"4. scale, {n} docs cold"
        peer = f"{ru.rss_mb:.0f} MB (urlwatch)"
        if not self.has_fetch:
            self.row(label, "peak RSS", NA, peer, "—", "≤ 300 MB", "pending")
        elif ra is None:
            self.row(label, "peak RSS", "atlas: failed", peer, "—", "≤ 300 MB", "FAIL")
        else:
            self.row(
                label,
                "peak RSS",
                f"{ra.rss_mb:.0f} MB",
                peer,
                f"{ra.rss_mb / ru.rss_mb:.2f}×",
                "≤ 300 MB",
                "ok" if ra.rss_mb <= 300 else "MISS",
            )
        # time per document, against the cold run at the usual size
        cold = self.raw.get("cold")
        base_at = median(cold["atlas"]) / cold["docs"] if cold and cold["atlas"] else None
        base_uw = median(cold["urlwatch"]) / cold["docs"] if cold and cold["urlwatch"] else None
        peer = f"{ru.wall / n * 1000:.1f} ms (urlwatch)"
        if base_uw:
            peer += f", {base_uw * 1000:.1f} at {cold['docs']}"
        if not self.has_fetch:
            self.row(label, "time per document", NA, peer, "—", "≤ at 200", "pending")
        elif ra is None:
            self.row(label, "time per document", "atlas: failed", peer, "—", "≤ at 200", "FAIL")
        else:
            per = ra.wall / n
            base = f", {base_at * 1000:.1f} at {cold['docs']}" if base_at else ""
            verdict = "—" if base_at is None else ("ok" if per <= base_at * 1.05 else "MISS")
            self.row(
                label,
                "time per document",
                f"{per * 1000:.1f} ms{base}",
                peer,
                f"{per / (ru.wall / n):.2f}×",
                "≤ at 200",
                verdict,
            )

    def s5_diff(self) -> None:
        """`atlas diff` on two recorded versions, against git diff --word-diff --no-index."""
        for kb, limit in ((60, 0.3), (600, 1.5)):
            folder = self.corpus(f"diff-{kb}k", docs=1, versions=2, text_bytes=kb * KB)
            self.server.use_corpus(folder)
            self.server.set_conditional(True)
            urls = self.urls(folder)
            texts = [folder / "doc-0001" / "v0.md", folder / "doc-0001" / "v1.md"]
            at_t, source = [], "corpus Markdown"
            project = None
            if self.has_fetch:
                project = AtlasProject(WORK / "runs" / f"atlas-diff-{kb}", urls, self.atlas_cmd)
                snap = project.folder / "snapshots" / "bench" / "doc-0001.md"
                got = []
                for version in (0, 1):
                    self.server.set_version(version)
                    r = project.fetch()
                    self.check_atlas(
                        r,
                        f"diff {kb} KB: fetch v{version}",
                        {"new" if version == 0 else "changed": 1},
                    )
                    if snap.exists():
                        copy = project.folder.parent / f"atlas-diff-{kb}-v{version}.md"
                        shutil.copyfile(snap, copy)
                        got.append(copy)
                if len(got) == 2:
                    texts, source = got, "atlas snapshots"
            sizes = [p.stat().st_size for p in texts]
            git_t = []
            for _ in range(max(5, self.repeats)):
                r = run_measured(
                    [
                        "git",
                        "diff",
                        "--word-diff",
                        "--no-index",
                        "--no-color",
                        str(texts[0]),
                        str(texts[1]),
                    ],
                    cwd=WORK,
                )
                if r.rc not in (0, 1):
                    self.note(f"git diff exited {r.rc}: {last_line(r.stderr)}")
                git_t.append(r.wall)
            if self.has_diff and project is not None:
                for _ in range(max(5, self.repeats)):
                    r = project.run("diff", "bench/doc-0001")
                    if r.rc not in (0, 3):
                        self.note(f"atlas diff ({kb} KB) exited {r.rc}: {last_line(r.stderr)}")
                        break
                    at_t.append(r.wall)
            self.raw[f"diff-{kb}"] = {
                "atlas": at_t,
                "git": git_t,
                "texts": source,
                "text_bytes": sizes,
                "html_bytes": self.corpus_bytes(folder),
            }
            self.best_of_row(
                f"5. diff, {sizes[0] // KB} KB text pair",
                at_t,
                git_t,
                "git diff",
                limit=limit,
                available=self.has_diff and project is not None,
            )

    def best_of_row(
        self,
        label: str,
        atlas_times: list[float],
        peer_times: list[float],
        peer_name: str,
        *,
        limit: float,
        available: bool,
    ) -> None:
        """A row for a short command: best of the runs (a busy machine only ever adds time)."""
        measure = "whole process (best of 5)"
        best_peer = min(peer_times)
        peer = f"{self.fmt_s(best_peer)} ({peer_name})"
        if not available:
            self.row(label, measure, NA, peer, "—", f"≤ {limit} s", "pending")
        elif not atlas_times:
            self.row(label, measure, "atlas: failed", peer, "—", f"≤ {limit} s", "FAIL")
        else:
            best = min(atlas_times)
            verdict = "ok" if best <= limit else "MISS"
            ratio = f"{best / best_peer:.1f}×"
            self.row(label, measure, self.fmt_s(best), peer, ratio, f"≤ {limit} s", verdict)

    def s6_commands(self) -> None:
        """`atlas --help`, `atlas log`, `atlas status`: whole process, best of 5."""
        state = self.primed
        project = state["atlas"] if state else None
        uw = state["urlwatch"] if state else None
        if uw is None:
            folder = self.main_corpus()
            uw = Urlwatch(WORK / "runs" / "urlwatch-cmds", self.urls(folder), method=self.method)
        peers = {
            "--help": ("urlwatch --help", lambda: uw.run("--help")),
            "log": (
                "git log",
                lambda: run_measured(
                    ["git", "log", "--oneline", "--no-color"],
                    cwd=project.folder if project else ROOT,
                ),
            ),
            "status": ("urlwatch --list", lambda: uw.run("--list")),
        }
        reps = 5
        for sub, (peer_name, peer_fn) in peers.items():
            peer_t = [peer_fn().wall for _ in range(reps)]
            args = [sub] if sub != "--help" else ["--help"]
            available = self.atlas_cmd is not None and (
                sub == "--help" or atlas_has(self.atlas_cmd, sub)
            )
            at_t = []
            if available:
                cwd_project = project
                if cwd_project is None:
                    cwd_project = AtlasProject(WORK / "runs" / "atlas-cmds", {}, self.atlas_cmd)
                for _ in range(reps):
                    r = cwd_project.run(*args)
                    if r.rc != 0:
                        self.note(f"atlas {sub} exited {r.rc}: {last_line(r.stderr)}")
                        at_t = []
                        break
                    at_t.append(r.wall)
            self.raw[f"cmd{sub}"] = {
                "atlas": at_t,
                "peer": peer_t,
                "peer_name": peer_name,
                "archive": "primed" if project else "empty",
            }
            self.best_of_row(
                f"6. atlas {sub}", at_t, peer_t, peer_name, limit=0.2, available=available
            )

    def s7_growth(self) -> None:
        """Archive growth: V versions of a 60 KB document, .git after git gc."""
        v = self.growth_versions
        folder = self.corpus(f"growth-{v}", docs=1, versions=v, text_bytes=60 * KB)
        self.server.use_corpus(folder)
        self.server.set_conditional(False)  # every run is a full fetch: no 1-second waits
        urls = self.urls(folder)

        # plain git: the corpus's own Markdown versions, one commit each
        repo = WORK / "runs" / "git-growth"
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir(parents=True)
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
        for k in range(v):
            shutil.copyfile(folder / "doc-0001" / f"v{k}.md", repo / "doc.md")
            subprocess.run(git + ["add", "doc.md"], cwd=repo, check=True)
            subprocess.run(git + ["commit", "-q", "-m", f"v{k}"], cwd=repo, check=True)
        subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)
        git_size = du(repo / ".git")

        uw = Urlwatch(WORK / "runs" / "urlwatch-growth", urls, method=self.method)
        uw_t = []
        for k in range(v):
            self.server.set_version(k)
            uw_t.append(uw.fetch().wall)
        uw_size = (uw.folder / "cache.db").stat().st_size

        at_size = None
        at_t = []
        if self.has_fetch:
            at = AtlasProject(WORK / "runs" / "atlas-growth", urls, self.atlas_cmd)
            for k in range(v):
                self.server.set_version(k)
                r = at.fetch()
                if not self.check_atlas(r, f"growth v{k}", {"new" if k == 0 else "changed": 1}):
                    break
                at_t.append(r.wall)
            commits = subprocess.run(
                ["git", "rev-list", "--count", "HEAD"],
                cwd=at.folder,
                capture_output=True,
                text=True,
            ).stdout.strip()
            subprocess.run(["git", "gc", "-q"], cwd=at.folder, check=False)
            at_size = du(at.folder / ".git")
            self.raw["growth_atlas_commits"] = commits
        self.server.set_conditional(True)
        self.raw["growth"] = {
            "versions": v,
            "git_bytes": git_size,
            "urlwatch_db": uw_size,
            "atlas_git": at_size,
            "atlas_fetch": at_t,
            "urlwatch_fetch": uw_t,
            "text_bytes": (folder / "doc-0001" / "v0.md").stat().st_size,
            "html_bytes": self.corpus_bytes(folder),
        }
        label = f"7. growth, {v} versions"
        peer = f"{git_size / MB:.2f} MB (plain git)"
        if not self.has_fetch:
            self.row(label, ".git after gc", NA, peer, "—", "≤ 2 MB", "pending")
        elif at_size is None:
            self.row(label, ".git after gc", "atlas: failed", peer, "—", "≤ 2 MB", "FAIL")
        else:
            target = 2 * MB * v / 100
            self.row(
                label,
                ".git after gc",
                f"{at_size / MB:.2f} MB",
                peer,
                f"{at_size / git_size:.1f}×",
                "≤ 2 MB" if v == 100 else f"≤ {target / MB:.2f} MB",
                "ok" if at_size <= target else "MISS",
            )
        self.note(
            f"urlwatch's cache.db after {v} versions: {uw_size / MB:.2f} MB "
            "(it keeps every version, uncompressed, in SQLite)"
        )


def du(path: Path) -> int:
    """Bytes on disk under PATH (like `du -sb`)."""
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


# =========================================================================== report


def render_table(rows: list[Row]) -> str:
    head = ["Scenario", "Measure", "atlas", "peer", "atlas/peer", "target", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(
            f"| {r.scenario} | {r.metric} | {r.atlas} | {r.peer} | {r.ratio} | "
            f"{r.target} | {r.verdict} |"
        )
    return "\n".join(lines)


def _demoted(lines: list[str]) -> list[str]:
    """Markdown LINES with every heading one level deeper (code blocks untouched)."""
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return out


def write_results(bench: Bench, *, started: dt.datetime, took: float, versions: dict) -> None:
    raw = bench.raw
    cold = raw.get("cold", {})
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py`; do not edit by hand. "
        "See `benchmarks/README.md` for what each scenario does.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC ({took / 60:.1f} minutes"
        f"{', --quick' if bench.quick else ''})",
        f"- Machine: {os.cpu_count()} cores (os.cpu_count()), {platform.system()} "
        f"{platform.release()}, {platform.machine()}",
        f"- Python {platform.python_version()} (harness); atlas: {versions['atlas']}",
        f"- {versions['git']}; urlwatch {versions['urlwatch']} "
        f"(html2text filter, method `{bench.method}`)",
        f"- Load average (1 min) at start / end: {versions['load_start']:.2f} / "
        f"{os.getloadavg()[0]:.2f} (other work on the machine skews wall times)",
        f"- Server: 127.0.0.1, HTTP/1.1 keep-alive, {bench.server.latency * 1000:.0f} ms per "
        f"response; median of {bench.repeats} runs unless said otherwise",
        "",
        render_table(bench.rows),
        "",
        "## Figures behind the table",
        "",
    ]
    if cold:
        lines.append(
            f"- Cold fetch: {cold['docs']} documents, {cold['html_mb']:.1f} MB of HTML. "
            f"urlwatch runs {fmt_list(cold['urlwatch'])}, peak RSS "
            f"{max(cold['urlwatch_rss']):.0f} MB; atlas runs {fmt_list(cold['atlas'])}"
            + (f", peak RSS {max(cold['atlas_rss']):.0f} MB" if cold["atlas_rss"] else "")
            + "."
        )
    for key, label in (
        ("warm-etag", "Warm, server with ETag"),
        ("warm-noetag", "Warm, server without ETag"),
        ("warm-nonce", "Warm, no ETag, a fresh script nonce in every page"),
    ):
        if key in raw:
            w = raw[key]
            lines.append(
                f"- {label}: urlwatch {fmt_list(w['urlwatch'])} "
                f"({w['urlwatch_304']} answers 304 in its last run); atlas "
                f"{fmt_list(w['atlas'])}"
                + (f" ({w['atlas_304']} answers 304)" if w["atlas_304"] is not None else "")
                + "."
            )
    if "changed" in raw:
        c = raw["changed"]
        lines.append(
            f"- {c['changed_docs']} documents changed: urlwatch {fmt_list(c['urlwatch'])};"
            f" atlas {fmt_list(c['atlas'])}."
        )
    if "scale" in raw:
        s = raw["scale"]
        lines.append(
            f"- Scale: {s['docs']} documents, {s['html_mb']:.1f} MB of HTML. urlwatch "
            f"{s['urlwatch']:.1f} s, {s['urlwatch_rss']:.0f} MB peak RSS; atlas "
            + (
                f"{s['atlas']:.1f} s, {s['atlas_rss']:.0f} MB peak RSS."
                if s["atlas"]
                else "not measured."
            )
        )
    for kb in (60, 600):
        d = raw.get(f"diff-{kb}")
        if d:
            lines.append(
                f"- Diff {kb} KB: texts from {d['texts']} ({d['text_bytes'][0]} and "
                f"{d['text_bytes'][1]} bytes; page {d['html_bytes']} bytes of HTML); "
                f"git diff --word-diff --no-index {fmt_list(d['git'])}; atlas diff "
                f"{fmt_list(d['atlas'])}."
            )
    for sub in ("--help", "log", "status"):
        c = raw.get(f"cmd{sub}")
        if c:
            lines.append(
                f"- atlas {sub} ({c['archive']} archive): {fmt_list(c['atlas'])}; "
                f"{c['peer_name']} {fmt_list(c['peer'])}."
            )
    if "growth" in raw:
        g = raw["growth"]
        lines.append(
            f"- Growth: {g['versions']} versions of a {g['text_bytes'] // KB} KB text "
            f"({g['html_bytes'] // KB} KB page). Plain git (one commit per version, "
            f"git gc): {g['git_bytes'] / MB:.2f} MB; urlwatch cache.db: "
            f"{g['urlwatch_db'] / MB:.2f} MB; atlas .git after git gc: "
            + (
                f"{g['atlas_git'] / MB:.2f} MB ({raw.get('growth_atlas_commits')} commits)"
                if g["atlas_git"] is not None
                else "not measured"
            )
            + f". Median fetch per version: urlwatch {fmt_s(median(g['urlwatch_fetch']))}"
            f", atlas {fmt_s(median(g['atlas_fetch']))}."
        )
    if bench.cpu:
        lines += [
            "",
            "CPU time (user + system, median) of the same runs, less sensitive than wall "
            "time to other work on the machine:",
            "",
        ]
        for scenario, tools in bench.cpu.items():
            parts = [f"{tool} {median(v):.2f} s" for tool, v in tools.items()]
            lines.append(f"- {scenario}: " + "; ".join(parts))
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in dict.fromkeys(bench.notes)]
    lines += [
        "- urlwatch is measured as it comes: `urlwatch --urls jobs.yaml --config cfg.yaml "
        "--cache cache.db`, stdout reporter only (no colour), its `html2text` filter. urlwatch "
        "2.29 sends If-None-Match (the ETag it stored) and If-Modified-Since (the time of its "
        "last check) out of the box, so it does get 304s from a server that supports them. It "
        "runs 10 jobs at once (a fixed thread pool) and opens a new connection per request "
        "(`requests.request`, no session), so it does not use keep-alive.",
        "- atlas runs as `atlas fetch --json` in a fresh project (sources.yaml with `jobs: 8`, "
        "`per_host: 8`, `timeout: 30`; `git init` done beforehand, outside the timing).",
        "- Wall time is spawn to exit of the whole process; peak RSS is `ru_maxrss` of that "
        "process and the children it waited for (os.wait4).",
        "",
    ]
    # Before/after figures kept by hand beside the speed figures: benchmarks/realpages.py
    # (extraction and noise on real pages), since_speed.py and diff_speed.py (the diff).
    for name, title in (
        ("RESULTS-realpages.md", "Real pages: extraction and noise (benchmarks/realpages.py)"),
        ("RESULTS-diff.md", "atlas diff and --since digests (since_speed.py, scenario 5)"),
    ):
        if (HERE / name).exists():
            text = (HERE / name).read_text().strip().splitlines()
            lines += [f"## {title}", ""]
            lines += _demoted(text[1:])
            lines.append("")
    (HERE / "RESULTS.md").write_text("\n".join(lines))


def fmt_s(v: float | None) -> str:
    return Bench.fmt_s(v)


def fmt_list(values: list[float]) -> str:
    if not values:
        return "—"
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "] s"


# =========================================================================== main


SCENARIOS = {
    1: Bench.s1_cold,
    2: Bench.s2_warm,
    3: Bench.s3_changed,
    4: Bench.s4_scale,
    5: Bench.s5_diff,
    6: Bench.s6_commands,
    7: Bench.s7_growth,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="atlas against urlwatch and git, side by side")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 20 documents (100 at scale), 2 repeats, 10 versions",
    )
    parser.add_argument("--only", default=None, help="scenario numbers, e.g. 2 or 1,3")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement")
    parser.add_argument("--docs", type=int, default=None, help="documents (default 200)")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument(
        "--method", default="pyhtml2text", help="urlwatch html2text method (pyhtml2text, re, bs4)"
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite RESULTS.md even with --quick or --only"
    )
    parser.add_argument("--no-write", action="store_true", help="never rewrite RESULTS.md")
    args = parser.parse_args(argv)

    only = sorted({int(x) for x in args.only.split(",")}) if args.only else sorted(SCENARIOS)
    WORK.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()

    Urlwatch.install()
    cmd = atlas_command()
    has_fetch = atlas_has(cmd, "fetch")
    has_diff = atlas_has(cmd, "diff")
    versions = {
        "load_start": os.getloadavg()[0],
        "git": tool_version(["git", "--version"]),
        "urlwatch": tool_version([str(Urlwatch.venv / "bin" / "urlwatch"), "--version"]),
        "atlas": (tool_version(cmd + ["--version"]) if cmd else "not installed")
        + f" at {atlas_revision()}"
        + ("" if has_fetch else " (no `atlas fetch` yet)"),
    }
    print(
        f"atlas: {' '.join(cmd) if cmd else 'not found'} — fetch "
        f"{'available' if has_fetch else 'not available'}, diff "
        f"{'available' if has_diff else 'not available'}",
        file=sys.stderr,
    )

    server = BenchServer(WORK, latency=args.latency).start()
    quick = args.quick
    bench = Bench(
        quick=quick,
        repeats=args.repeats or (2 if quick else 3),
        docs=args.docs or (20 if quick else 200),
        scale_docs=100 if quick else 1000,
        growth_versions=10 if quick else 100,
        method=args.method,
        server=server,
        atlas_cmd=cmd,
        has_fetch=has_fetch,
        has_diff=has_diff,
    )
    try:
        for number in only:
            fn = SCENARIOS[number]
            print(f"[{number}] {fn.__doc__.strip().splitlines()[0]}", file=sys.stderr, flush=True)
            t = time.perf_counter()
            fn(bench)
            print(f"    ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    finally:
        server.stop()
    took = time.perf_counter() - t0

    print()
    print(render_table(bench.rows))
    print(
        f"\n{os.cpu_count()} cores; {versions['git']}; urlwatch {versions['urlwatch']}; "
        f"atlas {versions['atlas']}; {took / 60:.1f} minutes"
    )
    if bench.notes:
        print("\nNotes:")
        for n in dict.fromkeys(bench.notes):
            print(f"- {n}")
    if not args.no_write and (args.write or (not quick and args.only is None)):
        write_results(bench, started=started, took=took, versions=versions)
        print(f"\nwrote {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

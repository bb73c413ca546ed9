"""Fetch at scale: atlas beside urlwatch over many loopback hosts, and 10,000 documents.

    python benchmarks/scale.py hosts            # 120 pages over 12 hosts, 40 ms, 3 repeats
    python benchmarks/scale.py hosts --hosts 16 --docs 160 --latency 0.05
    python benchmarks/scale.py big              # 10,000 documents over 500 hosts, once
    python benchmarks/scale.py big --docs 2000 --hosts 100

Each host is its own `benchmarks/server.py` server on a loopback address (127.0.0.2,
127.0.0.3, …); the documents of one host are listed together in sources.yaml, one
platform per host, as a real sources.yaml lists a platform's documents together (the
order that made the old scheduler queue its threads on one host). Numbers only, with
the load average before and after (the machine is shared): never a pass/fail test.

`hosts`: cold fetch (fresh project / fresh urlwatch cache each repeat) and warm fetch
(every answer 304), atlas and urlwatch 2.29 interleaved; wall and CPU medians; the most
requests any host saw at once; the import time of a warm `atlas fetch`.
`big`: one cold and one warm fetch of N documents, against the politeness bound
max(N / jobs, max docs on a host / per_host) × latency; peak RSS; then `atlas log`,
`diff` and `status` whole-process times (first run builds the history index).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402
from run import WORK, Urlwatch, atlas_command, atlas_env, median, run_measured  # noqa: E402
from server import BenchServer  # noqa: E402


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def start_hosts(corpus: Path, hosts: int, latency: float) -> list[BenchServer]:
    return [
        BenchServer(corpus, latency=latency, host=f"127.0.{i // 250}.{2 + i % 250}").start()
        for i in range(hosts)
    ]


def assign(corpus: Path, servers: list[BenchServer]) -> dict[str, list[tuple[str, str]]]:
    """{platform: [(doc id, url)]}: documents in blocks, one platform per host."""
    docs = sorted(json.loads((corpus / "manifest.json").read_text())["docs"])
    by_host: dict[str, list[tuple[str, str]]] = {}
    for i, doc in enumerate(docs):
        n = i * len(servers) // len(docs)
        by_host.setdefault(f"h{n}", []).append((doc, servers[n].url(doc)))
    return by_host


def atlas_project(folder: Path, by_host, *, jobs: int, per_host: int) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    lines = ["settings:", f"  jobs: {jobs}", f"  per_host: {per_host}", "platforms:"]
    for platform, docs in by_host.items():
        lines += [f"  {platform}:", "    documents:"]
        lines += [f"      {doc}: {url}" for doc, url in docs]
    (folder / "sources.yaml").write_text("\n".join(lines) + "\n")
    (folder / ".gitignore").write_text(".atlas/\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    return folder


def atlas_fetch(cmd, folder: Path, expect: str, n: int):
    run = run_measured(cmd + ["fetch", "--json"], cwd=folder, env=atlas_env(), timeout=3600)
    try:
        counts = json.loads(run.stdout)["counts"]
    except (json.JSONDecodeError, KeyError):
        counts = {}
    if counts.get(expect) != n:
        print(f"  atlas: expected {n} {expect}, got {counts} (rc {run.rc})", file=sys.stderr)
        print("  " + run.stderr.strip()[-500:], file=sys.stderr)
    return run


def peak(servers: list[BenchServer]) -> int:
    top = max(s.peak for s in servers)
    for s in servers:
        s.reset_counters()
    return top


def import_time(cmd, folder: Path) -> tuple[float, list[tuple[float, str]]]:
    """Total import time of a warm fetch (ms, from -X importtime) and the 6 largest imports."""
    python = cmd[0] if cmd[0].endswith(("python", "python3")) else sys.executable
    proc = subprocess.run(
        [python, "-X", "importtime", "-m", "conductatlas_cli", "fetch", "--json"],
        cwd=folder,
        env=atlas_env(),
        capture_output=True,
        text=True,
    )
    total, top = 0.0, []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m:
            total += int(m.group(1)) / 1000
            if not m.group(3):  # a top-level import
                top.append((int(m.group(2)) / 1000, m.group(4)))
    return total, sorted(top, reverse=True)[:6]


def byte_compile() -> None:
    """Write the package's .pyc files, as an install does: with PYTHONDONTWRITEBYTECODE set
    (this machine sets it) every atlas run would otherwise compile its modules from source."""
    package = HERE.parent / "conductatlas_cli"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def cmd_hosts(args) -> None:
    cmd = atlas_command()
    byte_compile()
    corpus = WORK / "corpus" / f"hosts-{args.docs}"
    write_corpus(corpus, docs=args.docs, versions=1)
    servers = start_hosts(corpus, args.hosts, args.latency)
    by_host = assign(corpus, servers)
    urls = {doc: url for docs in by_host.values() for doc, url in docs}
    n = len(urls)
    per_host_docs = max(len(d) for d in by_host.values())
    bound = max(n / args.jobs, per_host_docs / args.per_host) * args.latency
    print(f"{n} documents over {args.hosts} hosts, {args.latency * 1000:.0f} ms per response")
    print(f"before: {load()}")
    res = {k: [] for k in ("a_cold", "a_cold_cpu", "u_cold", "u_cold_cpu")}
    peaks = []
    folder = WORK / "runs" / "scale-atlas"
    try:
        for _ in range(args.repeats):
            atlas_project(folder, by_host, jobs=args.jobs, per_host=args.per_host)
            peak(servers)
            r = atlas_fetch(cmd, folder, "new", n)
            peaks.append(peak(servers))
            res["a_cold"].append(r.wall)
            res["a_cold_cpu"].append(r.cpu)
            uw = Urlwatch(WORK / "runs" / "scale-urlwatch", urls, method="pyhtml2text")
            r = uw.fetch()
            res["u_cold"].append(r.wall)
            res["u_cold_cpu"].append(r.cpu)
        warm = {k: [] for k in ("a", "a_cpu", "u", "u_cpu")}
        for _ in range(args.repeats):
            peak(servers)
            r = atlas_fetch(cmd, folder, "unchanged", n)
            peaks.append(peak(servers))
            warm["a"].append(r.wall)
            warm["a_cpu"].append(r.cpu)
            r = uw.fetch()
            warm["u"].append(r.wall)
            warm["u_cpu"].append(r.cpu)
        total, top = import_time(cmd, folder)
    finally:
        for s in servers:
            s.stop()
    print(f"after: {load()}")
    print(f"politeness bound (jobs {args.jobs}, per_host {args.per_host}): {bound:.2f} s")

    def line(label, a, u):
        ma, mu = median(a), median(u)
        print(
            f"{label:<22} atlas {ma:6.2f} s  urlwatch {mu:6.2f} s  {ma / mu:5.2f}×   "
            f"atlas {fmt(a)}  urlwatch {fmt(u)}"
        )

    line("cold wall", res["a_cold"], res["u_cold"])
    line("cold CPU", res["a_cold_cpu"], res["u_cold_cpu"])
    line("warm wall (all 304)", warm["a"], warm["u"])
    line("warm CPU", warm["a_cpu"], warm["u_cpu"])
    print(f"most requests in flight on one host during atlas runs: {max(peaks)}")
    print(f"warm fetch import time: {total:.0f} ms; largest top-level imports (cumulative):")
    for ms, name in top:
        print(f"  {ms:7.1f} ms  {name}")


def fmt(values) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def cmd_big(args) -> None:
    cmd = atlas_command()
    byte_compile()
    corpus = WORK / "corpus" / f"big-{args.docs}"
    t = time.perf_counter()
    write_corpus(corpus, docs=args.docs, versions=1, text_bytes=args.text_bytes)
    print(f"corpus: {args.docs} documents ({time.perf_counter() - t:.0f} s to make or check)")
    servers = start_hosts(corpus, args.hosts, args.latency)
    by_host = assign(corpus, servers)
    n = sum(len(d) for d in by_host.values())
    per_host_docs = max(len(d) for d in by_host.values())
    bound = max(n / args.jobs, per_host_docs / args.per_host) * args.latency
    folder = atlas_project(
        WORK / "runs" / "scale-big", by_host, jobs=args.jobs, per_host=args.per_host
    )
    print(f"{n} documents over {args.hosts} hosts, {args.latency * 1000:.0f} ms per response")
    print(f"before: {load()}")
    try:
        cold = atlas_fetch(cmd, folder, "new", n)
        cold_peak = peak(servers)
        print(f"after cold: {load()}")
        warm = atlas_fetch(cmd, folder, "unchanged", n)
        warm_peak = peak(servers)
    finally:
        for s in servers:
            s.stop()
    print(f"after warm: {load()}")
    cores = os.cpu_count() or 1
    print(f"politeness bound (jobs {args.jobs}, per_host {args.per_host}): {bound:.1f} s")
    for label, r, top in (("cold", cold, cold_peak), ("warm", warm, warm_peak)):
        target = bound + r.cpu / cores
        print(
            f"{label}: wall {r.wall:.1f} s, CPU {r.cpu:.1f} s, peak RSS {r.rss_mb:.0f} MB, "
            f"exit {r.rc}; bound + CPU/{cores} cores = {target:.1f} s → "
            f"{r.wall / target:.2f}× of it; most in flight on one host {top}"
        )
    first = next(iter(by_host))
    key = f"{first}/{by_host[first][0][0]}"
    for argv in (
        ["log", key],
        ["log", key],
        ["diff", key],
        ["status"],
        ["log", "--since", "2000-01-01"],
        ["diff", "--since", "2000-01-01", "--stat"],
    ):
        r = run_measured(cmd + argv, cwd=folder, env=atlas_env())
        print(
            f"atlas {' '.join(argv):<40} {r.wall:5.2f} s  (exit {r.rc}, "
            f"{len(r.stdout.splitlines())} lines)"
        )
    print(f"end: {load()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    hosts = sub.add_parser("hosts", help="atlas beside urlwatch over several loopback hosts")
    hosts.add_argument("--hosts", type=int, default=12)
    hosts.add_argument("--docs", type=int, default=120)
    hosts.add_argument("--latency", type=float, default=0.04)
    hosts.add_argument("--repeats", type=int, default=3)
    hosts.add_argument("--jobs", type=int, default=8)
    hosts.add_argument("--per-host", type=int, default=2)
    big = sub.add_parser("big", help="N documents over many hosts, once")
    big.add_argument("--hosts", type=int, default=500)
    big.add_argument("--docs", type=int, default=10000)
    big.add_argument("--latency", type=float, default=0.04)
    big.add_argument("--jobs", type=int, default=16)
    big.add_argument("--per-host", type=int, default=2)
    big.add_argument("--text-bytes", type=int, default=3000, help="text size of each page")
    args = parser.parse_args(argv)
    (cmd_hosts if args.what == "hosts" else cmd_big)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

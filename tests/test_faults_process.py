"""Process-level faults on a real `atlas fetch` subprocess: kill -9, SIGINT, two runs, ulimit -f.

The subprocesses talk to the real local server of the test and write a real git
repository; afterwards the invariants of tests/faultcheck.py are checked, both
right after the fault and after the next (repairing) run.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time

import pytest
from conftest import Page
from faultcheck import (
    BAD,
    GOOD,
    FaultBench,
    assert_consistent,
    assert_files_are_committed_versions,
    assert_plain_output,
    git,
    policy_html,
)

from conductatlas_cli.archive.state import hold_lock

N_DOCS = 20
KILL_LOOPS = int(os.environ.get("ATLAS_KILL_LOOPS", "8"))
SEED = int(os.environ.get("ATLAS_KILL_SEED", "20261125"))


_started: list[int] = []  # process groups of this test's atlas runs, for cleanup


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    """Whatever a test's atlas runs started is gone when the test ends (pass or fail)."""
    yield
    while _started:
        pgid = _started.pop()
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def atlas(root, *args: str, preexec_fn=None) -> subprocess.Popen:
    """A real `atlas ARGS` process in ROOT, in its own process group (like a shell job)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "conductatlas_cli", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,
        start_new_session=True,
    )
    _started.append(proc.pid)
    return proc


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    """Exit code, stdout, stderr; fails (never hangs) when something holds the pipes open."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        left = live_group_members(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(
            f"atlas (exit {proc.returncode}) did not finish or its output pipes stayed open "
            f"{timeout:g} s; still running in its group: {left}"
        )
    assert_plain_output(out)
    assert_plain_output(err)
    return proc.returncode, out, err


def live_group_members(pgid: int) -> list[str]:
    """Processes (not zombies) still in process group PGID, as 'pid command line'."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    cmd = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")[:120]
            except OSError:
                cmd = stat[stat.index("(") + 1 : stat.rindex(")")]
            found.append(f"{entry} {cmd}")
    return found


def assert_no_orphans(pgid: int, grace: float = 10.0) -> None:
    """Everything the stopped run started (git, workers) goes away by itself."""
    deadline = time.monotonic() + grace
    while (left := live_group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, (
        f"left running after atlas stopped: {left}; every process a run starts must die "
        "with it (they hold its output pipes open, so cron or a CI step would wait forever)"
    )


def assert_lock_free(root) -> None:
    """No stale lock: the lock can be taken at once, without waiting."""
    with hold_lock(root / ".atlas"):
        pass


def _keys(n: int = N_DOCS) -> list[str]:
    return [f"p{i % 4}/doc-{i:02d}" for i in range(n)]


def _write_many(project, server, versions: dict[str, int], *, delay: float = 0.0) -> None:
    platforms: dict = {}
    for key in versions:
        platform, doc = key.split("/")
        platforms.setdefault(platform, {"documents": {}})["documents"][doc] = server.url(f"/{key}")
        server.routes[f"/{key}"] = Page(body=policy_html(versions[key], title=doc), delay=delay)
    project.write_sources(
        platforms, settings={"timeout": 5, "retries": 0, "jobs": 8, "per_host": 8}
    )


def _serve(server, versions: dict[str, int], key: str, *, delay: float = 0.0) -> None:
    title = key.split("/")[1]
    server.routes[f"/{key}"] = Page(body=policy_html(versions[key], title=title), delay=delay)


@pytest.mark.slow
def test_kill_9_at_random_moments(in_project, server):
    """kill -9 of a real fetch at random moments (ATLAS_KILL_LOOPS times) never loses anything.

    Each killed run has 6 changed documents and (for the first 10) one new platform.
    Right after each kill: git fsck is clean, every snapshot file equals a committed
    version, state.json is valid, the lock is free, no process of the run is left.
    The next run exits 0 and leaves every snapshot equal to HEAD (no temporary file
    left) with the latest page recorded.
    """
    root = in_project.root
    rng = random.Random(SEED)
    versions = dict.fromkeys(_keys(), 1)
    _write_many(in_project, server, versions, delay=0.01)
    started = time.monotonic()
    code, out, err = finish(atlas(root, "fetch", "-q"))
    duration = time.monotonic() - started
    assert code == 0, err
    killed_after_commit = needed_repair = 0
    for loop in range(KILL_LOOPS):
        for key in rng.sample(list(versions), 6):
            versions[key] += 1
            _serve(server, versions, key, delay=0.01)
        if loop < 10:  # a new platform too: its folder and first version are made by this run
            versions[f"new{loop}/doc-{loop:02d}"] = 1
            _write_many(in_project, server, versions, delay=0.01)
        before = len(in_project.commits())
        proc = atlas(root, "fetch", "-q")
        time.sleep(rng.uniform(0.0, duration * 1.2))
        proc.kill()
        assert_no_orphans(proc.pid)
        finish(proc, timeout=10)
        killed_after_commit += len(in_project.commits()) > before
        # What holds immediately after the kill.
        assert_files_are_committed_versions(root)
        state = root / ".atlas" / "state.json"
        if state.exists():
            json.loads(state.read_text())
        assert_lock_free(root)
        needed_repair += not _matches_head(root)
        # The next run repairs, completes with exit 0 and leaves the archive consistent.
        code, out, err = finish(atlas(root, "fetch", "-q"))
        assert code == 0, err
        assert "Traceback" not in err
        assert_consistent(root)
        for key in versions:
            text = (root / "snapshots" / f"{key}.md").read_text()
            assert f"{30 + versions[key]} days" in text, key
    print(
        f"kill -9 loops: {KILL_LOOPS}; killed after at least one commit: {killed_after_commit}; "
        f"left a work tree the next run repaired: {needed_repair}"
    )


def _matches_head(root) -> bool:
    """Snapshot files and index equal HEAD, with no temporary file (what repair restores)."""
    try:
        assert_consistent(root)
    except AssertionError:
        return False
    return True


def test_two_fetches_at_once(in_project, server):
    """Two runs at once: the second exits 75 with one line, or waits with --wait; all consistent."""
    root = in_project.root
    versions = dict.fromkeys(_keys(4), 1)
    _write_many(in_project, server, versions, delay=3.0)
    first = atlas(root, "fetch")
    lock = root / ".atlas" / "lock"
    deadline = time.monotonic() + 20
    while not (lock.exists() and lock.read_text().startswith(str(first.pid))):
        assert time.monotonic() < deadline, "the first fetch never took the lock"
        time.sleep(0.02)
    second = atlas(root, "fetch")
    waiting = atlas(root, "fetch", "--wait")
    code, out, err = finish(second)
    assert code == 75, (out, err)
    assert err.count("\n") == 1 and f"another 'atlas fetch' is running (pid {first.pid}" in err
    assert out == ""
    for key in versions:
        _serve(server, versions, key)  # the waiting run need not be slow
    code, out, err = finish(first)
    assert code == 0, err
    commits = in_project.commits()
    code, out, err = finish(waiting)
    assert code == 0, err
    assert in_project.commits() == commits  # nothing new to record after the first run
    assert "4 unchanged" in out
    assert_consistent(root)
    assert_lock_free(root)


def test_stampede_of_runs(in_project, server):
    """Six runs started at the same instant (cron on several hosts of one share): each exits
    0 (with --wait) or 75 (without); every version is recorded exactly once."""
    root = in_project.root
    versions = dict.fromkeys(_keys(6), 1)
    _write_many(in_project, server, versions, delay=0.2)
    procs = [atlas(root, "fetch", "--wait" if i % 2 else "-q") for i in range(6)]
    codes = [finish(p)[0] for p in procs]
    assert all(c in (0, 75) for c in codes), codes
    assert all(c == 0 for c in codes[1::2]), codes  # the waiting ones
    assert codes.count(0) >= 3
    assert len(in_project.commits("snapshots")) == len(versions)
    assert_consistent(root)
    assert_lock_free(root)


def test_sigint_mid_run(in_project, server):
    """Ctrl-C while documents are still in flight: exit 130, one line, each commit whole.

    Like a terminal's Ctrl-C, SIGINT goes to the whole process group (atlas and any
    git or worker process it started).
    """
    root = in_project.root
    keys = _keys(N_DOCS)
    versions = dict.fromkeys(keys, 1)
    _write_many(in_project, server, versions)
    slow = keys[12:]
    for key in slow:
        _serve(server, versions, key, delay=30)  # still downloading when Ctrl-C comes
    before = len(in_project.commits())
    proc = atlas(root, "fetch")
    deadline = time.monotonic() + 30
    while len(in_project.commits()) < before + 12:
        assert time.monotonic() < deadline, "the fast documents were never recorded"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    started = time.monotonic()
    code, out, err = finish(proc, timeout=20)
    assert_no_orphans(proc.pid)
    assert time.monotonic() - started < 5, "did not stop promptly"
    assert code == 130, (out, err)
    assert err.splitlines()[-1] == "atlas: error: interrupted"
    assert_files_are_committed_versions(root)
    assert_lock_free(root)
    # Every commit the interrupted run made is whole: one snapshot (plus its capture's
    # files), the blob its trailer names.
    for commit in in_project.commits()[: len(in_project.commits()) - before]:
        changed = git(root, "show", "--name-only", "--format=", commit).split()
        paths = [p for p in changed if p.startswith("snapshots/")]
        assert len(paths) == 1
        assert [p for p in changed if p not in paths] == [
            f"captures/{paths[0][len('snapshots/') : -3]}/{name}"
            for name in ("meta.json", "served.gz")
        ]
        message = git(root, "log", "-1", "--format=%B", commit)
        sha = [x for x in message.splitlines() if x.startswith("Atlas-Content-SHA256: ")]
        blob = git(root, "cat-file", "blob", f"{commit}:{paths[0]}", text=False)
        assert sha == [f"Atlas-Content-SHA256: {__import__('hashlib').sha256(blob).hexdigest()}"]
    for key in slow:
        _serve(server, versions, key)
    code, out, err = finish(atlas(root, "fetch", "-q"))
    assert code == 0, err
    assert_consistent(root)
    assert len(in_project.commits()) == before + N_DOCS


def test_sigint_while_waiting_for_the_lock(in_project, server):
    """Ctrl-C on `atlas fetch --wait` blocked behind another run: exit 130, one line, no change."""
    root = in_project.root
    _write_many(in_project, server, dict.fromkeys(_keys(2), 1))
    with hold_lock(root / ".atlas"):
        proc = atlas(root, "fetch", "--wait")
        time.sleep(1.0)  # started and blocked on the lock
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)
        code, out, err = finish(proc, timeout=20)
    assert code == 130, (out, err)
    assert err == "atlas: error: interrupted\n"
    assert server.hits == {}  # nothing was fetched
    assert in_project.commits("snapshots") == []
    assert_lock_free(root)


def test_sigterm_mid_run_is_like_a_crash(in_project, server):
    """SIGTERM (a cron or CI timeout) mid-run: nothing corrupt, the next run completes."""
    root = in_project.root
    keys = _keys(N_DOCS)
    versions = dict.fromkeys(keys, 1)
    _write_many(in_project, server, versions)
    _serve(server, versions, keys[-1], delay=30)
    before = len(in_project.commits())
    proc = atlas(root, "fetch")
    deadline = time.monotonic() + 30
    while len(in_project.commits()) < before + 5:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.terminate()  # to atlas alone, as `timeout 60 atlas fetch` in a cron line does
    assert_no_orphans(proc.pid)
    code, out, err = finish(proc, timeout=20)
    assert code in (-signal.SIGTERM, 143), (code, err)
    assert_files_are_committed_versions(root)
    assert_lock_free(root)
    _serve(server, versions, keys[-1])
    code, out, err = finish(atlas(root, "fetch", "-q"))
    assert code == 0, err
    assert_consistent(root)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(x) for x in handle.read().split()]
    except OSError:
        return []


def test_extraction_worker_killed_mid_run(in_project, server):
    """The OOM killer takes an extraction worker mid-run: every document is still recorded
    (exit 0), nothing corrupt, no process left; the next run exits 0."""
    root = in_project.root
    keys = _keys(N_DOCS)
    versions = dict.fromkeys(keys, 1)
    _write_many(in_project, server, versions)
    filler = "".join(
        f"<p>Clause {i}: the operator keeps duty {i} in force.</p>" for i in range(3000)
    )
    for key in keys:
        title = key.split("/")[1]
        html = policy_html(1, title=title).replace("</main>", filler + "</main>")
        server.routes[f"/{key}"] = Page(body=html, delay=0.3)
    proc = atlas(root, "fetch")
    deadline = time.monotonic() + 30
    victims: list[int] = []
    while not victims:
        assert time.monotonic() < deadline and proc.poll() is None, "no worker process seen"
        victims = [
            child
            for child in _children(proc.pid)
            if b"git" not in open(f"/proc/{child}/cmdline", "rb").read().split(b"\0")[0]
        ]
        time.sleep(0.01)
    time.sleep(0.4)  # the first pages are arriving
    os.kill(victims[0], signal.SIGKILL)
    code, out, err = finish(proc)
    # The pages in flight are tried once more in a fresh pool: none is lost to this kill.
    assert code == 0, (out, err)
    assert out.splitlines()[-1].startswith(f"{N_DOCS} new, "), out
    assert_no_orphans(proc.pid)
    assert_consistent(root)
    code, out, err = finish(atlas(root, "fetch", "-q"))
    assert code == 0, err
    assert_consistent(root)
    assert len(in_project.commits("snapshots")) == N_DOCS


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def bench(in_project, server) -> FaultBench:
    return FaultBench(in_project, server)


def test_file_size_limit_mid_write(bench, server):
    """`ulimit -f` hit while writing a snapshot: an error for that document, not a crash.

    SIGXFSZ is ignored (Python does so at start-up; atlas also says so explicitly),
    so the write fails with EFBIG and becomes a one-line error; the others are recorded.
    """
    big = policy_html(2).replace(
        "</main>",
        "".join(f"<p>Clause {i} sets out duty number {i} of the operator.</p>" for i in range(4000))
        + "</main>",
    )
    server.set("/bad", big)
    server.set("/good", policy_html(2, title="Terms"))
    bench.good_version = 2
    proc = atlas(bench.root, "fetch", preexec_fn=_limit_file_size(48 * 1024))
    code, out, err = finish(proc)
    assert code == 1, (code, out, err)
    result = _Result(code, out + err)
    bench.assert_survived(result, cause="File too large")
    assert not list((bench.root / "snapshots").rglob(".atlas-*"))


def test_file_size_limit_on_every_write(bench, server):
    """A limit so small that state.json and git objects cannot be written: no crash, no loss."""
    server.set("/bad", policy_html(2))
    server.set("/good", policy_html(2, title="Terms"))
    proc = atlas(bench.root, "fetch", preexec_fn=_limit_file_size(512))
    code, out, err = finish(proc)
    assert code == 1, (code, out, err)
    for key in (BAD, GOOD):
        (line,) = [x for x in out.splitlines() if key in x]
        assert line.startswith("failed") and "File too large" in line, out
    assert err.startswith("atlas: warning: cannot save state in ") and "File too large" in err
    assert err.count("\n") == 1, err
    assert_files_are_committed_versions(bench.root)
    json.loads((bench.root / ".atlas" / "state.json").read_text())
    code, out, err = finish(atlas(bench.root, "fetch"))
    assert code == 0, err
    assert_consistent(bench.root)
    assert "32 days" in bench.snapshot(BAD).read_text()
    assert "32 days" in bench.snapshot(GOOD).read_text()


def test_file_size_limit_hit_by_git(bench, server):
    """`ulimit -f` hit by git itself (a large index): git fails cleanly, no stale index.lock.

    The versions are recorded (objects are small); the user's index entries could not
    be updated, so `git status` shows them until the next run's repair.
    """
    for i in range(600):
        (bench.root / f"f{i:04d}.txt").write_text(f"{i}\n")
    git(bench.root, "add", ".")
    git(bench.root, "commit", "-qm", "many files: a large index")
    assert (bench.root / ".git" / "index").stat().st_size > 32 * 1024
    server.set("/bad", policy_html(2))
    server.set("/good", policy_html(2, title="Terms"))
    code, out, err = finish(atlas(bench.root, "fetch", preexec_fn=_limit_file_size(16 * 1024)))
    assert code == 0, (out, err)
    assert not (bench.root / ".git" / "index.lock").exists()
    assert_files_are_committed_versions(bench.root)
    assert len(bench.commits(BAD)) == len(bench.bad_commits) + 1
    code, out, err = finish(atlas(bench.root, "fetch"))
    assert code == 0, err
    assert_consistent(bench.root)


class _Result:
    """A subprocess outcome shaped like CliRunner's result, for FaultBench.assert_survived."""

    def __init__(self, code: int, output: str):
        self.exit_code = code
        self.output = output
        self.exception = None

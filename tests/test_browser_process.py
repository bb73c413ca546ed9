"""kill -9 of a real `atlas fetch` while Chromium renders: no browser left, next run fine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from browserkit import browser_processes, require_browser, still_running, wait_gone

POLICY = "".join(
    f"<h2>{i}. Clause</h2><p>Operators must keep records of clause {i} for 30 days. "
    "Each end user must follow it too, without exception.</p>"
    for i in range(1, 6)
)


def run_dirs(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"atlas-browser-{pid}-*"))


def rendering(in_project, server, release: threading.Event) -> subprocess.Popen:
    """A real `atlas fetch` subprocess, returned once Chromium is busy with a page that hangs."""
    server.routes["/hang"] = lambda handler: release.wait(60)
    server.set("/policy", "<html><body><p>loading</p><iframe src='/hang'></iframe></body></html>")
    in_project.write_sources(
        {"acme": {"documents": {"usage-policy": server.url("/policy")}}},
        settings={"render": "browser", "timeout": 30},
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "conductatlas_cli", "fetch"],
        cwd=in_project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while server.hits["/hang"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.hits["/hang"] == 1, "the page never started rendering"
    return proc


def test_ctrl_c_during_rendering_closes_the_browser(in_project, server):
    """SIGINT mid-render: atlas exits 130 with one line, and no Chromium process is left."""
    require_browser()
    release = threading.Event()
    proc = rendering(in_project, server, release)
    try:
        procs = browser_processes(f"{tempfile.gettempdir()}/atlas-browser-{proc.pid}-")
        assert procs
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert err.splitlines()[-1] == "atlas: error: interrupted"
        assert still_running(procs) == set()
        assert run_dirs(proc.pid) == []
    finally:
        release.set()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_kill_9_during_rendering_leaves_no_chromium(in_project, server):
    """kill -9 of atlas mid-render: every Chromium process goes, and the next run records."""
    require_browser()
    release = threading.Event()
    proc = rendering(in_project, server, release)
    try:
        prefix = f"{tempfile.gettempdir()}/atlas-browser-{proc.pid}-"
        procs = browser_processes(prefix)
        assert len(procs) >= 3  # browser, zygotes, renderers, crash handler
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_gone(procs, timeout=10) == set()
        deadline = time.monotonic() + 5
        while run_dirs(proc.pid) and time.monotonic() < deadline:  # the watchdog's last step
            time.sleep(0.1)
        assert run_dirs(proc.pid) == []
    finally:
        release.set()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    server.set("/policy", f"<html><body><main><h1>Usage Policy</h1>{POLICY}</main></body></html>")
    again = subprocess.run(
        [sys.executable, "-m", "conductatlas_cli", "fetch"],
        cwd=in_project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "clause 3 for 30 days" in in_project.snapshot("acme/usage-policy").read_text()

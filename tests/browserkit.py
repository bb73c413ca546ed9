"""Shared by the browser tests: a real Chromium or a failing test, and its processes.

Browser tests never skip: where playwright or Chromium is missing they fail
with the line that says what to install.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

MARKER = "ATLAS_BROWSER_RUN"


def require_browser() -> None:
    """Fail the test (with the install hint) when the browser fetcher cannot work here."""
    from conductatlas_cli.fetch.chromium import browser_problem

    problem = browser_problem()
    if problem:
        pytest.fail(
            f"{problem}. The browser tests need a real Chromium: "
            "apt-get install -y chromium && pip install -e '.[test]'",
            pytrace=False,
        )


def _start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat), or None when gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # dead; this container's init does not reap orphans
        return None
    return fields[19]


def browser_processes(prefix: str) -> set[tuple[int, str]]:
    """(pid, start time) of every live process of the browsers whose marker starts with PREFIX.

    A launch marks the browser and its crash handler (ATLAS_BROWSER_RUN in the
    environment); zygotes, renderers and utilities share the browser's process group.
    """
    marked: set[int] = set()
    groups: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            groups[pid] = os.getpgid(pid)
        except OSError:
            continue
        if any(item.startswith(f"{MARKER}={prefix}".encode()) for item in env):
            marked.add(pid)
    found = set()
    for pid, group in groups.items():
        if pid in marked or group in marked:
            start = _start_time(pid)
            if start is not None:
                found.add((pid, start))
    return found


def still_running(procs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The processes of PROCS that are still alive (same pid and start time, not a zombie)."""
    return {(pid, start) for pid, start in procs if _start_time(pid) == start}


def wait_gone(procs: set[tuple[int, str]], timeout: float = 10.0) -> set[tuple[int, str]]:
    """Wait until PROCS are gone; return those still running after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    left = still_running(procs)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = still_running(left)
    return left


def kill_renderers(prefix: str) -> int:
    """SIGKILL the page renderers of the browsers marked PREFIX (as the OOM killer would)."""
    import signal

    killed = 0
    for pid, _start in browser_processes(prefix):
        try:
            # Chromium rewrites its children's titles: one string, the arguments joined by spaces.
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"--type=renderer" in args and b"--top-chrome-webui" not in args:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed

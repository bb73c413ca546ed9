"""Start Chromium so that it cannot outlive the `atlas` process that asked for it.

Run as a script, never imported by atlas (it must start fast and alone, so it
imports only the standard library and runs with `python -I -S`):

    python -IS chromium_launcher.py ATLAS_PID RUN_DIR CHROMIUM [ARGS...]

playwright starts it as the browser executable (a two-line shell script in
RUN_DIR points here). It

1. leaves a watchdog behind (a double-forked process, so no one's child): it
   waits for `atlas` (ATLAS_PID) or the browser to exit; when `atlas` goes
   first — kill -9, the OOM killer, a crash — it kills the browser's process
   group, every process that carries this launch's marker in its environment
   (`ATLAS_BROWSER_RUN=RUN_DIR:PID`; Chromium's crash handler runs in a
   session of its own), the playwright driver, and removes RUN_DIR and the
   browser profile; when the browser goes first, it kills what is left of
   the browser's group and exits;
2. asks the kernel to kill the browser when its parent (the playwright
   driver) dies (PR_SET_PDEATHSIG, Linux);
3. execs CHROMIUM with ARGS, keeping its process id (and the pipes playwright
   talks to it through).

Process exits are awaited with pidfds where the kernel has them (Linux 5.3),
otherwise by polling every 0.2 s.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
import time

MARKER = "ATLAS_BROWSER_RUN"
POLL = 0.2


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_first(pids: list[int], fds: list[int | None]) -> int:
    """Block until one of PIDS exits; return its index."""
    known = [fd for fd in fds if fd is not None]
    if len(known) == len(fds):
        ready, _, _ = select.select(known, [], [])
        return known.index(ready[0])
    while True:
        for index, pid in enumerate(pids):
            fd = fds[index]
            if fd is not None:
                if select.select([fd], [], [], 0)[0]:
                    return index
            elif not _alive(pid):
                return index
        time.sleep(POLL)


def _marked(marker: str) -> list[int]:
    """Processes (ours) whose environment carries MARKER (this launch's)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                env = handle.read()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(name))
    return found


def _kill_browser(browser: int, marker: str) -> None:
    try:
        if os.getpgid(browser) == browser:
            os.killpg(browser, signal.SIGKILL)
        else:
            os.kill(browser, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.killpg(browser, signal.SIGKILL)  # what is left of its group once it is gone
    except OSError:
        pass
    for pid in _marked(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _watch(atlas: int, browser: int, driver: int, marker: str, fds: list[int | None]) -> None:
    """The watchdog's life: wait, then clean up after whoever died."""
    first = _wait_first([atlas, browser], fds[:2])
    _kill_browser(browser, marker)
    if first == 0:  # atlas died: nobody else will clean up
        driver_fd = fds[2]
        try:
            if driver_fd is not None:
                signal.pidfd_send_signal(driver_fd, signal.SIGKILL)
            elif _alive(driver) and driver != 1:
                os.kill(driver, signal.SIGKILL)
        except (AttributeError, OSError):
            pass
        time.sleep(0.3)  # a crash handler may still be starting
        _kill_browser(browser, marker)
        for folder in (marker.rpartition(":")[0], _profile_dir()):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)


def _profile_dir() -> str | None:
    """The --user-data-dir playwright made for this browser (left behind by a kill -9)."""
    for arg in sys.argv:
        if arg.startswith("--user-data-dir="):
            return arg.split("=", 1)[1] or None
    return None


def _detach_watchdog(atlas: int, marker: str) -> None:
    """Fork the watchdog (twice, so it is re-parented and reaped by init)."""
    browser, driver = os.getpid(), os.getppid()
    fds = [_pidfd(atlas), _pidfd(browser), _pidfd(driver)]
    if fds[0] is None and not _alive(atlas):
        sys.exit(1)  # atlas is already gone: do not start a browser nobody will close
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        for fd in fds:
            if fd is not None:
                os.close(fd)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        keep = {fd for fd in fds if fd is not None}
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        for fd in range(3, _max_fd()):
            if fd not in keep and fd != null:
                try:
                    os.close(fd)
                except OSError:
                    pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _watch(atlas, browser, driver, marker, fds)
    finally:
        os._exit(0)


def _max_fd() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 65536)
    except (ValueError, OSError):
        return 1024


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.stderr.write("usage: chromium_launcher.py ATLAS_PID RUN_DIR CHROMIUM [ARGS...]\n")
        sys.exit(2)
    atlas, run_dir, chromium = int(argv[0]), argv[1], argv[2]
    marker = f"{run_dir}:{os.getpid()}"  # one per launch: a relaunch is not the old one's
    os.environ[MARKER] = marker
    _detach_watchdog(atlas, marker)
    _die_with_parent()
    try:
        with open(os.path.join(run_dir, "browser.pid"), "w") as handle:
            handle.write(str(os.getpid()))
    except OSError:
        pass
    os.execv(chromium, [chromium, *argv[3:]])


if __name__ == "__main__":
    main(sys.argv[1:])

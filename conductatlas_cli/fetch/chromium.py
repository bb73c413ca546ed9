"""Finding the system Chromium and preparing a run's launcher for it.

`find_chromium` looks at ATLAS_CHROMIUM, then PATH (`chromium`, `chromium-browser`,
`google-chrome`, `google-chrome-stable`); `browser_problem` says in one line what
to install when the browser fetcher cannot work here (`atlas check` asks it up
front). `prepare_run` makes a run's folder: a two-line shell script that starts
Chromium through `chromium_launcher` (so a killed atlas leaves no browser behind)
and the folder Chromium's crash handler writes to.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from conductatlas_cli.errors import FetchError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "ATLAS_CHROMIUM"
INSTALL_EXTRA = (
    "render: browser needs playwright: pip install 'conductatlas-cli[browser]' "
    "(or pip install -e '.[browser]' in a clone)"
)
INSTALL_CHROMIUM = (
    "render: browser needs Chromium: install it (apt-get install chromium) "
    f"or set {CHROMIUM_ENV} to a Chromium or Chrome binary"
)
# Flags for a headless browser that talks to nobody but the page.
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-breakpad",
    "--disable-crash-reporter",
)


def find_chromium(env: dict[str, str] | None = None) -> str:
    """The Chromium to drive: ATLAS_CHROMIUM, else the first on PATH; FetchError if none."""
    env = dict(os.environ if env is None else env)
    named = env.get(CHROMIUM_ENV, "").strip()
    if named:
        found = shutil.which(named, path=env.get("PATH"))
        if not found or not os.access(found, os.X_OK):
            raise FetchError(f"{CHROMIUM_ENV}='{named}' is not an executable file")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    raise FetchError(INSTALL_CHROMIUM)


def browser_problem(env: dict[str, str] | None = None) -> str | None:
    """Why `render: browser` cannot work here (one line), or None. Starts nothing."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return INSTALL_EXTRA
    try:
        find_chromium(env)
    except FetchError as exc:
        return str(exc)
    return None


def prepare_run(chromium: str) -> tuple[Path, Path]:
    """(run folder, launcher script) for a browser started by this process."""
    sweep_stale_runs()
    run_dir = Path(tempfile.mkdtemp(prefix=f"atlas-browser-{os.getpid()}-"))
    launcher = run_dir / "chromium"
    script = Path(__file__).with_name("chromium_launcher.py")
    python = sys.executable or "python3"
    words = [python, "-IS", str(script), str(os.getpid()), str(run_dir), chromium]
    launcher.write_text(
        "#!/bin/sh\nexec " + " ".join(shlex.quote(w) for w in words) + ' "$@"\n',
        encoding="utf-8",
    )
    launcher.chmod(0o700)
    (run_dir / "config").mkdir()
    return run_dir, launcher


def kill_launched(run_dir: Path) -> None:
    """Kill what a launch in RUN_DIR left running (a browser that would not close)."""
    try:
        pid = int((run_dir / "browser.pid").read_text().strip())
    except (OSError, ValueError):
        return
    with contextlib.suppress(OSError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)


def sweep_stale_runs() -> None:
    """Remove run folders of atlas processes that are gone (kill -9 before the watchdog)."""
    base = Path(tempfile.gettempdir())
    for folder in base.glob("atlas-browser-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
            if folder.stat().st_uid != os.getuid():
                continue
        except (ValueError, IndexError, OSError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue

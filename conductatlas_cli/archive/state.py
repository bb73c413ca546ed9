"""Tool state that is not history (`.atlas/state.json`) and the one-writer lock (`.atlas/lock`).

state.json layout (version 1)::

    {"version": 1,
     "documents": {
        "cohere/usage-policy": {
            "etag": "\\"abc\\"" | null,          # validators for a conditional GET
            "last_modified": "Tue, 24 Nov ..." | null,
            "last_checked": "2026-11-24T10:00:00Z" | null,   # ISO 8601, UTC
            "last_changed": "2026-11-20T10:00:00Z" | null,   # last recorded version
            "failing_since": "..." | null,     # first failure of the current failing streak
            "last_error": "timed out" | null,
            "extra": {}                         # free-form, for the pipeline
        }}}

`document_state(state, key)` returns a document's dict with every field present.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from conductatlas_cli.errors import LockedError, StoreError

STATE_FILE = "state.json"
LOCK_FILE = "lock"
STATE_VERSION = 1
DOCUMENT_FIELDS = (
    "etag",
    "last_modified",
    "last_checked",
    "last_changed",
    "failing_since",
    "last_error",
)
log = logging.getLogger("conductatlas_cli.archive.archive")


def new_state() -> dict:
    return {"version": STATE_VERSION, "documents": {}}


def document_state(state: dict, key: str) -> dict:
    """KEY's entry in STATE (created when missing), with every documented field present."""
    entry = state.setdefault("documents", {}).setdefault(key, {})
    for name in DOCUMENT_FIELDS:
        entry.setdefault(name, None)
    if not isinstance(entry.get("extra"), dict):
        entry["extra"] = {}
    return entry


def load_state(state_dir: Path, *, warn: Callable[[str], None] | None = None) -> dict:
    """The saved state, or a fresh one; a corrupt file is set aside with a warning, never fatal."""
    path = Path(state_dir) / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return new_state()
    except OSError as exc:
        _warn(warn, f"cannot read '{path}' ({exc.strerror}); starting with empty state")
        return new_state()
    try:
        state = json.loads(raw.decode("utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("documents", {}), dict):
            raise ValueError("not a state object")
    except (ValueError, UnicodeDecodeError, RecursionError):
        aside = path.with_name(STATE_FILE + ".corrupt")
        try:
            os.replace(path, aside)
            where = f"; kept it as '{aside.name}'"
        except OSError:
            where = ""
        _warn(warn, f"'{path}' is corrupt{where}; starting with empty state")
        return new_state()
    state.setdefault("documents", {})
    state["version"] = STATE_VERSION
    for key, entry in list(state["documents"].items()):
        if not isinstance(entry, dict):
            del state["documents"][key]
    return state


def save_state(state_dir: Path, state: dict) -> None:
    """Write STATE atomically: a temporary file, fsync, rename."""
    folder = Path(state_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, folder / STATE_FILE)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise StoreError(f"cannot save state in '{folder}': {exc.strerror}") from None


def _warn(warn: Callable[[str], None] | None, message: str) -> None:
    if warn is not None:
        warn(message)
    else:
        log.warning(message)


@contextmanager
def hold_lock(state_dir: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold `.atlas/lock` (flock: the kernel frees it when the holder dies, even by kill -9).

    Without WAIT a held lock raises LockedError naming the holder's pid and start time.
    """
    folder = Path(state_dir)
    path = folder / LOCK_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot open lock file '{path}': {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            who = f"pid {holder[0]}, since {holder[1]}" if len(holder) >= 2 else "pid unknown"
            raise LockedError(
                f"another 'atlas fetch' is running ({who}); try again later or use --wait"
            ) from None
        since = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {since}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)

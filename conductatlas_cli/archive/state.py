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

In memory this is a `State` of `DocumentState`s (the `extra` keys become fields), loaded
and saved here alone; the file keeps the layout above, so an older file still loads.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.errors import LockedError, StoreError
from conductatlas_cli.timestamps import utc_now

STATE_FILE = "state.json"
LOCK_FILE = "lock"
STATE_VERSION = 1


@dataclass
class CurrentText:
    """What the recorded text of a document hashes to, so an unchanged run skips the work."""

    digest: str  # sha256 of the ignore rules and the recorded text
    noise: str  # its stream hash (snapshot.change_model)
    words: int

    def to_json(self) -> list[object]:
        return [self.digest, self.noise, self.words]

    @classmethod
    def from_json(cls, value: object) -> CurrentText | None:
        if isinstance(value, list) and len(value) == 3:
            digest, noise, words = value
            if isinstance(digest, str) and isinstance(noise, str) and isinstance(words, int):
                return cls(digest, noise, words)
        return None


@dataclass
class DocumentState:
    """One document's entry in `.atlas/state.json`."""

    etag: str | None = None
    last_modified: str | None = None
    last_checked: str | None = None  # ISO 8601, UTC
    last_changed: str | None = None  # the last recorded version
    failing_since: str | None = None  # the first failure of the current failing streak
    last_error: str | None = None
    body: str | None = None  # key of the last accepted body and the settings that read it
    current: CurrentText | None = None  # hashes of the recorded text
    recent: list[str] = field(default_factory=list)  # noise hashes of recent versions
    pending: str | None = None  # a return to an earlier version, seen once
    peak_words: int = 0  # words of the largest version while the document keeps shrinking
    url: str | None = None  # the URL last fetched: another one in sources.yaml is a moved source
    extra: dict[str, Any] = field(default_factory=dict)  # keys of newer versions, kept as found

    def to_json(self) -> dict[str, Any]:
        extra = dict(self.extra)
        for name, value in (
            ("body", self.body),
            ("current", self.current.to_json() if self.current else None),
            ("recent", list(self.recent) if self.recent else None),
            ("pending", self.pending),
            ("peak_words", self.peak_words or None),
            ("url", self.url),
        ):
            if value is not None:
                extra[name] = value
            else:
                extra.pop(name, None)
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        data["extra"] = extra
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentState:
        extra = data.get("extra")
        extra = dict(extra) if isinstance(extra, dict) else {}
        recent = extra.pop("recent", None)
        body, pending = extra.pop("body", None), extra.pop("pending", None)
        peak = extra.pop("peak_words", 0)
        url = extra.pop("url", None)
        return cls(
            **{name: _text(data.get(name)) for name in _FIELDS},
            body=_text(body),
            current=CurrentText.from_json(extra.pop("current", None)),
            recent=[k for k in recent if isinstance(k, str)] if isinstance(recent, list) else [],
            pending=_text(pending),
            peak_words=peak if isinstance(peak, int) and not isinstance(peak, bool) else 0,
            url=_text(url),
            extra=extra,
        )


_FIELDS = (
    "etag",
    "last_modified",
    "last_checked",
    "last_changed",
    "failing_since",
    "last_error",
)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class State:
    """The whole of `.atlas/state.json`."""

    documents: dict[str, DocumentState] = field(default_factory=dict)
    version: int = STATE_VERSION

    def document(self, key: str) -> DocumentState:
        """KEY's entry, created when missing."""
        return self.documents.setdefault(key, DocumentState())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "documents": {key: doc.to_json() for key, doc in self.documents.items()},
        }


def document_state(state: State, key: str) -> DocumentState:
    """KEY's entry in STATE (created when missing)."""
    return state.document(key)


def load_state(state_dir: Path, *, warn: Callable[[str], None] | None = None) -> State:
    """The saved state, or a fresh one; a corrupt file is set aside with a warning, never fatal."""
    path = Path(state_dir) / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return State()
    except OSError as exc:
        _warn(warn, f"cannot read '{path}' ({exc.strerror}); starting with empty state")
        return State()
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
        return State()
    documents = state.get("documents", {})
    return State(
        {
            key: DocumentState.from_json(entry)
            for key, entry in documents.items()
            if isinstance(key, str) and isinstance(entry, dict)
        }
    )


def save_state(state_dir: Path, state: State) -> None:
    """Write STATE atomically: a temporary file, fsync, rename."""
    folder = Path(state_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(state.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomically(folder / STATE_FILE, data.encode("utf-8"), prefix=".state-", fsync=True)
    except OSError as exc:
        raise StoreError(f"cannot save state in '{folder}': {exc.strerror}") from None


def _warn(warn: Callable[[str], None] | None, message: str) -> None:
    if warn is not None:
        warn(message)
    else:
        import logging  # here, not at the top: `atlas log` starts without it

        logging.getLogger("conductatlas_cli.archive").warning(message)


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
        since = utc_now()
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {since}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)

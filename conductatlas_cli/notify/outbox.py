"""The outbox: messages waiting for delivery, and how far the archive has been announced.

`.atlas/outbox.json`::

    {"version": 1,
     "cursor": "<commit>" | null,     # HEAD when the last messages were queued
     "messages": [{"id": …, "target": <Target.id>, "kind": "fetch", "created": …,
                   "title": …, "body": …, "format": "markdown",
                   "attempts": 0, "last_error": null}]}

Every change is one atomic replace of the whole file (a temporary file, fsync,
rename, fsync of the folder), so after kill -9 at any moment the file is either
the old one or the new one. Queuing a run's messages and moving the cursor is
one such replace, so the versions a run recorded are either announced by the
queued messages or still after the cursor (and announced by the next run).
`.atlas/outbox.lock` (flock) serialises users of the outbox. A target that stays
unreachable keeps at most `MAX_PER_TARGET` messages; older ones are dropped,
and `add` says how many.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.errors import StoreError
from conductatlas_cli.notify.message import Message

OUTBOX_FILE = "outbox.json"
LOCK_FILE = "outbox.lock"
VERSION = 1
MAX_PER_TARGET = 100
TMP_PREFIX = ".outbox-"


class Outbox:
    """The outbox of one project, held (locked and loaded) inside `with`."""

    def __init__(self, state_dir: Path, *, warn: Callable[[str], None] | None = None):
        self.folder = Path(state_dir)
        self.path = self.folder / OUTBOX_FILE
        self.warn = warn
        self.cursor: str | None = None
        self.messages: list[Message] = []
        self.exists = False
        self._fd: int | None = None

    def __enter__(self) -> Outbox:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.folder.is_symlink():
                raise StoreError(f"refusing to use the symbolic link '{self.folder}'")
            self._fd = os.open(
                self.folder / LOCK_FILE,
                os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                0o600,
            )
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as exc:
            self._close()
            raise StoreError(f"cannot lock the outbox in '{self.folder}': {exc.strerror}") from None
        try:
            self._load()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- reading ---------------------------------------------------------------

    def _load(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"cannot read '{self.path}': {exc.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read()
        try:
            data = json.loads(raw.decode("utf-8"))
            messages = [Message.from_dict(m) for m in data["messages"]]
            cursor = data.get("cursor")
            if cursor is not None and not isinstance(cursor, str):
                raise ValueError("bad cursor")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
            aside = self.path.with_name(OUTBOX_FILE + ".corrupt")
            try:
                os.replace(self.path, aside)
            except OSError as exc:
                raise StoreError(f"'{self.path}' is corrupt and cannot be set aside") from exc
            if self.warn:
                self.warn(f"'{self.path}' is corrupt; kept it as '{aside.name}'")
            return
        self.exists = True
        self.cursor, self.messages = cursor, messages

    def waiting(self, target_id: str) -> list[Message]:
        """TARGET_ID's queued messages, oldest first."""
        return [m for m in self.messages if m.target == target_id]

    # -- writing ---------------------------------------------------------------

    def add(self, messages: Iterable[Message], *, cursor: str | None) -> int:
        """Queue MESSAGES and set the cursor, in one atomic write; return how many were dropped."""
        self.messages.extend(messages)
        dropped = 0
        for target in {m.target for m in self.messages}:
            mine = self.waiting(target)
            if len(mine) > MAX_PER_TARGET:
                old = {m.id for m in mine[: len(mine) - MAX_PER_TARGET]}
                dropped += len(old)
                self.messages = [m for m in self.messages if m.id not in old]
        self.cursor = cursor
        self._save()
        return dropped

    def ack(self, ids: Iterable[str]) -> None:
        """Remove the messages IDS (delivered, or no longer deliverable)."""
        gone = set(ids)
        self.messages = [m for m in self.messages if m.id not in gone]
        self._save()

    def failed(self, ids: Iterable[str], error: str) -> None:
        """Note a failed attempt on the messages IDS (they stay queued)."""
        hit = set(ids)
        self.messages = [
            Message.from_dict({**m.to_dict(), "attempts": m.attempts + 1, "last_error": error})
            if m.id in hit
            else m
            for m in self.messages
        ]
        self._save()

    def _save(self) -> None:
        data = {
            "version": VERSION,
            "cursor": self.cursor,
            "messages": [m.to_dict() for m in self.messages],
        }
        payload = (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            for stale in self.folder.glob(f"{TMP_PREFIX}*.tmp"):
                stale.unlink(missing_ok=True)  # left by a run killed mid-write; we hold the lock
            write_atomically(self.path, payload, prefix=TMP_PREFIX, fsync=True, sync_folder=True)
        except OSError as exc:
            raise StoreError(f"cannot save the outbox '{self.path}': {exc.strerror}") from None
        self.exists = True

"""Files of the archive: snapshot paths and writes that never go through a symbolic link.

A snapshot file is written to a temporary file in its folder, then renamed over
the old one, so a reader (or a crash) sees the old or the new text, never half.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from conductatlas_cli.config.model import SLUG
from conductatlas_cli.errors import StoreError

TMP_PREFIX = ".atlas-"


def parse_date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def key_of_path(path: str, base: str) -> str | None:
    prefix = f"{base}/" if base else ""
    if not path.startswith(prefix) or not path.endswith(".md"):
        return None
    parts = path[len(prefix) : -3].split("/")
    if len(parts) != 2 or not all(SLUG.match(p) for p in parts):
        return None
    return "/".join(parts)


def make_folder(folder: Path, root: Path) -> None:
    """Create FOLDER (below ROOT), refusing symlinks on the way."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create folder '{folder}': {exc.strerror}") from None
    here = folder
    while here != root and root in here.parents:
        if here.is_symlink():
            raise StoreError(f"refusing to write through the symbolic link '{here}'")
        here = here.parent


def write_temporary(folder: Path, data: bytes) -> Path:
    """DATA in a new temporary file in FOLDER (same file system as the target).

    Created with mode 0o666 so the kernel applies the process's umask, as for any
    file the user writes. Not fsynced: the work-tree file is a copy of a committed
    blob, and `repair` restores it from HEAD after a crash.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        path = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(path, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot write in '{folder}': {exc.strerror}") from None
    else:
        raise StoreError(f"cannot write in '{folder}': no free temporary name")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        unlink_quietly(path)
        raise StoreError(f"cannot write in '{folder}': {exc.strerror}") from None
    return path


def replace_file(tmp: Path, path: Path) -> None:
    if path.is_symlink():
        unlink_quietly(tmp)
        raise StoreError(f"refusing to write through the symbolic link '{path}'")
    os.replace(tmp, path)


def unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass

"""Files of the archive: snapshot paths and writes that never go through a symbolic link.

A snapshot file is written to a temporary file in its folder, then renamed over
the old one, so a reader (or a crash) sees the old or the new text, never half.
"""

from __future__ import annotations

import os
from pathlib import Path

from conductatlas_cli import atomic
from conductatlas_cli.atomic import unlink_quietly
from conductatlas_cli.config.model import SLUG
from conductatlas_cli.errors import StoreError

TMP_PREFIX = ".atlas-"


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
    try:
        return atomic.write_temporary(folder, data, prefix=TMP_PREFIX, mode=0o666)
    except OSError as exc:
        raise StoreError(f"cannot write in '{folder}': {exc.strerror}") from None


def replace_file(tmp: Path, path: Path) -> None:
    if path.is_symlink():
        unlink_quietly(tmp)
        raise StoreError(f"refusing to write through the symbolic link '{path}'")
    os.replace(tmp, path)


def write_work_file(git, root: Path, rel: str, content: bytes | None) -> str | None:
    """Write CONTENT at REL (from the top of GIT's repository, below ROOT); its blob id.

    None removes the file (and returns None: the index entry is to go too). A file
    that cannot be written is left for `archive.captures.repair_captures` to put back
    at the next run; the blob id is returned all the same (the index follows HEAD).
    """
    path = git.top.resolve().joinpath(*rel.split("/"))
    if content is None:
        unlink_quietly(path)
        return None
    blob = git.write_object(b"blob", content)
    try:
        make_folder(path.parent, root)
        tmp = write_temporary(path.parent, content)
    except StoreError:
        return blob
    try:
        replace_file(tmp, path)
    except (StoreError, OSError):
        unlink_quietly(tmp)
    return blob

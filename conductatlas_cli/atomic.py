"""Files replaced whole: the new bytes go to a temporary file beside the target, then one
rename puts them in its place, so a reader (or a crash) sees the old file or the new one,
never half of one.

What differs between the files atlas writes is a parameter: the temporary name's PREFIX
and SUFFIX (so each owner can find and remove its leftovers after a kill -9), the MODE
the file is created with (less the umask, as for any file the user writes; 0o600 by
default, as `tempfile.mkstemp` makes), an exact CHMOD set before the rename, and whether
the bytes (`fsync`) and the rename (`sync_folder`) are flushed to the disk. Errors are
`OSError`s, with no temporary file left behind: each caller turns them into its own error.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_atomically(
    path: Path,
    data: bytes,
    *,
    prefix: str,
    suffix: str = ".tmp",
    mode: int = 0o600,
    chmod: int | None = None,
    fsync: bool = False,
    sync_folder: bool = False,
) -> None:
    """Replace the file at PATH by DATA: a temporary file in its folder, then a rename."""
    fd, tmp = _create(path.parent, prefix, suffix, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
            if chmod is not None:
                os.fchmod(handle.fileno(), chmod)
        os.replace(tmp, path)
    except BaseException:
        unlink_quietly(tmp)
        raise
    if sync_folder:
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def write_temporary(folder: Path, data: bytes, *, prefix: str, mode: int = 0o600) -> Path:
    """DATA in a new file PREFIX…`.tmp` in FOLDER, for a caller that renames it later."""
    fd, tmp = _create(folder, prefix, ".tmp", mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        unlink_quietly(tmp)
        raise
    return tmp


def _create(folder: Path, prefix: str, suffix: str, mode: int) -> tuple[int, Path]:
    """A new file in FOLDER named PREFIX, 12 random hex digits, SUFFIX; open for writing."""
    for _ in range(100):
        path = folder / f"{prefix}{os.urandom(6).hex()}{suffix}"
        try:
            return os.open(path, _FLAGS, mode), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name")


def unlink_quietly(path: Path) -> None:
    """Remove PATH if it can be removed; a file already gone is no error."""
    try:
        os.unlink(path)
    except OSError:
        pass

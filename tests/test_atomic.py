"""atomic: files replaced whole through a temporary file, with the mode each owner asks for."""

from __future__ import annotations

import os
import stat

import pytest

from conductatlas_cli.atomic import write_atomically, write_temporary


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_replaces_the_file_and_leaves_only_it(tmp_path):
    """The target holds the new bytes and no temporary file stays beside it."""
    target = tmp_path / "state.json"
    target.write_bytes(b"old\n")
    write_atomically(target, b"new\n", prefix=".state-", fsync=True, sync_folder=True)
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_new_file_is_private_by_default(tmp_path):
    """Without a mode the file is made 0o600, as tempfile.mkstemp makes it."""
    target = tmp_path / "index.json"
    write_atomically(target, b"{}", prefix=".history-")
    assert mode_of(target) == 0o600 & ~current_umask()


def test_mode_is_less_the_umask_and_chmod_is_exact(tmp_path):
    """MODE goes through the umask like any new file; CHMOD is set as given."""
    shared, fixed = tmp_path / "page.html", tmp_path / "object"
    write_atomically(shared, b"<p>", prefix=".atlas-", mode=0o666)
    write_atomically(fixed, b"x", prefix="tmp_obj_", suffix="", chmod=0o444)
    assert mode_of(shared) == 0o666 & ~current_umask()
    assert mode_of(fixed) == 0o444


def test_the_temporary_name_has_the_prefix_and_suffix(tmp_path):
    """A leftover can be found by its owner's PREFIX*SUFFIX pattern."""
    made = write_temporary(tmp_path, b"data", prefix=".feed-")
    assert made.parent == tmp_path
    assert made.name.startswith(".feed-") and made.name.endswith(".tmp")
    assert list(tmp_path.glob(".feed-*.tmp")) == [made]
    assert made.read_bytes() == b"data"


def test_a_failed_rename_raises_and_leaves_no_temporary_file(tmp_path):
    """Replacing a folder fails with OSError and the temporary file is removed."""
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        write_atomically(target, b"new", prefix=".sources-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_folder_that_is_not_there_raises(tmp_path):
    """No folder, no file: the OSError reaches the caller, which words its own error."""
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "missing" / "outbox.json", b"{}", prefix=".outbox-")

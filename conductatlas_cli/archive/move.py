"""`atlas mv` in the archive: a document's snapshot and capture move to a new key in one commit.

The commit (plumbing, as `Archive.record_version` makes them: only these paths,
whatever else is staged) removes the old paths and adds the same blobs at the
new ones, so git sees a rename (`git log --follow` follows it), and says so in
an `Atlas-Renamed-From: OLD` trailer, which the history index reads to give the
versions recorded under OLD to NEW (`archive.index.follow_renames`). The work
tree and the user's index follow HEAD afterwards.
"""

from __future__ import annotations

from conductatlas_cli.archive.captures import capture_relpaths
from conductatlas_cli.archive.index import RENAMED_TRAILER
from conductatlas_cli.errors import UsageError


def moved_paths(archive, old: str, new: str) -> list[tuple[str, str, str, bytes]]:
    """(old path, new path, blob, content) of each file of OLD at HEAD; UsageError if NEW has any."""
    pairs = [(archive.snapshot_relpath(old), archive.snapshot_relpath(new))]
    old_captures, new_captures = capture_relpaths(archive, old), capture_relpaths(archive, new)
    pairs += [(old_captures[name], new_captures[name]) for name in old_captures]
    with archive._mutex:
        moved = []
        for src, dst in pairs:
            if archive.git.read_object(f"HEAD:{dst}") is not None:
                raise UsageError(f"'{new}' already has a snapshot in git ('{dst}')")
            found = archive.git.read_object(f"HEAD:{src}")
            if found is not None and found[1] == "blob":
                moved.append((src, dst, found[0], found[2]))
    return moved


def move_document(archive, old: str, new: str) -> str | None:
    """Move OLD's snapshot and capture to NEW in one commit; its sha (None: nothing recorded)."""
    moved = moved_paths(archive, old, new)
    if not moved:
        return None
    with archive._mutex:
        git = archive.git
        git.check_can_commit()
        archive.snapshot_path(new)  # refuses a symbolic link on the way
        head = git.head()
        tree = head[1]
        for src, dst, blob, _ in moved:
            tree = git.tree_with_blob(tree, dst.split("/"), blob)
            tree = git.tree_with_blob(tree, src.split("/"), None)
        message = f"{new}: moved from {old} (history follows)\n\n{RENAMED_TRAILER}: {old}\n"
        commit = git.write_commit(tree, head[0], message, archive._identity_env(None))
        git.update_head(commit, head[0])
        archive._wrote(commit)
    for src, dst, _, content in moved:
        archive.put_file(dst, content)
        archive.put_file(src, None)
    for src, _, _, _ in moved:  # an emptied folder goes, as with git mv
        try:
            archive.git.top.resolve().joinpath(*src.split("/")).parent.rmdir()
        except OSError:
            pass  # not empty, or gone already
    return commit

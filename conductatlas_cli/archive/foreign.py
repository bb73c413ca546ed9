"""Foreign commits never lose a snapshot: find what HEAD's tree lost, restore it in one commit.

A user's `git commit` that runs while a fetch records builds its tree from an
index that may not hold atlas's newest snapshot yet, so the commit drops it (or
puts an older text back). `restore_lost(archive, keys)` compares HEAD's tree with
the latest version atlas recorded of each key (from the history index) and, when
any differ, writes one repair commit that puts atlas's texts back and says which.
A repair commit carries `Atlas-Repair` and no `Atlas-Fetched-At`: it is no version.

`fetch` calls it at the start (under the lock) and whenever HEAD moved under it
between two of its own commits (`Archive.moved_meanwhile`), and once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

REPAIR_TRAILER = "Atlas-Repair"


@dataclass(frozen=True)
class Restored:
    """What one repair commit put back."""

    commit: str
    keys: tuple[str, ...]

    @property
    def note(self) -> str:
        names = ", ".join(f"'{k}'" for k in self.keys[:5])
        more = f" and {len(self.keys) - 5} more" if len(self.keys) > 5 else ""
        return (
            f"a commit made outside atlas dropped or replaced {len(self.keys)} snapshot(s) "
            f"({names}{more}); restored them in {self.commit[:10]}"
        )


def lost_snapshots(archive, keys: list[str]) -> dict[str, tuple[str, str]]:
    """{key: (path, blob)} for KEYS whose HEAD blob is not atlas's latest recorded one."""
    index = archive.history()
    expected = {k: index.latest_blob(k) for k in keys}
    expected = {k: b for k, b in expected.items() if b}
    if not expected:
        return {}
    with archive._mutex:
        base = archive._snapshots_rel()
        out = archive.git.run("ls-tree", "-r", "-z", "HEAD", "--", base or ".")
    at_head = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob":
            at_head[path] = fields[2]
    lost = {}
    for key, blob in expected.items():
        path = archive.snapshot_relpath(key)
        if at_head.get(path) != blob:
            lost[key] = (path, blob)
    return lost


def restore_lost(archive, keys: list[str]) -> Restored | None:
    """One commit that puts back every snapshot of KEYS HEAD lost; None when none was lost."""
    lost = lost_snapshots(archive, keys)
    if not lost:
        return None
    with archive._mutex:
        git = archive.git
        git.check_can_commit()
        head = git.head()
        tree = head[1]
        for path, blob in lost.values():
            tree = git.tree_with_blob(tree, path.split("/"), blob)
        index = archive.history()
        lines = [f"{key} (version {index.versions(key)[0].short})" for key in sorted(lost)]
        message = (
            f"atlas: restore {len(lost)} snapshot(s) a commit made outside atlas dropped\n\n"
            + "\n".join(lines)
            + f"\n\n{REPAIR_TRAILER}: restores snapshots lost by {head[0][:12]}\n"
        )
        commit = git.write_commit(tree, head[0], message, archive._identity_env(None))
        git.update_head(commit, head[0])
        archive._wrote(commit)
        index.moved_to(commit)
    archive.repair(sorted(lost))  # the work tree and the user's index follow HEAD
    return Restored(commit, tuple(sorted(lost)))

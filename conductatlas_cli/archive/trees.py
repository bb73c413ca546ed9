"""Editing git trees in memory: one commit's files set at once, each tree written once.

`Git.tree_with_blob` sets one file and writes every tree on its way; a commit of
a document with its capture sets four files below two folders, so the root tree
was written four times, the capture's folders three. `tree_with_blobs` applies
the same changes in turn to trees read into memory and writes each changed tree
once: the same root tree, fewer loose objects.
"""

from __future__ import annotations

import os

from conductatlas_cli.archive.git import Git, TreeEntry
from conductatlas_cli.errors import StoreError

TREE_MODE = 0o040000
FILE_MODE = 0o100644


def tree_with_blobs(
    git: Git, root_tree: str | None, files: list[tuple[list[str], str | None]]
) -> str:
    """ROOT_TREE with each of FILES ((parts, blob)) set in turn, as `Git.tree_with_blob`
    would one after the other (blob None removes the file and the folders it empties)."""
    root = _editable(git, root_tree)
    for parts, blob in files:
        names = [os.fsencode(p) for p in parts]
        node = root
        for depth, name in enumerate(names[:-1]):
            entry = node.get(name)
            if entry is None:
                entry = node[name] = [TREE_MODE, None, {}]
            elif entry[0] != TREE_MODE:
                where = "/".join(parts[: depth + 1])
                raise StoreError(f"'{where}' is a file in the last commit, not a folder")
            elif entry[2] is None:
                entry[2] = _editable(git, entry[1])
            entry[1] = None  # changed below: written anew
            node = entry[2]
        if blob is None:
            node.pop(names[-1], None)
        else:
            node[names[-1]] = [FILE_MODE, blob, None]
    oid = _write_edited(git, root, root=True)
    assert oid is not None
    return oid


def entry_at(git: Git, tree: str, parts: list[str]) -> TreeEntry | None:
    """The entry at PARTS in TREE (from the trees git keeps in memory), or None."""
    names = [os.fsencode(p) for p in parts]
    for depth, name in enumerate(names):
        entry = next((e for e in git.tree_entries(tree) if e.name == name), None)
        if entry is None or depth == len(names) - 1:
            return entry
        if entry.mode != TREE_MODE:
            return None
        tree = entry.oid
    return None


def _editable(git: Git, tree: str | None) -> dict[bytes, list]:
    """TREE's entries as {name: [mode, oid, subtree or None]}; oid None: changed."""
    return {e.name: [e.mode, e.oid, None] for e in git.tree_entries(tree)} if tree else {}


def _write_edited(git: Git, node: dict[bytes, list], *, root: bool = False) -> str | None:
    """Write the trees changed under NODE, then NODE's; None for a folder left empty."""
    for name, entry in list(node.items()):
        if entry[1] is None:
            entry[1] = _write_edited(git, entry[2])
            if entry[1] is None:
                del node[name]
    if not node and not root:
        return None
    return git.write_tree([TreeEntry(mode, name, oid) for name, (mode, oid, _) in node.items()])

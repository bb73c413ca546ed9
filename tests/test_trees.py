"""archive/trees.py against real git in tmp_path: a commit's files set at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductatlas_cli.archive.git import Git
from conductatlas_cli.archive.trees import entry_at, tree_with_blobs
from conductatlas_cli.errors import StoreError

NAMES = st.sampled_from(["a", "b", "doc.md", "meta.json"])
PATHS = st.lists(NAMES, min_size=1, max_size=3)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Git:
    root = tmp_path_factory.mktemp("trees")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return Git(Path(root))


def in_turn(git: Git, tree: str | None, files) -> str:
    for parts, blob in files:
        tree = git.tree_with_blob(tree, parts, blob)
    assert tree is not None
    return tree


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.tuples(PATHS, st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_tree_with_blobs_is_tree_with_blob_in_turn(repo, commits):
    """Setting a commit's files at once gives the tree (or the error) setting them one by one gives."""
    blobs = [repo.write_object(b"blob", b"text %d\n" % i) for i in range(4)]
    tree = None
    for commit in commits:
        files = [(parts, None if b is None else blobs[b]) for parts, b in commit]
        try:
            expected = in_turn(repo, tree, files)
        except StoreError as exc:
            with pytest.raises(StoreError, match=str(exc).replace("'", ".")):
                tree_with_blobs(repo, tree, files)
            continue
        assert tree_with_blobs(repo, tree, files) == expected
        tree = expected


def test_entry_at_finds_a_file_and_nothing_below_a_file(repo):
    """entry_at gives the blob at a path, None for a missing path or one through a file."""
    blob = repo.write_object(b"blob", b"hello\n")
    tree = tree_with_blobs(repo, None, [(["snapshots", "p", "d.md"], blob)])
    found = entry_at(repo, tree, ["snapshots", "p", "d.md"])
    assert found is not None and (found.mode, found.oid) == (0o100644, blob)
    assert entry_at(repo, tree, ["snapshots", "p", "other.md"]) is None
    assert entry_at(repo, tree, ["snapshots", "p", "d.md", "x"]) is None

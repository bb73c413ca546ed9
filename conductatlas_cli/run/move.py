"""`atlas mv OLD NEW`: a tracked document gets a new key and keeps its history.

Under the fetch lock, in this order: sources.yaml is edited in memory and
validated (`config.edit.move_source`: comments, order and the entry as written
kept); the snapshot and capture move in one commit (`archive.move`); then
sources.yaml is replaced (atomically), and the document's state and held-back
change move to the new key. Any refusal comes before the commit, so nothing is
half-moved; the history index follows the rename from the commit's trailer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conductatlas_cli.config.model import Sources, parse_key
from conductatlas_cli.errors import UsageError


@dataclass(frozen=True)
class Moved:
    old: str
    new: str
    commit: str | None  # the commit that moved the files (None: nothing recorded yet)
    sources: Sources  # sources.yaml after the move


def move_tracked(path: Path, old: str, new: str) -> Moved:
    """Rename document OLD to NEW in sources.yaml, the archive and the state."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.archive.move import move_document
    from conductatlas_cli.archive.pending import move_pending
    from conductatlas_cli.archive.state import load_state, save_state
    from conductatlas_cli.config.edit import move_source, write_text
    from conductatlas_cli.config.load import load_sources

    parse_key(old)
    parse_key(new)
    if old == new:
        raise UsageError(f"'{old}' and '{new}' are the same document")
    before = load_sources(path)
    after, text = move_source(path, old, new)
    with Archive.from_sources(before) as archive, archive.lock():
        if archive.versions(new):
            raise UsageError(f"'{new}' already has recorded versions in git; choose another key")
        commit = move_document(archive, old, new)
        write_text(path, text)
        state = load_state(before.state_dir)
        if old in state.documents:
            state.documents[new] = state.documents.pop(old)
            save_state(before.state_dir, state)
        move_pending(before.state_dir, old, new)
    return Moved(old, new, commit, after)

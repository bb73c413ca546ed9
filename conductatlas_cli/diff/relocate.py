"""Sentences that moved from one section to another: said where, never counted as words.

A line removed from one section and added, with the same wording, to another (a
sentence moved, a section split or merged) is the same provision text in a new
place: each side is marked with the other section's heading
(`SentenceChange.elsewhere`), and the word counts leave it out. Only lines with
a few words, unique among the removed and among the added lines, are paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from conductatlas_cli.diff.model import ADDED, REMOVED, SectionChange
from conductatlas_cli.diff.sections import fold_strict

_MIN_WORDS = 3


def _key(line: str | None) -> str | None:
    key = fold_strict(line or "")
    return key if len(key.split()) >= _MIN_WORDS else None


def mark_moved_sentences(changes: Sequence[SectionChange]) -> list[SectionChange]:
    """CHANGES with each sentence moved between two sections marked on both sides."""
    removed: dict[str, list[tuple[int, int]]] = {}
    added: dict[str, list[tuple[int, int]]] = {}
    for n, change in enumerate(changes):
        for m, s in enumerate(change.sentences):
            if s.cosmetic or s.kind not in (ADDED, REMOVED):
                continue
            key = _key(s.old if s.kind == REMOVED else s.new)
            if key is not None:
                (removed if s.kind == REMOVED else added).setdefault(key, []).append((n, m))
    marks: dict[int, dict[int, str]] = {}
    for key, gone in removed.items():
        came = added.get(key)
        if len(gone) != 1 or not came or len(came) != 1 or gone[0][0] == came[0][0]:
            continue
        (a, i), (b, j) = gone[0], came[0]
        marks.setdefault(a, {})[i] = changes[b].heading or "(preamble)"
        marks.setdefault(b, {})[j] = changes[a].heading or "(preamble)"
    if not marks:
        return list(changes)
    out = []
    for n, change in enumerate(changes):
        if n in marks:
            sentences = tuple(
                replace(s, elsewhere=marks[n][m]) if m in marks[n] else s
                for m, s in enumerate(change.sentences)
            )
            change = replace(change, sentences=sentences)
        out.append(change)
    return out

"""The change model's verdict applied to a section diff (`snapshot.change_model` decides).

The line tests of the change model already flag each sentence; this adds what
needs both whole texts or the document's settings: a pair of texts the model
calls cosmetic (a structure flip: headings that came back as paragraphs) is
cosmetic in every section; otherwise a heading that came back as a paragraph of
the same words next to where it was (its section removed, the line added in
the neighbouring section change, or the other way round) is cosmetic, so a flip
beside a real edit counts 0 words for the flip; and the document's `ignore`
lines are cosmetic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from conductatlas_cli.diff.model import ADDED, EQUAL, MODIFIED, REMOVED, SectionChange
from conductatlas_cli.snapshot.change_model import line_key, texts_cosmetic


def apply_change_model(
    changes: list[SectionChange], old: str, new: str, *, ignore: Sequence[str] = ()
) -> list[SectionChange]:
    """CHANGES (OLD → NEW) with the change model's whole-text verdict and IGNORE lines applied."""
    if texts_cosmetic(old, new, ignore=ignore):
        return [c if c.kind == EQUAL else _as_cosmetic(c) for c in changes]
    changes = _flipped_headings(changes)
    if ignore:
        patterns = [re.compile(p) for p in ignore]
        return [_ignored(c, patterns) for c in changes]
    return changes


def _flipped_headings(changes: list[SectionChange]) -> list[SectionChange]:
    """A section removed (added) whose heading and lines are added (removed) lines, in order,
    of the section change next to it: the heading became a paragraph (or the other way round).
    """
    out = list(changes)
    for i, c in enumerate(out):
        heading = c.old_line if c.kind == REMOVED else c.new_line
        if c.kind not in (ADDED, REMOVED) or c.cosmetic or heading is None:
            continue
        side, want, other = ("old", ADDED, "new") if c.kind == REMOVED else ("new", REMOVED, "old")
        keys = [line_key(heading)] + [line_key(getattr(x, side) or "") for x in c.sentences]
        keys = [k for k in keys if k]
        for j in (i - 1, i + 1):
            if not 0 <= j < len(out):
                continue
            lines = [
                (n, line_key(getattr(x, other) or ""))
                for n, x in enumerate(out[j].sentences)
                if x.kind == want and not x.cosmetic
            ]
            lines = [(n, k) for n, k in lines if k]
            at = _find([k for _, k in lines], keys)
            if at < 0:
                continue
            hit = {n for n, _ in lines[at : at + len(keys)]}
            out[j] = _recheck(out[j], hit)
            out[i] = _as_cosmetic(c)
            break
    return out


def _find(items: list[str], run: list[str]) -> int:
    """Where RUN starts in ITEMS, or -1."""
    for at in range(len(items) - len(run) + 1):
        if items[at : at + len(run)] == run:
            return at
    return -1


def _recheck(c: SectionChange, hit: set[int]) -> SectionChange:
    """C with its sentences HIT cosmetic, and C cosmetic when nothing real is left."""
    sentences = tuple(
        replace(x, cosmetic=True) if n in hit else x for n, x in enumerate(c.sentences)
    )
    real = any(x.kind != EQUAL and not x.cosmetic for x in sentences)
    c = replace(c, sentences=sentences, modified=real and c.modified)
    if not real and not (c.renamed or c.moved or c.renumbered):
        if c.kind == MODIFIED or (c.old_line is None and c.new_line is None):
            return replace(c, cosmetic=True)
    return c


def _ignored(c: SectionChange, patterns: Sequence[re.Pattern[str]]) -> SectionChange:
    """C with the sentences on `ignore` lines cosmetic (and C too when nothing else changed)."""

    def hit(line: str | None) -> bool:
        return line is None or any(p.search(line) for p in patterns)

    if c.kind == EQUAL or c.cosmetic:
        return c
    sentences = tuple(
        replace(x, cosmetic=True)
        if x.kind != EQUAL and not x.cosmetic and hit(x.old) and hit(x.new)
        else x
        for x in c.sentences
    )
    if sentences == c.sentences:
        return c
    real = any(x.kind != EQUAL and not x.cosmetic for x in sentences)
    if c.kind == MODIFIED and not real and not (c.renamed or c.moved or c.renumbered):
        return replace(c, sentences=sentences, cosmetic=True, modified=False)
    return replace(c, sentences=sentences, modified=real)


def _as_cosmetic(c: SectionChange) -> SectionChange:
    sentences = tuple(s if s.kind == EQUAL else replace(s, cosmetic=True) for s in c.sentences)
    return replace(c, sentences=sentences, cosmetic=True, modified=False, moved=False)

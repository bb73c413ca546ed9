"""The change model's verdict applied to a section diff (`snapshot.change_model` decides).

The line tests of the change model already flag each sentence; this adds what
needs both whole texts or the document's settings: a pair of texts the model
calls cosmetic (a structure flip: headings that came back as paragraphs) is
cosmetic in every section, and the document's `ignore` lines are cosmetic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from conductatlas_cli.diff.model import EQUAL, MODIFIED, SectionChange
from conductatlas_cli.snapshot.change_model import texts_cosmetic


def apply_change_model(
    changes: list[SectionChange], old: str, new: str, *, ignore: Sequence[str] = ()
) -> list[SectionChange]:
    """CHANGES (OLD → NEW) with the change model's whole-text verdict and IGNORE lines applied."""
    if texts_cosmetic(old, new, ignore=ignore):
        return [c if c.kind == EQUAL else _as_cosmetic(c) for c in changes]
    if ignore:
        patterns = [re.compile(p) for p in ignore]
        return [_ignored(c, patterns) for c in changes]
    return changes


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

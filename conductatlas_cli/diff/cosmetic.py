"""What the diff hides as noise: the one door to the change model (`snapshot.change_model`).

Every "is this only cosmetic or ignored?" question in `diff` goes through the
functions here. Line by line, the change model decides (`lines_cosmetic`,
`line_cosmetic`, `block_cosmetic`), and the document's own `ignore:` rules make
a line noise too. Then `apply_change_model` adds what needs both whole texts: a
pair of texts the model calls cosmetic (a structure flip: headings that came
back as paragraphs) is cosmetic in every section; a heading that came back as a
paragraph of the same words next to where it was is cosmetic, so a flip beside
a real edit counts 0 words for the flip; and the `ignore` lines are cosmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from conductatlas_cli.diff.model import ADDED, EQUAL, MODIFIED, REMOVED, SectionChange
from conductatlas_cli.snapshot.change_model import (
    block_cosmetic,
    line_cosmetic,
    line_key,
    lines_cosmetic,
    texts_cosmetic,
)
from conductatlas_cli.snapshot.ignore import IgnoreRules


@dataclass(frozen=True)
class NoiseRules:
    """The document's `ignore:` regexes (a line any of them matches is noise).

    They run with the time limit of `snapshot.ignore` (one shared deadline per diff).
    """

    ignore: tuple[str, ...] = field(default=())
    _rules: list[IgnoreRules] = field(default_factory=list, compare=False, repr=False)

    def ignored(self, line: str) -> bool:
        if not self.ignore:
            return False
        if not self._rules:
            self._rules.append(IgnoreRules(self.ignore))
        return self._rules[0].matches(line)


NO_RULES = NoiseRules()


def cosmetic_pair(old: str, new: str, rules: NoiseRules = NO_RULES) -> bool:
    """Whether the line OLD → NEW is only noise (the change model, or both lines ignored)."""
    if "\n" in old or "\n" in new:
        return cosmetic_block(old.split("\n"), new.split("\n"), rules)
    return lines_cosmetic(old, new) or (rules.ignored(old) and rules.ignored(new))


def cosmetic_block(old: Sequence[str], new: Sequence[str], rules: NoiseRules = NO_RULES) -> bool:
    """Whether the block of lines OLD → NEW is only noise (re-wrapped, retyped or ignored)."""
    if block_cosmetic(old, new):
        return True
    if not rules.ignore:
        return False
    kept_old = [x for x in old if not rules.ignored(x)]
    kept_new = [x for x in new if not rules.ignored(x)]
    return (kept_old, kept_new) != (list(old), list(new)) and block_cosmetic(kept_old, kept_new)


def cosmetic_line(line: str, rules: NoiseRules = NO_RULES) -> bool:
    """Whether adding or removing LINE alone is only noise (blank, volatile, or ignored)."""
    return line_cosmetic(line) or rules.ignored(line)


def cosmetic_lines(lines: Sequence[str], rules: NoiseRules = NO_RULES) -> bool:
    return all(cosmetic_line(x, rules) for x in lines)


def apply_change_model(
    changes: list[SectionChange], old: str, new: str, *, ignore: Sequence[str] = ()
) -> list[SectionChange]:
    """CHANGES (OLD → NEW) with the change model's whole-text verdict and IGNORE lines applied."""
    if texts_cosmetic(old, new, ignore=ignore):
        return [c if c.kind == EQUAL else _as_cosmetic(c) for c in changes]
    changes = _flipped_headings(changes)
    if ignore:
        rules = NoiseRules(tuple(ignore))
        return [_ignored(c, rules) for c in changes]
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


def _ignored(c: SectionChange, rules: NoiseRules) -> SectionChange:
    """C with the sentences on `ignore` lines cosmetic (and C too when nothing else changed)."""

    def hit(line: str | None) -> bool:
        return line is None or rules.ignored(line)

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

"""What the diff hides as noise: the one door to the change model's cosmetic test.

Every "is this only cosmetic or ignored?" question in `diff` goes through the two
functions here, so the shared change model (issue 10) can replace their insides
at merge without touching the matcher, the aligner or the renderers.

Today: two lines differ only cosmetically when `fold_strict` (typography,
whitespace, punctuation) or the fetch's `noise_key` (volatile fragments such as
"Updated 3 days ago", tracking parameters, Markdown emphasis) says they are equal,
or when the document's own `ignore:` rules match both. A line added or removed
alone is noise when it is blank or matched by an `ignore:` rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from conductatlas_cli.diff.sections import fold_strict
from conductatlas_cli.snapshot.noise import noise_key

# What noise_key folds that fold_strict does not: volatile stamps ("3 days ago", "5 min
# read", "© 2026"), links and URLs (tracking parameters, `[text](url)`, `<url>`).
_ALNUM = re.compile(r"[^\W_]")
_HINT = re.compile(r"ago\b|read\b|©|copyright|https?:|\]\(|<", re.IGNORECASE)


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@dataclass(frozen=True)
class NoiseRules:
    """The document's `ignore:` regexes (a line any of them matches is noise)."""

    ignore: tuple[str, ...] = field(default=())

    def ignored(self, line: str) -> bool:
        return bool(self.ignore) and any(p.search(line) for p in _compiled(self.ignore))


NO_RULES = NoiseRules()


def cosmetic_pair(old: str, new: str, rules: NoiseRules = NO_RULES) -> bool:
    """Whether OLD → NEW (two lines, or two joined blocks) is only noise."""
    if fold_strict(old) == fold_strict(new):
        return True
    ignore = rules.ignore
    if not ignore and not _HINT.search(old) and not _HINT.search(new):
        return False  # nothing noise_key folds beyond fold_strict: spare its regexes
    return noise_key(old, ignore=ignore, normalized=True) == noise_key(
        new, ignore=ignore, normalized=True
    )


def cosmetic_line(line: str, rules: NoiseRules = NO_RULES) -> bool:
    """Whether adding or removing LINE alone is only noise (blank, or ignored)."""
    if _ALNUM.search(line) is None and not fold_strict(line):
        return True  # blank, or punctuation only (a letter or digit is never folded away)
    return rules.ignored(line)


def cosmetic_lines(lines: Sequence[str], rules: NoiseRules = NO_RULES) -> bool:
    return all(cosmetic_line(x, rules) for x in lines)

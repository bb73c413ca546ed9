"""Snapshot text → a flat list of sections (the section tree, in document order).

A section is a heading line and the lines after it up to the next heading of
any level; its place in the tree is its `path` (the heading trail). Markdown
headings (`#`..`######`) are used when a document has any; otherwise numbered
clause lines ("1. Scope", "2.3 Fees", "Section 4", "Article 5", "§ 6") and short
ALL-CAPS lines are headings. Lines before the first heading form the preamble
(heading None). The sections partition the lines exactly, so joining every
section's lines with "\\n" gives the text back byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
_CLAUSE = re.compile(
    r"^(?:(?:section|article|clause|part)\s+\d+(?:\.\d+)*|§+\s*\d+(?:\.\d+)*|\d+(?:\.\d+)+\.?|\d+\.)"
    r"(?:[ \t]+(?P<title>.*))?$",
    re.IGNORECASE,
)
_NUMBERING = re.compile(
    r"^(?:(?:section|article|clause|part|§+)\s*)?"
    r"(?:\d+(?:\.\d+)*\.?|[ivxlc]+[.)]|[a-z][.)]|\(\w{1,4}\))(?=\s|$)\s*[-–—:.]?\s*",
    re.IGNORECASE,
)
# Typographic quotes, dashes and spaces folded to ASCII: the comparison here and the
# topic patterns (topics/segment.py) read text the same way.
TYPOGRAPHY = {
    "‘": "'",
    "’": "'",
    "‛": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "″": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200b": "",
}
_TYPO = str.maketrans({**TYPOGRAPHY, "‚": "'", "«": '"', "»": '"', "…": "..."})
# Punctuation and emphasis marks (after typography folding), except between two digits
# ("1.5", "1,000" keep theirs). Symbols that carry meaning (% $ € § & + = / @) stay.
_MARKS = r"[.,;:!?'\"()\[\]{}\-*_`]"
_PUNCT = re.compile(rf"(?<!\d){_MARKS}|{_MARKS}(?!\d)")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    """One section: its heading (None for the preamble) and its lines."""

    index: int
    level: int  # 0 for the preamble, 1..6 for headings
    heading: str | None  # display text: no `#` marks
    key: str  # heading without numbering, folded; "" for the preamble
    path: tuple[str, ...]  # heading trail, this heading last
    lines: tuple[str, ...]  # heading line first (when there is one), then the body

    @property
    def body(self) -> tuple[str, ...]:
        return self.lines[1:] if self.heading is not None else self.lines


def fold(text: str) -> str:
    """TEXT with typography and whitespace folded: equal folds differ only cosmetically."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPO)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=32768)  # lines recur: both sides of a diff, every step of a range
def fold_strict(text: str) -> str:
    """fold(TEXT) with punctuation dropped too (except inside numbers)."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", fold(text))).strip()


def strip_numbering(heading: str) -> str:
    """HEADING without its clause number: "3. Liability" → "Liability"."""
    return _NUMBERING.sub("", heading.strip(), count=1)


def heading_key(heading: str) -> str:
    """The matching key of HEADING: numbering stripped, folded."""
    key = fold_strict(strip_numbering(heading)).casefold()
    return key or fold_strict(heading).casefold()


def _clause_level(line: str) -> int | None:
    """Level of LINE as a clause heading, or None when it is body text."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80:
        return None
    m = _CLAUSE.match(stripped)
    if m:
        title = (m.group("title") or "").strip()
        if title[-1:] in (".", ";", ",", ":", "?", "!") or len(title.split()) > 10:
            return None
        number = re.search(r"\d+(?:\.\d+)*", stripped)
        depth = number.group(0).count(".") + 1 if number and stripped[0].isdigit() else 1
        return min(depth, 6)
    letters = [c for c in stripped if c.isalpha()]
    if (
        len(letters) >= 4
        and all(c.isupper() for c in letters)
        and len(stripped.split()) <= 10
        and stripped[-1] not in ".;,"
        and not stripped.startswith(("|", "- ", "* "))
    ):
        return 1
    return None


def parse_sections(text: str) -> list[Section]:
    """TEXT split into sections in document order (see the module docstring)."""
    return list(_parse(text))


@lru_cache(maxsize=8)  # a diff reads each text twice: to match sections, to tag topics
def _parse(text: str) -> tuple[Section, ...]:
    lines = text.split("\n")
    # A heading's `#` is in its first 4 characters, a fence's marks in the line: tested
    # first, so most lines cost a substring test, not a regex match.
    markdown = any("#" in line[:4] and _MD_HEADING.match(line) for line in lines)
    starts: list[tuple[int, int, str]] = []  # (line number, level, heading text)
    in_fence = False
    for number, line in enumerate(lines):
        if ("```" in line or "~~~" in line) and line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if markdown:
            m = _MD_HEADING.match(line) if "#" in line[:4] else None
            if m:
                starts.append((number, len(m.group(1)), m.group(2) or ""))
        else:
            level = _clause_level(line)
            if level is not None:
                starts.append((number, level, line.strip()))
    sections: list[Section] = []
    if not starts or starts[0][0] > 0:
        end = starts[0][0] if starts else len(lines)
        sections.append(Section(0, 0, None, "", (), tuple(lines[:end])))
    trail: list[tuple[int, str]] = []
    for position, (number, level, heading) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        while trail and trail[-1][0] >= level:
            trail.pop()
        trail.append((level, heading))
        sections.append(
            Section(
                index=len(sections),
                level=level,
                heading=heading,
                key=heading_key(heading),
                path=tuple(h for _, h in trail),
                lines=tuple(lines[number:end]),
            )
        )
    return tuple(sections)

"""The change model's vocabulary: what a change summary is made of.

`ChangeKind` (what happened to a section or a line) and `WordOp` (one piece of a
word diff) are the only spellings of those words in atlas; renderers, the fetch
and the archive read them from here. Everything is frozen: a summary, once made,
is data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ChangeKind(StrEnum):
    """What happened to a section, or to one line of a section."""

    EQUAL = "equal"
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    MOVED = "moved"
    RENAMED = "renamed"


class WordOp(StrEnum):
    """One piece of a word diff."""

    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


EQUAL, ADDED, REMOVED, MODIFIED, MOVED, RENAMED = (
    ChangeKind.EQUAL,
    ChangeKind.ADDED,
    ChangeKind.REMOVED,
    ChangeKind.MODIFIED,
    ChangeKind.MOVED,
    ChangeKind.RENAMED,
)


@dataclass(frozen=True)
class SentenceChange:
    """One line of a section: equal, added, removed, or modified (with a word diff)."""

    kind: ChangeKind
    old: str | None
    new: str | None
    words: tuple[tuple[WordOp, str], ...] = ()  # (op, text)
    cosmetic: bool = False
    renumbered: bool = False  # only its leading number or letter changed ("3." → "2.")
    # Removed here and added, same wording, to another section (or the reverse): that
    # section's heading. Not counted as words added or removed.
    elsewhere: str | None = None

    @property
    def real(self) -> bool:
        """Whether this line counts as a change (not equal, cosmetic or renumbered)."""
        return self.kind != EQUAL and not self.cosmetic and not self.renumbered


@dataclass(frozen=True)
class SectionChange:
    """One section of either text and what happened to it.

    `kind` is the headline: added, removed, modified (its sentences changed),
    renamed (heading text changed), moved (order, level or numbering changed),
    or equal. The flags say everything that applies, e.g. a renumbered section
    whose sentences changed is kind "modified" with `renumbered=True`.
    `cosmetic` marks a change that is only whitespace, typography or punctuation.
    """

    kind: ChangeKind
    old_heading: str | None
    new_heading: str | None
    path: tuple[str, ...]
    level: int
    old_index: int | None
    new_index: int | None
    sentences: tuple[SentenceChange, ...]
    cosmetic: bool = False
    modified: bool = False
    moved: bool = False
    renamed: bool = False
    renumbered: bool = False
    heading_words: tuple[tuple[WordOp, str], ...] = ()
    old_line: str | None = None  # raw heading lines, for exact reconstruction
    new_line: str | None = None
    # Where a moved section went: the heading now before it among its siblings, or
    # (first among them) its new parent's heading; both None: the start of the text.
    moved_after: str | None = None
    moved_under: str | None = None
    topics: tuple[str, ...] = ()  # governance topics (issue 13), set by `topics.changes`

    @property
    def renumbered_lines(self) -> int:
        """Lines (list items, clauses) whose only change is their leading number."""
        return sum(1 for s in self.sentences if s.renumbered)

    @property
    def renumbered_only(self) -> bool:
        """Only the heading's number changed: neither order, text nor body."""
        return self.renumbered and self.kind == MOVED and not (self.moved or self.renamed)

    @property
    def heading(self) -> str | None:
        """The heading to show: the new one, or the old one for a removed section."""
        return self.new_heading if self.new_index is not None else self.old_heading


@dataclass(frozen=True)
class Stats:
    """Counts over a summary.

    `sections_changed` counts sections with a real change; sections whose only
    change is cosmetic are counted in `cosmetic`, and those whose only change is
    their number (a clause inserted before them) in `sections_renumbered`.
    `sections_moved` counts order or level changes.
    """

    sections_added: int = 0
    sections_removed: int = 0
    sections_modified: int = 0
    sections_moved: int = 0
    sections_renamed: int = 0
    sections_renumbered: int = 0
    sections_changed: int = 0
    words_added: int = 0
    words_removed: int = 0
    cosmetic: int = 0
    words: int = 0  # words in the new text
    items_renumbered: int = 0  # list items and clauses whose only change is their number


@dataclass(frozen=True)
class ChangeSummary:
    """Every section of both texts (new order, removed ones where they were) and stats."""

    sections: tuple[SectionChange, ...]
    stats: Stats = field(default_factory=Stats)
    first: bool = False  # old was None: the first version

    def has_changes(self, *, show_all: bool = False) -> bool:
        """Whether anything changed (cosmetic changes only count with SHOW_ALL)."""
        st = self.stats
        return bool(
            self.first
            or st.sections_changed
            or st.sections_renumbered
            or st.items_renumbered
            or (show_all and st.cosmetic)
        )

    @property
    def changes(self) -> tuple[SectionChange, ...]:
        """The sections that changed at all (cosmetic ones included)."""
        return tuple(s for s in self.sections if s.kind != EQUAL)

"""A change summary → section cards, the version page's view model (no HTML here).

The one module of `site` that imports the diff (change summary, sections): when
those move, only the imports here change. A card is one changed section: its
kind (added, removed, modified, moved, renamed, renumbered), its heading trail,
its own heading (word-marked when it changed), and its changed lines with one
line of context, word-marked inside modified sentences. Cards whose change is
only cosmetic are kept apart, for the page to collapse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conductatlas_cli.diff.describe import near_changes, stat_line
from conductatlas_cli.diff.model import ChangeKind, ChangeSummary, SectionChange, SentenceChange
from conductatlas_cli.diff.sections import parse_sections
from conductatlas_cli.diff.summary import summarize_changes

__all__ = [
    "Card",
    "Line",
    "Segment",
    "VersionChanges",
    "parse_sections",
    "version_changes",
]

RENUMBERED = "renumbered"
COSMETIC = "cosmetic"
LABELS = {
    ChangeKind.ADDED: "Added",
    ChangeKind.REMOVED: "Removed",
    ChangeKind.MODIFIED: "Modified",
    ChangeKind.MOVED: "Moved",
    ChangeKind.RENAMED: "Renamed",
    RENUMBERED: "Renumbered",
    COSMETIC: "Cosmetic",
}
PREAMBLE = "(text before the first heading)"
CONTEXT = 1  # unchanged sentences shown around a change


@dataclass(frozen=True)
class Segment:
    """A run of text: 'text', 'ins' (added words) or 'del' (removed words)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Line:
    """One sentence line of a card: 'equal', 'added', 'removed', 'modified' or 'gap'."""

    kind: str
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class Card:
    """One changed section."""

    kind: str  # added | removed | modified | moved | renamed | renumbered | cosmetic
    trail: tuple[str, ...]  # the headings above this section
    heading: tuple[Segment, ...]  # this section's heading, word-marked when it changed
    notes: tuple[str, ...]  # what else happened: 'moved', 'renamed', 'renumbered'
    lines: tuple[Line, ...]
    topics: tuple[str, ...]
    anchor: str  # a fragment id unique on the page

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass(frozen=True)
class VersionChanges:
    """What one version changed: real cards, renumbered-only cards, cosmetic cards."""

    stat: str
    first: bool
    cards: tuple[Card, ...]
    renumbered: tuple[Card, ...]
    cosmetic: tuple[Card, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        """Topics of the sections that really changed (renumbered ones included), in order."""
        seen: dict[str, None] = {}
        for card in (*self.cards, *self.renumbered):
            seen.update(dict.fromkeys(card.topics))
        return tuple(seen)


def version_changes(
    old: str | None,
    new: str,
    *,
    old_topics: Sequence[Sequence[str]] = (),
    new_topics: Sequence[Sequence[str]] = (),
) -> VersionChanges:
    """The cards of OLD → NEW; *_TOPICS are topic ids per section of each text (may be empty)."""
    summary = summarize_changes(old, new)
    cards, renumbered, cosmetic = [], [], []
    for number, change in enumerate(summary.changes):
        card = _card(change, summary, number, old_topics, new_topics)
        if card.kind == COSMETIC:
            cosmetic.append(card)
        elif card.kind == RENUMBERED:
            renumbered.append(card)
        else:
            cards.append(card)
    return VersionChanges(
        stat=stat_line(summary),
        first=summary.first,
        cards=tuple(cards),
        renumbered=tuple(renumbered),
        cosmetic=tuple(cosmetic),
    )


def _kind(change: SectionChange) -> str:
    if change.cosmetic:
        return COSMETIC
    if change.renumbered_only:
        return RENUMBERED
    return change.kind


def _notes(change: SectionChange, kind: str) -> tuple[str, ...]:
    notes = []
    if change.moved and kind != ChangeKind.MOVED:
        notes.append("moved")
    if change.renamed and kind != ChangeKind.RENAMED:
        notes.append("renamed")
    if change.renumbered and kind != RENUMBERED:
        notes.append("renumbered")
    return tuple(notes)


def _topics_of(change: SectionChange, old_topics, new_topics) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for index, tags in ((change.new_index, new_topics), (change.old_index, old_topics)):
        if index is not None and index < len(tags):
            found.update(dict.fromkeys(tags[index]))
    return tuple(found)


def _heading(change: SectionChange) -> tuple[Segment, ...]:
    if change.heading_words:
        role = {"equal": "text", "insert": "ins", "delete": "del"}
        return tuple(Segment(role[op], text) for op, text in change.heading_words)
    old, new = change.old_heading, change.new_heading
    if change.old_index is not None and change.new_index is not None and old != new:
        return (
            Segment("del", old or PREAMBLE),
            Segment("text", " "),
            Segment("ins", new or PREAMBLE),
        )
    return (Segment("text", change.heading or PREAMBLE),)


def _card(change: SectionChange, summary: ChangeSummary, number: int, old_topics, new_topics):
    kind = _kind(change)
    if summary.first:
        lines: tuple[Line, ...] = ()
    elif change.kind in (ChangeKind.ADDED, ChangeKind.REMOVED):
        lines = tuple(_line(s) for s in change.sentences if (s.new or s.old or "").strip())
    else:
        lines = _context_lines(change.sentences, show_cosmetic=kind == COSMETIC)
    return Card(
        kind=kind,
        trail=tuple(change.path[:-1]) if change.heading is not None else (),
        heading=_heading(change),
        notes=_notes(change, kind),
        lines=lines,
        topics=_topics_of(change, old_topics, new_topics),
        anchor=f"change-{number + 1}",
    )


def _line(sentence: SentenceChange) -> Line:
    if sentence.kind == ChangeKind.ADDED:
        return Line(ChangeKind.ADDED, (Segment("ins", sentence.new or ""),))
    if sentence.kind == ChangeKind.REMOVED:
        return Line(ChangeKind.REMOVED, (Segment("del", sentence.old or ""),))
    if sentence.kind == ChangeKind.MODIFIED:
        role = {"equal": "text", "insert": "ins", "delete": "del"}
        return Line(
            ChangeKind.MODIFIED, tuple(Segment(role[op], text) for op, text in sentence.words)
        )
    return Line(ChangeKind.EQUAL, (Segment("text", sentence.new or ""),))


def _context_lines(sentences: Sequence[SentenceChange], *, show_cosmetic: bool) -> tuple[Line, ...]:
    """Changed lines with CONTEXT unchanged ones around them, '…' gaps between groups."""
    entries = [s for s in sentences if (s.new or s.old or "").strip()]
    shown = [s.kind != ChangeKind.EQUAL and (show_cosmetic or not s.cosmetic) for s in entries]
    lines: list[Line] = []
    for i, gap in near_changes(shown, CONTEXT):
        if gap:
            lines.append(Line("gap"))
        entry = entries[i]
        if shown[i] or entry.kind == ChangeKind.EQUAL:
            lines.append(_line(entry))
        elif entry.new is not None:  # a hidden cosmetic change reads as context, in its new form
            lines.append(Line(ChangeKind.EQUAL, (Segment("text", entry.new),)))
    return tuple(lines)

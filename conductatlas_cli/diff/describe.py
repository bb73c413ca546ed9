"""A change summary described in plain words: markers, labels, the stat line.

Shared by every renderer and by the commit message, so a section reads the same
in `atlas diff`, in `git log` and in an alert. Page text is passed through
`textsafe.plain`.
"""

from __future__ import annotations

from conductatlas_cli.diff.model import ChangeKind, ChangeSummary, SectionChange, Stats
from conductatlas_cli.textsafe import plain as _safe

MARKERS: dict[ChangeKind, str] = {
    ChangeKind.ADDED: "+",
    ChangeKind.REMOVED: "-",
    ChangeKind.MODIFIED: "~",
    ChangeKind.RENAMED: "=",
    ChangeKind.MOVED: ">",
}
SEPARATOR = " › "


def near_changes(shown: list[bool], context: int) -> list[tuple[int, bool]]:
    """The indexes within CONTEXT of a True in SHOWN, in order, each with whether
    indexes were skipped before it (a gap between two groups)."""
    keep: set[int] = set()
    for i, changed in enumerate(shown):
        if changed:
            keep.update(range(max(0, i - context), min(len(shown), i + context + 1)))
    ordered = sorted(keep)
    return [(i, k > 0 and i > ordered[k - 1] + 1) for k, i in enumerate(ordered)]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def stat_line(summary: ChangeSummary, *, show_all: bool = False) -> str:
    """One line: "3 sections changed (+120 -45 words)", "first snapshot (N words)", …

    Sections that were only renumbered, and cosmetic changes, are added at the end:
    "1 section changed (+10 -0 words), 4 renumbered (2 cosmetic hidden)".
    """
    st = summary.stats
    if summary.first:
        return f"first snapshot ({plural(st.words, 'word')})"
    line = _sections_line(st)
    if st.items_renumbered:
        items = f"{plural(st.items_renumbered, 'item')} renumbered"
        line = items if line == "no changes" else f"{line}, {items}"
    cosmetic = ""
    if st.cosmetic:
        cosmetic = f" ({st.cosmetic} cosmetic{'' if show_all else ' hidden'})"
    return line + cosmetic


def _sections_line(st: Stats) -> str:
    if st.sections_changed:
        changed = plural(st.sections_changed, "section")
        line = f"{changed} changed (+{st.words_added} -{st.words_removed} words)"
        if st.sections_renumbered:
            line += f", {st.sections_renumbered} renumbered"
    elif st.sections_renumbered:
        line = f"{plural(st.sections_renumbered, 'section')} renumbered"
    else:
        line = "no changes"
    return line


def section_label(change: SectionChange) -> str:
    """The section's own heading, `Old → New` when it changed."""
    old, new = change.old_heading, change.new_heading
    if change.old_index is not None and change.new_index is not None and old != new:
        return f"{_safe(old or '(preamble)')} → {_safe(new or '(preamble)')}"
    return _safe(change.heading or "(preamble)")


def moved_to(change: SectionChange) -> str:
    """Where a moved section went: "after 2. Accounts", "first under Terms", "to the start"."""
    if change.moved_after is not None:
        return f"after {_safe(change.moved_after or '(untitled)')}"
    if change.moved_under is not None:
        return f"first under {_safe(change.moved_under or '(untitled)')}"
    return "to the start"


def moved_note(change: SectionChange) -> str:
    """The note after a moved section's heading ("" when it did not move).

    `(after 2. Accounts)` when the `>` marker already says "moved", else
    `(moved after 2. Accounts)`.
    """
    if not change.moved:
        return ""
    if change.kind == ChangeKind.MOVED and not change.renumbered:
        return f" ({moved_to(change)})"
    return f" (moved {moved_to(change)})"


def trail(change: SectionChange) -> str:
    return SEPARATOR.join([_safe(p) for p in change.path[:-1]] + [section_label(change)])

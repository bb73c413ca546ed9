"""A change summary described in plain words: markers, labels, the stat line.

Shared by every renderer and by the commit message, so a section reads the same
in `atlas diff`, in `git log` and in an alert. Page text is passed through
`textsafe.plain`.
"""

from __future__ import annotations

from conductatlas_cli.diff.model import ChangeKind, ChangeSummary, SectionChange
from conductatlas_cli.textsafe import plain as _safe

MARKERS: dict[ChangeKind, str] = {
    ChangeKind.ADDED: "+",
    ChangeKind.REMOVED: "-",
    ChangeKind.MODIFIED: "~",
    ChangeKind.RENAMED: "=",
    ChangeKind.MOVED: ">",
}
SEPARATOR = " › "


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
    cosmetic = ""
    if st.cosmetic:
        cosmetic = f" ({st.cosmetic} cosmetic{'' if show_all else ' hidden'})"
    if st.sections_changed:
        changed = plural(st.sections_changed, "section")
        line = f"{changed} changed (+{st.words_added} -{st.words_removed} words)"
        if st.sections_renumbered:
            line += f", {st.sections_renumbered} renumbered"
    elif st.sections_renumbered:
        line = f"{plural(st.sections_renumbered, 'section')} renumbered"
    else:
        line = "no changes"
    return line + cosmetic


def section_label(change: SectionChange) -> str:
    """The section's own heading, `Old → New` when it changed."""
    old, new = change.old_heading, change.new_heading
    if change.old_index is not None and change.new_index is not None and old != new:
        return f"{_safe(old or '(preamble)')} → {_safe(new or '(preamble)')}"
    return _safe(change.heading or "(preamble)")


def moved_note(change: SectionChange) -> bool:
    """Whether to say "(moved)": the marker alone would read as another change."""
    return change.moved and (change.kind != ChangeKind.MOVED or change.renumbered)


def trail(change: SectionChange) -> str:
    return SEPARATOR.join([_safe(p) for p in change.path[:-1]] + [section_label(change)])

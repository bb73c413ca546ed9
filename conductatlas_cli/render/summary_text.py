"""A change summary as plain text (word marks `[-old-]{+new+}`) or rich (colours).

Plain format (stable, for piping), one block per changed section:

    ~ Usage Policy › 2. Prohibited Uses          section marker and heading trail
      ~ Pay within [-30-]{+60+} days.            a changed sentence, word marks
      + A new sentence.                          an added sentence
      - A removed sentence.                      a removed sentence
        An unchanged sentence.                   context (with context=N)
      …                                          a gap between context groups

    3 sections changed (+120 -45 words)

Section markers: `+` added, `-` removed, `~` modified, `=` renamed, `>` moved
(order, level or numbering changed). A heading that changed reads `Old → New`;
a section that moved says `(moved)` unless its marker already says so (`>` with
no arrow is a plain move; `>` with `Old → New` and no note is a renumbering).
Cosmetic changes (whitespace, typography, punctuation) are hidden unless
show_all, and counted in the stat line.
A first version lists its sections only. Page text is always passed through
`textsafe.plain`, and rich output is built from `Text` objects, never markup.
"""

from __future__ import annotations

from conductatlas_cli.diff.describe import MARKERS, moved_note, stat_line, trail
from conductatlas_cli.diff.model import ChangeKind, ChangeSummary, SectionChange, SentenceChange
from conductatlas_cli.textsafe import plain as _safe

NAMES = {
    ChangeKind.ADDED: "Added",
    ChangeKind.REMOVED: "Removed",
    ChangeKind.MODIFIED: "Modified",
    ChangeKind.RENAMED: "Renamed",
    ChangeKind.MOVED: "Moved",
}

_STYLES = {
    "+": "bold green",
    "-": "bold red",
    "~": "bold yellow",
    "=": "bold magenta",
    ">": "bold cyan",
    "heading": "bold",
    "note": "dim",
    "ins": "bold green",
    "del": "red strike",
    "added": "green",
    "removed": "red strike",
    "context": "dim",
    "stat": "bold",
    "title": "bold underline",
}

Line = list[tuple[str, str]]  # (role, text) segments


def visible(change: SectionChange, show_all: bool) -> bool:
    return change.kind != ChangeKind.EQUAL and (show_all or not change.cosmetic)


def _word_segments(sentence: SentenceChange) -> Line:
    role = {"equal": "text", "insert": "ins", "delete": "del"}
    return [(role[op], _safe(text)) for op, text in sentence.words]


def _sentence_line(sentence: SentenceChange) -> Line:
    if sentence.kind == ChangeKind.ADDED:
        return [("added", "  + "), ("added", _safe(sentence.new or "") or "(blank line)")]
    if sentence.kind == ChangeKind.REMOVED:
        return [("removed", "  - "), ("removed", _safe(sentence.old or "") or "(blank line)")]
    if sentence.kind == ChangeKind.MODIFIED:
        return [("~", "  ~ "), *_word_segments(sentence)]
    return [("context", "    " + _safe(sentence.new or ""))]


def section_sentences(change: SectionChange, context: int, show_all: bool) -> list[Line]:
    if change.kind in (ChangeKind.ADDED, ChangeKind.REMOVED):
        return [_sentence_line(s) for s in change.sentences if show_all or not s.cosmetic]
    entries = [
        s for s in change.sentences if s.kind != ChangeKind.EQUAL or (s.new or "").strip()
    ]  # blank equal lines never count as context
    shown = [s.kind != ChangeKind.EQUAL and (show_all or not s.cosmetic) for s in entries]
    keep: set[int] = set()
    for i, changed in enumerate(shown):
        if changed:
            keep.update(range(max(0, i - context), min(len(entries), i + context + 1)))
    lines: list[Line] = []
    previous = None
    for i in sorted(keep):
        if context and previous is not None and i > previous + 1:
            lines.append([("note", "  …")])
        entry = entries[i]
        if shown[i] or entry.kind == ChangeKind.EQUAL:
            lines.append(_sentence_line(entry))
        else:  # a hidden cosmetic change, shown as context in its new form
            if entry.new is not None:
                lines.append([("context", "    " + _safe(entry.new))])
        previous = i
    return lines


def summary_lines(
    summary: ChangeSummary, *, context: int, show_all: bool, title: str | None
) -> list[Line]:
    lines: list[Line] = []
    if title:
        lines += [[("title", _safe(title))], []]
    for change in summary.sections:
        if not visible(change, show_all):
            continue
        marker = MARKERS[change.kind]
        header: Line = [(marker, marker + " "), ("heading", trail(change))]
        if change.cosmetic:
            header.append(("note", " (cosmetic)"))
        elif moved_note(change):
            header.append(("note", " (moved)"))
        if change.topics:  # issue 13: governance topics after the heading
            header.append(("note", f"  [{', '.join(change.topics)}]"))
        lines.append(header)
        if not summary.first:
            lines.extend(section_sentences(change, context, show_all))
    if len(lines) > (2 if title else 0):
        lines.append([])
    lines.append([("stat", stat_line(summary, show_all=show_all))])
    return lines


def as_plain(lines: list[Line]) -> str:
    marks = {"del": "[-{}-]", "ins": "{{+{}+}}"}
    return "".join(
        "".join(marks.get(role, "{}").format(text) for role, text in line) + "\n" for line in lines
    )


def as_rich(lines: list[Line], *, width: int) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    out = Text()
    for line in lines:
        for role, text in line:
            out.append(text, style=_STYLES.get(role, ""))
        out.append("\n")
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        no_color=False,
        color_system="standard",
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(out, end="", soft_wrap=True)
    return buffer.getvalue()

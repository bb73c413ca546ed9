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
a section that moved says where it went: `> 4. Fees (after 2. Accounts)`, or
`~ 4. Fees (moved after 2. Accounts)` when its marker says another change (`>`
with `Old → New` and no note is a renumbering).
Cosmetic changes (whitespace, typography, punctuation, volatile stamps, lines the
document's `ignore:` rules match) are hidden unless show_all, and counted apart
in the stat line. So are list items and clauses whose only change is their
number: one line `    (4 items renumbered)` stands for them.
A first version lists its sections only. Page text is always passed through
`textsafe.plain`, and rich output is built from `Text` objects, never markup:
the word marks stay (dimmed) beside the colours, and long lines wrap at the
width with a hanging indent.
"""

from __future__ import annotations

from conductatlas_cli.diff.describe import MARKERS, moved_note, near_changes, stat_line, trail
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
    "count": "dim",
    "ins": "bold green",
    "del": "red strike",
    "mark": "dim",
    "added": "green",
    "removed": "red strike",
    "context": "dim",
    "stat": "bold",
    "title": "bold underline",
}

Line = list[tuple[str, str]]  # (role, text) segments


def visible(change: SectionChange, show_all: bool) -> bool:
    return change.kind != ChangeKind.EQUAL and (show_all or not change.cosmetic)


def _shown(sentence: SentenceChange, show_all: bool) -> bool:
    """Whether a changed line is listed (cosmetic and renumbered ones only with SHOW_ALL)."""
    return sentence.kind != ChangeKind.EQUAL and (show_all or sentence.real)


def _word_segments(sentence: SentenceChange) -> Line:
    role = {"equal": "text", "insert": "ins", "delete": "del"}
    return [(role[op], _safe(text)) for op, text in sentence.words]


def _sentence_line(sentence: SentenceChange) -> Line:
    where = sentence.elsewhere
    if sentence.kind == ChangeKind.ADDED:
        line = [("added", "  + "), ("added", _safe(sentence.new or "") or "(blank line)")]
        return line + ([("note", f" (moved from {_safe(where)})")] if where is not None else [])
    if sentence.kind == ChangeKind.REMOVED:
        line = [("removed", "  - "), ("removed", _safe(sentence.old or "") or "(blank line)")]
        return line + ([("note", f" (moved to {_safe(where)})")] if where is not None else [])
    if sentence.kind == ChangeKind.MODIFIED:
        return [("~", "  ~ "), *_word_segments(sentence)]
    return [("context", "    " + _safe(sentence.new or ""))]


def section_sentences(change: SectionChange, context: int, show_all: bool) -> list[Line]:
    if change.kind in (ChangeKind.ADDED, ChangeKind.REMOVED):
        return [_sentence_line(s) for s in change.sentences if show_all or not s.cosmetic]
    entries = [
        s for s in change.sentences if s.kind != ChangeKind.EQUAL or (s.new or "").strip()
    ]  # blank equal lines never count as context
    shown = [_shown(s, show_all) for s in entries]
    lines: list[Line] = []
    for i, gap in near_changes(shown, context):
        if context and gap:
            lines.append([("note", "  …")])
        entry = entries[i]
        if shown[i] or entry.kind == ChangeKind.EQUAL:
            lines.append(_sentence_line(entry))
        else:  # a hidden cosmetic change, shown as context in its new form
            if entry.new is not None:
                lines.append([("context", "    " + _safe(entry.new))])
    hidden = 0 if show_all else change.renumbered_lines
    if hidden:
        lines.append([("count", f"    ({hidden} item{'' if hidden == 1 else 's'} renumbered)")])
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
            header.append(("note", moved_note(change)))
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


def _hanging(line: Line) -> int:
    """The indent of a wrapped line's continuation: past its marker ("  ~ ", "~ ")."""
    head = "".join(text for _, text in line)[:8]
    stripped = head.lstrip(" ")
    lead = len(head) - len(stripped)
    if stripped[:2] in ("+ ", "- ", "~ ", "= ", "> "):
        return lead + 2
    return lead


def _breaks(text: str, width: int, indent: int) -> list[int]:
    """Offsets where TEXT wraps at WIDTH (continuations indented by INDENT), at spaces."""
    offsets: list[int] = []
    start, room = 0, width
    while len(text) - start > room:
        cut = text.rfind(" ", start + 1, start + room + 1)
        if cut <= start:  # one long word: break it
            cut = start + room
            offsets.append(cut)
            start = cut
        else:
            offsets.append(cut)
            start = cut + 1  # the space at a break is dropped
        room = max(10, width - indent)
    return offsets


def as_rich(lines: list[Line], *, width: int) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    marks = {"del": ("[-", "-]"), "ins": ("{+", "+}")}
    out = Text()
    for line in lines:
        row = Text()
        for role, text in line:
            if role in marks:
                row.append(marks[role][0], style=_STYLES["mark"])
                row.append(text, style=_STYLES[role])
                row.append(marks[role][1], style=_STYLES["mark"])
            else:
                row.append(text, style=_STYLES.get(role, ""))
        indent = _hanging(line)
        pieces = row.divide(_breaks(row.plain, width, indent)) if width > 20 else [row]
        for n, piece in enumerate(pieces):
            if n:
                out.append(" " * indent)
                if piece.plain.startswith(" "):
                    piece = piece[1:]
            out.append_text(piece)
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

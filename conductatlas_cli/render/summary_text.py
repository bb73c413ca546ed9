"""Change list → rich / plain / markdown / json, plus commit messages and stat lines.

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

import json
import re
from collections.abc import Mapping

from conductatlas_cli.diff.summary import (
    ADDED,
    EQUAL,
    MODIFIED,
    MOVED,
    REMOVED,
    RENAMED,
    ChangeSummary,
    SectionChange,
    SentenceChange,
)
from conductatlas_cli.render.summary_json import JSON_SCHEMA_DOC, summary_to_dict
from conductatlas_cli.textsafe import plain as _safe

__all__ = [
    "FORMATS",
    "JSON_SCHEMA_DOC",
    "MARKERS",
    "commit_message",
    "render_summary",
    "stat_line",
    "summary_to_dict",
]

FORMATS = ("rich", "plain", "markdown", "json")
MARKERS = {ADDED: "+", REMOVED: "-", MODIFIED: "~", RENAMED: "=", MOVED: ">"}
NAMES = {
    ADDED: "Added",
    REMOVED: "Removed",
    MODIFIED: "Modified",
    RENAMED: "Renamed",
    MOVED: "Moved",
}
SEPARATOR = " › "
COMMIT_BODY_LINES = 50

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
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


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def stat_line(summary: ChangeSummary, *, show_all: bool = False) -> str:
    """One line: "3 sections changed (+120 -45 words)", "first snapshot (N words)", …

    Sections that were only renumbered, and cosmetic changes, are added at the end:
    "1 section changed (+10 -0 words), 4 renumbered (2 cosmetic hidden)".
    """
    st = summary.stats
    if summary.first:
        return f"first snapshot ({_n(st.words, 'word')})"
    cosmetic = ""
    if st.cosmetic:
        cosmetic = f" ({st.cosmetic} cosmetic{'' if show_all else ' hidden'})"
    if st.sections_changed:
        changed = _n(st.sections_changed, "section")
        line = f"{changed} changed (+{st.words_added} -{st.words_removed} words)"
        if st.sections_renumbered:
            line += f", {st.sections_renumbered} renumbered"
    elif st.sections_renumbered:
        line = f"{_n(st.sections_renumbered, 'section')} renumbered"
    else:
        line = "no changes"
    return line + cosmetic


def _label(change: SectionChange) -> str:
    """The section's own heading, `Old → New` when it changed."""
    old, new = change.old_heading, change.new_heading
    if change.old_index is not None and change.new_index is not None and old != new:
        return f"{_safe(old or '(preamble)')} → {_safe(new or '(preamble)')}"
    return _safe(change.heading or "(preamble)")


def _moved_note(change: SectionChange) -> bool:
    """Whether to say "(moved)": the marker alone would read as another change."""
    return change.moved and (change.kind != MOVED or change.renumbered)


def _trail(change: SectionChange) -> str:
    return SEPARATOR.join([_safe(p) for p in change.path[:-1]] + [_label(change)])


def _visible(change: SectionChange, show_all: bool) -> bool:
    return change.kind != EQUAL and (show_all or not change.cosmetic)


def _word_segments(sentence: SentenceChange) -> Line:
    role = {"equal": "text", "insert": "ins", "delete": "del"}
    return [(role[op], _safe(text)) for op, text in sentence.words]


def _sentence_line(sentence: SentenceChange) -> Line:
    if sentence.kind == ADDED:
        return [("added", "  + "), ("added", _safe(sentence.new or "") or "(blank line)")]
    if sentence.kind == REMOVED:
        return [("removed", "  - "), ("removed", _safe(sentence.old or "") or "(blank line)")]
    if sentence.kind == MODIFIED:
        return [("~", "  ~ "), *_word_segments(sentence)]
    return [("context", "    " + _safe(sentence.new or ""))]


def _section_sentences(change: SectionChange, context: int, show_all: bool) -> list[Line]:
    if change.kind in (ADDED, REMOVED):
        return [_sentence_line(s) for s in change.sentences if show_all or not s.cosmetic]
    entries = [
        s for s in change.sentences if s.kind != EQUAL or (s.new or "").strip()
    ]  # blank equal lines never count as context
    shown = [s.kind != EQUAL and (show_all or not s.cosmetic) for s in entries]
    keep = set()
    for i, changed in enumerate(shown):
        if changed:
            keep.update(range(max(0, i - context), min(len(entries), i + context + 1)))
    lines: list[Line] = []
    previous = None
    for i in sorted(keep):
        if context and previous is not None and i > previous + 1:
            lines.append([("note", "  …")])
        entry = entries[i]
        if shown[i] or entry.kind == EQUAL:
            lines.append(_sentence_line(entry))
        else:  # a hidden cosmetic change, shown as context in its new form
            if entry.new is not None:
                lines.append([("context", "    " + _safe(entry.new))])
        previous = i
    return lines


def _lines(summary, *, context: int, show_all: bool, title: str | None) -> list[Line]:
    lines: list[Line] = []
    if title:
        lines += [[("title", _safe(title))], []]
    for change in summary.sections:
        if not _visible(change, show_all):
            continue
        marker = MARKERS[change.kind]
        header: Line = [(marker, marker + " "), ("heading", _trail(change))]
        if change.cosmetic:
            header.append(("note", " (cosmetic)"))
        elif _moved_note(change):
            header.append(("note", " (moved)"))
        lines.append(header)
        if not summary.first:
            lines.extend(_section_sentences(change, context, show_all))
    if len(lines) > (2 if title else 0):
        lines.append([])
    lines.append([("stat", stat_line(summary, show_all=show_all))])
    return lines


def _plain(lines: list[Line]) -> str:
    marks = {"del": "[-{}-]", "ins": "{{+{}+}}"}
    return "".join(
        "".join(marks.get(role, "{}").format(text) for role, text in line) + "\n" for line in lines
    )


def _rich(lines: list[Line], *, width: int) -> str:
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


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", _safe(text))


def _md_mark(text: str, mark: str) -> str:
    """TEXT wrapped in MARK (`~~`, `**`) with its outer whitespace kept outside."""
    core = text.strip()
    if not core:
        return text if mark == "**" else ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{_md(core)}{mark}{trail}"


def _markdown(summary: ChangeSummary, *, context: int, show_all: bool, title) -> str:
    out: list[str] = []
    if title:
        out += [f"## {_md(title)}", ""]
    out += [f"**{_md(stat_line(summary, show_all=show_all))}**", ""]
    for change in summary.sections:
        if not _visible(change, show_all):
            continue
        label = " → ".join(_md(part) for part in _label(change).split(" → "))
        trail = SEPARATOR.join([_md(p) for p in change.path[:-1]] + [label])
        notes = " (cosmetic)" if change.cosmetic else ""
        notes += " (moved)" if _moved_note(change) else ""
        name = "Renumbered" if change.renumbered_only else NAMES[change.kind]
        out += [f"### {name}: {trail}{notes}", ""]
        bullets = []
        for line in [] if summary.first else _section_sentences(change, context, show_all):
            role = line[0][0]
            body = line[1:] if role in ("added", "removed", "~") else line
            if role == "added":
                bullets.append(f"- **Added:** {_md(body[0][1])}")
            elif role == "removed":
                bullets.append(f"- **Removed:** {_md_mark(body[0][1], '~~')}")
            elif role == "~":
                words = {"del": "~~", "ins": "**"}
                text = "".join(_md_mark(t, words[r]) if r in words else _md(t) for r, t in body)
                bullets.append(f"- **Changed:** {text}")
            elif role == "note":
                bullets.append("- …")
            else:
                bullets.append(f"- {_md(body[0][1].strip())}")
        out += bullets + ([""] if bullets else [])
    return "\n".join(out).rstrip("\n") + "\n"


def render_summary(
    summary: ChangeSummary,
    *,
    fmt: str,
    context: int = 0,
    show_all: bool = False,
    title: str | None = None,
    color: bool | None = None,
    width: int = 100,
    from_ref: str | None = None,
    to_ref: str | None = None,
) -> str:
    """SUMMARY as text in FMT (rich | plain | markdown | json), ending in a newline.

    rich with `color` falsy is exactly plain (the word marks must stay visible);
    deciding `color` (NO_COLOR, isatty) is the caller's job.
    """
    if fmt == "json":
        data = summary_to_dict(summary, from_ref=from_ref, to_ref=to_ref)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(summary, context=context, show_all=show_all, title=title)
    if fmt not in ("rich", "plain"):
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    lines = _lines(summary, context=context, show_all=show_all, title=title)
    if fmt == "rich" and color:
        return _rich(lines, width=width)
    return _plain(lines)


def _one_line(text: str) -> str:
    return " ".join(_safe(text).split())


def commit_message(key: str, summary: ChangeSummary, *, trailers: Mapping[str, str]) -> str:
    """The snapshot commit message: subject, changed sections, `Atlas-*` trailers."""
    st = summary.stats
    real = st.sections_changed or st.sections_renumbered
    if summary.first or real:
        subject = stat_line(summary, show_all=True)
    elif st.cosmetic:
        subject = f"cosmetic changes only ({_n(st.cosmetic, 'section')})"
    else:
        subject = "no changes"
    parts = [f"{_one_line(key)}: {subject}"]
    body = []
    if not summary.first:
        listed = [c for c in summary.sections if c.kind != EQUAL and not (c.cosmetic and real)]
        # Real changes first, so a mass renumbering cannot push them past the cap.
        listed.sort(key=lambda c: c.renumbered_only)
        body = [
            f"{MARKERS[c.kind]} {_one_line(_label(c))}{' (moved)' if _moved_note(c) else ''}"
            for c in listed
        ]
        if len(body) > COMMIT_BODY_LINES:
            more = len(body) - COMMIT_BODY_LINES + 1
            body = body[: COMMIT_BODY_LINES - 1] + [f"… and {more} more"]
    if body:
        parts.append("\n".join(body))
    if trailers:
        parts.append("\n".join(f"{_one_line(k)}: {_one_line(v)}" for k, v in trailers.items()))
    return "\n\n".join(parts) + "\n"

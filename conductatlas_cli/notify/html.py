"""A change summary as an HTML fragment: for e-mail bodies and Atom entry content.

Built as an element tree with lxml (never by pasting strings), so page text is
always escaped; word changes are `<del>`/`<ins>`. Cosmetic changes are left
out, as in the plain format. Long summaries stop after `max_lines` changed
sentences with a line saying how many more there are.
"""

from __future__ import annotations

from lxml import html as lxml_html
from lxml.html import builder as E

from conductatlas_cli.diff.model import ADDED, EQUAL, MODIFIED, REMOVED, ChangeSummary
from conductatlas_cli.textsafe import plain

NAMES = {
    "added": "Added",
    "removed": "Removed",
    "modified": "Modified",
    "renamed": "Renamed",
    "moved": "Moved",
}
SEPARATOR = " › "


def _safe(text: str | None) -> str:
    """Text that an XML tree accepts and a terminal or mail client cannot misread."""
    cleaned = plain(text or "")
    return "".join(ch for ch in cleaned if ch in "\t\n" or ord(ch) >= 32)


def section_label(change) -> str:
    """The section's heading trail, `Old → New` where its heading changed."""
    old, new = change.old_heading, change.new_heading
    if change.old_index is not None and change.new_index is not None and old != new:
        own = f"{_safe(old) or '(preamble)'} → {_safe(new) or '(preamble)'}"
    else:
        own = _safe(change.heading) or "(preamble)"
    return SEPARATOR.join([_safe(p) for p in change.path[:-1]] + [own])


def visible_changes(summary: ChangeSummary) -> list:
    """The sections a reader is shown: changed, and not only cosmetically."""
    return [c for c in summary.sections if c.kind != EQUAL and not c.cosmetic]


def changed_sentences(change) -> list:
    """The sentences of a section to show: all of an added/removed one, else the changed ones."""
    if change.kind in (ADDED, REMOVED):
        return [s for s in change.sentences if not s.cosmetic and (s.new or s.old or "").strip()]
    return [s for s in change.sentences if s.kind != EQUAL and not s.cosmetic]


def kind_name(change) -> str:
    return "Renumbered" if change.renumbered_only else NAMES.get(change.kind, change.kind)


def _sentence_item(sentence):
    if sentence.kind == ADDED:
        return E.LI(E.STRONG("Added: "), E.INS(_safe(sentence.new)))
    if sentence.kind == REMOVED:
        return E.LI(E.STRONG("Removed: "), E.DEL(_safe(sentence.old)))
    item = E.LI(E.STRONG("Changed: "))
    for op, text in sentence.words or ((("equal", sentence.new or ""),)):
        if op == "insert":
            item.append(E.INS(_safe(text)))
        elif op == "delete":
            item.append(E.DEL(_safe(text)))
        else:  # equal text goes after the last element ("Changed: " at first)
            item[-1].tail = (item[-1].tail or "") + _safe(text)
    return item


def summary_element(summary: ChangeSummary, *, stat: str, max_lines: int = 60):
    """A `<div>` with the stat line, then one heading and list per changed section."""
    root = E.DIV(E.P(E.STRONG(_safe(stat))))
    if summary.first:
        return root
    shown = hidden = 0
    for change in visible_changes(summary):
        sentences = changed_sentences(change) if change.kind in (ADDED, REMOVED, MODIFIED) else []
        if shown >= max_lines:
            hidden += max(1, len(sentences))
            continue
        heading = E.H3(f"{kind_name(change)}: {section_label(change)}")
        topics = tuple(getattr(change, "topics", ()) or ())
        if topics:
            heading.append(E.SMALL(f" [{', '.join(_safe(t) for t in topics)}]"))
        root.append(heading)
        items = []
        for sentence in sentences:
            if shown >= max_lines:
                hidden += 1
                continue
            items.append(_sentence_item(sentence))
            shown += 1
        shown += 0 if sentences else 1
        if items:
            root.append(E.UL(*items))
    if hidden:
        root.append(E.P(E.EM(f"… and {hidden} more changed sentences.")))
    return root


def to_html(element) -> str:
    """An element as an HTML string (UTF-8 text, no document wrapper)."""
    return lxml_html.tostring(element, encoding="unicode")


def summary_html(summary: ChangeSummary, *, stat: str, max_lines: int = 60) -> str:
    """SUMMARY as an HTML fragment (see `summary_element`)."""
    return to_html(summary_element(summary, stat=stat, max_lines=max_lines))

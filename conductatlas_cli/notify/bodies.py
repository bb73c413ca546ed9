"""Document events → a message body in text, Markdown or HTML.

Per document: its title and key, what happened (the stat line, or the reason and
failing-since of a failure), its topics and whether a watched provision changed,
the commit link, then the changed sections with their changed sentences and word
marks: `[-old-]{+new+}` in text, `~~old~~ **new**` in Markdown, `<del>`/`<ins>`
in HTML. Cosmetic changes are left out; a long document stops after
`MAX_LINES` sentences. Page text is passed through `textsafe.plain` (and escaped
for Markdown and HTML).
"""

from __future__ import annotations

from datetime import datetime

from conductatlas_cli.config.notify import Event
from conductatlas_cli.notify import html as H
from conductatlas_cli.notify.events import DocumentEvent
from conductatlas_cli.render.summary_markdown import md_escape, md_mark
from conductatlas_cli.timestamps import as_utc, parse_utc

MAX_LINES = 40
MARKERS = {"added": "+", "removed": "-", "modified": "~", "renamed": "=", "moved": ">"}
LABELS = {
    Event.NEW: "New",
    Event.CHANGED: "Changed",
    Event.HELD: "Held back",
    Event.FAILED: "Failed",
}


def when(value: datetime | str | None) -> str:
    """'2026-11-24 06:17 UTC' from a datetime or an ISO 8601 string ('' when unknown)."""
    if value is None:
        return ""
    if isinstance(value, str):
        parsed = parse_utc(value)
        if parsed is None:
            return H._safe(value)
        value = parsed
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def _facts(event: DocumentEvent) -> list[tuple[str, str]]:
    """(label, text) lines under a document's heading."""
    if event.event == Event.FAILED:
        what = event.reason or "failed"
        if event.failing_since:
            what += f" (failing since {when(event.failing_since)})"
        facts = [("Failed", what)]
    elif event.event == Event.HELD:
        facts = [("Held back", f"{event.reason or 'held back'}; 'atlas fetch --force' records it")]
    else:
        facts = [(LABELS[event.event], event.stat)]
    if event.topics or event.watched:
        topics = ", ".join(event.topics) or "-"
        facts.append(
            ("Topics", topics + (" (a watched provision changed)" if event.watched else ""))
        )
    if event.span:
        start = (
            f"{event.from_commit[:10]} ({event.from_date:%Y-%m-%d})"
            if event.from_commit
            else "nothing"
        )
        end = f"{(event.commit or '')[:10]} ({event.date:%Y-%m-%d})" if event.date else "latest"
        facts.append(("Versions", f"{start} → {end}"))
    if event.link:
        facts.append(("Commit", event.link))
    elif event.commit and not event.span:
        facts.append(("Commit", event.commit[:10]))
    if event.delayed:
        recorded = f" on {when(event.date)}" if event.date else ""
        facts.append(("Delayed", f"recorded{recorded} by a run that could not send this"))
    return facts


def _sections(event: DocumentEvent):
    """(marker, label, topics, sentences) per shown section, and how many sentences were cut."""
    summary = event.summary
    if summary is None or summary.first:
        return [], 0
    out, shown, hidden = [], 0, 0
    for change in H.visible_changes(summary):
        sentences = H.changed_sentences(change) if change.kind in MARKERS else []
        if change.kind in ("renamed", "moved"):
            sentences = []
        if shown >= MAX_LINES:
            hidden += max(1, len(sentences))
            continue
        keep = sentences[: max(0, MAX_LINES - shown)]
        hidden += len(sentences) - len(keep)
        shown += max(1, len(keep))
        topics = tuple(getattr(change, "topics", ()) or ())
        out.append((MARKERS[change.kind], change, topics, keep))
    return out, hidden


def _title_line(event: DocumentEvent) -> str:
    return f"{H._safe(event.title)} ({event.key})"


# -- text --------------------------------------------------------------------


def _text_sentence(sentence) -> str:
    if sentence.kind == "added":
        return "  + " + H._safe(sentence.new)
    if sentence.kind == "removed":
        return "  - " + H._safe(sentence.old)
    marks = {"insert": "{{+{}+}}", "delete": "[-{}-]"}
    words = sentence.words or (("equal", sentence.new or ""),)
    return "  ~ " + "".join(marks.get(op, "{}").format(H._safe(t)) for op, t in words)


def text_document(event: DocumentEvent) -> str:
    lines = [_title_line(event)]
    lines += [f"{label}: {H._safe(text)}" for label, text in _facts(event)]
    sections, hidden = _sections(event)
    if sections:
        lines.append("")
    for marker, change, topics, sentences in sections:
        tags = f"  [{', '.join(topics)}]" if topics else ""
        lines.append(f"{marker} {H.section_label(change)}{tags}")
        lines += [_text_sentence(s) for s in sentences]
    if hidden:
        lines.append(f"… and {hidden} more changed sentences")
    return "\n".join(lines) + "\n"


# -- markdown ----------------------------------------------------------------


def _md_sentence(sentence) -> str:
    if sentence.kind == "added":
        return f"- **Added:** {md_escape(sentence.new)}"
    if sentence.kind == "removed":
        return f"- **Removed:** {md_mark(H._safe(sentence.old), '~~')}"
    marks = {"insert": "**", "delete": "~~"}
    words = sentence.words or (("equal", sentence.new or ""),)
    text = "".join(md_mark(t, marks[op]) if op in marks else md_escape(t) for op, t in words)
    return f"- **Changed:** {text}"


def markdown_document(event: DocumentEvent, *, level: int = 2) -> str:
    hashes = "#" * level
    out = [f"{hashes} {md_escape(event.title)} ({md_escape(event.key)})", ""]
    facts = _facts(event)
    for i, (label, text) in enumerate(facts):
        value = f"<{text}>" if label == "Commit" and "://" in text else md_escape(text)
        out.append(f"**{label}:** {value}" + ("  " if i < len(facts) - 1 else ""))
    sections, hidden = _sections(event)
    for _marker, change, topics, sentences in sections:
        label = " → ".join(md_escape(part) for part in H.section_label(change).split(" → "))
        tags = f" \\[{', '.join(md_escape(t) for t in topics)}\\]" if topics else ""
        out += ["", f"{hashes}# {H.kind_name(change)}: {label}{tags}"]
        if sentences:
            out.append("")
            out += [_md_sentence(s) for s in sentences]
    if hidden:
        out += ["", f"*… and {hidden} more changed sentences*"]
    return "\n".join(out) + "\n"


# -- html --------------------------------------------------------------------


def html_document(event: DocumentEvent, *, level: int = 2):
    """One document as an element (a `<div class="document">`)."""
    from lxml.html import builder as E

    heading = getattr(E, f"H{level}")
    root = E.DIV(heading(_title_line(event)), **{"class": "document"})
    facts = E.P()
    for i, (label, text) in enumerate(_facts(event)):
        if i:
            facts.append(E.BR())
        facts.append(E.STRONG(f"{label}: "))
        if label == "Commit" and "://" in text:
            facts.append(E.A(H._safe(text), href=H._safe(text)))
        else:
            facts[-1].tail = H._safe(text)
    root.append(facts)
    if event.summary is not None and not event.summary.first:
        body = H.summary_element(event.summary, stat="", max_lines=MAX_LINES)
        for child in list(body)[1:]:  # the stat line is in the facts already
            root.append(child)
    return root


def render_documents(events: list[DocumentEvent], fmt: str) -> str:
    """EVENTS one after the other in FMT ('text', 'markdown' or 'html')."""
    if fmt == "html":
        from lxml.html import builder as E

        return H.to_html(E.DIV(*[html_document(e) for e in events]))
    if fmt == "markdown":
        return "\n".join(markdown_document(e) for e in events)
    return "\n".join(text_document(e) for e in events)

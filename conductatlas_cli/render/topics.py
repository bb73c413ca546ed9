"""`atlas topics` and `atlas compare` output: rich panels, plain text, a Markdown table, JSON.

Text from the web is printed as text, never as rich markup (rich `Text`
objects, and `textsafe.plain` for the plain formats).
"""

from __future__ import annotations

import io
from datetime import datetime

from conductatlas_cli.textsafe import plain
from conductatlas_cli.topics.compare import DocumentTopicList, TopicComparison
from conductatlas_cli.topics.tagger import DocumentTopics, Where

TRAIL = " › "


def _day(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def comparison_to_dict(comparison: TopicComparison) -> dict:
    """The JSON form of `atlas compare` (see the README)."""
    return {
        "topic": comparison.topic.id,
        "at": comparison.at,
        "documents": [
            {
                "key": d.key,
                "title": d.title,
                "sections": [
                    {
                        "path": list(s.path),
                        "text": s.text,
                        "last_changed": _day(s.last_changed),
                        "commit": s.commit,
                    }
                    for s in d.sections
                ],
            }
            for d in comparison.documents
        ],
    }


def render_comparison(comparison: TopicComparison, *, fmt: str, color: bool, width: int) -> str:
    """COMPARISON in FMT (rich, plain or markdown)."""
    if fmt == "markdown":
        return _comparison_markdown(comparison)
    if fmt == "rich":
        return _comparison_rich(comparison, color=color, width=width)
    lines = [
        f"{comparison.topic.label} [{comparison.topic.id}]"
        + (f" at {comparison.at}" if comparison.at else "")
    ]
    if not comparison.documents:
        lines.append("no tracked document has a provision on this topic")
    for d in comparison.documents:
        lines += ["", f"== {plain(d.title)} ({d.key})"]
        for s in d.sections:
            lines.append(
                f"-- {plain(TRAIL.join(s.path))}  (last changed {_day(s.last_changed) or '-'}, {(s.commit or '')[:10]})"
            )
            lines += [f"   {plain(line)}" for line in s.text.strip().splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return plain(" ".join(text.split())).replace("|", "\\|")


def _comparison_markdown(comparison: TopicComparison) -> str:
    out = [
        f"## {comparison.topic.label} (`{comparison.topic.id}`)"
        + (f" at {comparison.at}" if comparison.at else ""),
        "",
    ]
    out += ["| Platform | Document | Section | Text | Last changed |", "|---|---|---|---|---|"]
    for d in comparison.documents:
        platform, _, document = d.title.partition(" — ")
        for s in d.sections:
            out.append(
                f"| {_cell(platform)} | {_cell(document or d.key)} | {_cell(TRAIL.join(s.path))} "
                f"| {_cell(s.text)} | {_day(s.last_changed) or ''} |"
            )
    return "\n".join(out) + "\n"


def _comparison_rich(comparison: TopicComparison, *, color: bool, width: int) -> str:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    title = Text(f"{comparison.topic.label} [{comparison.topic.id}]", style="bold")
    if comparison.at:
        title.append(f" at {comparison.at}")
    console.print(title)
    if not comparison.documents:
        console.print("no tracked document has a provision on this topic")
    for d in comparison.documents:
        body = Text()
        for i, s in enumerate(d.sections):
            if i:
                body.append("\n\n")
            body.append(TRAIL.join(s.path), style="bold cyan")
            body.append(
                f"  last changed {_day(s.last_changed) or '-'} {(s.commit or '')[:10]}\n",
                style="dim",
            )
            body.append(s.text.strip())
        console.print(Panel(body, title=Text(d.title), title_align="left"))
    return buffer.getvalue()


def topic_lists_to_dict(docs: list[DocumentTopicList]) -> dict:
    return {
        "documents": [
            {
                "key": d.key,
                "title": d.title,
                "commit": d.commit,
                "topics": [
                    {"id": t.topic, "sections": [list(p) for p in t.trails]} for t in d.topics
                ],
            }
            for d in docs
        ]
    }


def render_topic_lists(docs: list[DocumentTopicList], *, fmt: str) -> str:
    """`atlas topics` as text (rich and plain alike) or Markdown."""
    out: list[str] = []
    for d in docs:
        if fmt == "markdown":
            out += [f"## {_cell(d.title)} (`{d.key}`)", ""]
            out += [
                f"- **{t.topic}**: " + "; ".join(_cell(TRAIL.join(p)) for p in t.trails)
                for t in d.topics
            ]
            out += ["" if d.topics else "_no topics_", ""]
            continue
        out.append(f"{d.key}  {plain(d.title)}")
        for t in d.topics:
            out.append(f"  {t.topic}")
            out += [f"    {plain(TRAIL.join(p))}" for p in t.trails]
        if not d.topics:
            out.append("  (no topics)")
    return "\n".join(out).rstrip("\n") + "\n"


def render_explain(key: str, tagged: DocumentTopics) -> str:
    """Which pattern matched where, per section and topic (`atlas topics --explain`)."""
    out = [f"{key}"]
    for st in tagged.sections:
        for m in st.matches:
            trail = TRAIL.join(st.section.path) or "(preamble)"
            if m.inherited_from is not None:
                out.append(
                    f"  {plain(trail)}  [{m.topic}] inherited from {plain(TRAIL.join(m.inherited_from))}"
                )
                continue
            out.append(f"  {plain(trail)}  [{m.topic}] score {m.score:g}")
            for h in m.hits:
                where = "heading" if h.where is Where.HEADING else h.where.value
                out.append(
                    f"    line {h.line} {where}: {plain(h.text)!r} ← {plain(h.pattern)} (+{h.score:g})"
                )
    return "\n".join(out) + "\n"

"""A change summary as Markdown: a section per change, bullets per sentence."""

from __future__ import annotations

import re

from conductatlas_cli.diff.describe import SEPARATOR, moved_note, section_label, stat_line
from conductatlas_cli.diff.model import ChangeSummary
from conductatlas_cli.render.summary_text import NAMES, section_sentences, visible
from conductatlas_cli.textsafe import plain as _safe

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+")  # a list line's own bullet: one bullet is enough


def md_escape(text: str | None) -> str:
    """TEXT made safe and literal in Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", _safe(text or ""))


def md_mark(text: str, mark: str) -> str:
    """TEXT wrapped in MARK (`~~`, `**`) with its outer whitespace kept outside."""
    core = text.strip()
    if not core:
        return text if mark == "**" else ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{md_escape(core)}{mark}{trail}"


def _unbullet(text: str) -> str:
    return _BULLET.sub("", text, count=1)


def render_markdown(
    summary: ChangeSummary, *, context: int, show_all: bool, title: str | None
) -> str:
    out: list[str] = []
    if title:
        out += [f"## {md_escape(title)}", ""]
    out += [f"**{md_escape(stat_line(summary, show_all=show_all))}**", ""]
    for change in summary.sections:
        if not visible(change, show_all):
            continue
        label = " → ".join(md_escape(part) for part in section_label(change).split(" → "))
        trail = SEPARATOR.join([md_escape(p) for p in change.path[:-1]] + [label])
        notes = " (cosmetic)" if change.cosmetic else moved_note(change)
        notes += f"  [{', '.join(change.topics)}]" if change.topics else ""  # issue 13
        name = "Renumbered" if change.renumbered_only else NAMES[change.kind]
        out += [f"### {name}: {trail}{notes}", ""]
        bullets = []
        for line in [] if summary.first else section_sentences(change, context, show_all):
            role = line[0][0]
            body = line[1:] if role in ("added", "removed", "~") else line
            note = "".join(md_escape(t) for r, t in body[1:] if r == "note")  # "(moved to …)"
            if role == "added":
                bullets.append(f"- **Added:** {md_escape(_unbullet(body[0][1]))}{note}")
            elif role == "removed":
                bullets.append(f"- **Removed:** {md_mark(_unbullet(body[0][1]), '~~')}{note}")
            elif role == "~":
                words = {"del": "~~", "ins": "**"}
                if body and body[0][0] == "text":
                    body = [("text", _unbullet(body[0][1])), *body[1:]]
                text = "".join(
                    md_mark(t, words[r]) if r in words else md_escape(t) for r, t in body
                )
                bullets.append(f"- **Changed:** {text}")
            elif role == "note":
                bullets.append("- …")
            elif role == "count":  # "(4 items renumbered)"
                bullets.append(f"- *{md_escape(body[0][1].strip())}*")
            else:
                bullets.append(f"- {md_escape(body[0][1].strip())}")
        out += bullets + ([""] if bullets else [])
    return "\n".join(out).rstrip("\n") + "\n"

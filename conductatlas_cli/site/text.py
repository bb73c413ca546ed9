"""A snapshot's text → sections of blocks (paragraphs, lists, tables), for the templates.

Snapshots are atlas's own Markdown: headings, one sentence per line, a blank
line between paragraphs, `- ` and `1. ` list items, GFM pipe tables, and no
inline markup. This reads exactly that; anything else stays a paragraph of
plain text (the templates escape it all).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from conductatlas_cli.site.cards import PREAMBLE, parse_sections

_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?$")


@dataclass(frozen=True)
class Block:
    """A paragraph ('p': lines), a list ('list': (depth, text) items) or a 'table' (rows)."""

    kind: str
    lines: tuple[str, ...] = ()
    items: tuple[tuple[int, str], ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class TextSection:
    """One section of the text, with its heading level for the page (2..6)."""

    index: int
    heading: str | None
    level: int
    path: tuple[str, ...]
    blocks: tuple[Block, ...]
    topics: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return f"s{self.index}"

    @property
    def tag(self) -> str:
        return f"h{min(6, self.level + 2)}"

    @property
    def title(self) -> str:
        return self.heading if self.heading is not None else PREAMBLE


def text_sections(text: str, topics: Sequence[Sequence[str]] = ()) -> tuple[TextSection, ...]:
    """TEXT split into sections of blocks; TOPICS are topic ids per section (may be empty)."""
    result = []
    for section in parse_sections(text):
        blocks = _blocks(section.body)
        if section.heading is None and not blocks:
            continue
        result.append(
            TextSection(
                index=section.index,
                heading=section.heading,
                level=max(1, section.level),
                path=section.path,
                blocks=blocks,
                topics=tuple(topics[section.index]) if section.index < len(topics) else (),
            )
        )
    return tuple(result)


def first_title(text: str) -> str | None:
    """The text of the first level-1 heading, when it is short enough to be a title."""
    for section in parse_sections(text):
        if section.level == 1 and section.heading and len(section.heading) <= 120:
            return section.heading.strip() or None
    return None


def _blocks(lines: Sequence[str]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    group: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            group.append(line)
        elif group:
            blocks.extend(_group_blocks(group))
            group = []
    return tuple(blocks)


def _group_blocks(group: list[str]) -> list[Block]:
    """A run of non-blank lines: a table, a list, or a paragraph (split where the kind changes)."""
    out: list[Block] = []
    run: list[str] = []
    run_kind = None
    for line in group:
        kind = "table" if line.lstrip().startswith("|") else "list" if _ITEM.match(line) else "p"
        if kind == "p" and run_kind == "list" and line.startswith((" ", "\t")):
            kind = "list"  # a list item's continuation line
        if kind != run_kind and run:
            out.append(_block(run_kind, run))
            run = []
        run_kind = kind
        run.append(line)
    if run:
        out.append(_block(run_kind, run))
    return out


def _block(kind: str | None, lines: list[str]) -> Block:
    if kind == "table":
        rows = [_cells(line) for line in lines if not _TABLE_RULE.match(line.strip())]
        if len(lines) >= 2 and _TABLE_RULE.match(lines[1].strip()) and rows:
            return Block("table", header=rows[0], rows=tuple(rows[1:]))
        return Block("table", rows=tuple(rows))
    if kind == "list":
        items: list[tuple[int, str]] = []
        for line in lines:
            m = _ITEM.match(line)
            if m:
                depth = len(m.group(1).expandtabs(4)) // 2
                items.append((min(depth, 5), m.group(2)))
            elif items:
                depth, text = items[-1]
                items[-1] = (depth, f"{text} {line.strip()}")
        return Block("list", items=tuple(items))
    return Block("p", lines=tuple(line.strip() for line in lines))


def _cells(line: str) -> tuple[str, ...]:
    """The cells of a pipe-table row (`\\|` is a literal bar)."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return tuple(cell.strip().replace("\\|", "|") for cell in cells)

"""An HTML element → Markdown: headings, paragraphs, nested lists, GFM tables.

`to_markdown(element)` walks a tree that `container.py` has already cleaned. It
writes no inline formatting (bold, italics, links are plain text: their changes
are not provisions) and one Markdown style whatever the site, so that a page
that did not change gives the same bytes and a diff shows wording, not markup.

- Headings: h1–h6, `role="heading"` with `aria-level`, and, on pages without a
  deep heading outline, short all-bold paragraphs ("pseudo-headings", not date
  lines).
- Paragraphs: a `<br>` is a line break inside one, two in a row end it. A block tag
  whose own style lays it out inline (`display: inline-block`) and that holds no block
  is part of the line: a title set one element per word or letter stays one line.
- Lists: `- ` and `1. ` (honouring `start`), nested by indentation; a list with
  bare text and no `<li>` keeps its text as paragraphs. A top-level item that
  opens with a heading is a numbered section: `## 12. Publicity`, its text after; an
  item's paragraphs are apart by a blank line.
- Tables: GFM pipe tables (a header row, `<br>` for line breaks in a cell, `|`
  escaped, headings in cells as plain text; a cell spanning columns or rows
  leaves empty cells where it spans, so that every cell keeps its column);
  one-column, one-row or nested tables are layout, read as paragraphs.

Recursion follows the tree, whose depth lxml caps at 256 levels.
"""

from __future__ import annotations

import re

from conductatlas_cli.extract.clean import BLOCK_TAGS as _BLOCK_TAGS
from conductatlas_cli.extract.clean import HEADING_TAGS as _HEADING_TAGS

_WS = re.compile(r"\s+")
_VISIBLE = re.compile(r"[^\s\u200b-\u200f\u2060\ufeff\u00ad]")  # not a zero-width character
FULL_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.I,
)
_BR = "\x1e"  # a <br> while a paragraph is being gathered (source newlines are spaces)
_NUMBERED = re.compile(r"\d+(?:[.)]|(?:\.\d+)+)")  # "12." "3)" "2.1": a heading's own number


class _Heading(str):
    """A heading block ("## Title"), told apart from a paragraph that starts with "#"."""


class _List(str):
    """A list or table block, told apart from a paragraph (see `_item_body`)."""


def _heading_level(el) -> int | None:
    if el.tag in _HEADING_TAGS:
        return _HEADING_TAGS[el.tag]
    if el.get("role", "").lower() == "heading":
        try:
            return min(max(int(el.get("aria-level", "2")), 1), 6)
        except ValueError:
            return 2
    return None


def _is_pseudo_heading(el) -> bool:
    """A short block whose whole text is bold: a heading in div-soup pages."""
    if el.tag not in ("p", "div") or len(el) == 0 or (el.text and el.text.strip()):
        return False
    bold = []
    for child in el:  # cheap checks first: only bold children, no loose text
        if not isinstance(child.tag, str):
            continue
        if child.tail and child.tail.strip():
            return False
        if child.tag in ("b", "strong") or (child.tag == "span" and _is_bold_style(child)):
            bold.append(child)
        elif child.tag != "br":
            return False
    text = " ".join(_WS.sub(" ", "".join(_flat_text(b))).strip() for b in bold).strip()
    if not text or len(text) > 120 or text.endswith((":", ",", ";")) or FULL_DATE.search(text):
        return False  # a bold "Last updated: 1 May 2026" is a date line, not a section
    return True


_INLINE_DISPLAY = re.compile(r"(?:^|;)\s*display\s*:\s*inline(?:-block|-flex)?\s*(?:;|$|!)", re.I)


def is_block(el) -> bool:
    """Whether el starts a block: a block tag, unless its own style lays it out inline.

    `<div style="display:inline-block">P</div>…`: a word or a letter of a title set one
    element per letter or per word (a text animation) is part of the line, not a
    paragraph of its own. Only for an element that holds no block itself.
    """
    if el.tag not in _BLOCK_TAGS:
        return False
    style = el.get("style")
    if not style or "inline" not in style or not _INLINE_DISPLAY.search(style):
        return True
    return any(d.tag in _BLOCK_TAGS and not _styled_inline(d) for d in el.iterdescendants())


def _styled_inline(el) -> bool:
    style = el.get("style")
    return bool(style and "inline" in style and _INLINE_DISPLAY.search(style))


def _flat_text(el, pieces: list[str] | None = None) -> list[str]:
    """el's text on one line: <br> and block children become spaces ("Privacy<br>Policy")."""
    pieces = [] if pieces is None else pieces
    pieces.append(el.text or "")
    for child in el:
        if isinstance(child.tag, str):
            block = child.tag in _BLOCK_TAGS and is_block(child)
            if child.tag == "br" or block:
                pieces.append(" ")
            _flat_text(child, pieces)
            if block:
                pieces.append(" ")
        pieces.append(child.tail or "")
    return pieces


def _is_bold_style(el) -> bool:
    return bool(re.search(r"font-weight\s*:\s*(bold|[6-9]00)", el.get("style", ""), re.I))


class _Converter:
    def __init__(self, pseudo_level: int) -> None:
        self.pseudo_level = pseudo_level
        self.in_cell = False
        self.list_depth = 0

    def blocks(self, el) -> list[str]:
        """Markdown blocks (paragraphs, headings, lists, tables) for el's content."""
        out: list[str] = []
        inline: list[str] = []
        self._content(el, out, inline)
        self._flush(out, inline)
        return out

    def _flush(self, out: list[str], inline: list[str]) -> None:
        if not inline:
            return
        text = "".join(inline)
        inline.clear()
        if _BR not in text:  # one line (str.split() splits on the same spaces as \s)
            para = " ".join(text.split())
            if para:
                out.append(para)
            return
        lines = [_WS.sub(" ", line).strip() for line in text.split(_BR)]
        if self.in_cell:  # a table cell keeps its empty lines (<br><br>), not its margins
            para = "\n".join(lines).strip("\n")
            if para:
                out.append(para)
            return
        # <br><br> (an empty line) ends a paragraph: "…the contract.<br><br>Legitimate
        # interest…" is two, which normalizing would otherwise reflow into one
        # ("<br>&zwj;<br>": an invisible character alone is an empty line too)
        lines = [line if _VISIBLE.search(line) else "" for line in lines]
        for para in "\n".join(lines).split("\n\n"):
            para = "\n".join(line for line in para.split("\n") if line)
            if para:
                out.append(para)

    def _content(self, el, out: list[str], inline: list[str]) -> None:
        if el.text:
            inline.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                self._element(child, out, inline)
            if child.tail:
                inline.append(child.tail)

    def _element(self, el, out: list[str], inline: list[str]) -> None:
        tag = el.tag
        level = _heading_level(el)
        if level is None and self.pseudo_level and _is_pseudo_heading(el):
            level = self.pseudo_level
        if level is not None:
            self._flush(out, inline)
            text = _WS.sub(" ", "".join(_flat_text(el))).strip()
            if not _VISIBLE.search(text):
                text = ""  # "<h4>&zwj;</h4>": a spacer, not a heading ("####" once normalized)
            if text and self.in_cell:  # a table cell holds text, not headings
                out.append(text)
            elif text:
                out.append(_Heading("#" * level + " " + text))
            return
        if tag == "br":
            inline.append(_BR)
        elif tag in ("ul", "ol", "menu") and el.find("li") is not None:
            self._flush(out, inline)
            out.extend(self._list(el))
        elif tag == "table":
            self._flush(out, inline)
            out.extend(self._table(el))
        elif tag == "pre":
            self._flush(out, inline)
            text = el.text_content().strip("\n")
            if text.strip():
                out.append("\n".join(line.rstrip() for line in text.split("\n")))
        elif tag == "blockquote":
            self._flush(out, inline)
            for block in self.blocks(el):
                out.append("\n".join("> " + line for line in block.split("\n")))
        elif tag == "hr":
            self._flush(out, inline)
        elif tag in _BLOCK_TAGS and is_block(el):
            self._flush(out, inline)
            self._content(el, out, inline)
            self._flush(out, inline)
        else:
            inline.append(" " if tag in ("td", "th") else "")
            self._content(el, out, inline)

    def _list(self, el) -> list[str]:
        """The list as one block; an item that opens with a heading splits it (see _items)."""
        self.list_depth += 1
        try:
            return self._items(el, top=self.list_depth == 1 and not self.in_cell)
        finally:
            self.list_depth -= 1

    def _items(self, el, *, top: bool) -> list[str]:
        """A list's items; in a top-level list, an item opening with a heading is a section.

        `<ol><li><h2>Publicity</h2><p>Text</p></li>` is `## 12. Publicity`, then its other
        blocks out of the list; the items after it start a new list, numbered on. In a
        nested list, such a heading is the item's plain text.
        """
        out: list[str] = []
        items: list[str] = []
        number = _int(el.get("start"), 1)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag in ("ul", "ol"):  # malformed nesting: list directly in list
                if child.find("li") is not None:
                    nested = "\n".join(self._list(child))
                else:  # a list with bare text: its text, as a paragraph
                    nested = "\n".join(self.blocks(child))
                if nested and items:
                    items[-1] += "\n" + _indent(nested, "  ")
                elif nested:
                    items.append(nested)
                continue
            blocks = self.blocks(child)
            if not blocks:
                continue
            marker = f"{number}. " if el.tag == "ol" else "- "
            number += 1
            if isinstance(blocks[0], _Heading):
                hashes, _, title = blocks[0].partition(" ")
                if not top:
                    blocks[0] = title
                else:
                    if items:
                        out.append(_List("\n".join(items)))
                        items = []
                    if el.tag == "ol" and not _NUMBERED.match(title):
                        title = marker + title
                    out.append(_Heading(hashes + " " + title))
                    out.extend(blocks[1:])
                    continue
            body = _item_body(blocks)
            items.append(marker + _indent(body, " " * len(marker)).lstrip(" "))
        if items:
            out.append(_List("\n".join(items)))
        return out

    def _table(self, table) -> list[str]:
        rows = []
        for part in [table, *[c for c in table if c.tag in ("thead", "tbody", "tfoot")]]:
            for tr in part:
                if getattr(tr, "tag", None) == "tr":
                    rows.append([c for c in tr if c.tag in ("td", "th")])
        width = max((sum(_int(c.get("colspan"), 1) for c in r) for r in rows), default=0)
        layout = (
            width < 2
            or len(rows) < 2
            or table.find(".//table") is not None
            or any(
                _heading_level(h) and not any(a.tag == "th" for a in h.iterancestors())
                for h in table.iter()
                if isinstance(h.tag, str)
            )
        )
        if layout:
            out: list[str] = []
            for row in rows:
                for cell in row:
                    out.extend(self.blocks(cell))
            return out
        grid = []
        spans: dict[int, int] = {}  # column → rows below that a rowspan cell still covers
        for row in rows:
            taken = set(spans)
            cells: list[str] = []
            for cell in row:
                while len(cells) in taken:  # under a cell of a row above: an empty cell
                    cells.append("")
                # GFM cells hold one line: line breaks and paragraphs become <br>
                self.in_cell = True
                try:
                    text = "<br>".join(self.blocks(cell))
                finally:
                    self.in_cell = False
                text = text.replace("\n", "<br>").replace("|", "\\|")
                start = len(cells)
                cells.append(_WS.sub(" ", text).strip())
                colspan = min(_int(cell.get("colspan"), 1), 50)
                cells.extend([""] * (colspan - 1))
                below = min(_int(cell.get("rowspan"), 1), 50) - 1
                if below > 0:
                    spans.update(dict.fromkeys(range(start, start + colspan), below + 1))
            while len(cells) in taken:
                cells.append("")
            spans = {col: n - 1 for col, n in spans.items() if n > 1}
            grid.append(cells)
        width = max(width, *(len(cells) for cells in grid))
        lines = []
        for i, cells in enumerate(grid):
            cells.extend([""] * (width - len(cells)))
            lines.append("| " + " | ".join(cells) + " |")
            if i == 0:
                lines.append("|" + "|".join([" --- "] * width) + "|")
        return [_List("\n".join(lines))]


def _item_body(blocks: list[str]) -> str:
    """A list item's blocks: a blank line between two paragraphs, so that they stay two.

    `<li><p>Cookies we use</p><p>Type: session</p></li>` is two paragraphs of one item;
    joined by a bare newline, normalizing would reflow them into one sentence. A nested
    list or a table follows its paragraph directly.
    """
    body = blocks[0]
    for before, block in zip(blocks, blocks[1:], strict=False):
        prose = not isinstance(before, _List) and not isinstance(block, _List)
        body += ("\n\n" if prose else "\n") + block
    return body


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


def to_markdown(element) -> str:
    """Markdown for `element`: headings, paragraphs, nested lists, pipe tables."""
    # the heading levels used (h1-h6, then role="heading"): only whether any, and the deepest
    levels = [_HEADING_TAGS[h.tag] for h in element.iter(*_HEADING_TAGS)]
    levels += [
        lv for lv in map(_heading_level, element.xpath("descendant-or-self::*[@role]")) if lv
    ]
    pseudo = min(max(levels) + 1, 6) if levels else 2
    if levels and max(levels) >= 3:
        pseudo = 0  # a page with a real heading outline: bold lines are emphasis
    blocks = _Converter(pseudo).blocks(element)
    return "\n\n".join(blocks) + ("\n" if blocks else "")

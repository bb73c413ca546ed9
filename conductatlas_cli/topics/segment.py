"""A snapshot's sections → passages: the clauses a section is made of.

A section (heading + body, from the diff section parser) is often one long
clause list: "**4.2 Termination.** We may …" lines or bold lead titles
instead of Markdown headings. A passage starts at a line (or, inside a line,
after a sentence) that opens with such a lead title, and takes the
paragraphs after it until the next title; paragraphs before the first title
are a passage each. Text is matched in a cleaned form (Markdown markup
removed, typography and whitespace folded, lower case), one unit per line or
line piece, so a hit maps back to its line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from conductatlas_cli.diff.sections import TYPOGRAPHY, Section

_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^)\n]*\))*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BR = re.compile(r"<br\s*/?>", re.I)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
# Emphasis marks go, typography folds to ASCII (patterns are written with plain quotes and dashes).
_FOLD = str.maketrans({"*": "", "_": " ", **TYPOGRAPHY, "\u2060": "", "\u2063": ""})
_ATX = re.compile(r"^\s{0,3}#{1,6}\s*")
_BULLET = re.compile(r"^\s*(?:[*+\-•●·]\s+)+")
_NUMBER = re.compile(
    r"^(?:(?:section|article|clause)\s+)?(?:\d+(?:\.\d+)*\.?|\([a-z0-9]{1,4}\)|[a-z][.)]|[ivxlc]+[.)])\s*",
    re.I,
)
_BOLD_LEAD = re.compile(r"^(?:\*\*|__)(?P<title>[^*_]{1,160}?)(?:\*\*|__)")
_PLAIN_LEAD = re.compile(r"^(?P<title>[A-Z][^.:!?]{1,80}?)[.:](?:\s|$)")
_NAV = re.compile(r"^\s*(?:[*+\-]\s+)?(?:\d+\.\s+)?(?:\[[^\]]*\]\([^)]*\)[\s|·,]*)+$")
# Inside a line: a new clause when a sentence ends and a bold numbered title follows.
_INLINE_CLAUSE = re.compile(
    r"(?<=[.!?:;)])\s+(?=\*\*\s*\d+(?:\\?\.\d+)*\\?\.?\s*[A-Z][^*]{1,80}\*\*)"
)
# Two or more spaces or tabs (…) as one, and a tab or a wide space alone: written to start with
# a character class, so `re` skips through words in C (not trying each position).
_SPACES = re.compile(
    r"[ \t\r\f\v\u2000-\u200a\u3000]"
    r"(?:(?<=[ \t\r\f\v])[ \t\r\f\v]+|(?<=[\t\r\f\v\u2000-\u200a\u3000]))"
)
MAX_TITLE_WORDS = 14
_FOLD_PAIRS = tuple((chr(k), v) for k, v in _FOLD.items())


@dataclass(frozen=True)
class Passage:
    """One clause of a section: its lead title (if any) and its lines."""

    section: int  # index of its section
    title: str | None
    first_line: int  # 0-based line numbers in the document
    last_line: int
    text: str  # the passage as written (Markdown)


@dataclass(frozen=True)
class Unit:
    """A line, or a piece of one, in cleaned form (what patterns are matched on)."""

    section: int
    passage: int | None  # None for a heading line
    line: int
    clean: str
    title_length: int  # the cleaned lead title is clean[:title_length]
    nav: bool  # a line of links only (a table of contents, a menu): never evidence


@dataclass
class Known:
    """What `segment` derived from a line's or a piece's text, kept for another version of
    the document (most of its lines are the same): a line's clause pieces (text, lead
    title, nav) and a piece's cleaned text and title length."""

    lines: dict[str, tuple[tuple[str, str | None, bool], ...]] = field(default_factory=dict)
    cleaned: dict[tuple[str, str | None], tuple[str, int]] = field(default_factory=dict)


def _first_group(m: re.Match) -> str:
    return m.group(1)


def clean_lines(lines: list[str]) -> list[str]:
    """Each of LINES cleaned as `clean_markup` does, all at once (one pass over the text)."""
    text = "\n".join(lines)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(_first_group, text)  # a function: `re` expands "\\1" templates in Python
    text = _AUTOLINK.sub(_first_group, text)
    text = _BR.sub(" ", text)
    text = _ESCAPE.sub(_first_group, text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for char, folded in _FOLD_PAIRS:  # str.replace per character present: faster than translate
        if char in text:
            text = text.replace(char, folded)
    text = _SPACES.sub(" ", text).lower()
    return [line.strip() for line in text.split("\n")]


def clean_markup(text: str) -> str:
    """TEXT without Markdown markup, typography and whitespace folded, lower case."""
    return " ".join(" ".join(clean_lines([text])).split())


def lead_title(raw: str) -> str | None:
    """The lead title of a clause line ("**4.2 Termination.** We may …" → "4.2 Termination")."""
    text = _ESCAPE.sub(r"\1", _BULLET.sub("", raw)).strip()
    rest = _NUMBER.sub("", text, count=1)
    numbered = rest != text
    m = _BOLD_LEAD.match(rest) or _BOLD_LEAD.match(text)
    if m:
        title = m.group("title").strip(" .:")
        whole = m.end() >= len(rest.rstrip()) or m.end() >= len(text.rstrip())
        if title and len(title.split()) <= MAX_TITLE_WORDS and not (whole and title[-1:] == ","):
            return title
        return None
    if numbered:
        p = _PLAIN_LEAD.match(rest)
        if p and len(p.group("title").split()) <= 10:
            return p.group("title").strip()
    return None


def _pieces(line: str) -> list[str]:
    if "**" not in line:  # an inline clause opens with a bold title: most lines have none
        return [line]
    return [p for p in _INLINE_CLAUSE.split(line) if p.strip()] or [line]


def _line_pieces(line: str) -> tuple[tuple[str, str | None, bool], ...]:
    """LINE's clause pieces: (text, lead title, whether it is a line of links only)."""
    return tuple((piece, lead_title(piece), bool(_NAV.match(piece))) for piece in _pieces(line))


def _close(passages: list[Passage], section: int, title: str | None, lines) -> None:
    """Append the passage made of LINES ((line number, text) pairs), if any."""
    if lines:
        passages.append(
            Passage(section, title, lines[0][0], lines[-1][0], "\n".join(raw for _, raw in lines))
        )


def segment(
    sections: list[Section], *, only: Collection[int] | None = None, known: Known | None = None
) -> tuple[list[Passage], list[Unit]]:
    """The passages of SECTIONS and the units their text is matched on, in document order
    (ONLY: of those sections only; line numbers stay the document's). KNOWN: what another
    version's lines gave (read and added to); a line's pieces and a piece's cleaned text
    depend on that text alone."""
    known = Known() if known is None else known
    passages: list[Passage] = []
    specs: list[tuple[int, int | None, int, str, str | None, bool]] = []
    line_no = 0
    for s_index, section in enumerate(sections):
        lines = section.lines
        if only is not None and s_index not in only:
            line_no += len(lines)
            continue
        body_start = 0
        if section.heading is not None:
            specs.append((s_index, None, line_no, _ATX.sub("", lines[0]), None, False))
            body_start = 1
        current: list[tuple[int, str]] | None = None
        current_title: str | None = None
        blank = True
        for offset in range(body_start, len(lines)):
            raw_line = lines[offset]
            number = line_no + offset
            if not raw_line.strip():
                blank = True
                continue
            pieces = known.lines.get(raw_line)
            if pieces is None:
                pieces = known.lines[raw_line] = _line_pieces(raw_line)
            for piece, title, nav in pieces:
                if title is not None or current is None or (blank and current_title is None):
                    _close(passages, s_index, current_title, current)
                    current, current_title = [], title
                current.append((number, piece))
                specs.append((s_index, len(passages), number, piece, title, nav))
                blank = False
        _close(passages, s_index, current_title, current)
        line_no += len(lines)
    # Cleaned all at once (one pass over the text; a line cleans alike alone or with others).
    new = list(
        dict.fromkeys((spec[3], spec[4]) for spec in specs if spec[3:5] not in known.cleaned)
    )
    for (piece, title), clean in zip(
        new, clean_lines([p for p, _ in new]) if new else [], strict=True
    ):
        title_length = 0
        if title is not None:
            folded = clean_markup(title)
            at = clean.find(folded)
            title_length = at + len(folded) if at >= 0 else 0
        known.cleaned[piece, title] = clean, title_length
    units = []
    for s_index, passage, number, piece, title, nav in specs:
        clean, title_length = known.cleaned[piece, title]
        units.append(Unit(s_index, passage, number, clean, title_length, nav))
    return passages, units

"""Text → canonical snapshot text. Pure, stdlib only.

normalize_text(text) -> str: the snapshot format of SPEC.md. Idempotent, deterministic.

  Characters: CRLF, CR, VT, FF, NEL, U+2028/9 → LF; tabs → spaces (tab stops of 4);
  C0/C1 controls other than LF, lone surrogates, zero-width and bidi characters
  (U+00AD, U+061C, U+180E, U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+FEFF) are
  removed; NBSP and Unicode spaces (U+1680, U+2000–U+200A, U+202F, U+205F, U+3000) →
  space; then NFC.

  Blocks, classified on the line without its indentation, first match wins:
  - code fence (``` or ~~~) up to its closing fence: lines kept as they are, except
    trailing spaces and runs of blank lines (as everywhere: at most one blank line);
  - heading (1–6 `#` then a space or the line end): column 0, one space after the
    `#`s, spaces collapsed, closing `#`s removed; never split;
  - thematic break (---, * * *, ___), table row (starts with `|`), block quote
    (starts with `>`): spaces collapsed, never joined or split;
  - list item (`-`, `*`, `+`, `•◦▪‣●∙`, `1.`, `1)`): bullets become `-`, numbers are
    kept. A nested item is indented to its parent's content column (2 under `- `,
    3 under `1. `, as CommonMark needs); input indentation only decides the nesting;
  - anything else is prose. A prose line directly after a paragraph continues it
    (re-wrapping), except that a new paragraph starts at: a clause, i.e. a line
    opening with an enumerator (`(a)`, `a)`, `iv.`, `A.`, `2.3 X`, `2.3.`); a title, an
    ALL-CAPS line of at most 80 characters with no sentence end, which takes no
    continuation; and, after a list item or clause that is still one sentence, a line
    opening like a sentence (uppercase, digit, opening quote) that is not indented
    deeper than the item, so "1. Scope" + "These terms apply." stay two lines. A line
    opening in lowercase always continues. A paragraph inside a list, indented, is
    indented to the content column of its item; otherwise prose is at column 0.
  Blank lines: at most one between blocks, none at the start or the end; none added.

  Sentences: a paragraph or list item is joined into one line, spaces collapsed, then
  split one sentence per line; a list item's later sentences go on continuation lines
  indented to its content column. A sentence ends at `.`, `!` or `?` (optionally
  followed by closing quotes, brackets or `*`/`_`), then a space, then an uppercase
  letter or digit (after optional `*`, `_`, backticks), or an opening quote or bracket.
  No split after: an ellipsis (`..`, `…`); a single letter (`J.`, `p.`); dotted
  abbreviations (`e.g.`, `i.e.`, `U.S.`, `E.U.`); the words in _ABBREVIATIONS (titles,
  company suffixes, `No.`, `Art.`, `Sec.`, months, `vs.`, `cf.`, `approx.`, …); an
  enumerator opening its sentence (`1.`, `2.3.`, `iv.`); and never where the new line
  would read as a heading, list item, table row, quote or fence. Decimals, versions,
  URLs and e-mail addresses have no space after their dots, so they never split.
  Hyphenated words broken across lines are joined with a space, not repaired.

What is cosmetic is decided in `change_model.py`, word counts in `words.py`.
"""

from __future__ import annotations

import re
import unicodedata

from conductatlas_cli.textsafe import strip_escape_sequences

__all__ = ["normalize_text"]

# --- characters ---------------------------------------------------------------

_NEWLINES = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_DROP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")

# --- blocks ---------------------------------------------------------------------

_FENCE = re.compile(r"(`{3,}|~{3,})")
_HEADING = re.compile(r"(#{1,6})(?: (.*))?$")
_RULE = re.compile(r"([-*_])(?: *\1){2,}$")
_LIST_ITEM = re.compile(
    r"(?:([-*+]|[0-9]{1,9}[.)])(?= |$)|[\u2022\u25e6\u25aa\u2023\u25cf\u2219]) *"
)
_ROMAN = r"[ivxlcdm]{1,6}|[IVXLCDM]{1,6}"
_ENUM_START = re.compile(
    rf"(?:\((?:[0-9]{{1,3}}|[A-Za-z]|{_ROMAN})\)|(?:[A-Za-z]|{_ROMAN})[.)]"
    r"|[0-9]{1,3}(?:\.[0-9]{1,3})+\.?(?= [^a-z]))(?: |$)"
)

# --- sentences ------------------------------------------------------------------

# A terminator (the first of a run: none before it), closers, a space, then what may open
# a sentence. The run is written to start with its first character, not with the look
# behind, so `re` skips in C to the next `.`, `!` or `?` instead of trying every position.
_CANDIDATE = re.compile(
    r"([.!?](?<![.!?][.!?])[.!?]*)[)\]\"'\u201d\u2019\u00bb*_]* (?=[\"'\u201c\u2018\u00ab\u201e(\[]|[*_`]*[^\W_a-z])"
)
_LEAD = re.compile("[\"'\u201c\u2018\u00ab\u201e(\\[*_`]*")
_BLOCK_STARTS = frozenset("|>`~#-*_+0123456789\u2022\u25e6\u25aa\u2023\u25cf\u2219")
_ENDS_SENTENCE = re.compile(r"[.!?:;,\u2026][)\]\"'\u201d\u2019\u00bb*_]*$")
_QUOTE_OPENERS = "\"'\u201c\u2018\u00ab\u201e(["
_TOKEN_LEAD = "\"'\u201c\u2018\u00ab\u201e([*_`"
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_ENUM_TOKEN = re.compile(rf"\(?(?:[0-9]{{1,3}}(?:\.[0-9]{{1,3}})*|{_ROMAN})\)?")
_ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Mx Dr Prof St Jr Sr Hon Rev Gen Gov Sen Rep Capt Lt Col Sgt "
    "Inc Ltd Co Corp LLC LLP PLC Pty Bros Dept Assn Ave Blvd Rd "
    "No Nos Art Arts Sec Secs Sect Ch Chap Cl Fig Figs Vol Vols Para Paras Pt Pts Reg Ref "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun".split()
)
_ABBREVIATIONS_ANY_CASE = frozenset(
    "vs cf approx para paras pp incl excl esp resp viz al ibid".split()
)


def _clean_characters(text: str) -> str:
    text = strip_escape_sequences(text)  # a page's terminal escapes are not its text
    text = _NEWLINES.sub("\n", text)
    text = _DROP.sub("", text).expandtabs(4)
    text = _SPACES.sub(" ", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _is_block(line: str, pos: int = 0) -> bool:
    """Whether LINE from POS (no indentation) reads as anything but prose."""
    return line[pos : pos + 1] in _BLOCK_STARTS and bool(
        line[pos] in "|>"
        or _FENCE.match(line, pos)
        or _HEADING.match(line, pos)
        or _RULE.match(line, pos)
        or _LIST_ITEM.match(line, pos)
    )


def _is_sentence_end(text: str, start: int, match: re.Match[str]) -> bool:
    """Whether the candidate MATCH (terminator, closers, space) in TEXT ends a sentence."""
    terminator = match.group(1)
    if ".." in terminator:
        return False
    after = match.end()
    first = text[after]  # the candidate pattern's lookahead guarantees one
    if not (first.isupper() or first.isdigit()):
        lead_match = _LEAD.match(text, after)
        lead = lead_match.end() if lead_match else after  # _LEAD matches the empty string
        following = text[lead : lead + 1]
        opened = any(c in _QUOTE_OPENERS for c in text[after:lead])
        if not (opened or following.isupper() or following.isdigit()):
            return False
    if first in _BLOCK_STARTS and _is_block(text, after):
        return False
    if terminator != ".":
        return True
    space = text.rfind(" ", start, match.start())
    opens_sentence = space < start or text[space - 1] in ".!?:;"
    token = text[max(space + 1, start) : match.start()].lstrip(_TOKEN_LEAD)
    if len(token) == 1 and token.isalpha():
        return False
    if token in _ABBREVIATIONS or token.lower() in _ABBREVIATIONS_ANY_CASE:
        return False
    if _DOTTED.fullmatch(token):
        return False
    return not (opens_sentence and _ENUM_TOKEN.fullmatch(token))


def _split_sentences(text: str) -> list[str]:
    sentences = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if match.start() > start and _is_sentence_end(text, start, match):
            sentences.append(text[start : match.end() - 1])
            start = match.end()
    sentences.append(text[start:])
    return sentences


def _heading_title(text: str) -> str:
    """A heading's text, spaces collapsed, without its closing `#`s ("# C#" keeps its #)."""
    title = " " + " ".join(text.split())
    while (bare := title.rstrip("#")) != title and bare.endswith(" "):
        title = bare.rstrip(" ")
    return title.strip(" ")


class _Blocks:
    """The block pass of normalize_text: one instance per call."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[tuple[int, int]] = []  # open list items: (input indent, content col)
        self.parts: list[str] | None = None  # the open paragraph or list item
        self.kind = ""  # what is open: "prose", "clause" (enumerator first), "title", "item"
        self.several = False  # whether it is known to hold more than one sentence
        self.item_width = 0  # input indentation of the open list item
        self.first = ""  # prefix of its first line
        self.rest = ""  # prefix of its continuation lines
        self.blank = False

    def flush(self) -> None:
        if self.parts is None:
            return
        sentences = _split_sentences(" ".join(p for p in self.parts if p))
        self.out.append((self.first + sentences[0]).rstrip(" "))
        self.out.extend(self.rest + s for s in sentences[1:])
        self.parts = None

    def begin(self) -> None:
        """Close what is open; put the pending blank line before the next block."""
        self.flush()
        if self.blank and self.out:
            self.out.append("")
        self.blank = False

    def indent_for(self, width: int) -> int:
        """Output indentation of a non-item block whose input indentation is WIDTH."""
        if width:
            for item_width, column in reversed(self.stack):
                if item_width < width:
                    return column
        self.stack.clear()
        return 0

    def run(self, lines: list[str]) -> list[str]:
        fence = ""
        for line in lines:
            stripped = line.strip(" ")
            if fence:
                if stripped or self.out[-1]:
                    self.out.append(line.rstrip(" "))
                if stripped.startswith(fence) and not stripped.strip(fence[0]):
                    fence = ""
                continue
            if not stripped:
                self.flush()
                self.blank = True
                continue
            width = len(line) - len(line.lstrip(" "))
            if stripped[0] in _BLOCK_STARTS:
                fence = self.block(stripped, width, line)
            else:
                self.prose(stripped, width)
        self.flush()
        while self.out and not self.out[-1]:
            self.out.pop()
        return self.out

    def block(self, stripped: str, width: int, line: str) -> str:
        """Handle a line that may be Markdown structure; return the fence it opens, if any."""
        if (m := _FENCE.match(stripped)) is not None:
            self.begin()
            self.out.append(line.rstrip(" "))
            return m.group(1)
        if (m := _HEADING.match(stripped)) is not None:
            self.begin()
            self.stack.clear()
            self.out.append(f"{m.group(1)} {_heading_title(m.group(2) or '')}".rstrip(" "))
        elif stripped[:1] in ("|", ">") or _RULE.match(stripped):
            self.begin()
            self.out.append(" " * self.indent_for(width) + " ".join(stripped.split()))
        elif (m := _LIST_ITEM.match(stripped)) is not None:
            self.begin()
            while self.stack and width <= self.stack[-1][0]:
                self.stack.pop()
            indent = self.stack[-1][1] if self.stack else 0
            marker = m.group(1) if m.group(1) and m.group(1)[0].isdigit() else "-"
            self.stack.append((width, indent + len(marker) + 1))
            self.first = " " * indent + marker + " "
            self.rest = " " * (indent + len(marker) + 1)
            self.parts = [" ".join(stripped[m.end() :].split())]
            self.kind, self.item_width, self.several = "item", width, False
        else:
            self.prose(stripped, width)
        return ""

    def holds_several(self) -> bool:
        """Whether the open block holds more than one sentence (appending never undoes it)."""
        if not self.several and self.parts:
            self.several = len(_split_sentences(" ".join(p for p in self.parts if p))) > 1
        return self.several

    def prose(self, stripped: str, width: int) -> None:
        text = " ".join(stripped.split())
        clause = _ENUM_START.match(text) is not None
        title = len(text) <= 80 and text.upper() == text != text.lower()
        title = title and not _ENDS_SENTENCE.search(text) and not _CANDIDATE.search(text)
        if self.parts is not None and not clause and not title and self.kind != "title":
            continues = (
                self.kind == "prose"
                or (self.kind == "item" and width > self.item_width)
                or not (text[0].isupper() or text[0].isdigit() or text[0] in _QUOTE_OPENERS)
                or self.holds_several()
            )
            if continues:
                self.parts.append(text)
                return
        self.begin()
        self.first = self.rest = " " * self.indent_for(width)
        self.parts = [text]
        self.several = False
        self.kind = "title" if title else "clause" if clause else "prose"


def normalize_text(text: str) -> str:
    """TEXT (Markdown or plain text from an extractor) in the snapshot format."""
    lines = _Blocks().run(_clean_characters(text).split("\n"))
    return "\n".join(lines) + "\n" if lines else ""

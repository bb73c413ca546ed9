"""The one word count and tokenizer of atlas. Pure, stdlib only.

A word is a whitespace-separated token holding a letter or a digit. Every count in
atlas (the guards, the fetch report, the diff's stats, commit messages) is made
with these functions:

count_words(text) -> int: the words of a text, after dropping link targets and list
  and heading markers (so `#`, `-`, `|`, `|---|`, `1.` do not count).
count_tokens(piece) -> int: the words of a piece of a word diff (no marker to drop).
word_list(text) -> list[str]: count_words' words themselves, lower-cased and without
  the punctuation around them (what the shrink guard compares).
"""

from __future__ import annotations

import re

LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?: \"[^\"\n]*\")?\)")
# A marker opening a line, with the line break before it: matched on "\n" + the text, so
# `re` skips in C from one line break to the next (a leading `^` made it try every position).
_MARKERS = re.compile(r"\n[ \t]*(?:#{1,6}|>|[-*+\u2022]|[0-9]{1,9}[.)])(?=[ \t]|$)", re.M)
_WORD_CHAR = re.compile(r"[^\W_]")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def _tokens(text: str) -> list[str]:
    if "](" in text:
        text = LINK.sub(r" \1 ", text)
    return _MARKERS.sub("\n ", "\n" + text).split()


def _is_word(token: str) -> bool:
    return token.isalnum() or _WORD_CHAR.search(token) is not None


def count_words(text: str) -> int:
    """How many words TEXT holds, Markdown markers and link targets not counted."""
    tokens = _tokens(text)
    return len(tokens) - sum(1 for t in tokens if not _is_word(t))


def count_tokens(piece: str) -> int:
    """How many words a piece of a word diff holds (tokens with a letter or digit)."""
    return sum(1 for t in piece.split() if _is_word(t))


def word_list(text: str) -> list[str]:
    """The words count_words counts, lower-cased, without surrounding punctuation."""
    return [_EDGES.sub("", t).lower() for t in _tokens(text) if _is_word(t)]

"""The one word count of atlas. Pure, stdlib only.

count_words(text) -> int: whitespace-separated tokens holding a letter or digit, after
  dropping link targets and list markers (so `#`, `-`, `|`, `|---|`, `1.` do not count).
"""

from __future__ import annotations

import re

LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?: \"[^\"\n]*\")?\)")
_MARKERS = re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+\u2022]|[0-9]{1,9}[.)])(?=[ \t]|$)", re.M)
_WORD_CHAR = re.compile(r"[^\W_]")


def count_words(text: str) -> int:
    """How many words TEXT holds, Markdown markers and link targets not counted."""
    if "](" in text:
        text = LINK.sub(r" \1 ", text)
    tokens = _MARKERS.sub(" ", text).split()
    return len(tokens) - sum(1 for t in tokens if not t.isalnum() and not _WORD_CHAR.search(t))

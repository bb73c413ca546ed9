"""Line and word alignment inside one section (the small diffs of `changes`).

Lines (one sentence per line) are aligned with diff-match-patch over lines mapped
to single characters, then replaced blocks are paired by similarity; a changed
pair gets a word diff (word, space and punctuation tokens mapped to characters,
diffed, `diff_cleanupSemantic`), so "30 days" → "60 days" reads as `30` → `60`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from diff_match_patch import diff_match_patch

from conductatlas_cli.diff.model import ADDED, EQUAL, MODIFIED, REMOVED, SentenceChange, WordOp
from conductatlas_cli.diff.sections import fold_strict

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")
_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # words: always the minimal diff
# Lines: a safety valve for unrelated texts without headings (one huge section), where a
# minimal line diff is quadratic; past it, the rest of that diff is "all replaced".
_DMP_LINES = diff_match_patch()
_DMP_LINES.Diff_Timeout = 2.0
_OPS = {0: WordOp.EQUAL, 1: WordOp.INSERT, -1: WordOp.DELETE}
_PAIR_SEARCH_LIMIT = 900  # old × new lines in one replaced block searched for best pairs


def segment_words(text: str) -> int:
    """Words in a piece of a word diff: space-separated tokens holding a letter or digit."""
    return sum(1 for token in text.split() if _WORD.search(token))


def _encode(items: Sequence[str], vocab: dict[str, str]) -> str:
    """ITEMS as one string, a private-use character per distinct item."""
    out = []
    for item in items:
        char = vocab.get(item)
        if char is None:
            n = len(vocab)
            char = chr(0xE000 + n) if n < 6400 else chr(0xF0000 + n - 6400)
            vocab[item] = char
        out.append(char)
    return "".join(out)


def _diff_items(
    a: Sequence[str], b: Sequence[str], *, dmp: diff_match_patch = _DMP
) -> list[tuple[int, list[str]]]:
    """diff-match-patch over sequences of strings: [(op, items)], op -1/0/1."""
    vocab: dict[str, str] = {}
    ea, eb = _encode(a, vocab), _encode(b, vocab)
    diffs = dmp.diff_main(ea, eb, False)
    dmp.diff_cleanupSemantic(diffs)
    back = {char: item for item, char in vocab.items()}
    return [(op, [back[c] for c in chars]) for op, chars in diffs]


def diff_words(old: str, new: str) -> tuple[tuple[WordOp, str], ...]:
    """Word-level diff of two lines: ((op, text), …), op in equal|insert|delete."""
    diffs = _diff_items(_TOKEN.findall(old), _TOKEN.findall(new))
    return tuple((_OPS[op], "".join(tokens)) for op, tokens in diffs if tokens)


def _sentence_pair(old: str, new: str, *, cosmetic: bool | None = None) -> SentenceChange:
    if old == new:  # a block boundary can split off a line that did not change
        return SentenceChange(EQUAL, old, new)
    if cosmetic is None:
        cosmetic = fold_strict(old) == fold_strict(new)
    return SentenceChange(MODIFIED, old, new, diff_words(old, new), cosmetic)


def added_line(line: str) -> SentenceChange:
    return SentenceChange(ADDED, None, line, (), not fold_strict(line))


def removed_line(line: str) -> SentenceChange:
    return SentenceChange(REMOVED, line, None, (), not fold_strict(line))


@lru_cache(maxsize=8192)
def _words_of(line: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(line))


def _best_pair(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Indexes of the most similar (word-level ratio ≥ 0.5) pair of lines, or (-1, -1)."""
    best, best_i, best_j = 0.5, -1, -1
    matcher = SequenceMatcher(None, autojunk=False)
    for j, y in enumerate(b):
        if not y.strip():
            continue
        matcher.set_seq2(_words_of(y))
        for i, x in enumerate(a):
            if not x.strip():
                continue
            matcher.set_seq1(_words_of(x))
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            score = matcher.ratio()
            if score > best:
                best, best_i, best_j = score, i, j
    return best_i, best_j


def _pair_block(a: Sequence[str], b: Sequence[str]) -> list[SentenceChange]:
    """A replaced block: pair the most similar lines (in order), the rest added/removed."""
    if fold_strict(" ".join(a)) == fold_strict(" ".join(b)):  # re-wrapped or retyped only
        out = [_sentence_pair(x, y, cosmetic=True) for x, y in zip(a, b, strict=False)]
        out += [removed_line(x) for x in a[len(b) :]] + [added_line(y) for y in b[len(a) :]]
        return [
            c if c.kind == EQUAL else SentenceChange(c.kind, c.old, c.new, c.words, True)
            for c in out
        ]
    if len(a) == 1 and len(b) == 1:
        return [_sentence_pair(a[0], b[0])]
    best_i, best_j = -1, -1
    if len(a) * len(b) <= _PAIR_SEARCH_LIMIT:
        best_i, best_j = _best_pair(a, b)
    if best_i < 0:
        return [removed_line(x) for x in a] + [added_line(y) for y in b]
    return (
        (
            _pair_block(a[:best_i], b[:best_j])
            if best_i and best_j
            else [removed_line(x) for x in a[:best_i]] + [added_line(y) for y in b[:best_j]]
        )
        + [_sentence_pair(a[best_i], b[best_j])]
        + (
            _pair_block(a[best_i + 1 :], b[best_j + 1 :])
            if best_i + 1 < len(a) and best_j + 1 < len(b)
            else [removed_line(x) for x in a[best_i + 1 :]]
            + [added_line(y) for y in b[best_j + 1 :]]
        )
    )


def align_sentences(a: Sequence[str], b: Sequence[str]) -> list[SentenceChange]:
    """Lines A → lines B as a list of sentence changes covering both, in order."""
    out: list[SentenceChange] = []
    pending_old: list[str] = []
    pending_new: list[str] = []

    def flush() -> None:
        if pending_old and pending_new:
            out.extend(_pair_block(pending_old, pending_new))
        else:
            out.extend(removed_line(x) for x in pending_old)
            out.extend(added_line(y) for y in pending_new)
        pending_old.clear()
        pending_new.clear()

    for op, lines in _diff_items(a, b, dmp=_DMP_LINES):
        if op == 0:
            flush()
            out.extend(SentenceChange(EQUAL, line, line) for line in lines)
        elif op < 0:
            pending_old.extend(lines)
        else:
            pending_new.extend(lines)
    flush()
    return out

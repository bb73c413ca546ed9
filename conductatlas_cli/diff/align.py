"""Line and word alignment inside one section (the small diffs of `changes`).

Lines (one sentence per line) are aligned with diff-match-patch over lines mapped
to single characters, then replaced blocks are paired by similarity; a changed
pair gets a word diff (word, space and punctuation tokens mapped to characters,
diffed, `diff_cleanupSemantic`), so "30 days" → "60 days" reads as `30` → `60`.

Lines are aligned on their *keys*: a leading enumerator ("3.", "4.1", "(c)", "b)")
is folded to its shape, so an ordered-list item, a numbered clause or a lettered
item whose only change is its number stays aligned with itself and comes out as a
renumbered line (`SentenceChange.renumbered`), not as a removal plus an addition.
Numbers inside a sentence ("Sections 4 and 5 survive") are never folded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from diff_match_patch import diff_match_patch

from conductatlas_cli.diff.cosmetic import (
    NO_RULES,
    NoiseRules,
    cosmetic_block,
    cosmetic_line,
    cosmetic_pair,
)
from conductatlas_cli.diff.model import ADDED, EQUAL, MODIFIED, REMOVED, SentenceChange, WordOp
from conductatlas_cli.snapshot.words import count_tokens

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
# A leading enumerator: "3.", "3)", "4.1", "4.1.", "(c)", "(cc)", "(iv)", "(2)", "c)", "c.",
# after an optional bullet. A bare number ("30 days …") is not one: it needs its dot or
# bracket; nor is a bracketed word or abbreviation ("(US) customers …", "(EU)").
_ENUMERATOR = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*+][ \t]+)?)"
    r"(?P<enum>\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)]"
    r"|\((?:(?P<letter>[a-z])(?P=letter)?|[ivxlc]{2,6}|\d{1,3})\)|[a-z][.)])"
    r"(?=[ \t])",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[a-z]+", re.IGNORECASE)


def split_enumerator(line: str) -> tuple[str, str, str] | None:
    """(lead, enumerator, rest) of a line that starts with an enumerator, else None."""
    m = _ENUMERATOR.match(line)
    if m is None:
        return None
    return m.group("lead"), m.group("enum"), line[m.end() :]


def _line_key(line: str) -> str:
    """LINE with its leading enumerator folded to its shape ("4.1" → "0.0", "(c)" → "(a)")."""
    parts = split_enumerator(line)
    if parts is None:
        return line
    lead, enum, rest = parts
    return lead + "\0" + _LETTERS.sub("a", _DIGITS.sub("0", enum)) + rest


def segment_words(text: str) -> int:
    """Words in a piece of a word diff, by the one tokenizer (`snapshot.words`)."""
    return count_tokens(text)


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


def _sentence_pair(
    old: str, new: str, *, cosmetic: bool | None = None, rules: NoiseRules = NO_RULES
) -> SentenceChange:
    if old == new:  # a block boundary can split off a line that did not change
        return SentenceChange(EQUAL, old, new)
    if cosmetic is None:
        cosmetic = cosmetic_pair(old, new, rules)
    return SentenceChange(MODIFIED, old, new, diff_words(old, new), cosmetic)


def _renumbered_pair(old: str, new: str) -> SentenceChange:
    """OLD → NEW whose keys are equal: only the leading enumerator changed."""
    return SentenceChange(MODIFIED, old, new, diff_words(old, new), renumbered=True)


def added_line(line: str, rules: NoiseRules = NO_RULES) -> SentenceChange:
    return SentenceChange(ADDED, None, line, (), cosmetic_line(line, rules))


def removed_line(line: str, rules: NoiseRules = NO_RULES) -> SentenceChange:
    return SentenceChange(REMOVED, line, None, (), cosmetic_line(line, rules))


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


def _pair_block(
    a: Sequence[str], b: Sequence[str], rules: NoiseRules = NO_RULES
) -> list[SentenceChange]:
    """A replaced block: pair the most similar lines (in order), the rest added/removed."""
    if cosmetic_block(a, b, rules):  # re-wrapped, retyped or ignored only
        out = [_sentence_pair(x, y, cosmetic=True) for x, y in zip(a, b, strict=False)]
        out += [removed_line(x) for x in a[len(b) :]] + [added_line(y) for y in b[len(a) :]]
        return [
            c if c.kind == EQUAL else SentenceChange(c.kind, c.old, c.new, c.words, True)
            for c in out
        ]
    if len(a) == 1 and len(b) == 1:
        return [_sentence_pair(a[0], b[0], rules=rules)]
    best_i, best_j = -1, -1
    if len(a) * len(b) <= _PAIR_SEARCH_LIMIT:
        best_i, best_j = _best_pair(a, b)
    if best_i < 0:
        return [removed_line(x, rules) for x in a] + [added_line(y, rules) for y in b]
    return (
        _side_block(a[:best_i], b[:best_j], rules)
        + [_sentence_pair(a[best_i], b[best_j], rules=rules)]
        + _side_block(a[best_i + 1 :], b[best_j + 1 :], rules)
    )


def _side_block(a: Sequence[str], b: Sequence[str], rules: NoiseRules) -> list[SentenceChange]:
    if a and b:
        return _pair_block(a, b, rules)
    return [removed_line(x, rules) for x in a] + [added_line(y, rules) for y in b]


def align_sentences(
    a: Sequence[str], b: Sequence[str], rules: NoiseRules = NO_RULES
) -> list[SentenceChange]:
    """Lines A → lines B as a list of sentence changes covering both, in order."""
    if len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True)):
        return [SentenceChange(EQUAL, x, y) for x, y in zip(a, b, strict=True)]  # unchanged
    out: list[SentenceChange] = []
    pending_old: list[str] = []
    pending_new: list[str] = []

    def flush() -> None:
        out.extend(_side_block(pending_old, pending_new, rules))
        pending_old.clear()
        pending_new.clear()

    i = j = 0
    for op, keys in _diff_items(
        [_line_key(x) for x in a], [_line_key(y) for y in b], dmp=_DMP_LINES
    ):
        n = len(keys)
        if op == 0:
            flush()
            for x, y in zip(a[i : i + n], b[j : j + n], strict=True):
                out.append(SentenceChange(EQUAL, x, y) if x == y else _renumbered_pair(x, y))
            i, j = i + n, j + n
        elif op < 0:
            pending_old.extend(a[i : i + n])
            i += n
        else:
            pending_new.extend(b[j : j + n])
            j += n
    flush()
    return out

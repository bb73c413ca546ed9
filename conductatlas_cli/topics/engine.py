"""Which regular-expression engine runs a pattern: the standard `re` where it matches exactly
as `regex` would, `regex` (the engine the taxonomy's syntax is defined by) otherwise.

`re` compiles a pattern in about half the time `regex` does, and a process that never
needs `regex` does not import it (~60 ms). A pattern goes to `regex` when `re` cannot
compile it (a variable-width look-behind, `\\p{…}`, a warning such as a possible nested
set) or when it uses flags (case folding follows each engine's own Unicode tables). A
pattern with a character category or a word boundary (`\\w`, `\\s`, `\\d`, `\\b`…) runs on
`re` only over a text whose every character is one both engines classify alike
(`SAME_CLASS`, checked against the installed `regex` by tests/test_topics_engine.py);
elsewhere literals and ranges compare code points, the same in both.

`shape` also tells whether a pattern's matches stay inside one line (no part of it, look-
arounds included, can match a newline or a string edge): then the topics of a section
depend only on that section's lines, and a change summary needs to tag only the changed
sections (`tagger.topics_of`).
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import functools
import re

# The parser and compiler of the standard `re` module (Python 3.11+); no type stubs.
import re._compiler as _compiler  # type: ignore[import-not-found]
import re._parser as _parser  # type: ignore[import-not-found]
import warnings
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    ASSERT,
    ASSERT_NOT,
    AT,
    AT_BOUNDARY,
    AT_NON_BOUNDARY,
    ATOMIC_GROUP,
    BRANCH,
    CATEGORY,
    CATEGORY_LINEBREAK,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    GROUPREF,
    GROUPREF_EXISTS,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    POSSESSIVE_REPEAT,
    RANGE,
    SRE_FLAG_UNICODE,
    SUBPATTERN,
)

from conductatlas_cli.topics import store

# Code points `re` and `regex` (2023.12+, on Python 3.11+) put in the same classes for
# \w \W \s \S \d \D and word boundaries: ASCII but the four separators \x1c-\x1f, Latin,
# Greek, Cyrillic, punctuation and symbols, kana, CJK ideographs, Hangul, full-width
# forms; minus superscripts, fractions, combining marks and characters the two Unicode
# versions disagree on. Text outside them is matched with `regex` where it matters.
SAME_CLASS = (
    "\x00-\x1b\x20-\xb1\xb4-\xb8\xba\xbb\xbf-\u02ff\u0370-\u0482\u048a-\u052f"
    "\u1e00-\u200b\u200e-\u203e\u2041-\u2053\u2055-\u206f\u2071-\u2073\u207a-\u207f"
    "\u208a-\u208e\u2090-\u209c\u20a0-\u20cf\u20f1-\u214f\u2160-\u2188\u218a-\u245f"
    "\u249c-\u24b5\u2500-\u2775\u2794-\u2bff\u3000-\u3029\u3030-\u3098\u309b-\u30ff"
    "\u4e00-\u9fff\uac00-\ud7a3\uff00-\uff3e\uff40-\uffef"
)
# `store` keeps programs as machine words of `re`'s code size.
_PROGRAMS_KEPT = array("I").itemsize == _sre.CODESIZE
_OTHER_CLASS = re.compile(f"[^{SAME_CLASS}]")
_NEWLINE = 10
# Classes that contain a newline (as the parser names them for a str pattern).
_HAS_NEWLINE = {CATEGORY_SPACE, CATEGORY_NOT_WORD, CATEGORY_NOT_DIGIT, CATEGORY_LINEBREAK}


def same_class(text: str) -> bool:
    """Do `re` and `regex` classify every character of TEXT alike?"""
    return _OTHER_CLASS.search(text) is None


@dataclass(frozen=True)
class Shape:
    """What a pattern's parse tree says about running it on `re`."""

    std: bool  # `re` may run it (it parses, no flags)
    classes: bool  # it uses categories or word boundaries (`re` only on SAME_CLASS text)
    line_local: bool  # its matches and look-arounds never reach past a line


class _Walk:
    def __init__(self) -> None:
        self.std = True
        self.classes = False
        self.line_local = True

    def items(self, items) -> None:
        for op, av in items:
            self.item(op, av)

    def item(self, op, av) -> None:
        if op is LITERAL:
            self.line_local &= av != _NEWLINE
        elif op is NOT_LITERAL:
            self.line_local &= av == _NEWLINE
        elif op is ANY:
            pass  # no DOTALL (flags send a pattern to `regex` and out of line-local)
        elif op is IN:
            self.line_local &= not _class_has_newline(av)
            self.classes |= any(o is CATEGORY for o, _ in av)
        elif op is AT:
            if av in (AT_BOUNDARY, AT_NON_BOUNDARY):
                self.classes = True
            else:  # ^ $ \A \Z: where a string starts or ends is not where a line does
                self.line_local = False
        elif op is SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                self.std = self.line_local = False
            self.items(sub)
        elif op is BRANCH:
            for branch in av[1]:
                self.items(branch)
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            self.items(av[2])
        elif op in (ASSERT, ASSERT_NOT):
            direction, sub = av
            if direction < 0:
                low, high = sub.getwidth()
                self.std &= low == high  # `re` takes only fixed-width look-behinds
            self.items(sub)
        elif op is ATOMIC_GROUP:
            self.items(av)
        elif op is GROUPREF_EXISTS:
            self.items(av[1])
            if av[2] is not None:
                self.items(av[2])
        elif op is GROUPREF:
            pass  # repeats text matched on this line
        else:  # anything not understood here: the safe side
            self.std = self.line_local = False
            self.classes = True


def _class_has_newline(av) -> bool:
    negate = bool(av) and av[0][0] is NEGATE
    found = False
    for o, a in av[1:] if negate else av:
        if o is LITERAL:
            found |= a == _NEWLINE
        elif o is RANGE:
            found |= a[0] <= _NEWLINE <= a[1]
        elif o is CATEGORY:
            found |= a in _HAS_NEWLINE
        else:
            return True
    return found != negate


UNPARSED = Shape(std=False, classes=True, line_local=False)


def shape_of(tree) -> Shape:
    """How the parsed pattern TREE may run (see the module docstring)."""
    walk = _Walk()
    if tree.state.flags & ~SRE_FLAG_UNICODE:
        walk.std = walk.line_local = False
    walk.items(tree)
    return Shape(walk.std, walk.classes, walk.line_local)


def shape(expression: str) -> Shape:
    """How EXPRESSION may run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return shape_of(_parser.parse(expression))
    except Exception:  # a `regex`-only construct, or a warning about one
        return UNPARSED


def runs_on_re(s: Shape, *, same: bool) -> bool:
    """May `re` run a pattern of shape S over a text (SAME: all `same_class` characters)?"""
    return s.std and (same or not s.classes) and not _ONLY_REGEX


@functools.cache
def compile_std(expression: str) -> re.Pattern | None:
    """EXPRESSION on `re`, once per process; None where `re` refuses it.

    With a `store` open, the program is taken from it, or built as `re.compile`
    builds it and kept there.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kept = store.current()
            if kept is None or not _PROGRAMS_KEPT:
                return re.compile(expression)
            packed = kept.programs.get(expression)
            if packed is not None:
                return _sre.compile(expression, *store.unpack_program(packed))
            return _compile_kept(expression, kept)
    except (re.error, Warning, RecursionError, OverflowError):
        return None


def _compile_kept(expression: str, kept: store.Store) -> re.Pattern:
    """`re._compiler.compile(EXPRESSION)`, its program kept in KEPT."""
    tree = _parser.parse(expression, 0)
    code = [int(c) for c in _compiler._code(tree, 0)]
    groupindex = tree.state.groupdict
    indexgroup = [None] * tree.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    args = (tree.state.flags, code, tree.state.groups - 1, groupindex, tuple(indexgroup))
    compiled = _sre.compile(expression, *args)
    kept.programs[expression] = store.pack_program(*args)
    kept.dirty = True
    return compiled


@functools.cache
def compile_full(expression: str):
    """EXPRESSION on `regex`, once per process (imported only when a pattern needs it)."""
    import regex

    return regex.compile(expression)


def compiled(expression: str, *, same: bool = False):
    """EXPRESSION compiled on the engine that runs it over a text (SAME: see `runs_on_re`)."""
    rx = compile_std(expression) if runs_on_re(shape(expression), same=same) else None
    return rx if rx is not None else compile_full(expression)


_ONLY_REGEX = False


def regex_only() -> bool:
    """Is every pattern run on `regex` (see `only_regex`)?"""
    return _ONLY_REGEX


def only_regex(on: bool) -> None:
    """Run every pattern on `regex` (ON) or on the engine chosen above (tests compare them)."""
    global _ONLY_REGEX
    _ONLY_REGEX = on


def find_overlapped(rx, text: str) -> Iterator:
    """Every match of RX in TEXT, each searched from one past the previous one's start
    (`regex`'s `overlapped=True`, for either engine)."""
    if not isinstance(rx, re.Pattern):
        yield from rx.finditer(text, overlapped=True)
        return
    pos = 0
    while pos <= len(text):
        m = rx.search(text, pos)
        if m is None:
            return
        yield m
        pos = m.start() + 1

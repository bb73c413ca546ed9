"""The literal prefixes a pattern's matches must start with, to skip most of a text quickly.

A regular expression with a dozen alternatives scanned over 100 KB costs
milliseconds per pattern; looking only at the words that start with one of
its possible prefixes ("retain", "keep", "stor"…) costs microseconds. The
prefixes come from the pattern's parse tree; a pattern whose matches can
start anywhere (a character class, `\\w`, a non-letter) has none and is
scanned in full. `build_gate` makes the one scan (a zero-width character
trie of every prefix), `PrefixIndex` keeps where each prefix starts a word,
and `Matcher` runs each pattern only there.
"""

from __future__ import annotations

import re

# The parser of the standard `re` module (Python 3.11+); it has no type stubs.
import re._parser as _parser  # type: ignore[import-not-found]
from collections import defaultdict
from dataclasses import dataclass, field
from re._constants import (  # type: ignore[import-not-found]
    ASSERT,
    ASSERT_NOT,
    AT,
    BRANCH,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    SUBPATTERN,
)

from conductatlas_cli.topics import store
from conductatlas_cli.topics.engine import (
    UNPARSED,
    Shape,
    compile_full,
    compile_std,
    find_overlapped,
    regex_only,
    runs_on_re,
    same_class,
    shape_of,
)
from conductatlas_cli.topics.taxonomy import Pattern, bounded

PREFIX = 6
MAX_PREFIXES = 64


def _seq(items, open_: set[str]) -> tuple[set[str], set[str]] | None:
    """Extend the prefixes OPEN_ with the sequence ITEMS.

    Returns (done, open): prefixes that cannot be extended further (they stopped at
    something that is not a literal, or reached PREFIX characters), and those that
    can still take what follows ITEMS. None: cannot tell (scan in full).
    """
    done: set[str] = set()
    for op, av in items:
        if not open_:
            break
        if op is LITERAL:
            open_ = {p + chr(av) for p in open_}
        elif op is IN and all(o is LITERAL for o, _ in av) and len(av) <= 4:
            open_ = {p + chr(a) for p in open_ for _, a in av}
        elif op is SUBPATTERN:
            sub = _seq(av[-1], open_)
            if sub is None:
                return None
            done |= sub[0]
            open_ = sub[1]
        elif op is BRANCH:
            branch_open: set[str] = set()
            for branch in av[1]:
                sub = _seq(branch, open_)
                if sub is None:
                    return None
                done |= sub[0]
                branch_open |= sub[1]
            open_ = branch_open
        elif op in (ASSERT, ASSERT_NOT):
            continue  # zero-width: the match starts (and goes on) after it
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, _high, sub_items = av
            sub = _seq(sub_items, open_)
            if sub is None:
                return None
            done |= sub[0] | sub[1]  # taken (once): stop there
            if low > 0:
                open_ = set()
            # low == 0: skipped, the open prefixes go on unchanged
        else:
            done |= open_  # \w, ., an assertion...: stop extending here
            open_ = set()
            break
        full = {p for p in open_ if len(p) >= PREFIX}
        done |= {p[:PREFIX] for p in full}
        open_ -= full
        if len(done) + len(open_) > MAX_PREFIXES:
            return None
    return done, open_


def _initials(items) -> tuple[set[str], bool] | None:
    """The characters a match of the sequence ITEMS can start with, and whether it can be
    empty; None: cannot tell."""
    found: set[str] = set()
    for op, av in items:
        if op is LITERAL:
            return found | {chr(av)}, False
        if op is IN:
            if not all(o is LITERAL for o, _ in av):
                return None
            return found | {chr(a) for _, a in av}, False
        if op in (ASSERT, ASSERT_NOT, AT):
            continue  # zero-width: the match starts with what follows
        if op is SUBPATTERN:
            sub = _initials(av[-1])
        elif op is BRANCH:
            parts = [_initials(branch) for branch in av[1]]
            if any(p is None for p in parts):
                return None
            sub = set().union(*(p[0] for p in parts)), any(p[1] for p in parts)  # type: ignore[index]
        elif op in (MAX_REPEAT, MIN_REPEAT):
            sub = _initials(av[2])
            if sub is not None and av[0] == 0:
                sub = sub[0], True
        else:
            return None
        if sub is None:
            return None
        found |= sub[0]
        if not sub[1]:
            return found, False
    return found, True


def initials(core: str) -> frozenset[str] | None:
    """The characters every match of CORE starts with (None: any, or cannot tell)."""
    try:
        tree = _parser.parse(core)
    except Exception:
        return None
    found = _initials(list(tree))
    if found is None or found[1] or not found[0] or "\n" in found[0]:
        return None
    return frozenset(found[0])


def literal_prefixes(core: str) -> frozenset[str] | None:
    """The prefixes (up to 6 characters) every match of CORE starts with, or None."""
    return analyse(core)[0]


def analyse(core: str) -> tuple[frozenset[str] | None, Shape]:
    """CORE's literal prefixes (or None) and its `engine.Shape` (kept in an open `store`)."""
    kept = store.current()
    if kept is None:
        return _analyse(core)
    packed = kept.analysis.get(core)
    if packed is not None:
        prefixes, std, classes, line_local = packed
        return (None if prefixes is None else frozenset(prefixes)), Shape(std, classes, line_local)
    prefixes, shape = _analyse(core)
    kept.analysis[core] = (
        None if prefixes is None else tuple(sorted(prefixes)),
        shape.std,
        shape.classes,
        shape.line_local,
    )
    kept.dirty = True
    return prefixes, shape


def _analyse(core: str) -> tuple[frozenset[str] | None, Shape]:
    """CORE's literal prefixes (or None) and its `engine.Shape`, from one parse."""
    try:
        tree = _parser.parse(core)
    except Exception:  # a `regex`-only construct: scan in full, on `regex`
        return None, UNPARSED
    shape = shape_of(tree)
    result = _seq(list(tree), {""})
    if result is None:
        return None, shape
    found = result[0] | result[1]
    if not found or "" in found or any(not p[0].isalnum() for p in found):
        return None, shape
    return frozenset(found), shape


@dataclass(frozen=True)
class Matcher:
    """One topic's patterns of one kind, indexed by their literal prefixes."""

    patterns: tuple[Pattern, ...]
    by_prefix: tuple[tuple[str, tuple[int, ...]], ...]  # prefix -> pattern indices
    full_scan: tuple[int, ...]  # patterns without a usable prefix
    shapes: tuple[Shape, ...] = ()  # per pattern: which engine may run it
    # (prefix, same_class, regex_only) -> the alternations of its patterns (strongest first), one per
    # engine: one match call per word and engine. Compiled at first use: a document meets
    # few prefixes, and compiling all ~1,000 of them up front costs a second.
    _alternations: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def build(cls, patterns: tuple[Pattern, ...]) -> Matcher:
        # Strongest (then longest) first, so explain output lists the best evidence first.
        ordered = tuple(sorted(patterns, key=lambda p: (-p.weight, -len(p.source))))
        by_prefix: dict[str, list[int]] = {}
        full: list[int] = []
        shapes = []
        for i, p in enumerate(ordered):
            prefixes, shape = analyse(p.core)
            shapes.append(shape)
            if prefixes is None:
                full.append(i)
            else:
                for pre in prefixes:
                    by_prefix.setdefault(pre, []).append(i)
        return cls(
            ordered,
            tuple((k, tuple(v)) for k, v in sorted(by_prefix.items())),
            tuple(full),
            tuple(shapes),
        )

    @property
    def line_local(self) -> bool:
        return all(s.line_local for s in self.shapes)

    def _parts(self, pre: str, indices: tuple[int, ...], same: bool):
        key = (pre, same, regex_only())
        if key not in self._alternations:
            on_re = [i for i in indices if runs_on_re(self.shapes[i], same=same)]
            rest = [i for i in indices if i not in on_re]
            parts = []
            rx = compile_std(self._alternation(on_re)) if on_re else None
            if rx is None:  # `re` refused the whole alternation: all on `regex`
                rest = list(indices)
            else:
                parts.append((rx, tuple(on_re)))
            if rest:
                parts.append((compile_full(self._alternation(rest)), tuple(rest)))
            self._alternations[key] = parts
        return self._alternations[key]

    def _alternation(self, indices: list[int]) -> str:
        # `(?<!L)(?:A|B)(?!L)` tries the same paths in the same order as
        # `(?<!L)A(?!L)|(?<!L)B(?!L)`, with the boundary classes compiled once.
        return bounded(
            "|".join(f"(?P<p{j}>{self.patterns[i].core})" for j, i in enumerate(indices))
        )

    def finditer(self, doc: str, index: PrefixIndex):
        """(start, end, pattern, text) of every match in DOC, overlapping ones included."""
        same = index.same_class
        for pre, indices in self.by_prefix:
            starts = index.starts.get(pre, ())
            if not starts:
                continue
            parts = self._parts(pre, indices, same)
            if len(parts) == 1:  # one engine for all (the usual case): one match per start
                rx, members = parts[0]
                for pos in starts:
                    m = rx.match(doc, pos)
                    if m:
                        yield pos, m.end(), self.patterns[members[int(m.lastgroup[1:])]], m.group()
                continue
            for pos in starts:
                best = None  # the first alternative that matches here, as one alternation
                for rx, members in parts:
                    m = rx.match(doc, pos)
                    if m:
                        i = members[int(m.lastgroup[1:])]
                        if best is None or i < best[0]:
                            best = (i, m)
                if best:
                    i, m = best
                    yield m.start(), m.end(), self.patterns[i], m.group()
        for i in self.full_scan:
            expression = self.patterns[i].expression
            rx = None
            if runs_on_re(self.shapes[i], same=same):
                rx = compile_std(expression)
            scan = self._scanner(i) if rx is not None else None
            if scan is not None:  # the places it matches, each matched again for the match
                for s in scan.finditer(doc):
                    m = rx.match(doc, s.start())
                    yield m.start(), m.end(), self.patterns[i], m.group()
                continue
            for m in find_overlapped(rx or compile_full(expression), doc):
                yield m.start(), m.end(), self.patterns[i], m.group()

    def _scanner(self, i: int) -> re.Pattern | None:
        """Where pattern I matches, found as fast as `re` can: led by the characters its
        matches start with (`re` skips the others in C), the whole pattern looked ahead
        from each (one character consumed: every start is tried, as `find_overlapped` does)."""
        key = ("scan", i)
        if key not in self._alternations:
            first = initials(self.patterns[i].core)
            scan = None
            if first is not None:
                chars = "".join(re.escape(c) for c in sorted(first))
                scan = compile_std(f"[{chars}](?<=(?={self.patterns[i].expression}).)")
            self._alternations[key] = scan
        return self._alternations[key]


_LETTERS = r"0-9a-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF"


class PrefixIndex:
    """Where each of the taxonomy's literal prefixes starts a word in a text (C-level scans)."""

    def __init__(self, doc: str, gate: Gate, *, same: bool | None = None):
        # which engine may run a pattern here (`engine`); SAME: known already
        self.same_class = same_class(doc) if same is None else same
        # the shortest prefix at each place -> its positions, in document order
        starts: defaultdict[str, list[int]] = defaultdict(list)
        if gate.words is not None:
            m = gate.first.match(doc)
            if m:
                starts[m.group(1)].append(0)
            # a match is the non-word character before the word: the word starts one after
            for m in gate.words.finditer(doc):
                starts[m.group(1)].append(m.end())
        if gate.anywhere is not None:
            for m in gate.anywhere.finditer(doc):
                starts[m.group(1)].append(m.start())
        startswith = doc.startswith
        extensions = gate.extensions
        # The gate found the shortest prefix at each place; the longer ones that extend it
        # may start there too (each longer prefix extends one shortest one: positions in order).
        for shortest in list(starts):
            for pre in extensions[shortest]:
                at = [pos for pos in starts[shortest] if startswith(pre, pos)]
                if at:
                    starts[pre] = at
        self.starts = starts


def trie(words: list[str]) -> str:
    """An expression matching where any of WORDS starts (its shortest member that fits)."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        if "" in node:
            return ""  # a whole prefix ends here: that is enough for the gate
        alternatives = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(tree)


@dataclass(frozen=True)
class Gate:
    """The scans that find where prefixes start (see `build_gate`)."""

    words: re.Pattern | None  # a non-word character, then a word a prefix starts
    first: re.Pattern  # a prefix at the text's very start
    anywhere: re.Pattern | None  # a CJK prefix, wherever it is
    extensions: dict[str, tuple[str, ...]]  # per prefix, the longer prefixes extending it


def build_gate(prefixes: frozenset[str]) -> Gate:
    """The scans finding every word start where one of PREFIXES begins.

    A character trie (capturing the shortest prefix that fits) after a non-word
    character lets `re` skip through words to the characters between them (a
    leading `\\b` would make it try every position); CJK prefixes match anywhere
    (CJK text has no spaces between words), found by their first characters. Also,
    per prefix, the longer prefixes that extend it.
    """
    latin = sorted(p for p in prefixes if not "\u3040" <= p[0] <= "\u9fff")
    cjk = sorted(p for p in prefixes if "\u3040" <= p[0] <= "\u9fff")
    words = first = anywhere = None
    if latin:
        words = _compiled(rf"\W(?=({trie(latin)}))")
        first = _compiled(rf"(?=({trie(latin)}))")
    if cjk:
        leads = "".join(sorted({re.escape(p[0]) for p in cjk}))
        # one character consumed (the next scan starts after it, as after an empty match)
        anywhere = _compiled(rf"[{leads}](?<=(?=({trie(cjk)})).)")
    ordered = sorted(prefixes)  # the prefixes that extend P follow P here, contiguously
    extensions = {}
    for i, p in enumerate(ordered):
        j = i
        while j < len(ordered) and ordered[j].startswith(p):
            j += 1
        extensions[p] = tuple(ordered[i + 1 : j])
    return Gate(words, first or re.compile("(?!)"), anywhere, extensions)


def _compiled(expression: str) -> re.Pattern:
    """EXPRESSION (made of escaped literals) on `re`, its program kept in an open `store`."""
    return compile_std(expression) or re.compile(expression)

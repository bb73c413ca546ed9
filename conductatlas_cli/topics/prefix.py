"""The literal prefixes a pattern's matches must start with, to skip most of a text quickly.

A regular expression with a dozen alternatives scanned over 100 KB costs
milliseconds per pattern; looking only at the words that start with one of
its possible prefixes ("retain", "keep", "stor"…) costs microseconds. The
prefixes come from the pattern's parse tree; a pattern whose matches can
start anywhere (a character class, `\\w`, a non-letter) has none and is
scanned in full.
"""

from __future__ import annotations

try:  # Python 3.11+
    import re._parser as _parser
    from re._constants import (
        ASSERT,
        ASSERT_NOT,
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        SUBPATTERN,
    )
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _parser  # type: ignore[no-redef]
    from sre_constants import (  # type: ignore[no-redef]
        ASSERT,
        ASSERT_NOT,
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        SUBPATTERN,
    )

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


def literal_prefixes(core: str) -> frozenset[str] | None:
    """The prefixes (up to 6 characters) every match of CORE starts with, or None."""
    try:
        tree = _parser.parse(core)
    except Exception:  # a `regex`-only construct: scan in full
        return None
    result = _seq(list(tree), {""})
    if result is None:
        return None
    found = result[0] | result[1]
    if not found or "" in found or any(not p[0].isalnum() for p in found):
        return None
    return frozenset(found)

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
    from re._constants import BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _parser  # type: ignore[no-redef]
    from sre_constants import (  # type: ignore[no-redef]
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        SUBPATTERN,
    )

PREFIX = 6
MAX_PREFIXES = 64


def _seq(items, prefixes: set[str]) -> set[str] | None:
    """Extend every prefix in PREFIXES with the sequence ITEMS (None: cannot tell)."""
    done: set[str] = {p for p in prefixes if len(p) >= PREFIX}
    open_ = {p for p in prefixes if len(p) < PREFIX}
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
            open_ = sub
        elif op is BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                sub = _seq(branch, open_)
                if sub is None:
                    return None
                union |= sub
            open_ = union
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, _high, sub_items = av
            once = _seq(sub_items, open_)
            if once is None:
                return None
            if low == 0:
                # optional: either take it (and stop there) or skip it (and keep extending)
                done |= once
                continue
            done |= once  # repeated: stop after the first time
            open_ = set()
        else:
            break  # anything else (\w, ., an assertion...): stop extending here
        open_ = {p[:PREFIX] for p in open_}
        done |= {p for p in open_ if len(p) >= PREFIX}
        open_ = {p for p in open_ if len(p) < PREFIX}
    result = done | open_
    if len(result) > MAX_PREFIXES:
        return None
    return result


def literal_prefixes(core: str) -> frozenset[str] | None:
    """The prefixes (up to 6 characters) every match of CORE starts with, or None."""
    try:
        tree = _parser.parse(core)
    except Exception:  # a `regex`-only construct: scan in full
        return None
    found = _seq(list(tree), {""})
    if not found or "" in found or any(not p[0].isalnum() for p in found):
        return None
    return frozenset(found)

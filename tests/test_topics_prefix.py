"""The literal-prefix index: where each prefix starts a word, and the patterns run only there."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conductatlas_cli.topics.engine import find_overlapped
from conductatlas_cli.topics.prefix import Matcher, PrefixIndex, build_gate, initials
from conductatlas_cli.topics.taxonomy import Pattern, compile_expression, expand_gaps

PREFIXES = frozenset("data|dat|datas|end-u|end u|opt|optio|retain|re|x|規約|規|データ".split("|"))
_WORD = re.compile(r"\w")


def _expected(doc: str, prefixes: frozenset[str]) -> dict[str, list[int]]:
    """Every position where a prefix starts: a word start (or anywhere, for a CJK prefix)."""
    out: dict[str, list[int]] = {}
    for pre in prefixes:
        cjk = "\u3040" <= pre[0] <= "\u9fff"
        at = [
            p
            for p in range(len(doc))
            if doc.startswith(pre, p) and (cjk or p == 0 or not _WORD.match(doc[p - 1]))
        ]
        if at:
            out[pre] = at
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            "data|dat|datasets|end-user|end user|option|re|retained|x|_data|9re|éx|規約|規|データ"
            "| |\n|-|.|(|a".split("|")
        ),
        max_size=30,
    ).map("".join)
)
def test_index_finds_every_word_start_of_every_prefix(doc):
    """Each prefix is found wherever it starts a word (CJK ones anywhere), and nowhere else."""
    starts = PrefixIndex(doc, build_gate(PREFIXES)).starts
    assert {k: v for k, v in starts.items() if v} == _expected(doc, PREFIXES)


def test_index_without_cjk_prefixes():
    """A gate of Latin prefixes only finds them at word starts, the text's first one included."""
    starts = PrefixIndex("data, dat_data (retain)", build_gate(frozenset({"dat", "retain"}))).starts
    assert dict(starts) == {"dat": [0, 6], "retain": [16]}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["as is", "as-is", '"as is"', "'s own", "s' own", "has", " ", "\n", "a", "x"]
        ),
        max_size=20,
    ).map("".join)
)
def test_a_pattern_without_prefixes_finds_what_an_overlapped_search_does(doc):
    """A pattern scanned in full (led by its first characters) finds every overlapped match."""
    patterns = tuple(
        Pattern(source, 1.0, compile_expression(source), expand_gaps(source))
        for source in ("[\"']?as[- ]is[\"']?", "(?:'s|s') own")
    )
    matcher = Matcher.build(patterns)
    assert len(matcher.full_scan) == 2
    got = sorted((a, b, p.source) for a, b, p, _ in matcher.finditer(doc, _index(doc)))
    want = sorted(
        (m.start(), m.end(), p.source)
        for p in patterns
        for m in find_overlapped(re.compile(p.expression), doc)
    )
    assert got == want


def _index(doc: str) -> PrefixIndex:
    return PrefixIndex(doc, build_gate(frozenset({"as"})))


def test_initials_are_the_characters_a_match_starts_with():
    """Optional parts and alternatives add their first characters; `\\w` or an empty match: none."""
    assert initials("[\"']?as") == frozenset({'"', "'", "a"})
    assert initials("(?:x|)y") == frozenset({"x", "y"})
    assert initials(r"\w+") is None
    assert initials("a?") is None

"""The one word count: tokens, Markdown markers and link targets left out."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from conductatlas_cli.snapshot.words import _tokens, count_words

# The marker rule as first written (its `^` made `re` try every position of a text).
_MARKERS_AS_WRITTEN = re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+\u2022]|[0-9]{1,9}[.)])(?=[ \t]|$)", re.M)


@given(st.text(alphabet="\n \t#>-*+\u20221.)a9", max_size=24))
def test_markers_are_dropped_as_the_rule_as_written_drops_them(text):
    """The tokens are those the marker rule as first written leaves."""
    assert _tokens(text) == _MARKERS_AS_WRITTEN.sub(" ", text).split()


def test_markers_and_link_targets_do_not_count():
    """Heading, list and quote markers, table pipes and link targets are not words."""
    text = "# Terms\n\n- You [may](https://x.test/a) *not*\n1. Use it\n> Quote\n| a | b |\n"
    assert count_words(text) == 9

"""Sections → passages and the cleaned text the topic patterns are matched on."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from conductatlas_cli.diff.sections import parse_sections
from conductatlas_cli.topics.segment import _SPACES, clean_lines, segment

# The whitespace rule as first written (it made `re` try every position of a text).
_SPACES_AS_WRITTEN = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v\u2000-\u200a\u3000]")


@given(st.text(alphabet=" \t\r\f\v\u2000\u2005\u200a\u200b\u3000\xa0ab\n", max_size=40))
def test_whitespace_folds_as_the_rule_as_written(text):
    """Runs of two spaces or tabs, and a lone tab or wide space, become one space, as before."""
    assert _SPACES.sub(" ", text) == _SPACES_AS_WRITTEN.sub(" ", text)


def test_clean_lines_folds_markup_typography_and_spaces():
    """Links keep their text, emphasis and escapes go, wide and double spaces fold, lower case."""
    assert clean_lines(["**We  Retain** [data](https://x.test)\u3000for 30\tdays \\*"]) == [
        "we retain data for 30 days"
    ]


def test_a_bold_numbered_title_inside_a_line_opens_a_new_passage():
    """A sentence, then `**4.2 Title**` on the same line: two passages, the second titled."""
    text = "# Terms\n\nWe may end it. **4.2 Termination** You may leave at any time.\n"
    passages, _ = segment(parse_sections(text))
    assert [(p.title, p.text) for p in passages] == [
        (None, "We may end it."),
        ("4.2 Termination", "**4.2 Termination** You may leave at any time."),
    ]

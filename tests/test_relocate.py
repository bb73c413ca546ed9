"""Sentences moved between sections: marked on both sides, not counted as words."""

from __future__ import annotations

from conductatlas_cli.diff.summary import summarize_changes

OLD = "## Fees\n\nFees are due monthly.\nPrices may change with notice.\n\n## Privacy\n\nWe never sell data.\n"
NEW = "## Fees\n\nFees are due monthly.\n\n## Privacy\n\nWe never sell data.\nPrices may change with notice.\n"


def test_moved_sentence_names_the_other_section_and_counts_no_words():
    """The removed side says where it went, the added side where it came from; 0 words."""
    summary = summarize_changes(OLD, NEW)
    moved = {s.kind: s.elsewhere for c in summary.changes for s in c.sentences if s.elsewhere}
    assert moved == {"removed": "Privacy", "added": "Fees"}
    assert (summary.stats.words_added, summary.stats.words_removed) == (0, 0)


def test_short_lines_are_not_paired_across_sections():
    """A line of fewer than three words removed here and added there stays a plain change."""
    old = "## A\n\nYes.\n\n## B\n\nNo.\n"
    new = "## A\n\nNo.\n\n## B\n\nYes.\n"
    summary = summarize_changes(old, new)
    assert not any(s.elsewhere for c in summary.changes for s in c.sentences)

"""Readable everywhere: rich marks and wrapping, Markdown bullets, JSON sentences, notes."""

from __future__ import annotations

import json
import re

from conductatlas_cli.diff.summary import summarize_changes
from conductatlas_cli.render import render_summary

ANSI = re.compile(r"\x1b\[[0-9;]*m")
OLD = (
    "# Policy\n\n## 2. Payment\n\n"
    "Invoices are due within 30 days of the invoice date, unless your order form says "
    "otherwise in writing and signed by both parties.\n"
    "- Send spam to people.\n"
)
NEW = OLD.replace("30", "60").replace("- Send spam to people.\n", "")
LIST = "## Uses\n\n1. spam;\n2. harass people;\n3. build weapons;\n4. scrape data.\n"


def test_rich_keeps_word_marks_beside_colour():
    """A changed word reads [-30-]{+60+} in rich too, the marks dimmed, the words coloured."""
    got = render_summary(summarize_changes(OLD, NEW), fmt="rich", color=True, width=200)
    assert "[-30-]{+60+}" in ANSI.sub("", got)
    assert "\x1b[2m[-\x1b[0m\x1b[9;31m30\x1b[0m\x1b[2m-]" in got


def test_rich_wraps_with_a_hanging_indent():
    """At 50 columns a long sentence wraps at spaces, continuation lines under its text."""
    got = ANSI.sub(
        "", render_summary(summarize_changes(OLD, NEW), fmt="rich", color=True, width=50)
    )
    lines = got.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  ~ Invoices"))
    assert all(len(line) <= 50 for line in lines)
    assert lines[start + 1].startswith("    the invoice date")
    assert lines[start + 3] == "    parties."


def test_markdown_has_one_bullet_per_line():
    """A removed list item is not bulleted twice (`- **Removed:** ~~Send spam…~~`)."""
    got = render_summary(summarize_changes(OLD, NEW), fmt="markdown")
    assert "- **Removed:** ~~Send spam to people.~~\n" in got
    assert "~~- " not in got


def test_json_lists_no_blank_line_sentences():
    """Blank lines added or removed with a section are not sentences in JSON."""
    new = OLD + "\n## 3. New\n\nA new clause.\n"
    data = json.loads(render_summary(summarize_changes(OLD, new), fmt="json"))
    sentences = [s for c in data["sections"] for s in c["sentences"]]
    assert sentences and all(
        (s["old"] or "").strip() or (s["new"] or "").strip() for s in sentences
    )


def test_renumbered_items_are_one_line_unless_all():
    """Items whose only change is their number read as one note; --all lists them."""
    new = LIST.replace("2. harass people;\n", "").replace("3. build", "2. build")
    new = new.replace("4. scrape", "3. scrape")
    summary = summarize_changes(LIST, new)
    got = render_summary(summary, fmt="plain")
    assert got == (
        "~ Uses\n  - 2. harass people;\n    (2 items renumbered)\n\n"
        "1 section changed (+0 -2 words), 2 items renumbered\n"
    )
    shown = render_summary(summary, fmt="plain", show_all=True)
    assert "  ~ [-3-]{+2+}. build weapons;\n" in shown and "renumbered)" not in shown


def test_changed_cross_reference_is_real():
    """A number inside a sentence is never renumbering: `item 3` → `item 2` is counted."""
    new = LIST.replace("4. scrape data.", "4. scrape data, see item 2.")
    summary = summarize_changes(LIST, new)
    assert (summary.stats.words_added, summary.stats.items_renumbered) == (3, 0)


def test_bare_leading_number_is_not_an_enumerator():
    """`30 days …` → `60 days …` at the start of a line is a change, not a renumbering."""
    summary = summarize_changes("## A\n\n30 days apply.\n", "## A\n\n60 days apply.\n")
    assert (summary.stats.words_added, summary.stats.words_removed) == (1, 1)


def test_markdown_renumbered_items_are_one_note():
    """In Markdown the renumbered items read as one italic bullet, not as a gap."""
    new = LIST.replace("2. harass people;\n", "").replace("3. build", "2. build")
    new = new.replace("4. scrape", "3. scrape")
    got = render_summary(summarize_changes(LIST, new), fmt="markdown")
    assert "- *(2 items renumbered)*\n" in got and "- …" not in got


def test_bracketed_abbreviation_is_not_an_enumerator():
    """`(US) customers` → `(EU) customers` is a real change; `(iv)` → `(iii)` is renumbering."""
    real = summarize_changes(
        "## A\n\n(US) customers pay tax.\n", "## A\n\n(EU) customers pay tax.\n"
    )
    assert (real.stats.words_added, real.stats.items_renumbered) == (1, 0)
    roman = summarize_changes("## A\n\n(iv) no resale.\n", "## A\n\n(iii) no resale.\n")
    assert (roman.stats.words_added, roman.stats.items_renumbered) == (0, 1)

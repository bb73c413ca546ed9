"""Change summaries: section matching, sentence and word diffs, stats, reconstruction."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from conductatlas_cli.diff.sections import heading_key, parse_sections
from conductatlas_cli.diff.summary import (
    ADDED,
    EQUAL,
    MODIFIED,
    MOVED,
    REMOVED,
    RENAMED,
    apply_changes,
    diff_words,
    new_text,
    old_text,
    summarize_changes,
)

POLICY = """# Usage Policy

Intro.

## 1. Scope

This policy applies to everyone.
It covers the API.

## 2. Payment

Invoices are due within 30 days.
Late fees apply.

## 3. Liability

Our liability is limited.
We are not liable for indirect damages.
"""


def changed(summary):
    """The non-equal sections of a summary as (kind, heading) pairs."""
    return [(c.kind, c.heading) for c in summary.sections if c.kind != EQUAL]


def test_parse_sections_partitions_lines_exactly():
    """Joining every section's lines gives the text back, with the heading trail per section."""
    sections = parse_sections(POLICY)
    assert "\n".join("\n".join(s.lines) for s in sections) == POLICY
    assert [s.path for s in sections][:2] == [("Usage Policy",), ("Usage Policy", "1. Scope")]
    assert sections[1].level == 2 and sections[1].key == "scope"


def test_preamble_before_first_heading_is_its_own_section():
    """Text before the first heading is a preamble section with no heading."""
    sections = parse_sections("Intro line.\n\n# Title\n\nBody.\n")
    assert sections[0].heading is None and sections[0].lines == ("Intro line.", "")
    assert sections[1].heading == "Title"


def test_clause_and_all_caps_headings_without_markdown():
    """Without Markdown headings, numbered clauses and ALL-CAPS lines start sections."""
    text = "TERMS\n\n1. Scope\nApplies.\n2.3 Fees\n1. You must not do this.\nSection 4\nArticle 5 Term\n§ 6 Law\n"
    headings = [s.heading for s in parse_sections(text)]
    assert headings == ["TERMS", "1. Scope", "2.3 Fees", "Section 4", "Article 5 Term", "§ 6 Law"]
    assert [s.level for s in parse_sections(text)][:3] == [1, 1, 2]


def test_numbered_lines_are_not_headings_when_markdown_headings_exist():
    """In a Markdown document, a numbered list item stays body text."""
    sections = parse_sections("# Rules\n\n1. Scope\n2. Fees\n")
    assert [s.heading for s in sections] == ["Rules"]


def test_heading_key_strips_numbering_and_folds():
    """Clause numbers of any style are stripped before matching headings."""
    assert heading_key("3. Liability") == heading_key("Section 4 — LIABILITY") == "liability"
    assert heading_key("2.3 Fees") == heading_key("(b) Fees") == "fees"


def test_word_diff_keeps_numbers_whole():
    """A changed number reads as the whole number replaced, never a digit."""
    words = diff_words("Pay within 30 days.", "Pay within 60 days.")
    assert words == (
        ("equal", "Pay within "),
        ("delete", "30"),
        ("insert", "60"),
        ("equal", " days."),
    )


def test_reworded_sentence_is_a_modified_sentence_with_word_counts():
    """One reworded sentence: one modified section, words counted from the word diff."""
    new = POLICY.replace("It covers the API.", "It covers the API and the dashboard.")
    summary = summarize_changes(POLICY, new)
    assert changed(summary) == [(MODIFIED, "1. Scope")]
    (sentence,) = [s for s in summary.sections[1].sentences if s.kind != EQUAL]
    assert sentence.kind == MODIFIED and ("insert", " and the dashboard") in sentence.words
    assert (summary.stats.words_added, summary.stats.words_removed) == (3, 0)


def test_renumbered_section_is_moved_not_removed_and_added():
    """ "3. Liability" → "4. Liability" after an insertion is a renumbering plus one addition."""
    new = POLICY.replace("## 3. Liability", "## 3. Taxes\n\nTaxes are extra.\n\n## 4. Liability")
    summary = summarize_changes(POLICY, new)
    assert changed(summary) == [(ADDED, "3. Taxes"), (MOVED, "4. Liability")]
    liability = summary.sections[-1]
    assert liability.renumbered and not liability.moved and liability.old_heading == "3. Liability"
    assert summary.stats.sections_removed == 0 and summary.stats.sections_added == 1
    assert (summary.stats.sections_changed, summary.stats.sections_renumbered) == (1, 1)


def test_reordered_section_is_moved():
    """A section cut and pasted elsewhere is one moved section, the others untouched."""
    payment = "## 2. Payment\n\nInvoices are due within 30 days.\nLate fees apply.\n\n"
    new = POLICY.replace(payment, "") + "\n" + payment.rstrip("\n") + "\n"
    summary = summarize_changes(POLICY, new)
    kinds = changed(summary)
    assert kinds == [(MOVED, "2. Payment")] or kinds == [(MOVED, "3. Liability")]
    assert summary.stats.sections_moved == 1 and summary.stats.words_added == 0


def test_renamed_heading_with_same_body_is_renamed():
    """A heading whose text changed but whose body stayed is renamed, not removed + added."""
    new = POLICY.replace("## 2. Payment", "## 2. Fees and Invoices")
    summary = summarize_changes(POLICY, new)
    assert changed(summary) == [(RENAMED, "2. Fees and Invoices")]
    assert summary.stats.sections_renamed == 1 and summary.stats.words_removed == 1


def test_removed_section_sits_where_it_was():
    """A removed section is listed after the section that preceded it in the old text."""
    new = POLICY.replace(
        "## 2. Payment\n\nInvoices are due within 30 days.\nLate fees apply.\n\n", ""
    )
    summary = summarize_changes(POLICY, new)
    headings = [c.heading for c in summary.sections]
    assert headings.index("2. Payment") == headings.index("1. Scope") + 1
    assert changed(summary)[0] == (REMOVED, "2. Payment")
    assert summary.stats.words_removed == 11  # heading "2. Payment" + 9 body words


def test_typography_and_whitespace_changes_are_cosmetic():
    """Curly quotes, dashes, doubled spaces and re-wrapped lines give zero words changed."""
    new = POLICY.replace("It covers the API.", "It  covers the “API”.").replace(
        "Invoices are due within 30 days.\nLate fees apply.",
        "Invoices are due within 30 days. Late fees apply.",
    )
    summary = summarize_changes(POLICY, new)
    assert summary.stats.sections_changed == 0 and summary.stats.cosmetic == 2
    assert (summary.stats.words_added, summary.stats.words_removed) == (0, 0)
    assert all(c.cosmetic for c in summary.sections if c.kind != EQUAL)


def test_punctuation_inside_numbers_is_not_cosmetic():
    """ "1.5%" → "15%" is a real change even though only a dot went away."""
    summary = summarize_changes("Rate is 1.5% a month.\n", "Rate is 15% a month.\n")
    assert summary.stats.sections_changed == 1


def test_meaningful_symbols_are_not_cosmetic():
    """A changed %, $ or § is a real change; commas, quotes and emphasis are cosmetic."""
    real = summarize_changes("Fee: 15% of revenue.\n", "Fee: 15$ of revenue.\n")
    assert real.stats.sections_changed == 1
    cosmetic = summarize_changes("Use, **not** abuse.\n", "Use “not” abuse.\n")
    assert cosmetic.stats.sections_changed == 0 and cosmetic.stats.cosmetic == 1


def test_first_version_is_all_added():
    """With no old text every section is added and the word count is the whole text."""
    summary = summarize_changes(None, POLICY)
    assert summary.first and all(c.kind == ADDED for c in summary.sections)
    assert summary.stats.words == summary.stats.words_added == 38
    assert new_text(summary) == POLICY and old_text(summary) == ""


def test_identical_texts_have_no_changes():
    """The same text twice gives only equal sections and zero stats."""
    summary = summarize_changes(POLICY, POLICY)
    assert changed(summary) == [] and summary.stats.sections_changed == 0


def test_apply_changes_refuses_another_old_text():
    """A summary applied to a text it was not made from is an error, not a wrong result."""
    summary = summarize_changes(POLICY, POLICY + "More.\n")
    assert apply_changes(POLICY, summary) == POLICY + "More.\n"
    try:
        apply_changes("other\n", summary)
    except ValueError:
        pass
    else:
        raise AssertionError("apply_changes accepted the wrong old text")


# ---- property: the summary rebuilds both texts exactly --------------------------------

WORDS = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6)
SENTENCE = st.lists(WORDS, min_size=1, max_size=6).map(lambda ws: " ".join(ws).capitalize() + ".")
HEADING = st.builds(
    lambda level, number, words: "#" * level + f" {number}. " + " ".join(words).title(),
    st.integers(1, 3),
    st.integers(1, 9),
    st.lists(WORDS, min_size=1, max_size=3),
)
LINE = st.one_of(
    SENTENCE,
    SENTENCE,
    st.just(""),
    SENTENCE.map(lambda s: "- " + s),
    st.builds(lambda a, b: f"| {a} | {b} |", WORDS, WORDS),
    HEADING,
    st.sampled_from(["LIMITATION OF LIABILITY", "2.3 Fees", "“Quoted” — dash", "  spaced  "]),
)
DOC = st.lists(LINE, max_size=25).map(lambda lines: "\n".join(lines) + "\n")


@st.composite
def edited(draw):
    """A document and a randomly edited copy (lines replaced, inserted, deleted, moved)."""
    lines = draw(st.lists(LINE, max_size=25))
    new = list(lines)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "move", "retype"]))
        if op == "insert" or not new:
            new.insert(draw(st.integers(0, len(new))), draw(LINE))
            continue
        i = draw(st.integers(0, len(new) - 1))
        if op == "replace":
            new[i] = draw(LINE)
        elif op == "delete":
            del new[i]
        elif op == "move":
            line = new.pop(i)
            new.insert(draw(st.integers(0, len(new))), line)
        else:
            new[i] = new[i].replace("a", "á").replace(" ", "  ").replace("'", "’")
    return "\n".join(lines) + "\n", "\n".join(new) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=300, deadline=None)
@given(edited())
def test_summary_rebuilds_new_and_old_text(pair):
    """Property: the summary alone rebuilds the new text (and the old) byte for byte."""
    old, new = pair
    summary = summarize_changes(old, new)
    assert new_text(summary) == new
    assert old_text(summary) == old
    assert apply_changes(old, summary) == new


@settings(max_examples=100, deadline=None)
@given(DOC)
def test_text_against_itself_is_unchanged(doc):
    """Property: a text compared with itself has no changes at all."""
    summary = summarize_changes(doc, doc)
    assert all(c.kind == EQUAL for c in summary.sections)


def test_word_counts_agree_with_normalize():
    """A first version's word count is normalize.count_words, as in the fetch report."""
    from conductatlas_cli.snapshot.words import count_words

    text = POLICY + "\n- See [the terms](https://example.com/terms) and don't stop.\n"
    summary = summarize_changes(None, text)
    assert summary.stats.words == summary.stats.words_added == count_words(text)
    assert summarize_changes(POLICY, text).stats.words_added == count_words(text) - 38


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_word_diff_rebuilds_both_lines(old, new):
    """Property: equal+insert pieces give the new line, equal+delete pieces the old one."""
    words = diff_words(old, new)
    assert "".join(t for op, t in words if op != "delete") == new
    assert "".join(t for op, t in words if op != "insert") == old


RETYPE = str.maketrans({"'": "’", '"': "”", "-": "–"})


@settings(max_examples=150, deadline=None)
@given(DOC)
def test_typography_and_spacing_alone_change_no_words(doc):
    """Property: curly quotes, dashes and doubled spaces are cosmetic: zero words changed."""
    retyped = doc.translate(RETYPE).replace(" ", "  ")
    stats = summarize_changes(doc, retyped).stats
    assert (stats.sections_changed, stats.words_added, stats.words_removed) == (0, 0, 0)


def test_has_changes_ignores_cosmetic_unless_asked():
    """has_changes (for `diff --exit-code`) is false for cosmetic-only changes by default."""
    retyped = summarize_changes(POLICY, POLICY.replace("It covers", "It  covers"))
    assert not retyped.has_changes() and retyped.has_changes(show_all=True)
    assert summarize_changes(POLICY, POLICY + "More.\n").has_changes()
    assert not summarize_changes(POLICY, POLICY).has_changes(show_all=True)

"""The change model: each cosmetic class, each never-cosmetic class, structure and flips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conductatlas_cli.snapshot.change_model import (
    COSMETIC_CLASSES,
    NEVER_COSMETIC_SIGNS,
    block_cosmetic,
    line_cosmetic,
    lines_cosmetic,
    stream_hash,
    text_units,
    texts_cosmetic,
    units_cosmetic,
)
from conductatlas_cli.snapshot.normalize import normalize_text
from conductatlas_cli.snapshot.units import _DIGIT_SPACE


def cosmetic(old: str, new: str, **kw) -> bool:
    return texts_cosmetic(normalize_text(old), normalize_text(new), **kw)


WHITESPACE = [
    pytest.param("One. Two.\n\nThree.", "One.   Two.\nThree.", id="spaces-and-breaks"),
    pytest.param("A wrapped\nsentence here.", "A wrapped sentence here.", id="rewrap"),
    pytest.param("the privacypolicyor terms", "the privacy policy or terms", id="space-in-run"),
    pytest.param("described in sectionI.", "described in section I.", id="space-before-letter"),
    pytest.param("as a result , we", "as a result, we", id="space-before-comma"),
]
TYPOGRAPHY = [
    pytest.param(
        "It\u2019s \u201cfine\u201d \u2014 really\u2026",
        'It\'s "fine" - really...',
        id="quotes-dash-ellipsis",
    ),
    pytest.param("\u00abDelete\u00bb", '"Delete"', id="guillemets"),
    pytest.param("\uff21\uff22\uff23 co\u00a0op", "ABC co op", id="fullwidth-nbsp"),
    pytest.param("pri\u200bvacy", "privacy", id="zero-width"),
    pytest.param("Encrypted \u2714\ufe0f", "Encrypted \u2714", id="variation-selector"),
    pytest.param("below \u22125", "below -5", id="minus-sign"),
]
MARKDOWN = [
    pytest.param("Read **this** and _that_.", "Read this and that.", id="emphasis"),
    pytest.param("* one\n* two", "- one\n- two", id="bullet-character"),
    pytest.param("1) one\n2) two", "1. one\n2. two", id="ordered-marker"),
    pytest.param("# Privacy Policy\n\nHello.", "Privacy Policy\n\nHello.", id="heading-to-text"),
    pytest.param(
        "## Acceptable use\n\nNo spam.", "**Acceptable use**\n\nNo spam.", id="heading-to-bold"
    ),
    pytest.param(
        "# T\n\nIntro.\n\n## B\n\nY.", "# T\n\nIntro.\n\n### B\n\nY.", id="level-same-provision"
    ),
    pytest.param("- We collect.\n- We share.", "We collect.\n\nWe share.", id="list-to-paragraphs"),
    pytest.param("> Quoted rule.", "Quoted rule.", id="block-quote"),
    pytest.param("One.\n\n---\n\nTwo.", "One.\n\nTwo.", id="thematic-break"),
    pytest.param(
        "| a | b |\n|---|---|\n| c | d |", "| a | b |\n|:--|--:|\n| c | d |", id="separator-row"
    ),
    pytest.param("a \\* b", "a * b", id="backslash-escape"),
]
VOLATILE = [
    pytest.param(
        "Text.\n\nUpdated 3 days ago\n", "Text.\n\nUpdated 5 days ago\n", id="updated-ago"
    ),
    pytest.param(
        "Text.\n\nEdited an hour ago\n", "Text.\n\nEdited 12 minutes ago\n", id="edited-ago"
    ),
    pytest.param("Text.\n\n5 min read\n", "Text.\n\n7 min read\n", id="read-time"),
    pytest.param(
        "Text.\n\nRequest ID: 8f3a9c2b1d4e5f60\n",
        "Text.\n\nRequest ID: 1b2c3d4e5f6a7b8c\n",
        id="request-id",
    ),
    pytest.param(
        "Text.\n\nRay ID: 8f3a9c2b1d4e5f60\n", "Text.\n\nRay ID: 90ab12cd34ef5678\n", id="ray-id"
    ),
    pytest.param(
        "Text.\n\nRendered at 2026-11-24T10:00:00Z\n",
        "Text.\n\nRendered at 2026-11-25T08:13:44Z\n",
        id="render-time",
    ),
    pytest.param(
        "Go to https://x.com/p?utm_source=a&id=7&gclid=9#top now.",
        "Go to https://x.com/p?id=7#top now.",
        id="tracking-params",
    ),
    pytest.param(
        "See [terms](https://x.com/t?fbclid=1).",
        "See [terms](https://x.com/t).",
        id="tracking-in-link",
    ),
]


DATES = [
    pytest.param(
        "Text.\n\nLast updated Oct 6, 2025\n",
        "Text.\n\nLast updated October 6, 2025\n",
        id="abbreviated-month",
    ),
    pytest.param(
        "Text.\n\nLast Updated: June 13, 2025\n",
        "Text.\n\nLast updated Jun 13, 2025\n",
        id="stamp-label-case-and-colon",
    ),
    pytest.param(
        "Effective as of 6 October 2025.", "Effective as of October 6th, 2025.", id="day-first"
    ),
    pytest.param(
        "Notice is given on Sept. 2, 2025 by mail.",
        "Notice is given on SEPTEMBER 2, 2025 by mail.",
        id="in-a-sentence",
    ),
    pytest.param(
        "## Last updated: May 19, 2026\n\nText.",
        "Last updated: May 19, 2026\n\nText.",
        id="stamp-heading-flip",
    ),
]


@pytest.mark.parametrize(("old", "new"), DATES)
def test_a_date_written_another_way_is_cosmetic(old, new):
    """The same date with its month written otherwise, or a stamp relabelled: no commit either."""
    old, new = normalize_text(old), normalize_text(new)
    assert texts_cosmetic(old, new)
    assert stream_hash(old) == stream_hash(new)  # the commit decision's fast path agrees


@pytest.mark.parametrize(("old", "new"), WHITESPACE)
def test_whitespace_is_cosmetic(old, new):
    """Whitespace, including a space inserted into or removed from a run, is cosmetic."""
    assert cosmetic(old, new)


@pytest.mark.parametrize(("old", "new"), TYPOGRAPHY)
def test_typography_is_cosmetic(old, new):
    """Quote, dash and ellipsis variants and invisible characters are cosmetic."""
    assert cosmetic(old, new)


@pytest.mark.parametrize(("old", "new"), MARKDOWN)
def test_markdown_syntax_and_flips_are_cosmetic(old, new):
    """The same structure written differently in Markdown, or flipped, is cosmetic."""
    assert cosmetic(old, new)


@pytest.mark.parametrize(("old", "new"), VOLATILE)
def test_volatile_lines_and_tracking_are_cosmetic(old, new):
    """A stamp, id or timestamp standing alone, and tracking parameters, are cosmetic."""
    assert cosmetic(old, new)


def test_ignore_lines_are_cosmetic_and_only_those():
    """Lines an `ignore` regex matches (re.search) do not count; other lines still do."""
    old = "# Policy\n\nLast updated: March 3, 2026\n\nBe kind.\n"
    new = "# Policy\n\nLast updated: April 9, 2026\n\nBe kind.\n"
    ignore = [r"^Last updated: .*$"]
    assert texts_cosmetic(old, new, ignore=ignore)
    assert not texts_cosmetic(old, new.replace("kind", "mean"), ignore=ignore)
    assert not texts_cosmetic(old, new)


NEVER = [
    pytest.param("You may share data.", "You may not share data.", id="negation"),
    pytest.param("You may share data.", "You must share data.", id="modal"),
    pytest.param("Contact Legal.", "Contact legal.", id="case"),
    pytest.param("Retained for 3 days.", "Retained for 5 days.", id="digit"),
    pytest.param("Pay 1 000 EUR.", "Pay 1000 EUR.", id="space-between-digits"),
    pytest.param("Pay 1,000 EUR.", "Pay 1000 EUR.", id="thousands"),
    pytest.param("Use, not abuse.", "Use not abuse.", id="comma"),
    pytest.param("See clause #3.", "See clause 3.", id="number-sign"),
    pytest.param(
        "Data we delete after 90 days ago.", "Data we delete after 9 days ago.", id="ago-in-clause"
    ),
    pytest.param("Blog: updated 3 days ago.", "Blog: updated 5 days ago.", id="ago-after-words"),
    pytest.param(
        "Quote ref 8f3a9c2b1d4e in mail.", "Quote ref 1b2c3d4e5f6a in mail.", id="id-in-sentence"
    ),
    pytest.param("Last updated: March 3, 2026", "Last updated: March 4, 2026", id="absolute-date"),
    pytest.param("Last updated Jun 13, 2025", "Last updated Jan 13, 2026", id="stamp-new-date"),
    pytest.param("Last updated: June 13, 2025", "Updated: June 13, 2025", id="stamp-label-words"),
    pytest.param("Sent on May 5, 2025.", "Sent on May 5, 2026.", id="date-year"),
    pytest.param("Notice sent May 5, 2025.", "Notice sent may 5, 2025.", id="may-lowercased"),
    pytest.param("You may 3, 2025 stop.", "You May 3, 2025 stop.", id="modal-may-is-no-month"),
    pytest.param("https://x.com/p?id=7", "https://x.com/p?id=8", id="real-query-param"),
    pytest.param("Fees | paid", "Fees paid", id="pipe"),
    pytest.param("| Location | Yes | |", "| Location | | Yes |", id="cell-changes-column"),
    pytest.param("| a | b |", "| a | b | c |", id="column-added"),
    pytest.param("| a | b |\n| c | d |", "| a | b |", id="row-removed"),
    pytest.param("| a | b |", "a b", id="row-to-text"),
    pytest.param(
        "# T\n\n## A\n\nX.\n\n## B\n\nY.",
        "# T\n\n## A\n\nX.\n\n### B\n\nY.",
        id="level-moves-provision",
    ),
    pytest.param("- a\n  - b", "- a\n- b", id="item-unnested"),
    pytest.param("- a\n- b", "- a\n  - b", id="item-nested"),
    pytest.param(
        "## A\n\nX.\n\nY.\n\n## B\n\nZ.",
        "## A\n\nX.\n\n## B\n\nZ.\n\nY.",
        id="sentence-to-other-section",
    ),
]


@pytest.mark.parametrize(("old", "new"), NEVER)
def test_never_cosmetic(old, new):
    """Letters, digits, punctuation, table structure and provision changes are real."""
    assert not cosmetic(old, new)


@pytest.mark.parametrize("sign", list(NEVER_COSMETIC_SIGNS))
def test_every_never_cosmetic_sign_counts(sign):
    """Each comparison, math, currency or legal sign and each check mark or cross counts."""
    assert not cosmetic(f"Value {sign} 18 here.", "Value 18 here.")
    assert not lines_cosmetic(f"| Location | {sign} |", "| Location | |")


def test_the_classes_are_the_documented_six():
    """The cosmetic classes are a short, fixed list (the README lists the same)."""
    assert COSMETIC_CLASSES == (
        "whitespace",
        "typography",
        "markdown syntax and structure flips",
        "volatile lines and tracking parameters",
        "ignore lines",
        "dates written another way",
    )


def test_line_level_tests_agree_with_the_text_level_test():
    """The diff's line tests use the same keys: a volatile line alone, a retyped pair, a block."""
    assert line_cosmetic("Request ID: 8f3a9c2b1d4e5f60") and line_cosmetic("")
    assert not line_cosmetic("We delete data collected more than 90 days ago.")
    assert lines_cosmetic("It\u2019s fine.", "It's  fine.")
    assert not lines_cosmetic("- never sold", "  - never sold")
    assert block_cosmetic(["One two.", "Three."], ["One two. Three."])
    assert not block_cosmetic(["- a", "  - b"], ["- a", "- b"])


def test_stream_hash_differs_exactly_when_the_stream_does():
    """Equal stream hashes for a retyped text, different ones for a changed digit."""
    text = normalize_text("# T\n\nPay within 30 days.\n")
    assert stream_hash(text) == stream_hash(normalize_text("T\n\nPay  within 30\u00a0days.\n"))
    assert stream_hash(text) != stream_hash(normalize_text("# T\n\nPay within 60 days.\n"))


WORDS = st.text(alphabet="abcdefgh ", min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8))
def test_retyping_is_cosmetic_and_idempotent(lines):
    """Property: doubling spaces and curling quotes never makes a real change."""
    text = normalize_text("\n\n".join(f"'{x}' - {x}." for x in lines))
    retyped = normalize_text(
        text.replace("'", "\u2019").replace(" - ", " \u2014 ").replace(" ", "  ")
    )
    assert texts_cosmetic(text, retyped) and texts_cosmetic(text, text)


LINES = st.sampled_from(
    [
        "",
        "# T",
        "## 2. Fees",
        "Pay 30 days.",
        "Pay 3 0 days.",
        "Pay 30  days.",
        "- a",
        "  - a",
        "1. a",
        "**Fees**",
        "| a | b |",
        "|---|---|",
        "```",
        "x\0y",
        "Updated 3 days ago",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=12), st.lists(LINES, max_size=12))
def test_the_early_answer_agrees_with_the_whole_check(old, new):
    """Property: texts_cosmetic (which stops at the first differing character) = units_cosmetic."""
    a, b = "\n".join(old), "\n".join(new)
    assert texts_cosmetic(a, b) == (a == b or units_cosmetic(text_units(a), text_units(b)))


def _bullets(text: str, start: str, end: str) -> list[str]:
    """The bullets between START and END in TEXT, each on one line, spaces collapsed."""
    block = text[text.index(start) + len(start) : text.index(end, text.index(start))]
    items = [" ".join(b.split()) for b in block.split("\n- ") if b.strip()]
    return [b.removeprefix("- ") for b in items]


def test_readme_lists_the_classes_exactly_as_the_code_has_them():
    """README's "How it stays safe" holds the docstring's cosmetic and never-cosmetic lists."""
    from pathlib import Path

    import conductatlas_cli.snapshot.change_model as model

    doc = model.__doc__ or ""
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text("utf-8").split())
    cosmetic = _bullets(doc, '(README: "How it stays safe"):\n', "\n\nNEVER_COSMETIC")
    never = _bullets(doc, "structural check:\n", "\n\nThe structural check")
    assert [b.split(":")[0] for b in cosmetic] == list(COSMETIC_CLASSES)
    assert len(never) == 7
    for bullet in cosmetic + never:
        assert f"- {bullet}" in readme


@given(st.text(alphabet="1 2\t\n\u00a0a\u0663\u2003x9", max_size=16))
def test_digit_spaces_are_found_as_the_rule_as_written(text):
    """A squeezed key keeps one space between digits exactly where the rule as written did."""
    as_written = re.compile(r"(?<=\d)\s+(?=\d)")  # its look-behind first: every position tried
    assert _DIGIT_SPACE.pattern != as_written.pattern
    assert _DIGIT_SPACE.sub("\0", text) == as_written.sub("\0", text)

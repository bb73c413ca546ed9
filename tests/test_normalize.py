"""normalize: the snapshot text format and word counts."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conductatlas_cli.snapshot.normalize import _CANDIDATE, normalize_text
from conductatlas_cli.snapshot.words import count_words

# --- characters and whitespace -------------------------------------------------------

CHARACTERS = [
    pytest.param("", "", id="empty"),
    pytest.param(" \n\t\n\u00a0\u200b\n", "", id="whitespace-only"),
    pytest.param("One.\r\nTwo.\rThree.", "One.\nTwo.\nThree.\n", id="crlf-and-cr"),
    pytest.param("a\u2028b\u2029c\x85d\x0ce", "a b c d e\n", id="unicode-line-breaks"),
    pytest.param("ten\u00a0dollars\u202fnow", "ten dollars now\n", id="nbsp"),
    pytest.param("a\u2003b\u3000c\u205fd\u2009e", "a b c d e\n", id="unicode-spaces"),
    pytest.param("\ufeffzero\u200bwidth\u200c\u200djoin\u2060ers", "zerowidthjoiners\n", id="zw"),
    pytest.param("soft\u00adhyphen", "softhyphen\n", id="soft-hyphen"),
    pytest.param("\u202eleft\u200e\u200fright\u2066x\u2069", "leftrightx\n", id="bidi"),
    pytest.param("bell\x07 esc\x1b[31m del\x7f c1\x9b", "bell esc del c1\n", id="controls"),
    pytest.param("a\tb\t\tc", "a b c\n", id="tabs-inside-line"),
    pytest.param("e\u0301te\u0301", "\u00e9t\u00e9\n", id="nfc"),
    pytest.param("e\u200b\u0301", "\u00e9\n", id="nfc-after-removing-invisible"),
    pytest.param("many    spaces   here   ", "many spaces here\n", id="collapse-and-trailing"),
    pytest.param("\n\n\nStart.", "Start.\n", id="leading-blank-lines"),
    pytest.param("One.\n\n\n\n\nTwo.\n\n\n", "One.\n\nTwo.\n", id="blank-runs"),
    pytest.param("One.\n \n\t\nTwo.", "One.\n\nTwo.\n", id="blank-lines-with-spaces"),
    pytest.param("Final", "Final\n", id="final-newline-added"),
]


@pytest.mark.parametrize(("text", "expected"), CHARACTERS)
def test_characters(text, expected):
    """Line ends, invisible, control and space characters are cleaned as SPEC.md says."""
    assert normalize_text(text) == expected


# --- sentences: where a paragraph must NOT be split -----------------------------------

NO_SPLIT = [
    pytest.param("Use tools, e.g. Google Search, with care.", id="e.g."),
    pytest.param("Use tools, i.e. Cohere Command, with care.", id="i.e."),
    pytest.param("Cats, dogs, etc. are pets.", id="etc.-lowercase"),
    pytest.param("Users in the U.S. and the U.K. Market are covered.", id="U.S.-U.K."),
    pytest.param("Laws of the E.U. Member states apply.", id="E.U."),
    pytest.param("Cohere Inc. Provides the service.", id="Inc."),
    pytest.param("Acme Ltd. And Acme Co. Or Acme Corp. Sign.", id="Ltd.-Co.-Corp."),
    pytest.param("Acme LLC. Is a party.", id="LLC."),
    pytest.param("See Form No. 5 and Nos. 6 to 8.", id="No.-Nos."),
    pytest.param("Under Art. 5 GDPR and Sec. 4 of the Act.", id="Art.-Sec."),
    pytest.param("See Section 3.2 of the terms.", id="section-decimal"),
    pytest.param("Open source vs. Proprietary models.", id="vs."),
    pytest.param("Mr. Smith, Ms. Jones and Dr. Who met on St. Mark's day.", id="titles"),
    pytest.param(
        "As stated in para. 4 and cf. Annex 2 this is approx. 5 pages.", id="para-cf-approx"
    ),
    pytest.param("Effective Jan. 5 and again on Sept. 30 and Dec. 1.", id="months"),
    pytest.param("Signed by J. Smith and A. B. Jones.", id="initials"),
    pytest.param("It costs $1.50 or 3.5 percent.", id="decimals"),
    pytest.param("Requires version 2.10.3 or later.", id="version"),
    pytest.param("Visit https://example.com/a.B?x=1. or www.example.org/Docs today.", id="urls"),
    pytest.param("Write to legal.team@example.com about it.", id="email"),
    pytest.param("We may... Or may not change this.", id="ellipsis-dots"),
    pytest.param("We may\u2026 Or may not change this.", id="ellipsis-char"),
    pytest.param("2.3. Data retention applies.", id="numbered-clause-start"),
    pytest.param("iv. The provider may act.", id="roman-clause-start"),
    pytest.param("A. Definitions apply here.", id="letter-clause-start"),
    pytest.param("(a) The customer shall comply.", id="parenthesised-clause"),
    pytest.param("This is stated above. 1. Scope is next.", id="no-split-into-list-item"),
    pytest.param("Read it. - Then act.", id="no-split-into-bullet"),
    pytest.param("Read it. | Then act.", id="no-split-into-table"),
    pytest.param("the end. lowercase follows", id="lowercase-after-period"),
]


@pytest.mark.parametrize("text", NO_SPLIT)
def test_no_split(text):
    """Abbreviations, numbers, URLs, ellipses and clause markers do not end a sentence."""
    assert normalize_text(text) == text + "\n"


# --- sentences: where a paragraph MUST be split ---------------------------------------

SPLIT = [
    pytest.param("One. Two.", "One.\nTwo.\n", id="period"),
    pytest.param("Stop! Go? Yes.", "Stop!\nGo?\nYes.\n", id="bang-question"),
    pytest.param('He said "no." Then left.', 'He said "no."\nThen left.\n', id="closing-quote"),
    pytest.param("It ends (here.) Next one.", "It ends (here.)\nNext one.\n", id="closing-paren"),
    pytest.param(
        "End. \u201cQuoted\u201d start.", "End.\n\u201cQuoted\u201d start.\n", id="open-q"
    ),
    pytest.param("End. (Aside) start.", "End.\n(Aside) start.\n", id="opening-bracket"),
    pytest.param("In 2024. 30 users left.", "In 2024.\n30 users left.\n", id="digits"),
    pytest.param("Cats, dogs, etc. The end.", "Cats, dogs, etc.\nThe end.\n", id="etc.-Upper"),
    pytest.param("See https://x.com/a. Then go.", "See https://x.com/a.\nThen go.\n", id="url-end"),
    pytest.param("**Note.** Read this.", "**Note.**\nRead this.\n", id="emphasis-closer"),
    pytest.param("Done. **Next** step.", "Done.\n**Next** step.\n", id="emphasis-opener"),
    pytest.param(
        "\u00c9t\u00e9. \u00c9cole ferm\u00e9e.",
        "\u00c9t\u00e9.\n\u00c9cole ferm\u00e9e.\n",
        id="non-ascii-upper",
    ),
    pytest.param(
        "This was wrapped\nby the extractor. And this\ntoo.",
        "This was wrapped by the extractor.\nAnd this too.\n",
        id="rewrap",
    ),
    pytest.param(
        "First. Second.\n\nThird. Fourth.",
        "First.\nSecond.\n\nThird.\nFourth.\n",
        id="two-paragraphs",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPLIT)
def test_split(text, expected):
    """A paragraph is rejoined, then split one sentence per line at real sentence ends."""
    assert normalize_text(text) == expected


# --- Markdown blocks -------------------------------------------------------------------

BLOCKS = [
    pytest.param("#   Title   ##", "# Title\n", id="heading-closing-hashes"),
    pytest.param("### C# and F#", "### C# and F#\n", id="heading-hash-in-word"),
    pytest.param("## C# ## #", "## C#\n", id="heading-closing-after-hash-word"),
    pytest.param("# #", "#\n", id="heading-only-hashes"),
    pytest.param("## One. Two.", "## One. Two.\n", id="heading-not-split"),
    pytest.param("#hashtag here", "#hashtag here\n", id="hashtag-is-prose"),
    pytest.param("* a\n+ b\n\u2022 c\n\u2022d", "- a\n- b\n- c\n- d\n", id="bullets"),
    pytest.param("1. Scope\n2) Uses", "1. Scope\n2) Uses\n", id="ordered-kept"),
    pytest.param(
        "- First sentence. Second sentence.",
        "- First sentence.\n  Second sentence.\n",
        id="list-item-sentences",
    ),
    pytest.param(
        "10. First one. Second one.",
        "10. First one.\n    Second one.\n",
        id="ordered-item-sentences",
    ),
    pytest.param("- item that\nwraps here.", "- item that wraps here.\n", id="lazy-continuation"),
    pytest.param(
        "- a\n    - b\n        - c\n    - d\n- e",
        "- a\n  - b\n    - c\n  - d\n- e\n",
        id="nested-4-to-2",
    ),
    pytest.param("* a\n  * b\n   * c", "- a\n  - b\n    - c\n", id="nested-2-kept"),
    pytest.param("1. a\n   - b\n2. c", "1. a\n   - b\n2. c\n", id="nested-under-ordered"),
    pytest.param("\t- a\n\t\t- b", "- a\n  - b\n", id="nested-tabs"),
    pytest.param(
        "- a\n\n  Second paragraph. Two.\n- b",
        "- a\n\n  Second paragraph.\n  Two.\n- b\n",
        id="paragraph-inside-item",
    ),
    pytest.param(
        "| Name   | Value. Two. |\n|---|:---:|\n| a | b |",
        "| Name | Value. Two. |\n|---|:---:|\n| a | b |\n",
        id="table",
    ),
    pytest.param("> Quoted. Two.", "> Quoted. Two.\n", id="quote"),
    pytest.param("Text\n---\n* * *", "Text\n---\n* * *\n", id="thematic-breaks"),
    pytest.param(
        "Intro.\n```\nx  =  1.  Y\n\n\n\ny\n```\nAfter. Two.",
        "Intro.\n```\nx  =  1.  Y\n\ny\n```\nAfter.\nTwo.\n",
        id="code-fence",
    ),
    pytest.param(
        "(a) the customer shall\nnot do this; and\n(b) the provider may.",
        "(a) the customer shall not do this; and\n(b) the provider may.\n",
        id="clauses-start-paragraphs",
    ),
    pytest.param("Intro\n# Heading\nBody.", "Intro\n# Heading\nBody.\n", id="no-blank-added"),
    pytest.param(
        "1. Scope\nThese terms apply.\n2. Fees\n2.1 Payment\nFees are due\nmonthly.",
        "1. Scope\nThese terms apply.\n2. Fees\n2.1 Payment\nFees are due monthly.\n",
        id="clause-titles-stay-alone",
    ),
    pytest.param(
        "LIMITATION OF LIABILITY\nNeither party is liable.",
        "LIMITATION OF LIABILITY\nNeither party is liable.\n",
        id="all-caps-title-stays-alone",
    ),
    pytest.param(
        "THE SERVICES ARE PROVIDED AS IS.\nWE DISCLAIM ALL WARRANTIES.",
        "THE SERVICES ARE PROVIDED AS IS.\nWE DISCLAIM ALL WARRANTIES.\n",
        id="all-caps-sentences",
    ),
    pytest.param(
        "- An item\nThe next paragraph.",
        "- An item\nThe next paragraph.\n",
        id="capitalised-line-after-item-is-new-paragraph",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BLOCKS)
def test_blocks(text, expected):
    """Headings, lists, tables, quotes and code keep their Markdown shape."""
    assert normalize_text(text) == expected


def test_realistic_document():
    """A trafilatura-like document normalizes to the exact expected snapshot."""
    text = (
        "# Usage Policy\n\n"
        "Last updated: March 3, 2026\n\n"
        "This policy applies to Cohere Inc. and its users. You must comply.\n\n"
        "## 1. Prohibited Uses\n\n"
        "* Generating spam. This includes bulk e-mail.\n"
        "* Harassment, e.g. threats\n\n"
        "| Use | Allowed |\n|---|---|\n| Research | Yes |\n"
    )
    assert normalize_text(text) == (
        "# Usage Policy\n\n"
        "Last updated: March 3, 2026\n\n"
        "This policy applies to Cohere Inc. and its users.\n"
        "You must comply.\n\n"
        "## 1. Prohibited Uses\n\n"
        "- Generating spam.\n"
        "  This includes bulk e-mail.\n"
        "- Harassment, e.g. threats\n\n"
        "| Use | Allowed |\n|---|---|\n| Research | Yes |\n"
    )


# --- properties ------------------------------------------------------------------------

PIECES = [
    "# ", "## ", "#", "- ", "* ", "+ ", "\u2022 ", "1. ", "2) ", "10. ", "(a) ", "iv. ", "A. ",
    "2.3 ", "| a | b |", "|---|", "> ", "```", "~~~", "---", "* * *", "\n", "\n", "\n\n",
    "\r\n", "\r", " ", "    ", "\t", "\u00a0", "\u200b", "\u2028", "\x00", "\x1b", "\x85",
    ". ", "! ", "? ", "...", "\u2026", "e.g.", "U.S.", "No. ", "Inc.", "J.", "3.5", "The",
    "the", "A", "x", "1", '"', "\u201c", "(", ")", "**", "_", "`", "e", "\u0301", "\u00ad",
    "\u3000", "\ufeff", "\u202e", "\u01c5", "TITLE ", "NO CAPS.", "B",
]  # fmt: skip
LINE_WORDS = ["The", "the", "Foo.", "BAZ", "QUX.", "e.g.", "No.", "5.", "(a)", "A.", "2.3", "Y!"]
LINE_MARKS = ["", "", "- ", "* ", "1. ", "10. ", "# ", "> ", "| ", "(a) ", "2.1 ", "```", "---"]
LINES = st.tuples(
    st.sampled_from(["", " ", "  ", "   ", "    ", "      ", "\t"]),
    st.sampled_from(LINE_MARKS),
    st.lists(st.sampled_from(LINE_WORDS), max_size=6).map(" ".join),
).map("".join)
TEXTS = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=40).map("".join),
    st.lists(st.one_of(LINES, st.just("")), max_size=20).map("\n".join),
    st.text(),
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(TEXTS)
@example("- \n2.3 \nthe")  # counterexamples long fuzzing once found
@example("- \n2.3  the")
@example("0A. 3.5\x85. ")
@example("(a) iv. 0\n0")
@example("Intro. CAPS\nNext line.\n(a) Foo. BAR\nBaz")
def test_idempotent(text):
    """Normalizing twice gives the same text as normalizing once."""
    once = normalize_text(text)
    assert normalize_text(once) == once


@PROPERTY
@given(TEXTS)
def test_output_invariants(text):
    """Output has no controls but LF, no invisibles, no trailing spaces, one final LF, NFC."""
    out = normalize_text(text)
    assert all(c == "\n" or unicodedata.category(c) != "Cc" for c in out)
    assert not any(c in out for c in "\u00a0\u200b\u200c\u200d\u2060\ufeff\u00ad\t\r")
    assert all(line == line.rstrip(" ") for line in out.split("\n"))
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    assert not out.startswith("\n") and "\n\n\n" not in out
    assert unicodedata.is_normalized("NFC", out)


# --- count_words -----------------------------------------------------------------------

WORDS = [
    pytest.param("", 0, id="empty"),
    pytest.param("One two three.", 3, id="prose"),
    pytest.param("# Title here\n\n- item one\n1. item two", 6, id="markers"),
    pytest.param("| a | b |\n|---|:---:|\n| c | d |", 4, id="table"),
    pytest.param('See [the terms](https://x.com/a/b "Terms") now.', 4, id="link-url"),
    pytest.param("Pay $1.50 by 2026-01-01 - or not.", 6, id="numbers-dash"),
    pytest.param("**Bold** and _em_ > quote", 4, id="emphasis"),
]


@pytest.mark.parametrize(("text", "expected"), WORDS)
def test_count_words(text, expected):
    """Words are counted without Markdown markers, separators or link targets."""
    assert count_words(text) == expected


def test_terminal_escape_sequences_leave_no_residue():
    """A page's escape sequences vanish whole: no '[2J' or link target left in the text."""
    text = "Hello \x1b[2J world. See \x1b]8;;http://evil.test\x1b\\the link\x1b]8;;\x1b\\ now."
    assert normalize_text(text) == "Hello world.\nSee the link now.\n"


def test_stray_escape_does_not_swallow_the_document():
    """An unterminated OSC ends at the line break: the next line survives."""
    text = normalize_text("Intro \x1b]8;;x\nThe next clause stays.")
    assert text == "Intro The next clause stays.\n"


# The sentence-end candidate as first written (its look-behind first made `re` try every
# position of a paragraph).
_CANDIDATE_AS_WRITTEN = re.compile(
    _CANDIDATE.pattern.replace(r"([.!?](?<![.!?][.!?])[.!?]*)", r"(?<![.!?])([.!?]+)", 1)
)


@given(st.text(alphabet=".!?)]\"'*_ aA1(\u201c\u201dxZ`\n", max_size=24), st.integers(0, 24))
def test_sentence_end_candidates_are_the_rule_as_written(text, pos):
    """The candidate sentence ends are found where, and as, the rule as first written finds them."""
    assert _CANDIDATE_AS_WRITTEN.pattern != _CANDIDATE.pattern

    def found(rx):
        return [(m.span(), m.group(1)) for m in rx.finditer(text, pos)]

    assert found(_CANDIDATE) == found(_CANDIDATE_AS_WRITTEN)

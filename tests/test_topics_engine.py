"""The tagger's engine choice (`re` or `regex`) and tagging only the sections a diff needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex
import yaml

from conductatlas_cli.diff.sections import parse_sections
from conductatlas_cli.topics import load_taxonomy, shipped_taxonomy, tag_sections, tag_text
from conductatlas_cli.topics.engine import (
    SAME_CLASS,
    compiled,
    find_overlapped,
    only_regex,
    same_class,
    shape,
)
from conductatlas_cli.topics.tagger import Seen, _tag, line_local, topics_of

DATA = Path(__file__).parent / "data"
TAGGING = yaml.safe_load((DATA / "topics" / "tagging.yaml").read_text("utf-8"))
# Project-written documents: the tagging cases, the change cases' old and new texts, and
# text an engine could read differently (a combining mark, superscripts, separators).
DOCUMENTS = (
    [case["text"] for case in TAGGING]
    + [p.read_text("utf-8") for p in sorted((DATA / "changes").glob("*/*.md"))]
    + [
        "# Terms\n\n## 7. Data Retention\n\nWe retain\u0308ed your prompts² for 30 days.\n"
        "Users own\u200d their outputs; you may not use the service to train models.\n"
        "\x1cArbitration\x1d applies; you waive class actions.\n"
    ]
)


@pytest.fixture
def on_regex():
    """Every pattern on `regex` for the test's duration."""
    only_regex(True)
    yield
    only_regex(False)


def _tags(text: str) -> str:
    return repr(tag_text(text, shipped_taxonomy()))


def test_shipped_taxonomy_tags_alike_on_both_engines():
    """Tagging with `re` where it may run gives exactly what `regex` alone gives (hits too)."""
    chosen = [_tags(t) for t in DOCUMENTS]
    only_regex(True)
    try:
        alone = [_tags(t) for t in DOCUMENTS]
    finally:
        only_regex(False)
    assert chosen == alone
    assert any("data-retention" in t for t in chosen)


def test_same_class_characters_are_classified_alike_by_both_engines():
    """Every SAME_CLASS character is \\w, \\s, \\d and a word boundary in both engines or in neither."""
    chars = "".join(c for c in map(chr, range(0x10000)) if same_class(c))
    assert len(chars) > 35_000
    for escape in (r"\w", r"\W", r"\s", r"\S", r"\d", r"\D"):
        assert re.findall(escape, chars) == regex.findall(escape, chars), escape
    assert [m.start() for m in re.finditer(r"\b", chars)] == [
        m.start() for m in regex.finditer(r"\b", chars)
    ]
    assert not same_class("a\u0308") and not same_class("x²") and SAME_CLASS.startswith("\x00")


@pytest.mark.parametrize(
    ("expression", "engine"),
    [
        (r"retain(?:s|ed)?", re.Pattern),  # literals only: `re`, whatever the text
        (r"(?<=(?:our|these) )policy", regex.Pattern),  # variable-width look-behind
        (r"\p{Lu}\w+", regex.Pattern),  # a `regex`-only class
        (r"(?i)ToS", regex.Pattern),  # flags: case folding differs between engines
    ],
)
def test_each_pattern_runs_on_the_engine_that_matches_it_exactly(expression, engine):
    """`re` runs what it compiles without flags; everything else falls back to `regex`."""
    assert isinstance(compiled(expression, same=False), engine)


def test_categories_run_on_re_only_over_same_class_text():
    """`\\w` runs on `re` for text both engines classify alike, on `regex` for other text."""
    assert isinstance(compiled(r"keep\w*", same=True), re.Pattern)
    assert isinstance(compiled(r"keep\w*", same=False), regex.Pattern)


def test_user_topic_with_regex_only_syntax_still_tags():
    """A user pattern `re` cannot compile is accepted and matched by `regex`."""
    taxonomy = load_taxonomy(
        {
            "my-topic": {
                "label": "Mine",
                "patterns": [{"pattern": r"(?<=(?:our|the) )\p{L}olicy", "weight": 3}],
            }
        }
    )
    assert "my-topic" in tag_text("# T\n\n## A\n\nRead our policy here.\n", taxonomy).topics


def test_overlapped_search_on_re_matches_regex_overlapped():
    """`find_overlapped` over a `re` pattern gives `regex`'s overlapped=True matches."""
    text = "aaa data data-retention retained aaaa"
    for expression in (r"a+", r"\w+", r"(?<![a-z])(?:da\w*|re\w+)", r"aa"):
        ours = [(m.start(), m.group()) for m in find_overlapped(re.compile(expression), text)]
        theirs = [(m.start(), m.group()) for m in regex.finditer(expression, text, overlapped=True)]
        assert ours == theirs, expression


@pytest.mark.parametrize(
    ("expression", "local"),
    [
        (r"data[^.!?;\n]{0,60}?retention", True),
        (r"(?<![a-z])keep\w*(?![a-z])", True),
        (r"data\s+retention", False),  # \s takes a newline
        (r"^retention", False),  # a string's start is not a line's
        (r"(?<!\W)retention", False),  # \W looks at the newline before a line
        (r"data.retention", True),
        (r"data[^x]retention", False),
    ],
)
def test_line_local_patterns_never_reach_past_a_line(expression, local):
    """`shape` tells the patterns whose matches and look-arounds stay within a line."""
    assert shape(expression).line_local is local


def test_shipped_taxonomy_is_line_local():
    """The shipped patterns stay within a line, so a diff tags only its changed sections."""
    assert line_local(shipped_taxonomy())


@pytest.mark.parametrize(
    "extra",
    [
        None,
        {"spanning": {"label": "Spans", "patterns": [{"pattern": r"retain\s+your", "weight": 3}]}},
    ],
    ids=["shipped", "not-line-local"],
)
def test_topics_of_some_sections_equal_those_of_the_whole_document(extra):
    """Tagging a few sections (and their ancestors) gives them the topics a full tagging does."""
    taxonomy = load_taxonomy(extra)
    for text in DOCUMENTS:
        sections = parse_sections(text)
        whole = [s.topics for s in tag_sections(sections, taxonomy).sections]
        for wanted in (range(len(sections)), range(len(sections) - 1, -1, -2)):
            got = topics_of(sections, taxonomy, wanted)
            assert got == {i: whole[i] for i in wanted}


def test_lines_seen_in_another_text_get_the_topics_they_would_alone():
    """Tagging with the matches of lines met in other texts (SEEN) changes no section's topics."""
    taxonomy = shipped_taxonomy()
    seen = Seen()
    for text in DOCUMENTS + DOCUMENTS[::-1]:
        sections = parse_sections(text)
        whole = [s.topics for s in tag_sections(sections, taxonomy).sections]
        for wanted in (range(len(sections)), range(len(sections) - 1, -1, -2)):
            got = topics_of(sections, taxonomy, wanted, seen=seen)
            assert got == {i: whole[i] for i in wanted}
        # the evidence too: every hit, score and passage
        assert repr(_tag(sections, taxonomy, seen=seen)) == repr(tag_sections(sections, taxonomy))
    assert seen.hits and seen.segments.lines

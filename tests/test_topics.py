"""Governance topics: the shipped taxonomy, user topics, validation, and the tagger."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conductatlas_cli.errors import AtlasError, ConfigError
from conductatlas_cli.topics import (
    TopicsError,
    Where,
    load_taxonomy,
    shipped_taxonomy,
    tag_text,
    validate_topics,
)

DATA = Path(__file__).parent / "data" / "topics"
TAGGING = yaml.safe_load((DATA / "tagging.yaml").read_text("utf-8"))
VALIDATION = yaml.safe_load((DATA / "validation.yaml").read_text("utf-8"))
ISSUE_IDS = {
    "operator-responsibility",
    "training-on-user-data",
    "data-retention",
    "output-ownership",
    "liability-limitation",
    "indemnification",
    "disputes",
    "termination",
    "changes-to-terms",
    "prohibited-uses",
    "minors",
    "privacy-rights",
}


def test_shipped_taxonomy_has_the_twelve_topics_with_labels_and_descriptions():
    """The package ships at least the 12 issue topics, each labelled, described and with patterns."""
    taxonomy = shipped_taxonomy()
    assert ISSUE_IDS <= set(taxonomy.ids)
    for topic in taxonomy.topics:
        assert topic.label and topic.description and topic.patterns


@pytest.mark.parametrize("case", TAGGING, ids=[c["name"] for c in TAGGING])
def test_tagging_cases(case):
    """Each sample document carries exactly the expected topics (and per-section ones)."""
    tagged = tag_text(case["text"], shipped_taxonomy())
    assert list(tagged.topics) == sorted(case["topics"], key=shipped_taxonomy().ids.index)
    for heading, topics in case.get("sections", {}).items():
        section = next(s for s in tagged.sections if s.section.heading == heading)
        assert set(section.topics) == set(topics)


def test_heading_match_scores_three_times_a_body_match():
    """The same pattern weighs three times more in a heading than in the body."""
    tagged = tag_text("# Indemnification\n\nYou indemnify us.\n", shipped_taxonomy())
    hits = tagged.sections[0].match("indemnification").hits
    same = {h.where: h.score for h in hits if h.pattern.startswith("indemnif")}
    assert same[Where.HEADING] == 3 * same[Where.BODY]


def test_explain_names_pattern_line_and_text():
    """A hit says which pattern matched, where, on which line and what text."""
    text = "# Terms\n\n## Law\n\nThese terms are governed by the laws of Sweden.\n"
    match = tag_text(text, shipped_taxonomy()).sections[1].match("disputes")
    hit = next(h for h in match.hits if h.where is Where.BODY)
    assert (hit.line, hit.text) == (5, "governed by the laws")
    assert "governed" in hit.pattern


def test_negative_pattern_cancels_an_overlapping_hit():
    """A user negative pattern removes the hit it overlaps, and with it the topic."""
    text = "# Note\n\nWe keep cookies for 30 days.\n"
    assert "data-retention" in tag_text(text, shipped_taxonomy()).topics
    taxonomy = load_taxonomy({"data-retention": {"negative_patterns": ["keep cookies ~20 days"]}})
    assert "data-retention" not in tag_text(text, taxonomy).topics


def test_user_topic_is_added_after_the_shipped_ones():
    """A new topic in `topics:` is tagged like the shipped ones and comes last."""
    taxonomy = load_taxonomy(
        {
            "export-controls": {
                "label": "Export controls",
                "patterns": [{"pattern": "export (?:control|law)s?", "weight": 2}],
            }
        }
    )
    assert taxonomy.ids[-1] == "export-controls"
    assert taxonomy.get("export-controls").user
    tagged = tag_text("# Export\n\nYou must comply with export laws.\n", taxonomy)
    assert "export-controls" in tagged.topics


def test_user_override_replaces_only_the_fields_given():
    """Overriding a shipped topic keeps its other fields."""
    shipped = shipped_taxonomy().get("minors")
    topic = load_taxonomy({"minors": {"label": "Children"}}).get("minors")
    assert topic.label == "Children"
    assert topic.patterns == shipped.patterns and topic.user


def test_threshold_override_changes_what_is_tagged():
    """Raising a topic's threshold drops a section that scored below it."""
    text = "# Note\n\nSee our acceptable use rules; you may not use the service for spam.\n"
    assert "prohibited-uses" in tag_text(text, shipped_taxonomy()).topics
    strict = load_taxonomy({"prohibited-uses": {"threshold": 50}})
    assert "prohibited-uses" not in tag_text(text, strict).topics


@pytest.mark.parametrize("case", VALIDATION, ids=[c["name"] for c in VALIDATION])
def test_validation_problems_name_topic_and_field(case):
    """Every invalid entry gives a one-line problem naming the topic and the field."""
    problems = [str(p) for p in validate_topics(case["topics"], known=shipped_taxonomy().ids)]
    assert any(case["problem"] in p for p in problems), problems
    with pytest.raises(TopicsError) as info:
        load_taxonomy(case["topics"])
    assert any(case["problem"] in p for p in info.value.problems)


def test_topics_error_is_a_config_error():
    """TopicsError is a ConfigError (an AtlasError with exit code 2)."""
    assert issubclass(TopicsError, ConfigError) and issubclass(TopicsError, AtlasError)
    assert TopicsError(["x"]).exit_code == 2


def test_valid_topics_give_no_problems():
    """A well-formed `topics:` mapping validates cleanly."""
    assert (
        validate_topics(
            {"my-topic": {"label": "Mine", "patterns": ["foo", {"pattern": "bar", "weight": 2}]}}
        )
        == []
    )


def test_provision_of_a_heading_is_its_whole_subtree():
    """A topic carried by a heading returns the heading's section and its subsections."""
    text = "# T\n\n## Data retention\n\nIntro.\n\n### Backups\n\nCopies go.\n\n## Fees\n\nPay.\n"
    provisions = tag_text(text, shipped_taxonomy()).provisions("data-retention")
    assert len(provisions) == 1
    assert "Copies go." in provisions[0].text and "Pay." not in provisions[0].text


def test_provisions_in_a_long_section_are_its_matching_passages():
    """Without a matching heading, only the matching clause is returned, with its title."""
    text = (
        "# Terms\n\n**1. Fees.** You pay monthly.\n\n"
        "**2. Indemnity.** You will indemnify and hold us harmless.\n\n**3. Notices.** By email.\n"
    )
    (provision,) = tag_text(text, shipped_taxonomy()).provisions("indemnification")
    assert provision.title == "2. Indemnity" and "Fees" not in provision.text


def test_menu_links_are_not_evidence():
    """A table of contents made of links does not tag the document."""
    text = "# Policy\n\n* [Data Retention](#retention)\n* [Arbitration](#arbitration)\n\nWelcome.\n"
    assert tag_text(text, shipped_taxonomy()).topics == ()


def test_tagging_is_deterministic():
    """The same text gives the same result twice."""
    text = TAGGING[3]["text"]
    assert tag_text(text, shipped_taxonomy()) == tag_text(text, shipped_taxonomy())


def test_every_shipped_pattern_compiles():
    """The shipped taxonomy (loaded without compiling, for speed) is valid regex throughout."""
    from conductatlas_cli.topics.taxonomy import _shipped_raw, validate_topic

    problems = [p for tid, spec in _shipped_raw().items() for p in validate_topic(tid, spec)]
    assert problems == []


def test_every_shipped_pattern_compiles_with_stdlib_re():
    """Shipped patterns use only syntax stdlib `re` compiles too (no variable-width look-behind)."""
    import re

    failing = [
        (topic.id, p.source)
        for topic in shipped_taxonomy().topics
        for p in topic.patterns + topic.heading_patterns + topic.negative_patterns
        if not _compiles(re, p.expression)
    ]
    assert failing == []


def _compiles(module, expression: str) -> bool:
    try:
        module.compile(expression)
    except module.error:
        return False
    return True

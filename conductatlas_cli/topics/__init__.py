"""Governance topics: the taxonomy, and which topics each provision of a snapshot carries.

Owns: `taxonomy.yaml` (the shipped topics), `taxonomy.py` (load, merge user
`topics:`, validate), `segment.py` (sections → passages), `prefix.py` (the literal-prefix
index that keeps tagging fast), `engine.py` (each pattern on `re` where it matches as
`regex` does, on `regex` otherwise), `store.py` (the analysis and compiled
programs kept between processes), `hits.py` (the matches that count, per line),
`tagger.py` (sections → topics, with the evidence for `--explain`), `changes.py`
(topics on a change summary, `--topic`, the `Atlas-Topics` trailer, `watch:`),
`batch.py` (many documents' change summaries with topics, in worker processes),
`compare.py` (`atlas topics` and `atlas compare` from the archive).

May import: `diff` (the section parser, the change model and summary),
`atomic`, `errors`. Reads the archive only through the `Archive` it is given; knows
nothing of the network, typer or rich.
"""

from conductatlas_cli.topics.tagger import (
    DocumentTopics,
    Hit,
    Provision,
    SectionTopics,
    TopicMatch,
    Where,
    tag_sections,
    tag_text,
)
from conductatlas_cli.topics.taxonomy import (
    Taxonomy,
    Topic,
    TopicProblem,
    TopicsError,
    load_taxonomy,
    shipped_taxonomy,
    validate_topic,
    validate_topics,
)

__all__ = [
    "DocumentTopics",
    "Hit",
    "Provision",
    "SectionTopics",
    "Taxonomy",
    "Topic",
    "TopicMatch",
    "TopicProblem",
    "TopicsError",
    "Where",
    "load_taxonomy",
    "shipped_taxonomy",
    "tag_sections",
    "tag_text",
    "validate_topic",
    "validate_topics",
]

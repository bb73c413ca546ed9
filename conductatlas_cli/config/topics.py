"""The `topics:` key of sources.yaml: user governance topics, validated with line numbers.

The topic model and its rules live in `topics.taxonomy`; this module only maps
each `TopicProblem` back to the YAML node it is about, so `atlas check` names
the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from conductatlas_cli.topics.taxonomy import TopicProblem, shipped_taxonomy, validate_topic

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _value(node: yaml.Node) -> Any:
    """The Python value of a YAML NODE (plain types only)."""
    return _LOADER("").construct_document(node)


def _child(node: yaml.Node, problem: TopicProblem) -> yaml.Node:
    """The node PROBLEM is about: the field's value, or its list item, else NODE itself."""
    if problem.field is None or not isinstance(node, yaml.MappingNode):
        return node
    for key_node, value_node in node.value:
        if str(key_node.value) == problem.field:
            if problem.index is not None and isinstance(value_node, yaml.SequenceNode):
                if 0 <= problem.index < len(value_node.value):
                    return value_node.value[problem.index]
            return key_node if problem.message == "unknown field" else value_node
    return node


def check_topics(node: yaml.Node, report: Callable[[yaml.Node, str], None]) -> dict:
    """The `topics:` mapping at NODE as plain data; each problem REPORTed at its node."""
    if not isinstance(node, yaml.MappingNode):
        report(node, "'topics' must be a mapping of topic ids to topics")
        return {}
    known = set(shipped_taxonomy().ids)
    result: dict = {}
    for key_node, value_node in node.value:
        topic_id = str(key_node.value)
        spec = _value(value_node)
        problems = validate_topic(topic_id, spec, partial=topic_id in known)
        for problem in problems:
            target = key_node if problem.field is None else _child(value_node, problem)
            report(target, f"'topics': {problem}")
        if not problems:
            result[topic_id] = spec
    return result


def check_watch(
    entries: list[tuple[str, yaml.Node]], what: str, report: Callable[[yaml.Node, str], None]
) -> tuple[str, ...]:
    """`watch:` ENTRIES: topic ids or heading patterns; a pattern must be a valid regex."""
    good = []
    for entry, item in entries:
        try:
            re.compile(entry, re.IGNORECASE)
        except (re.error, RecursionError, OverflowError) as exc:
            report(
                item, f"{what}: '{entry}' is neither a topic nor a valid heading pattern ({exc})"
            )
            continue
        good.append(entry)
    return tuple(good)

"""The governance-topic taxonomy: the shipped `taxonomy.yaml`, user topics merged over it.

A topic is recognised by weighted regular expressions (see the header of
`taxonomy.yaml` for the syntax). `validate_topic` and `validate_topics` return
one `TopicProblem` per problem (never raise), so the sources.yaml loader can
attach line numbers; `load_taxonomy` raises `TopicsError` with all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import yaml

from conductatlas_cli.errors import ConfigError

TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOPIC_KEYS = {
    "label",
    "description",
    "patterns",
    "heading_patterns",
    "negative_patterns",
    "threshold",
    "counterparts",
}
PATTERN_LISTS = ("patterns", "heading_patterns", "negative_patterns")
COUNTERPART_KEYS = {"opp115", "claudette", "tosdr"}
DEFAULT_THRESHOLD = 2.0
MAX_WEIGHT = 10.0
# " ~ " (or "~40") between two parts of a pattern: up to N characters of the same sentence.
_GAP = re.compile(r"\s*~(\d{1,3})?\s*")
_DEFAULT_GAP = 60
# Word boundaries for Latin, Greek and Cyrillic letters and digits; CJK text has no spaces.
_LETTER = r"0-9A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF"


class TopicsError(ConfigError):
    """The taxonomy (shipped or a user's `topics:`) is invalid; one line per problem."""


@dataclass(frozen=True)
class Pattern:
    """One pattern as written, with its weight and the expression it compiles to."""

    source: str
    weight: float
    expression: str  # with word boundaries
    core: str = ""  # without them (for the literal-prefix index)


@dataclass(frozen=True)
class Topic:
    """One governance topic."""

    id: str
    label: str
    description: str
    patterns: tuple[Pattern, ...]
    heading_patterns: tuple[Pattern, ...] = ()
    negative_patterns: tuple[Pattern, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    counterparts: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, hash=False
    )
    user: bool = False  # added or overridden in sources.yaml


@dataclass(frozen=True)
class TopicProblem:
    """One problem with one topic: which topic, which field (and list index), what is wrong."""

    topic: str
    field: str | None
    message: str
    index: int | None = None

    def __str__(self) -> str:
        where = f"topic '{self.topic}'"
        if self.field:
            where += f": '{self.field}'" + (f"[{self.index}]" if self.index is not None else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Taxonomy:
    """The topics in force, in taxonomy order (shipped first, then user additions)."""

    topics: tuple[Topic, ...]

    def __hash__(self) -> int:  # the taggers' caches look it up several times per text
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(self.topics)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def get(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def __contains__(self, topic_id: object) -> bool:
        return any(t.id == topic_id for t in self.topics)


def expand_gaps(source: str) -> str:
    """SOURCE (a pattern as written) with its " ~ " gaps written out."""
    parts = _GAP.split(source)
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        n = int(parts[i]) if parts[i] else _DEFAULT_GAP
        out.append(rf"[^.!?;\n]{{0,{n}}}?" + parts[i + 1])
    return "".join(out)


def compile_expression(source: str) -> str:
    """SOURCE (a pattern as written) as a regular expression with gaps and word boundaries."""
    return bounded(expand_gaps(source))


def bounded(expression: str) -> str:
    """EXPRESSION matched only as whole words (not inside a longer word)."""
    return rf"(?<![{_LETTER}])(?:{expression})(?![{_LETTER}])"


def _pattern(
    topic: str,
    what: str,
    index: int,
    entry: Any,
    problems: list[TopicProblem],
    check_regex: bool = True,
):
    if isinstance(entry, Mapping):
        unknown = sorted(set(map(str, entry)) - {"pattern", "weight"})
        if unknown:
            problems.append(TopicProblem(topic, what, f"unknown key '{unknown[0]}'", index))
            return None
        source, weight = entry.get("pattern"), entry.get("weight", 1)
    else:
        source, weight = entry, 1
    if not isinstance(source, str) or not source.strip():
        problems.append(TopicProblem(topic, what, "a pattern must be a non-empty string", index))
        return None
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        problems.append(
            TopicProblem(topic, what, f"weight must be a number, not {weight!r}", index)
        )
        return None
    if not 0 < weight <= MAX_WEIGHT:
        problems.append(
            TopicProblem(topic, what, f"weight must be above 0 and at most {MAX_WEIGHT:g}", index)
        )
        return None
    expression = compile_expression(source.strip().lower())
    if not check_regex:  # the shipped file: its patterns are checked by the tests
        return Pattern(
            source.strip(), float(weight), expression, expand_gaps(source.strip().lower())
        )
    import regex  # the syntax of record; a process that only tags may not need it

    try:
        regex.compile(
            expand_gaps(source.strip().lower())
        )  # errors point into the pattern as written
        regex.compile(expression)
    except regex.error as exc:
        problems.append(TopicProblem(topic, what, f"invalid regex '{source}': {exc}", index))
        return None
    return Pattern(source.strip(), float(weight), expression, expand_gaps(source.strip().lower()))


def validate_topic(topic_id: Any, spec: Any, *, partial: bool = False) -> list[TopicProblem]:
    """Every problem with one topic's SPEC (PARTIAL: an override of a shipped topic)."""
    return _build(topic_id, spec, partial=partial)[1]


def validate_topics(raw: Any, *, known: tuple[str, ...] = ()) -> list[TopicProblem]:
    """Every problem with a `topics:` mapping; ids in KNOWN may be partial overrides."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [TopicProblem("topics", None, "must be a mapping of topic ids to topics")]
    problems: list[TopicProblem] = []
    for topic_id, spec in raw.items():
        problems += validate_topic(topic_id, spec, partial=topic_id in known)
    return problems


def _build(
    topic_id: Any,
    spec: Any,
    *,
    partial: bool,
    base: Topic | None = None,
    user=False,
    check_regex: bool = True,
):
    problems: list[TopicProblem] = []
    name = str(topic_id)
    if not isinstance(topic_id, str) or not TOPIC_ID.match(topic_id):
        problems.append(TopicProblem(name, None, "topic ids are slugs: [a-z0-9][a-z0-9-]*"))
        return None, problems
    if not isinstance(spec, Mapping):
        problems.append(TopicProblem(name, None, "must be a mapping (label, patterns, ...)"))
        return None, problems
    for key in sorted(set(map(str, spec)) - TOPIC_KEYS):
        problems.append(TopicProblem(name, key, "unknown field"))
    values: dict[str, Any] = {}
    for key in ("label", "description"):
        if key in spec:
            if not isinstance(spec[key], str) or not spec[key].strip():
                problems.append(TopicProblem(name, key, "must be a non-empty string"))
            else:
                values[key] = " ".join(spec[key].split())
    if "label" not in spec and not partial:
        problems.append(TopicProblem(name, "label", "is required"))
    for key in PATTERN_LISTS:
        if key not in spec:
            continue
        entries = spec[key]
        if not isinstance(entries, list):
            problems.append(TopicProblem(name, key, "must be a list of patterns"))
            continue
        built = [_pattern(name, key, i, e, problems, check_regex) for i, e in enumerate(entries)]
        values[key] = tuple(p for p in built if p is not None)
    if "patterns" not in spec and "heading_patterns" not in spec and not partial:
        problems.append(TopicProblem(name, "patterns", "is required (or heading_patterns)"))
    if "threshold" in spec:
        t = spec["threshold"]
        if isinstance(t, bool) or not isinstance(t, int | float) or t <= 0:
            problems.append(TopicProblem(name, "threshold", "must be a number above 0"))
        else:
            values["threshold"] = float(t)
    if "counterparts" in spec:
        values["counterparts"] = _counterparts(name, spec["counterparts"], problems)
    if problems or (partial and base is None):  # a partial override is only validated here
        return None, problems
    if base is not None:
        fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
        fields.update(values, user=True)
        return Topic(**fields), problems
    return (
        Topic(
            id=topic_id,
            label=values["label"],
            description=values.get("description", ""),
            patterns=values.get("patterns", ()),
            heading_patterns=values.get("heading_patterns", ()),
            negative_patterns=values.get("negative_patterns", ()),
            threshold=values.get("threshold", DEFAULT_THRESHOLD),
            counterparts=values.get("counterparts", {}),
            user=user,
        ),
        problems,
    )


def _counterparts(name: str, raw: Any, problems: list[TopicProblem]) -> dict:
    if not isinstance(raw, Mapping):
        problems.append(TopicProblem(name, "counterparts", "must be a mapping"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, labels in raw.items():
        if key not in COUNTERPART_KEYS:
            problems.append(
                TopicProblem(
                    name, "counterparts", f"unknown taxonomy '{key}' (opp115, claudette, tosdr)"
                )
            )
        elif not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            problems.append(TopicProblem(name, "counterparts", f"'{key}' must be a list of labels"))
        else:
            out[key] = tuple(labels)
    return out


@lru_cache(maxsize=1)
def _shipped_raw() -> dict:
    text = resources.files("conductatlas_cli.topics").joinpath("taxonomy.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 15x


@lru_cache(maxsize=1)
def shipped_taxonomy() -> Taxonomy:
    """The taxonomy shipped with atlas (validated; a broken file is a TopicsError)."""
    topics, problems = [], []
    for topic_id, spec in _shipped_raw().items():
        # Compiling ~1,000 patterns to validate them costs a second on every command; the
        # shipped file is validated by tests/test_topics.py instead.
        topic, found = _build(topic_id, spec, partial=False, check_regex=False)
        problems += found
        if topic is not None:
            topics.append(topic)
    if problems:
        raise TopicsError([f"taxonomy.yaml: {p}" for p in problems])
    return Taxonomy(tuple(topics))


def load_taxonomy(extra: Mapping[str, Any] | None = None) -> Taxonomy:
    """The shipped taxonomy with EXTRA (a `topics:` mapping) merged over it.

    A user topic with a shipped id overrides only the fields it gives; a new id
    is a new topic (label and patterns required). Raises TopicsError naming
    every problem.
    """
    base = shipped_taxonomy()
    if not extra:
        return base
    problems = validate_topics(extra, known=base.ids)
    if problems:
        raise TopicsError([str(p) for p in problems])
    topics = list(base.topics)
    for topic_id, spec in extra.items():
        shipped = base.get(topic_id)
        topic, _ = _build(topic_id, spec, partial=shipped is not None, base=shipped, user=True)
        assert topic is not None  # validated above
        if shipped is not None:
            topics[topics.index(shipped)] = topic
        else:
            topics.append(topic)
    return Taxonomy(tuple(topics))

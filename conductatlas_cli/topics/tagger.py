"""Snapshot text → the governance topics of every section, with the evidence.

Scoring, per topic: each pattern counts once per passage, its weight for a
match in the body and three times its weight in a heading or a clause's lead
title (as in the body when the rest of the clause has no hit of the topic: a
title word alone is weak evidence); a weaker match inside a stronger one, and
a heading pattern's match on words already counted, add nothing. A section's
score is its heading's score plus its best passage's; at or above the topic's
threshold the section carries the topic. A section also carries the topics
its ancestors' headings carry (a clause under "7. Data Retention" is about
retention), except the document's title.
Negative patterns cancel the hits they overlap. Deterministic: the same text
and taxonomy give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from conductatlas_cli.diff.sections import Section, parse_sections
from conductatlas_cli.topics.engine import same_class
from conductatlas_cli.topics.hits import match_lines, title_span
from conductatlas_cli.topics.prefix import Matcher, build_gate
from conductatlas_cli.topics.segment import Known, Passage, Unit, segment
from conductatlas_cli.topics.taxonomy import Pattern, Taxonomy, Topic

HEADING_FACTOR = 3.0


class Where(StrEnum):
    """Where a pattern matched."""

    HEADING = "heading"
    TITLE = "title"  # a clause's lead title
    BODY = "body"


@dataclass(frozen=True)
class Hit:
    """One pattern match that counted: which pattern, where, on which line, what text."""

    topic: str
    pattern: str
    where: Where
    line: int  # 1-based line of the document
    text: str
    score: float


@dataclass(frozen=True)
class TopicMatch:
    """One topic on one section: its score and the hits behind it."""

    topic: str
    score: float
    hits: tuple[Hit, ...]
    by_heading: bool  # the heading alone reaches the threshold
    passages: tuple[int, ...]  # indices (into DocumentTopics.passages) of the passages that do
    inherited_from: tuple[str, ...] | None = None  # the ancestor heading's path, if inherited


@dataclass(frozen=True)
class SectionTopics:
    """A section, where it starts, and the topics it carries."""

    index: int
    section: Section
    first_line: int  # 0-based
    matches: tuple[TopicMatch, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(m.topic for m in self.matches)

    def match(self, topic: str) -> TopicMatch | None:
        return next((m for m in self.matches if m.topic == topic), None)


@dataclass(frozen=True)
class Provision:
    """The text that carries one topic: a heading's whole subtree, or the passages that match."""

    topic: str
    section: int
    path: tuple[str, ...]
    title: str | None
    text: str
    first_line: int
    last_line: int
    score: float


@dataclass(frozen=True)
class DocumentTopics:
    """Every section's topics, the passages they were found in, and the taxonomy order."""

    sections: tuple[SectionTopics, ...]
    passages: tuple[Passage, ...]
    order: tuple[str, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        found = {t for s in self.sections for t in s.topics}
        return tuple(t for t in self.order if t in found)

    def provisions(self, topic: str) -> list[Provision]:
        """The provisions on TOPIC, in document order, none inside another."""
        out: list[Provision] = []
        covered = -1  # last line of the heading subtree already returned
        for st in self.sections:
            m = st.match(topic)
            if m is None or m.inherited_from is not None or st.first_line <= covered:
                continue
            if m.by_heading:
                subtree = [st]
                for later in self.sections[st.index + 1 :]:
                    if later.section.level <= st.section.level or later.section.heading is None:
                        break
                    subtree.append(later)
                lines = [line for s in subtree for line in s.section.lines]
                last = subtree[-1].first_line + len(subtree[-1].section.lines) - 1
                out.append(
                    Provision(
                        topic,
                        st.index,
                        st.section.path,
                        None,
                        "\n".join(lines),
                        st.first_line,
                        last,
                        m.score,
                    )
                )
                covered = last
                continue
            for p_index in m.passages:
                p = self.passages[p_index]
                out.append(
                    Provision(
                        topic,
                        st.index,
                        st.section.path,
                        p.title,
                        p.text,
                        p.first_line,
                        p.last_line,
                        m.score,
                    )
                )
        return out


@dataclass
class Seen:
    """What tagging two versions of one document shares (`topics_of`), by the text it came
    from: each line's matches, and what `segment` read from each line."""

    hits: dict = field(default_factory=dict)
    segments: Known = field(default_factory=Known)


@lru_cache(maxsize=8)
def _gate(taxonomy: Taxonomy):
    """The prefix gate for every pattern of TAXONOMY (see `prefix.build_gate`)."""
    return build_gate(
        frozenset(
            pre
            for c in _compile(taxonomy)
            for m in (c.anywhere, c.negative, c.heading)
            for pre, _ in m.by_prefix
        )
    )


@dataclass(frozen=True)
class _Compiled:
    topic: Topic
    anywhere: Matcher
    heading: Matcher  # the heading-only patterns
    negative: Matcher


@lru_cache(maxsize=8)
def _compile(taxonomy: Taxonomy) -> tuple[_Compiled, ...]:
    return tuple(
        _Compiled(
            topic,
            Matcher.build(topic.patterns),
            Matcher.build(topic.heading_patterns),
            Matcher.build(topic.negative_patterns),
        )
        for topic in taxonomy.topics
    )


def tag_text(text: str, taxonomy: Taxonomy) -> DocumentTopics:
    """The topics of every section of TEXT (a snapshot's Markdown)."""
    return tag_sections(parse_sections(text), taxonomy)


def tag_sections(sections: list[Section], taxonomy: Taxonomy) -> DocumentTopics:
    """The topics of every one of SECTIONS (as `parse_sections` gives them)."""
    return _tag(sections, taxonomy)


@lru_cache(maxsize=8)
def line_local(taxonomy: Taxonomy) -> bool:
    """Do all of TAXONOMY's patterns match within one line (see `engine.shape`)?"""
    return all(
        m.line_local for c in _compile(taxonomy) for m in (c.anywhere, c.heading, c.negative)
    )


def topics_of(
    sections: list[Section],
    taxonomy: Taxonomy,
    wanted: Iterable[int],
    *,
    seen: Seen | None = None,
) -> dict[int, tuple[str, ...]]:
    """{index: topics} of the WANTED sections of SECTIONS, as `tag_sections` would give them.

    Where every pattern matches within a line (the shipped taxonomy does), a section's
    topics depend only on its own lines and its ancestors' (inherited topics), so only
    those are tagged; otherwise the whole document is. SEEN (kept by the caller, for
    two versions of one document) remembers each line's matches and pieces, so a line
    the other version has too is not read again.
    """
    wanted = sorted(set(wanted))
    if not wanted:
        return {}
    if not line_local(taxonomy):
        tagged = _tag(sections, taxonomy).sections
        return {i: tagged[i].topics for i in wanted}
    needed: set[int] = set()
    stack: list[int] = []  # the open ancestors, as `_inherit` walks them
    ancestors: dict[int, tuple[int, ...]] = {}
    for i, s in enumerate(sections):
        if s.heading is not None:
            while stack and sections[stack[-1]].level >= s.level:
                stack.pop()
            ancestors[i] = tuple(stack)
            stack.append(i)
    for i in wanted:
        needed.add(i)
        needed.update(ancestors.get(i, ()))
    tagged = _tag(sections, taxonomy, only=needed, seen=seen).sections
    return {i: tagged[i].topics for i in wanted}


def _tag(
    sections: list[Section],
    taxonomy: Taxonomy,
    only: set[int] | None = None,
    seen: Seen | None = None,
) -> DocumentTopics:
    """Tag SECTIONS; with ONLY, only those (the others are left without topics); SEEN: see
    `topics_of` (only for a line-local taxonomy, whose matches never cross a line)."""
    passages, units = segment(sections, only=only, known=None if seen is None else seen.segments)
    first_lines = []
    line = 0
    for s in sections:
        first_lines.append(line)
        line += len(s.lines)
    root = _root_heading(sections)
    compiled = _compile(taxonomy)
    # Which engine runs a pattern depends on the whole text and the whole title text.
    spans = [title_span(u) for u in units]
    same = (
        same_class("\n".join(u.clean for u in units)),
        same_class("\n".join(u.clean[:n] for u, n in zip(units, spans, strict=True) if n)),
    )
    if seen is None:
        hits = match_lines(units, spans, compiled, _gate(taxonomy), same)
    else:
        keys = [
            (u.clean, n, u.passage is None, u.nav, same) for u, n in zip(units, spans, strict=True)
        ]
        new = [i for i, k in enumerate(keys) if k not in seen.hits]
        for i, found_hits in zip(
            new,
            match_lines(
                [units[i] for i in new], [spans[i] for i in new], compiled, _gate(taxonomy), same
            ),
            strict=True,
        ):
            seen.hits[keys[i]] = found_hits
        hits = [seen.hits[k] for k in keys]

    per_section: list[list[TopicMatch]] = [[] for _ in sections]
    heading_tagged: list[set[str]] = [set() for _ in sections]
    by_topic: list[list[tuple[Unit, tuple[tuple, tuple]]]] = [[] for _ in compiled]
    for unit, line_hits in zip(units, hits, strict=True):  # in document order
        for t, pair in line_hits.items():
            by_topic[t].append((unit, pair))
    for t, c in enumerate(compiled):
        # (section or passage key, pattern source) -> best hit, recorded in document order
        found: dict[tuple[str, int, str], Hit] = {}
        for unit, (anywhere, _) in by_topic[t]:
            for start, _end, pattern, text in anywhere:
                _record(found, c.topic.id, unit, start, pattern, text, allow_body=True)
        for unit, (_, heading) in by_topic[t]:
            for start, _end, pattern, text in heading:
                _record(found, c.topic.id, unit, start, pattern, text, allow_body=False)
        _score(c.topic, found, sections, passages, per_section, heading_tagged)

    _inherit(sections, root, per_section, heading_tagged, taxonomy)
    order = {t: i for i, t in enumerate(taxonomy.ids)}
    result = tuple(
        SectionTopics(
            i, s, first_lines[i], tuple(sorted(per_section[i], key=lambda m: order[m.topic]))
        )
        for i, s in enumerate(sections)
    )
    return DocumentTopics(result, tuple(passages), taxonomy.ids)


def _record(
    found, topic: str, unit: Unit, offset: int, pattern: Pattern, text: str, *, allow_body: bool
):
    if unit.passage is None:
        where, key = Where.HEADING, ("s", unit.section, pattern.source)
    elif offset < unit.title_length:
        where, key = Where.TITLE, ("p", unit.passage, pattern.source)
    elif allow_body:
        where, key = Where.BODY, ("p", unit.passage, pattern.source)
    else:
        return
    factor = 1.0 if where is Where.BODY else HEADING_FACTOR
    hit = Hit(topic, pattern.source, where, unit.line + 1, text, pattern.weight * factor)
    if key not in found or found[key].score < hit.score:
        found[key] = hit


def _score(topic: Topic, found, sections, passages, per_section, heading_tagged) -> None:
    heading: dict[int, list[Hit]] = {}
    by_passage: dict[int, list[Hit]] = {}
    for (kind, index, _), hit in found.items():
        (heading if kind == "s" else by_passage).setdefault(index, []).append(hit)
    by_section: dict[int, list[tuple[float, int, list[Hit]]]] = {}
    for p, hits in by_passage.items():
        by_section.setdefault(passages[p].section, []).append((_passage_score(hits), p, hits))
    for s_index in sorted(set(heading) | set(by_section)):
        h_hits = heading.get(s_index, [])
        h_score = sum(h.score for h in h_hits)
        scored = by_section.get(s_index, [])
        best = max((sc for sc, _, _ in scored), default=0.0)
        total = h_score + best
        if total < topic.threshold:
            continue
        passing = tuple(sorted(p for sc, p, _ in scored if h_score + sc >= topic.threshold))
        hits = h_hits + [
            h for _, p, hs in sorted(scored, key=lambda x: x[1]) for h in hs if p in passing
        ]
        by_heading = h_score >= topic.threshold
        if by_heading:
            heading_tagged[s_index].add(topic.id)
        per_section[s_index].append(
            TopicMatch(
                topic.id, total, tuple(sorted(hits, key=lambda h: h.line)), by_heading, passing
            )
        )


def _passage_score(hits: list[Hit]) -> float:
    """A passage's score: its hits' sum; a lead title's weigh as body text when the body has none."""
    if all(h.where is Where.TITLE for h in hits):
        return sum(h.score for h in hits) / HEADING_FACTOR
    return sum(h.score for h in hits)


def _root_heading(sections: list[Section]) -> int | None:
    """The index of the document's title: the only heading at the top level, if it is first."""
    headed = [(i, s.level) for i, s in enumerate(sections) if s.heading is not None]
    if not headed:
        return None
    top = min(level for _, level in headed)
    at_top = [i for i, level in headed if level == top]
    return at_top[0] if len(at_top) == 1 and at_top[0] == headed[0][0] else None


def _inherit(sections, root, per_section, heading_tagged, taxonomy: Taxonomy) -> None:
    stack: list[int] = []  # indices of the open ancestors
    for i, s in enumerate(sections):
        if s.heading is None:
            continue
        while stack and sections[stack[-1]].level >= s.level:
            stack.pop()
        own = {m.topic for m in per_section[i]}
        for a in stack:
            if a == root:
                continue
            for topic in sorted(heading_tagged[a] - own):
                score = next(m.score for m in per_section[a] if m.topic == topic)
                per_section[i].append(TopicMatch(topic, score, (), False, (), sections[a].path))
                own.add(topic)
        stack.append(i)

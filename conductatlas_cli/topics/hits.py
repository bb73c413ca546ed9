"""Each line's hits: the matches of every topic's patterns that count, per cleaned line.

One pass over the lines' text per kind of pattern (`prefix.Matcher`), then each
match is kept or dropped as the tagger's rules say (a weaker match inside a stronger
one, a negative pattern over it, a heading pattern on words already counted) and
filed under its line, offsets into that line. With a line-local taxonomy nothing
here crosses a line, so the hits of a line are the same whatever lines are matched
with it (`tagger.topics_of` reuses them between two versions of a document).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from types import MappingProxyType

from conductatlas_cli.topics.prefix import Gate, PrefixIndex
from conductatlas_cli.topics.segment import Unit

# One line's matches, by topic (its index in taxonomy order): (anywhere, heading) hits,
# each (start, end, pattern, text) with offsets into the line's cleaned text. Only the
# topics with a hit on the line are there (most lines have none: nothing is built).
LineHits = Mapping[int, tuple[tuple, tuple]]
_NO_HITS: LineHits = MappingProxyType({})


def title_span(unit: Unit) -> int:
    """How much of UNIT's cleaned text heading-only patterns are matched on (0: none)."""
    if unit.nav:
        return 0
    return len(unit.clean) if unit.passage is None else unit.title_length


def match_lines(
    units: list[Unit],
    spans: list[int],
    compiled: tuple,
    gate: Gate,
    same: tuple[bool, bool],
) -> list[LineHits]:
    """Every unit's hits that count, per topic (see `LineHits`), matched in one pass over
    the units' text. COMPILED: each topic's matchers, as `tagger` builds them; SPANS: each
    unit's `title_span`; SAME: whether the whole text, and its titles, are `same_class`."""
    starts: list[int] = []
    pos = 0
    for u in units:
        starts.append(pos)
        pos += len(u.clean) + 1
    doc = "\n".join(u.clean for u in units)
    index = PrefixIndex(doc, gate, same=same[0])
    # Headings and clause titles, joined: heading-only patterns are matched there alone.
    title_units, title_starts, pieces = [], [], []
    at = 0
    for u_index, (unit, span) in enumerate(zip(units, spans, strict=True)):
        if span:
            title_units.append(u_index)
            title_starts.append(at)
            pieces.append(unit.clean[:span])
            at += span + 1
    titles = "\n".join(pieces)
    title_index = PrefixIndex(titles, gate, same=same[1])
    out: dict[int, dict[int, tuple[list, list]]] = {}  # unit index -> topic -> hits

    def hits_of(u_index: int, t: int) -> tuple[list, list]:
        line = out.get(u_index)
        if line is None:
            line = out[u_index] = {}
        pair = line.get(t)
        if pair is None:
            pair = line[t] = ([], [])
        return pair

    for t, c in enumerate(compiled):
        negatives = sorted((a, b) for a, b, _, _ in c.negative.finditer(doc, index))
        # A weaker pattern matching inside a stronger one's match is the same evidence.
        matches = sorted(c.anywhere.finditer(doc, index), key=lambda h: (h[0], -h[2].weight, -h[1]))
        cover = -1
        counted: list[tuple[int, int]] = []  # the spans of the hits above, in document order
        for start, end, pattern, text in matches:
            if end <= cover:
                continue
            cover = max(cover, end)
            if negatives and _overlaps(negatives, start, end):
                continue
            u_index = bisect.bisect_right(starts, start) - 1
            if not units[u_index].nav:
                counted.append((start, end))
                offset = start - starts[u_index]
                hits_of(u_index, t)[0].append((offset, end - starts[u_index], pattern, text))
        heading_matches = sorted(
            c.heading.finditer(titles, title_index), key=lambda h: (h[0], -h[2].weight, -h[1])
        )
        for start, end, pattern, text in heading_matches:
            t_index = bisect.bisect_right(title_starts, start) - 1
            u_index = title_units[t_index]
            offset = start - title_starts[t_index]
            base = starts[u_index] + offset
            if negatives and _overlaps(negatives, base, base + end - start):
                continue
            if counted and _overlaps(counted, base, base + end - start):
                continue  # the same words already counted for another pattern
            bisect.insort(counted, (base, base + end - start))
            hits_of(u_index, t)[1].append((offset, offset + end - start, pattern, text))
    frozen = {
        i: MappingProxyType({t: (tuple(a), tuple(h)) for t, (a, h) in line.items()})
        for i, line in out.items()
    }
    return [frozen.get(i, _NO_HITS) for i in range(len(units))]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_left(spans, (end, end))
    return any(s < end and start < e for s, e in spans[max(0, i - 40) : i])

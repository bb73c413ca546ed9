"""Which section of the old text is which of the new: a provision's identity is its place.

A section is first looked for among the children of its parent's match (the tree is
matched from the top down, so moving a parent moves its children with it, and
`Consumers › Payment` is never paired with `Businesses › Payment`):

1. same heading key (numbering stripped, folded) among those siblings; when the key
   is not unique on both sides (two `Definitions`), the pair is chosen by content
   and neighbours (the sibling headings before and after), never by text alone;
2. a renamed heading: the remaining siblings paired by body similarity (word sets;
   a section with little text of its own is judged by its subtree), heading words,
   an unchanged number and the same sub-headings.

What is left anywhere is then matched across the whole document (a section that
moved to another parent, or changed level): same key, then a stricter similarity.
Every pair found makes its children candidates for step 1.

`chain_matches` carries identity through intermediate versions: the pairs of each
single step are composed, so a range v1 → v3 follows a rename or a move made in v2;
what the chain loses (a section removed and brought back) is matched directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from conductatlas_cli.diff.sections import Section, fold, fold_strict, strip_numbering

_WORD = re.compile(r"\w+")
_THIN = 5  # a body with fewer distinct words is judged by its whole subtree
_SEARCH_LIMIT = 250_000  # old × new leftovers compared by content in the global pass
_RENAME_SCORE = 0.5  # siblings: body, heading and number agreement
_GLOBAL_SCORE = 0.6  # anywhere: stricter, there is no place to go by
_SAME_KEY_ANYWHERE = 0.2  # word overlap two same-named sections in new places need


@dataclass(frozen=True)
class Facts:
    """What the matcher knows of each section of one text (word sets on demand)."""

    sections: Sequence[Section]
    parents: tuple[int | None, ...]
    children: dict[int | None, list[int]]
    heading_words: tuple[frozenset[str], ...]
    child_keys: tuple[frozenset[str], ...]
    numbers: tuple[str, ...]
    prev_key: tuple[str | None, ...]
    next_key: tuple[str | None, ...]
    rank: tuple[int, ...]  # position among its siblings
    _words: dict[int, frozenset[str]] = field(default_factory=dict)

    def words(self, i: int) -> frozenset[str]:
        """Section I's words (its subtree's when its own text is thin), computed once."""
        found = self._words.get(i)
        if found is None:
            own = _words(" ".join(self.sections[i].body))
            if len(own) < _THIN:
                for child in self.children.get(i, []):
                    own |= self.words(child)
            found = self._words[i] = frozenset(own)
        return found


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _numbering(heading: str | None) -> str:
    if not heading:
        return ""
    return fold_strict(heading[: len(heading) - len(strip_numbering(heading))])


def facts_of(sections: Sequence[Section]) -> Facts:
    parents: list[int | None] = []
    stack: list[tuple[int, int]] = []
    for s in sections:
        if s.heading is None:
            parents.append(None)
            continue
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        parents.append(stack[-1][1] if stack else None)
        stack.append((s.level, s.index))
    children: dict[int | None, list[int]] = {}
    for s in sections:
        if s.heading is not None:
            children.setdefault(parents[s.index], []).append(s.index)
    prev_key: list[str | None] = [None] * len(sections)
    next_key: list[str | None] = [None] * len(sections)
    rank = [0] * len(sections)
    for siblings in children.values():
        for r, i in enumerate(siblings):
            rank[i] = r
            prev_key[i] = sections[siblings[r - 1]].key if r else None
            next_key[i] = sections[siblings[r + 1]].key if r + 1 < len(siblings) else None
    return Facts(
        sections=sections,
        parents=tuple(parents),
        children=children,
        heading_words=tuple(
            frozenset(_words(fold(strip_numbering(s.heading or "")))) for s in sections
        ),
        child_keys=tuple(
            frozenset(sections[c].key for c in children.get(s.index, [])) for s in sections
        ),
        numbers=tuple(_numbering(s.heading) for s in sections),
        prev_key=tuple(prev_key),
        next_key=tuple(next_key),
        rank=tuple(rank),
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _Matcher:
    def __init__(self, fo: Facts, fn: Facts) -> None:
        self.old, self.new = fo.sections, fn.sections
        self.fo, self.fn = fo, fn
        self.pairs: dict[int, int] = {}  # new index → old index
        self.used: set[int] = set()

    def pair(self, j: int, i: int) -> bool:
        if j in self.pairs or i in self.used:
            return False
        self.pairs[j] = i
        self.used.add(i)
        return True

    # -- scores ---------------------------------------------------------------

    def _duplicate_score(self, i: int, j: int) -> float:
        fo, fn = self.fo, self.fn
        score = 2 * _jaccard(fo.words(i), fn.words(j))
        score += 0.5 * (fo.prev_key[i] == fn.prev_key[j]) + 0.5 * (fo.next_key[i] == fn.next_key[j])
        return score - 0.01 * abs(fo.rank[i] - fn.rank[j])

    def _rename_score(self, i: int, j: int, *, place: bool) -> float:
        fo, fn = self.fo, self.fn
        body = _jaccard(fo.words(i), fn.words(j))
        head = _jaccard(fo.heading_words[i], fn.heading_words[j])
        kids = 0.3 * _jaccard(fo.child_keys[i], fn.child_keys[j])  # the same sub-headings
        if not place:
            return 0.7 * body + 0.3 * head + kids
        number = 0.15 if fo.numbers[i] and fo.numbers[i] == fn.numbers[j] else 0.0
        return 0.6 * body + 0.25 * head + number + kids

    # -- passes ---------------------------------------------------------------

    def _plausible(self, i: int, j: int) -> bool:
        """Whether two sections with the same heading far apart can be one provision."""
        a, b = self.fo.words(i), self.fn.words(j)
        return len(a) < _THIN or len(b) < _THIN or _jaccard(a, b) >= _SAME_KEY_ANYWHERE

    def _by_key(self, olds: list[int], news: list[int], *, place: bool = True) -> list[int]:
        """Pair OLDS and NEWS (unpaired, same scope) by heading key; new pairs' new indexes.

        Without PLACE (the whole-document pass) a pair must also share some text.
        """
        by_old: dict[str, list[int]] = {}
        for i in olds:
            by_old.setdefault(self.old[i].key, []).append(i)
        by_new: dict[str, list[int]] = {}
        for j in news:
            by_new.setdefault(self.new[j].key, []).append(j)
        made = []
        for key, js in by_new.items():
            is_ = by_old.get(key)
            if not is_:
                continue
            if len(is_) == 1 and len(js) == 1:
                if (place or self._plausible(is_[0], js[0])) and self.pair(js[0], is_[0]):
                    made.append(js[0])
                continue
            made += self._same_body(is_, js)
            is_ = [i for i in is_ if i not in self.used]
            js = [j for j in js if j not in self.pairs]
            scored = sorted(
                (-self._duplicate_score(i, j), j, i)
                for j in js
                for i in is_
                if place or self._plausible(i, j)
            )
            for _, j, i in scored:
                if self.pair(j, i):
                    made.append(j)
        return made

    def _same_body(self, olds: list[int], news: list[int]) -> list[int]:
        """Pair duplicates whose body is unchanged and unique among them (the common case)."""
        by_body: dict[tuple[str, ...], list[int]] = {}
        for i in olds:
            by_body.setdefault(self.old[i].body, []).append(i)
        new_bodies: dict[tuple[str, ...], list[int]] = {}
        for j in news:
            new_bodies.setdefault(self.new[j].body, []).append(j)
        made = []
        for body, js in new_bodies.items():
            is_ = by_body.get(body)
            if is_ and len(is_) == 1 and len(js) == 1 and any(x.strip() for x in body):
                if self.pair(js[0], is_[0]):
                    made.append(js[0])
        return made

    def _by_content(self, olds: list[int], news: list[int], *, place: bool) -> list[int]:
        threshold = _RENAME_SCORE if place else _GLOBAL_SCORE
        if len(olds) * len(news) > _SEARCH_LIMIT:
            return []  # unrelated texts: not worth a quadratic search
        scored = []
        for j in news:
            for i in olds:
                score = self._rename_score(i, j, place=place)
                if score >= threshold:
                    scored.append((-score, j, i))
        made = []
        for _, j, i in sorted(scored):
            if self.pair(j, i):
                made.append(j)
        return made

    def _siblings(self, old_parent: int | None, new_parent: int | None) -> list[int]:
        olds = [i for i in self.fo.children.get(old_parent, []) if i not in self.used]
        news = [j for j in self.fn.children.get(new_parent, []) if j not in self.pairs]
        if not olds or not news:
            return []
        made = self._by_key(olds, news)
        olds = [i for i in olds if i not in self.used]
        news = [j for j in news if j not in self.pairs]
        if olds and news:
            made += self._by_content(olds, news, place=True)
        return made

    def _descend(self, scopes: list[tuple[int | None, int | None]]) -> None:
        while scopes:
            old_parent, new_parent = scopes.pop()
            for j in self._siblings(old_parent, new_parent):
                scopes.append((self.pairs[j], j))

    def run(self, seed: dict[int, int]) -> dict[int, int]:
        old, new = self.old, self.new
        if old and new and old[0].heading is None and new[0].heading is None:
            self.pair(0, 0)  # the preamble is the preamble
        for j, i in sorted(seed.items()):
            self.pair(j, i)
        scopes: list[tuple[int | None, int | None]] = [(None, None)]
        scopes += [(i, j) for j, i in sorted(self.pairs.items(), reverse=True)]
        self._descend(scopes)
        for _ in range(4):  # leftovers anywhere; each round's pairs open their children
            olds = [s.index for s in old if s.heading is not None and s.index not in self.used]
            news = [s.index for s in new if s.heading is not None and s.index not in self.pairs]
            if not olds or not news:
                break
            made = self._by_key(olds, news, place=False)
            olds = [i for i in olds if i not in self.used]
            news = [j for j in news if j not in self.pairs]
            if olds and news:
                made += self._by_content(olds, news, place=False)
            if not made:
                break
            self._descend([(self.pairs[j], j) for j in made])
        return self.pairs


def match_sections(
    old: Sequence[Section] | Facts,
    new: Sequence[Section] | Facts,
    *,
    seed: dict[int, int] | None = None,
) -> dict[int, int]:
    """{new index: old index} for sections that are the same provision (SEED pairs kept)."""
    fo = old if isinstance(old, Facts) else facts_of(old)
    fn = new if isinstance(new, Facts) else facts_of(new)
    return _Matcher(fo, fn).run(seed or {})


def chain_matches(texts: Sequence[Sequence[Section] | Facts]) -> dict[int, int]:
    """{last index: first index} through every step of TEXTS (oldest first)."""
    facts = [t if isinstance(t, Facts) else facts_of(t) for t in texts]
    composed = {s.index: s.index for s in facts[0].sections}
    for before, after in zip(facts, facts[1:], strict=False):
        step = match_sections(before, after)
        composed = {j: composed[i] for j, i in step.items() if i in composed}
    return composed


def same_parent(facts_old: Facts, facts_new: Facts, pairs: dict[int, int], j: int) -> bool:
    """Whether new section J sits under the match of its old parent."""
    i = pairs[j]
    new_parent, old_parent = facts_new.parents[j], facts_old.parents[i]
    if new_parent is None or old_parent is None:
        return new_parent is None and old_parent is None
    return pairs.get(new_parent) == old_parent

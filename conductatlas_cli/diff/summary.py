"""Two snapshot texts → a structured change list, provision by provision.

The diff is kept small at every level: sections are matched by their place
(`matching`: parent trail, heading with numbering stripped, neighbours, content;
through the versions in between for a range), then order changes are found
among siblings (a longest increasing run of matched sections; the rest moved,
and a section that moved with its parent did not). Inside a matched section,
lines (one sentence per line) are aligned, and inside a changed line pair, words
are diffed with diff-match-patch on word tokens, so "30 days" → "60 days" reads
as `30` → `60`.

The summary lists every section, equal ones included, with every line, so
`new_text(summary)` gives the new text back exactly and `old_text(summary)` the
old one. Renderers skip what is equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conductatlas_cli.diff.align import (
    added_line,
    align_sentences,
    diff_words,
    removed_line,
    segment_words,
    split_enumerator,
)
from conductatlas_cli.diff.cosmetic import NoiseRules, apply_change_model
from conductatlas_cli.diff.matching import (
    Facts,
    chain_matches,
    facts_of,
    match_sections,
    same_parent,
)
from conductatlas_cli.diff.model import (
    ADDED,
    EQUAL,
    MODIFIED,
    MOVED,
    REMOVED,
    RENAMED,
    ChangeKind,
    ChangeSummary,
    SectionChange,
    SentenceChange,
    Stats,
    WordOp,
)
from conductatlas_cli.diff.relocate import mark_moved_sentences
from conductatlas_cli.diff.sections import Section, fold_strict, parse_sections, strip_numbering
from conductatlas_cli.snapshot.words import count_words

__all__ = [
    "ADDED",
    "EQUAL",
    "MODIFIED",
    "MOVED",
    "REMOVED",
    "RENAMED",
    "ChangeSummary",
    "SectionChange",
    "SentenceChange",
    "Stats",
    "align_sentences",
    "apply_changes",
    "count_words",
    "diff_words",
    "match_sections",
    "segment_words",
    "new_text",
    "old_text",
    "summarize_changes",
]


def _words_in(changes: Sequence[SentenceChange]) -> tuple[int, int]:
    added = removed = 0
    for c in changes:
        if not c.real or c.elsewhere is not None:
            continue
        if c.kind == ADDED:
            added += count_words(c.new or "")
        elif c.kind == REMOVED:
            removed += count_words(c.old or "")
        else:
            words = _unnumbered_words(c)
            added += sum(segment_words(t) for op, t in words if op == WordOp.INSERT)
            removed += sum(segment_words(t) for op, t in words if op == WordOp.DELETE)
    return added, removed


def _unnumbered_words(c: SentenceChange) -> tuple[tuple[WordOp, str], ...]:
    """The word diff of C, without its leading numbers when both lines have one.

    A list item renumbered *and* reworded counts the rewording only.
    """
    old, new = split_enumerator(c.old or ""), split_enumerator(c.new or "")
    if old is None or new is None or old[1] == new[1]:
        return c.words
    return diff_words(old[2], new[2])


def _heading_line(section: Section | None) -> str | None:
    """SECTION's raw heading line (None: no heading, or no such section)."""
    return section.lines[0] if section is not None and section.heading is not None else None


def _section_change(
    old: Section | None,
    new: Section | None,
    *,
    kind: ChangeKind,
    sentences: tuple[SentenceChange, ...],
    **flags: Any,
) -> SectionChange:
    """OLD → NEW (None: the text it is not in): where it stands in each text, and FLAGS."""
    either = new if new is not None else old
    assert either is not None
    return SectionChange(
        kind=kind,
        old_heading=old.heading if old else None,
        new_heading=new.heading if new else None,
        path=either.path,
        level=either.level,
        old_index=old.index if old else None,
        new_index=new.index if new else None,
        sentences=sentences,
        old_line=_heading_line(old),
        new_line=_heading_line(new),
        **flags,
    )


def _one_sided(section: Section, *, kind: ChangeKind, rules: NoiseRules) -> SectionChange:
    make = added_line if kind == ADDED else removed_line
    sentences = tuple(make(x, rules) for x in section.body)
    cosmetic = all(s.cosmetic for s in sentences) and section.heading is None
    old, new = (section, None) if kind == REMOVED else (None, section)
    return _section_change(old, new, kind=kind, sentences=sentences, cosmetic=cosmetic)


def _numbering(heading: str | None) -> str:
    if heading is None:
        return ""
    return fold_strict(heading[: len(heading) - len(strip_numbering(heading))])


def _matched(
    old: Section,
    new: Section,
    *,
    where: tuple[str | None, str | None] | None,
    rules: NoiseRules,
) -> SectionChange:
    sentences = tuple(align_sentences(old.body, new.body, rules))
    modified = any(s.real for s in sentences)
    renumbered = _numbering(old.heading) != _numbering(new.heading)
    renumbered = renumbered or any(s.renumbered for s in sentences)
    moved = where is not None and new.heading is not None  # order, parent or level changed
    renamed = fold_strict(strip_numbering(old.heading or "")) != fold_strict(
        strip_numbering(new.heading or "")
    )
    touched = _heading_line(old) != _heading_line(new) or any(s.kind != EQUAL for s in sentences)
    if modified:
        kind = MODIFIED
    elif renamed:
        kind = RENAMED
    elif moved or renumbered:
        kind = MOVED
    else:
        kind = MODIFIED if touched else EQUAL
    heading_words: tuple[tuple[WordOp, str], ...] = ()
    if old.heading is not None and new.heading is not None and old.heading != new.heading:
        heading_words = diff_words(old.heading, new.heading)
    return _section_change(
        old,
        new,
        kind=kind,
        sentences=sentences,
        cosmetic=kind == MODIFIED and not modified,
        modified=modified,
        moved=moved,
        renamed=renamed,
        renumbered=renumbered,
        heading_words=heading_words,
        moved_after=where[0] if moved and where else None,
        moved_under=where[1] if moved and where else None,
    )


def _lis(items: list[tuple[int, int]]) -> set[int]:
    """First elements of the longest run of ITEMS (new, old) whose old order is kept."""
    tails: list[int] = []  # position in items of the smallest tail of each length
    parent = [-1] * len(items)
    for pos, (_, old_index) in enumerate(items):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if items[tails[mid]][1] < old_index:
                lo = mid + 1
            else:
                hi = mid
        parent[pos] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(pos)
        else:
            tails[lo] = pos
    keep: set[int] = set()
    pos = tails[-1] if tails else -1
    while pos >= 0:
        keep.add(items[pos][0])
        pos = parent[pos]
    return keep


def _moved(fo: Facts, fn: Facts, pairs: dict[int, int]) -> dict[int, tuple[str | None, str | None]]:
    """{new index: (heading before it, parent heading)} of the sections that moved.

    A section moved when its level changed, when its parent is not its old parent's
    match, or when its order among the siblings it kept changed (the longest run in
    old order stays; the rest moved). A section that moved with its parent did not.
    """
    new = fn.sections
    groups: dict[int | None, list[tuple[int, int]]] = {}
    moved: set[int] = set()
    for j in sorted(pairs):
        if new[j].heading is None:
            continue
        if new[j].level != fo.sections[pairs[j]].level:
            moved.add(j)  # a level change is a move, whatever its order
        if same_parent(fo, fn, pairs, j):
            groups.setdefault(fn.parents[j], []).append((j, pairs[j]))
        else:
            moved.add(j)
    for items in groups.values():
        stable = _lis(items)
        moved.update(j for j, _ in items if j not in stable)
    where = {}
    for j in moved:
        parent = fn.parents[j]
        siblings = fn.children.get(parent, [])
        rank = fn.rank[j]
        before = new[siblings[rank - 1]].heading if rank else None
        where[j] = (before, new[parent].heading if parent is not None and not rank else None)
    return where


def summarize_changes(
    old: str | None,
    new: str,
    *,
    between: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> ChangeSummary:
    """What changed from OLD to NEW (OLD None: the first version, everything added).

    BETWEEN: the texts of the versions in between (oldest first), so that section
    identity is carried through each step of a range. IGNORE: the document's
    `ignore:` regexes; lines they match are noise (hidden, never counted).
    """
    rules = NoiseRules(tuple(ignore))
    new_sections = parse_sections(new)
    if old is None:
        changes = [_one_sided(s, kind=ADDED, rules=rules) for s in new_sections]
        return ChangeSummary(tuple(changes), _stats(changes, new, first=True), first=True)
    old_sections = parse_sections(old)
    fo, fn = facts_of(old_sections), facts_of(new_sections)
    seed = None
    if between:
        seed = chain_matches([fo, *map(parse_sections, between), fn])
    pairs = match_sections(fo, fn, seed=seed)
    moved = _moved(fo, fn, pairs)
    old_to_new = {o: n for n, o in pairs.items()}
    # A removed section goes after the matched section that preceded it in the old text.
    after: dict[int, list[int]] = {}
    anchor = -1
    for s in old_sections:
        if s.index in old_to_new:
            anchor = old_to_new[s.index]
        else:
            after.setdefault(anchor, []).append(s.index)
    removed = [_one_sided(old_sections[i], kind=REMOVED, rules=rules) for i in after.get(-1, [])]
    changes = removed
    for s in new_sections:
        if s.index in pairs:
            o = old_sections[pairs[s.index]]
            changes.append(_matched(o, s, where=moved.get(s.index), rules=rules))
        else:
            changes.append(_one_sided(s, kind=ADDED, rules=rules))
        changes.extend(
            _one_sided(old_sections[i], kind=REMOVED, rules=rules) for i in after.get(s.index, [])
        )
    changes = apply_change_model(changes, old, new, ignore=ignore)
    changes = mark_moved_sentences(changes)
    return ChangeSummary(tuple(changes), _stats(changes, new))


def _stats(changes: Sequence[SectionChange], new: str, *, first: bool = False) -> Stats:
    names = ("added", "removed", "modified", "moved", "renamed", "renumbered", "cosmetic")
    counts = dict.fromkeys(names, 0)
    words_added = words_removed = changed = 0
    for c in changes:
        if c.kind == EQUAL:
            continue
        if c.cosmetic or c.renumbered_only:
            counts["cosmetic" if c.cosmetic else "renumbered"] += 1
            continue
        changed += 1
        counts["added"] += c.kind == ADDED
        counts["removed"] += c.kind == REMOVED
        counts["modified"] += c.modified
        counts["moved"] += c.moved
        counts["renamed"] += c.renamed
        added, removed = _words_in(c.sentences)
        if c.kind == ADDED:
            added += count_words(c.new_line or "")
        elif c.kind == REMOVED:
            removed += count_words(c.old_line or "")
        elif c.renamed:
            added += sum(segment_words(t) for op, t in c.heading_words if op == WordOp.INSERT)
            removed += sum(segment_words(t) for op, t in c.heading_words if op == WordOp.DELETE)
        words_added += added
        words_removed += removed
    items = sum(c.renumbered_lines for c in changes if c.kind != EQUAL)
    words = count_words(new)
    return Stats(
        sections_added=counts["added"],
        sections_removed=counts["removed"],
        sections_modified=counts["modified"],
        sections_moved=counts["moved"],
        sections_renamed=counts["renamed"],
        sections_renumbered=counts["renumbered"],
        sections_changed=changed,
        words_added=words if first else words_added,
        words_removed=words_removed,
        cosmetic=counts["cosmetic"],
        words=words,
        items_renumbered=items,
    )


def _text(summary: ChangeSummary, side: str) -> str:
    index, line, kind_gone = (
        ("new_index", "new_line", REMOVED) if side == "new" else ("old_index", "old_line", ADDED)
    )
    lines: list[str] = []
    sections = [s for s in summary.sections if getattr(s, index) is not None]
    for s in sorted(sections, key=lambda s: getattr(s, index)):
        if getattr(s, line) is not None:
            lines.append(getattr(s, line))
        lines.extend(getattr(c, side) for c in s.sentences if c.kind != kind_gone)
    return "\n".join(lines)


def new_text(summary: ChangeSummary) -> str:
    """The new text, rebuilt from the summary alone (exactly)."""
    return _text(summary, "new")


def old_text(summary: ChangeSummary) -> str:
    """The old text, rebuilt from the summary alone (exactly; "" for a first version)."""
    return "" if summary.first else _text(summary, "old")


def apply_changes(old: str | None, summary: ChangeSummary) -> str:
    """The new text: OLD with SUMMARY applied (OLD must be the text it was made from)."""
    if (old or "") != old_text(summary):
        raise ValueError("the summary was not made from this old text")
    return new_text(summary)

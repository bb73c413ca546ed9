"""Two snapshot texts → a structured change list, provision by provision.

The diff is kept small at every level: sections are matched by heading (numbering
stripped, so "3. Liability" → "4. Liability" is a renumbering, not a removal plus
an addition), then by body similarity (a renamed heading), then order changes are
found (a longest increasing run of matched sections; the rest moved). Inside a
matched section, lines (one sentence per line) are aligned, and inside a changed
line pair, words are diffed with diff-match-patch on word tokens, so "30 days" →
"60 days" reads as `30` → `60`.

The summary lists every section, equal ones included, with every line, so
`new_text(summary)` gives the new text back exactly and `old_text(summary)` the
old one. Renderers skip what is equal.
"""

from __future__ import annotations

from collections.abc import Sequence

from conductatlas_cli.diff.align import (
    added_line,
    align_sentences,
    diff_words,
    removed_line,
    segment_words,
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
from conductatlas_cli.diff.sections import Section, fold_strict, parse_sections, strip_numbering
from conductatlas_cli.snapshot.words import count_words

_RENAME_SEARCH_LIMIT = 250_000  # unmatched old × new sections compared by body

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
    "segment_words",
    "new_text",
    "old_text",
    "summarize_changes",
]


def _words_in(changes: Sequence[SentenceChange]) -> tuple[int, int]:
    added = removed = 0
    for c in changes:
        if c.cosmetic or c.kind == EQUAL:
            continue
        if c.kind == ADDED:
            added += count_words(c.new or "")
        elif c.kind == REMOVED:
            removed += count_words(c.old or "")
        else:
            added += sum(segment_words(t) for op, t in c.words if op == WordOp.INSERT)
            removed += sum(segment_words(t) for op, t in c.words if op == WordOp.DELETE)
    return added, removed


def _one_sided(section: Section, *, kind: ChangeKind) -> SectionChange:
    make = added_line if kind == ADDED else removed_line
    line = section.lines[0] if section.heading is not None else None
    sentences = tuple(make(x) for x in section.body)
    cosmetic = all(s.cosmetic for s in sentences) and section.heading is None
    return SectionChange(
        kind=kind,
        old_heading=section.heading if kind == REMOVED else None,
        new_heading=section.heading if kind == ADDED else None,
        path=section.path,
        level=section.level,
        old_index=section.index if kind == REMOVED else None,
        new_index=section.index if kind == ADDED else None,
        sentences=sentences,
        cosmetic=cosmetic,
        old_line=line if kind == REMOVED else None,
        new_line=line if kind == ADDED else None,
    )


def _numbering(heading: str | None) -> str:
    if heading is None:
        return ""
    return fold_strict(heading[: len(heading) - len(strip_numbering(heading))])


def _matched(old: Section, new: Section, *, moved: bool) -> SectionChange:
    sentences = tuple(align_sentences(old.body, new.body))
    modified = any(s.kind != EQUAL and not s.cosmetic for s in sentences)
    renumbered = _numbering(old.heading) != _numbering(new.heading)
    renamed = fold_strict(strip_numbering(old.heading or "")) != fold_strict(
        strip_numbering(new.heading or "")
    )
    moved = moved or old.level != new.level
    old_line = old.lines[0] if old.heading is not None else None
    new_line = new.lines[0] if new.heading is not None else None
    touched = old_line != new_line or any(s.kind != EQUAL for s in sentences)
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
    return SectionChange(
        kind=kind,
        old_heading=old.heading,
        new_heading=new.heading,
        path=new.path,
        level=new.level,
        old_index=old.index,
        new_index=new.index,
        sentences=sentences,
        cosmetic=kind == MODIFIED and not modified,
        modified=modified,
        moved=moved,
        renamed=renamed,
        renumbered=renumbered,
        heading_words=heading_words,
        old_line=old_line,
        new_line=new_line,
    )


def _body_set(section: Section) -> frozenset[str]:
    return frozenset(k for k in (fold_strict(x) for x in section.body) if k)


def match_sections(old: Sequence[Section], new: Sequence[Section]) -> dict[int, int]:
    """{new index: old index} for sections that are the same provision."""
    pairs: dict[int, int] = {}
    by_key: dict[str, list[int]] = {}
    for s in old:
        by_key.setdefault(s.key if s.heading is not None else "\0", []).append(s.index)
    for s in new:
        candidates = by_key.get(s.key if s.heading is not None else "\0")
        if candidates:
            pairs[s.index] = candidates.pop(0)
    used = set(pairs.values())
    lonely_old = [(s.index, _body_set(s)) for s in old if s.index not in used and s.heading]
    lonely_new = [(s.index, _body_set(s)) for s in new if s.index not in pairs and s.heading]
    scored = []
    if len(lonely_old) * len(lonely_new) > _RENAME_SEARCH_LIMIT:
        lonely_new = []  # unrelated texts: not worth a quadratic search for renames
    for j, bj in lonely_new:
        for i, bi in lonely_old:
            if bi and bj and 2 * min(len(bi), len(bj)) >= max(len(bi), len(bj)):
                score = len(bi & bj) / len(bi | bj)
                if score >= 0.5:
                    scored.append((-score, j, i))
    for _, j, i in sorted(scored):
        if j not in pairs and i not in used:
            pairs[j] = i
            used.add(i)
    return pairs


def _stable(pairs: dict[int, int]) -> set[int]:
    """New indexes of the longest run of pairs whose old order is kept (the rest moved)."""
    items = sorted(pairs.items())
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


def summarize_changes(old: str | None, new: str) -> ChangeSummary:
    """What changed from OLD to NEW (OLD None: the first version, everything added)."""
    new_sections = parse_sections(new)
    if old is None:
        changes = [_one_sided(s, kind=ADDED) for s in new_sections]
        return ChangeSummary(tuple(changes), _stats(changes, new, first=True), first=True)
    old_sections = parse_sections(old)
    pairs = match_sections(old_sections, new_sections)
    stable = _stable(pairs)
    old_to_new = {o: n for n, o in pairs.items()}
    # A removed section goes after the matched section that preceded it in the old text.
    after: dict[int, list[int]] = {}
    anchor = -1
    for s in old_sections:
        if s.index in old_to_new:
            anchor = old_to_new[s.index]
        else:
            after.setdefault(anchor, []).append(s.index)
    changes = [_one_sided(old_sections[i], kind=REMOVED) for i in after.get(-1, [])]
    for s in new_sections:
        if s.index in pairs:
            o = old_sections[pairs[s.index]]
            changes.append(_matched(o, s, moved=s.index not in stable and s.heading is not None))
        else:
            changes.append(_one_sided(s, kind=ADDED))
        changes.extend(_one_sided(old_sections[i], kind=REMOVED) for i in after.get(s.index, []))
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

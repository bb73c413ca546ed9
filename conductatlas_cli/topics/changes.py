"""Topics on a change summary: which governance topics each changed section carries.

A section's topics are those of its new text (and, for a removed or modified
section, of its old text too: dropping a retention clause is a retention
change). Also: keeping only the changes on some topics (`atlas diff --topic`),
the `Atlas-Topics:` commit trailer, and whether a change touches a watched
provision (`watch:` — topic ids, or patterns matched on the heading trail).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from conductatlas_cli.diff.model import EQUAL, ChangeSummary
from conductatlas_cli.diff.sections import parse_sections
from conductatlas_cli.topics.tagger import Seen, tag_text, topics_of
from conductatlas_cli.topics.taxonomy import Taxonomy

TRAILER = "Atlas-Topics"


def annotate_topics(
    summary: ChangeSummary, old: str | None, new: str, taxonomy: Taxonomy
) -> ChangeSummary:
    """SUMMARY (of OLD → NEW) with `topics` set on every changed section.

    Only the changed sections are tagged (`tagger.topics_of`): an unchanged one keeps
    no topics, as nothing shows them; a line both versions have is matched once.
    """
    changed = [c for c in summary.sections if c.kind != EQUAL]
    seen = Seen()
    new_tags = _tags_of(new, taxonomy, [c.new_index for c in changed], seen)
    old_tags = {} if old is None else _tags_of(old, taxonomy, [c.old_index for c in changed], seen)
    order = {t: i for i, t in enumerate(taxonomy.ids)}
    changes = []
    for c in summary.sections:
        found: set[str] = set()
        if c.kind != EQUAL:
            found.update(new_tags.get(c.new_index, ()) if c.new_index is not None else ())
            found.update(old_tags.get(c.old_index, ()) if c.old_index is not None else ())
        topics = tuple(sorted(found, key=order.__getitem__))
        changes.append(dataclasses.replace(c, topics=topics))
    return dataclasses.replace(summary, sections=tuple(changes))


def _tags_of(
    text: str, taxonomy: Taxonomy, indices: list[int | None], seen: Seen
) -> dict[int, tuple[str, ...]]:
    """{index: topics} of TEXT's sections at INDICES (None or out of range: skipped)."""
    sections = parse_sections(text)
    wanted = (i for i in indices if i is not None and i < len(sections))
    return topics_of(sections, taxonomy, wanted, seen=seen)


def changed_topics(summary: ChangeSummary, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """The topics of the real (non-cosmetic) changes of SUMMARY, in taxonomy order."""
    seen: dict[str, None] = {}
    for c in summary.sections:
        if c.kind != EQUAL and not c.cosmetic:
            seen.update(dict.fromkeys(c.topics))
    if taxonomy is None:
        return tuple(seen)
    return tuple(t for t in taxonomy.ids if t in seen)


def keep_topics(summary: ChangeSummary, topic_ids: Iterable[str]) -> ChangeSummary:
    """SUMMARY with only the changed sections that carry one of TOPIC_IDS."""
    wanted = set(topic_ids)
    kept = tuple(c for c in summary.sections if c.kind != EQUAL and wanted & set(c.topics))
    return dataclasses.replace(summary, sections=kept)


def topics_trailer(summary: ChangeSummary, taxonomy: Taxonomy | None = None) -> dict[str, str]:
    """{"Atlas-Topics": "a, b"} for the changed sections' topics; {} when there are none."""
    topics = changed_topics(summary, taxonomy)
    return {TRAILER: ", ".join(topics)} if topics else {}


def watched(summary: ChangeSummary, watch: Iterable[str], taxonomy: Taxonomy) -> bool:
    """Does a real change of SUMMARY touch a watched topic or a heading matching a pattern?"""
    topics = {w for w in watch if w in taxonomy}
    patterns = [re.compile(w, re.IGNORECASE) for w in watch if w not in taxonomy]
    for c in summary.sections:
        if c.kind == EQUAL or c.cosmetic:
            continue
        if topics & set(c.topics):
            return True
        trail = " › ".join(c.path)
        if any(p.search(trail) for p in patterns):
            return True
    return False


def version_topics(archive, key: str, version, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The topics the change that made VERSION of KEY touches (a first version: all of them)."""
    from conductatlas_cli.diff.summary import summarize_changes

    versions = archive.versions(key)
    new = archive.read_version(key, version.commit)
    at = next((i for i, v in enumerate(versions) if v.commit == version.commit), None)
    if at is None or at + 1 >= len(versions):
        return tag_text(new, taxonomy).topics
    old = archive.read_version(key, versions[at + 1].commit)
    summary = annotate_topics(summarize_changes(old, new), old, new, taxonomy)
    return changed_topics(summary, taxonomy)


def entries_touching(archive, entries, topic_ids: Iterable[str], taxonomy: Taxonomy) -> list:
    """The (key, version) ENTRIES whose change touches one of TOPIC_IDS (`atlas log --topic`)."""
    wanted = set(topic_ids)
    return [
        (key, v) for key, v in entries if wanted & set(version_topics(archive, key, v, taxonomy))
    ]

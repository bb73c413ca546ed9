"""Change list → JSON: the documented, stable shape of `atlas diff --format json`."""

from __future__ import annotations

from typing import Any

from conductatlas_cli.diff.describe import moved_to
from conductatlas_cli.diff.model import EQUAL, ChangeSummary, SentenceChange
from conductatlas_cli.textsafe import plain as _safe

JSON_SCHEMA_DOC = """\
`atlas diff --format json` prints one JSON object (keys always in this order):

{
  "from": "<old version: ref or commit>" | null,
  "to": "<new version: ref or commit>" | null,
  "first": false,                # true when there was no old version
  "stats": {
    "sections_added": 0, "sections_removed": 0, "sections_modified": 0,
    "sections_moved": 0,         # order or level changed
    "sections_renamed": 0,
    "sections_renumbered": 0,    # only the heading's number changed
    "sections_changed": 0,       # real changes (not renumbered-only, not cosmetic)
    "words_added": 0, "words_removed": 0,
    "cosmetic": 0,               # sections whose only change is cosmetic or ignored
    "words": 0,                  # words in the new version
    "items_renumbered": 0        # list items and clauses whose only change is their number
  },
  "sections": [                  # changed sections only, in new-document order
    {
      "kind": "added|removed|modified|renamed|moved",
      "old_heading": "3. Liability" | null,   # null: added, or the preamble
      "new_heading": "4. Liability" | null,   # null: removed, or the preamble
      "path": ["Usage Policy", "4. Liability"],  # heading trail
      "level": 2,                # 0 for the preamble (text before any heading)
      "cosmetic": false,         # only whitespace/typography/punctuation changed
      "modified": false, "moved": false, "renamed": false,
      "renumbered": true,        # its heading's number, or its items' numbers, changed
      "moved_to": "after 2. Accounts" | null,  # where a moved section went
      "topics": ["data-retention"],  # governance topics of the section (issue 13)
      "sentences": [             # changed lines only (never blank ones), in order
        {
          "kind": "added|removed|modified",
          "old": "Pay within 30 days." | null,
          "new": "Pay within 60 days." | null,
          "cosmetic": false,
          "renumbered": false,   # only its leading number or letter changed
          "elsewhere": "3. Privacy" | null,  # moved to (removed) / from (added) that section
          "words": [{"op": "equal|insert|delete", "text": "Pay within "}]  # modified only
        }
      ]
    }
  ]
}

Cosmetic entries are always included (with "cosmetic": true), and `context` does
not apply: unchanged sentences are never listed. A first version ("first": true)
lists every section as added with all its sentences. Page text has control
characters and terminal escape sequences removed. A section whose only change is
its number has "kind": "moved", "renumbered": true, "moved": false.
"""


def _blank(sentence: SentenceChange) -> bool:
    return not (sentence.old or "").strip() and not (sentence.new or "").strip()


def summary_to_dict(
    summary: ChangeSummary, *, from_ref: str | None = None, to_ref: str | None = None
) -> dict[str, Any]:
    """SUMMARY as plain data in the JSON_SCHEMA_DOC shape (changed parts only)."""

    def text(value: str | None) -> str | None:
        return None if value is None else _safe(value)

    sections = []
    for c in summary.sections:
        if c.kind == EQUAL:
            continue
        sentences = [
            {
                "kind": s.kind,
                "old": text(s.old),
                "new": text(s.new),
                "cosmetic": s.cosmetic,
                "renumbered": s.renumbered,
                "elsewhere": text(s.elsewhere),
                "words": [{"op": op, "text": _safe(t)} for op, t in s.words],
            }
            for s in c.sentences
            if s.kind != EQUAL and not _blank(s)
        ]
        sections.append(
            {
                "kind": c.kind,
                "old_heading": text(c.old_heading),
                "new_heading": text(c.new_heading),
                "path": [_safe(p) for p in c.path],
                "level": c.level,
                "cosmetic": c.cosmetic,
                "modified": c.modified,
                "moved": c.moved,
                "renamed": c.renamed,
                "renumbered": c.renumbered,
                "moved_to": moved_to(c) if c.moved else None,
                "topics": list(c.topics),  # issue 13: governance topics
                "sentences": sentences,
            }
        )
    st = summary.stats
    stats = {
        name: getattr(st, name)
        for name in (
            "sections_added",
            "sections_removed",
            "sections_modified",
            "sections_moved",
            "sections_renamed",
            "sections_renumbered",
            "sections_changed",
            "words_added",
            "words_removed",
            "cosmetic",
            "words",
            "items_renumbered",
        )
    }
    return {
        "from": from_ref,
        "to": to_ref,
        "first": summary.first,
        "stats": stats,
        "sections": sections,
    }

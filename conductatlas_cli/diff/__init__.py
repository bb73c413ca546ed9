"""Two snapshot texts → a structured change summary, provision by provision.

Owns: `model.py` (`ChangeKind`, `WordOp`, `SentenceChange`, `SectionChange`,
`Stats`, `ChangeSummary`), `sections.py` (a text → its tree of sections),
`matching.py` (which section is which: by place, and through the versions of a
range), `align.py` (lines and words inside a section, renumbered items),
`relocate.py` (sentences moved between sections), `cosmetic.py` (the one door
to the change model: "is this only noise?"), `summary.py` (`summarize_changes`) and `describe.py`
(markers, labels and the stat line in plain words, shared by renderers and
commit messages).

May import: `snapshot` (the word count and the change model), `textsafe`. Knows nothing of git or
the network.
"""

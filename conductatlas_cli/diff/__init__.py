"""Two snapshot texts → a structured change summary, provision by provision.

Owns: `model.py` (`ChangeKind`, `WordOp`, `SentenceChange`, `SectionChange`,
`Stats`, `ChangeSummary`), `sections.py` (a text → its tree of sections),
`align.py` (lines and words inside a section), `summary.py`
(`summarize_changes`) and `describe.py` (markers, labels and the stat line in
plain words, shared by renderers and commit messages).

May import: `snapshot` (the word count), `textsafe`. Knows nothing of git or
the network.
"""

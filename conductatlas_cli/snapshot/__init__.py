"""The snapshot text and what is worth recording.

Owns: `normalize.py` (the snapshot format: one sentence per line, NFC, LF),
`words.py` (the one word count), `noise.py` (the noise key: two texts that
differ only by noise have equal keys) and `guards.py` (walls and error pages;
a change that removes most of a document).

May import: `textsafe`. Pure functions over text: no I/O, no git, no network.
"""

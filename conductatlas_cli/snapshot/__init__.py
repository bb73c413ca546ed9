"""The snapshot text and what is worth recording.

Owns: `normalize.py` (the snapshot format: one sentence per line, NFC, LF),
`words.py` (the one word count), `noise.py` (the noise key: two texts that
differ only by noise have equal keys), `guards.py` (walls and error pages;
a change that removes most of a document) and `jsshell.py` (a short page that
is a JavaScript shell: "needs a browser").

May import: `textsafe`. Pure functions over text: no I/O, no git, no network.
"""

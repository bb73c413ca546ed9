"""The snapshot text and what is worth recording.

Owns: `normalize.py` (the snapshot format: one sentence per line, NFC, LF),
`words.py` (the one word count and tokenizer), `change_model.py` (which
differences are cosmetic: for the commit decision and the diff alike; `units.py`
reads a line as its unit and key, `dates.py` folds a date written another way for it), `ignore.py` (the document's ignore lines) and
`guards.py` (walls, error pages and consent dialogs; a change that loses most
of a document's content) and `jsshell.py` (a short page that is a JavaScript
shell: "needs a browser").

May import: `textsafe`. Pure functions over text: no I/O, no git, no network.
"""

# The change model's version (`change_model.py`): bumped whenever a key changes, so cached
# hashes of recorded texts are recomputed. Here, not there, so that checking such a hash
# (every 304 of a fetch) does not compile the change model's patterns.
MODEL_VERSION = "cm2"

"""Atom feeds of the archive (`atlas feed DIR`, `atlas fetch --feed DIR`).

Owns: `atom.py`: `feed.atom` (every document) and `<platform>.atom` (one per
platform) built with feedgen, one entry per recorded version, newest first,
and the entry cache `.atlas/feeds-cache.json`.

May import: `config`, `archive`, `notify` (its `archive_view`, which also gives
the alerts their change summaries, so a feed entry and an alert say the same
thing, and its HTML summary), `atomic`, `errors`.
"""

"""Atom feeds of the archive (`atlas feed DIR`, `atlas fetch --feed DIR`).

`atom` builds `feed.atom` (every document) and `<platform>.atom` (one per
platform) with feedgen: one entry per recorded version, newest first. It reads
the archive only through `notify.archive_view`, which also gives the alerts
their change summaries, so a feed entry and an alert say the same thing.
"""

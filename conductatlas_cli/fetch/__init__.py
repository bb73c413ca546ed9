"""Getting a document's bytes: HTTP today, a browser tomorrow, behind one result type.

Owns: `http.py` (one session, retries with backoff, conditional requests,
size and time caps, redirects; `FetchResult`), `scheduler.py` (which document a
free thread fetches next: per-host queues, `per_host`, `delay`, Retry-After
pauses) and `shard.py` (`--shard K/N`: documents split over machines by host).

May import: `config`, `errors`. Knows nothing of text, snapshots or git.
"""

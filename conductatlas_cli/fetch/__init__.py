"""Getting a document's bytes, over HTTP or in a browser, behind one result type.

Owns: `request.py` (`FetchRequest`: what every fetcher is asked for),
`registry.py` (the `Fetcher` interface, the `FETCHERS` registry and
`Fetchers`, one of each per run), `http.py` (one session,
retries with backoff, conditional requests, size and time caps, redirects;
`FetchResult`), `browser.py` (a system Chromium through playwright: one
browser per run, a context per page), `browser_page.py` (one page: load,
settle, read, every failure one line), `chromium.py` (finding Chromium, the
install hints, a run's launcher), `chromium_launcher.py` (a script, not
imported: starts Chromium with a watchdog so a killed atlas leaves none),
`scheduler.py` (which document a free thread fetches next: per-host queues,
`per_host`, `delay`, Retry-After pauses) and `shard.py` (`--shard K/N`:
documents split over machines by host).

May import: `config`, `errors`. Knows nothing of text, snapshots or git.
"""

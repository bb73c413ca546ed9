"""Getting a document's bytes: HTTP today, a browser tomorrow, behind one result type.

Owns: `http.py` (one session, retries with backoff, conditional requests,
size and time caps, redirects; `FetchResult`) and `hosts.py` (at most
`per_host` requests at once to one host).

May import: `config`, `errors`. Knows nothing of text, snapshots or git.
"""

"""Alerts: messages to the `notify:` targets, the durable outbox, delivery, the digest.

Owns: `targets.py` (`${VAR}` expansion, redaction, the URL check of `atlas check`),
`events.py` (`DocumentEvent`: one document in a message; per-target filters),
`archive_view.py` (the one reader of the archive, the change model and the fetch
report: versions → events), `bodies.py` and `html.py` (events → text, Markdown,
HTML), `message.py` (one message per target; merging queued ones), `outbox.py`
(`.atlas/outbox.json`, atomic), `deliver.py` (apprise, with a time-out; its only
importer), `service.py` (one run: queue, send, acknowledge) and `digest.py`.

May import: `config` (the `Target` model), `archive`, `diff`, `render` (the diff
JSON shape), `atomic`, `errors`, `textsafe`, `timestamps`. Never `cli`; no typer, no rich.
"""

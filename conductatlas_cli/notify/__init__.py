"""Alerts: notification targets, messages, the durable outbox, delivery through apprise,
and the weekly digest.

Data flow: a fetch report (or the archive, for the digest) → `DocumentEvent`s
(`events`, `archive_view`) → one `Message` per target (`message`, `bodies`)
→ the outbox under `.atlas/` (`outbox`) → apprise (`deliver`). `service`
orchestrates one run. Only `archive_view` reads the archive and the change
model; apprise is imported only in `deliver` and `targets` (lazily), so
loading a configuration never pays for it. No module here imports typer or rich.
"""

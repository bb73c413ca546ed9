"""Send one message to one target through apprise, with a time-out, saying why it failed.

apprise is imported here only. Its log records (the only place it says why a
send failed) are captured for the call, never printed, and every line taken
from them is redacted: apprise puts URLs and hosts into its messages. apprise's
persistent store is kept in memory, so no secret-bearing cache lands on disk.

The time-out is applied to the service's sockets (connect and read) and, as a
backstop for a service that trickles bytes, to the whole call: a send still
running after `2 × timeout + 1` seconds counts as failed (it runs on in a
daemon thread; the message stays queued, so at worst it arrives twice).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from conductatlas_cli.config.notify import Target
from conductatlas_cli.notify.targets import NotifyError, expand, redact
from conductatlas_cli.textsafe import plain


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: `error` is one redacted line when `sent` is False."""

    sent: bool
    error: str | None = None


def service_format(plugin) -> str:
    """The body format a service takes best: its first declared one (text, markdown, html)."""
    declared = plugin.notify_format
    first = declared[0] if isinstance(declared, (tuple, list)) else declared
    value = getattr(first, "value", str(first))
    return value if value in ("text", "markdown", "html") else "text"


def _asset():
    import apprise

    return apprise.AppriseAsset(storage_mode="memory", secure_logging=True)


def load_plugin(url: str, secrets: tuple[str, ...]):
    """The apprise plugin for URL; NotifyError (redacted) when apprise does not take it."""
    import apprise
    from apprise.manager_plugins import NotificationManager

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in NotificationManager():
        shown = plain(scheme)[:30] or "(none)"
        raise NotifyError(f"this URL has the scheme '{shown}', which apprise does not know")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        try:
            plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=False)
        except Exception as exc:  # noqa: BLE001 - apprise raises assorted errors on bad URLs
            plugin, reason = None, str(exc)
        else:
            reason = ""
    if plugin is None:
        reason = reason or _last_line(logs.getvalue()) or "apprise cannot parse it"
        raise NotifyError(f"this URL is not a valid {scheme}:// URL: {_clean(reason, secrets)}")
    return plugin


def send(target: Target, *, title: str, body: str, fmt: str, env=None) -> Delivery:
    """Send TITLE and BODY (written in FMT) to TARGET once; never raises for a delivery fault."""
    try:
        url, secrets = expand(target, env)
        plugin = load_plugin(url, secrets)
    except NotifyError as exc:
        return Delivery(False, str(exc).replace("this URL", "the URL"))
    plugin.socket_connect_timeout = target.timeout
    plugin.socket_read_timeout = target.timeout
    outcome: dict[str, object] = {}

    def run() -> None:
        import apprise

        with apprise.LogCapture(level=logging.DEBUG, fmt="%(levelname)s %(message)s") as logs:
            try:
                outcome["ok"] = plugin.notify(body=body, title=title, body_format=fmt)
            except Exception as exc:  # noqa: BLE001 - a plugin's surprise is a failed send
                outcome["ok"], outcome["error"] = False, f"{type(exc).__name__}: {exc}"
        outcome["log"] = logs.getvalue()

    worker = threading.Thread(target=run, name="atlas-notify", daemon=True)
    worker.start()
    worker.join(2 * target.timeout + 1)
    if worker.is_alive():
        return Delivery(False, f"no answer within {target.timeout:g} s")
    if outcome.get("ok"):
        return Delivery(True)
    reason = str(outcome.get("error") or "") or _reason(str(outcome.get("log") or ""))
    return Delivery(False, _clean(reason or "the service refused the message", secrets))


def _last_line(text: str) -> str:
    """The last non-empty line of TEXT."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _reason(log: str) -> str:
    """Why a send failed, from apprise's log: its last warning, and the exception under it."""
    warning = detail = ""
    for line in log.splitlines():
        level, _, message = line.strip().partition(" ")
        if level in ("WARNING", "ERROR", "CRITICAL"):
            warning = message
        elif message.startswith("Socket Exception: "):
            detail = message[len("Socket Exception: ") :]
    warning = warning.rstrip(".")
    return f"{warning}: {detail}" if warning and detail else warning or detail


def _clean(text: str, secrets: tuple[str, ...]) -> str:
    """One printable line, secrets replaced, at most 300 characters."""
    line = " ".join(plain(redact(text, secrets)).split())
    return line if len(line) <= 300 else line[:299] + "…"

"""Notify URLs at send time: `${VAR}` expansion, redaction, and the URL check of `atlas check`.

`${VAR}` in a target's URL is replaced from the environment when a message is sent
(or `atlas check` runs), so secrets stay out of the repository; the URL as
written, its expansion and every variable's value are secrets: they are never
printed, logged, committed or stored, and any text that may hold one goes
through `redact`. `url_problems` expands the URL and asks apprise whether it knows
it, without sending anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

from conductatlas_cli.config.notify import Target
from conductatlas_cli.errors import AtlasError

_VAR = re.compile(r"\$\{([^}]*)\}")


class NotifyError(AtlasError):
    """A target cannot be used as configured (a missing variable, an unknown URL scheme)."""


def variables(template: str) -> list[str]:
    """The names of the `${VAR}`s in TEMPLATE, in order, once each."""
    names: list[str] = []
    for match in _VAR.finditer(template):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def expand(target: Target, env: Mapping[str, str] | None = None) -> tuple[str, tuple[str, ...]]:
    """(the URL with `${VAR}`s replaced from ENV, the secrets to redact); NotifyError if unset."""
    env = os.environ if env is None else env
    missing = [name for name in variables(target.url) if name not in env]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        raise NotifyError(f"{target.label}: environment variable{plural} {names} not set")
    url = _VAR.sub(lambda m: env[m.group(1)], target.url)
    values = [env[name] for name in variables(target.url)]
    return url, _secrets(url, values)


def _secrets(url: str, values: list[str]) -> tuple[str, ...]:
    """Everything in URL that must not be shown: the URL, its password, path, query, values."""
    found = {url, *values}
    try:
        parts = urlsplit(url)
        found.update(p for p in (parts.password, parts.username) if p)
        # Tokens of many services live in the path (slack://T/B/C, discord://id/token).
        found.update(seg for seg in (parts.netloc + parts.path).split("/") if len(seg) >= 6)
        found.update(v for _, _, v in _query_pairs(parts.query))
    except ValueError:
        pass
    out = set()
    for item in found:
        if item and len(item) >= 3:
            out.update({item, unquote(item), quote(item, safe="")})
    return tuple(sorted(out, key=len, reverse=True))


def _query_pairs(query: str):
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and len(value) >= 3:
            yield key, sep, value


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """TEXT with every secret replaced by `***`, longest first."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "***")
    return text


def url_problems(target: Target, env: Mapping[str, str] | None = None) -> list[str]:
    """Why TARGET's URL cannot be used now (unset variables, unknown to apprise); sends nothing."""
    try:
        url, secrets = expand(target, env)
    except NotifyError as exc:
        return [str(exc)]
    from conductatlas_cli.notify.deliver import load_plugin

    try:
        load_plugin(url, secrets)
    except NotifyError as exc:
        return [str(exc).replace("this URL", f"{target.label}'s URL")]
    return []

"""The `notify:` entries of sources.yaml: the `Target` model and its checks.

A target is an apprise URL (email, Slack, Teams, Discord, Matrix, ntfy, webhooks…)
with filters: `on` (events), `platforms`, `topics`, `format` and `timeout`. The
URL is kept as written, `${VAR}`s and all: `notify.targets` expands it when a
message is sent. `target_problems` checks one entry's fields and returns
`(field, problem)` pairs, so the loader can put the line of that field in front
of each problem. A target is shown as its `label` (`notify #2 (mailto)`), never
its URL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from conductatlas_cli.config.model import SLUG
from conductatlas_cli.errors import ConfigError


class Event(StrEnum):
    """What happened to a document in a run, as a target's `on:` names it."""

    NEW = "new"
    CHANGED = "changed"
    HELD = "held"
    FAILED = "failed"


TARGET_KEYS = frozenset({"url", "on", "platforms", "topics", "format", "timeout"})
FORMATS = ("text", "markdown", "html")
DEFAULT_ON = frozenset({Event.CHANGED, Event.FAILED, Event.HELD})
DEFAULT_TIMEOUT = 15.0
_VAR = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """One notification target. `url` is the template as written (with `${VAR}`s)."""

    url: str
    on: frozenset[Event] = DEFAULT_ON
    platforms: tuple[str, ...] = ()  # empty: every platform
    topics: tuple[str, ...] = ()  # empty: every change
    format: str | None = None  # None: what the service takes best
    timeout: float = DEFAULT_TIMEOUT
    index: int = 1  # position in `notify:`, from 1
    line: int = 0  # line in sources.yaml (0: unknown)

    @property
    def scheme(self) -> str:
        """The URL's scheme (`mailto`, `json`, …): the one part of a URL that is never secret."""
        match = _SCHEME.match(self.url)
        return match.group(0)[:-3].lower() if match else "?"

    @property
    def label(self) -> str:
        """How the target is shown anywhere: its position and scheme, never its URL."""
        return f"notify #{self.index} ({self.scheme})"

    @property
    def id(self) -> str:
        """A stable name for the outbox: a hash of the URL template (not of its expansion)."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]

    def wants(self, event: Event, platform: str) -> bool:
        """Whether EVENT on PLATFORM passes the `on` and `platforms` filters."""
        return event in self.on and (not self.platforms or platform in self.platforms)


def target_problems(
    fields: Mapping[str, object], *, platforms: frozenset[str] | None = None
) -> list[tuple[str | None, str]]:
    """Problems with one `notify:` entry, as (field or None for the entry, message).

    FIELDS holds the entry's values as YAML gives them (strings, lists of strings).
    PLATFORMS, when given, are the known platform ids. URLs are checked for form only
    (apprise knowing the scheme and the variables being set are `url_problems`).
    """
    problems: list[tuple[str | None, str]] = []
    for key in fields:
        if key not in TARGET_KEYS:
            known = ", ".join(sorted(TARGET_KEYS))
            problems.append((key, f"unknown key '{key}' in a notify target (known: {known})"))
    url = fields.get("url")
    if url is None:
        problems.append((None, "a notify target has no 'url'"))
    elif not isinstance(url, str) or not url.strip():
        problems.append(("url", "a notify target's 'url' must be a string"))
    else:
        problems += [("url", p) for p in _url_form_problems(url)]
    if "on" in fields:
        values = _strings(fields["on"])
        if values is None or not values:
            problems.append(("on", "'on' must be a list of: new, changed, failed, held"))
        else:
            known_events = {e.value for e in Event}
            for value in values:
                if value not in known_events:
                    problems.append(
                        (
                            "on",
                            f"unknown event '{value}' in 'on' (known: new, changed, failed, held)",
                        )
                    )
    for key in ("platforms", "topics"):
        if key not in fields:
            continue
        values = _strings(fields[key])
        if values is None:
            problems.append((key, f"'{key}' must be a list of ids"))
            continue
        for value in values:
            if not SLUG.match(value):
                problems.append((key, f"'{value[:80]}' in '{key}' is not an id (a slug)"))
            elif key == "platforms" and platforms is not None and value not in platforms:
                problems.append((key, f"platform '{value}' in 'platforms' is not in 'platforms:'"))
    if "format" in fields and fields["format"] not in FORMATS:
        shown = str(fields["format"])[:40]
        problems.append(("format", f"unknown format '{shown}' (choose from {', '.join(FORMATS)})"))
    if "timeout" in fields:
        try:
            timeout = float(str(fields["timeout"]))
        except ValueError:
            timeout = -1.0
        if not 0 < timeout < 3600:
            problems.append(("timeout", "'timeout' must be a number of seconds above 0"))
    return problems


def _url_form_problems(url: str) -> list[str]:
    problems = []
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        problems.append("the notify URL contains spaces or control characters")
    if not _SCHEME.match(url):
        problems.append(
            "the notify URL has no scheme (an apprise URL such as mailto://… or json://…)"
        )
    for match in _VAR.finditer(url):
        if not _NAME.match(match.group(1)):
            problems.append(
                f"'${{{match.group(1)[:40]}}}' in the notify URL is not a variable name"
            )
    if "${" in _VAR.sub("", url):
        problems.append("the notify URL has a '${' without a closing '}'")
    return problems


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def build_target(fields: Mapping[str, object], *, index: int = 1, line: int = 0) -> Target:
    """A Target from one entry's FIELDS (checked first with `target_problems`)."""
    problems = target_problems(fields)
    if problems:
        raise ConfigError([message for _, message in problems])
    on = _strings(fields["on"]) if "on" in fields else None
    return Target(
        url=str(fields["url"]),
        on=frozenset(Event(v) for v in on) if on else DEFAULT_ON,
        platforms=tuple(_strings(fields.get("platforms", [])) or ()),
        topics=tuple(_strings(fields.get("topics", [])) or ()),
        format=str(fields["format"]) if "format" in fields else None,
        timeout=float(str(fields.get("timeout", DEFAULT_TIMEOUT))),
        index=index,
        line=line,
    )

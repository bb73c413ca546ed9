"""The sources.yaml model: frozen dataclasses, ids and document keys.

`Sources` (where the file is, its `Settings`, its `Source`s) is what every
other package reads; `parse_key` and `SLUG` are the one parser of ids and
`platform/document` keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from conductatlas_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from conductatlas_cli.config.notify import Target

SOURCES_FILE = "sources.yaml"
STATE_DIR = ".atlas"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ID_LENGTH = 64
# Windows device names: a slug like "con" is a valid file name on Linux but not
# everywhere a user may clone the archive.
RESERVED_IDS = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (compatible; ConductAtlas/0.1; +https://github.com/conductatlas/atlas)"
)
DEFAULT_MIN_CHARS = 200
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    snapshots: str = "snapshots"
    timeout: float = 30.0
    jobs: int = 8
    per_host: int = 2
    delay: float = 0.0  # seconds between the starts of two requests to one host
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = 3
    render: str = "http"  # the documents' default: http | browser | auto
    captures: bool = True  # keep each version's body as served, in its commit
    commit_url: str | None = None  # e.g. https://github.com/ORG/REPO/commit/{commit}
    watch: tuple[str, ...] = ()  # topic ids or heading patterns (issue 13)


@dataclass(frozen=True)
class Source:
    """One tracked document."""

    platform: str
    document: str
    url: str
    platform_name: str = ""
    type: str = ""
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_chars: int = DEFAULT_MIN_CHARS
    render: str = "http"  # http | browser | auto (settings.render when not given)
    wait_for: str | None = None  # CSS selector the browser waits for
    timeout: float | None = None  # seconds for this document (settings.timeout when None)
    watch: tuple[str, ...] = ()  # topic ids or heading patterns, added to settings.watch

    @property
    def key(self) -> str:
        return f"{self.platform}/{self.document}"

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @property
    def title(self) -> str:
        """'Acme AI — Privacy Policy': the platform's name and the document's type (or id)."""
        return f"{self.platform_name or self.platform} — {self.type or self.document}"

    @property
    def label(self) -> str:
        """'Acme AI — Privacy Policy (acme/privacy)': the title and the key to type."""
        return f"{self.title} ({self.key})"


@dataclass(frozen=True)
class Sources:
    """The whole sources.yaml: where it is, its settings, its documents."""

    path: Path
    settings: Settings = field(default_factory=Settings)
    sources: tuple[Source, ...] = ()
    notify: tuple[Target, ...] = ()  # one per `notify:` entry
    # The `topics:` mapping as written (validated); `topics.load_taxonomy` merges it.
    topics: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def snapshots_dir(self) -> Path:
        return self.root / self.settings.snapshots

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def select(self, targets: list[str] | tuple[str, ...] = ()) -> list[Source]:
        """The sources named by TARGETs (`platform` or `platform/document`); all when none."""
        if not targets:
            return list(self.sources)
        chosen: list[Source] = []
        for target in targets:
            matched = [s for s in self.sources if target in (s.platform, s.key)]
            if not matched:
                raise ConfigError([self.unknown_target(target)])
            chosen.extend(s for s in matched if s not in chosen)
        return chosen

    def knows(self, target: str) -> bool:
        """Whether TARGET names a platform or a document of this file."""
        return any(target in (s.platform, s.key) for s in self.sources)

    def unknown_target(self, target: str) -> str:
        """The one-line message for a TARGET this file does not name, with a suggestion."""
        import difflib

        names = sorted({s.platform for s in self.sources} | {s.key for s in self.sources})
        close = difflib.get_close_matches(target, names, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown target '{target}' (not in {self.path.name}{hint})"


def redact_url(url: str) -> str:
    """The URL without user:password, for printing and committing."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def parse_key(key: str) -> tuple[str, str]:
    """('cohere', 'usage-policy') from 'cohere/usage-policy'; UsageError for anything else."""
    platform, sep, document = key.partition("/")
    if not sep or not SLUG.match(platform) or not SLUG.match(document):
        raise UsageError(f"'{key}' is not a document key (expected 'platform/document')")
    return platform, document

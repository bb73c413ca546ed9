"""The one error hierarchy and the exit codes of the `atlas` command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes, as documented in the README and SPEC."""

    OK = 0
    PARTIAL = 1  # done, but some documents failed or were held back
    USAGE = 2  # usage or configuration error; nothing fetched or written
    DIFFERENCES = 3  # `atlas diff --exit-code` found differences
    LOCKED = 75  # another `atlas fetch` holds the lock
    INTERRUPTED = 130  # Ctrl-C


class AtlasError(Exception):
    """Base of every expected failure; its message is one sentence."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(AtlasError):
    """sources.yaml is missing or invalid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(self.problems[0] if self.problems else "invalid configuration")


class UsageError(AtlasError):
    """A command was called with arguments that cannot be served."""


class LockedError(AtlasError):
    """Another `atlas fetch` holds the archive's lock."""

    exit_code = ExitCode.LOCKED


class StoreError(AtlasError):
    """The archive (git, files, state) could not be read or written."""

    exit_code = ExitCode.PARTIAL


class FetchError(AtlasError):
    """One document could not be fetched; the message is the reason."""

    exit_code = ExitCode.PARTIAL


class ExtractError(AtlasError):
    """One document's body could not be turned into text."""

    exit_code = ExitCode.PARTIAL

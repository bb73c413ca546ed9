"""The one timestamp format of atlas: ISO 8601 in UTC, to the second (`2026-11-24T10:00:00Z`).

Used for `Atlas-Fetched-At` trailers, `.atlas/state.json`, the lock file and
every `--json` output.
"""

from __future__ import annotations

from datetime import UTC, datetime

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> str:
    """Now, as an ISO 8601 UTC timestamp."""
    return format_utc(datetime.now(UTC))


def format_utc(value: datetime) -> str:
    """VALUE (naive values are taken as UTC) as an ISO 8601 UTC timestamp."""
    return as_utc(value).strftime(ISO_UTC)


def parse_utc(text: str) -> datetime | None:
    """An ISO 8601 date-time (`Z` or an offset; naive means UTC) as an aware UTC datetime."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    """VALUE in UTC; a naive VALUE is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)

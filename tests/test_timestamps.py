"""The dates people type, and the one timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conductatlas_cli.errors import UsageError
from conductatlas_cli.timestamps import format_utc, parse_moment, parse_utc

NOW = datetime(2026, 12, 1, 21, 23, 5, tzinfo=UTC)

CASES = [
    ("2026-11-17", "2026-11-17T00:00:00Z"),  # a bare date is the start of that day, UTC
    ("2026-11-17T10:30", "2026-11-17T10:30:00Z"),  # naive means UTC
    ("2026-11-17T10:30:00+01:00", "2026-11-17T09:30:00Z"),
    ("2026-11-17 10:30Z", "2026-11-17T10:30:00Z"),
    ("today", "2026-12-01T00:00:00Z"),
    ("yesterday", "2026-11-30T00:00:00Z"),
    ("now", "2026-12-01T21:23:05Z"),
    ("7d", "2026-11-24T21:23:05Z"),
    ("2w", "2026-11-17T21:23:05Z"),
    ("3m", "2026-09-02T21:23:05Z"),  # a month is 30 days
    ("12h", "2026-12-01T09:23:05Z"),
    (" Yesterday ", "2026-11-30T00:00:00Z"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_parse_moment(text, expected):
    """Each form names the moment the help text says."""
    assert format_utc(parse_moment(text, now=NOW)) == expected


@pytest.mark.parametrize("text", ["", "last week", "2026-13-01", "17/11/2026", "~2", "7 days"])
def test_parse_moment_refuses_what_is_no_date(text):
    """Anything else is a usage error that lists the forms."""
    with pytest.raises(UsageError, match="not a (valid )?date"):
        parse_moment(text, now=NOW)


def test_timestamps_round_trip():
    """format_utc and parse_utc are inverses on the one format."""
    assert parse_utc(format_utc(NOW)) == NOW
    assert parse_utc("nonsense") is None

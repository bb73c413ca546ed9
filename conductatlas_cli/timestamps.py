"""Times in atlas: one format, ISO 8601 in UTC to the second (`2026-11-24T10:00:00Z`), for
`Atlas-Fetched-At` trailers, `.atlas/state.json`, the lock file and every `--json` output;
and the one parser of the dates people type (`parse_moment`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from conductatlas_cli.errors import UsageError

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


_SPAN = re.compile(r"(\d{1,5})\s*([hdwmy])")
_SPAN_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
DATE_FORMS = "YYYY-MM-DD, an ISO date-time, today, yesterday, or a span such as 7d, 2w, 3m"


def is_moment(text: str) -> bool:
    """Whether TEXT is written as a date or a span (not a commit or a version count)."""
    text = text.strip().lower()
    return bool(
        text in ("now", "today", "yesterday")
        or _SPAN.fullmatch(text)
        or re.match(r"\d{4}-\d{2}-\d{2}", text)
    )


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """The moment TEXT names, in UTC; UsageError when it names none.

    A bare date (`2026-11-17`) is the START of that day, 00:00 UTC, everywhere
    (`--since`, `--from`, `--to`, `--at`), so `--from 2026-11-01 --to 2026-12-01`
    is November. `today` and `yesterday` are the starts of those days; a span
    (`7d`, `2w`, `3m` = 90 days, `1y` = 365 days, `12h`) counts back from now;
    an ISO date-time (`2026-11-17T10:00`, `…Z`, `…+01:00`; naive means UTC) is itself.
    """
    now = as_utc(now or datetime.now(UTC))
    word = (text or "").strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "now":
        return now
    if word == "today":
        return midnight
    if word == "yesterday":
        return midnight - timedelta(days=1)
    span = _SPAN.fullmatch(word)
    if span:
        count, unit = int(span.group(1)), span.group(2)
        if unit == "h":
            return now - timedelta(hours=count)
        return now - timedelta(days=count * _SPAN_DAYS[unit])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return datetime.strptime(word, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise UsageError(f"'{text}' is not a valid date") from None
    moment = parse_utc(word.upper()) if re.match(r"\d{4}-\d{2}-\d{2}[t ]", word) else None
    if moment is None:
        raise UsageError(f"'{text}' is not a date (expected {DATE_FORMS})")
    return moment

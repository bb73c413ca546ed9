"""Dates written another way, for the change model (snapshot/change_model.py). Pure, stdlib only.

A calendar date with an English month name is folded to one marked form, however the
month is written (`Oct 6, 2025` = `October 6, 2025` = `6 October 2025` = `6th OCT. 2025`):
the date itself always counts, only its spelling does not. A line that is only a date
stamp ("Last updated: June 13, 2025") is keyed by its label's words in lower case and
its date, so "Last Updated June 13, 2025" is the same stamp. Numeric dates (`02/24/2025`:
day or month first?) are left as they are.
"""

from __future__ import annotations

import re

# Month names in Title or upper case ("May" only with a day and a year: "you may" is no date).
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(
    alt for name in sorted(_MONTHS, key=len, reverse=True) for alt in (name.title(), name.upper())
)
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)[0-9]{2}"
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\.? (?P<d1>{_DAY}),? (?P<y1>{_YEAR})"
    rf"|(?P<d2>{_DAY})\.? (?P<m2>{_MONTH})\.?,? (?P<y2>{_YEAR}))\b"
)
_YEAR_HINT = re.compile(r"(?:19|20)[0-9]{2}\b")
_STAMP_LINE = re.compile(
    r"((?:last )?(?:updated|modified|revised|reviewed|changed|edited|published|posted"
    r"|effective(?: date| as of)?)(?: on)?) ?[:-]? ?(\ufdd2[0-9-]{10})\.?",
    re.IGNORECASE,
)


def _iso_date(match: re.Match[str]) -> str:
    """A matched date as a marked YYYY-MM-DD (the marker: a date, not text someone typed)."""
    month = match.group("m1") or match.group("m2")
    day = (match.group("d1") or match.group("d2")).rstrip("stndrh")
    year = match.group("y1") or match.group("y2")
    return f"\ufdd2{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"


def stamp_key(text: str) -> str | None:
    """TEXT (dates folded) as a date stamp: its label in lower case and its date; None if not one."""
    if "\ufdd2" not in text:
        return None
    m = _STAMP_LINE.fullmatch(" ".join(text.replace("*", " ").replace("_", " ").split()))
    return m.group(1).lower() + m.group(2) if m else None


def has_year(text: str) -> bool:
    """Whether TEXT holds a year (the cheap test before `fold_dates`)."""
    return _YEAR_HINT.search(text) is not None


def fold_dates(text: str) -> str:
    """TEXT with its whitespace collapsed and every month-name date in one marked form."""
    return _DATE.sub(_iso_date, " ".join(text.split()))

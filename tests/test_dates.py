"""snapshot/dates.py: a date written another way folds to one form; a different date does not."""

from __future__ import annotations

import pytest

from conductatlas_cli.snapshot.dates import fold_dates, has_year, stamp_key


@pytest.mark.parametrize(
    "written",
    ["October 6, 2025", "Oct 6, 2025", "Oct. 6 2025", "6 October 2025", "6th OCT. 2025"],
)
def test_one_day_written_any_way_folds_alike(written):
    """Every spelling and order of one month-name date gives the same folded text."""
    assert fold_dates(f"Effective {written} here") == fold_dates("Effective October 6, 2025 here")


def test_different_days_and_non_dates_stay_apart():
    """Another day or year differs; lower-case "may" and numeric dates are left alone."""
    assert fold_dates("June 13, 2025") != fold_dates("June 14, 2025")
    assert fold_dates("June 13, 2025") != fold_dates("June 13, 2026")
    assert fold_dates("you may 5, 2025") == "you may 5, 2025"
    assert fold_dates("on 02/24/2025") == "on 02/24/2025"
    assert not has_year("Section 404 applies") and has_year("in 2026")


def test_a_stamp_line_is_keyed_by_its_label_and_date():
    """Only a whole stamp line has a stamp key: its label in lower case and its date."""
    key = stamp_key(fold_dates("Last Updated: June 13, 2025"))
    assert key is not None and key == stamp_key(fold_dates("last updated Jun 13, 2025"))
    assert stamp_key(fold_dates("Updated: June 13, 2025")) != key
    assert stamp_key(fold_dates("We updated these terms on June 13, 2025 for you.")) is None

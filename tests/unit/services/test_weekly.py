"""The weekly post's time rules: ISO weeks as periods, the next occurrence of a weekday and local
time in a zone (across daylight-saving changes and the year's end), and the day option."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.errors import StudyError
from bot.services.weekly import day_of_week, iso_week, next_occurrence, parse_weekday


def test_iso_weeks_cross_the_year_as_iso_8601_counts_them() -> None:
    assert iso_week(date(2026, 3, 4)) == "2026-W10"
    assert iso_week(date(2026, 12, 31)) == "2026-W53"
    assert iso_week(date(2027, 1, 3)) == "2026-W53"  # a Sunday still in 2026's last week
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
    assert day_of_week("2026-W53", 6) == date(2027, 1, 3)
    assert day_of_week("2026-W10", 0) == date(2026, 3, 2)


def test_the_next_occurrence_is_strictly_after_and_in_the_zone() -> None:
    wednesday_noon = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
    assert next_occurrence(2, time(14, 0), "Europe/Berlin", wednesday_noon) == (
        "2026-W10",
        datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
    )
    # 12:30 Berlin has passed today: next Wednesday.
    assert next_occurrence(2, time(12, 30), "Europe/Berlin", wednesday_noon) == (
        "2026-W11",
        datetime(2026, 3, 11, 11, 30, tzinfo=UTC),
    )
    # Exactly at the fire time: the following week, never the same instant twice.
    at = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert next_occurrence(2, time(14, 0), "Europe/Berlin", at)[0] == "2026-W11"


def test_daylight_saving_keeps_the_local_time() -> None:
    # Berlin moves to summer time on Sunday 2026-03-29: 18:00 is 17:00 UTC before, 16:00 after.
    before = next_occurrence(6, time(18, 0), "Europe/Berlin", datetime(2026, 3, 23, tzinfo=UTC))
    after = next_occurrence(6, time(18, 0), "Europe/Berlin", before[1])
    assert before == ("2026-W13", datetime(2026, 3, 29, 16, 0, tzinfo=UTC))
    assert after == ("2026-W14", datetime(2026, 4, 5, 16, 0, tzinfo=UTC))
    earlier = next_occurrence(6, time(18, 0), "Europe/Berlin", datetime(2026, 3, 16, tzinfo=UTC))
    assert earlier == ("2026-W12", datetime(2026, 3, 22, 17, 0, tzinfo=UTC))


def test_the_day_option_takes_names_and_their_first_letters() -> None:
    assert parse_weekday(None) == 6  # Sunday when not given
    assert parse_weekday("Monday") == 0
    assert parse_weekday(" wed ") == 2
    with pytest.raises(StudyError, match="not a day of the week"):
        parse_weekday("someday")
    with pytest.raises(StudyError):
        parse_weekday("t")  # too short to say which

"""Local-time rules: parsing, gaps and folds, next occurrence across DST in odd zones."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidTime, InvalidTimeZone
from bot.services.timezones import (
    local_date,
    localize,
    parse_local_time,
    parse_zone,
    pick_zone,
    week_start,
)


@pytest.mark.parametrize("text", ["25:61", "9am", "24:00", "12:60", "", "1230", "12:3", "-1:00"])
def test_parse_local_time_refuses(text: str) -> None:
    with pytest.raises(InvalidTime) as err:
        parse_local_time(text)
    assert "HH:MM" in err.value.message


@pytest.mark.parametrize(
    ("text", "expected"), [("09:30", time(9, 30)), ("0:05", time(0, 5)), (" 23:59 ", time(23, 59))]
)
def test_parse_local_time_accepts(text: str, expected: time) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    "name",
    ["Mars/Olympus", "", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/", "utc/../UTC"],
)
def test_parse_zone_refuses(name: str) -> None:
    with pytest.raises(InvalidTimeZone) as err:
        parse_zone(name)
    assert "IANA" in err.value.message


def test_pick_zone_falls_back_in_order() -> None:
    assert pick_zone(None, "Nowhere/Land", "Asia/Kathmandu") == ZoneInfo("Asia/Kathmandu")
    assert pick_zone(None, None) == ZoneInfo("UTC")


def test_spring_forward_gap_posts_at_first_valid_minute() -> None:
    ny = ZoneInfo("America/New_York")
    # 02:30 does not exist on 2026-03-08 in New York: clocks jump from 02:00 to 03:00 EDT.
    assert localize(date(2026, 3, 8), time(2, 30), ny) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # Lord Howe moves by half an hour: 02:00 -> 02:30.
    lh = ZoneInfo("Australia/Lord_Howe")
    assert localize(date(2026, 10, 4), time(2, 15), lh).astimezone(lh).strftime("%H:%M") == "02:30"


def test_repeated_hour_is_its_first_occurrence() -> None:
    ny = ZoneInfo("America/New_York")
    # 01:30 happens twice on 2026-11-01; the first is EDT (UTC-4).
    assert localize(date(2026, 11, 1), time(1, 30), ny) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_local_date_in_far_east_and_west_zones() -> None:
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert local_date(moment, ZoneInfo("Pacific/Chatham")) == date(2026, 11, 24)
    assert local_date(moment, ZoneInfo("Pacific/Pago_Pago")) == date(2026, 11, 23)
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)

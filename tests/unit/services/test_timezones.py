"""Local-time rules: parsing, gaps and folds, next occurrence across DST in odd zones."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidTime, InvalidTimeZone
from bot.services.timezones import (
    MAIN_MEANING,
    OTHER_MEANINGS,
    ZONE_ALIASES,
    local_date,
    localize,
    parse_local_time,
    parse_zone,
    pick_zone,
    resolve_zone_name,
    week_start,
    zone_names,
    zone_or_utc,
    zone_suggestions,
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


# -- what people type for a zone --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "iana"),
    [
        ("India", "Asia/Kolkata"),
        ("india", "Asia/Kolkata"),
        ("IST", "Asia/Kolkata"),  # India, not Ireland or Israel: the most common meaning
        ("ist", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("CET", "Europe/Berlin"),  # not tzdata's legacy "CET" zone
        ("CEST", "Europe/Berlin"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("EST", "America/New_York"),  # New York's time with DST, not tzdata's fixed UTC-5
        ("CST", "America/Chicago"),
        ("New York", "America/New_York"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("NEW-YORK", "America/New_York"),
        ("London", "Europe/London"),
        ("  london  ", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("Europe/London", "Europe/London"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Japan", "Asia/Tokyo"),
        ("UK", "Europe/London"),
        ("utc", "UTC"),
        ("Mars/Olympus", None),
        ("Olympus", None),
        ("", None),
    ],
)
def test_resolve_zone_name(typed: str, iana: str | None) -> None:
    assert resolve_zone_name(typed) == iana


def test_every_alias_names_a_zone_this_machine_knows() -> None:
    names = set(zone_names())
    targets = set(ZONE_ALIASES.values())
    targets |= {zone for meanings in OTHER_MEANINGS.values() for _, zone in meanings}
    assert targets <= names, targets - names
    assert set(OTHER_MEANINGS) <= set(ZONE_ALIASES) and set(MAIN_MEANING) <= set(ZONE_ALIASES)


@pytest.mark.parametrize(
    ("typed", "iana"),
    [("India", "Asia/Kolkata"), ("IST", "Asia/Kolkata"), ("new york", "America/New_York")],
)
def test_parse_zone_takes_aliases_and_keys_them_by_the_iana_name(typed: str, iana: str) -> None:
    zone = parse_zone(typed)
    assert zone == ZoneInfo(iana) and zone.key == iana


def test_stored_names_are_read_exactly_not_as_aliases() -> None:
    # A zone saved before aliases existed keeps its meaning: tzdata's EST is fixed UTC-5.
    assert pick_zone("EST").key == "EST"
    assert zone_or_utc("EST").key == "EST"
    assert zone_or_utc("India").key == "UTC"  # not a stored name: the fallback
    assert pick_zone("new york", "Asia/Tokyo").key == "Asia/Tokyo"


def test_zone_suggestions_show_what_an_alias_submits() -> None:
    ist = zone_suggestions("IST", 25)
    assert ist[:3] == [
        ("IST → Asia/Kolkata (India)", "Asia/Kolkata"),
        ("IST (Ireland) → Europe/Dublin", "Europe/Dublin"),
        ("IST (Israel) → Asia/Jerusalem", "Asia/Jerusalem"),
    ]
    assert zone_suggestions("india", 25)[0] == ("India → Asia/Kolkata", "Asia/Kolkata")
    assert zone_suggestions("ind", 25)[0] == ("India → Asia/Kolkata", "Asia/Kolkata")
    assert zone_suggestions("cet", 3)[0] == ("CET → Europe/Berlin", "Europe/Berlin")
    assert zone_suggestions("New York", 25)[0] == ("America/New_York", "America/New_York")
    assert zone_suggestions("berl", 25) == [("Europe/Berlin", "Europe/Berlin")]
    assert zone_suggestions("", 2, empty=("UTC", "Europe/London", "Asia/Tokyo")) == [
        ("UTC", "UTC"),
        ("Europe/London", "Europe/London"),
    ]
    many = zone_suggestions("america/", 25)
    assert len(many) == 25 and all(zone.startswith("America/") for _, zone in many)
    values = [zone for _, zone in zone_suggestions("pst", 25)]
    assert values[0] == "America/Los_Angeles" and len(values) == len(set(values))
    # Every suggested value is a name parse_zone takes back unchanged.
    for typed in ("ist", "cst", "ind", "lon", "new", "us", "pac"):
        for _, zone in zone_suggestions(typed, 25):
            assert parse_zone(zone).key == zone

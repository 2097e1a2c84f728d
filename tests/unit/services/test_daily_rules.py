"""Pure daily-post rules: first date, late ticks and grace, DST, topic of the day, nonces."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.daily_rules import (
    MAX_MISSED_RECORDED,
    fire_time,
    first_date,
    nth_daily_topic,
    plan_due,
    topic_of_the_day,
)
from tests.unit.services.roadmaps import make_roadmap

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
CHATHAM = ZoneInfo("Pacific/Chatham")
GRACE = timedelta(hours=2)


def at_local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def test_first_date_is_today_when_the_time_is_ahead_else_tomorrow() -> None:
    nine = time(9, 0)
    assert first_date(nine, BERLIN, at_local(BERLIN, 2026, 5, 4, 8, 59)) == date(2026, 5, 4)
    assert first_date(nine, BERLIN, at_local(BERLIN, 2026, 5, 4, 9, 0)) == date(2026, 5, 5)
    assert first_date(nine, BERLIN, at_local(BERLIN, 2026, 5, 4, 23, 30)) == date(2026, 5, 5)


def test_on_time_tick_posts_today_and_waits_for_tomorrow() -> None:
    now = at_local(BERLIN, 2026, 5, 4, 9, 0, 20)
    plan = plan_due(date(2026, 5, 4), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date == date(2026, 5, 4)
    assert plan.scheduled_for == at_local(BERLIN, 2026, 5, 4, 9, 0)
    assert plan.missed == ()
    assert plan.next_date == date(2026, 5, 5)
    assert plan.next_fire_at == at_local(BERLIN, 2026, 5, 5, 9, 0)


def test_tick_before_the_time_does_nothing() -> None:
    now = at_local(BERLIN, 2026, 5, 4, 8, 59, 59)
    plan = plan_due(date(2026, 5, 4), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date is None and plan.missed == ()
    assert plan.next_date == date(2026, 5, 4)


def test_late_within_grace_still_posts() -> None:
    now = at_local(BERLIN, 2026, 5, 4, 11, 0)  # exactly two hours late
    plan = plan_due(date(2026, 5, 4), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date == date(2026, 5, 4) and plan.missed == ()


def test_later_than_grace_is_missed_and_never_posted() -> None:
    now = at_local(BERLIN, 2026, 5, 4, 11, 1)
    plan = plan_due(date(2026, 5, 4), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date is None
    assert plan.missed == (date(2026, 5, 4),)
    assert plan.next_date == date(2026, 5, 5)


def test_after_days_down_only_today_posts_and_past_days_are_missed() -> None:
    now = at_local(BERLIN, 2026, 5, 4, 9, 30)
    plan = plan_due(date(2026, 5, 1), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date == date(2026, 5, 4)
    assert plan.missed == (date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3))


def test_a_long_outage_records_only_the_latest_missed_days() -> None:
    now = at_local(BERLIN, 2026, 6, 30, 12, 0)
    plan = plan_due(date(2026, 5, 1), time(9, 0), BERLIN, now, GRACE)
    assert plan.post_date is None
    assert len(plan.missed) == MAX_MISSED_RECORDED
    assert plan.missed[-1] == date(2026, 6, 30)
    assert plan.next_date == date(2026, 7, 1)


def test_late_evening_post_seen_after_midnight_is_yesterdays() -> None:
    # 23:30 post, bot back at 00:10 the next day: 40 minutes late, it is still 23:30's post.
    now = at_local(BERLIN, 2026, 5, 5, 0, 10)
    plan = plan_due(date(2026, 5, 4), time(23, 30), BERLIN, now, GRACE)
    assert plan.post_date == date(2026, 5, 4)
    assert plan.next_date == date(2026, 5, 5)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_local"),
    [
        (NEW_YORK, date(2026, 3, 8), time(2, 30), "03:00"),  # gap 02:00 -> 03:00
        (BERLIN, date(2026, 3, 29), time(2, 15), "03:00"),  # gap 02:00 -> 03:00
        (LORD_HOWE, date(2026, 10, 4), time(2, 10), "02:30"),  # half-hour gap
        (CHATHAM, date(2026, 9, 27), time(3, 0), "03:45"),  # gap 02:45 -> 03:45
    ],
)
def test_time_in_a_gap_fires_at_the_first_valid_minute(
    zone: ZoneInfo, day: date, at: time, expected_local: str
) -> None:
    moment = fire_time(day, at, zone)
    assert moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") == f"{day} {expected_local}"
    plan = plan_due(day, at, zone, moment, GRACE)
    assert plan.post_date == day
    assert plan.next_fire_at.astimezone(zone).strftime("%H:%M") == at.strftime("%H:%M")


@pytest.mark.parametrize(
    ("zone", "day", "at"),
    [
        (NEW_YORK, date(2026, 11, 1), time(1, 30)),
        (BERLIN, date(2026, 10, 25), time(2, 30)),
        (LORD_HOWE, date(2026, 4, 5), time(1, 45)),
        (CHATHAM, date(2026, 4, 5), time(3, 0)),
    ],
)
def test_repeated_hour_posts_once(zone: ZoneInfo, day: date, at: time) -> None:
    first = fire_time(day, at, zone)
    plan = plan_due(day, at, zone, first, GRACE)
    assert plan.post_date == day
    # At the second occurrence of the same wall time nothing more is due for that day.
    second = first + timedelta(minutes=30 if zone is LORD_HOWE else 60)
    assert second.astimezone(zone).strftime("%H:%M") == at.strftime("%H:%M")
    again = plan_due(plan.next_date, at, zone, second, GRACE)
    assert again.post_date is None and again.missed == ()


def test_nine_stays_nine_across_dst() -> None:
    fires = [fire_time(date(2026, 3, 27) + timedelta(days=i), time(9, 0), BERLIN) for i in range(4)]
    assert {f.astimezone(BERLIN).strftime("%H:%M") for f in fires} == {"09:00"}
    assert [f.hour for f in fires] == [8, 8, 7, 7]  # UTC hour moves with the offset


ROADMAP = make_roadmap({"one": ["a", "b"], "two": ["c", "d"]})


def test_topic_of_the_day_walks_and_wraps() -> None:
    assert topic_of_the_day(ROADMAP, last_topic_id=None, last_position=None).id == "a"
    assert topic_of_the_day(ROADMAP, last_topic_id="b", last_position=1).id == "c"
    assert topic_of_the_day(ROADMAP, last_topic_id="d", last_position=3).id == "a"
    walk = [nth_daily_topic(ROADMAP, n).id for n in range(1, 7)]
    assert walk == ["a", "b", "c", "d", "a", "b"]


def test_jump_wins_over_the_cursor() -> None:
    cursor = {"last_topic_id": "a", "last_position": 0}
    assert topic_of_the_day(ROADMAP, **cursor, jump_topic_id="d").id == "d"
    # A jump to a topic that left the content is ignored.
    assert topic_of_the_day(ROADMAP, **cursor, jump_topic_id="x").id == "b"


def test_content_edits_move_the_cursor_sensibly() -> None:
    # Reordered: the cursor follows the id, not the position.
    reordered = make_roadmap({"two": ["c", "d"], "one": ["a", "b"]})
    assert topic_of_the_day(reordered, last_topic_id="b", last_position=1).id == "c"
    # Renamed: `replaces` carries the cursor to the new id.
    renamed = make_roadmap({"one": ["a", "b2"], "two": ["c", "d"]}, replaces={"b2": ["b"]})
    assert topic_of_the_day(renamed, last_topic_id="b", last_position=1).id == "c"
    # Removed: the topic now at its old position is the one that came after it.
    removed = make_roadmap({"one": ["a"], "two": ["c", "d"]})
    assert topic_of_the_day(removed, last_topic_id="b", last_position=1).id == "c"
    assert topic_of_the_day(removed, last_topic_id="gone", last_position=7).id == "a"
    assert topic_of_the_day(make_roadmap({}), last_topic_id=None, last_position=None) is None

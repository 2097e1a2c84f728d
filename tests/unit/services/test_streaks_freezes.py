"""Streak freezes: one earned per 7 study days of a streak (at most 2 held), a missed local day
uses one instead of breaking the streak; held and used, computed from the days alone, seen
day by day through an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.clock import ManualClock
from bot.services.streaks import FREEZE_EVERY, FREEZES_MAX, Streak, compute_streak
from bot.services.timezones import local_date

D = date(2024, 5, 1)


def run(start: int, length: int) -> list[date]:
    """`length` consecutive days from D + `start`."""
    return [D + timedelta(days=start + i) for i in range(length)]


def on(offset: int) -> date:
    return D + timedelta(days=offset)


def test_the_rule_is_one_freeze_per_seven_days_and_two_at_most() -> None:
    assert (FREEZE_EVERY, FREEZES_MAX) == (7, 2)


@pytest.mark.parametrize(
    ("history", "today", "expected"),
    [
        # Six days earn nothing; the seventh earns a freeze.
        (run(0, 6), on(5), Streak(6, 6, on(5), 0, 0)),
        (run(0, 7), on(6), Streak(7, 7, on(6), 1, 0)),
        # 14 days earn two; 21 days still hold two (the third is not kept).
        (run(0, 14), on(13), Streak(14, 14, on(13), 2, 0)),
        (run(0, 21), on(20), Streak(21, 21, on(20), 2, 0)),
        # One missed day after 7: a freeze bridges it, the run goes on (frozen days add nothing).
        ([*run(0, 7), *run(8, 2)], on(9), Streak(9, 9, on(9), 0, 1)),
        # Two missed days with one freeze: the streak breaks at the second.
        ([*run(0, 7), *run(9, 2)], on(10), Streak(2, 7, on(10), 0, 1)),
        # Two missed days with two freezes: bridged.
        ([*run(0, 14), *run(16, 1)], on(16), Streak(15, 15, on(16), 0, 2)),
        # Without freezes, a missed day breaks the streak as it always did.
        ([*run(0, 3), *run(5, 2)], on(6), Streak(2, 3, on(6), 0, 0)),
    ],
)
def test_freezes_earned_and_used(history: list[date], today: date, expected: Streak) -> None:
    assert compute_streak(history, today) == expected


def test_a_new_run_earns_its_own_freezes_after_a_break() -> None:
    # 7 days (1 freeze), 3 days missed (it covers one, then the streak breaks), 7 more days.
    history = [*run(0, 7), *run(10, 7)]
    assert compute_streak(history, on(16)) == Streak(7, 7, on(16), 1, 1)


def test_freezes_are_used_up_to_yesterday_and_never_for_today() -> None:
    history = run(0, 14)  # two freezes held on day 13
    assert compute_streak(history, on(14)) == Streak(14, 14, on(13), 2, 0)  # today not over
    assert compute_streak(history, on(15)) == Streak(14, 14, on(13), 1, 1)
    assert compute_streak(history, on(16)) == Streak(14, 14, on(13), 0, 2)
    assert compute_streak(history, on(17)) == Streak(0, 14, on(13), 0, 2)
    # Studying on day 16 after two frozen days keeps the run.
    assert compute_streak([*history, on(16)], on(16)) == Streak(15, 15, on(16), 0, 2)


def test_day_by_day_with_an_injected_clock_a_freeze_once_used_stays_used() -> None:
    zone = ZoneInfo("Europe/Berlin")
    clock = ManualClock(datetime(2024, 3, 25, 20, 0, tzinfo=zone))  # across the DST change
    studied: list[date] = []
    seen: list[Streak] = []
    for day in range(12):
        if day != 8:  # day 8 (April 2) is missed
            studied.append(local_date(clock.now(), zone))
        seen.append(compute_streak(studied, local_date(clock.now(), zone)))
        clock.advance(days=1)
    assert [s.current for s in seen] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11]
    assert [s.freezes_held for s in seen] == [0] * 6 + [1, 1, 1, 0, 0, 0]
    assert [s.freezes_used for s in seen] == [0] * 9 + [1, 1, 1]
    # The freeze was used for April 2 once that day was over, and later days agree.
    assert seen[9].last_day == date(2024, 4, 3)


def test_the_member_zone_decides_which_day_was_missed() -> None:
    # Completions at 06:30 UTC each day but one: in Los Angeles that is 23:30 the day before.
    moments = [datetime(2024, 5, 1, 6, 30, tzinfo=UTC) + timedelta(days=i) for i in range(7)]
    moments.append(datetime(2024, 5, 8, 23, 30, tzinfo=UTC))  # May 8 in LA as well
    clock = ManualClock(datetime(2024, 5, 9, 12, 0, tzinfo=UTC))
    los_angeles, utc = ZoneInfo("America/Los_Angeles"), ZoneInfo("UTC")
    in_la = sorted({local_date(m, los_angeles) for m in moments})
    in_utc = sorted({local_date(m, utc) for m in moments})
    # Los Angeles: April 30 to May 6, then May 8: May 7 was missed and frozen.
    assert compute_streak(in_la, local_date(clock.now(), los_angeles)) == Streak(
        8, 8, date(2024, 5, 8), 0, 1
    )
    # UTC: May 1 to 7 and May 8: no day missed, the freeze is kept.
    assert compute_streak(in_utc, local_date(clock.now(), utc)) == Streak(
        8, 8, date(2024, 5, 8), 1, 0
    )


def test_a_completion_on_a_later_day_than_today_shows_no_current_streak() -> None:
    # As before freezes: a member who moved to a zone behind sees 0 until the days line up.
    assert compute_streak(run(0, 8), on(6)) == Streak(0, 8, on(7), 1, 0)

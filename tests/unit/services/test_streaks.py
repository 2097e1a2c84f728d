"""Streaks over local days: the pure rule, and through the service across zones and midnight."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.servers import ServerService
from bot.services.streaks import Streak, compute_streak
from tests.unit.services.conftest import ALICE, BOB, GUILD

D = date(2024, 5, 15)


def days(*offsets: int) -> list[date]:
    return [D + timedelta(days=o) for o in offsets]


@pytest.mark.parametrize(
    ("history", "today", "expected"),
    [
        ([], D, Streak(0, 0, None)),
        (days(0), D, Streak(1, 1, D)),
        (days(-1), D, Streak(1, 1, D - timedelta(days=1))),  # alive until today ends
        (days(-2), D, Streak(0, 1, D - timedelta(days=2))),
        (days(-3, -2, -1, 0), D, Streak(4, 4, D)),
        (days(-9, -8, -7, -6, -2, -1), D, Streak(2, 4, D - timedelta(days=1))),
        (days(-9, -8, -7, -6, -3), D, Streak(0, 4, D - timedelta(days=3))),
    ],
)
def test_compute_streak(history: list[date], today: date, expected: Streak) -> None:
    assert compute_streak(history, today) == expected


async def test_streak_grows_day_by_day_and_breaks_after_a_missed_day(
    study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    topics = [t.id for t in roadmap.topics]
    for index in range(3):
        result = await study.mark(GUILD, ALICE, roadmap, topics[index], "done")
        assert result.streak.current == index + 1
        clock.advance(days=1)
    # A second topic on the same day does not count twice.
    await study.mark(GUILD, ALICE, roadmap, topics[3], "done")
    assert (await study.streak(GUILD, ALICE)).current == 4
    clock.advance(days=2)  # one whole day without a completion
    assert await study.streak(GUILD, ALICE) == Streak(0, 4, date(2024, 5, 18))


async def test_skips_and_in_progress_do_not_count(study: StudyService, roadmap: Roadmap) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "skipped")
    await study.mark(GUILD, ALICE, roadmap, "syntax", "in_progress")
    assert (await study.streak(GUILD, ALICE)).current == 0


async def test_local_midnight_of_the_member_zone_splits_days(
    study: StudyService, members: MemberService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await members.update_settings(GUILD, ALICE, time_zone="America/Los_Angeles")
    # 23:30 and 00:30 in Los Angeles (PDT, UTC-7): the same UTC day, two local days.
    clock.set(datetime(2024, 5, 16, 6, 30, tzinfo=UTC))
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    clock.set(datetime(2024, 5, 16, 7, 30, tzinfo=UTC))
    result = await study.mark(GUILD, ALICE, roadmap, "syntax", "done")
    assert result.streak == Streak(2, 2, date(2024, 5, 16))
    # Bob, in UTC, doing the same at the same instants has one day.
    clock.set(datetime(2024, 5, 16, 6, 30, tzinfo=UTC))
    await study.mark(GUILD, BOB, roadmap, "setup", "done")
    clock.set(datetime(2024, 5, 16, 7, 30, tzinfo=UTC))
    assert (await study.mark(GUILD, BOB, roadmap, "syntax", "done")).streak.current == 1


async def test_server_zone_applies_to_members_without_their_own(
    study: StudyService, servers: ServerService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await servers.set_time_zone(GUILD, "Pacific/Auckland")  # UTC+12 in May
    clock.set(datetime(2024, 5, 15, 11, 30, tzinfo=UTC))  # 23:30 on the 15th in Auckland
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    clock.set(datetime(2024, 5, 15, 12, 30, tzinfo=UTC))  # 00:30 on the 16th
    result = await study.mark(GUILD, ALICE, roadmap, "syntax", "done")
    assert result.streak == Streak(2, 2, date(2024, 5, 16))
    # The 16th in Auckland is still "today" there for almost a day.
    clock.set(datetime(2024, 5, 16, 11, 0, tzinfo=UTC))
    assert (await study.streak(GUILD, ALICE)).current == 2


async def test_streak_across_a_dst_change(
    study: StudyService, members: MemberService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await members.update_settings(GUILD, ALICE, time_zone="Europe/Berlin")
    # 23:30 local on each of the days around the spring-forward night of 2024-03-31.
    for moment in (
        datetime(2024, 3, 30, 22, 30, tzinfo=UTC),  # 23:30 CET, March 30
        datetime(2024, 3, 31, 21, 30, tzinfo=UTC),  # 23:30 CEST, March 31
        datetime(2024, 4, 1, 21, 30, tzinfo=UTC),  # 23:30 CEST, April 1
    ):
        clock.set(moment)
        result = await study.mark(GUILD, ALICE, roadmap, roadmap.topics[0].id, "done")
        await study.reset(GUILD, ALICE, roadmap, roadmap.topics[0].id)
    assert result.streak == Streak(3, 3, date(2024, 4, 1))


async def test_reset_and_remark_keep_the_history(
    study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    clock.advance(days=1)
    await study.reset(GUILD, ALICE, roadmap, "setup")
    assert (await study.streak(GUILD, ALICE)).current == 1  # yesterday still counts
    result = await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    assert result.streak.current == 2


async def test_a_freeze_bridges_a_missed_day_through_the_service(
    study: StudyService, roadmap: Roadmap, clock: ManualClock
) -> None:
    topic = roadmap.topics[0].id
    for _ in range(7):  # seven study days earn a freeze
        result = await study.mark(GUILD, ALICE, roadmap, topic, "done")
        await study.reset(GUILD, ALICE, roadmap, topic)
        clock.advance(days=1)
    assert result.streak == Streak(7, 7, date(2024, 5, 21), 1, 0)
    clock.advance(days=1)  # May 22 passes without a completion
    result = await study.mark(GUILD, ALICE, roadmap, topic, "done")
    assert result.streak == Streak(8, 8, date(2024, 5, 23), 0, 1)

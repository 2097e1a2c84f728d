"""Leaderboards per period in the server's zone, hidden members, ranks; moderator stats."""

from datetime import UTC, date, datetime

import pytest

from bot.errors import InvalidPeriod
from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.leaderboard import LeaderboardService, Period, parse_period
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.servers import ServerService
from tests.unit.services.conftest import ALICE, BOB, CAROL, GUILD, OTHER_GUILD
from tests.unit.services.roadmaps import make_roadmap

WEDNESDAY = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


async def _mark_at(
    study: StudyService, clock: ManualClock, roadmap: Roadmap, user: int, topic: str, *, at
) -> None:
    clock.set(at)
    await study.mark(GUILD, user, roadmap, topic, "done")


async def _done_first(study: StudyService, roadmap: Roadmap, counts: dict[int, int]) -> None:
    """Each member marks the first `count` topics of the roadmap done."""
    for user, count in counts.items():
        for topic in roadmap.topics[:count]:
            await study.mark(GUILD, user, roadmap, topic.id, "done")


def _table(board) -> list[tuple[int, int, int]]:
    return [(s.rank, s.user_id, s.count) for s in board.entries]


async def test_all_time_ranks_by_topics_done_with_shared_ranks(
    study: StudyService, boards: LeaderboardService, roadmap: Roadmap
) -> None:
    await _done_first(study, roadmap, {ALICE: 3, BOB: 1, CAROL: 3})
    await study.mark(GUILD, BOB, roadmap, "docker", "skipped")  # skips do not score
    await study.mark(OTHER_GUILD, BOB, roadmap, "docker", "done")  # another server
    board = await boards.leaderboard(GUILD, roadmap, "all", BOB)
    assert _table(board) == [(1, ALICE, 3), (1, CAROL, 3), (3, BOB, 1)]
    assert board.caller.rank == 3 and board.since is None


async def test_limit_keeps_the_callers_own_rank(
    study: StudyService, boards: LeaderboardService, roadmap: Roadmap
) -> None:
    await _done_first(study, roadmap, {ALICE: 3, BOB: 2, CAROL: 1})
    board = await boards.leaderboard(GUILD, roadmap, Period.ALL, CAROL, limit=2)
    assert _table(board) == [(1, ALICE, 3), (2, BOB, 2)]
    assert (board.caller.rank, board.caller.count) == (3, 1)
    nobody = await boards.leaderboard(GUILD, roadmap, Period.ALL, 42, limit=2)
    assert nobody.caller is None and not nobody.caller_hidden


async def test_hidden_members_are_left_out(
    study: StudyService, boards: LeaderboardService, members: MemberService, roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, BOB, roadmap, "setup", "done")
    await members.update_settings(GUILD, ALICE, hide_progress=True)
    board = await boards.leaderboard(GUILD, roadmap, "all", ALICE)
    assert _table(board) == [(1, BOB, 1)]
    assert board.caller is None and board.caller_hidden


async def test_week_starts_monday_midnight_in_the_server_zone(
    study: StudyService,
    boards: LeaderboardService,
    servers: ServerService,
    roadmap: Roadmap,
    clock: ManualClock,
) -> None:
    await servers.set_time_zone(GUILD, "Europe/Berlin")  # UTC+2 in May
    # Sunday 23:30 in Berlin: last week. Monday 00:30 in Berlin: this week (Sunday in UTC).
    await _mark_at(
        study, clock, roadmap, ALICE, "setup", at=datetime(2024, 5, 12, 21, 30, tzinfo=UTC)
    )
    await _mark_at(
        study, clock, roadmap, BOB, "setup", at=datetime(2024, 5, 12, 22, 30, tzinfo=UTC)
    )
    clock.set(WEDNESDAY)
    week = await boards.leaderboard(GUILD, roadmap, "week", ALICE)
    assert week.since == date(2024, 5, 13)
    assert _table(week) == [(1, BOB, 1)]
    assert week.caller is None
    everything = await boards.leaderboard(GUILD, roadmap, "all", ALICE)
    assert [s.user_id for s in everything.entries] == sorted([ALICE, BOB])


async def test_month_in_the_server_zone_and_resets_keep_history(
    study: StudyService,
    boards: LeaderboardService,
    servers: ServerService,
    roadmap: Roadmap,
    clock: ManualClock,
) -> None:
    await servers.set_time_zone(GUILD, "Europe/Berlin")
    # April 30, 23:30 in Berlin (April) and May 1, 00:30 in Berlin (May, still April in UTC).
    await _mark_at(
        study, clock, roadmap, ALICE, "setup", at=datetime(2024, 4, 30, 21, 30, tzinfo=UTC)
    )
    await _mark_at(
        study, clock, roadmap, BOB, "setup", at=datetime(2024, 4, 30, 22, 30, tzinfo=UTC)
    )
    await _mark_at(study, clock, roadmap, BOB, "syntax", at=datetime(2024, 5, 2, 9, 0, tzinfo=UTC))
    clock.set(WEDNESDAY)
    await study.reset(GUILD, BOB, roadmap, "syntax")
    month = await boards.leaderboard(GUILD, roadmap, "month", BOB)
    assert month.since == date(2024, 5, 1)
    assert _table(month) == [(1, BOB, 2)]  # the reset does not rewrite May's history
    everything = await boards.leaderboard(GUILD, roadmap, "all", BOB)
    assert _table(everything) == [(1, ALICE, 1), (1, BOB, 1)]


async def test_a_topic_done_twice_in_a_period_counts_once(
    study: StudyService, boards: LeaderboardService, roadmap: Roadmap, clock: ManualClock
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.reset(GUILD, ALICE, roadmap, "setup")
    clock.advance(hours=1)
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    week = await boards.leaderboard(GUILD, roadmap, "week", ALICE)
    assert _table(week) == [(1, ALICE, 1)]


async def test_replaced_ids_count_and_retired_ids_do_not(
    study: StudyService, boards: LeaderboardService, roadmap: Roadmap
) -> None:
    older = make_roadmap({"basics": ["defs", "retired-topic"]}, roadmap_id="python")
    await study.mark(GUILD, ALICE, older, "defs", "done")
    await study.mark(GUILD, ALICE, older, "retired-topic", "done")
    await study.mark(GUILD, ALICE, roadmap, "functions", "done")  # the same topic, renamed
    for period in ("all", "week"):
        board = await boards.leaderboard(GUILD, roadmap, period, ALICE)
        assert _table(board) == [(1, ALICE, 1)], period


@pytest.mark.parametrize(("text", "period"), [(None, Period.ALL), (" Week ", Period.WEEK)])
def test_parse_period(text: str | None, period: Period) -> None:
    assert parse_period(text) is period


def test_parse_period_refuses_others() -> None:
    with pytest.raises(InvalidPeriod, match="`year` is not a period"):
        parse_period("year")


async def test_stats_started_active_and_funnel(
    study: StudyService, boards: LeaderboardService, roadmap: Roadmap, clock: ManualClock
) -> None:
    clock.set(datetime(2024, 5, 6, 12, 0, tzinfo=UTC))  # the Monday of last week
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, BOB, roadmap, "setup", "done")
    clock.set(WEDNESDAY)
    await study.mark(GUILD, BOB, roadmap, "http", "done")
    await study.mark(GUILD, CAROL, roadmap, "docker", "in_progress")
    await study.mark(OTHER_GUILD, CAROL, roadmap, "setup", "done")
    stats = await boards.server_stats(GUILD, roadmap)
    assert stats.started == 3
    assert stats.active_this_week == 1
    assert [(r.stage.id, r.number, r.members) for r in stats.reached] == [
        ("basics", 1, 3),
        ("web", 2, 2),
        ("deploy", 3, 1),
    ]

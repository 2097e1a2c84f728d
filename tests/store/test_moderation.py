"""The moderators' store on SQLite and PostgreSQL: log and announce channels, notices claimed
once, reward grants taken back once, a followed roadmap cleared only while unchanged, and weekly
schedules whose due week is claimed exactly once however many claims race for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select

from bot.sharding import ShardPlan, shard_of
from bot.store.database import Database
from bot.store.ledger import Claim
from bot.store.moderation import ModerationRepository, WeeklyStep, weekly_key
from bot.store.schema import daily_schedules, deliveries, member_settings

G, U = 10, 20
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def test_channels_are_set_changed_and_turned_off(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    assert (await store.channels(G)).log_channel_id is None
    await store.set_log_channel(G, 111, NOW)
    await store.set_announce_channel(G, 222, NOW)
    channels = await store.channels(G)
    assert (channels.log_channel_id, channels.announce_channel_id) == (111, 222)
    await store.set_log_channel(G, None, NOW)
    channels = await store.channels(G)
    assert (channels.log_channel_id, channels.announce_channel_id) == (None, 222)


async def test_logged_servers_name_the_roadmaps_they_use(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    await store.set_log_channel(G, 111, NOW)
    await store.set_announce_channel(G + 1, 333, NOW)  # no log channel: not listed

    def add_daily(conn):  # type: ignore[no-untyped-def]
        conn.execute(
            insert(daily_schedules).values(
                guild_id=G, channel_id=5, local_time="09:00", time_zone="UTC",
                roadmap_id="other", next_date="2026-03-05",
                next_fire_at="2026-03-05T09:00:00.000000Z", created_at="x", updated_at="x",
            )
        )  # fmt: skip

    await store_db.write(add_daily)
    [server] = await store.logged_servers()
    assert (server.guild_id, server.log_channel_id, server.daily_roadmap) == (G, 111, "other")
    assert server.default_roadmap is None


async def test_a_notice_is_claimed_once_even_by_racing_claims(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    claims = await asyncio.gather(*(store.claim_notice(G, "content:abc", NOW) for _ in range(8)))
    assert sorted(claims) == [False] * 7 + [True]
    assert await store.claim_notice(G, "content:def", NOW)  # another version: told again
    assert await store.claim_notice(G + 1, "content:abc", NOW)  # another server too


async def test_a_grant_is_taken_back_once_and_only_its_role(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    await store.record_grant(G, U, "rm", "basics", role_id=7, now=NOW)
    await store.record_grant(G, U, "rm", "web", role_id=8, now=NOW)
    assert await store.grant(G, U, "rm", "basics") == 7
    taken = await asyncio.gather(*(store.take_back_grant(G, U, "rm", "basics") for _ in range(4)))
    assert sorted(taken, key=lambda r: r or 0) == [None, None, None, 7]
    assert await store.grant(G, U, "rm", "basics") is None
    assert await store.grant(G, U, "rm", "web") == 8  # the other stage's role stays


async def test_a_followed_roadmap_is_cleared_only_while_unchanged(store_db: Database) -> None:
    store = ModerationRepository(store_db)

    def follow(conn, roadmap):  # type: ignore[no-untyped-def]
        conn.execute(
            insert(member_settings).values(
                guild_id=G, user_id=U, followed_roadmap=roadmap, updated_at="x"
            )
        )

    await store_db.write(follow, "gone")
    assert await store.followed_roadmap(G, U) == "gone"
    assert await store.following_others(["kept", "other"], 10) == [(G, U, "gone")]
    assert await store.following_others(["gone"], 10) == []
    assert not await store.clear_followed_roadmap(G, U, "another")
    assert await store.clear_followed_roadmap(G, U, "gone")
    assert not await store.clear_followed_roadmap(G, U, "gone")
    assert await store.followed_roadmap(G, U) is None


def _step(period: str, following: str, fire_at: datetime, *, missed: bool = False) -> WeeklyStep:
    key = weekly_key(G, period)
    claim = Claim(key, status="missed", error="offline") if missed else Claim(key, channel_id=5)
    return WeeklyStep(G, period, claim, following, fire_at)


async def test_a_due_week_is_claimed_once_and_the_schedule_moves_on(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    fire_at = NOW - timedelta(minutes=1)
    saved = await store.save_weekly(
        guild_id=G, channel_id=5, weekday=2, local_time=time(11, 59), time_zone="UTC",
        next_period="2026-W10", next_fire_at=fire_at, now=NOW,
    )  # fmt: skip
    assert saved.enabled and saved.next_period == "2026-W10"
    [due] = await store.due_weekly(NOW, 10)
    assert due.guild_id == G
    following = fire_at + timedelta(days=7)
    results = await asyncio.gather(
        *(store.claim_weekly([_step("2026-W10", "2026-W11", following)], NOW) for _ in range(6))
    )
    assert sorted(r[0] for r in results) == [False] * 5 + [True]
    assert await store.due_weekly(NOW, 10) == []
    moved = await store.weekly(G)
    assert moved is not None and moved.next_period == "2026-W11"
    assert moved.next_fire_at == following

    def rows(conn):  # type: ignore[no-untyped-def]
        columns = (deliveries.c.kind, deliveries.c.period, deliveries.c.status)
        return conn.execute(select(*columns)).all()

    assert [tuple(r) for r in await store_db.read(rows)] == [("weekly", "2026-W10", "sending")]


async def test_a_missed_week_is_recorded_not_claimed_and_off_stops_it(store_db: Database) -> None:
    store = ModerationRepository(store_db)
    fire_at = NOW - timedelta(days=1)
    await store.save_weekly(
        guild_id=G, channel_id=5, weekday=1, local_time=time(12, 0), time_zone="UTC",
        next_period="2026-W10", next_fire_at=fire_at, now=NOW,
    )  # fmt: skip
    step = _step("2026-W10", "2026-W11", fire_at + timedelta(days=7), missed=True)
    assert await store.claim_weekly([step], NOW) == [False]
    [row] = await store.ledger.rows("weekly", G)
    assert (row.period, row.status) == ("2026-W10", "missed")
    assert await store.turn_off_weekly(G, "turned off by a moderator", NOW)
    assert not await store.turn_off_weekly(G, "again", NOW)
    off = await store.weekly(G)
    assert off is not None and not off.enabled
    assert off.disabled_reason == "turned off by a moderator"
    assert await store.due_weekly(NOW + timedelta(days=30), 10) == []


async def test_with_shard_plans_each_process_reads_only_its_servers_weeks(
    store_db: Database,
) -> None:
    # Ids shaped like Discord's (a timestamp above bit 22): two servers on each of 4 shards.
    guilds = [((1_400_000_000_000 + n) << 22) | 4095 for n in range(8)]
    whole = ModerationRepository(store_db)
    for guild_id in guilds:
        await whole.save_weekly(
            guild_id=guild_id, channel_id=5, weekday=2, local_time=time(11, 0), time_zone="UTC",
            next_period="2026-W10", next_fire_at=NOW - timedelta(hours=1), now=NOW,
        )  # fmt: skip
    plans = [ShardPlan(4, (0, 1), 0), ShardPlan(4, (2, 3), 1)]
    seen = [
        {s.guild_id for s in await ModerationRepository(store_db, plan).due_weekly(NOW, 100)}
        for plan in plans
    ]
    assert seen[0] | seen[1] == set(guilds) and not seen[0] & seen[1]
    assert all(shard_of(g, 4) in (0, 1) for g in seen[0])
    assert {s.guild_id for s in await whole.due_weekly(NOW, 100)} == set(guilds)

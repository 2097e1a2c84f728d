"""Per-slot planning in the store, on SQLite and PostgreSQL: with a shard plan, the due daily
schedules, the due reminders and the ledger's unfinished rows are only those of the servers on
the plan's shards (`(guild_id >> 22) % count`, as Discord shards them), and two plans that
split the shards between them read every row exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.records import DAILY, REMINDER
from bot.sharding import ShardPlan, shard_of
from bot.store.daily import DailyRepository, post_key
from bot.store.database import Database
from bot.store.ledger import Claim
from bot.store.reminders import ReminderRepository, reminder_key

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
DAY = date(2026, 5, 4)
SHARDS = 4
#: Ids shaped like Discord's (a timestamp above bit 22), three servers on each of 4 shards.
GUILDS = [((1_400_000_000_000 + n) << 22) | 4095 for n in range(3 * SHARDS)]


def split(count: int, *parts: tuple[int, ...]) -> list[ShardPlan]:
    return [ShardPlan(count, ids, slot) for slot, ids in enumerate(parts)]


async def _seed(db: Database) -> None:
    daily, reminders = DailyRepository(db), ReminderRepository(db)
    for guild_id in GUILDS:
        await daily.save(
            guild_id=guild_id, channel_id=222, local_time=time(9, 0), time_zone="UTC",
            roadmap_id=None, ping_role_id=None, next_date=DAY,
            next_fire_at=datetime(2026, 5, 4, 6, 0, tzinfo=UTC), now=NOW,
        )  # fmt: skip
        await reminders.save(
            guild_id, 7, local_time=time(6, 0), time_zone="UTC", next_date=DAY,
            next_fire_at=datetime(2026, 5, 4, 6, 0, tzinfo=UTC), now=NOW,
        )  # fmt: skip
    # A crash left one post and one reminder of every server `sending`.
    await daily.ledger.claim([Claim(post_key(g, DAY), channel_id=222) for g in GUILDS], NOW)
    await reminders.ledger.claim([Claim(reminder_key(g, 7, DAY)) for g in GUILDS], NOW)


async def test_a_plan_reads_only_its_shards_servers_and_two_plans_read_each_once(
    store_db: Database,
) -> None:
    await _seed(store_db)
    assert sorted({shard_of(g, SHARDS) for g in GUILDS}) == [0, 1, 2, 3]
    seen_daily: list[int] = []
    seen_reminders: list[int] = []
    seen_unfinished: list[int] = []
    for plan in split(SHARDS, (0, 1), (2, 3)):
        daily = DailyRepository(store_db, plan)
        reminders = ReminderRepository(store_db, plan)
        due = [s.guild_id for s in await daily.due(NOW, 100)]
        due_reminders = [r.guild_id for r in await reminders.due(NOW, 100)]
        unfinished = [r.guild_id for r in await daily.ledger.unfinished(DAILY)]
        unfinished += [r.guild_id for r in await reminders.ledger.unfinished(REMINDER)]
        mine = {g for g in GUILDS if plan.owns_guild(g)}
        assert len(mine) == 6
        assert set(due) == mine and set(due_reminders) == mine
        assert sorted(unfinished) == sorted([*mine, *mine])
        seen_daily += due
        seen_reminders += due_reminders
        seen_unfinished += unfinished
    assert sorted(seen_daily) == sorted(GUILDS)
    assert sorted(seen_reminders) == sorted(GUILDS)
    assert sorted(seen_unfinished) == sorted(GUILDS * 2)


async def test_without_a_plan_or_with_every_shard_everything_is_read(store_db: Database) -> None:
    await _seed(store_db)
    for plan in (None, ShardPlan.whole(SHARDS)):
        daily = DailyRepository(store_db, plan)
        assert len(await daily.due(NOW, 100)) == len(GUILDS)
        assert len(await ReminderRepository(store_db, plan).due(NOW, 100)) == len(GUILDS)
        assert len(await daily.ledger.unfinished(DAILY)) == len(GUILDS)
    # One shard of one: the other three shards' servers are someone else's.
    lonely = DailyRepository(store_db, ShardPlan(SHARDS, (2,)))
    assert {shard_of(s.guild_id, SHARDS) for s in await lonely.due(NOW, 100)} == {2}

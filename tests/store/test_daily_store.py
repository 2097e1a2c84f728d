"""The daily repository on SQLite and PostgreSQL: claiming a post advances its schedule in the
same transaction, and the ledger row is the idempotency key of the post."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.records import DAILY, DailySchedule
from bot.store.alembic_runner import upgrade_url
from bot.store.daily import DailyRepository, TickClaim, post_key
from bot.store.database import Database
from bot.store.ledger import Claim
from bot.store.settings import ServerSettingsRepository

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
DAY = date(2026, 5, 4)
GUILD = 111


@pytest.fixture
def daily_store(store_db: Database) -> DailyRepository:
    return DailyRepository(store_db)


async def make_schedule(
    store: DailyRepository, guild_id: int = GUILD, **changes: object
) -> DailySchedule:
    values: dict[str, object] = {
        "guild_id": guild_id,
        "channel_id": 222,
        "local_time": time(9, 0),
        "time_zone": "Europe/Berlin",
        "roadmap_id": None,
        "ping_role_id": None,
        "next_date": DAY,
        "next_fire_at": datetime(2026, 5, 4, 7, 0, tzinfo=UTC),
        "now": NOW,
    }
    values.update(changes)
    return await store.save(**values)  # type: ignore[arg-type]


def post_claim(day: date = DAY, topic: str = "a", position: int = 0) -> Claim:
    return Claim(
        post_key(GUILD, day), channel_id=222, roadmap_id="rm", topic_id=topic,
        topic_position=position, scheduled_for=NOW,
    )  # fmt: skip


def step(
    schedule: DailySchedule,
    *,
    post: Claim | None = None,
    missed: tuple[date, ...] = (),
    revision: int | None = None,
) -> TickClaim:
    return TickClaim(
        guild_id=schedule.guild_id,
        revision=revision or schedule.revision,
        from_date=schedule.next_date,
        missed=missed,
        post=post,
        next_date=schedule.next_date + timedelta(days=1),
        next_fire_at=schedule.next_fire_at + timedelta(days=1),
    )


async def mark_sent(store: DailyRepository, day: date, message_id: int) -> bool:
    """What the ledger does with a `sent` outcome: the row, then the cursor, in one go."""
    return await store.ledger.finish(
        post_key(GUILD, day), status="sent", now=NOW, message_id=message_id,
        effect=store.after_sent(GUILD, day),
    )  # fmt: skip


async def statuses(store: DailyRepository) -> dict[date, str]:
    return {p.local_date: p.status for p in await store.ledger.rows(DAILY, GUILD)}


async def test_save_again_keeps_the_cursor(daily_store: DailyRepository) -> None:
    first = await make_schedule(daily_store)
    assert first.enabled and first.revision == 1 and first.last_topic_id is None
    assert first.local_time == time(9, 0)  # decoded in the store, not on every tick
    [ours] = await daily_store.claim([step(first, post=post_claim())], NOW)
    assert ours
    assert await mark_sent(daily_store, DAY, 999)
    again = await make_schedule(daily_store, local_time=time(18, 30), time_zone="Asia/Kathmandu")
    assert again.local_time == time(18, 30) and again.revision == 2
    assert again.last_topic_id == "a" and again.last_posted_date == DAY


async def test_a_date_is_claimed_once(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [True]
    post = await daily_store.ledger.get(post_key(GUILD, DAY))
    assert post is not None and post.status == "sending" and post.topic_id == "a"
    assert (post.channel_id, post.roadmap_id, post.scheduled_for) == (222, "rm", NOW)
    # The schedule moved on; a second tick holding the old state claims nothing.
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [False]
    moved = await daily_store.schedule(GUILD)
    assert moved is not None and moved.next_date == DAY + timedelta(days=1)
    # A fresh read that still lands on a claimed date (e.g. after post-now) moves on without
    # claiming.
    await make_schedule(daily_store)  # back to DAY, new revision
    current = await daily_store.schedule(GUILD)
    assert current is not None
    assert await daily_store.claim([step(current, post=post_claim())], NOW) == [False]
    assert await statuses(daily_store) == {DAY: "sending"}


async def test_stale_revision_claims_nothing(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.jump(GUILD, "c", NOW)  # a moderator edit after the tick read the row
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [False]
    assert await statuses(daily_store) == {}


async def test_missed_days_are_recorded_and_never_overwritten(
    daily_store: DailyRepository,
) -> None:
    two, one = DAY - timedelta(days=2), DAY - timedelta(days=1)
    schedule = await make_schedule(daily_store, next_date=two)
    await daily_store.claim([step(schedule, missed=(two, one))], NOW)
    assert await statuses(daily_store) == {two: "missed", one: "missed"}
    row = await daily_store.ledger.get(post_key(GUILD, two))
    assert row is not None and row.error == "the bot was offline too long"
    assert row.finished_at == NOW


async def test_mark_sent_moves_the_cursor_forward_only(daily_store: DailyRepository) -> None:
    await make_schedule(daily_store)
    await daily_store.jump(GUILD, "b", NOW)
    schedule = await daily_store.schedule(GUILD)
    assert schedule is not None
    await daily_store.claim([step(schedule, post=post_claim(topic="b", position=1))], NOW)
    assert await mark_sent(daily_store, DAY, 1001)
    after = await daily_store.schedule(GUILD)
    assert after is not None
    assert (after.last_topic_id, after.last_position, after.jump_topic_id) == ("b", 1, None)
    assert not await mark_sent(daily_store, DAY, 1002)  # already sent: no change
    post = await daily_store.ledger.get(post_key(GUILD, DAY))
    assert post is not None and post.message_id == 1001
    # An older post resolved late does not move the cursor back.
    older = DAY - timedelta(days=3)
    await daily_store.ledger.claim([post_claim(day=older, topic="a", position=0)], NOW)
    assert await mark_sent(daily_store, older, 1003)
    again = await daily_store.schedule(GUILD)
    assert again is not None
    assert (again.last_topic_id, again.last_posted_date) == ("b", DAY)


async def test_refusal_disables_the_schedule_with_its_reason(
    daily_store: DailyRepository,
) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.claim([step(schedule, post=post_claim())], NOW)
    reason = "the channel no longer exists"
    assert await daily_store.ledger.finish(
        post_key(GUILD, DAY), status="failed", now=NOW, error=reason,
        effect=daily_store.after_refused(GUILD, reason, NOW),
    )  # fmt: skip
    after = await daily_store.schedule(GUILD)
    assert after is not None and not after.enabled and after.disabled_reason == reason
    assert await daily_store.due(NOW + timedelta(days=5), 10) == []
    post = await daily_store.ledger.get(post_key(GUILD, DAY))
    assert post is not None and post.status == "failed" and post.error == reason


async def test_post_now_replaces_only_what_never_went_out(daily_store: DailyRepository) -> None:
    yesterday = DAY - timedelta(days=1)
    schedule = await make_schedule(daily_store, next_date=yesterday)
    await daily_store.claim([step(schedule, missed=(yesterday,))], NOW)
    current = await daily_store.schedule(GUILD)
    assert current is not None
    claim = post_claim(day=yesterday)
    assert await daily_store.claim_now(current.revision, claim, NOW) is None
    standing = await daily_store.claim_now(current.revision, claim, NOW)
    assert standing is not None and standing.status == "sending"
    with pytest.raises(LookupError):
        await daily_store.claim_now(current.revision - 1, claim, NOW)


async def test_left_servers_are_not_due(daily_store: DailyRepository, store_db: Database) -> None:
    await make_schedule(daily_store, guild_id=1)
    await make_schedule(daily_store, guild_id=2)
    await ServerSettingsRepository(store_db).update(2, NOW, left_at=NOW)
    due = await daily_store.due(NOW, 10)
    assert [s.guild_id for s in due] == [1]


async def test_recent_posts_are_the_servers_newest_first(daily_store: DailyRepository) -> None:
    days = [DAY - timedelta(days=n) for n in range(4)]
    await daily_store.ledger.claim([post_claim(day=day) for day in days], NOW)
    recent = await daily_store.recent_posts(GUILD, 3)
    assert [p.local_date for p in recent] == days[:3]
    assert await daily_store.recent_posts(GUILD + 1) == []


async def test_two_processes_ticking_on_postgres_claim_each_post_once(
    postgres_database: str,
) -> None:
    """Two Database objects on one PostgreSQL database, as two bot processes whose ticks read
    the same due schedules: each schedule moves once and each post is claimed once."""
    await upgrade_url(postgres_database)
    first, second = await Database.open(postgres_database), await Database.open(postgres_database)
    try:
        one, two = DailyRepository(first), DailyRepository(second)
        schedules = [await make_schedule(one, guild_id=GUILD + n) for n in range(20)]
        steps = [
            step(s, post=dataclasses.replace(post_claim(), key=post_key(s.guild_id, DAY)))
            for s in schedules
        ]
        results = await asyncio.gather(
            *(store.claim([s], NOW) for s in steps for store in (one, two))
        )
        assert sorted(map(tuple, results)) == [(False,)] * 20 + [(True,)] * 20
        rows = await one.ledger.rows(DAILY)
        assert len(rows) == 20 and {r.status for r in rows} == {"sending"}
        moved = [await one.schedule(s.guild_id) for s in schedules]
        assert all(m is not None and m.next_date == DAY + timedelta(days=1) for m in moved)
    finally:
        await first.close()
        await second.close()

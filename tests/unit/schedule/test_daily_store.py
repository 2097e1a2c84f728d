"""The daily repository against a real SQLite file: the ledger is the idempotency key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.store.daily import DailyRepository, PostClaim, TickClaim
from bot.store.database import Database
from bot.store.settings import ServerSettingsRepository

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
DAY = date(2026, 5, 4)
GUILD = 111


async def make_schedule(store: DailyRepository, guild_id: int = GUILD, **changes: object):
    values = {
        "guild_id": guild_id,
        "channel_id": 222,
        "local_time": "09:00",
        "time_zone": "Europe/Berlin",
        "roadmap_id": None,
        "ping_role_id": None,
        "next_date": DAY,
        "next_fire_at": datetime(2026, 5, 4, 7, 0, tzinfo=UTC),
        "now": NOW,
    }
    values.update(changes)
    return await store.save(**values)  # type: ignore[arg-type]


def post_claim(day: date = DAY, topic: str = "a", position: int = 0) -> PostClaim:
    return PostClaim(day, 222, "rm", topic, position, None, NOW)


def step(schedule, *, post: PostClaim | None = None, missed=(), revision=None) -> TickClaim:
    following = schedule.next_date + timedelta(days=1)
    return TickClaim(
        guild_id=schedule.guild_id,
        revision=revision or schedule.revision,
        from_date=schedule.next_date,
        missed=tuple(missed),
        post=post,
        next_date=following,
        next_fire_at=schedule.next_fire_at + timedelta(days=1),
    )


async def test_save_again_keeps_the_cursor(daily_store: DailyRepository) -> None:
    first = await make_schedule(daily_store)
    assert first.enabled and first.revision == 1 and first.last_topic_id is None
    [ours] = await daily_store.claim([step(first, post=post_claim())], NOW)
    assert ours
    assert await daily_store.mark_sent(GUILD, DAY, 999, NOW)
    again = await make_schedule(daily_store, local_time="18:30", time_zone="Asia/Kathmandu")
    assert again.local_time == "18:30" and again.revision == 2
    assert again.last_topic_id == "a" and again.last_posted_date == DAY


async def test_a_date_is_claimed_once(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [True]
    post = await daily_store.post(GUILD, DAY)
    assert post is not None and post.status == "sending" and post.topic_id == "a"
    # The schedule moved on; a second tick holding the old state claims nothing.
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [False]
    moved = await daily_store.schedule(GUILD)
    assert moved is not None and moved.next_date == DAY + timedelta(days=1)
    # A fresh read that still lands on a claimed date (e.g. after post-now) moves on without
    # claiming.
    await make_schedule(daily_store)  # back to DAY, new revision
    current = await daily_store.schedule(GUILD)
    assert await daily_store.claim([step(current, post=post_claim())], NOW) == [False]
    assert [p.status for p in await daily_store.all_posts()] == ["sending"]


async def test_stale_revision_claims_nothing(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.jump(GUILD, "c", NOW)  # a moderator edit after the tick read the row
    assert await daily_store.claim([step(schedule, post=post_claim())], NOW) == [False]
    assert await daily_store.all_posts() == []


async def test_missed_days_are_recorded_and_never_overwritten(
    daily_store: DailyRepository,
) -> None:
    schedule = await make_schedule(daily_store, next_date=DAY - timedelta(days=2))
    await daily_store.claim(
        [step(schedule, missed=(DAY - timedelta(days=2), DAY - timedelta(days=1)))], NOW
    )
    statuses = {p.local_date: p.status for p in await daily_store.all_posts()}
    assert statuses == {DAY - timedelta(days=2): "missed", DAY - timedelta(days=1): "missed"}


async def test_mark_sent_moves_the_cursor_forward_only(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.jump(GUILD, "b", NOW)
    schedule = await daily_store.schedule(GUILD)
    await daily_store.claim([step(schedule, post=post_claim(topic="b", position=1))], NOW)
    assert await daily_store.mark_sent(GUILD, DAY, 1001, NOW)
    after = await daily_store.schedule(GUILD)
    assert (after.last_topic_id, after.last_position, after.jump_topic_id) == ("b", 1, None)
    assert not await daily_store.mark_sent(GUILD, DAY, 1002, NOW)  # already sent: no change
    post = await daily_store.post(GUILD, DAY)
    assert post.message_id == 1001


async def test_refusal_disables_the_schedule_with_its_reason(
    daily_store: DailyRepository,
) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.claim([step(schedule, post=post_claim())], NOW)
    await daily_store.mark_failed(GUILD, DAY, "the channel no longer exists", NOW, disable=True)
    after = await daily_store.schedule(GUILD)
    assert not after.enabled and after.disabled_reason == "the channel no longer exists"
    assert await daily_store.due(NOW + timedelta(days=5), 10) == []
    post = await daily_store.post(GUILD, DAY)
    assert post.status == "failed" and post.error == "the channel no longer exists"


async def test_post_now_replaces_only_what_never_went_out(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store, next_date=DAY - timedelta(days=1))
    await daily_store.claim([step(schedule, missed=(DAY - timedelta(days=1),))], NOW)
    schedule = await daily_store.schedule(GUILD)
    yesterday = post_claim(day=DAY - timedelta(days=1))
    assert await daily_store.claim_now(GUILD, schedule.revision, yesterday, NOW) is None
    standing = await daily_store.claim_now(GUILD, schedule.revision, yesterday, NOW)
    assert standing is not None and standing.status == "sending"


async def test_left_servers_are_not_due(daily_store: DailyRepository, db: Database) -> None:
    await make_schedule(daily_store, guild_id=1)
    await make_schedule(daily_store, guild_id=2)
    await ServerSettingsRepository(db).update(2, NOW, left_at=NOW)
    due = await daily_store.due(NOW, 10)
    assert [s.guild_id for s in due] == [1]


async def test_unfinished_claims_are_listed_until_settled(daily_store: DailyRepository) -> None:
    schedule = await make_schedule(daily_store)
    await daily_store.claim([step(schedule, post=post_claim())], NOW)
    [unfinished] = await daily_store.unfinished_posts()
    assert unfinished.attempts == 0 and unfinished.first_attempt_at is None
    assert await daily_store.begin_attempt(GUILD, DAY, NOW)
    assert await daily_store.begin_attempt(GUILD, DAY, NOW + timedelta(seconds=30))
    await daily_store.note_error(GUILD, DAY, "503 from Discord")
    [unfinished] = await daily_store.unfinished_posts()
    assert (unfinished.attempts, unfinished.first_attempt_at) == (2, NOW)
    assert unfinished.error == "503 from Discord"
    await daily_store.settle(GUILD, DAY, status="unknown", error="not found in history", now=NOW)
    assert await daily_store.unfinished_posts() == []
    assert (await daily_store.post(GUILD, DAY)).status == "unknown"
    assert not await daily_store.begin_attempt(GUILD, DAY, NOW)  # settled: nothing to send

"""Repositories against the real schema, on SQLite and on PostgreSQL: rows in, the same rows
out; constraints hold; a read-then-write change is safe under concurrency."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.errors import InvalidStatus
from bot.records import StageReward
from bot.store.database import Database
from bot.store.meta import MetaRepository
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.rewards import RewardRepository
from bot.store.schema import completions, progress
from bot.store.settings import (
    MemberSettings,
    MemberSettingsRepository,
    ServerSettingsRepository,
)

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
G, U = 10**18, 2**63 - 1  # the largest snowflake both databases must hold


def change(topic_ids, status, at=NOW, **kwargs) -> StatusChange:
    return StatusChange(G, U, "rm", tuple(topic_ids), status, at, at.date(), **kwargs)


def _completions(conn: Connection) -> list[tuple]:
    log = completions.c
    statement = select(log.user_id, log.topic_id, log.local_date).order_by(log.id)
    return [tuple(row) for row in conn.execute(statement)]


async def test_progress_change_round_trip(store_db: Database) -> None:
    repo = ProgressRepository(store_db)
    first = await repo.change(change(["a"], "in_progress"))
    assert first.changed and first.before == () and not first.logged
    (row,) = first.after
    assert (row.topic_id, row.status, row.started_at, row.completed_at) == (
        "a",
        "in_progress",
        NOW,
        None,
    )
    later = NOW + timedelta(hours=2)
    done = await repo.change(change(["a"], "done", at=later))
    (row,) = done.after
    assert (row.status, row.started_at, row.updated_at, row.completed_at) == (
        "done",
        NOW,
        later,
        later,
    )
    assert done.previous.status == "in_progress"
    assert done.logged and done.local_date == date(2024, 5, 15)
    assert await repo.rows(G, U, "rm") == list(done.after)
    assert await repo.completion_days(G, U) == [date(2024, 5, 15)]
    assert await store_db.read(_completions) == [(U, "a", "2024-05-15")]


async def test_the_latest_row_decides_between_old_and_live_ids(store_db: Database) -> None:
    repo = ProgressRepository(store_db)
    await repo.change(change(["old"], "done"))
    outcome = await repo.change(change(["new", "old"], "done", at=NOW + timedelta(minutes=1)))
    assert outcome.previous.topic_id == "old" and not outcome.changed  # already done via old
    assert not outcome.logged  # nothing appended to the log
    outcome = await repo.change(change(["new", "old"], "skipped", at=NOW + timedelta(minutes=2)))
    assert outcome.changed and outcome.previous.started_at == NOW
    reset = await repo.change(change(["new", "old"], None, at=NOW + timedelta(minutes=3)))
    assert reset.after == () and reset.changed
    assert await repo.rows(G, U, "rm") == []
    assert len(await repo.completion_days(G, U)) == 1  # the log is never rewritten


async def test_opening_a_topic_leaves_a_status_it_has_alone(store_db: Database) -> None:
    repo = ProgressRepository(store_db)
    await repo.change(change(["a"], "done"))
    opened = await repo.change(change(["a"], "in_progress", only_if_unset=True))
    assert not opened.changed and [r.status for r in opened.after] == ["done"]
    assert [r.status for r in await repo.rows(G, U, "rm")] == ["done"]


async def test_the_local_day_given_is_the_day_logged(store_db: Database) -> None:
    # The caller works the local day out (from the member's zone) before the write; the store
    # logs what it is given.
    repo = ProgressRepository(store_db)
    outcome = await repo.change(StatusChange(G, U, "rm", ("a",), "done", NOW, date(2024, 5, 16)))
    assert outcome.local_date == date(2024, 5, 16) and outcome.logged
    assert await store_db.read(_completions) == [(U, "a", "2024-05-16")]
    assert await repo.zones_and_days(G, U) == ((None, None), [date(2024, 5, 16)])


async def test_a_change_to_done_needs_the_local_day(store_db: Database) -> None:
    repo = ProgressRepository(store_db)
    with pytest.raises(ValueError, match="local day"):
        await repo.change(StatusChange(G, U, "rm", ("a",), "done", NOW, None))
    skipped = await repo.change(StatusChange(G, U, "rm", ("a",), "skipped", NOW, None))
    assert skipped.changed and skipped.local_date is None
    assert await store_db.read(_completions) == []


async def test_concurrent_marks_of_one_member_log_one_completion(store_db: Database) -> None:
    # On PostgreSQL each change is its own transaction: without serialising one member's
    # changes, several would read "not done yet" and each log a completion.
    repo = ProgressRepository(store_db)
    await repo.change(change(["other"], "in_progress"))  # the member has rows already
    outcomes = await asyncio.gather(*(repo.change(change(["a"], "done")) for _ in range(20)))
    assert sum(outcome.changed for outcome in outcomes) == 1
    assert await store_db.read(_completions) == [(U, "a", "2024-05-15")]
    fresh = await asyncio.gather(
        *(repo.change(StatusChange(G, 7, "rm", ("a",), "done", NOW, NOW.date())) for _ in range(20))
    )
    assert sum(outcome.changed for outcome in fresh) == 1  # a member with no rows at all


async def test_unknown_status_is_refused_before_any_write(store_db: Database) -> None:
    with pytest.raises(InvalidStatus):
        await ProgressRepository(store_db).change(change(["a"], "finished"))
    assert await ProgressRepository(store_db).rows(G, U, "rm") == []


async def test_the_schema_refuses_unknown_statuses_too(store_db: Database) -> None:
    def sneak(conn: Connection) -> None:
        conn.execute(
            insert(progress).values(
                guild_id=1,
                user_id=2,
                roadmap_id="rm",
                topic_id="t",
                status="finished",
                started_at="x",
                updated_at="x",
            )
        )

    with pytest.raises(IntegrityError, match=r"(?i)check"):
        await store_db.write(sneak)
    count = await store_db.read(
        lambda conn: conn.scalar(select(func.count()).select_from(progress))
    )
    assert count == 0


async def test_settings_upserts_keep_other_columns(store_db: Database) -> None:
    members = MemberSettingsRepository(store_db)
    assert await members.get(G, U) == MemberSettings(G, U)
    assert await members.zones(G, U) == (None, None)
    await members.update(G, U, NOW, time_zone="Asia/Tokyo")
    await members.update(G, U, NOW, reminder_time="07:30", reminder_time_zone="UTC")
    await members.update(G, U, NOW, hide_progress=True, followed_roadmap="py")
    got = await members.get(G, U)
    assert (
        got.time_zone,
        got.reminder_time,
        got.reminder_time_zone,
        got.hide_progress,
        got.followed_roadmap,
    ) == ("Asia/Tokyo", "07:30", "UTC", True, "py")
    with pytest.raises(ValueError, match="not member settings"):
        await members.update(G, U, NOW, colour="red")
    servers = ServerSettingsRepository(store_db)
    assert (await servers.get(G)).left_at is None
    await servers.update(G, NOW, time_zone="Europe/Oslo", left_at=NOW, default_roadmap="web")
    assert await members.zones(G, U) == ("Asia/Tokyo", "Europe/Oslo")
    assert await members.zones(G, 5) == (None, "Europe/Oslo")
    assert await members.roadmap_choices(G, U) == ("py", "web")
    assert await members.roadmap_choices(G + 1, U) == (None, None)
    got_server = await servers.get(G)
    assert (got_server.left_at, got_server.time_zone, got_server.default_roadmap) == (
        NOW,
        "Europe/Oslo",
        "web",
    )
    assert await servers.left_before(NOW + timedelta(seconds=1)) == [G]
    assert await servers.left_before(NOW) == []
    await servers.update(G, NOW, left_at=None)
    assert await servers.left_before(NOW + timedelta(days=1)) == []
    assert (await servers.get(G)).time_zone == "Europe/Oslo"


async def test_meta(store_db: Database) -> None:
    meta = MetaRepository(store_db)
    assert await meta.get("hash") is None
    await meta.set("hash", "abc")
    await meta.set("hash", "def")
    assert await meta.get("hash") == "def"
    await meta.set("hash", None)
    assert await meta.get("hash") is None
    await meta.set("hash", None)  # deleting a missing key is no error


async def test_stage_rewards(store_db: Database) -> None:
    rewards = RewardRepository(store_db)
    assert await rewards.for_stage(G, "rm", "basics") is None
    await rewards.set(StageReward(G, "rm", "basics", 2**62))
    await rewards.set(StageReward(G, "rm", "web", 5))
    await rewards.set(StageReward(G, "rm", "basics", 6))  # replaces the role
    await rewards.set(StageReward(G + 1, "rm", "basics", 7))
    assert await rewards.for_stage(G, "rm", "basics") == 6
    assert await rewards.in_server(G) == [
        StageReward(G, "rm", "basics", 6),
        StageReward(G, "rm", "web", 5),
    ]
    assert await rewards.remove(G, "rm", "basics") is True
    assert await rewards.remove(G, "rm", "basics") is False
    assert await rewards.in_server(G) == [StageReward(G, "rm", "web", 5)]

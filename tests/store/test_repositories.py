"""Repositories against the real schema: rows in, the same rows out; constraints hold."""

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidStatus
from bot.store.database import Database
from bot.store.erasure import MemberDataRepository
from bot.store.meta import MetaRepository
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
G, U = 10**18, 2**63 - 1  # the largest snowflake SQLite must hold


def change(topic_ids, status, at=NOW, **kwargs) -> StatusChange:
    return StatusChange(G, U, "rm", tuple(topic_ids), status, at, at.date(), **kwargs)


async def test_progress_change_round_trip(db: Database) -> None:
    repo = ProgressRepository(db)
    first = await repo.change(change(["a"], "in_progress"))
    assert first.changed and first.before == () and first.days == ()
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
    assert done.days == (date(2024, 5, 15),)
    assert await repo.rows(G, U, "rm") == list(done.after)
    assert await repo.completion_days(G, U) == [date(2024, 5, 15)]


async def test_the_latest_row_decides_between_old_and_live_ids(db: Database) -> None:
    repo = ProgressRepository(db)
    await repo.change(change(["old"], "done"))
    outcome = await repo.change(change(["new", "old"], "done", at=NOW + timedelta(minutes=1)))
    assert outcome.previous.topic_id == "old" and not outcome.changed  # already done via old
    outcome = await repo.change(change(["new", "old"], "skipped", at=NOW + timedelta(minutes=2)))
    assert outcome.changed and outcome.previous.started_at == NOW
    reset = await repo.change(change(["new", "old"], None, at=NOW + timedelta(minutes=3)))
    assert reset.after == ()
    assert len(await repo.completion_days(G, U)) == 1  # the log is never rewritten


async def test_unknown_status_is_refused_before_any_write(db: Database) -> None:
    with pytest.raises(InvalidStatus):
        await ProgressRepository(db).change(change(["a"], "finished"))
    assert await ProgressRepository(db).rows(G, U, "rm") == []


async def test_the_schema_refuses_unknown_statuses_too(db: Database) -> None:
    def sneak(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO progress VALUES (1, 2, 'rm', 't', 'finished', 'x', 'x', NULL)")

    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await db.write_sqlite(sneak)


async def test_settings_upserts_keep_other_columns(db: Database) -> None:
    members = MemberSettingsRepository(db)
    await members.update(G, U, NOW, time_zone="Asia/Tokyo")
    await members.update(G, U, NOW, reminder_time="07:30", reminder_time_zone="UTC")
    await members.update(G, U, NOW, hide_progress=True)
    got = await members.get(G, U)
    assert (got.time_zone, got.reminder_time, got.reminder_time_zone, got.hide_progress) == (
        "Asia/Tokyo",
        "07:30",
        "UTC",
        True,
    )
    with pytest.raises(ValueError, match="not member settings"):
        await members.update(G, U, NOW, colour="red")
    servers = ServerSettingsRepository(db)
    await servers.update(G, NOW, time_zone="Europe/Oslo", left_at=NOW)
    assert await members.zones(G, U) == ("Asia/Tokyo", "Europe/Oslo")
    assert (await servers.get(G)).left_at == NOW
    assert await servers.left_before(NOW + timedelta(seconds=1)) == [G]
    assert await servers.left_before(NOW) == []


async def test_meta(db: Database) -> None:
    meta = MetaRepository(db)
    assert await meta.get("hash") is None
    await meta.set("hash", "abc")
    await meta.set("hash", "def")
    assert await meta.get("hash") == "def"
    await meta.set("hash", None)
    assert await meta.get("hash") is None


async def test_erasure_covers_tables_added_by_later_migrations(db: Database) -> None:
    def add_table(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (guild_id INTEGER, user_id INTEGER, text TEXT)")
        conn.execute("INSERT INTO notes VALUES (?, ?, 'mine'), (?, 7, 'theirs')", (G, U, G))

    await db.write_sqlite(add_table)
    await ProgressRepository(db).change(change(["a"], "done"))
    data = MemberDataRepository(db)
    exported = await data.export(G, U)
    assert exported["notes"] == [{"guild_id": G, "user_id": U, "text": "mine"}]
    deleted = await data.delete_member(G, U)
    assert deleted["notes"] == 1 and deleted["progress"] == 1 and deleted["completions"] == 1
    assert await db.fetchall("SELECT text FROM notes") == [("theirs",)]
    assert (await data.delete_server(G))["notes"] == 1


async def test_a_local_day_rule_gets_the_zones_read_in_the_same_transaction(db: Database) -> None:
    seen = []

    def rule(member_zone, server_zone) -> date:
        seen.append((member_zone, server_zone))
        return date(2024, 5, 16)

    await MemberSettingsRepository(db).update(G, U, NOW, time_zone="Asia/Tokyo")
    outcome = await ProgressRepository(db).change(
        StatusChange(G, U, "rm", ("a",), "done", NOW, rule)
    )
    assert seen == [("Asia/Tokyo", None)]
    assert outcome.local_date == date(2024, 5, 16) and outcome.days == (date(2024, 5, 16),)


async def test_forgetting_a_member_also_clears_their_reminder_rows(db: Database) -> None:
    await MemberSettingsRepository(db).update(G, U, NOW, reminder_time="08:00")

    def add_reminder(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO reminder_schedules (guild_id, user_id, next_date, next_fire_at)"
            " VALUES (?, ?, '2024-05-16', '2024-05-16T08:00:00.000000Z')",
            (G, U),
        )
        conn.execute(
            "INSERT INTO reminder_deliveries (guild_id, user_id, local_date, status, claimed_at)"
            " VALUES (?, ?, '2024-05-15', 'sent', '2024-05-15T08:00:00.000000Z')",
            (G, U),
        )

    await db.write_sqlite(add_reminder)
    await MemberDataRepository(db).delete_member(G, U)
    for table in ("member_settings", "reminder_schedules", "reminder_deliveries"):
        assert await db.fetchall(f"SELECT * FROM {table}") == [], table

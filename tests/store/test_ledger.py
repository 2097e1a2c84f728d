"""The delivery ledger on SQLite and PostgreSQL: a key is claimed once, every status change is
atomic and counted by its row count, two processes racing on one PostgreSQL database never both
win, and revision 0004 carries every row of the two old ledgers over."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.records import DAILY, REMINDER, WEEKLY
from bot.store.alembic_runner import alembic_config, upgrade_sqlite, upgrade_url
from bot.store.database import Database
from bot.store.dialect import sqlite_engine
from bot.store.ledger import Claim, DeliveryKey, LedgerRepository, key_of
from bot.store.schema import daily_schedules
from tests.store.old_migrations import scripts_up_to

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
SNOWFLAKE = 1_234_567_890_123_456_789  # needs 64 bits
G, U = SNOWFLAKE, SNOWFLAKE + 1


def key(kind: str = REMINDER, subject: int = U, period: str = "2026-05-04") -> DeliveryKey:
    return DeliveryKey(kind, G, subject, period)


@pytest.fixture
def ledger(store_db: Database) -> LedgerRepository:
    return LedgerRepository(store_db)


async def test_a_key_is_claimed_once_and_kinds_never_collide(ledger: LedgerRepository) -> None:
    claims = [Claim(key(DAILY, G)), Claim(key(REMINDER)), Claim(key(WEEKLY, G, "2026-W19"))]
    assert await ledger.claim(claims, NOW) == {c.key for c in claims}
    # Claimed again, in a batch with a new key: only the new one is ours.
    fresh = Claim(key(REMINDER, U + 1))
    assert await ledger.claim([*claims, fresh], NOW) == {fresh.key}
    row = await ledger.get(key(REMINDER))
    assert row is not None and (row.status, row.attempts, row.claimed_at) == ("sending", 0, NOW)
    assert row.user_id == U and row.local_date.isoformat() == "2026-05-04"
    assert [r.subject_id for r in await ledger.rows(REMINDER)] == [U, U + 1]
    assert [r.period for r in await ledger.rows(WEEKLY, G)] == ["2026-W19"]


async def test_a_claim_keeps_what_a_resend_needs(ledger: LedgerRepository) -> None:
    claim = Claim(
        key(DAILY, G), channel_id=SNOWFLAKE + 5, roadmap_id="py", topic_id="t1",
        topic_position=3, ping_role_id=SNOWFLAKE + 6, scheduled_for=NOW,
    )  # fmt: skip
    await ledger.claim([claim], NOW)
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.channel_id, row.roadmap_id, row.topic_id, row.topic_position) == (
        SNOWFLAKE + 5, "py", "t1", 3,
    )  # fmt: skip
    assert (row.ping_role_id, row.scheduled_for, key_of(row)) == (SNOWFLAKE + 6, NOW, claim.key)


async def test_attempts_are_counted_only_while_sending(ledger: LedgerRepository) -> None:
    await ledger.claim([Claim(key())], NOW)
    assert await ledger.begin_attempt(key(), NOW)
    assert await ledger.begin_attempt(key(), NOW + timedelta(seconds=30))
    assert await ledger.note_error(key(), "503 from Discord")
    [row] = await ledger.unfinished(REMINDER)
    assert (row.attempts, row.first_attempt_at, row.error) == (2, NOW, "503 from Discord")
    assert await ledger.unfinished(DAILY) == []  # by kind
    later = NOW + timedelta(minutes=1)
    assert await ledger.finish(key(), status="unknown", now=later, error="not found")
    assert await ledger.unfinished(REMINDER) == []
    assert not await ledger.begin_attempt(key(), later)  # settled: nothing to send
    assert not await ledger.note_error(key(), "late")
    assert not await ledger.finish(key(), status="sent", now=later, message_id=1)
    row = await ledger.get(key())
    assert row is not None and (row.status, row.error, row.finished_at) == (
        "unknown", "not found", later,
    )  # fmt: skip
    assert await ledger.begin_attempt(key(subject=U + 9), NOW) is False  # no such row


async def test_an_outcomes_effect_runs_only_with_the_status_change(
    ledger: LedgerRepository, store_db: Database
) -> None:
    effects: list[str] = []

    def effect(conn: Connection) -> None:
        effects.append(conn.dialect.name)

    await ledger.claim([Claim(key())], NOW)
    assert await ledger.finish(key(), status="sent", now=NOW, message_id=7, effect=effect)
    assert not await ledger.finish(key(), status="sent", now=NOW, message_id=8, effect=effect)
    assert effects == [store_db.dialect]
    row = await ledger.get(key())
    assert row is not None and row.message_id == 7


async def test_a_failing_effect_undoes_the_status_change(ledger: LedgerRepository) -> None:
    def broken(conn: Connection) -> None:
        conn.execute(daily_schedules.insert().values(guild_id=1))  # NOT NULL columns missing

    await ledger.claim([Claim(key())], NOW)
    with pytest.raises(Exception, match=r"(?i)null"):
        await ledger.finish(key(), status="sent", now=NOW, message_id=7, effect=broken)
    row = await ledger.get(key())
    assert row is not None and (row.status, row.message_id) == ("sending", None)


async def test_recent_rows_are_the_subjects_newest_first(ledger: LedgerRepository) -> None:
    days = ["2026-05-04", "2026-05-03", "2026-05-01"]
    await ledger.claim([Claim(key(period=day)) for day in days], NOW)
    await ledger.claim([Claim(key(subject=U + 1, period="2026-05-09"))], NOW)
    assert [r.period for r in await ledger.recent(REMINDER, G, U, 2)] == days[:2]
    last = await ledger.last(REMINDER, G, U)
    assert last is not None and last.period == days[0]
    assert await ledger.last(DAILY, G, U) is None


async def test_two_processes_racing_on_postgres_claim_each_key_once(
    postgres_database: str,
) -> None:
    """Two Database objects on one PostgreSQL database, as two bot processes: each claims the
    same keys at the same moment, then each settles them; exactly one wins every time."""
    await upgrade_url(postgres_database)
    first, second = await Database.open(postgres_database), await Database.open(postgres_database)
    try:
        one, two = LedgerRepository(first), LedgerRepository(second)
        keys = [key(subject=U + n) for n in range(40)]
        claims = [Claim(k) for k in keys]
        results = await asyncio.gather(
            *(ledger.claim([claim], NOW) for claim in claims for ledger in (one, two))
        )
        winners = [r for r in results if r]
        assert len(winners) == len(keys) and set().union(*winners) == set(keys)
        # Both also claim the whole batch at once: nothing is left to either.
        assert await asyncio.gather(one.claim(claims, NOW), two.claim(claims, NOW)) == [
            set(),
            set(),
        ]
        settled = await asyncio.gather(
            *(
                ledger.finish(k, status="sent", now=NOW, message_id=n)
                for n, k in enumerate(keys)
                for ledger in (one, two)
            )
        )
        assert sum(settled) == len(keys)
        assert {r.status for r in await one.rows(REMINDER)} == {"sent"}
    finally:
        await first.close()
        await second.close()


# --- revision 0004: one ledger instead of two --------------------------------------------------

T = "2024-05-01T09:30:00.000000Z"
DAILY_POSTS: list[dict[str, Any]] = [
    dict(
        guild_id=G, local_date="2024-05-01", status="sent", channel_id=SNOWFLAKE + 3,
        roadmap_id="py", topic_id="t1", topic_position=0, ping_role_id=SNOWFLAKE + 7,
        scheduled_for=T, claimed_at=T, attempts=1, first_attempt_at=T, finished_at=T,
        message_id=SNOWFLAKE + 4, error=None,
    ),
    dict(
        guild_id=G, local_date="2024-05-02", status="missed", channel_id=None, roadmap_id=None,
        topic_id=None, topic_position=None, ping_role_id=None, scheduled_for=None,
        claimed_at=T, attempts=0, first_attempt_at=None, finished_at=T, message_id=None,
        error="the bot was offline too long",
    ),
]  # fmt: skip
REMINDER_DELIVERIES: list[dict[str, Any]] = [
    dict(
        guild_id=G, user_id=U, local_date="2024-05-01", status="unknown", topic_id="t1",
        claimed_at=T, attempts=2, first_attempt_at=T, finished_at=None, message_id=None,
        error="crashed",
    ),
    dict(
        guild_id=G, user_id=U + 1, local_date="2024-05-01", status="sending", topic_id="t2",
        claimed_at=T, attempts=0, first_attempt_at=None, finished_at=None, message_id=None,
        error=None,
    ),
]  # fmt: skip
LEDGER_COLUMNS = (
    "claimed_at", "attempts", "first_attempt_at", "finished_at", "message_id", "error",
)  # fmt: skip


def expected_deliveries() -> set[tuple[Any, ...]]:
    """Every old row as a `deliveries` row: (kind, guild, subject, period, status, channel,
    roadmap, topic, position, ping role, scheduled for, the ledger columns)."""
    rows = set()
    for post in DAILY_POSTS:
        rows.add(
            ("daily", G, G, post["local_date"], post["status"], post["channel_id"],
             post["roadmap_id"], post["topic_id"], post["topic_position"], post["ping_role_id"],
             post["scheduled_for"], *(post[c] for c in LEDGER_COLUMNS))
        )  # fmt: skip
    for dm in REMINDER_DELIVERIES:
        rows.add(
            ("reminder", G, dm["user_id"], dm["local_date"], dm["status"], None, None,
             dm["topic_id"], None, None, None, *(dm[c] for c in LEDGER_COLUMNS))
        )  # fmt: skip
    return rows


DELIVERY_SELECT = (
    "SELECT kind, guild_id, subject_id, period, status, channel_id, roadmap_id, topic_id,"
    " topic_position, ping_role_id, scheduled_for, "
    + ", ".join(LEDGER_COLUMNS)
    + " FROM deliveries"
)


def insert_old_rows(conn: Connection) -> None:
    for table, rows in (("daily_posts", DAILY_POSTS), ("reminder_deliveries", REMINDER_DELIVERIES)):
        names = ", ".join(rows[0])
        marks = ", ".join(f":{name}" for name in rows[0])
        conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), rows)


def table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def test_revision_0004_carries_every_row_over_on_sqlite_and_back(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    assert upgrade_sqlite(path, scripts_up_to(tmp_path, "0003")).after == "0003"
    with_0004 = scripts_up_to(tmp_path, "0004")
    engine = sqlite_engine(path, foreign_keys=False)
    try:
        with engine.connect() as conn, conn.begin():
            insert_old_rows(conn)
        result = upgrade_sqlite(path, with_0004)
        assert (result.before, result.after, result.applied) == (
            "0003", "0004", ("0004_deliveries.py",),
        )  # fmt: skip
        with closing(sqlite3.connect(path)) as raw:
            assert set(raw.execute(DELIVERY_SELECT)) == expected_deliveries()
            tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_schema")}
        assert "daily_posts" not in tables and "reminder_deliveries" not in tables
        assert "deliveries_unfinished" in tables

        # The downgrade puts each row back where it came from.
        with engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(with_0004, connection=conn), "0003")
        with closing(sqlite3.connect(path)) as raw:
            posts = raw.execute(
                "SELECT " + ", ".join(DAILY_POSTS[0]) + " FROM daily_posts ORDER BY local_date"
            ).fetchall()
            dms = raw.execute(
                "SELECT " + ", ".join(REMINDER_DELIVERIES[0])
                + " FROM reminder_deliveries ORDER BY user_id"
            ).fetchall()  # fmt: skip
            tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_schema")}
        assert posts == [tuple(p.values()) for p in DAILY_POSTS]
        assert dms == [tuple(d.values()) for d in REMINDER_DELIVERIES]
        assert "deliveries" not in tables
    finally:
        engine.dispose()


async def test_revision_0004_carries_every_row_over_on_postgres(
    postgres_database: str, tmp_path: Path
) -> None:
    assert (await upgrade_url(postgres_database, scripts_up_to(tmp_path, "0003"))).after == "0003"
    engine = create_async_engine(postgres_database)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(insert_old_rows)
        result = await upgrade_url(postgres_database, scripts_up_to(tmp_path, "0004"))
        assert (result.before, result.after) == ("0003", "0004")
        async with engine.connect() as conn:
            rows = {tuple(r) for r in await conn.execute(text(DELIVERY_SELECT))}
            tables = await conn.run_sync(table_names)
        assert rows == expected_deliveries()
        assert "daily_posts" not in tables and "reminder_deliveries" not in tables
    finally:
        await engine.dispose()
    # Brought to the head, the store opens it and reads the carried-over rows as ledger rows.
    await upgrade_url(postgres_database)
    async with await Database.open(postgres_database) as db:
        [unfinished] = await LedgerRepository(db).unfinished(REMINDER)
        assert (unfinished.subject_id, unfinished.topic_id) == (U + 1, "t2")

"""The Database: pragmas, grouped commits, isolation of failing operations, reads after writes.

The tests on `store_db` run on SQLite and on PostgreSQL; the rest are about SQLite's writer.
"""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.store.database import Database
from bot.store.dialect import Prepared
from bot.store.schema import meta


def _put(conn: Connection, key: str, value: str) -> str:
    conn.execute(insert(meta).values(key=key, value=value))
    return key


def _put_then_fail(conn: Connection, key: str) -> None:
    conn.execute(insert(meta).values(key=key, value="x"))
    raise ValueError("refused after writing")


def _keys(conn: Connection) -> set[str]:
    return set(conn.execute(select(meta.c.key)).scalars())


def _values(conn: Connection) -> list[str]:
    return list(conn.execute(select(meta.c.value)).scalars())


def _count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(meta)).scalar_one())


async def test_open_creates_folder_and_applies_migrations(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "bot.sqlite3"
    async with await Database.open(path) as db:
        assert path.is_file()
        assert await db.schema_version() >= 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_schema")}
        assert {"progress", "completions", "member_settings", "guild_settings"} <= tables
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"


async def test_readers_cannot_write(db: Database) -> None:
    with pytest.raises(OperationalError, match="readonly"):
        await db.fetchall("INSERT INTO meta (key, value) VALUES ('a', 'b')")


async def test_concurrent_writes_share_commits_and_all_land(db: Database) -> None:
    keys = await asyncio.gather(*(db.write(_put, f"k{i}", "v") for i in range(500)))
    assert len(set(keys)) == 500
    assert await db.read(_count) == 500
    # Grouping: far fewer transactions than writes.
    assert db.commits < 100


async def test_concurrent_writes_all_land_on_either_database(store_db: Database) -> None:
    keys = await asyncio.gather(*(store_db.write(_put, f"k{i}", "v") for i in range(50)))
    assert len(set(keys)) == 50
    assert await store_db.read(_count) == 50


async def test_a_failing_operation_undoes_only_itself(store_db: Database) -> None:
    results = await asyncio.gather(
        store_db.write(_put, "before", "1"),
        store_db.write(_put_then_fail, "doomed"),
        store_db.write(_put, "after", "2"),
        return_exceptions=True,
    )
    assert results[0] == "before" and results[2] == "after"
    assert isinstance(results[1], ValueError)
    assert await store_db.read(_keys) == {"before", "after"}


async def test_a_constraint_error_reaches_its_caller(store_db: Database) -> None:
    await store_db.write(_put, "same", "1")
    with pytest.raises(IntegrityError):
        await store_db.write(_put, "same", "2")
    assert await store_db.read(_values) == ["1"]


async def test_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as db:
        await db.write(_put, "kept", "yes")
    async with await Database.open(path) as db:
        assert await db.fetchall("SELECT value FROM meta WHERE key = 'kept'") == [("yes",)]
        assert await db.integrity_check() == "ok"


async def test_closed_database_refuses_work(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    await db.close()
    await db.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await db.write(_put, "late", "x")
    with pytest.raises(RuntimeError, match="closed"):
        await db.fetchall("SELECT 1")


async def test_close_finishes_queued_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    pending = [asyncio.ensure_future(db.write(_put, f"k{i}", "v")) for i in range(50)]
    await asyncio.sleep(0)  # let them queue
    await db.close()
    assert all(task.result().startswith("k") for task in pending)
    async with await Database.open(path) as reopened:
        assert await reopened.read(_count) == 50


async def test_point_reads_do_not_queue_behind_a_long_read(db: Database) -> None:
    long_read = asyncio.ensure_future(
        db.fetchall(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)"
            " SELECT COUNT(*) FROM n"
        )
    )
    await asyncio.sleep(0)  # the long read is on a reader now
    for _ in range(20):
        assert await db.fetchone("SELECT 1") == (1,)
    # Every point read went to the idle reader: none had to wait for the long one.
    assert not long_read.done()
    assert await long_read == [(3000000,)]


async def test_a_prepared_statement_reads_and_writes_on_either_database(
    store_db: Database,
) -> None:
    value_of = Prepared(select(meta.c.value).where(meta.c.key == bindparam("key")))
    rename = Prepared(
        update(meta).where(meta.c.key == bindparam("old")).values(key=bindparam("new"))
    )
    await store_db.write(_put, "a", "1")
    assert await store_db.read(lambda conn: value_of.rows(conn, key="a")) == [("1",)]
    assert await store_db.write(lambda conn: rename.run(conn, old="a", new="b")) == 1
    assert await store_db.write(lambda conn: rename.run(conn, old="a", new="b")) == 0
    assert await store_db.read(lambda conn: value_of.rows(conn, key="b")) == [("1",)]

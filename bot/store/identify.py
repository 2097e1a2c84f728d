"""Identify turns shared by every process of a sharded bot, kept in the database.

Discord lets a bot IDENTIFY once per bucket (`shard_id % max_concurrency`) per 5 seconds, across
all its processes. Each bucket has a `meta` row (`identify_turn:<max_concurrency>:<bucket>`)
holding the time, by the database's clock, of the latest turn handed out in it. Taking a turn
locks the row (`SELECT ... FOR UPDATE`), moves it to max(now, latest + spacing) and commits at
once: nobody holds the lock while waiting, and the next process of that bucket queues behind.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from bot.store.database import Database
from bot.store.dialect import database_clock, insert
from bot.store.schema import meta

KEY_PREFIX = "identify_turn"


def turn_key(bucket: int, max_concurrency: int) -> str:
    return f"{KEY_PREFIX}:{max_concurrency}:{bucket}"


def _take_turn(conn: Connection, key: str, spacing: float) -> float:
    conn.execute(insert(conn, meta).values(key=key, value="0").on_conflict_do_nothing())
    latest = conn.scalar(select(meta.c.value).where(meta.c.key == key).with_for_update())
    # Read after the lock is held: waiting for it must not make the turn start in the past.
    now = database_clock(conn)
    turn = max(now, float(latest or 0) + spacing)
    conn.execute(update(meta).where(meta.c.key == key).values(value=repr(turn)))
    return turn - now


class IdentifyTurns:
    """The identify buckets' queues, one row each, shared by every process on the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, bucket: int, max_concurrency: int, spacing: float) -> float:
        """Take the next turn of `bucket`, at least `spacing` seconds after the one before it;
        the seconds to wait until it (0: now)."""
        wait = await self._db.write(_take_turn, turn_key(bucket, max_concurrency), spacing)
        return max(0.0, float(wait))

"""A small key/value table for process-wide facts (e.g. the hash of the last global sync)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from bot.store.database import Database
from bot.store.dialect import insert
from bot.store.schema import meta


def _get(conn: Connection, key: str) -> str | None:
    value = conn.scalar(select(meta.c.value).where(meta.c.key == key))
    return None if value is None else str(value)


def _set(conn: Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute(delete(meta).where(meta.c.key == key))
        return
    statement = insert(conn, meta).values(key=key, value=value)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[meta.c.key], set_={"value": statement.excluded.value}
        )
    )


def _add(conn: Connection, key: str, value: str) -> bool:
    # Atomic on both dialects: of two writers racing for one key, exactly one inserts.
    statement = insert(conn, meta).values(key=key, value=value).on_conflict_do_nothing()
    return conn.execute(statement).rowcount == 1


class MetaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        return await self._db.read(_get, key)

    async def set(self, key: str, value: str | None) -> None:
        """Store `value` under `key`; None deletes the key."""
        await self._db.write(_set, key, value)

    async def add(self, key: str, value: str) -> bool:
        """Store `value` under `key` unless the key exists; whether this call stored it."""
        return bool(await self._db.write(_add, key, value))

"""Content reload requests for every process: a generation number in `meta`, and a PostgreSQL
notification when it moves.

`python -m bot reload` adds one to the generation and, in the same transaction, notifies the
channel `RELOAD_CHANNEL` (delivered when the transaction commits). A process listens on a
connection of its own (asyncpg's `add_listener`; a pooled connection would stop listening when
it goes back to the pool) and reloads at once; it also reads the generation every few seconds,
since a notification sent while it was not listening (reconnecting, starting) is never
replayed. On SQLite (one process) there is no notification: the generation alone does it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Integer, Text, cast, pool, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.database import Database
from bot.store.dialect import insert, notify
from bot.store.schema import meta

log = logging.getLogger(__name__)

#: The notification channel every process listens on.
RELOAD_CHANNEL = "study_companion_content_reload"
#: The meta key holding the content reload generation (a whole number, as text).
GENERATION_KEY = "content_reload_generation"
#: Seconds a closing listener connection may take before its socket is simply dropped.
CLOSE_TIMEOUT = 5.0


def _generation(conn: Connection) -> int:
    value = conn.scalar(select(meta.c.value).where(meta.c.key == GENERATION_KEY))
    return int(value) if value is not None else 0


def _request(conn: Connection) -> int:
    # One statement, atomic on both dialects: two requests at once make two generations.
    statement = insert(conn, meta).values(key=GENERATION_KEY, value="1")
    statement = statement.on_conflict_do_update(
        index_elements=[meta.c.key],
        set_={"value": cast(cast(meta.c.value, Integer) + 1, Text)},
    ).returning(meta.c.value)
    generation = int(conn.execute(statement).scalar_one())
    notify(conn, RELOAD_CHANNEL, str(generation))
    return generation


class ReloadRequests:
    """The reload generation: read it, or move it and tell every listening process."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def dialect(self) -> str:
        return self._db.dialect

    async def generation(self) -> int:
        """How many reloads were requested, ever (0: none)."""
        return await self._db.read(_generation)

    async def request(self) -> int:
        """Ask every process to reload; the new generation."""
        return await self._db.write(_request)


class ReloadListener:
    """A PostgreSQL session listening on RELOAD_CHANNEL; `lost` is set when it fails."""

    def __init__(self, engine: AsyncEngine, connection: AsyncConnection, driver: Any) -> None:
        self._engine = engine
        self._connection = connection
        self._driver = driver
        self.lost = asyncio.Event()
        self._closed = False

    @classmethod
    async def open(cls, url: str, on_request: Callable[[str], object]) -> ReloadListener:
        """Listen from now on; `on_request(payload)` on the event loop for each notification
        (the payload is the new generation)."""
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            connection = await engine.connect()
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            listener = cls(engine, connection, driver)
            driver.add_termination_listener(lambda _conn: listener._mark_lost())
            await driver.add_listener(
                RELOAD_CHANNEL, lambda _conn, _pid, _channel, payload: on_request(payload)
            )
        except BaseException:
            await engine.dispose()
            raise
        return listener

    def _mark_lost(self) -> None:
        if not self._closed:
            self.lost.set()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self._connection.close(), CLOSE_TIMEOUT)
        except Exception:
            log.debug("closing the reload listener failed", exc_info=True)
            self._driver.terminate()
        finally:
            await self._engine.dispose()

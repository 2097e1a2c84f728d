"""The slot lease: which process runs a slot's shards, as a PostgreSQL session advisory lock.

A process holds the lock of its slot on a connection of its own, kept open for the life of the
process (never one of the pool's: a pooled connection goes back to the pool, and the lock with
it). PostgreSQL lets the lock go when that session ends, so a process that dies, or is cut off
from the database, frees its slot for a spare, and no two sessions ever hold one slot. The same
connection is what tells the process it was cut off: once it fails, the process may no longer
be the slot's owner and must stop its shards (bot/services/lease.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Connection, pool, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.dialect import try_session_lock

log = logging.getLogger(__name__)

#: The advisory lock namespace of "slot N is run by a process" (bot/store/progress.py uses
#: 0x5C_0001 for a member's changes).
SLOT_LOCK = 0x5C_0510


#: Seconds a closing lease connection may take before its socket is simply dropped.
CLOSE_TIMEOUT = 5.0


class LeaseLost(Exception):
    """The lease connection failed: the slots it held may already be another process's."""


def _take(connection: Connection, slot: int) -> bool:
    return try_session_lock(connection, SLOT_LOCK, slot)


def _ping(connection: Connection) -> None:
    connection.execute(select(1))


class LeaseConnection:
    """A dedicated session on PostgreSQL holding slot locks; `lost` is set when it fails."""

    def __init__(self, engine: AsyncEngine, connection: AsyncConnection, driver: Any) -> None:
        self._engine = engine
        self._connection = connection
        self._driver = driver  # asyncpg's connection: its termination is the first sign
        self.lost = asyncio.Event()
        self.lost_reason = ""
        self.held: set[int] = set()
        self._closed = False
        self._lock = asyncio.Lock()  # one statement at a time on the one connection

    @classmethod
    async def open(cls, url: str) -> LeaseConnection:
        # NullPool: the connection is this object's alone, and closing it ends the session.
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            connection = await engine.connect()
            # Autocommit: the session is never left idle inside a transaction (which a server
            # setting such as idle_in_transaction_session_timeout would end).
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            await engine.dispose()
            raise
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        lease = cls(engine, connection, driver)
        if hasattr(driver, "add_termination_listener"):  # asyncpg: told as the socket closes
            driver.add_termination_listener(lambda _conn: lease._mark_lost("connection closed"))
        return lease

    def _mark_lost(self, reason: str) -> None:
        if not self._closed and not self.lost.is_set():
            self.lost_reason = reason
            self.lost.set()

    async def try_take(self, slot: int) -> bool:
        """Take slot `slot`'s lock if no other session holds it; whether this session holds it.
        Raises LeaseLost when the connection fails."""
        async with self._lock:
            try:
                taken = await self._connection.run_sync(_take, slot)
            except Exception as exc:
                self._mark_lost(f"{type(exc).__name__}: {exc}")
                raise LeaseLost(self.lost_reason) from exc
        if taken:
            self.held.add(slot)
        return taken

    async def ping(self, within: float) -> None:
        """One round trip within `within` seconds, else LeaseLost (the lease may be gone)."""
        if self.lost.is_set():
            raise LeaseLost(self.lost_reason)
        async with self._lock:
            try:
                await asyncio.wait_for(self._connection.run_sync(_ping), within)
            except Exception as exc:
                reason = "no answer" if isinstance(exc, TimeoutError) else str(exc)
                self._mark_lost(f"{type(exc).__name__}: {reason}")
                raise LeaseLost(self.lost_reason) from exc

    async def close(self) -> None:
        """End the session, which lets every slot it held go."""
        if self._closed:
            return
        self._closed = True
        try:
            # A connection cut off may never answer the goodbye: give up on it after a while.
            await asyncio.wait_for(self._connection.close(), CLOSE_TIMEOUT)
        except Exception:
            log.debug("closing the lease connection failed", exc_info=True)
            if hasattr(self._driver, "terminate"):
                self._driver.terminate()
        finally:
            await self._engine.dispose()

"""The SQLite readers: a few query-only connections, each on its own thread.

A read is a plain function of a SQLAlchemy `Connection` (in the repositories of this package),
run on the least busy reader's thread, so the event loop never waits on the disk and point
reads do not queue behind a server-wide query. WAL mode lets them run while the writer commits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from bot.store.dialect import sqlite_engine

T = TypeVar("T")


class _Reader:
    def __init__(self, engine: Engine, name: str) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.engine = engine
        self.connection: Connection | None = None
        self.in_flight = 0

    def connect(self) -> None:
        # Autocommit: each statement reads its own consistent snapshot, and no read holds a
        # transaction open that would keep the WAL from being checkpointed.
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.engine.dispose()


class ReaderPool:
    """`await pool.run(query, *args)` runs `query(connection, *args)` on a reader thread."""

    def __init__(self, path: Path, count: int) -> None:
        self._readers = [
            _Reader(
                sqlite_engine(path, query_only=True, begin_immediate=False), f"sqlite-reader-{n}"
            )
            for n in range(max(1, count))
        ]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            for reader in self._readers:
                await loop.run_in_executor(reader.executor, reader.connect)
        except BaseException:
            await self.close()
            raise

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        # The least busy reader: a server-wide query (leaderboard, stats) can take a second on
        # a large server, and point reads must not queue behind it.
        reader = min(self._readers, key=lambda candidate: candidate.in_flight)
        reader.in_flight += 1
        try:
            connection = reader.connection
            if connection is None:
                raise RuntimeError("the database is closed")
            return await asyncio.get_running_loop().run_in_executor(
                reader.executor, _call, query, connection, args
            )
        finally:
            reader.in_flight -= 1

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for reader in self._readers:
            with contextlib.suppress(Exception):
                await loop.run_in_executor(reader.executor, reader.close)
            reader.connection = None
            reader.executor.shutdown(wait=False)


def _call(query: Callable[..., T], connection: Connection, args: tuple[Any, ...]) -> T:
    return query(connection, *args)

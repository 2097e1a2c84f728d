"""The SQLite readers: a few query-only connections, each on its own thread.

A read is a plain function of a SQLAlchemy `Connection` (in the repositories of this package),
run on the least busy reader's thread, so the event loop never waits on the disk and point
reads do not queue behind a server-wide query. WAL mode lets them run while the writer commits.

Each reader is a thread with a queue of its own, answering through `call_soon_threadsafe`
(what aiosqlite does): a `ThreadPoolExecutor` with `run_in_executor` costs about twice the
hop per read (tests/bench/bench_point_read.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection

from bot.store.dialect import sqlite_engine

T = TypeVar("T")

_STOP = object()
_Job = tuple[Callable[..., Any], tuple[Any, ...], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class _Reader(threading.Thread):
    def __init__(self, path: Path, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._path = path
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.in_flight = 0

    def run(self) -> None:
        engine = sqlite_engine(self._path, query_only=True, begin_immediate=False)
        try:
            # Autocommit: each statement reads its own consistent snapshot, and no read holds a
            # transaction open that would keep the WAL from being checkpointed.
            connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except BaseException as exc:
            engine.dispose()
            self.ready.set_exception(exc)
            return
        self.ready.set_result(None)
        try:
            self._serve(connection)
        finally:
            connection.close()
            engine.dispose()

    def _serve(self, connection: Connection) -> None:
        while True:
            job = self.jobs.get()
            if job is _STOP:
                return
            query, args, loop, future = job
            try:
                outcome: tuple[Any, BaseException | None] = (query(connection, *args), None)
            except BaseException as exc:
                outcome = (None, exc)
            # A closed loop raises RuntimeError: nobody is waiting there any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future, outcome)


def _resolve(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if future.done():
        return
    result, error = outcome
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class ReaderPool:
    """`await pool.run(query, *args)` runs `query(connection, *args)` on a reader thread."""

    def __init__(self, path: Path, count: int) -> None:
        self._readers = [_Reader(path, f"sqlite-reader-{n}") for n in range(max(1, count))]
        self._open = False

    async def start(self) -> None:
        try:
            for reader in self._readers:
                reader.start()
                await asyncio.wrap_future(reader.ready)
        except BaseException:
            await self.close()
            raise
        self._open = True

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        if not self._open:
            raise RuntimeError("the database is closed")
        # The least busy reader: a server-wide query (leaderboard, stats) can take a second on
        # a large server, and point reads must not queue behind it.
        reader = min(self._readers, key=lambda candidate: candidate.in_flight)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        reader.in_flight += 1
        try:
            reader.jobs.put((query, args, loop, future))
            return await future
        finally:
            reader.in_flight -= 1

    async def close(self) -> None:
        """Let each reader finish what it holds, then close its connection."""
        self._open = False
        for reader in self._readers:
            if reader.is_alive():
                reader.jobs.put(_STOP)
        for reader in self._readers:
            if reader.is_alive():
                await asyncio.to_thread(reader.join)

"""The single writer: one thread owning the one write connection, grouping commits.

Callers submit small write operations: plain functions of a SQLAlchemy `Connection` that run
Core statements (the repositories of this package hold them, with all SQL). The thread takes
everything queued, runs it in one `BEGIN IMMEDIATE` transaction (each operation inside its own
SAVEPOINT, so one failing operation does not undo its neighbours), commits, and only then
resolves each caller's future. Nobody is told "done" before the commit that holds their write,
and under load hundreds of writes share one commit, which is how the write rate scales.

Before and after each batch the thread compares the file at the database's path with the one
it opened (device and inode: one `stat`): a database folder removed, or another file moved into
its place, would otherwise take commits into a file nobody will ever open again. From then on
every write is refused (NotSaved "the database file is gone") and `on_fatal` tells the process,
which stops. A batch the database refused as read-only or unwritable reopens the connection
before the next one, so writes recover by themselves once the cause is fixed (a connection
SQLite opened read-only stays read-only).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from bot.errors import NotSaved
from bot.store.alembic_runner import Upgrade, upgrade_sqlite
from bot.store.checkpoints import WRITER_PRAGMAS
from bot.store.dialect import sqlite_engine

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Operations run in one transaction at most; bounds the latency one commit adds to a caller.
MAX_BATCH = 1000

#: What a member is told once the database file is gone or replaced.
FILE_GONE = "the database file is gone"

#: Reasons (see `not_saved`) after which the write connection is opened again: SQLite keeps a
#: connection that was opened read-only read-only, whatever the file's mode becomes.
REOPEN_AFTER = frozenset({"the database is read-only", "the disk could not be written"})

#: Called once, on the writer thread, with the reason, when the database file is gone.
OnFatal = Callable[[str], None]


@dataclass(slots=True)
class _Job:
    operation: Callable[..., Any]
    args: tuple[Any, ...]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    raw: bool = False  # the operation takes the driver's sqlite3.Connection (not yet ported)


_STOP = object()
_Outcome = tuple[_Job, Any, BaseException | None]


class WriterThread:
    """Owns the write connection; `submit` returns after the operation's transaction committed."""

    def __init__(
        self, path: Path, migrations_dir: Path, *, on_fatal: OnFatal | None = None
    ) -> None:
        self._path = path
        self._migrations_dir = migrations_dir
        self._on_fatal = on_fatal
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        self.fatal: str | None = None  # set once the file is gone: every write refused
        self._reopen = False
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stopped: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, name=f"sqlite-writer:{path.name}")
        self._accepting = False
        self.migration: Upgrade | None = None  # what opening did to the schema
        self.batches = 0  # commits so far, for benchmarks and logs
        self.operations = 0

    async def start(self) -> None:
        """Open the connection, switch to WAL and apply migrations (Alembic, carrying over a
        database of the numbered SQL migrations); raises what that raised."""
        self._thread.start()
        try:
            await asyncio.wrap_future(self._ready)
        except BaseException:
            await asyncio.wrap_future(self._stopped)
            raise
        self._accepting = True

    async def submit(self, operation: Callable[..., T], *args: Any, raw: bool = False) -> T:
        if not self._accepting:
            raise RuntimeError("the database is closed")
        if self.fatal is not None:
            raise NotSaved(self.fatal)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(operation, args, loop, future, raw))
        return await future

    async def stop(self) -> None:
        """Finish what is queued, close the connection, end the thread."""
        if not self._thread.is_alive():
            return
        self._accepting = False
        self._queue.put(_STOP)
        await asyncio.wrap_future(self._stopped)
        self._thread.join()

    # --- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        conn: Connection | None = None
        try:
            conn = self._connect()
            # Alembic on its own connection (this one is idle, outside a transaction).
            self.migration = upgrade_sqlite(self._path, self._migrations_dir)
            stat = os.stat(self._path)
            self._identity = (stat.st_dev, stat.st_ino)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            self._ready.set_exception(exc)
            self._stopped.set_result(None)
            return
        self._ready.set_result(None)
        self._conn = conn
        try:
            self._serve()
        finally:
            self._conn.close()
            self._stopped.set_result(None)

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            batch: list[_Job] = []
            stop = first is _STOP
            if not stop:
                batch.append(first)
            # Everything that queued up while the previous commit ran goes into this one.
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                self._run_batch(batch)
            if stop and self._queue.empty():
                return
            if stop:
                self._queue.put(_STOP)  # drain what arrived after the stop first

    def _run_batch(self, batch: list[_Job]) -> None:
        outcomes: list[_Outcome]
        if self.fatal is None:
            self._check_file()
        if self.fatal is None and self._reopen:
            self._reopen_connection()
        if self.fatal is not None:
            self._deliver([(job, None, NotSaved(self.fatal)) for job in batch])
            return
        conn = self._conn
        try:
            outcomes = self._run_operations(conn, batch)
        except Exception as exc:
            failure = not_saved(exc)
            if isinstance(failure, NotSaved):
                log.error("write transaction of %d operations not saved: %s", len(batch), exc)
            else:
                log.exception("write transaction of %d operations failed", len(batch))
            # A failed rollback must not end the thread: every caller still gets an answer.
            with contextlib.suppress(Exception):
                conn.rollback()
            outcomes = [(job, None, failure) for job in batch]
        self.batches += 1
        self.operations += len(batch)
        self._check_file()
        if self.fatal is not None:
            # Committed, but into a file nobody will open again: not saved.
            outcomes = [(job, None, NotSaved(self.fatal)) for job, _, _ in outcomes]
        elif any(isinstance(e, NotSaved) and e.reason in REOPEN_AFTER for _, _, e in outcomes):
            self._reopen = True
        self._deliver(outcomes)

    def _run_operations(self, conn: Connection, batch: list[_Job]) -> list[_Outcome]:
        """Run the batch in one transaction and commit it.

        Operations almost never fail, so the batch first runs with no savepoint at all: each
        SAVEPOINT and RELEASE is a statement of its own, and every statement hands the GIL
        to the event loop and back. Should one operation raise, that transaction is rolled
        back whole and the batch runs again with a savepoint per operation, so the failing
        one undoes only itself. Running an operation twice is safe: operations are plain
        functions of the connection, and the first run's changes were rolled back."""
        jobs = [job for job in batch if not job.future.cancelled()]  # gone: never told
        transaction = conn.begin()  # BEGIN IMMEDIATE (see `sqlite_engine`)
        driver = conn.connection.driver_connection
        assert driver is not None
        try:
            results = [job.operation(driver if job.raw else conn, *job.args) for job in jobs]
        except Exception:
            # SQLite may have rolled back already (a full disk): the rerun then fails the
            # same way and reports the operation's own error.
            with contextlib.suppress(Exception):
                transaction.rollback()
        else:
            transaction.commit()
            return [(job, result, None) for job, result in zip(jobs, results, strict=True)]
        return self._run_with_savepoints(conn, jobs)

    @staticmethod
    def _run_with_savepoints(conn: Connection, jobs: list[_Job]) -> list[_Outcome]:
        outcomes: list[_Outcome] = []
        transaction = conn.begin()
        # Savepoints straight on the driver's connection, inside SQLAlchemy's transaction:
        # `begin_nested()` compiles a SAVEPOINT and a RELEASE construct on every call.
        driver = conn.connection.driver_connection
        assert driver is not None
        for job in jobs:
            driver.execute("SAVEPOINT operation")
            try:
                result = job.operation(driver if job.raw else conn, *job.args)
            except Exception as exc:
                try:
                    driver.execute("ROLLBACK TO operation")
                    driver.execute("RELEASE operation")
                except Exception:
                    # SQLite already rolled the whole transaction back (a full disk, an
                    # I/O error): no operation of the batch is kept, and the operation's
                    # error, not "no such savepoint", is what every caller is told.
                    raise exc from None
                outcomes.append((job, None, not_saved(exc)))
            else:
                driver.execute("RELEASE operation")
                outcomes.append((job, result, None))
        transaction.commit()
        return outcomes

    def _check_file(self) -> None:
        """Set `fatal` (once; log, tell `on_fatal`) when the path no longer names the file
        this thread opened."""
        try:
            stat = os.stat(self._path)
        except (FileNotFoundError, NotADirectoryError):
            what = "was removed"
        else:
            if (stat.st_dev, stat.st_ino) == self._identity:
                return
            what = "was replaced by another file"
        self.fatal = FILE_GONE
        log.critical(
            "the database file %s %s while the bot ran; every write is refused from now on "
            "and the bot stops (restore the file from a backup before starting it again)",
            self._path,
            what,
        )
        if self._on_fatal is not None:
            try:
                self._on_fatal(self.fatal)
            except Exception:
                log.exception("telling the process that the database is gone failed")

    def _connect(self) -> Connection:
        conn = sqlite_engine(self._path, wal=True).connect()
        driver = conn.connection.driver_connection
        assert driver is not None
        # Checkpoints run on their own thread (bot/store/checkpoints.py), not in a commit.
        for pragma in WRITER_PRAGMAS:
            driver.execute(pragma)
        return conn

    def _reopen_connection(self) -> None:
        """A new write connection for the next batch; on failure the old one stays and the
        next batch tries again."""
        try:
            fresh = self._connect()
        except Exception as exc:
            log.warning("cannot reopen the database %s for writing: %s", self._path, exc)
            return
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = fresh
        self._reopen = False
        log.info("reopened the database %s for writing", self._path)

    @staticmethod
    def _deliver(outcomes: list[tuple[_Job, Any, BaseException | None]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Any, BaseException | None]]] = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[0].loop, []).append(outcome)
        for loop, items in by_loop.items():
            # One wake-up per loop per commit, not one per operation. A closed loop raises
            # RuntimeError: nobody is waiting there any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve_all, items)


#: SQLite's words for a write the database could not take -> what a member is told.
_NOT_SAVED_REASONS = (
    ("database is locked", "the database is busy"),
    ("database or disk is full", "the server's disk is full"),
    ("readonly", "the database is read-only"),
    ("disk i/o error", "the disk could not be written"),
)


def not_saved(error: BaseException) -> BaseException:
    """NotSaved with its reason for a write SQLite refused for a passing cause; else `error`."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        cause = not_saved(error.orig)
        return cause if isinstance(cause, NotSaved) else error
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        text = str(error).lower()
        for words, reason in _NOT_SAVED_REASONS:
            if words in text:
                return NotSaved(reason)
    return error


def _resolve_all(items: list[tuple[_Job, Any, BaseException | None]]) -> None:
    for job, result, error in items:
        if job.future.done():
            continue
        if error is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(error)

"""The database the repositories use: SQLite (the embedded default) or PostgreSQL.

    async with await Database.open(path_or_url) as db:
        rows = await db.read(some_query, guild_id)
        await db.write(some_operation, guild_id, user_id)

Reads and writes are plain functions of a SQLAlchemy `Connection` that build Core statements
(kept in the repositories of this package, like all SQL); the same functions serve both
databases. On SQLite a write runs on the one writer thread inside a `BEGIN IMMEDIATE`
transaction with whatever else is queued (`bot.store.writer`), and reads run on a few
query-only connections on their own threads (`bot.store.readers`); on PostgreSQL both run on
an asyncpg engine (`bot.store.postgres`). `write` returns only after its transaction
committed; reads never share a transaction with a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy import Connection, text

from bot.store.alembic_runner import VERSION_TABLE, Upgrade
from bot.store.backup import backup_database
from bot.store.checkpoints import Checkpointer
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR
from bot.store.readers import ReaderPool
from bot.store.writer import OnFatal, WriterThread

if TYPE_CHECKING:
    from bot.store.postgres import PostgresBackend

T = TypeVar("T")
Row = tuple[Any, ...]


def is_url(target: Path | str) -> bool:
    """`postgresql+asyncpg://...` (or another SQLAlchemy URL) rather than a file path."""
    return isinstance(target, str) and "://" in target


class Database:
    """Open with `await Database.open(path_or_url)`; close with `close()` or `async with`."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        writer: WriterThread | None = None,
        readers: ReaderPool | None = None,
        postgres: PostgresBackend | None = None,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self.path = path
        self._writer = writer
        self._checkpointer = checkpointer
        self._readers = readers
        self._postgres = postgres
        self.dialect = "postgresql" if postgres is not None else "sqlite"
        self._closed = False

    @classmethod
    async def open(
        cls,
        target: Path | str,
        *,
        readers: int = 2,
        migrations_dir: Path = DEFAULT_MIGRATIONS_DIR,
        on_fatal: OnFatal | None = None,
    ) -> Self:
        """SQLite at a path: create the folder and the file as needed, switch to WAL, apply
        pending migrations (Alembic revisions in `migrations_dir`; a database the numbered SQL
        files built is carried over first, see `bot.store.alembic_runner`). PostgreSQL at a
        URL: connect, and refuse a schema behind the code's (`python -m bot migrate`).

        Raises `MigrationError` (naming the file) when a migration fails; the database then
        stays at the revision (or numbered version) it had.

        `on_fatal(reason)` (SQLite) is called once, on the writer thread, when the database
        file is removed or replaced while open: every write is refused from then on, and the
        process should stop (it must hop to its event loop itself, call_soon_threadsafe).
        """
        if is_url(target):
            from bot.store.postgres import PostgresBackend  # asyncpg only when asked for

            return cls(postgres=await PostgresBackend.open(str(target)))
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = WriterThread(path, migrations_dir, on_fatal=on_fatal)
        await writer.start()
        pool = ReaderPool(path, readers)
        checkpointer = Checkpointer(path)
        try:
            await pool.start()
            await checkpointer.start()
        except BaseException:
            await checkpointer.stop()
            await pool.close()
            await writer.stop()
            raise
        return cls(path=path, writer=writer, readers=pool, checkpointer=checkpointer)

    async def close(self) -> None:
        """Finish queued writes, then close every connection. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._postgres is not None:
            await self._postgres.close()
            return
        assert self._writer is not None and self._readers is not None
        await self._writer.stop()
        await self._readers.close()
        if self._checkpointer is not None:
            await self._checkpointer.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- reads and writes -----------------------------------------------------------------

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """`query(connection, *args)` on a reading connection; its result."""
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._postgres is not None:
            return await self._postgres.read(query, *args)
        assert self._readers is not None
        return await self._readers.run(query, *args)

    async def write(self, operation: Callable[..., T], *args: Any) -> T:
        """Run `operation(connection, *args)` in a write transaction; returns its result once
        that transaction has committed. An exception from the operation undoes only that
        operation's changes and is raised here."""
        if self._postgres is not None:
            if self._closed:
                raise RuntimeError("the database is closed")
            return await self._postgres.write(operation, *args)
        assert self._writer is not None
        return await self._writer.submit(operation, *args)

    # --- raw SQLite statements, for maintenance only (SQLite only) ---------------------------
    # No repository uses these (repositories build Core statements): they serve the SQLite
    # file's upkeep (integrity_check below, PRAGMAs) and the tests that look at the file itself.

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one SQLite statement with `?` parameters, as plain tuples."""
        return await self.read(_fetchall, sql, tuple(params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def write_sqlite(self, operation: Callable[..., T], *args: Any) -> T:
        """`write` for an operation of the driver's `sqlite3.Connection`."""
        assert self._writer is not None, "a raw sqlite3 operation on PostgreSQL"
        return await self._writer.submit(operation, *args, raw=True)

    # --- maintenance ----------------------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """Online copy to the new file `target` (refuses an existing one). SQLite only."""
        if self.path is None:
            raise RuntimeError("backup copies a SQLite file; use pg_dump for PostgreSQL")
        await asyncio.to_thread(backup_database, self.path, target)

    @property
    def migration(self) -> Upgrade:
        """What opening did to the schema: revision before and after, files applied."""
        assert self._writer is not None and self._writer.migration is not None
        return self._writer.migration

    async def schema_version(self) -> int:
        """`PRAGMA user_version`: 3 once Alembic manages the file (1-2: numbered SQL)."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        return await self.read(_revision)

    async def integrity_check(self) -> str:
        """`ok`, or SQLite's description of what is wrong."""
        rows = await self.fetchall("PRAGMA integrity_check")
        return "\n".join(str(row[0]) for row in rows)

    @property
    def commits(self) -> int:
        """Write transactions committed (or attempted) since open."""
        if self._postgres is not None:
            return self._postgres.commits
        assert self._writer is not None
        return self._writer.batches


def _fetchall(connection: Connection, sql: str, params: tuple[Any, ...]) -> list[Row]:
    return [tuple(row) for row in connection.exec_driver_sql(sql, params)]


def _revision(connection: Connection) -> str | None:
    value = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if value is None else str(value)

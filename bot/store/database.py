"""The database: one grouped-commit writer and a few aiosqlite readers over one SQLite file.

    async with await Database.open(path) as db:
        rows = await db.fetchall("SELECT ...", (guild_id,))
        await db.write(some_operation, guild_id, user_id)

WAL mode lets readers run while the writer commits. Writes are plain functions of a
`sqlite3.Connection` (kept in the repositories of this package, like all SQL) that the writer
thread runs inside one `BEGIN IMMEDIATE` transaction with whatever else is queued; `write`
returns only after that transaction committed. Reads never share a transaction with a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import aiosqlite

from bot.store.alembic_runner import VERSION_TABLE, Upgrade
from bot.store.backup import backup_database
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR
from bot.store.writer import CONNECTION_PRAGMAS, WriterThread

T = TypeVar("T")
Row = tuple[Any, ...]


class Database:
    """Open with `await Database.open(path)`; close with `await db.close()` or `async with`."""

    def __init__(self, path: Path, writer: WriterThread, readers: list[aiosqlite.Connection]):
        self.path = path
        self._writer = writer
        self._readers = readers
        self._in_flight = [0] * len(readers)
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        readers: int = 2,
        migrations_dir: Path = DEFAULT_MIGRATIONS_DIR,
    ) -> Self:
        """Create the folder and the file as needed, switch to WAL, apply pending migrations
        (Alembic revisions in `migrations_dir`; a database the numbered SQL files built is
        carried over first, see `bot.store.alembic_runner`).

        Raises `MigrationError` (naming the file) when a migration fails; the database then
        stays at the revision (or numbered version) it had.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = WriterThread(path, migrations_dir)
        await writer.start()
        connections: list[aiosqlite.Connection] = []
        try:
            for _ in range(max(1, readers)):
                conn = await aiosqlite.connect(path, isolation_level=None)
                connections.append(conn)
                for pragma in (*CONNECTION_PRAGMAS, "PRAGMA query_only = ON"):
                    await conn.execute(pragma)
        except BaseException:
            for conn in connections:
                await conn.close()
            await writer.stop()
            raise
        return cls(path, writer, connections)

    async def close(self) -> None:
        """Finish queued writes, then close every connection. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self._writer.stop()
        for conn in self._readers:
            await conn.close()

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

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read statement, on one of the reader connections."""
        if self._closed:
            raise RuntimeError("the database is closed")
        # The least busy reader: a server-wide query (leaderboard, stats) can take a second on
        # a large server, and point reads must not queue behind it.
        index = min(range(len(self._readers)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            rows = await self._readers[index].execute_fetchall(sql, params)
        finally:
            self._in_flight[index] -= 1
        # No row factory is set, so these are plain tuples (aiosqlite types them as Row).
        return cast(list[Row], list(rows))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def write(self, operation: Callable[..., T], *args: Any) -> T:
        """Run `operation(conn, *args)` in the writer's next transaction; returns its result
        once that transaction has committed. An exception from the operation undoes only
        that operation's changes and is raised here."""
        return await self._writer.submit(operation, *args)

    # --- maintenance ----------------------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """Online copy to the new file `target` (refuses an existing one)."""
        await asyncio.to_thread(backup_database, self.path, target)

    @property
    def migration(self) -> Upgrade:
        """What opening did to the schema: revision before and after, files applied."""
        assert self._writer.migration is not None  # set before `open` returns
        return self._writer.migration

    async def schema_version(self) -> int:
        """`PRAGMA user_version`: 3 once Alembic manages the file (1-2: numbered SQL)."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        row = await self.fetchone(f"SELECT version_num FROM {VERSION_TABLE}")
        return str(row[0]) if row else None

    async def integrity_check(self) -> str:
        """`ok`, or SQLite's description of what is wrong."""
        rows = await self.fetchall("PRAGMA integrity_check")
        return "\n".join(str(row[0]) for row in rows)

    @property
    def commits(self) -> int:
        """Write transactions committed (or attempted) since open."""
        return self._writer.batches

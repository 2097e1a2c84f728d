"""The store on PostgreSQL: the same repository functions, run on an async engine (asyncpg).

Each read or write is a plain function of a SQLAlchemy `Connection`; here it runs through
`AsyncConnection.run_sync`, so the repositories are one body of code for both databases. A
write is its own transaction (PostgreSQL needs no single writer: concurrent transactions are
its job), committed before `write` returns. The bot never migrates PostgreSQL at start:
`python -m bot migrate` does, once per deploy, and opening refuses a schema that is behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import NotSaved
from bot.store.migrations import MigrationError

T = TypeVar("T")

#: Connections per process; a bot process runs a few dozen statements at once at most.
POOL_SIZE = 10


class PostgresBackend:
    """Reads and writes on a pooled async engine."""

    dialect = "postgresql"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.commits = 0

    @classmethod
    async def open(cls, url: str, *, require_head: bool = True) -> PostgresBackend:
        engine = create_async_engine(url, pool_size=POOL_SIZE, pool_pre_ping=True)
        backend = cls(engine)
        try:
            if require_head:
                await backend.require_head()
        except BaseException:
            await engine.dispose()
            raise
        return backend

    async def require_head(self) -> None:
        from bot.store.alembic_runner import current_revision, head_revision

        async with self.engine.connect() as connection:
            current = await connection.run_sync(current_revision)
        head = head_revision()
        if current != head:
            raise MigrationError(
                f"the database is at revision {current or 'none'}, the code at {head}; "
                "run `python -m bot migrate` first"
            )

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        try:
            async with self.engine.connect() as connection:
                return await connection.run_sync(query, *args)
        except (OperationalError, InterfaceError, OSError) as exc:
            raise NotSaved("the database cannot be reached") from exc

    async def write(self, operation: Callable[..., T], *args: Any) -> T:
        try:
            async with self.engine.begin() as connection:
                result = await connection.run_sync(operation, *args)
        except DBAPIError as exc:
            if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
                raise NotSaved("the database cannot be reached") from exc
            raise
        except OSError as exc:
            raise NotSaved("the database cannot be reached") from exc
        self.commits += 1
        return result

    async def close(self) -> None:
        await self.engine.dispose()

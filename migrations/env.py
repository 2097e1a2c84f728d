"""Alembic's environment for the store: one history for SQLite and PostgreSQL.

There is no alembic.ini: `bot/store/alembic_runner.py` builds the `Config` in code and passes
an open SQLAlchemy `Connection` in `config.attributes["connection"]`, inside a transaction it
owns (so a failing revision leaves the database at the revision before, on SQLite too). With
`config.attributes["url"]` instead, this module opens the database itself (an async URL such as
`postgresql+asyncpg://` runs through `AsyncConnection.run_sync`), all revisions in one
transaction.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from bot.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: table changes are rebuilt in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite's DDL is transactional; Alembic assumes otherwise unless told.
        transactional_ddl=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; pass a connection")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url")
    if url is None:
        raise RuntimeError("pass a connection or a url in config.attributes")
    if str(url).startswith("sqlite"):
        raise RuntimeError("SQLite goes through bot.store.alembic_runner.upgrade_sqlite")
    if "+asyncpg" in str(url):
        asyncio.run(_run_async(str(url)))
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


main()

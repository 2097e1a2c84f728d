"""A database built by the older migrations, holding rows of that time, on SQLite or PostgreSQL:
what a test of a revision's upgrade starts from, and the store opened on it once upgraded."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.alembic_runner import upgrade_sqlite, upgrade_url
from bot.store.database import Database
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR

#: Writes the rows of that time (only the columns the old revision had are named).
Fill = Callable[[Connection], None]


def scripts_up_to(tmp_path: Path, last: str) -> Path:
    """The migration history up to revision `last` (a copy in `tmp_path`)."""
    folder = tmp_path / f"scripts-{last}"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (folder / "versions").glob("*.py"):
        if script.name[:4] > last:
            script.unlink()
    return folder


def sqlite_database_at(path: Path, tmp_path: Path, last: str, fill: Fill) -> None:
    """A SQLite file at `path` migrated up to `last`, with `fill`'s rows committed."""
    assert upgrade_sqlite(path, scripts_up_to(tmp_path, last)).after == last
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            fill(conn)
    finally:
        engine.dispose()


async def postgres_database_at(url: str, tmp_path: Path, last: str, fill: Fill) -> None:
    """The PostgreSQL database at `url` migrated up to `last`, with `fill`'s rows committed."""
    assert (await upgrade_url(url, scripts_up_to(tmp_path, last))).after == last
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(fill)
    finally:
        await engine.dispose()


@asynccontextmanager
async def upgraded_from(
    target: Path | str, tmp_path: Path, last: str, fill: Fill, *, first: str
) -> AsyncIterator[Database]:
    """The store on a database built at `last` with `fill`'s rows, then upgraded as a deploy
    does it: a SQLite path by the store's own open, a PostgreSQL URL by `upgrade_url` (what
    `python -m bot migrate` runs). `first`: the script the upgrade must apply first."""
    if isinstance(target, Path):
        sqlite_database_at(target, tmp_path, last, fill)
        async with await Database.open(target) as db:
            assert db.migration.applied[0] == first
            yield db
        return
    await postgres_database_at(target, tmp_path, last, fill)
    assert (await upgrade_url(target)).applied[0] == first
    async with await Database.open(target) as db:
        yield db

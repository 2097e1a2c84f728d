"""A database built by the older migrations, holding rows of that time, on SQLite or PostgreSQL:
what a test of a revision's upgrade starts from (then it opens the store, which migrates)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.alembic_runner import upgrade_sqlite, upgrade_url
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

"""A real SQLite database with the real migrations, per test."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.daily import DailyRepository
from bot.store.database import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def daily_store(db: Database) -> DailyRepository:
    return DailyRepository(db)

"""Schedule tests run against a real SQLite file with the real migrations."""

import pytest

from bot.store.daily import DailyRepository
from bot.store.database import Database
from tests.store.fixtures import db

__all__ = ["daily_store", "db"]


@pytest.fixture
def daily_store(db: Database) -> DailyRepository:
    return DailyRepository(db)

"""The `db` fixture: a real SQLite file in tmp_path with the real migrations, per test.

Imported by the conftest of each test folder that needs it.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.database import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    try:
        yield database
    finally:
        await database.close()

"""Store fixtures: real databases with the real migrations, one per test.

- `db`: a SQLite file in tmp_path.
- `store_db`: the same test once on SQLite and once on PostgreSQL (a fresh database copied from
  the session's template, migrated with `upgrade_url` as `python -m bot migrate` does). Use it
  for every repository test, so that dialect mistakes show in the store suite.

Imported by the conftest of each test folder that needs them.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.alembic_runner import upgrade_url
from bot.store.database import Database

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(params=BACKENDS)
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where `store_db` opens: a SQLite path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "data" / "bot.sqlite3"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def store_db(database_target: Path | str) -> AsyncIterator[Database]:
    if isinstance(database_target, str):
        await upgrade_url(database_target)
    database = await Database.open(database_target)
    try:
        yield database
    finally:
        await database.close()

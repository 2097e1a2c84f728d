"""Store fixtures: real databases at the real migrations' head, one per test.

- `db`: a SQLite file in tmp_path.
- `store_db`: the same test once on SQLite and once on PostgreSQL. Use it for every repository
  test, so that dialect mistakes show in the store suite.

Each test's database is a copy of a template migrated once per session (per xdist worker):
SQLite's with `Database.open` (tests/sqlite_template.py), PostgreSQL's with `upgrade_url` as
`python -m bot migrate` does (tests/postgres.py). Migrating each test's own database cost
~0.35 s on SQLite and ~2.5 s on PostgreSQL; the migrations themselves are tested on new and old
databases in test_alembic.py and test_migrations.py.

Imported by the conftest of each test folder that needs them.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.database import Database
from tests.sqlite_template import copy_migrated_sqlite

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
async def db(tmp_path: Path, migrated_sqlite_template: Path) -> AsyncIterator[Database]:
    path = copy_migrated_sqlite(migrated_sqlite_template, tmp_path / "data" / "bot.sqlite3")
    database = await Database.open(path)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(params=BACKENDS)
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where `store_db` opens: a SQLite path holding a copy of the migrated template, or the URL
    of a fresh PostgreSQL database copied from the migrated template."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        return copy_migrated_sqlite(template, tmp_path / "data" / "bot.sqlite3")
    url: str = request.getfixturevalue("postgres_migrated_database")
    return url


@pytest.fixture
async def store_db(database_target: Path | str) -> AsyncIterator[Database]:
    database = await Database.open(database_target)
    try:
        yield database
    finally:
        await database.close()

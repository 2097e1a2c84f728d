"""A SQLite database migrated to head once per test session, for each test to copy.

`migrated_sqlite_template` (session; per xdist worker): a file that `Database.open` made and
migrated. `copy_migrated_sqlite(template, path)` puts a copy where a test's database goes:
opening the copy costs ~0.05 s, where migrating a new file costs ~0.35 s (five revisions, each
run through Alembic), and most tests want a database, not a migration. The migrations
themselves are tested on new and old files in tests/store (test_alembic.py,
test_migrations.py) and by the real bot processes of the e2e and reliability suites.
Registered as a plugin in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest


async def _migrate(path: Path) -> None:
    from bot.store.database import Database

    await (await Database.open(path)).close()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "bot.sqlite3"
    asyncio.run(_migrate(path))
    return path


def copy_migrated_sqlite(template: Path, path: Path) -> Path:
    """A copy of `template` at `path` (its folder made); a file already there is left alone."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
    return path

"""The numbered SQL migrations (the history before Alembic): statement splitting, atomic
files, clear errors, refusing a newer database. Alembic itself: test_alembic.py."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.store.alembic_runner import (
    ALEMBIC_USER_VERSION,
    LAST_NUMBERED,
    head_revision,
)
from bot.store.database import Database
from bot.store.migrations import (
    DEFAULT_MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    load_migrations,
    split_statements,
)


def _copy_real_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, folder)
    return folder


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    finally:
        conn.close()


def test_split_respects_strings_comments_and_triggers() -> None:
    text = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (a TEXT DEFAULT 'x;y');\n"
        "\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET a = 'z';\n"
        "  DELETE FROM t WHERE a = 'q';\n"
        "END;\n"
        "/* trailing */ INSERT INTO t VALUES ('last')\n"
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 4, 8]
    assert statements[0].sql == "CREATE TABLE t (a TEXT DEFAULT 'x;y');"
    assert statements[1].sql.endswith("END;")
    assert statements[2].sql.endswith("VALUES ('last')")
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement.sql)
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1


def test_shipped_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert all(m.statements for m in migrations)


def test_the_numbered_history_is_frozen_at_the_baseline() -> None:
    # New schema changes are Alembic revisions; the numbered files are the history old
    # databases were built with, and the baseline revision stands for exactly these two.
    assert [m.path.name for m in load_migrations()] == ["0001_init.sql", "0002_daily.sql"]
    assert LAST_NUMBERED == 2


async def test_a_failing_numbered_file_keeps_previous_version_and_names_file_and_statement(
    tmp_path: Path,
) -> None:
    # A database at version 1 is brought to 2 by the numbered runner before it is stamped; a
    # failure there keeps it at 1 and names the file and the statement.
    folder = _copy_real_migrations(tmp_path)
    path = tmp_path / "bot.sqlite3"
    first = load_migrations(folder)[0]
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in first.statements:
        conn.execute(statement.sql)
    conn.execute("PRAGMA user_version = 1")
    conn.close()

    second = folder / "0002_daily.sql"
    real = second.read_text()
    second.write_text(
        "CREATE TABLE half_done (id INTEGER);\n"
        "-- the next one refers to a table that does not exist\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(MigrationError) as err:
        await Database.open(path, migrations_dir=folder)
    message = str(err.value)
    assert second.name in message
    assert "statement 2 (line 3)" in message
    assert "no_such_table" in message
    assert _version(path) == 1
    assert "half_done" not in _tables(path)

    # Fixed, it applies on the next start, and the database is then stamped.
    second.write_text(real)
    async with await Database.open(path, migrations_dir=folder) as db:
        assert await db.schema_version() == ALEMBIC_USER_VERSION
        # Stamped at the baseline, then brought through every later revision.
        assert db.migration.stamped
        assert await db.schema_revision() == head_revision(folder)
    assert "daily_schedules" in _tables(path)


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(MigrationError, match="not made by this bot"):
        await Database.open(path)
    # Without the Alembic table: a numbered version beyond this code's.
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE alembic_version")
    conn.close()
    with pytest.raises(MigrationError, match="newer than this code"):
        await Database.open(path)


async def test_code_from_before_alembic_refuses_a_database_alembic_manages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(MigrationError, match="newer than this code knows"):
            apply_migrations(conn)  # what the bot before Alembic runs on start
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["0001_a.sql", "0001_b.sql"], "also used by"),
        (["1_a.sql"], "NNNN_name.sql"),
        (["0000_a.sql"], "start at 0001"),
    ],
)
def test_bad_migration_file_names(tmp_path: Path, names: list[str], problem: str) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=problem):
        load_migrations(tmp_path)

"""Migrations: statement splitting, atomic files, clear errors, refusing a newer database."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.store.database import Database
from bot.store.migrations import (
    DEFAULT_MIGRATIONS_DIR,
    MigrationError,
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


async def test_failing_migration_keeps_previous_version_and_names_file_and_statement(
    tmp_path: Path,
) -> None:
    folder = _copy_real_migrations(tmp_path)
    good = len(load_migrations(folder))
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path, migrations_dir=folder):
        pass
    assert _version(path) == good

    broken = folder / f"{good + 1:04d}_broken.sql"
    broken.write_text(
        "CREATE TABLE half_done (id INTEGER);\n"
        "-- the next one refers to a table that does not exist\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(MigrationError) as err:
        await Database.open(path, migrations_dir=folder)
    message = str(err.value)
    assert broken.name in message
    assert "statement 2 (line 3)" in message
    assert "no_such_table" in message
    assert _version(path) == good
    assert "half_done" not in _tables(path)

    # Fixed, it applies on the next start.
    broken.write_text("CREATE TABLE half_done (id INTEGER);\n")
    async with await Database.open(path, migrations_dir=folder) as db:
        assert await db.schema_version() == good + 1
    assert "half_done" in _tables(path)


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(MigrationError, match="newer than this code"):
        await Database.open(path)


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

"""Alembic, one history for SQLite and PostgreSQL: the baseline equals the numbered SQL's
schema, old databases are carried over with every row, a failing revision changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Inspector, create_engine, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.alembic_runner import (
    ALEMBIC_USER_VERSION,
    BASELINE,
    alembic_config,
    head_revision,
    upgrade_sqlite,
    upgrade_url,
)
from bot.store.database import Database
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR, MigrationError, apply_migrations
from bot.store.schema import metadata
from tests.store.old_migrations import scripts_up_to

SNOWFLAKE = 1_234_567_890_123_456_789  # needs 64 bits
HEAD = head_revision()
#: The revision files after the baseline, oldest first (0004: one delivery ledger).
LATER = tuple(sorted(p.name for p in (DEFAULT_MIGRATIONS_DIR / "versions").glob("*.py")))[1:]
G, U = SNOWFLAKE, SNOWFLAKE + 1
T = "2024-05-01T09:30:00.000000Z"

#: One row for every table the numbered SQL made, in an order the foreign key accepts.
ROWS: dict[str, dict[str, Any]] = {
    "progress": dict(
        guild_id=G, user_id=U, roadmap_id="py", topic_id="t1", status="done",
        started_at=T, updated_at=T, completed_at=T,
    ),
    "completions": dict(
        id=7, guild_id=G, user_id=U, roadmap_id="py", topic_id="t1", completed_at=T,
        local_date="2024-05-01",
    ),
    "member_settings": dict(
        guild_id=G, user_id=U, time_zone="Europe/Paris", hide_progress=1,
        followed_roadmap="py", reminder_time="09:00", reminder_time_zone=None, updated_at=T,
    ),
    "guild_settings": dict(
        guild_id=G, default_roadmap="py", time_zone="UTC", left_at=None, updated_at=T
    ),
    "stage_rewards": dict(guild_id=G, roadmap_id="py", stage_id="s1", role_id=SNOWFLAKE + 2),
    "meta": dict(key="commands_hash", value="abc"),
    "daily_schedules": dict(
        guild_id=G, channel_id=SNOWFLAKE + 3, local_time="09:00", time_zone="UTC",
        roadmap_id=None, ping_role_id=None, enabled=1, disabled_reason=None,
        next_date="2024-05-02", next_fire_at=T, cursor_roadmap_id="py", last_topic_id="t1",
        last_position=0, last_posted_date="2024-05-01", jump_topic_id=None, revision=3,
        created_at=T, updated_at=T,
    ),
    "daily_posts": dict(
        guild_id=G, local_date="2024-05-01", status="sent", channel_id=SNOWFLAKE + 3,
        roadmap_id="py", topic_id="t1", topic_position=0, ping_role_id=None,
        scheduled_for=T, claimed_at=T, attempts=1, first_attempt_at=T, finished_at=T,
        message_id=SNOWFLAKE + 4, error=None,
    ),
    "reminder_schedules": dict(
        guild_id=G, user_id=U, next_date="2024-05-02", next_fire_at=T, dm_channel_id=None
    ),
    "reminder_deliveries": dict(
        guild_id=G, user_id=U, local_date="2024-05-01", status="unknown", topic_id="t1",
        claimed_at=T, attempts=2, first_attempt_at=T, finished_at=None, message_id=None,
        error="crashed",
    ),
}  # fmt: skip


def _numbered_database(path: Path, version: int, *, rows: bool = True) -> None:
    """A database as the code before Alembic made it: the numbered SQL up to `version`."""
    folder = path.parent / f"numbered-{version}"
    folder.mkdir()
    for number, sql in enumerate(sorted(DEFAULT_MIGRATIONS_DIR.glob("*.sql")), start=1):
        if number <= version:
            shutil.copy(sql, folder)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        apply_migrations(conn, folder)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        if rows:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
            for table, row in ROWS.items():
                if table in tables:
                    _insert(conn, table, row)


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values()))


#: The tables revision 0004 replaced by `deliveries` (tests/store/test_ledger.py follows their
#: rows there); every other table of ROWS keeps its rows as they are.
OLD_LEDGERS = ("daily_posts", "reminder_deliveries")
KEPT = tuple(t for t in ROWS if t not in OLD_LEDGERS)


def _all_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table of ROWS the database has, and of `deliveries` when it has it.
    A table of ROWS is read by the columns ROWS gives it, so a later revision's new column
    (0005: `progress.checked_at`, `member_settings.reviews_enabled`) leaves them comparable."""
    with closing(sqlite3.connect(path)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
        wanted = [t for t in (*ROWS, "deliveries") if t in tables]
        columns = {t: ", ".join(ROWS[t]) if t in ROWS else "*" for t in wanted}
        return {t: conn.execute(f"SELECT {columns[t]} FROM {t}").fetchall() for t in wanted}


def _user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _revision(path: Path) -> str | None:
    with closing(sqlite3.connect(path)) as conn:
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:
            return None
        return rows[0][0] if rows else None


def _describe(inspector: Inspector) -> dict[str, dict[str, Any]]:
    """Tables, columns, keys, indexes and checks, normalised to plain comparable values."""
    described: dict[str, dict[str, Any]] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        described[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": [
                (f["constrained_columns"], f["referred_table"], f["referred_columns"], f["options"])
                for f in inspector.get_foreign_keys(table)
            ],
            "indexes": sorted(
                (
                    i["name"],
                    tuple(i["column_names"]),
                    bool(i["unique"]),
                    {k: str(v) for k, v in i.get("dialect_options", {}).items()},
                )
                for i in inspector.get_indexes(table)
            ),
            "checks": sorted(c["sqltext"] for c in inspector.get_check_constraints(table)),
            "unique": inspector.get_unique_constraints(table),
        }
    return described


def _sqlite_schema(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, bool]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            without_rowid = {
                name: "WITHOUT ROWID" in sql.upper()
                for name, sql in conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
                    " AND name != 'alembic_version'"
                )
            }
            return _describe(inspect(conn)), without_rowid
    finally:
        engine.dispose()


def test_the_baseline_builds_exactly_what_the_numbered_sql_built(tmp_path: Path) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    _numbered_database(old, 2, rows=False)
    upgrade_sqlite(new, scripts_up_to(tmp_path, "0003"))
    old_tables, old_rowid = _sqlite_schema(old)
    new_tables, new_rowid = _sqlite_schema(new)
    assert sorted(new_tables) == sorted(old_tables) == sorted(ROWS)
    for table in old_tables:
        for part in old_tables[table]:
            assert new_tables[table][part] == old_tables[table][part], (table, part)
    assert new_rowid == old_rowid
    assert old_rowid["completions"] is False and old_rowid["progress"] is True
    # The partial indexes and checks are really there (the comparison is not of two blanks).
    where = {"sqlite_where": "status = 'sending'"}
    unfinished = ("daily_posts_unfinished", ("claimed_at",), False, where)
    assert unfinished in new_tables["daily_posts"]["indexes"]
    assert new_tables["reminder_schedules"]["foreign keys"][0][3] == {"ondelete": "CASCADE"}
    assert len(new_tables["progress"]["checks"]) == 1


def _no_differences(connection: Connection) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match schema.py."""
    context = MigrationContext.configure(connection, opts={"compare_server_default": True})
    differences = []
    for diff in compare_metadata(context, metadata):
        changes = diff if isinstance(diff, list) else [diff]
        # SQLite reports a rowid alias (a lone INTEGER PRIMARY KEY) as nullable; it is never
        # NULL (inserting NULL assigns the next rowid), and schema.py says NOT NULL.
        kept = [c for c in changes if not _rowid_alias_nullability(connection, c)]
        differences.extend(kept)
    return differences


def _rowid_alias_nullability(connection: Connection, change: Any) -> bool:
    if connection.dialect.name != "sqlite" or change[0] != "modify_nullable":
        return False
    table, column = change[2], change[3]
    primary_key = metadata.tables[table].primary_key.columns
    return [c.name for c in primary_key] == [column] and str(
        change[4]["existing_type"]
    ) == "INTEGER"


def test_schema_module_matches_the_head_revision_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    upgrade_sqlite(path)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert _no_differences(conn) == []
    finally:
        engine.dispose()


async def test_alembic_upgrade_on_postgres(postgres_database: str) -> None:
    first = await upgrade_url(postgres_database)
    applied = ("0003_baseline.py", *LATER)
    assert (first.before, first.after, first.applied) == (None, HEAD, applied)
    again = await upgrade_url(postgres_database)
    assert (again.before, again.after, again.applied) == (HEAD, HEAD, ())

    engine = create_async_engine(postgres_database)
    try:
        async with engine.begin() as conn:
            assert await conn.run_sync(_no_differences) == []
            described = await conn.run_sync(lambda c: _describe(inspect(c)))
            assert sorted(described) == sorted(metadata.tables)
            assert ("guild_id", "BIGINT", False, None) in described["progress"]["columns"]
            partial = {i[0]: i[3] for i in described["member_settings"]["indexes"]}
            assert "hide_progress = 1" in partial["member_settings_hidden"]["postgresql_where"]
            # Every row of the SQLite test fits, 64-bit snowflakes and defaults included.
            for table, row in ((t, ROWS[t]) for t in KEPT):
                values = {
                    k: v for k, v in row.items() if not (table == "completions" and k == "id")
                }
                await conn.execute(metadata.tables[table].insert().values(**values))
            await conn.execute(
                text(
                    "INSERT INTO member_settings (guild_id, user_id, updated_at) VALUES (1, 2, 'x')"
                )
            )
            hidden = await conn.execute(
                text("SELECT hide_progress FROM member_settings WHERE user_id = 2")
            )
            assert hidden.scalar_one() == 0
            # The foreign key cascades on PostgreSQL too.
            await conn.execute(text("DELETE FROM member_settings WHERE user_id = :u"), {"u": U})
            left = await conn.execute(text("SELECT count(*) FROM reminder_schedules"))
            assert left.scalar_one() == 0
    finally:
        await engine.dispose()


async def test_a_failing_revision_on_postgres_leaves_the_database_untouched(
    postgres_database: str, tmp_path: Path
) -> None:
    folder = _scripts_with(tmp_path, BROKEN)
    with pytest.raises(MigrationError, match=r"9999_broken\.py: revision 9999 failed"):
        await upgrade_url(postgres_database, folder)
    engine = create_async_engine(postgres_database)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    assert tables == []  # not even the baseline: one transaction for the whole upgrade


@pytest.mark.parametrize("version", [1, 2])
async def test_a_database_of_the_numbered_sql_is_carried_over_with_every_row(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "bot.sqlite3"
    _numbered_database(path, version)
    before = _all_rows(path) if version == 2 else None
    async with await Database.open(path) as db:
        assert db.migration.stamped
        assert (db.migration.numbered_before, db.migration.after) == (version, HEAD)
        assert db.migration.applied == LATER  # stamped, not rebuilt
        assert await db.schema_revision() == HEAD
        assert await db.schema_version() == ALEMBIC_USER_VERSION
        # The writer's own SQL still works on the carried-over file.
        await db.write_sqlite(_insert, "meta", {"key": "after", "value": "open"})
    rows = _all_rows(path)
    if before is not None:
        assert {t: rows[t] for t in KEPT if t != "meta"} == {
            t: before[t] for t in KEPT if t != "meta"
        }
        assert all(before.values())  # a row in every table
        assert len(rows["deliveries"]) == 2  # the two old ledgers' rows, in the new one
        assert sorted(rows["meta"]) == sorted([*before["meta"], ("after", "open")])
    else:
        # 0001's tables kept their rows; 0002's were made by the numbered runner, then stamped.
        for table in ("progress", "completions", "member_settings", "guild_settings"):
            assert len(rows[table]) == 1, table
        assert rows["daily_schedules"] == []
    assert rows["progress"][0][:2] == (G, U)
    new = tmp_path / "fresh.sqlite3"
    upgrade_sqlite(new)
    assert _sqlite_schema(path) == _sqlite_schema(new)


BROKEN = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "HEAD"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("DELETE FROM progress")
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade() -> None:
    pass
"""


def _scripts_with(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "scripts"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9999_broken.py").write_text(source.replace('"HEAD"', f'"{HEAD}"'))
    return folder


@pytest.mark.parametrize(
    ("prepare", "revision", "user_version"),
    [
        (upgrade_sqlite, HEAD, ALEMBIC_USER_VERSION),
        (lambda p: _numbered_database(p, 2), None, 2),
    ],
    ids=["under Alembic", "carrying over the numbered SQL"],
)
async def test_a_failing_revision_leaves_the_old_version_and_every_row(
    tmp_path: Path, prepare: Callable[[Path], object], revision: str | None, user_version: int
) -> None:
    path = tmp_path / "bot.sqlite3"
    prepare(path)
    with closing(sqlite3.connect(path)) as conn:
        if revision is not None:
            _insert(conn, "progress", ROWS["progress"])
            conn.commit()
    before = _all_rows(path)
    folder = _scripts_with(tmp_path, BROKEN)
    with pytest.raises(MigrationError) as err:
        await Database.open(path, migrations_dir=folder)
    assert "9999_broken.py: revision 9999 failed" in str(err.value)
    assert "no_such_table" in str(err.value)
    assert _revision(path) == revision
    assert _user_version(path) == user_version
    assert _all_rows(path) == before and before["progress"]
    assert "half_done" not in _sqlite_schema(path)[0]

    # Fixed, it applies on the next start.
    (folder / "versions" / "9999_broken.py").write_text(
        BROKEN.replace('"HEAD"', f'"{HEAD}"')
        .replace('    op.execute("DELETE FROM progress")\n', "")
        .replace('op.execute("INSERT INTO no_such_table VALUES (1)")', "pass")
    )
    async with await Database.open(path, migrations_dir=folder) as db:
        assert db.migration.after == "9999"
        assert await db.schema_revision() == "9999"
    after = _all_rows(path)
    assert {t: after[t] for t in KEPT} == {t: before[t] for t in KEPT}


def test_refuses_a_revision_this_code_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    upgrade_sqlite(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
        conn.commit()
    with pytest.raises(MigrationError, match="newer than this code knows"):
        upgrade_sqlite(path)
    assert _revision(path) == "ffff"


def test_the_history_runs_from_the_baseline_through_the_deliveries_ledger() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [revision.revision for revision in script.walk_revisions()]  # newest first
    assert revisions[0] == HEAD and revisions[-1] == BASELINE and "0004" in revisions
    assert LATER[0] == "0004_deliveries.py"

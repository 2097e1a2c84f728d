"""Alembic without alembic.ini: the one migration history, for SQLite and PostgreSQL.

    result = upgrade_sqlite(path)                   # on start, on the writer thread
    result = await upgrade_url("postgresql+asyncpg://...")   # `migrate`, once per deploy

The history is `migrations/versions/`; the revision `0003` (the baseline) is the schema the
numbered SQL files `0001_init.sql` and `0002_daily.sql` built. A SQLite database those files
made is carried over with every row: at `PRAGMA user_version` 2 it is stamped at the baseline,
at 1 the numbered runner (`bot.store.migrations`) first brings it to 2. A new database runs the
baseline. Afterwards `user_version` is 3, so a bot from before Alembic refuses the database
("newer than this code knows") instead of writing to a schema it does not know.

Everything one upgrade does (stamping, every pending revision, the version bump) runs in one
transaction, `BEGIN IMMEDIATE` on SQLite: a failing revision leaves the database at the revision
(or numbered version) it had, and two processes starting at once never apply a revision twice.
SQLite migrations run with `foreign_keys` off (a batch-mode table rebuild drops the old table,
which would otherwise cascade deletes into the tables that refer to it) and check the keys with
`PRAGMA foreign_key_check` before committing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, pool
from sqlalchemy.exc import SQLAlchemyError

from bot.store.dialect import sqlite_engine
from bot.store.migrations import (
    DEFAULT_MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    schema_version,
)

#: The revision equal to the schema of the numbered SQL migrations.
BASELINE = "0003"
#: The last numbered SQL migration (`0002_daily.sql`).
LAST_NUMBERED = 2
#: `PRAGMA user_version` of a SQLite database under Alembic.
ALEMBIC_USER_VERSION = 3
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What one upgrade found and did."""

    before: str | None  # the Alembic revision before; None: not under Alembic yet
    after: str | None
    applied: tuple[str, ...]  # revision files run, oldest first, e.g. ("0003_baseline.py",)
    numbered_before: int = 0  # SQLite's user_version before (the numbered SQL migrations)
    stamped: bool = False  # carried over from the numbered SQL migrations

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(script_location: Path = DEFAULT_MIGRATIONS_DIR, **attributes: Any) -> Config:
    """A `Config` built in code: `script_location` and what env.py reads from `attributes`."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    config.attributes.update(attributes)
    return config


def head_revision(script_location: Path = DEFAULT_MIGRATIONS_DIR) -> str | None:
    return ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The database's Alembic revision, None when it has no version table (or no row)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_connection(
    connection: Connection,
    script_location: Path = DEFAULT_MIGRATIONS_DIR,
    *,
    stamp_baseline: bool = False,
) -> Upgrade:
    """Bring the database behind `connection` to the head revision.

    The connection must be inside a transaction the caller owns and commits (or rolls back on
    the `MigrationError` this raises, which names the revision file that failed).
    `stamp_baseline` marks a database the numbered SQL built as being at the baseline first.
    """
    if not connection.in_transaction():
        raise RuntimeError("upgrade_connection runs inside the caller's transaction")
    config = alembic_config(script_location, connection=connection)
    script = ScriptDirectory.from_config(config)
    before = current_revision(connection)
    if before is not None:
        try:
            script.get_revision(before)
        except CommandError as exc:
            raise MigrationError(
                f"the database is at revision {before}, which this code does not know "
                f"(newer than this code knows?); upgrade the bot instead"
            ) from exc
    start = before
    if stamp_baseline:
        if before is not None:
            raise MigrationError(f"cannot stamp a database already at revision {before}")
        command.stamp(config, BASELINE)
        start = BASELINE
    applied: list[str] = []
    for revision in _pending(script, start):
        name = Path(revision.path).name
        try:
            command.upgrade(config, revision.revision)
        except Exception as exc:
            raise MigrationError(f"{name}: revision {revision.revision} failed: {exc}") from exc
        applied.append(name)
    return Upgrade(before, current_revision(connection), tuple(applied), stamped=stamp_baseline)


def _pending(script: ScriptDirectory, current: str | None) -> Iterator[Script]:
    newest_first = [
        revision
        for revision in script.iterate_revisions("heads", current or "base")
        if isinstance(revision, Script) and revision.revision != current
    ]
    return reversed(newest_first)


# --- SQLite ---------------------------------------------------------------------------------


def numbered_version(path: Path) -> int:
    """`PRAGMA user_version` of the file (0 for a new or missing file)."""
    if not path.is_file():
        return 0
    with closing(sqlite3.connect(path)) as conn:
        return schema_version(conn)


def upgrade_sqlite(path: Path, script_location: Path = DEFAULT_MIGRATIONS_DIR) -> Upgrade:
    """Carry over or create the SQLite database at `path` and bring it to the head revision."""
    numbered_before = numbered_version(path)
    if 0 < numbered_before < LAST_NUMBERED:
        # Older than the baseline: the numbered runner finishes its own history first, one
        # committed file at a time as it always did.
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            apply_migrations(conn, script_location)
    engine = sqlite_engine(path, foreign_keys=False)
    try:
        with engine.connect() as connection, connection.begin():
            result = _upgrade_sqlite_in_transaction(connection, script_location)
    except SQLAlchemyError as exc:
        raise MigrationError(f"{path}: {exc}") from exc
    finally:
        engine.dispose()
    return Upgrade(
        result.before,
        result.after,
        result.applied,
        numbered_before=numbered_before,
        stamped=result.stamped,
    )


def _upgrade_sqlite_in_transaction(connection: Connection, script_location: Path) -> Upgrade:
    user_version = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
    under_alembic = inspect(connection).has_table(VERSION_TABLE)
    if under_alembic and user_version != ALEMBIC_USER_VERSION:
        raise MigrationError(
            f"the database has an Alembic version table but schema version {user_version}, "
            f"not {ALEMBIC_USER_VERSION}; it was not made by this bot"
        )
    if not under_alembic and user_version not in (0, LAST_NUMBERED):
        raise MigrationError(
            f"the database is at schema version {user_version}, newer than this code knows "
            f"({ALEMBIC_USER_VERSION} with an Alembic revision); upgrade the bot instead"
        )
    stamp = not under_alembic and user_version == LAST_NUMBERED
    result = upgrade_connection(connection, script_location, stamp_baseline=stamp)
    if user_version != ALEMBIC_USER_VERSION:
        # PRAGMA takes no parameters; the value is our own constant.
        connection.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION:d}")
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise MigrationError(f"the migrated schema breaks foreign keys: {broken[:5]}")
    return result


# --- PostgreSQL (or any async URL) -----------------------------------------------------------


async def upgrade_url(url: str, script_location: Path = DEFAULT_MIGRATIONS_DIR) -> Upgrade:
    """Bring the database at an async URL (`postgresql+asyncpg://...`) to the head revision,
    every revision in one transaction (PostgreSQL's DDL is transactional)."""
    from sqlalchemy.ext.asyncio import create_async_engine  # 0.25 s to import: not for SQLite

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(upgrade_connection, script_location)
    except SQLAlchemyError as exc:
        raise MigrationError(str(exc)) from exc
    finally:
        await engine.dispose()

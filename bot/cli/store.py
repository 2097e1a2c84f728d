"""`python -m bot migrate` and `python -m bot backup PATH`.

Exit codes: 0 done; 1 failure (a migration failed, no database to back up, SQLite error, a
PostgreSQL server out of reach); 2 bad usage (the backup PATH already exists: a backup never
overwrites anything; a backup asked of PostgreSQL, which pg_dump makes).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.store.alembic_runner import BASELINE, LAST_NUMBERED, Upgrade
from bot.store.backup import BackupError, BackupTargetExists, backup_database
from bot.store.database import Database
from bot.store.migrations import MigrationError


def run_migrate(db_path: Path) -> int:
    """Create the database if needed and apply pending migrations (Alembic); a database of
    the numbered SQL migrations is carried over first. Prints the revision before -> after."""
    try:
        result = asyncio.run(_migrate(db_path))
    except MigrationError as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        print(f"The database {db_path} was left at its previous version.", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        print(f"Cannot open the database {db_path}: {exc}", file=sys.stderr)
        return 1
    print(describe_upgrade(str(db_path), result))
    return 0


def run_migrate_url(url: str, where: str) -> int:
    """`python -m bot migrate` with DATABASE_URL: every pending revision in one PostgreSQL
    transaction (all or none), once per deploy; the bot itself never migrates PostgreSQL."""
    from bot.store.alembic_runner import upgrade_url

    try:
        result = asyncio.run(upgrade_url(url))
    except MigrationError as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        print(f"The database {where} was left at its previous version.", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        print(f"Cannot open the database {where}: {exc}", file=sys.stderr)
        return 1
    print(describe_upgrade(where, result))
    return 0


def describe_upgrade(where: str, result: Upgrade) -> str:
    if not result.changed and not result.applied:
        return f"{where} is up to date (Alembic revision {result.after})."
    before = result.before or "(none)"
    applied = f" ({', '.join(result.applied)})" if result.applied else ""
    line = f"{where}: Alembic revision {before} -> {result.after}{applied}"
    if result.stamped:
        numbered = f"{result.numbered_before}"
        if result.numbered_before < LAST_NUMBERED:
            numbered += f" -> {LAST_NUMBERED}"
        line += f", carried over from numbered SQL schema version {numbered} (stamped {BASELINE})"
    return line + "."


async def _migrate(db_path: Path) -> Upgrade:
    async with await Database.open(db_path, readers=1) as db:
        return db.migration


def run_backup(db_path: Path, target: Path) -> int:
    """Online backup of `db_path` to the new file `target`, safe while the bot runs."""
    try:
        backup_database(db_path, target)
    except BackupTargetExists as exc:
        print(f"Backup refused: {exc}", file=sys.stderr)
        return 2
    except (BackupError, OSError, sqlite3.Error, SQLAlchemyError) as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {db_path} to {target} ({target.stat().st_size} bytes).")
    return 0

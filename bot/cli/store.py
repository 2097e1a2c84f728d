"""`python -m bot migrate` and `python -m bot backup PATH`.

Exit codes: 0 done; 1 failure (a migration failed, no database to back up, SQLite error);
2 bad usage (the backup PATH already exists: a backup never overwrites anything).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from bot.store.backup import BackupError, BackupTargetExists, backup_database
from bot.store.database import Database
from bot.store.migrations import MigrationError, load_migrations


def run_migrate(db_path: Path) -> int:
    """Create the database if needed and apply pending migrations."""
    try:
        before, after = asyncio.run(_migrate(db_path))
    except MigrationError as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        print(f"The database {db_path} was left at its previous version.", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:
        print(f"Cannot open the database {db_path}: {exc}", file=sys.stderr)
        return 1
    if before == after:
        print(f"{db_path} is up to date (schema version {after}).")
    else:
        names = [m.path.name for m in load_migrations() if before < m.version <= after]
        print(f"{db_path}: schema version {before} -> {after} ({', '.join(names)}).")
    return 0


async def _migrate(db_path: Path) -> tuple[int, int]:
    before = _version_on_disk(db_path)
    async with await Database.open(db_path, readers=1) as db:
        return before, await db.schema_version()


def _version_on_disk(db_path: Path) -> int:
    if not db_path.is_file():
        return 0
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def run_backup(db_path: Path, target: Path) -> int:
    """Online backup of `db_path` to the new file `target`, safe while the bot runs."""
    try:
        backup_database(db_path, target)
    except BackupTargetExists as exc:
        print(f"Backup refused: {exc}", file=sys.stderr)
        return 2
    except (BackupError, OSError, sqlite3.Error) as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {db_path} to {target} ({target.stat().st_size} bytes).")
    return 0

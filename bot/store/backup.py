"""Online backup through SQLite's backup API: safe while the bot is writing."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from bot.store.dialect import BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup could not be made; the message says why."""


class BackupTargetExists(BackupError):
    """The target path already exists; a backup never overwrites anything."""


def backup_database(source: Path, target: Path) -> None:
    """Copy the database at `source` to the new file `target`, consistently, while the bot
    may keep writing. The copy is a single self-contained file (rollback journal mode).

    Written to a temporary file first and linked into place, so `target` never holds a
    partial copy and an existing file is never replaced.
    """
    if target.exists() or target.is_symlink():
        raise BackupTargetExists(f"{target} already exists; choose a new path")
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        try:
            os.link(partial, target)  # fails if target appeared meanwhile: never clobber
        except FileExistsError:
            raise BackupTargetExists(f"{target} already exists; choose a new path") from None
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: Path, partial: Path) -> None:
    # The source is opened read-only in spirit: no migrations, no pragmas that write.
    src = sqlite3.connect(source, isolation_level=None)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            # One step: in WAL mode the copy reads a snapshot and writers carry on meanwhile;
            # copying in several steps would restart whenever the bot commits in between.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
        finally:
            dst.close()
    finally:
        with contextlib.suppress(sqlite3.Error):
            src.close()

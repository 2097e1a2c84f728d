"""Schema migrations: `migrations/NNNN_name.sql`, each applied atomically with its user_version.

Statements are run one by one inside `BEGIN IMMEDIATE` (never `executescript`, which commits
first), so a failing file leaves the database at the version before it, and the error names the
file, the statement and its line.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

#: The folder shipped with the project, beside `bot/`.
DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

_FILE_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """A migration could not be loaded or applied; the message names the file and statement."""


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    line: int  # 1-based line of the statement's first SQL text in its file


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    path: Path
    statements: tuple[Statement, ...]


def split_statements(text: str) -> list[Statement]:
    """Split SQL text into complete statements, respecting strings, comments and triggers."""
    statements: list[Statement] = []
    buffer = ""
    start = 0
    position = 0
    pieces = text.split(";")
    for index, piece in enumerate(pieces):
        # Every piece but the last was followed by a ";" in the text.
        chunk = piece if index == len(pieces) - 1 else piece + ";"
        buffer += chunk
        position += len(chunk)
        if sqlite3.complete_statement(buffer):
            _append(statements, buffer, text, start)
            buffer = ""
            start = position
    _append(statements, buffer, text, start)  # a last statement without ";" (or only comments)
    return statements


def _append(statements: list[Statement], sql: str, text: str, start: int) -> None:
    lines = sql.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            first_line = text.count("\n", 0, start) + index + 1
            statements.append(Statement("\n".join(lines[index:]).strip(), first_line))
            return


def load_migrations(folder: Path = DEFAULT_MIGRATIONS_DIR) -> list[Migration]:
    """Every `NNNN_name.sql` in `folder`, ordered; refuses duplicate or unnumbered files."""
    if not folder.is_dir():
        raise MigrationError(f"migrations folder {folder} does not exist")
    migrations: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        version = int(match[1])
        if version == 0:
            raise MigrationError(f"{path.name}: migration numbers start at 0001")
        if version in migrations:
            raise MigrationError(
                f"{path.name}: number {version:04d} is also used by {migrations[version].path.name}"
            )
        text = path.read_text(encoding="utf-8")
        migrations[version] = Migration(version, path, tuple(split_statements(text)))
    return [migrations[v] for v in sorted(migrations)]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(
    conn: sqlite3.Connection, folder: Path = DEFAULT_MIGRATIONS_DIR
) -> list[Migration]:
    """Apply every migration newer than the database; returns those applied.

    `conn` must be in autocommit mode (`isolation_level=None`). Each file runs in its own
    `BEGIN IMMEDIATE` transaction, re-reading the version inside it, so two processes starting
    at once never apply the same file twice.
    """
    migrations = load_migrations(folder)
    known = migrations[-1].version if migrations else 0
    applied: list[Migration] = []
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > known:
                raise MigrationError(
                    f"the database is at schema version {current}, newer than this code "
                    f"knows ({known}); upgrade the bot instead"
                )
            if migration.version <= current:
                conn.execute("ROLLBACK")
                continue
            for number, statement in enumerate(migration.statements, start=1):
                try:
                    conn.execute(statement.sql)
                except sqlite3.Error as exc:
                    first = statement.sql.splitlines()[0]
                    raise MigrationError(
                        f"{migration.path.name}: statement {number} (line {statement.line}) "
                        f"failed: {exc}: {first}"
                    ) from exc
            # PRAGMA takes no parameters; the version is an int we parsed ourselves.
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied

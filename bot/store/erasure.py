"""Whole-member and whole-server data: export and deletion.

Deletion finds its tables in the schema itself (every table with a `guild_id` column, and
`user_id` for a member), so tables added by later migrations are covered without edits here.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.store.codec import encode_time
from bot.store.database import Database


def _tables_with(conn: sqlite3.Connection, *columns: str) -> list[str]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    found = []
    for table in tables:
        names = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if all(c in names for c in columns):
            found.append(table)
    return found


def _delete_member(conn: sqlite3.Connection, guild_id: int, user_id: int) -> dict[str, int]:
    deleted = {}
    for table in _tables_with(conn, "guild_id", "user_id"):
        cursor = conn.execute(
            f'DELETE FROM "{table}" WHERE guild_id = ? AND user_id = ?', (guild_id, user_id)
        )
        deleted[table] = cursor.rowcount
    return deleted


def _delete_server(
    conn: sqlite3.Connection, guild_id: int, left_before: str | None
) -> dict[str, int] | None:
    if left_before is not None:
        # Checked inside the transaction: a server the bot rejoined meanwhile keeps its data.
        row = conn.execute(
            "SELECT 1 FROM guild_settings WHERE guild_id = ? AND left_at < ?",
            (guild_id, left_before),
        ).fetchone()
        if row is None:
            return None
    deleted = {}
    for table in _tables_with(conn, "guild_id"):
        cursor = conn.execute(f'DELETE FROM "{table}" WHERE guild_id = ?', (guild_id,))
        deleted[table] = cursor.rowcount
    return deleted


def _member_rows(conn: sqlite3.Connection, guild_id: int, user_id: int) -> dict[str, list[dict]]:
    # Runs on the writer so the export is one consistent snapshot across tables.
    exported: dict[str, list[dict[str, Any]]] = {}
    for table in _tables_with(conn, "guild_id", "user_id"):
        cursor = conn.execute(
            f'SELECT * FROM "{table}" WHERE guild_id = ? AND user_id = ? ORDER BY rowid'
            if _has_rowid(conn, table)
            else f'SELECT * FROM "{table}" WHERE guild_id = ? AND user_id = ?',
            (guild_id, user_id),
        )
        names = [d[0] for d in cursor.description]
        exported[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    return exported


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[0]
    return "WITHOUT ROWID" not in sql.upper()


class MemberDataRepository:
    """Everything stored about one member in one server, or one whole server."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, guild_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Table name -> that member's rows as column dicts (one consistent snapshot)."""
        return await self._db.write_sqlite(_member_rows, guild_id, user_id)

    async def delete_member(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Delete every row of the member in the server; table name -> rows deleted."""
        return await self._db.write_sqlite(_delete_member, guild_id, user_id)

    async def delete_server(
        self, guild_id: int, *, left_before: datetime | None = None
    ) -> dict[str, int] | None:
        """Delete every row of the server; table name -> rows deleted. With `left_before`,
        only if the bot left the server before then (None when it did not)."""
        cutoff = None if left_before is None else encode_time(left_before)
        return await self._db.write_sqlite(_delete_server, guild_id, cutoff)

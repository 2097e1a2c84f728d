"""Whole-member and whole-server data: export and deletion (forget-me, and a server's data 30
days after the bot left it).

What is erased is listed here, table by table, rather than found in the database: a table added
to `bot/store/schema.py` must be added to the lists below, and tests/store/test_erasure.py fails
until it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select

from bot.store import schema
from bot.store.codec import encode_time
from bot.store.database import Database
from bot.store.dialect import read_one_snapshot

#: Every table holding a member's rows -> the column holding the member's id (the server's is
#: `guild_id` in each). Forget-me deletes, and the export reads, exactly these rows. Children
#: come before the table their foreign key names, so each count is of rows this deletion
#: removed (not rows a cascade removed first).
MEMBER_ROWS: dict[Table, Column[int]] = {
    schema.progress: schema.progress.c.user_id,
    schema.completions: schema.completions.c.user_id,
    schema.review_cards: schema.review_cards.c.user_id,
    schema.member_scores: schema.member_scores.c.user_id,  # summaries (bot/store/summaries.py)
    schema.period_scores: schema.period_scores.c.user_id,
    schema.reward_grants: schema.reward_grants.c.user_id,
    schema.deliveries: schema.deliveries.c.subject_id,  # a reminder's subject: the member
    schema.reminder_schedules: schema.reminder_schedules.c.user_id,
    schema.member_settings: schema.member_settings.c.user_id,
}

#: Every table holding a server's rows (by `guild_id`): the member tables and the server's own.
#: `guild_settings` comes last: it records when the bot left, which decides the deletion.
SERVER_TABLES: tuple[Table, ...] = (
    *MEMBER_ROWS,
    schema.daily_schedules,
    schema.stage_rewards,
    schema.weekly_schedules,
    schema.moderator_notices,
    schema.period_heads,  # after period_scores (a member table): the periods kept
    schema.member_counts,
    schema.period_counts,
    schema.summary_builds,
    schema.guild_settings,
)


def _delete_member(conn: Connection, guild_id: int, user_id: int) -> dict[str, int]:
    deleted = {}
    for table, member in MEMBER_ROWS.items():
        statement = delete(table).where(table.c.guild_id == guild_id, member == user_id)
        deleted[table.name] = conn.execute(statement).rowcount
    return deleted


def _delete_server(
    conn: Connection, guild_id: int, left_before: str | None
) -> dict[str, int] | None:
    if left_before is not None:
        # Checked inside the transaction: a server the bot rejoined meanwhile keeps its data.
        # The row is locked (PostgreSQL) so a rejoin waits for the deletion to finish.
        server = schema.guild_settings.c
        left = conn.scalar(
            select(server.guild_id)
            .where(server.guild_id == guild_id, server.left_at < left_before)
            .with_for_update()
        )
        if left is None:
            return None
    deleted = {}
    for table in SERVER_TABLES:
        deleted[table.name] = conn.execute(
            delete(table).where(table.c.guild_id == guild_id)
        ).rowcount
    return deleted


def _member_export(conn: Connection, guild_id: int, user_id: int) -> dict[str, list[dict]]:
    # Runs as a write so that the export is one consistent snapshot across tables (a SQLite
    # reader runs each statement on its own; PostgreSQL is asked for it).
    read_one_snapshot(conn)
    exported: dict[str, list[dict[str, Any]]] = {}
    for table, member in sorted(MEMBER_ROWS.items(), key=lambda item: item[0].name):
        statement = (
            select(table)
            .where(table.c.guild_id == guild_id, member == user_id)
            .order_by(*table.primary_key.columns)
        )
        exported[table.name] = [dict(row) for row in conn.execute(statement).mappings()]
    return exported


class MemberDataRepository:
    """Everything stored about one member in one server, or one whole server."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, guild_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Table name -> that member's rows as column dicts (one consistent snapshot)."""
        return await self._db.write(_member_export, guild_id, user_id)

    async def delete_member(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Delete every row of the member in the server; table name -> rows deleted."""
        return await self._db.write(_delete_member, guild_id, user_id)

    async def delete_server(
        self, guild_id: int, *, left_before: datetime | None = None
    ) -> dict[str, int] | None:
        """Delete every row of the server; table name -> rows deleted. With `left_before`,
        only if the bot left the server before then (None when it did not)."""
        cutoff = None if left_before is None else encode_time(left_before)
        return await self._db.write(_delete_server, guild_id, cutoff)

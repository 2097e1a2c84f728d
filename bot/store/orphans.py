"""Progress stored under ids that left the content: counted after each reload, never deleted.

Such rows stay in the store so that they count again when the id comes back (or when a topic
claims it with `replaces`). A reload reports how many members have any.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import Connection, bindparam, func, select, tuple_

from bot.store.database import Database
from bot.store.schema import progress

_row = progress.c

# The known (roadmap, topic) pairs travel as one expanding parameter: a row-value NOT IN list
# (SQLite sends it as `VALUES (?, ?), ...` and builds a temporary index on it once per query;
# PostgreSQL hashes the list). An empty list means every row is an orphan.
_MEMBERS_WITH_ORPHANS = select(func.count()).select_from(
    select(_row.guild_id, _row.user_id)
    .where(tuple_(_row.roadmap_id, _row.topic_id).not_in(bindparam("known", expanding=True)))
    .distinct()
    .subquery()
)


def _count_members(conn: Connection, pairs: list[tuple[str, str]]) -> int:
    return int(conn.scalar(_MEMBERS_WITH_ORPHANS, {"known": pairs}) or 0)


class OrphanedProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count_members(self, known: Mapping[str, Collection[str]]) -> int:
        """How many (server, member) pairs have progress on an id not in `known` (roadmap id ->
        the ids whose progress counts: live topic ids and the old ids they replace). Progress
        in a roadmap missing from `known` counts as well."""
        pairs = [(roadmap_id, topic_id) for roadmap_id, ids in known.items() for topic_id in ids]
        return await self._db.read(_count_members, pairs)

"""Progress stored under ids that left the content: counted after each reload, never deleted.

Such rows stay in the store so that they count again when the id comes back (or when a topic
claims it with `replaces`). A reload reports how many members have any.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from bot.store.database import Database

# The known ids travel as one JSON array of "roadmap topic" strings: one parameter whatever the
# size of the content (SQLite limits the number of parameters), and SQLite builds a temporary
# index for the IN list once per query. Content ids are lowercase-kebab, so a space cannot
# occur inside one.
_MEMBERS_WITH_ORPHANS = """
    SELECT COUNT(*) FROM (
        SELECT DISTINCT guild_id, user_id FROM progress
        WHERE roadmap_id || ' ' || topic_id NOT IN (SELECT value FROM json_each(?))
    )
"""


class OrphanedProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count_members(self, known: Mapping[str, Collection[str]]) -> int:
        """How many (server, member) pairs have progress on an id not in `known` (roadmap id ->
        the ids whose progress counts: live topic ids and the old ids they replace). Progress
        in a roadmap missing from `known` counts as well."""
        pairs = [
            f"{roadmap_id} {topic_id}" for roadmap_id, ids in known.items() for topic_id in ids
        ]
        row = await self._db.fetchone(_MEMBERS_WITH_ORPHANS, (json.dumps(pairs),))
        return int(row[0]) if row else 0

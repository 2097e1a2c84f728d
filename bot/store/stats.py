"""Server-wide aggregates: leaderboards (all time or since an instant) and the stage funnel.

Content ids are passed in as a small VALUES table mapping each stored id (live ids and the old
ids they replace) to what it counts for, so ids that left the content are ignored and an old id
plus its successor count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.codec import encode_time
from bot.store.database import Database


@dataclass(frozen=True, slots=True)
class Score:
    user_id: int
    count: int
    rank: int  # 1-based; equal counts share a rank


def _values(mapping: Mapping[str, Any]) -> tuple[str, list[Any]]:
    if not mapping:
        return "SELECT NULL, NULL WHERE 0", []
    params: list[Any] = []
    for key, value in mapping.items():
        params += [key, value]
    return "VALUES " + ", ".join(["(?, ?)"] * len(mapping)), params


# CROSS JOIN keeps the progress/completions index as the outer loop (SQLite does not reorder
# it): one pass over the server's rows, each looked up in the small id table.
_RANKED = """
WITH ids(topic_id, live_id) AS ({values}),
scores AS (
    SELECT s.user_id AS user_id, COUNT(DISTINCT ids.live_id) AS n
    FROM {source} AS s CROSS JOIN ids ON ids.topic_id = s.topic_id
    WHERE s.guild_id = ? AND s.roadmap_id = ? AND {condition}
    GROUP BY s.user_id
),
ranked AS (
    SELECT user_id, n,
        RANK() OVER (ORDER BY n DESC) AS r,
        ROW_NUMBER() OVER (ORDER BY n DESC, user_id) AS rn
    FROM scores
    WHERE user_id NOT IN (
        SELECT user_id FROM member_settings WHERE guild_id = ? AND hide_progress = 1)
)
SELECT user_id, n, r FROM ranked WHERE rn <= ? OR user_id = ? ORDER BY rn
"""


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def leaderboard(
        self,
        guild_id: int,
        roadmap_id: str,
        live_of: Mapping[str, str],
        *,
        since: datetime | None,
        caller_id: int,
        limit: int,
    ) -> tuple[list[Score], Score | None]:
        """The top `limit` visible members by topics done (all time when `since` is None: the
        current status; else completions logged since then), and the caller's own score (None
        when the caller has none or hides their progress)."""
        values, params = _values(live_of)
        if since is None:
            source, condition, extra = "progress", "s.status = 'done'", []
        else:
            source, condition, extra = "completions", "s.completed_at >= ?", [encode_time(since)]
        sql = _RANKED.format(values=values, source=source, condition=condition)
        rows = await self._db.fetchall(
            sql, (*params, guild_id, roadmap_id, *extra, guild_id, limit, caller_id)
        )
        scores = [Score(int(r[0]), int(r[1]), int(r[2])) for r in rows]
        top = scores[:limit]
        caller = next((s for s in scores if s.user_id == caller_id), None)
        return top, caller

    async def furthest_stages(
        self, guild_id: int, roadmap_id: str, stage_of: Mapping[str, int]
    ) -> dict[int, int]:
        """Stage position -> how many members' furthest progress (any status) is in that stage."""
        values, params = _values(stage_of)
        rows = await self._db.fetchall(
            f"WITH ids(topic_id, stage) AS ({values}),"
            " furthest AS (SELECT p.user_id, MAX(ids.stage) AS stage"
            "   FROM progress AS p CROSS JOIN ids ON ids.topic_id = p.topic_id"
            "   WHERE p.guild_id = ? AND p.roadmap_id = ? GROUP BY p.user_id)"
            " SELECT stage, COUNT(*) FROM furthest GROUP BY stage",
            (*params, guild_id, roadmap_id),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def active_members(self, guild_id: int, roadmap_id: str, since: datetime) -> int:
        """Members who completed a topic of the roadmap since `since`."""
        row = await self._db.fetchone(
            "SELECT COUNT(DISTINCT user_id) FROM completions"
            " WHERE guild_id = ? AND roadmap_id = ? AND completed_at >= ?",
            (guild_id, roadmap_id, encode_time(since)),
        )
        return int(row[0]) if row else 0

"""Server-wide aggregates: leaderboards (all time or since an instant) and the stage funnel.

Content ids come in as mappings from each stored id (live ids and the old ids they replace) to
what it counts for. Only those ids are read (`IN` lists, which SQLite searches through an
index), so ids that left the content are ignored, and an old id plus its successor count once.
"""

from __future__ import annotations

from collections import defaultdict
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


def _in_list(ids: list[str]) -> str:
    return f"({', '.join('?' * len(ids))})" if ids else "(NULL)"


def _live_expression(live_of: Mapping[str, str]) -> tuple[str, list[Any]]:
    """SQL for "the live id this row counts for" and its parameters."""
    renamed = [(old, new) for old, new in live_of.items() if old != new]
    if not renamed:
        return "s.topic_id", []
    params: list[Any] = []
    for old, new in renamed:
        params += [old, new]
    return f"CASE s.topic_id {' '.join(['WHEN ? THEN ?'] * len(renamed))} ELSE s.topic_id END", (
        params
    )


# The source's index is named: on period queries SQLite otherwise tends to pick the per-member
# index and read the server's whole history. One pass over the server's rows, grouped by member.
_RANKED = """
WITH scores AS (
    SELECT s.user_id AS user_id, COUNT(DISTINCT {live}) AS n
    FROM {source}
    WHERE s.guild_id = ? AND s.roadmap_id = ? AND {condition} AND s.topic_id IN {ids}
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
        live, live_params = _live_expression(live_of)
        ids = list(live_of)
        if since is None:
            source = "progress AS s INDEXED BY progress_by_roadmap_status"
            condition, extra = "s.status = 'done'", []
        else:
            source = "completions AS s INDEXED BY completions_by_roadmap_time"
            condition, extra = "s.completed_at >= ?", [encode_time(since)]
        sql = _RANKED.format(live=live, source=source, condition=condition, ids=_in_list(ids))
        rows = await self._db.fetchall(
            sql,
            (*live_params, guild_id, roadmap_id, *extra, *ids, guild_id, limit, caller_id),
        )
        scores = [Score(int(r[0]), int(r[1]), int(r[2])) for r in rows]
        top = scores[:limit]
        caller = next((s for s in scores if s.user_id == caller_id), None)
        return top, caller

    async def furthest_stages(
        self, guild_id: int, roadmap_id: str, stage_of: Mapping[str, int]
    ) -> dict[int, int]:
        """Stage position -> how many members' furthest progress (any status) is in that stage."""
        by_stage: dict[int, list[str]] = defaultdict(list)
        for topic_id, stage in stage_of.items():
            by_stage[stage].append(topic_id)
        order = sorted(by_stage)
        stage_expr = " ".join(f"WHEN topic_id IN {_in_list(by_stage[s])} THEN {s:d}" for s in order)
        params = [topic_id for s in order for topic_id in by_stage[s]]
        if not params:
            return {}
        rows = await self._db.fetchall(
            "WITH furthest AS ("
            f" SELECT user_id, MAX(CASE {stage_expr} END) AS stage FROM progress"
            " WHERE guild_id = ? AND roadmap_id = ? AND topic_id IN"
            f" {_in_list(list(stage_of))} GROUP BY user_id)"
            " SELECT stage, COUNT(*) FROM furthest GROUP BY stage",
            (*params, guild_id, roadmap_id, *stage_of),
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

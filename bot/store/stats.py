"""Server-wide aggregates: leaderboards (all time or since an instant) and the stage funnel.

Content ids come in as mappings from each stored id (live ids and the old ids they replace) to
what it counts for. Only those ids are read (`IN` lists, which both databases search through
an index), so ids that left the content are ignored, and an old id plus its successor count once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    case,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from bot.records import DONE, Score
from bot.store.codec import encode_time
from bot.store.database import Database
from bot.store.schema import completions, member_settings, progress


def _live_id(topic_id: ColumnElement[str], live_of: Mapping[str, str]) -> ColumnElement[str]:
    """The live id a stored id counts for (itself unless an old id was renamed)."""
    renamed = {old: new for old, new in live_of.items() if old != new}
    if not renamed:
        return topic_id
    return case(renamed, value=topic_id, else_=topic_id)


def not_an_index_column(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`+column`: the same value, but no longer a column an index can deliver in order.

    Grouping a period's completions by member, SQLite would otherwise walk the per-member
    index (`completions_by_member_day`), which hands rows over grouped by member, and so
    read the server's whole history; grouping by `+user_id` leaves it the index that finds
    the period's rows (`completions_by_roadmap_time`), as its planner then rightly prefers.
    PostgreSQL reads `+` as the identity on integers."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _ranked(
    scores_source: Select[Any], guild_id: int, caller_id: int, limit: int
) -> Select[int, int, int]:
    """The top `limit` of `scores_source` (user_id, n) and the caller, hidden members left out."""
    scores = scores_source.cte("scores")
    # `= 1` as a literal: the partial index `member_settings_hidden` is for that condition.
    hidden = select(member_settings.c.user_id).where(
        member_settings.c.guild_id == guild_id,
        member_settings.c.hide_progress == literal_column("1"),
    )
    ranked = (
        select(
            scores.c.user_id,
            scores.c.n,
            func.rank().over(order_by=scores.c.n.desc()).label("r"),
            func.row_number().over(order_by=(scores.c.n.desc(), scores.c.user_id)).label("rn"),
        )
        .where(scores.c.user_id.not_in(hidden))
        .cte("ranked")
    )
    return (
        select(ranked.c.user_id, ranked.c.n, ranked.c.r)
        .where(or_(ranked.c.rn <= limit, ranked.c.user_id == caller_id))
        .order_by(ranked.c.rn)
    )


def _all_time_scores(guild_id: int, roadmap_id: str, live_of: Mapping[str, str]) -> Select[Any]:
    # One pass over the server's progress by its primary key (server, member, ...), which
    # hands the rows over grouped by member. Only while a server's summary rows are built
    # (bot/store/summaries.py); the index by status that made it faster cost every mark two
    # page writes and is gone (0009).
    row = progress.c
    return (
        select(row.user_id, func.count(distinct(_live_id(row.topic_id, live_of))).label("n"))
        .where(
            row.guild_id == guild_id,
            row.roadmap_id == roadmap_id,
            row.status == DONE,
            row.topic_id.in_(list(live_of)),
        )
        .group_by(row.user_id)
    )


def _period_scores(
    guild_id: int, roadmap_id: str, live_of: Mapping[str, str], since: str
) -> Select[Any]:
    log = completions.c
    member = not_an_index_column(log.user_id)
    return (
        select(
            member.label("user_id"),
            func.count(distinct(_live_id(log.topic_id, live_of))).label("n"),
        )
        .where(
            log.guild_id == guild_id,
            log.roadmap_id == roadmap_id,
            log.completed_at >= since,
            log.topic_id.in_(list(live_of)),
        )
        .group_by(member)
    )


def _scores(conn: Connection, statement: Select[int, int, int]) -> list[Score]:
    return [Score(int(user), int(n), int(rank)) for user, n, rank in conn.execute(statement)]


def _furthest_stages(
    conn: Connection, guild_id: int, roadmap_id: str, by_stage: dict[int, list[str]]
) -> dict[int, int]:
    row = progress.c
    stage = case(
        *((row.topic_id.in_(ids), literal(position)) for position, ids in sorted(by_stage.items()))
    )
    furthest = (
        select(row.user_id, func.max(stage).label("stage"))
        .where(
            row.guild_id == guild_id,
            row.roadmap_id == roadmap_id,
            row.topic_id.in_([topic_id for ids in by_stage.values() for topic_id in ids]),
        )
        .group_by(row.user_id)
        .cte("furthest")
    )
    counts = select(furthest.c.stage, func.count()).group_by(furthest.c.stage)
    return {int(position): int(members) for position, members in conn.execute(counts)}


def _active_members(conn: Connection, guild_id: int, roadmap_id: str, since: str) -> int:
    log = completions.c
    count = select(func.count(distinct(log.user_id))).where(
        log.guild_id == guild_id, log.roadmap_id == roadmap_id, log.completed_at >= since
    )
    return int(conn.scalar(count) or 0)


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
        if since is None:
            source = _all_time_scores(guild_id, roadmap_id, live_of)
        else:
            source = _period_scores(guild_id, roadmap_id, live_of, encode_time(since))
        scores = await self._db.read(_scores, _ranked(source, guild_id, caller_id, limit))
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
        if not by_stage:
            return {}
        return await self._db.read(_furthest_stages, guild_id, roadmap_id, dict(by_stage))

    async def active_members(self, guild_id: int, roadmap_id: str, since: datetime) -> int:
        """Members who completed a topic of the roadmap since `since`."""
        return await self._db.read(_active_members, guild_id, roadmap_id, encode_time(since))

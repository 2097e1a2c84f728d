"""Server-wide views: the leaderboard (all time, this month, this week) and moderator stats.

Periods follow the server's time zone (else UTC); weeks start on Monday. Members who hide
their progress are left out of the leaderboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import InvalidPeriod
from bot.roadmap.model import Roadmap, Stage
from bot.services.clock import Clock
from bot.services.timezones import local_date, localize, month_start, week_start, zone_or_utc
from bot.store.database import Database
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from bot.store.stats import Score, StatsRepository

DEFAULT_LIMIT = 10


class Period(StrEnum):
    ALL = "all"
    MONTH = "month"
    WEEK = "week"


def parse_period(text: str | None) -> Period:
    """`all` (also empty), `month` or `week`, any case; InvalidPeriod else."""
    cleaned = (text or "all").strip().lower()
    try:
        return Period(cleaned)
    except ValueError:
        raise InvalidPeriod(text or "") from None


def period_start(period: Period, now: datetime, zone: ZoneInfo) -> tuple[date, datetime] | None:
    """(first local day, its first instant in UTC) of the period holding `now`; None for all."""
    today = local_date(now, zone)
    if period is Period.ALL:
        return None
    first = week_start(today) if period is Period.WEEK else month_start(today)
    return first, localize(first, time(0, 0), zone)


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: Period
    since: date | None  # first local day of the period; None for all time
    entries: tuple[Score, ...]  # best first; equal counts share a rank
    caller: Score | None  # None when the caller has done nothing in the period, or hides
    caller_hidden: bool


@dataclass(frozen=True, slots=True)
class StageReach:
    stage: Stage
    number: int  # 1-based
    members: int  # members whose progress reaches this stage or a later one


@dataclass(frozen=True, slots=True)
class ServerStats:
    started: int  # members with any progress in the roadmap
    active_this_week: int  # members who completed a topic since Monday (server time)
    reached: tuple[StageReach, ...]


class LeaderboardService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._stats = StatsRepository(db)
        self._servers = ServerSettingsRepository(db)
        self._members = MemberSettingsRepository(db)
        self._clock = clock

    async def _server_zone(self, guild_id: int) -> ZoneInfo:
        return zone_or_utc((await self._servers.get(guild_id)).time_zone)

    async def leaderboard(
        self,
        guild_id: int,
        roadmap: Roadmap,
        period: Period | str,
        caller_id: int,
        *,
        limit: int = DEFAULT_LIMIT,
    ) -> Leaderboard:
        """Top members by topics of `roadmap` done: all time (current status) or in this
        month or week (completions in that period, so later resets do not erase them)."""
        period = period if isinstance(period, Period) else parse_period(period)
        start = period_start(period, self._clock.now(), await self._server_zone(guild_id))
        entries, caller = await self._stats.leaderboard(
            guild_id,
            roadmap.id,
            _live_ids(roadmap),
            since=start[1] if start else None,
            caller_id=caller_id,
            limit=limit,
        )
        hidden = False
        if caller is None:
            hidden = (await self._members.get(guild_id, caller_id)).hide_progress
        return Leaderboard(
            period, start[0] if start else None, tuple(entries), caller, caller_hidden=hidden
        )

    async def server_stats(self, guild_id: int, roadmap: Roadmap) -> ServerStats:
        """Members started, active this week, and the stage funnel for `roadmap`."""
        stage_of = {
            stored_id: roadmap.stage_position(stage.id) or 0
            for stored_id, live_id in _live_ids(roadmap).items()
            if (stage := roadmap.stage_of(live_id)) is not None
        }
        furthest = await self._stats.furthest_stages(guild_id, roadmap.id, stage_of)
        start = period_start(Period.WEEK, self._clock.now(), await self._server_zone(guild_id))
        assert start is not None
        active = await self._stats.active_members(guild_id, roadmap.id, start[1])
        reached = []
        at_or_beyond = 0
        for position in range(len(roadmap.stages) - 1, -1, -1):
            at_or_beyond += furthest.get(position, 0)
            reached.append(StageReach(roadmap.stages[position], position + 1, at_or_beyond))
        return ServerStats(at_or_beyond, active, tuple(reversed(reached)))


def _live_ids(roadmap: Roadmap) -> dict[str, str]:
    """Every stored id that counts for a live topic (live ids and the old ids they replace)."""
    ids = {topic.id: topic.id for topic in roadmap.topics}
    ids.update(roadmap.replaces_map)
    return ids

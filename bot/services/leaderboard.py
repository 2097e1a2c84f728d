"""Server-wide views: the leaderboard (all time, this month, this week) and moderator stats.

Periods follow the server's time zone (else UTC); weeks start on Monday. Members who hide
their progress are left out of the leaderboard.

Answers come from the summary tables (bot/store/summaries.py), which the writes keep up to date:
milliseconds on a server of 100,000 members. When a server's rows are not ready (first use, a
content reload moved topics, a new period) the answer comes from the queries over every progress
row and completion (about a second at 100,000 members, on a reader: nobody else waits) and the
rows are built in the background (bot/services/summary_builds.py), never inside the call.
`summaries=False` always answers with those queries (the reference the tests and benchmarks
compare with).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import InvalidPeriod
from bot.records import Score
from bot.roadmap.model import Roadmap, Stage
from bot.services.clock import Clock
from bot.services.summary_builds import SummaryBuilds
from bot.services.timezones import local_date, localize, month_start, week_start, zone_or_utc
from bot.store.database import Database
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from bot.store.stats import StatsRepository
from bot.store.summaries import PeriodStart, SummaryContent, SummaryRepository

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


def kept_periods(period: Period, now: datetime, zone: ZoneInfo) -> tuple[PeriodStart, ...]:
    """The period holding `now` and the one after it (kept ready, so the first answer of a new
    week or month finds its scores there); () for all time."""
    start = period_start(period, now, zone)
    if start is None:
        return ()
    first = start[0]
    if period is Period.WEEK:
        following = first + timedelta(days=7)
    else:
        following = (first + timedelta(days=32)).replace(day=1)
    return (
        PeriodStart(period.value, first, start[1]),
        PeriodStart(period.value, following, localize(following, time(0, 0), zone)),
    )


def every_kept_period(now: datetime, zone: ZoneInfo) -> tuple[PeriodStart, ...]:
    """This week and the next, this month and the next: what a server's summaries keep."""
    return kept_periods(Period.WEEK, now, zone) + kept_periods(Period.MONTH, now, zone)


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
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        summaries: bool = True,
        builds: SummaryBuilds | None = None,
    ) -> None:
        self._stats = StatsRepository(db)
        self._summaries = SummaryRepository(db) if summaries else None
        #: Where the answers ask for the builds of rows that are not ready.
        self.builds = builds or SummaryBuilds(SummaryRepository(db))
        self._servers = ServerSettingsRepository(db)
        self._members = MemberSettingsRepository(db)
        self._clock = clock
        # Roadmap object -> its summary content (the fingerprint hashes every topic id); the
        # roadmap is kept beside it so its id() is not reused while cached.
        self._contents: dict[int, tuple[Roadmap, SummaryContent]] = {}

    def _content(self, roadmap: Roadmap) -> SummaryContent:
        cached = self._contents.get(id(roadmap))
        if cached is not None and cached[0] is roadmap:
            return cached[1]
        if len(self._contents) >= 64:  # content reloads make new objects; forget old ones
            self._contents.clear()
        content = summary_content(roadmap)
        self._contents[id(roadmap)] = (roadmap, content)
        return content

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
        now, zone = self._clock.now(), await self._server_zone(guild_id)
        start = period_start(period, now, zone)
        answer, build = None, None
        if self._summaries is not None:
            content, keep = self._content(roadmap), every_kept_period(now, zone)
            kept = kept_periods(period, now, zone)
            summarised = await self._summaries.leaderboard(
                guild_id,
                content,
                period=kept[0] if kept else None,
                keep=keep,
                caller_id=caller_id,
                limit=limit,
            )
            answer, build = summarised.answer, None if summarised.complete else (content, keep)
        if answer is not None:
            entries, caller = answer
        else:
            entries, caller = await self._stats.leaderboard(
                guild_id,
                roadmap.id,
                _live_ids(roadmap),
                since=start[1] if start else None,
                caller_id=caller_id,
                limit=limit,
            )
        if build is not None:  # asked for after the answer, which it would slow down
            self.builds.request(guild_id, *build)
        hidden = False
        if caller is None:
            hidden = (await self._members.get(guild_id, caller_id)).hide_progress
        return Leaderboard(
            period, start[0] if start else None, tuple(entries), caller, caller_hidden=hidden
        )

    async def build_ahead(self, guild_id: int, roadmap: Roadmap) -> bool:
        """Ask for the background build of the server's summary rows for `roadmap` when they
        are not complete (start-up, after a reload, a new period), so that no answer finds
        them unready; whether a build was asked for."""
        if self._summaries is None:
            return False
        now, zone = self._clock.now(), await self._server_zone(guild_id)
        content, keep = self._content(roadmap), every_kept_period(now, zone)
        summarised = await self._summaries.leaderboard(
            guild_id, content, period=None, keep=keep, caller_id=0, limit=0
        )
        if summarised.complete:
            return False
        self.builds.request(guild_id, content, keep)
        return True

    async def stop_builds(self) -> None:
        """Cancel the background builds (the bot is stopping; the next start asks again)."""
        await self.builds.stop()

    async def server_stats(self, guild_id: int, roadmap: Roadmap) -> ServerStats:
        """Members started, active this week, and the stage funnel for `roadmap`."""
        now, zone = self._clock.now(), await self._server_zone(guild_id)
        answer, build = None, None
        if self._summaries is not None:
            content, keep = self._content(roadmap), every_kept_period(now, zone)
            week = kept_periods(Period.WEEK, now, zone)[0]
            summarised = await self._summaries.stats(guild_id, content, week, keep)
            answer, build = summarised.answer, None if summarised.complete else (content, keep)
        if answer is not None:
            furthest, active = answer
        else:
            stage_of = {
                stored_id: stage
                for stored_id, (_, stage) in summary_content(roadmap).topics.items()
                if stage is not None
            }
            furthest = await self._stats.furthest_stages(guild_id, roadmap.id, stage_of)
            start = period_start(Period.WEEK, now, zone)
            assert start is not None
            active = await self._stats.active_members(guild_id, roadmap.id, start[1])
        if build is not None:  # asked for after the answer, which it would slow down
            self.builds.request(guild_id, *build)
        reached = []
        at_or_beyond = 0
        for position in range(len(roadmap.stages) - 1, -1, -1):
            at_or_beyond += furthest.get(position, 0)
            reached.append(StageReach(roadmap.stages[position], position + 1, at_or_beyond))
        return ServerStats(at_or_beyond, active, tuple(reversed(reached)))


def summary_content(roadmap: Roadmap) -> SummaryContent:
    """What the summaries of `roadmap` count by: every stored id that counts for a live topic,
    with that topic's id and its stage's position."""
    topics: dict[str, tuple[str, int | None]] = {}
    for stored_id, live_id in _live_ids(roadmap).items():
        stage = roadmap.stage_of(live_id)
        position = None if stage is None else roadmap.stage_position(stage.id) or 0
        topics[stored_id] = (live_id, position)
    return SummaryContent(roadmap.id, topics)


def _live_ids(roadmap: Roadmap) -> dict[str, str]:
    """Every stored id that counts for a live topic (live ids and the old ids they replace)."""
    ids = {topic.id: topic.id for topic in roadmap.topics}
    ids.update(roadmap.replaces_map)
    return ids

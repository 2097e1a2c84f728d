"""The one place that builds what the bot runs on: the services, the planners with their
Discord senders and REST pacing, the scheduler with its ticks, the content reloader and watcher.
Cogs receive these through the bot, whose setup_hook registers the ticks; nothing else
constructs a service, a repository, a sender or a scheduler (tests/unit/test_layers.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import discord

from bot.config import Settings
from bot.render.audit import accept_for_discord
from bot.schedule.moderation_sender import (
    DiscordModerationSender,
    ReportingDailySender,
    ReportingReminderSender,
)
from bot.schedule.pacer import RestGate, RestPacer
from bot.schedule.runner import TICK_INTERVAL, Tick, TickRunner
from bot.services.clock import Clock, SystemClock
from bot.services.content import ContentHolder, ContentReloader, ReloadOutcome
from bot.services.content_watch import ContentWatcher
from bot.services.daily import DailyPlanner
from bot.services.identify import IdentifyPacer
from bot.services.leaderboard import LeaderboardService, Period
from bot.services.members import MemberService
from bot.services.moderator_log import ModerationSettings, ModeratorLog
from bot.services.progress import StudyService
from bot.services.reload_broadcast import OpenListener, ReloadBroadcast
from bot.services.reminder_contents import ReminderContents
from bot.services.reminders import ReminderPlanner
from bot.services.roadmaps import MemberRoadmaps
from bot.services.servers import ServerService
from bot.services.summary_builds import SummaryUpkeep
from bot.services.undo import UndoService
from bot.services.weekly import WeeklyBoard, WeeklyPlanner
from bot.sharding import ShardPlan
from bot.store.daily import DailyRepository
from bot.store.database import Database
from bot.store.identify import IdentifyTurns
from bot.store.meta import MetaRepository
from bot.store.moderation import ModerationRepository
from bot.store.notify import ReloadListener, ReloadRequests
from bot.store.reminder_reads import ReminderReads
from bot.store.reminders import ReminderRepository
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository
from bot.store.summaries import SummaryRepository

log = logging.getLogger(__name__)

#: The discord.py event every content reload is dispatched as, applied or refused, with its
#: ReloadOutcome: listeners are `async def on_content_reloaded(self, outcome)` in a cog.
CONTENT_RELOADED = "content_reloaded"


@dataclass(frozen=True, slots=True)
class Services:
    """The use cases, sharing one database and one clock."""

    study: StudyService
    members: MemberService
    leaderboard: LeaderboardService
    servers: ServerService
    roadmaps: MemberRoadmaps
    undo: UndoService


@dataclass(frozen=True, slots=True)
class Wiring:
    """Everything the cogs and the scheduler work with, built once per bot."""

    services: Services
    daily: DailyPlanner
    reminders: ReminderPlanner
    reloader: ContentReloader
    moderator_log: ModeratorLog
    moderation: ModerationSettings
    weekly: WeeklyPlanner
    #: Builds the summary rows of whole-server answers ahead, in the background.
    summary_upkeep: SummaryUpkeep
    clock: Clock
    #: Spaces every scheduled REST request (posts, DMs, log lines) under the REST gate.
    pacer: RestPacer
    #: The one scheduler job, and the ticks it runs, in order (setup_hook registers them).
    scheduler: TickRunner
    ticks: tuple[tuple[str, Tick], ...]
    #: Reloads the content now and dispatches CONTENT_RELOADED (file change, SIGHUP, command).
    reload_content: Callable[[str], Awaitable[ReloadOutcome]]
    watcher: ContentWatcher
    #: Remembers the command tree last synced globally.
    meta: MetaRepository


def build_services(database: Database, content: ContentHolder, clock: Clock) -> Services:
    study = StudyService(database, clock)
    members = MemberService(database, clock)
    servers = ServerService(database, clock)
    return Services(
        study=study,
        members=members,
        leaderboard=LeaderboardService(database, clock),
        servers=servers,
        roadmaps=MemberRoadmaps(content, members, servers, study),
        undo=UndoService(database, study),
    )


def weekly_board(services: Services) -> Callable[[int], Awaitable[WeeklyBoard]]:
    """What the weekly post shows: this week's leaderboard of the server's roadmap, from the
    leaderboard service's public function (the summary tables make it fast)."""

    async def board(guild_id: int) -> WeeklyBoard:
        roadmap = await services.roadmaps.server_roadmap(guild_id)
        week = await services.leaderboard.leaderboard(guild_id, roadmap, Period.WEEK, caller_id=0)
        return WeeklyBoard(roadmap, week)

    return board


def build_reload_broadcast(settings: Settings, database: Database) -> ReloadBroadcast:
    """How `python -m bot reload` reaches this process: PostgreSQL notifications on a listening
    connection of its own, and a poll of the request generation (the poll alone on SQLite)."""
    open_listener: OpenListener | None = None
    url = settings.database_url
    if url is not None:

        async def listen(on_request: Callable[[str], object]) -> ReloadListener:
            return await ReloadListener.open(url, on_request)

        open_listener = listen
    return ReloadBroadcast(ReloadRequests(database), open_listener)


def build_rest_gate(gate: RestGate | None = None) -> RestGate:
    """The bound every REST request of the process passes (`gate`, else the default: Discord's
    limit); built before the client, which traces each request through it."""
    return gate or RestGate()


def build_identify_pacer(
    settings: Settings,
    database: Database,
    max_concurrency: Callable[[], Awaitable[int]],
    sleep: Callable[[float], Awaitable[None]],
) -> IdentifyPacer | None:
    """The identify turns every process shares through PostgreSQL; None on SQLite (one
    process: discord.py's own pacing)."""
    if database.dialect != "postgresql":
        return None
    return IdentifyPacer(
        IdentifyTurns(database), max_concurrency, interval=settings.identify_interval, sleep=sleep
    )


class _Report(Protocol):
    def any(self) -> bool: ...


def _logged(what: str, tick: Callable[[], Awaitable[_Report]]) -> Tick:
    """`tick`, logging its report when it did anything."""

    async def run() -> None:
        report = await tick()
        if report.any():
            log.info("%s: %s", what, report)

    return run


def build_wiring(
    client: discord.Client,
    *,
    settings: Settings,
    database: Database,
    content: ContentHolder,
    clock: Clock | None = None,
    pacer: RestPacer | None = None,
    tick_interval: float = TICK_INTERVAL,
    shards: ShardPlan | None = None,
) -> Wiring:
    """Wire the services to the database and clock (default: the system's), and the planners
    to Discord through `client`, each scheduled send paced by `pacer` (default: RestPacer()),
    their ticks run every `tick_interval` seconds. With `shards`, the planners plan only the
    servers on those shards (another process plans the rest)."""
    clock = clock or SystemClock()
    pacer = pacer or RestPacer()
    services = build_services(database, content, clock)
    grace = timedelta(minutes=settings.daily_grace_minutes)
    moderation_store = ModerationRepository(database, shards)
    moderation_sender = DiscordModerationSender(client)
    # Every log line is paced like every scheduled send.
    moderator_log = ModeratorLog(moderation_store, clock, moderation_sender, pace=pacer.acquire)
    daily = DailyPlanner(
        DailyRepository(database, shards),
        content,
        clock,
        ReportingDailySender(client, moderator_log.report),
        grace=grace,
        pace=pacer.acquire,
    )
    reminders = ReminderPlanner(
        ReminderRepository(database, shards),
        clock,
        ReportingReminderSender(client, moderator_log, pace=pacer.acquire),
        ReminderContents(ReminderReads(database), ReviewRepository(database), content, clock),
        MemberSettingsRepository(database).zones,
        grace=grace,
        pace=pacer.acquire,
    )
    # Accepted as the start-up, check and preview accept content: one rule, one audit.
    reloader = ContentReloader(content, settings.content_dir, database, accept=accept_for_discord)
    weekly = WeeklyPlanner(
        moderation_store,
        clock,
        moderation_sender,
        weekly_board(services),
        report=moderator_log.report,
        grace=grace,
        pace=pacer.acquire,
    )
    moderation = ModerationSettings(moderation_store, clock)
    summaries = SummaryRepository(database)
    summary_upkeep = SummaryUpkeep(
        services.leaderboard,
        services.roadmaps,
        content,
        lambda: summaries.kept_servers(shards),  # the servers of this process's shards
        clock=clock,
    )

    async def reload_content(trigger: str) -> ReloadOutcome:
        outcome = await reloader.reload(trigger)
        client.dispatch(CONTENT_RELOADED, outcome)
        return outcome

    async def after_file_change() -> ReloadOutcome:
        return await reload_content("file change")

    ticks: tuple[tuple[str, Tick], ...] = (
        ("daily posts", _logged("daily tick", daily.tick)),
        ("server data retention", services.servers.purge_departed_when_due),
        ("reminders", _logged("reminder tick", reminders.tick)),
        ("weekly posts", weekly.tick),
    )
    return Wiring(
        services,
        daily,
        reminders,
        reloader,
        moderator_log,
        moderation,
        weekly,
        summary_upkeep,
        clock=clock,
        pacer=pacer,
        scheduler=TickRunner(tick_interval),
        ticks=ticks,
        reload_content=reload_content,
        watcher=ContentWatcher(settings.content_dir, after_file_change),
        meta=MetaRepository(database),
    )

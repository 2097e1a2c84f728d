"""The one place that builds what the bot runs on: the services, the planners with their
Discord senders and REST pacing, and the content reloader. Cogs receive these through the bot;
nothing else constructs a service, a repository or a sender.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.config import Settings
from bot.render.audit import accept_for_discord
from bot.schedule.moderation_sender import (
    DiscordModerationSender,
    ReportingDailySender,
    ReportingReminderSender,
)
from bot.schedule.pacer import RestPacer
from bot.services.clock import Clock
from bot.services.content import ContentHolder, ContentReloader
from bot.services.daily import DailyPlanner
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
from bot.services.weekly import WeeklyBoard, WeeklyPlanner
from bot.sharding import ShardPlan
from bot.store.daily import DailyRepository
from bot.store.database import Database
from bot.store.moderation import ModerationRepository
from bot.store.notify import ReloadListener, ReloadRequests
from bot.store.reminder_reads import ReminderReads
from bot.store.reminders import ReminderRepository
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository
from bot.store.summaries import SummaryRepository


@dataclass(frozen=True, slots=True)
class Services:
    """The use cases, sharing one database and one clock."""

    study: StudyService
    members: MemberService
    leaderboard: LeaderboardService
    servers: ServerService
    roadmaps: MemberRoadmaps


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


def build_wiring(
    client: discord.Client,
    *,
    settings: Settings,
    database: Database,
    content: ContentHolder,
    clock: Clock,
    pacer: RestPacer,
    shards: ShardPlan | None = None,
) -> Wiring:
    """Wire the services to the database and clock, and the planners to Discord through
    `client`, each scheduled send paced by `pacer`. With `shards`, the planners plan only the
    servers on those shards (another process plans the rest)."""
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
    return Wiring(
        services, daily, reminders, reloader, moderator_log, moderation, weekly, summary_upkeep
    )

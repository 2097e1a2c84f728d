"""What every cog needs from the bot: the services, the roadmap a member works on, and events.

`bot.services` is built once per bot from its database and clock. When a member finishes a
stage the cogs dispatch `stage_completed` with a StageCompleted; a cog rewards it with

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None: ...
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.roadmap.model import Roadmap, Stage
from bot.services.clock import Clock
from bot.services.leaderboard import LeaderboardService
from bot.services.members import MemberService
from bot.services.progress import MarkResult, NextTopic, StudyService
from bot.services.servers import ServerService
from bot.store.database import Database

if TYPE_CHECKING:
    from bot.app import StudyBot

#: The discord.py event name; listeners are `on_stage_completed(event)`.
STAGE_COMPLETED = "stage_completed"


@dataclass(frozen=True, slots=True)
class Services:
    """The use cases, sharing one database and one clock."""

    study: StudyService
    members: MemberService
    leaderboard: LeaderboardService
    servers: ServerService

    @classmethod
    def create(cls, database: Database, clock: Clock) -> Services:
        return cls(
            study=StudyService(database, clock),
            members=MemberService(database, clock),
            leaderboard=LeaderboardService(database, clock),
            servers=ServerService(database, clock),
        )


@dataclass(frozen=True, slots=True)
class StageCompleted:
    """A member just finished every topic of a stage (done or skipped)."""

    guild_id: int
    user_id: int
    roadmap_id: str
    stage: Stage


async def member_roadmap(bot: StudyBot, guild_id: int, user_id: int) -> Roadmap:
    """The roadmap this member studies in this server, from the content served right now."""
    catalog = bot.content.catalog
    if len(catalog) == 1:
        return catalog.default  # whatever they chose, it is the only roadmap there is
    roadmap_id = await bot.services.members.roadmap_for(
        guild_id, user_id, available=catalog.ids, catalog_default=catalog.default_id
    )
    roadmap = catalog.get(roadmap_id) or catalog.default
    bot.roadmap_hints.remember(guild_id, user_id, roadmap.id)
    return roadmap


async def server_roadmap(bot: StudyBot, guild_id: int, requested: str | None = None) -> Roadmap:
    """The roadmap a moderator command is about: `requested` (UnknownRoadmap when the content
    has no such roadmap), else the server's default, else the catalog's."""
    catalog = bot.content.catalog
    if requested:
        return catalog.require(requested)
    chosen = (await bot.services.servers.settings(guild_id)).default_roadmap
    return (catalog.get(chosen) if chosen else None) or catalog.default


class RoadmapHints:
    """The roadmap each member used last, as a guess only: `member_next_topic` reads the
    member's progress in the guessed roadmap while it looks up the real one, and checks the
    guess before using it, so a stale or missing hint costs time, never correctness."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._last: dict[tuple[int, int], str] = {}

    def guess(self, guild_id: int, user_id: int, default: str) -> str:
        return self._last.get((guild_id, user_id), default)

    def remember(self, guild_id: int, user_id: int, roadmap_id: str) -> None:
        if len(self._last) >= self._capacity:
            self._last.clear()  # crude but bounded; the next guesses fall back to the default
        self._last[(guild_id, user_id)] = roadmap_id


async def member_next_topic(bot: StudyBot, guild_id: int, user_id: int) -> NextTopic:
    """The member's next topic in the roadmap they study, marked "in progress" once shown.

    The two reads it needs (which roadmap, and the progress in it) overlap: the progress is
    read for the guessed roadmap at the same time, and read again only when the guess was wrong.
    """
    catalog = bot.content.catalog
    guess = catalog.get(bot.roadmap_hints.guess(guild_id, user_id, catalog.default_id))
    study = bot.services.study
    if guess is None or len(catalog) == 1:
        roadmap = await member_roadmap(bot, guild_id, user_id)
        return await study.next_topic(guild_id, user_id, roadmap, mark_open=True)
    roadmap, upcoming = await asyncio.gather(
        member_roadmap(bot, guild_id, user_id), study.next_topic(guild_id, user_id, guess)
    )
    if roadmap.id != guess.id or (upcoming.topic is not None and upcoming.status is None):
        upcoming = await study.next_topic(guild_id, user_id, roadmap, mark_open=True)
    return upcoming


def announce_mark(bot: StudyBot, guild_id: int, user_id: int, result: MarkResult) -> None:
    """Tell listeners about what a mark achieved (stage rewards live elsewhere)."""
    if result.completed_stage is not None:
        bot.dispatch(
            STAGE_COMPLETED,
            StageCompleted(guild_id, user_id, result.standing.roadmap.id, result.completed_stage),
        )

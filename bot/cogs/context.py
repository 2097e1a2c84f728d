"""What every cog needs from the bot: the services, the roadmap a member works on, and events.

`bot.services` is built once per bot from its database and clock. When a member finishes a
stage the cogs dispatch `stage_completed` with a StageCompleted; a cog rewards it with

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.roadmap.model import Roadmap, Stage
from bot.services.clock import Clock
from bot.services.leaderboard import LeaderboardService
from bot.services.members import MemberService
from bot.services.progress import MarkResult, StudyService
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
    roadmap_id = await bot.services.members.roadmap_for(
        guild_id, user_id, available=catalog.ids, catalog_default=catalog.default_id
    )
    return catalog.get(roadmap_id) or catalog.default


def announce_mark(bot: StudyBot, guild_id: int, user_id: int, result: MarkResult) -> None:
    """Tell listeners about what a mark achieved (stage rewards live elsewhere)."""
    if result.completed_stage is not None:
        bot.dispatch(
            STAGE_COMPLETED,
            StageCompleted(guild_id, user_id, result.standing.roadmap.id, result.completed_stage),
        )

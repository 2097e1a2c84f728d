"""What every cog needs from the bot: the roadmap a member works on, and events.

`bot.services` is built once per bot by bot/wiring.py. When a member finishes a
stage the cogs dispatch `stage_completed` with a StageCompleted; a cog rewards it with

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.roadmap.model import Roadmap, Stage
from bot.services.progress import MarkResult, NextTopic

if TYPE_CHECKING:
    from bot.app import StudyBot

#: The discord.py event name; listeners are `on_stage_completed(event)`.
STAGE_COMPLETED = "stage_completed"


@dataclass(frozen=True, slots=True)
class StageCompleted:
    """A member just finished every topic of a stage (done or skipped)."""

    guild_id: int
    user_id: int
    roadmap_id: str
    stage: Stage


async def member_roadmap(bot: StudyBot, guild_id: int, user_id: int) -> Roadmap:
    """The roadmap this member studies in this server (bot.services.roadmaps decides)."""
    return await bot.services.roadmaps.member_roadmap(guild_id, user_id)


async def server_roadmap(bot: StudyBot, guild_id: int, requested: str | None = None) -> Roadmap:
    """The roadmap a moderator command is about (bot.services.roadmaps decides)."""
    return await bot.services.roadmaps.server_roadmap(guild_id, requested)


async def member_next_topic(bot: StudyBot, guild_id: int, user_id: int) -> NextTopic:
    """The member's next topic, marked "in progress" once shown (bot.services.roadmaps)."""
    return await bot.services.roadmaps.next_topic(guild_id, user_id)


def announce_mark(bot: StudyBot, guild_id: int, user_id: int, result: MarkResult) -> None:
    """Tell listeners about what a mark achieved (stage rewards live elsewhere)."""
    if result.completed_stage is not None:
        bot.dispatch(
            STAGE_COMPLETED,
            StageCompleted(guild_id, user_id, result.standing.roadmap.id, result.completed_stage),
        )

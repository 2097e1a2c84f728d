"""The event the cogs share: a member finished a stage.

Which roadmap a member or a server works on, and a member's next topic, are the services'
(`bot.services.roadmaps`, built once per bot by bot/wiring.py); cogs call them directly. When a
member finishes a stage the cogs dispatch `stage_completed` with a StageCompleted; a cog rewards
it with

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

from bot.roadmap.model import Stage
from bot.services.progress import MarkResult

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
    #: The press or command that finished it, so a listener can tell the member (a role
    #: earned) in a follow-up once it is answered; None when there is none to answer.
    interaction: discord.Interaction | None = field(default=None, compare=False)


def announce_mark(
    bot: StudyBot,
    guild_id: int,
    user_id: int,
    result: MarkResult,
    interaction: discord.Interaction | None = None,
) -> None:
    """Tell listeners about what a mark achieved (stage rewards live elsewhere)."""
    if result.completed_stage is not None:
        stage = result.completed_stage
        bot.dispatch(
            STAGE_COMPLETED,
            StageCompleted(guild_id, user_id, result.standing.roadmap.id, stage, interaction),
        )

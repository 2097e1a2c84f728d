"""Extension: `/roadmap-admin stats [roadmap]` (Manage Server): members started, active this
week, and how many reached each stage, as a funnel with bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import roadmap_choices
from bot.cogs.context import server_roadmap
from bot.cogs.groups import SubcommandCog, subcommand
from bot.render.stats import stats_message
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot


class ServerStatsCog(SubcommandCog):
    @subcommand("roadmap-admin stats", "Members started, active this week, and the stage funnel")
    @app_commands.describe(roadmap="The roadmap to count (default: the server's)")
    @app_commands.autocomplete(roadmap=roadmap_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction, roadmap: str | None = None) -> None:
        assert interaction.guild_id is not None
        chosen = await server_roadmap(self.bot, interaction.guild_id, roadmap)
        stats = await self.bot.services.leaderboard.server_stats(interaction.guild_id, chosen)
        message = stats_message(stats, roadmap_title=chosen.title)
        await answer(interaction, **send_kwargs(message), ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(ServerStatsCog(bot))

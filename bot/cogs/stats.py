"""Extension: `/roadmap-admin stats [roadmap]` (Manage Server): members started, active this
week, and how many reached each stage, as a funnel with bars and as a chart image.

Also the background work behind every whole-server answer (stats, leaderboards, the weekly
post): the summary rows built ahead (bot/services/summary_builds.py), from the bot's start, after
every applied content reload, and periodically; the builds stop when the bot closes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import roadmap_choices
from bot.cogs.card import drawn
from bot.cogs.groups import SubcommandCog, subcommand
from bot.render.stats import stats_message
from bot.render.stats_image import FILENAME as CHART_FILENAME
from bot.render.stats_image import draw_stats_chart, stats_picture
from bot.render.to_discord import send_kwargs
from bot.services.content import ReloadOutcome

if TYPE_CHECKING:
    from bot.app import StudyBot


class ServerStatsCog(SubcommandCog):
    async def cog_load(self) -> None:
        await super().cog_load()
        upkeep = self.bot.wiring.summary_upkeep
        self.bot.add_background("summary builds", upkeep.start, upkeep.stop)

    async def cog_unload(self) -> None:
        # Unloaded on close before the database: no build write may be left running.
        await self.bot.wiring.summary_upkeep.stop()
        await super().cog_unload()

    @commands.Cog.listener()
    async def on_content_reloaded(self, outcome: ReloadOutcome) -> None:
        if outcome.applied:  # a roadmap's topics may have moved: its rows are built again
            self.bot.wiring.summary_upkeep.content_changed()

    @subcommand("roadmap-admin stats", "Members started, active this week, and the stage funnel")
    @app_commands.describe(roadmap="The roadmap to count (default: the server's)")
    @app_commands.autocomplete(roadmap=roadmap_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction, roadmap: str | None = None) -> None:
        assert interaction.guild_id is not None
        chosen = await self.bot.services.roadmaps.server_roadmap(interaction.guild_id, roadmap)
        stats = await self.bot.services.leaderboard.server_stats(interaction.guild_id, chosen)
        message = stats_message(stats, roadmap_title=chosen.title)
        reply = send_kwargs(message)
        if stats.started and stats.reached:
            # The funnel as a chart too, drawn off the event loop like the progress card.
            chart = stats_picture(stats, roadmap_title=chosen.title)
            data = await drawn(draw_stats_chart, chart)
            reply["files"].append(discord.File(io.BytesIO(data), filename=CHART_FILENAME))
            reply["embeds"][0].set_image(url=f"attachment://{CHART_FILENAME}")
        await answer(interaction, **reply, ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(ServerStatsCog(bot))

"""`/roadmap progress` and `/roadmap leaderboard`: where members stand in this server."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.groups import SubcommandCog, subcommand
from bot.errors import StudyError
from bot.render.leaderboard import leaderboard_card
from bot.render.progress_card import progress_card
from bot.render.to_discord import send_kwargs

PERIODS = [
    app_commands.Choice(name="all time", value="all"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="this week (from Monday)", value="week"),
]


class Standings(SubcommandCog):
    @subcommand("roadmap progress", "Progress per stage, totals and streaks")
    @app_commands.describe(
        member="Someone else in this server (default: you)",
        public="Show the answer to everyone in this channel (default: only you)",
    )
    async def progress(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        public: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        guild_id, viewer_id = interaction.guild_id, interaction.user.id
        target = member.id if member is not None else viewer_id
        if member is not None and member.bot:
            raise StudyError("Bots don't study; pick a member.")
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, target)
        summary = await self.bot.services.study.summary(
            guild_id, target, roadmap, viewer_id=viewer_id
        )
        card = progress_card(summary, viewer_id=viewer_id)
        await answer(interaction, **send_kwargs(card), ephemeral=not public)

    @subcommand("roadmap leaderboard", "This server's top members by topics done")
    @app_commands.describe(period="All time (default), this month or this week, in server time")
    @app_commands.choices(period=PERIODS)
    async def leaderboard(self, interaction: discord.Interaction, period: str = "all") -> None:
        assert interaction.guild_id is not None
        guild_id, caller_id = interaction.guild_id, interaction.user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, caller_id)
        board = await self.bot.services.leaderboard.leaderboard(
            guild_id, roadmap, period, caller_id
        )
        card = leaderboard_card(board, roadmap_title=roadmap.title, caller_id=caller_id)
        await answer(interaction, **send_kwargs(card), ephemeral=True)

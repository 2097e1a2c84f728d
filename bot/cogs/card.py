"""`/roadmap card [public]`: the member's progress as a picture (an 800 px PNG in an embed).

The same summary as `/roadmap progress`, drawn by bot/render/progress_image.py in a worker
thread (`asyncio.to_thread`): drawing is CPU work, and the event loop keeps answering others
while a card is drawn. Ephemeral unless `public:True`.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.groups import SubcommandCog, subcommand
from bot.render.progress_image import draw_progress_card, picture_of

FILENAME = "progress-card.png"


class ProgressCard(SubcommandCog):
    @subcommand("roadmap card", "Your progress as a picture: stages, percent, streak")
    @app_commands.describe(
        public="Show the card to everyone in this channel (default: only you)",
    )
    async def card(self, interaction: discord.Interaction, public: bool = False) -> None:
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        summary = await self.bot.services.study.summary(guild_id, user_id, roadmap)
        picture = picture_of(summary, interaction.user.display_name)
        data = await asyncio.to_thread(draw_progress_card, picture)
        embed = discord.Embed(
            title=f"{interaction.user.display_name} · {roadmap.title}"[:256],
            description=f"{picture.done} of {picture.total} topics done · {picture.percent}%",
            colour=discord.Colour(0x5865F2),
        )
        embed.set_image(url=f"attachment://{FILENAME}")
        card_file = discord.File(io.BytesIO(data), filename=FILENAME, description="Progress card")
        await answer(interaction, embed=embed, file=card_file, ephemeral=not public)

"""`/roadmap card [public]`: the member's progress as a picture (an 800 px PNG in an embed).

The same summary as `/roadmap progress`, drawn by bot/render/progress_image.py off the event
loop (`drawn`: the pictures' own worker thread), so the loop keeps answering others while a card
is drawn. Ephemeral unless `public:True`.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.groups import SubcommandCog, subcommand
from bot.render.progress_image import card_name, draw_progress_card, picture_of

FILENAME = "progress-card.png"

Values = TypeVar("Values")

#: One worker draws every picture (cards, the stats chart), in turn. Drawing holds the GIL in
#: short stretches; more threads would take turns holding it against the event loop: 50 cards
#: at once stalled the loop about four times longer with 6 workers than with this one, and
#: took no less time on two cores.
_PICTURES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pictures")


async def drawn(draw: Callable[[Values], bytes], values: Values) -> bytes:
    """`draw(values)` (a picture's PNG bytes) run on the pictures' worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_PICTURES, draw, values)


class ProgressCard(SubcommandCog):
    @subcommand("roadmap card", "Your progress as a picture: stages, percent, streak")
    @app_commands.describe(
        public="Show the card to everyone in this channel (default: only you)",
    )
    async def card(self, interaction: discord.Interaction, public: bool = False) -> None:
        assert interaction.guild_id is not None
        user = interaction.user
        guild_id, user_id = interaction.guild_id, user.id
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        summary = await self.bot.services.study.summary(guild_id, user_id, roadmap)
        picture = picture_of(summary, card_name(user.display_name, user.name))
        data = await drawn(draw_progress_card, picture)
        embed = discord.Embed(
            title=f"{user.display_name} · {roadmap.title}"[:256],
            description=f"{picture.done} of {picture.total} topics done · {picture.percent}%",
            colour=discord.Colour(0x5865F2),
        )
        embed.set_image(url=f"attachment://{FILENAME}")
        card_file = discord.File(io.BytesIO(data), filename=FILENAME, description="Progress card")
        await answer(interaction, embed=embed, file=card_file, ephemeral=not public)

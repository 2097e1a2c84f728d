"""Extension: `/roadmap-admin roadmap`, the server's default roadmap (Manage Server).

The rest of `/roadmap-admin` (daily posts, rewards, stats) attaches from its own extension.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import roadmap_choices
from bot.cogs.groups import SubcommandCog, subcommand
from bot.render.account import server_roadmap_message
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


class ServerRoadmap(SubcommandCog):
    @subcommand("roadmap-admin roadmap", "Set the server's default roadmap (and the daily post's)")
    @app_commands.describe(roadmap="The roadmap members study unless they follow another")
    @app_commands.autocomplete(roadmap=roadmap_choices)
    # Discord's default permissions can be changed by a server admin: check in the bot too.
    @app_commands.checks.has_permissions(manage_guild=True)
    async def roadmap(self, interaction: discord.Interaction, roadmap: str) -> None:
        assert interaction.guild_id is not None
        catalog = self.bot.content.catalog
        available = [(item.id, item.title) for item in catalog.roadmaps]
        chosen = await self.bot.services.servers.set_default_roadmap(
            interaction.guild_id, roadmap, available
        )
        title = catalog.require(chosen).title
        log.info(
            "default roadmap %s guild=%s member=%s",
            chosen,
            interaction.guild_id,
            interaction.user.id,
        )
        message = server_roadmap_message(title)
        await answer(interaction, **send_kwargs(message), ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(ServerRoadmap(bot))

"""Extension: one short welcome in a server's system channel when the bot first joins it.

Posted only where the bot may post (View Channel and Send Messages in the system channel), and
once per server ever: the mark is kept in the meta table by the server service, so a rejoin,
a reconnect or a second process says nothing more.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.render.help import welcome_message
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def welcome_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """The system channel, if the bot may post there."""
    channel = guild.system_channel
    if channel is None or guild.me is None:
        return None
    permissions = channel.permissions_for(guild.me)
    if not (permissions.view_channel and permissions.send_messages):
        return None
    return channel


class Welcome(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        channel = welcome_channel(guild)
        if channel is None:
            # Not marked: if a later invite gives the bot a channel, that join may still welcome.
            log.info("joined guild=%s: no system channel I may post in, no welcome", guild.id)
            return
        if not await self.bot.services.servers.claim_welcome(guild.id):
            log.info("joined guild=%s again: welcomed before, no welcome", guild.id)
            return
        try:
            await channel.send(**send_kwargs(welcome_message()))
        except discord.HTTPException as error:
            log.warning("welcome in guild=%s channel=%s refused: %s", guild.id, channel.id, error)
            return
        log.info("welcomed guild=%s in channel=%s", guild.id, channel.id)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Welcome(bot))

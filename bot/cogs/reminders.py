"""Extension: `/roadmap remind set|off`, a member's daily DM with their next topic. The
ReminderPlanner (bot/services/reminders.py) decides everything; its tick is the wiring's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord import app_commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import time_zone_choices
from bot.cogs.groups import SubcommandCog, subcommand
from bot.cogs.reminder_buttons import PERSISTENT_ITEMS as REMINDER_ITEMS
from bot.records import Reminder
from bot.render.reminders import (
    reminder_confirmation_dm,
    reminder_dms_closed_message,
    reminder_off_message,
    reminder_set_message,
)
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

#: How long `remind set` waits for its confirmation DM (an answer is due within 3 s; the
#: command defers after a moment, so this only bounds a stuck request).
CONFIRM_TIMEOUT = 10.0


class Reminders(SubcommandCog):
    """The members' reminder commands (the wiring's tick sends the DMs)."""

    def __init__(self, bot: StudyBot) -> None:
        super().__init__(bot)
        self.planner = bot.wiring.reminders

    async def cog_load(self) -> None:
        self.bot.command_groups.add_subgroup(
            self, "roadmap", "remind", "A daily DM with your next topic"
        )
        await super().cog_load()

    @subcommand("roadmap remind set", "Get a daily DM with your next topic in this server")
    @app_commands.describe(
        time="24-hour local time, e.g. 18:30",
        timezone="IANA time zone, e.g. Europe/Berlin (default: yours, else the server's, else UTC)",
        only_if_idle="Skip the DM on a day you already studied here (marked a topic done)",
    )
    @app_commands.autocomplete(timezone=time_zone_choices)
    async def remind_set(
        self,
        interaction: discord.Interaction,
        time: str,
        timezone: str | None = None,
        only_if_idle: bool = False,
    ) -> None:
        assert interaction.guild_id is not None  # commands are server-only
        reminder = await self.planner.set(
            interaction.guild_id, interaction.user.id, time, timezone, only_if_idle=only_if_idle
        )
        log.info(
            "remind set guild=%s member=%s at %s %s only_if_idle=%s",
            interaction.guild_id,
            interaction.user.id,
            reminder.local_time,
            reminder.time_zone,
            reminder.only_if_idle,
        )
        guild_name = interaction.guild.name if interaction.guild else None
        refusal = await self._confirm_by_dm(interaction.user, reminder, guild_name)
        if refusal is not None:
            # The first reminder would be refused the same way: say so now, not tomorrow.
            await self.planner.turn_off(interaction.guild_id, interaction.user.id)
            log.info(
                "remind set refused, DMs closed guild=%s member=%s: %s",
                interaction.guild_id,
                interaction.user.id,
                refusal,
            )
            await answer(interaction, **send_kwargs(reminder_dms_closed_message()), ephemeral=True)
            return
        message = reminder_set_message(reminder)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    async def _confirm_by_dm(
        self, user: discord.User | discord.Member, reminder: Reminder, guild_name: str | None
    ) -> str | None:
        """DM the member that their reminder is set; what Discord answered when it refused
        the DM (closed DMs), None when it arrived. A passing failure counts as arrived: the
        reminder's own sends retry."""
        try:
            await asyncio.wait_for(
                user.send(
                    **send_kwargs(reminder_confirmation_dm(reminder, guild_name)),
                    allowed_mentions=discord.AllowedMentions.none(),
                ),
                timeout=CONFIRM_TIMEOUT,
            )
        except discord.Forbidden as exc:
            return f"{exc.status} {exc.code}"
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("reminder confirmation DM not sent member=%s: %r", user.id, exc)
        return None

    @subcommand("roadmap remind off", "Stop your daily reminder DM")
    async def remind_off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        was_on = await self.planner.turn_off(interaction.guild_id, interaction.user.id)
        log.info("remind off guild=%s member=%s", interaction.guild_id, interaction.user.id)
        refusal = (
            None
            if was_on
            else await self.planner.refusal(interaction.guild_id, interaction.user.id)
        )
        message = reminder_off_message(was_on, refusal)
        await answer(interaction, **send_kwargs(message), ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Reminders(bot))
    bot.add_persistent_items(*REMINDER_ITEMS)

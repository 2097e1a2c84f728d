"""Extension: the moderators' log channel, the announce channel and the weekly leaderboard post
(`/roadmap-admin log-channel | announce | weekly`, Manage Server), and what goes with them:

- stage completions celebrated in the announce channel (members who hide their progress are
  left out);
- content errors of a refused reload reported in each server's log channel, for the roadmap it
  uses, once per content version (services/moderator_log.py);
- a member whose followed roadmap left the content told so, once, after their next command.

The weekly post's tick (services/weekly.py) is the wiring's, beside the daily post's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer
from bot.cogs.autocomplete import time_zone_choices
from bot.cogs.daily import check_post_channel
from bot.cogs.events import StageCompleted
from bot.cogs.groups import SubcommandCog, subcommand
from bot.cogs.rewards import tell_member
from bot.errors import StudyError
from bot.render.moderation import (
    announce_channel_message,
    log_channel_message,
    roadmap_gone_line,
    stage_announcement,
    weekly_off_message,
    weekly_set_message,
    weekly_status_message,
)
from bot.render.payload import Message
from bot.render.permissions import TEXT_POST_PERMISSIONS, WEEKLY_POST_PERMISSIONS
from bot.render.to_discord import send_kwargs
from bot.services.content import ReloadOutcome
from bot.services.moderator_log import ModerationSettings
from bot.services.timezones import parse_zone
from bot.services.weekly import DEFAULT_TIME, WEEKDAYS, parse_weekday

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def _text_channel(
    interaction: discord.Interaction,
    channel: discord.abc.GuildChannel | Any,
    setting: str,
    posts: str,
    needed: tuple[str, ...] = TEXT_POST_PERMISSIONS,
) -> discord.abc.GuildChannel:
    """The channel if the bot has there the permissions what it `posts` needs (lines of text
    by default), else StudyError naming what is missing; `setting` names the channel."""
    guild = interaction.guild
    if guild is None:
        raise app_commands.NoPrivateMessage()
    return check_post_channel(guild, channel.id, needed, f"the {setting}", posts)


def _one_of(channel: object | None, off: bool) -> None:
    if channel is not None and off:
        raise StudyError("Give a channel to turn it on, or `off:True` to turn it off; not both.")


@dataclass(frozen=True, slots=True)
class _ChannelSetting:
    """One channel setting of the server, as its command shows, sets or turns it off."""

    what: str  # for the log line
    posts: str  # what the bot posts there, for a missing permission
    current: Callable[[Any], int | None]  # the setting, from the server's channels
    save: Callable[[ModerationSettings, int, int | None], Awaitable[None]]
    message: Callable[..., Message]


_LOG_CHANNEL = _ChannelSetting(
    "log channel",
    "my reports",
    lambda channels: channels.log_channel_id,
    ModerationSettings.set_log_channel,
    log_channel_message,
)
_ANNOUNCE_CHANNEL = _ChannelSetting(
    "announce channel",
    "stage celebrations",
    lambda channels: channels.announce_channel_id,
    ModerationSettings.set_announce_channel,
    announce_channel_message,
)


async def _channel_setting(
    moderation: ModerationSettings,
    interaction: discord.Interaction,
    channel: discord.TextChannel | None,
    off: bool,
    setting: _ChannelSetting,
) -> None:
    """The setting shown (no options), set, or turned off."""
    assert interaction.guild_id is not None
    _one_of(channel, off)
    if channel is None and not off:
        channels = await moderation.channels(interaction.guild_id)
        shown = setting.message(setting.current(channels), changed=False)
    else:
        chosen = (
            _text_channel(interaction, channel, setting.what, setting.posts).id
            if channel is not None
            else None
        )
        await setting.save(moderation, interaction.guild_id, chosen)
        log.info("%s guild=%s channel=%s", setting.what, interaction.guild_id, chosen)
        shown = setting.message(chosen, changed=True)
    await answer(interaction, **send_kwargs(shown), ephemeral=True)


class Moderation(SubcommandCog):
    async def cog_unload(self) -> None:
        # Unloaded on close before the HTTP session and the database: batched lines go now.
        await self.bot.wiring.moderator_log.flush()
        await super().cog_unload()

    # --- commands -----------------------------------------------------------------------

    @subcommand(
        "roadmap-admin log-channel",
        "Where I report what I turned off or could not do (no options: show it)",
    )
    @app_commands.describe(
        channel="The moderators' channel for my reports", off="Stop reporting (True)"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def log_channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        off: bool = False,
    ) -> None:
        await _channel_setting(self.bot.wiring.moderation, interaction, channel, off, _LOG_CHANNEL)

    @subcommand(
        "roadmap-admin announce",
        "A channel that celebrates members who finish a stage (no options: show it)",
    )
    @app_commands.describe(channel="Where to celebrate", off="Stop announcing (True)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def announce(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        off: bool = False,
    ) -> None:
        await _channel_setting(
            self.bot.wiring.moderation, interaction, channel, off, _ANNOUNCE_CHANNEL
        )

    @subcommand(
        "roadmap-admin weekly",
        "A weekly leaderboard post (no options: show it)",
    )
    @app_commands.describe(
        channel="Where to post the week's leaderboard",
        day="Day of the week (default: sunday)",
        time=f"24-hour local time (default: {DEFAULT_TIME})",
        timezone="Time zone (default: the server's, else UTC)",
        off="Stop the weekly post (True)",
    )
    @app_commands.choices(
        day=[app_commands.Choice(name=name.capitalize(), value=name) for name in WEEKDAYS]
    )
    @app_commands.autocomplete(timezone=time_zone_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def weekly(  # noqa: PLR0917 (Discord passes the options positionally)
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        day: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        off: bool = False,
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        _one_of(channel, off)
        planner = self.bot.wiring.weekly
        if off:
            was_on = await planner.turn_off(guild_id)
            log.info("weekly off guild=%s", guild_id)
            message = weekly_off_message(was_on)
        elif channel is None:
            if day or time or timezone:
                raise StudyError("Name the channel to post in (`channel:`) with the day and time.")
            schedule = await planner.schedule(guild_id)
            recent = await planner.recent(guild_id)
            last = [(row.period, row.status) for row in recent]
            message = weekly_status_message(schedule, last)
        else:
            chosen = _text_channel(
                interaction,
                channel,
                "weekly post",
                "the weekly leaderboard",
                WEEKLY_POST_PERMISSIONS,
            )
            zone = timezone or await self._server_zone(guild_id)
            schedule = await planner.configure(
                guild_id, chosen.id, parse_weekday(day), time or DEFAULT_TIME, parse_zone(zone).key
            )
            log.info(
                "weekly set guild=%s channel=%s %s %s %s",
                guild_id,
                chosen.id,
                schedule.weekday,
                schedule.local_time,
                schedule.time_zone,
            )
            message = weekly_set_message(schedule)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    async def _server_zone(self, guild_id: int) -> str:
        return (await self.bot.services.servers.settings(guild_id)).time_zone or "UTC"

    # --- events -------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None:
        """Celebrate in the announce channel, unless the member hides their progress."""
        moderation = self.bot.wiring.moderation
        channel_id = (await moderation.channels(event.guild_id)).announce_channel_id
        if channel_id is None or await moderation.hides_progress(event.guild_id, event.user_id):
            return
        roadmap = self.bot.content.catalog.get(event.roadmap_id)
        text = stage_announcement(
            event.user_id, event.stage.title, roadmap.title if roadmap else event.roadmap_id
        )
        await self.bot.rest_pacer.acquire()
        try:
            await self.bot.get_partial_messageable(channel_id, guild_id=event.guild_id).send(
                content=text, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            log.warning("announce failed guild=%s channel=%s: %s", event.guild_id, channel_id, exc)
            await self.bot.wiring.moderator_log.report(
                event.guild_id,
                f"🎉 I could not celebrate a finished stage in <#{channel_id}> (Discord "
                f"answered {exc.status}); give me Send Messages there, or choose another "
                "channel with `/roadmap-admin announce`.",
            )

    @commands.Cog.listener()
    async def on_content_reloaded(self, outcome: ReloadOutcome) -> None:
        if not outcome.applied and outcome.errors:
            await self.bot.wiring.moderator_log.report_content_errors(
                outcome.problems, self.bot.content.catalog
            )

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any]
    ) -> None:
        """A followed roadmap that left the content is forgotten and the member told, once
        (after the command's own answer)."""
        await self.on_press_completion(interaction)

    @commands.Cog.listener()
    async def on_press_completion(self, interaction: discord.Interaction) -> None:
        """The same after a button's answer (a topic card, a daily post): told once, either way."""
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        key = (guild_id, interaction.user.id)
        catalog = self.bot.content.catalog
        gone = await self.bot.wiring.moderation.gone_roadmap(guild_id, interaction.user.id, catalog)
        if gone is None:
            return
        roadmap = await self.bot.services.roadmaps.member_roadmap(guild_id, interaction.user.id)
        log.info("followed roadmap gone guild=%s member=%s roadmap=%s", *key, gone)
        await tell_member(interaction, roadmap_gone_line(gone, roadmap.title))


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Moderation(bot))

"""Extension: `/roadmap-admin daily ...` (Manage Server), and the server's life cycle.

The DailyPlanner (bot/services/daily.py) decides everything, and its tick is the wiring's
(bot/wiring.py); this cog checks what only Discord knows (channel type, the bot's permissions
there, whether the ping role can be mentioned). When the bot leaves a server, that server's
schedule stops at once; its data goes 30 days later (ServerService's retention tick).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer, defer
from bot.cogs.autocomplete import MAX_CHOICES, roadmap_choices, time_zone_choices
from bot.cogs.daily_buttons import PERSISTENT_ITEMS as DAILY_POST_ITEMS
from bot.cogs.groups import SubcommandCog, subcommand
from bot.errors import StudyError
from bot.render import daily_status as views
from bot.render.daily import daily_post_for
from bot.render.permissions import (
    DAILY_POST_PERMISSIONS,
    THREAD_PERMISSIONS,
    joined,
    permission_label,
)
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

POSTABLE_CHANNELS = (discord.ChannelType.text, discord.ChannelType.news)


def check_post_channel(
    guild: discord.Guild, channel_id: int, needed: Sequence[str], post: str, what: str
) -> discord.abc.GuildChannel:
    """The channel, if it is a text or announcement channel where the bot has the `needed`
    permissions (what it sends there needs: `post` names it, `what` is what it posts); else
    StudyError naming what is missing."""
    channel = guild.get_channel(channel_id)
    if channel is None:
        raise StudyError("I can't see that channel. Give me View Channel there and try again.")
    if channel.type not in POSTABLE_CHANNELS:
        raise StudyError(
            f"{channel.mention} is not a text or announcement channel; {post} needs one."
        )
    if guild.me is None:  # the server is still arriving after a (re)connect
        raise StudyError("I'm still loading this server; try again in a minute.")
    permissions = channel.permissions_for(guild.me)
    missing = [permission_label(name) for name in needed if not getattr(permissions, name)]
    if missing:
        raise StudyError(
            f"I can't post {what} in {channel.mention}: I'm missing {joined(missing)} there. "
            f"Give me {'it' if len(missing) == 1 else 'them'} and try again."
        )
    return channel


def check_daily_channel(
    guild: discord.Guild,
    channel_id: int,
    ping_role: discord.Role | None,
    *,
    thread: bool = False,
) -> discord.abc.GuildChannel:
    """The channel, if the bot can post the daily topic there (and open its thread, with
    `thread`); else StudyError naming what is missing."""
    needed = (*DAILY_POST_PERMISSIONS, *(THREAD_PERMISSIONS if thread else ()))
    channel = check_post_channel(
        guild, channel_id, needed, "the daily post", "the topic of the day"
    )
    assert guild.me is not None  # checked by check_post_channel
    permissions = channel.permissions_for(guild.me)
    if ping_role is None:
        return channel
    if ping_role.is_default():
        raise StudyError("The daily post does not ping @everyone; choose a role instead.")
    if not ping_role.mentionable and not permissions.mention_everyone:
        raise StudyError(
            f"I can't ping {ping_role.mention}: make the role mentionable, or give me "
            f"Mention @everyone, @here, and All Roles in {channel.mention}."
        )
    return channel


async def schedule_topic_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Topics of the roadmap the schedule walks (the server's default before one is set)."""
    cog = (
        interaction.client.get_cog("DailyPosts")
        if isinstance(interaction.client, commands.Bot)
        else None
    )
    if not isinstance(cog, DailyPosts):
        return []
    catalog = cog.bot.content.catalog
    roadmap = catalog.default
    if interaction.guild_id is not None:
        status = await cog.planner.status(interaction.guild_id, recent=0)
        roadmap = (status.roadmap if status else None) or roadmap
    return [
        app_commands.Choice(name=topic.title[:100], value=topic.id)
        for topic in catalog.search_topics(roadmap.id, current, MAX_CHOICES)
    ]


class DailyPosts(SubcommandCog):
    """The moderators' daily post commands, and the bot joining and leaving servers."""

    def __init__(self, bot: StudyBot) -> None:
        super().__init__(bot)
        self.planner = bot.wiring.daily

    async def cog_load(self) -> None:
        self.bot.command_groups.add_subgroup(
            self, "roadmap-admin", "daily", "The topic of the day, posted in a channel"
        )
        await super().cog_load()

    # --- the server's life cycle --------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        stopped = await self.planner.turn_off(guild.id, "the bot was removed from the server")
        await self.bot.services.servers.bot_removed(guild.id)
        log.info("removed from guild=%s; daily post stopped=%s", guild.id, stopped)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.services.servers.bot_added(guild.id)

    # --- commands -----------------------------------------------------------------------

    @subcommand("roadmap-admin daily set", "Post the topic of the day in a channel at a local time")
    @app_commands.describe(
        channel="A text or announcement channel I can post in",
        time="24-hour local time, e.g. 09:00",
        timezone="IANA time zone, e.g. Europe/Berlin (also the server's zone for leaderboards)",
        roadmap="The roadmap to walk through (default: the server's)",
        ping_role="A role to ping with each post",
        thread="Open a discussion thread on each post, named after the topic",
    )
    @app_commands.autocomplete(timezone=time_zone_choices, roadmap=roadmap_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_set(  # noqa: PLR0917 (Discord passes the options positionally)
        self,
        interaction: discord.Interaction,
        # Voice and stage channels are offered too, so that picking one gets an explanation.
        channel: discord.TextChannel | discord.VoiceChannel | discord.StageChannel,
        time: str,
        timezone: str,
        roadmap: str | None = None,
        ping_role: discord.Role | None = None,
        thread: bool = False,
    ) -> None:
        guild = _guild(interaction)
        check_daily_channel(guild, channel.id, ping_role, thread=thread)
        schedule = await self.planner.configure(
            guild.id,
            channel.id,
            time,
            timezone,
            roadmap_id=roadmap,
            ping_role_id=ping_role.id if ping_role else None,
            open_thread=thread,
        )
        await self.bot.services.servers.set_time_zone(guild.id, schedule.time_zone)
        status = await self.planner.status(guild.id)
        walk = status.roadmap if status else None
        preview = await self.planner.preview(guild.id)
        log.info(
            "daily set guild=%s channel=%s at %s %s thread=%s by member=%s",
            guild.id,
            channel.id,
            schedule.local_time,
            schedule.time_zone,
            schedule.open_thread,
            interaction.user.id,
        )
        message = views.daily_set_message(
            schedule, walk.title if walk else "the server's roadmap", preview.topic
        )
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin daily off", "Stop posting the topic of the day")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_off(self, interaction: discord.Interaction) -> None:
        guild = _guild(interaction)
        was_on = await self.planner.turn_off(guild.id)
        log.info("daily off guild=%s by member=%s", guild.id, interaction.user.id)
        message = views.daily_off_message(was_on)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin daily status", "The daily post: schedule, next post, last posts")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_status(self, interaction: discord.Interaction) -> None:
        status = await self.planner.status(_guild(interaction).id)
        message = views.daily_status_message(status) if status else views.daily_not_set_message()
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin daily preview", "See the next daily post (only you see it)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_preview(self, interaction: discord.Interaction) -> None:
        preview = await self.planner.preview(_guild(interaction).id)
        message = daily_post_for(
            preview.roadmap,
            preview.topic,
            local_date=preview.local_date,
            ping_role_id=preview.ping_role_id,
        )
        # Shown, not sent: the role mention in a preview must not ping anyone.
        await answer(
            interaction,
            **send_kwargs(message),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @subcommand("roadmap-admin daily post-now", "Post today's topic now (counts as today's)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_post_now(self, interaction: discord.Interaction) -> None:
        guild = _guild(interaction)
        # Sending waits for a REST slot and Discord's answer: acknowledge first.
        await defer(interaction)
        existing, outcome = await self.planner.post_now(guild.id)
        if existing is not None:
            message = views.already_posted_message(existing, guild.id)
        elif outcome is not None and outcome.kind == "sent":
            schedule = await self.planner.store.schedule(guild.id)
            channel_id = schedule.channel_id if schedule else 0
            message = views.post_now_message(channel_id, outcome.message_id, guild.id)
        elif outcome is not None and outcome.kind == "refused":
            raise StudyError(f"Discord refused the post: {outcome.reason}. Daily posts are off.")
        else:
            raise StudyError(
                "Discord did not answer in time; the post will be retried by itself "
                "(`/roadmap-admin daily status` shows it)."
            )
        log.info("daily post-now guild=%s by member=%s", guild.id, interaction.user.id)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin daily jump", "Choose the topic the next daily post shows")
    @app_commands.describe(topic="The topic to post next; the walk continues from there")
    @app_commands.autocomplete(topic=schedule_topic_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def daily_jump(self, interaction: discord.Interaction, topic: str) -> None:
        guild = _guild(interaction)
        chosen = await self.planner.jump(guild.id, topic)
        schedule = await self.planner.store.schedule(guild.id)
        log.info(
            "daily jump guild=%s topic=%s by member=%s", guild.id, chosen.id, interaction.user.id
        )
        message = views.jump_message(chosen, schedule)
        await answer(interaction, **send_kwargs(message), ephemeral=True)


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(DailyPosts(bot))
    bot.add_persistent_items(*DAILY_POST_ITEMS)

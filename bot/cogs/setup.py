"""Extension: `/roadmap-admin setup`, the daily post set up in one guided message.

The command takes the time and zone as slash options (autocompleted; a modal could not
autocomplete), then answers with one message: a channel select, an optional ping-role select, a
roadmap select, the preview of the first post once a channel is picked, and Confirm. From the
command to a saved schedule: setup, channel, (role,) Confirm.

Nothing is kept between the presses: every component is a DynamicItem whose custom_id carries
the owner, time and zone, and the choices made so far are the selects' default values on the
message itself (each press rebuilds the message with them), so a restart loses nothing.
Saving goes through the same checks and planner call as `daily set`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.cogs.answers import answer, answer_edit
from bot.cogs.autocomplete import roadmap_choices, time_zone_choices
from bot.cogs.buttons import OwnedButton, persistent_view
from bot.cogs.daily import check_daily_channel
from bot.cogs.groups import SubcommandCog, subcommand
from bot.errors import StudyError
from bot.render import daily_status as views
from bot.render.custom_ids import SetupPart
from bot.render.daily import daily_post_for
from bot.render.payload import Message
from bot.render.text import no_pings, one_line
from bot.render.to_discord import to_embeds
from bot.services.daily_setup import FirstPost, first_post
from bot.services.timezones import format_local_time, parse_local_time, parse_zone

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

#: Discord's limit of options in one select.
SELECT_OPTIONS_MAX = 25
COMMON_TIMES = ("07:00", "08:00", "09:00", "12:00", "17:00", "18:00", "19:00", "20:00", "21:00")


@dataclass(frozen=True, slots=True)
class Draft:
    """A setup in progress, as the message shows it."""

    owner_id: int
    time_text: str  # HH:MM
    zone: str  # IANA name
    channel_id: int | None = None
    role_id: int | None = None
    roadmap_id: str | None = None

    def custom_id(self, part: str) -> str:
        return SetupPart(part, self.owner_id, self.time_text.replace(":", ""), self.zone).custom_id


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def _require_moderator(interaction: discord.Interaction) -> None:
    # The command checks Manage Server; a press is checked again (the permission may be gone).
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])


def draft_from_message(
    message: discord.Message | None, owner_id: int, time_text: str, zone: str
) -> Draft:
    """The choices the setup message shows: its selects' default values."""
    draft = Draft(owner_id, time_text, zone)
    if message is None:
        return draft
    for row in message.components:
        for item in getattr(row, "children", ()):
            custom_id = getattr(item, "custom_id", None) or ""
            spec = SetupPart.parse(custom_id)
            if spec is None or not isinstance(item, discord.SelectMenu):
                continue
            defaults = [value.id for value in item.default_values]
            chosen = [option.value for option in item.options if option.default]
            if spec.part == "ch" and defaults:
                draft = replace(draft, channel_id=int(defaults[0]))
            elif spec.part == "ro" and defaults:
                draft = replace(draft, role_id=int(defaults[0]))
            elif spec.part == "rm" and chosen:
                draft = replace(draft, roadmap_id=chosen[0])
    return draft


def setup_text(draft: Draft, post: FirstPost | None) -> str:
    lines = [
        f"**Set up the topic of the day**: every day at **{draft.time_text} {draft.zone}**.",
        "Pick the channel to post in; a role to ping (optional) and the roadmap if you like; "
        "then **Confirm**.",
    ]
    if draft.channel_id is not None and post is not None:
        ping = f", pinging <@&{draft.role_id}>" if draft.role_id else ""
        lines.append(
            f"The first post goes to <#{draft.channel_id}> on **{post.local_date}**{ping}, "
            f"from **{one_line(no_pings(post.roadmap.title))}**. It will look like this:"
        )
    return "\n".join(lines)


class SetupItem(
    OwnedButton, discord.ui.DynamicItem[discord.ui.Item[Any]], template=SetupPart.TEMPLATE
):
    """Any component of the setup message; its `part` says which."""

    not_yours = (
        "This setup belongs to the moderator who started it. "
        "Run `/roadmap-admin setup` to set up the daily post yourself."
    )

    def __init__(self, item: discord.ui.Item[Any], part: str, draft: Draft) -> None:
        super().__init__(item)
        self.part = part
        self.draft = draft
        self.owner_id = draft.owner_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> SetupItem:
        spec = SetupPart.from_match(match)
        owner_id = spec.owner_id if spec is not None else 0  # 0: not the bot's id, nobody's
        digits = match["time"]
        draft = draft_from_message(
            interaction.message, owner_id, f"{digits[:2]}:{digits[2:]}", match["zone"]
        )
        return cls(item, match["part"], draft)

    async def press(self, interaction: discord.Interaction) -> None:
        _require_moderator(interaction)
        guild = _guild(interaction)
        draft = self.draft
        picked = list(getattr(self.item, "values", ()))
        if self.part == "ch":
            channel = picked[0] if picked else None
            draft = replace(draft, channel_id=channel.id if channel is not None else None)
        elif self.part == "ro":
            role = picked[0] if picked else None
            draft = replace(draft, role_id=role.id if role is not None else None)
        elif self.part == "rm":
            draft = replace(draft, roadmap_id=str(picked[0]) if picked else None)
        else:
            await confirm(interaction, guild, draft)
            return
        if draft.channel_id is not None:
            # Said now, not at Confirm: what is missing in a channel is the likeliest problem.
            check_daily_channel(guild, draft.channel_id, _role(guild, draft.role_id))
        await answer_edit(interaction, **await setup_payload(interaction, draft))


def _role(guild: discord.Guild, role_id: int | None) -> discord.Role | None:
    if role_id is None:
        return None
    role = guild.get_role(role_id)
    if role is None:
        raise StudyError("That role no longer exists; pick another one.")
    return role


async def confirm(interaction: discord.Interaction, guild: discord.Guild, draft: Draft) -> None:
    """Save the schedule as `daily set` does, and replace the setup message with the result."""
    if draft.channel_id is None:
        raise StudyError("Pick the channel to post in first.")
    bot = _bot(interaction)
    ping_role = _role(guild, draft.role_id)
    check_daily_channel(guild, draft.channel_id, ping_role)
    planner = bot.wiring.daily
    server = await bot.services.servers.settings(guild.id)
    # The server's own roadmap, left as it was preselected, stays "the server's": the posts
    # then follow a later `/roadmap-admin roadmap` change, as with `daily set` without one.
    default = server.default_roadmap or bot.content.catalog.default_id
    schedule = await planner.configure(
        guild.id,
        draft.channel_id,
        draft.time_text,
        draft.zone,
        roadmap_id=None if draft.roadmap_id == default else draft.roadmap_id,
        ping_role_id=ping_role.id if ping_role else None,
    )
    await bot.services.servers.set_time_zone(guild.id, schedule.time_zone)
    status = await planner.status(guild.id, recent=0)
    walk = status.roadmap if status else None
    preview = await planner.preview(guild.id)
    log.info(
        "setup saved guild=%s channel=%s at %s %s by member=%s",
        guild.id,
        draft.channel_id,
        schedule.local_time,
        schedule.time_zone,
        interaction.user.id,
    )
    message = views.daily_set_message(
        schedule, walk.title if walk else "the server's roadmap", preview.topic
    )
    done = (
        f"{message.content}\n`/roadmap-admin daily status` shows it; "
        "`/roadmap-admin daily preview` the next post."
    )
    await answer_edit(interaction, content=done, embeds=[], view=None)


async def setup_payload(interaction: discord.Interaction, draft: Draft) -> dict[str, Any]:
    """The setup message for `draft`: text, the preview once a channel is picked, components."""
    bot = _bot(interaction)
    guild = _guild(interaction)
    server = await bot.services.servers.settings(guild.id)
    catalog = bot.content.catalog
    post = await first_post(
        bot.wiring.daily,
        guild.id,
        time_text=draft.time_text,
        zone_name=draft.zone,
        roadmap_id=draft.roadmap_id,
        server_default=server.default_roadmap,
    )
    embeds: list[discord.Embed] = []
    if draft.channel_id is not None:
        preview = daily_post_for(
            post.roadmap, post.topic, local_date=post.local_date, ping_role_id=draft.role_id
        )
        embeds = to_embeds(Message(embeds=preview.embeds))

    channel_select: discord.ui.ChannelSelect[Any] = discord.ui.ChannelSelect(
        custom_id=draft.custom_id("ch"),
        placeholder="Channel for the daily post",
        channel_types=[discord.ChannelType.text, discord.ChannelType.news],
        default_values=[discord.Object(draft.channel_id)] if draft.channel_id else [],
    )
    role_select: discord.ui.RoleSelect[Any] = discord.ui.RoleSelect(
        custom_id=draft.custom_id("ro"),
        placeholder="Role to ping (optional)",
        min_values=0,
        max_values=1,
        default_values=[discord.Object(draft.role_id)] if draft.role_id else [],
    )
    items: list[discord.ui.Item[Any]] = [
        SetupItem(channel_select, "ch", draft),
        SetupItem(role_select, "ro", draft),
    ]
    roadmaps = catalog.roadmaps[:SELECT_OPTIONS_MAX]
    if len(roadmaps) > 1:
        roadmap_select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=draft.custom_id("rm"),
            placeholder="Roadmap",
            options=[
                discord.SelectOption(
                    label=one_line(item.title)[:100],
                    value=item.id,
                    default=item.id == post.roadmap.id,
                )
                for item in roadmaps
            ],
        )
        items.append(SetupItem(roadmap_select, "rm", draft))
    confirm_button: discord.ui.Button[Any] = discord.ui.Button(
        label="Confirm",
        style=discord.ButtonStyle.success,
        custom_id=draft.custom_id("ok"),
        disabled=draft.channel_id is None,
    )
    items.append(SetupItem(confirm_button, "ok", draft))
    return {
        "content": setup_text(draft, post),
        "embeds": embeds,
        "view": persistent_view(*items),
        # The preview shows the ping role; showing must not ping it.
        "allowed_mentions": discord.AllowedMentions.none(),
    }


async def time_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """A few usual times, those starting with what was typed; a full typed time is offered."""
    typed = current.strip()
    found = [value for value in COMMON_TIMES if value.startswith(typed)]
    try:
        exact = format_local_time(parse_local_time(typed))
    except StudyError:
        exact = None
    if exact is not None and exact not in found:
        found.insert(0, exact)
    return [app_commands.Choice(name=value, value=value) for value in found]


class Setup(SubcommandCog):
    async def cog_load(self) -> None:
        await super().cog_load()
        self.bot.add_persistent_items(SetupItem)

    @subcommand("roadmap-admin setup", "Set up the daily topic post: channel, time, preview")
    @app_commands.describe(
        time="24-hour local time of the daily post, e.g. 09:00",
        timezone="Time zone, e.g. Europe/Berlin (also the server's zone for leaderboards)",
        roadmap="The roadmap to post from (default: the server's; the menu can change it too)",
    )
    @app_commands.autocomplete(
        time=time_choices, timezone=time_zone_choices, roadmap=roadmap_choices
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def setup(
        self,
        interaction: discord.Interaction,
        time: str,
        timezone: str,
        roadmap: str | None = None,
    ) -> None:
        # Checked before anything is shown: a bad time, zone or roadmap is said at once.
        at = format_local_time(parse_local_time(time))
        zone = parse_zone(timezone).key
        # As a slash option too, so channel, role and roadmap all chosen still take at most
        # four interactions (setup, channel, role, Confirm).
        chosen = self.bot.content.catalog.require(roadmap).id if roadmap else None
        draft = Draft(interaction.user.id, at, zone, roadmap_id=chosen)
        await answer(interaction, **await setup_payload(interaction, draft), ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Setup(bot))

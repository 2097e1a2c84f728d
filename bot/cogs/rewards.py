"""Extension: `/roadmap-admin reward set | remove | list` (Manage Server), and giving the role
when a member finishes a stage (the `stage_completed` event, from commands and buttons): the
member is told which role they earned (a follow-up to their press), the grant is recorded (for
Undo), and a role that could not be given is reported in the moderators' log channel.

A role is checked when it is chosen (the bot must be able to give it, and the moderator too: a
member marks topics themselves, so a reward must not hand out what the moderator could not)
and again before each award, so a role moved or deleted since costs no refused request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer, answered
from bot.cogs.autocomplete import MAX_CHOICES, roadmap_choices
from bot.cogs.events import StageCompleted
from bot.cogs.groups import SubcommandCog, subcommand
from bot.cogs.servers_elsewhere import servers_elsewhere
from bot.errors import StudyError
from bot.render.moderation import role_earned_line
from bot.render.permissions import permission_names
from bot.render.rewards import reward_list_message, reward_removed_message, reward_set_message
from bot.render.to_discord import send_kwargs
from bot.roadmap.catalog import require_stage
from bot.services.moderator_log import reward_not_given_line, reward_notice_key

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)


def why_the_bot_cannot_give(role: discord.Role, me: discord.Member | None = None) -> str | None:
    """Why Discord would refuse to let the bot give `role` (None when it would allow it); `me`
    is the bot's member when the server is not in this process's cache (fetched)."""
    guild = role.guild
    if role.is_default():
        return "Every member already has that role; choose another one."
    if role.managed:
        return (
            f"{role.mention} is managed by a bot, an integration or Server Boosting; Discord "
            "lets no one give it by hand. Choose another role."
        )
    me = guild.me if me is None else me
    if me is None or me.id == guild.owner_id:
        return None
    if not me.guild_permissions.manage_roles:
        return (
            "I need the Manage Roles permission to give reward roles. Give it to my role "
            f"{me.top_role.mention} in Server Settings → Roles and try again."
        )
    if role >= me.top_role:
        return (
            f"{role.mention} is at or above my highest role {me.top_role.mention}, so Discord "
            "won't let me give it. Move my role above it in Server Settings → Roles, "
            "or choose a lower role."
        )
    return None


def why_the_moderator_cannot_choose(role: discord.Role, moderator: discord.Member) -> str | None:
    """Why `moderator` may not make `role` a reward. Members mark their own topics, so a reward
    is as good as given to anyone: it must be a role the moderator could give themselves, and
    carry no moderator powers."""
    elevated = [name for name, on in role.permissions & discord.Permissions.elevated() if on]
    if elevated:
        return (
            f"{role.mention} carries moderator permissions ({permission_names(elevated)}). "
            "Members mark topics themselves, so a reward role must not: choose another role."
        )
    if moderator.id == role.guild.owner_id:
        return None
    if not moderator.guild_permissions.manage_roles:
        return (
            "You need the Manage Roles permission to choose a reward role, since I give it "
            "on your behalf."
        )
    if role >= moderator.top_role:
        return (
            f"{role.mention} is at or above your highest role; choose a role you could give "
            "yourself."
        )
    return None


async def admin_stage_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Stages of the roadmap chosen in the same command, else of the server's roadmap."""
    bot = cast("StudyBot", interaction.client)
    if interaction.guild_id is None:
        return []
    requested = str(getattr(interaction.namespace, "roadmap", "") or "")
    try:
        roadmap = await bot.services.roadmaps.server_roadmap(
            interaction.guild_id, requested or None
        )
    except StudyError:
        roadmap = await bot.services.roadmaps.server_roadmap(interaction.guild_id)
    return [
        app_commands.Choice(
            name=f"{(roadmap.stage_position(stage.id) or 0) + 1}. {stage.title}"[:100],
            value=stage.id,
        )
        for stage in bot.content.catalog.search_stages(roadmap.id, current, MAX_CHOICES)
    ]


class StageRewards(SubcommandCog):
    """Moderators choose a role per stage; members get it when they finish the stage."""

    async def cog_load(self) -> None:
        self.bot.command_groups.add_subgroup(
            self, "roadmap-admin", "reward", "Roles given to members who finish a stage"
        )
        await super().cog_load()

    @subcommand("roadmap-admin reward set", "Give a role to members who finish a stage")
    @app_commands.describe(
        stage="The stage to reward",
        role="The role to give (below my highest role)",
        roadmap="The roadmap of that stage (default: the server's)",
    )
    @app_commands.autocomplete(stage=admin_stage_choices, roadmap=roadmap_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reward_set(
        self,
        interaction: discord.Interaction,
        stage: str,
        role: discord.Role,
        roadmap: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        chosen = await self.bot.services.roadmaps.server_roadmap(interaction.guild_id, roadmap)
        found = require_stage(chosen, stage)
        moderator = interaction.user
        refusal = why_the_bot_cannot_give(role) or (
            why_the_moderator_cannot_choose(role, moderator)
            if isinstance(moderator, discord.Member)
            else None
        )
        if refusal:
            raise StudyError(refusal)
        servers = self.bot.services.servers
        before = await servers.reward_for(interaction.guild_id, chosen.id, found.id)
        await servers.set_reward(interaction.guild_id, chosen, found.id, role.id)
        log.info(
            "reward set guild=%s member=%s roadmap=%s stage=%s role=%s",
            interaction.guild_id,
            moderator.id,
            chosen.id,
            found.id,
            role.id,
        )
        message = reward_set_message(
            self.bot.content.catalog, chosen, found, role.id, replaced=before
        )
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin reward remove", "Stop giving a role for finishing a stage")
    @app_commands.describe(
        stage="The stage whose role to stop giving",
        roadmap="The roadmap of that stage (default: the server's)",
    )
    @app_commands.autocomplete(stage=admin_stage_choices, roadmap=roadmap_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reward_remove(
        self, interaction: discord.Interaction, stage: str, roadmap: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        chosen = await self.bot.services.roadmaps.server_roadmap(interaction.guild_id, roadmap)
        found = require_stage(chosen, stage)
        removed = await self.bot.services.servers.remove_reward(
            interaction.guild_id, chosen, found.id
        )
        if removed:
            log.info(
                "reward removed guild=%s member=%s roadmap=%s stage=%s",
                interaction.guild_id,
                interaction.user.id,
                chosen.id,
                found.id,
            )
        message = reward_removed_message(self.bot.content.catalog, chosen, found, removed=removed)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap-admin reward list", "The roles this server gives for finishing stages")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reward_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rewards = await self.bot.services.servers.rewards(interaction.guild_id)
        guild = interaction.guild
        live_roles = {role.id for role in guild.roles} if guild else set()
        message = reward_list_message(rewards, self.bot.content.catalog, live_roles)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    # --- giving the role ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_stage_completed(self, event: StageCompleted) -> None:
        role_id = await self.bot.services.servers.reward_for(
            event.guild_id, event.roadmap_id, event.stage.id
        )
        if role_id is None:
            return
        where = (
            f"guild={event.guild_id} member={event.user_id} stage={event.stage.id} role={role_id}"
        )
        # A DM's press reaches shard 0's process, whose cache may not hold the server.
        servers = servers_elsewhere(self.bot)
        guild = await servers.guild(event.guild_id)
        role = guild.get_role(role_id) if guild else None
        if role is None:
            log.warning("reward not given, the role no longer exists: %s", where)
            await self._not_given(
                event,
                role_id,
                "that role no longer exists. Choose another with `/roadmap-admin reward set`.",
            )
            return
        presser = event.interaction.user if event.interaction is not None else None
        if presser is not None and not isinstance(presser, discord.Member):
            # A DM's press: a user, not a member; their roles over REST, once a stage.
            presser = await servers.member(role.guild, event.user_id)
        if isinstance(presser, discord.Member) and presser.get_role(role_id) is not None:
            # Held already (given by hand, or earned before): nothing to give, and nothing an
            # Undo may take back, so no grant is recorded.
            log.info("reward already held: %s", where)
            return
        me = await servers.own_member(role.guild)
        reason = why_the_bot_cannot_give(role, me)
        if reason:
            log.warning("reward not given: %s: %s", where, reason)
            await self._not_given(event, role_id, reason)
            return
        try:
            # Members are not cached (no members intent), so the role goes by ids: one request.
            await self.bot.http.add_role(
                event.guild_id,
                event.user_id,
                role_id,
                reason=f"Finished the stage {event.stage.id!r}"[:512],
            )
        except discord.HTTPException as exc:
            log.warning(
                "reward not given, Discord refused (%s, code %s): %s", exc.status, exc.code, where
            )
            await self._not_given(
                event,
                role_id,
                f"Discord refused it ({exc.status} {exc.text or 'error'}). Check that my role "
                "is above it and has Manage Roles.",
            )
            return
        # Recorded so that an Undo of the press takes back this role, and only one the bot gave.
        await self.bot.wiring.moderation.record_grant(
            event.guild_id, event.user_id, event.roadmap_id, event.stage.id, role_id
        )
        log.info("reward given: %s", where)
        await tell_member(event.interaction, role_earned_line(role_id, event.stage.title))

    async def _not_given(self, event: StageCompleted, role_id: int, reason: str) -> None:
        """Say in the moderators' log why a reward role was not given (once a day per role,
        stage and reason: the first member it failed for is named)."""
        line = reward_not_given_line(event.user_id, role_id, event.stage.title, reason)
        day = self.bot.clock.now().date().isoformat()
        key = reward_notice_key(role_id, event.roadmap_id, event.stage.id, reason, day)
        await self.bot.wiring.moderator_log.report(event.guild_id, line, once_key=key)


#: How long a follow-up waits for the press's own answer to go out first (a deferred one may
#: take longer than a first answer's 3 s: the work behind it was slow).
ANSWER_WAIT = 30.0


async def tell_member(interaction: discord.Interaction | None, text: str) -> None:
    """An ephemeral follow-up to the press or command, after its own answer (a follow-up
    before the first answer would fail, and would read out of order)."""
    if interaction is None or not await answered(interaction, ANSWER_WAIT):
        return
    try:
        await interaction.followup.send(
            text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as exc:
        log.warning("could not tell member=%s: %s", interaction.user.id, exc)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(StageRewards(bot))

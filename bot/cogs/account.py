"""`/roadmap settings | roadmaps | follow | export | forget-me | help`: a member's own things,
and the forget-me question's buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.cogs.answers import answer, answer_edit
from bot.cogs.autocomplete import roadmap_choices, time_zone_choices
from bot.cogs.buttons import persistent_view
from bot.cogs.groups import ADMIN_GROUP, MEMBER_GROUP, SubcommandCog, subcommand
from bot.cogs.kind_buttons import OwnedKindButton
from bot.render.account import (
    export_message,
    followed_message,
    roadmaps_message,
    settings_message,
)
from bot.render.custom_ids import ForgetAnswer
from bot.render.help import help_message
from bot.render.study_loop import with_reviews_setting
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

FORGET_QUESTION = (
    "This deletes everything the bot stores about you in this server: your progress, the "
    "history behind your streaks, your settings and reminder. It cannot be undone. Are you sure?"
)


class ForgetButton(OwnedKindButton[ForgetAnswer], kind=ForgetAnswer):
    """ "Delete my data" / "Keep it" under the forget-me question."""

    not_yours = (
        "This question was asked of another member and can only delete their data. "
        "To delete yours, run `/roadmap forget-me` yourself."
    )

    def label_for(self, spec: ForgetAnswer | None) -> str:
        return "Delete my data" if spec and spec.answer == ForgetAnswer.YES else "Keep it"

    def style_for(self, spec: ForgetAnswer | None) -> discord.ButtonStyle:
        if spec and spec.answer == ForgetAnswer.YES:
            return discord.ButtonStyle.danger
        return discord.ButtonStyle.secondary

    async def press(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # the question is only asked in servers
        if self.spec is None or self.spec.answer != ForgetAnswer.YES:
            await answer_edit(
                interaction, content="Nothing was deleted; your progress is still here.", view=None
            )
            return
        bot = cast("StudyBot", interaction.client)
        deleted = await bot.services.members.forget(interaction.guild_id, self.owner_id)
        log.info(
            "forgot member=%s guild=%s (%d rows)", self.owner_id, interaction.guild_id, deleted
        )
        await answer_edit(
            interaction,
            content="Done: everything the bot stored about you in this server is deleted.",
            view=None,
        )


def forget_buttons(owner_id: int) -> discord.ui.View:
    return persistent_view(
        ForgetButton(ForgetAnswer(ForgetAnswer.YES, owner_id)),
        ForgetButton(ForgetAnswer(ForgetAnswer.NO, owner_id)),
    )


def _ids(interaction: discord.Interaction) -> tuple[int, int]:
    assert interaction.guild_id is not None  # every command checks it is used in a server
    return interaction.guild_id, interaction.user.id


def usage(command: app_commands.Command) -> str:
    """`/roadmap example <stage> [topic]`, from the command's own parameters."""
    params = " ".join(
        f"<{param.display_name}>" if param.required else f"[{param.display_name}]"
        for param in command.parameters
    )
    return f"/{command.qualified_name} {params}".rstrip()


class Account(SubcommandCog):
    @subcommand("roadmap settings", "Your time zone and whether others see your progress")
    @app_commands.describe(
        timezone="An IANA time zone such as Europe/Berlin (`default` uses the server's)",
        hide_progress="Hide your progress from other members and the leaderboard",
        reviews="Spaced review of the topics you finished (/roadmap review); on by default",
    )
    @app_commands.autocomplete(timezone=time_zone_choices)
    async def settings(
        self,
        interaction: discord.Interaction,
        timezone: str | None = None,
        hide_progress: bool | None = None,
        reviews: bool | None = None,
    ) -> None:
        guild_id, user_id = _ids(interaction)
        members = self.bot.services.members
        mine = await members.update_settings(
            guild_id, user_id, time_zone=timezone, hide_progress=hide_progress
        )
        study = self.bot.services.study
        if reviews is not None:
            await study.set_reviews_enabled(guild_id, user_id, reviews)
        server = await self.bot.services.servers.settings(guild_id)
        message = settings_message(
            time_zone=mine.time_zone,
            server_zone=server.time_zone,
            hide_progress=mine.hide_progress,
            changed=timezone is not None or hide_progress is not None or reviews is not None,
            reminder=await self.bot.wiring.reminders.get(guild_id, user_id),
            refusal=await self.bot.wiring.reminders.refusal(guild_id, user_id),
        )
        message = with_reviews_setting(message, await study.reviews_enabled(guild_id, user_id))
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap roadmaps", "The roadmaps on offer and the one you study")
    async def roadmaps(self, interaction: discord.Interaction) -> None:
        guild_id, user_id = _ids(interaction)
        following = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        catalog = self.bot.content.catalog
        server = await self.bot.services.servers.settings(guild_id)
        default = server.default_roadmap if server.default_roadmap in catalog.ids else None
        message = roadmaps_message(
            catalog.roadmaps,
            following=following.id,
            server_default=default or catalog.default_id,
        )
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap follow", "Choose which roadmap you study in this server")
    @app_commands.describe(roadmap="The roadmap to study (`default`: the server's)")
    @app_commands.autocomplete(roadmap=roadmap_choices)
    async def follow(self, interaction: discord.Interaction, roadmap: str) -> None:
        guild_id, user_id = _ids(interaction)
        catalog = self.bot.content.catalog
        wanted: str | None = roadmap
        if roadmap.strip().lower() == "default" and catalog.get("default") is None:
            wanted = None
        available = [(item.id, item.title) for item in catalog.roadmaps]
        await self.bot.services.members.follow(guild_id, user_id, wanted, available)
        chosen = await self.bot.services.roadmaps.member_roadmap(guild_id, user_id)
        message = followed_message(chosen.title, server_default=wanted is None)
        await answer(interaction, **send_kwargs(message), ephemeral=True)

    @subcommand("roadmap export", "Your data in this server as a JSON file", cooldown=(2, 60.0))
    async def export(self, interaction: discord.Interaction) -> None:
        guild_id, user_id = _ids(interaction)
        data = await self.bot.services.members.export(guild_id, user_id)
        await answer(interaction, **send_kwargs(export_message(data)), ephemeral=True)

    @subcommand(
        "roadmap forget-me", "Delete all your data in this server (asks first)", cooldown=(3, 60.0)
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        _, user_id = _ids(interaction)
        await answer(interaction, FORGET_QUESTION, view=forget_buttons(user_id), ephemeral=True)

    @subcommand("roadmap help", "What this bot does and its commands")
    async def help(self, interaction: discord.Interaction) -> None:
        commands_ = _listed(self.bot.command_groups.find_group(MEMBER_GROUP))
        # Moderators see their own commands too; others would only be refused by them.
        may_moderate = interaction.permissions.manage_guild
        moderators = (
            _listed(self.bot.command_groups.find_group(ADMIN_GROUP)) if may_moderate else []
        )
        message = help_message(commands_, moderators)
        await answer(interaction, **send_kwargs(message), ephemeral=True)


def _listed(group: app_commands.Group) -> list[tuple[str, str]]:
    """(usage, description) of every command under `group`, subgroups walked."""
    return [
        (usage(command), command.description)
        for command in group.walk_commands()
        if isinstance(command, app_commands.Command)
    ]

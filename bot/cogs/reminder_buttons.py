"""The buttons on a reminder DM: Done, Skip, Show example and Check yourself for the topic,
Review now and Stop reminders.

A DM has no server, so each custom_id (`dm:`, bot/render/custom_ids.py) names the server and
the member it was sent to: only that member may press it (checked against the presser), and
every answer says which server it acted in. Check yourself and Review now open the check and
the reviews due of that server, in the DM, with buttons that name the server too (`xa:`,
`ya:`, `yv:`), so what the member answers is recorded there. Nothing is kept in memory, so the
buttons keep working after a restart and on older DMs.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.answers import answer
from bot.cogs.buttons import OwnedButton
from bot.cogs.check_yourself import TOPIC_LEFT, check_send, live_topic
from bot.cogs.events import announce_mark
from bot.cogs.save import with_save_button
from bot.cogs.study_loop import review_card
from bot.cogs.topic_card import NO_EXAMPLE
from bot.records import DONE, SKIPPED
from bot.render.custom_ids import ReminderMemberButton, ReminderTopicButton
from bot.render.example import more_examples_reply
from bot.render.progress_card import mark_reply
from bot.render.reminders import (
    reminder_button_label,
    reminder_press_header,
    reminder_stopped_message,
)
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

NOT_YOURS = "This reminder was sent to another member; its buttons act only for them."
OUTDATED = "This button is outdated. Use `/roadmap next` in the server to carry on."
LEFT_SERVER = "I am no longer in the server this reminder is from."

_STATUS_OF_PRESS = {ReminderTopicButton.DONE: DONE, ReminderTopicButton.SKIP: SKIPPED}


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


def _style(spec: ReminderTopicButton | ReminderMemberButton | None) -> discord.ButtonStyle:
    if isinstance(spec, ReminderTopicButton) and spec.action == ReminderTopicButton.DONE:
        return discord.ButtonStyle.success
    if isinstance(spec, ReminderMemberButton) and spec.action == ReminderMemberButton.STOP:
        return discord.ButtonStyle.danger
    return discord.ButtonStyle.secondary


class ReminderTopicItem(
    OwnedButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=ReminderTopicButton.TEMPLATE,
):
    """Done / Skip / Show example for the DM's topic, in the server the DM names."""

    not_yours = NOT_YOURS

    def __init__(self, spec: ReminderTopicButton | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=reminder_button_label(spec) if spec else "Done",
                style=_style(spec),
                custom_id=spec.custom_id if spec else "dm:d:0:0:x:x",
            )
        )
        self.spec = spec
        self.owner_id = spec.owner_id if spec else 0

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReminderTopicItem:
        return cls(ReminderTopicButton.from_match(match))

    async def press(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        spec = self.spec
        if spec is None:
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        guild = bot.get_guild(spec.guild_id)
        if guild is None:
            await answer(interaction, LEFT_SERVER, ephemeral=True)
            return
        header = reminder_press_header(guild.name)
        found = live_topic(bot, spec.roadmap_id, spec.topic_id)
        stage = found[0].stage_of(found[1].id) if found else None
        if found is None or stage is None:
            await answer(interaction, f"{header} {TOPIC_LEFT}", ephemeral=True)
            return
        roadmap, topic = found
        log.info(
            "reminder button %s topic=%s guild=%s member=%s",
            spec.action,
            topic.id,
            spec.guild_id,
            spec.owner_id,
        )
        if spec.action == ReminderTopicButton.EXAMPLE:
            number = (roadmap.stage_position(stage.id) or 0) + 1
            message = more_examples_reply(
                topic, stage, stage_number=number, stage_count=len(roadmap.stages)
            )
            if message is None:
                await answer(interaction, f"{header} {NO_EXAMPLE}", ephemeral=True)
                return
            kwargs = send_kwargs(message)
            kwargs["content"] = header
            await answer(interaction, **kwargs, view=with_save_button(), ephemeral=True)
            return
        status = _STATUS_OF_PRESS.get(spec.action)
        if status is None:  # Check yourself: the check runs here, recorded in that server
            check = check_send(spec.owner_id, roadmap.id, topic, dm_guild_id=spec.guild_id)
            check["content"] = header
            await answer(interaction, **check, ephemeral=True)
            return
        result = await bot.services.study.mark(
            spec.guild_id, spec.owner_id, roadmap, topic.id, status
        )
        announce_mark(bot, spec.guild_id, spec.owner_id, result, interaction)
        reply = send_kwargs(mark_reply(result))
        reply["content"] = f"{header} {reply.get('content') or ''}".rstrip()
        await answer(interaction, **reply, ephemeral=True)


class ReminderMemberItem(
    OwnedButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=ReminderMemberButton.TEMPLATE,
):
    """Stop reminders: turns the member's reminder off in the server the DM names. Review now:
    the member's first review due in that server, rated there."""

    not_yours = NOT_YOURS

    def __init__(self, spec: ReminderMemberButton | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=reminder_button_label(spec) if spec else "Stop reminders",
                style=_style(spec),
                custom_id=spec.custom_id if spec else "dm:x:0:0",
            )
        )
        self.spec = spec
        self.owner_id = spec.owner_id if spec else 0

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReminderMemberItem:
        return cls(ReminderMemberButton.from_match(match))

    async def press(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        spec = self.spec
        if spec is None:
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        guild = bot.get_guild(spec.guild_id)
        if spec.action == ReminderMemberButton.REVIEW:
            if guild is None:
                await answer(interaction, LEFT_SERVER, ephemeral=True)
                return
            await _review_now(bot, interaction, spec, guild.name)
            return
        name = guild.name if guild else None
        was_on = await bot.wiring.reminders.turn_off(spec.guild_id, spec.owner_id)
        log.info("reminder stopped by button guild=%s member=%s", spec.guild_id, spec.owner_id)
        await answer(interaction, reminder_stopped_message(name, was_on), ephemeral=True)


async def _review_now(
    bot: StudyBot,
    interaction: discord.Interaction,
    spec: ReminderMemberButton,
    guild_name: str,
) -> None:
    """The member's reviews due in the DM's server, as `/roadmap review` shows them there."""
    study = bot.services.study
    roadmap = await bot.services.roadmaps.member_roadmap(spec.guild_id, spec.owner_id)
    due = await study.reviews_due(spec.guild_id, spec.owner_id, roadmap)
    message, view = review_card(spec.owner_id, roadmap, due, dm_guild_id=spec.guild_id)
    log.info("review now by button guild=%s member=%s", spec.guild_id, spec.owner_id)
    kwargs = send_kwargs(message)
    kwargs["content"] = reminder_press_header(guild_name)
    if view is not None:
        kwargs["view"] = view
    await answer(interaction, **kwargs, ephemeral=True)


PERSISTENT_ITEMS = (ReminderTopicItem, ReminderMemberItem)

"""The buttons on a reminder DM: Done, Skip, Show example and Check yourself for the topic,
Review now and Stop reminders.

A DM has no server, so each custom_id (`dm:`, bot/render/custom_ids.py) names the server and
the member it was sent to: only that member may press it (checked against the presser), and
every answer says which server it acted in. Check yourself and Review now open the check and
the reviews due of that server, in the DM, with buttons that name the server too (`xa:`,
`ya:`, `yv:`), so what the member answers is recorded there. Nothing is kept in memory, so the
buttons keep working after a restart and on older DMs.

DM presses reach shard 0's process whatever the server's slot, so the server comes from its
cache or over REST (cogs/servers_elsewhere.py), and "no longer in the server" only when Discord
says so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar, cast

import discord

from bot.cogs.answers import answer
from bot.cogs.check_yourself import TOPIC_LEFT, check_send, live_topic
from bot.cogs.events import announce_mark
from bot.cogs.kind_buttons import OwnedKindButton
from bot.cogs.save import with_save_button
from bot.cogs.servers_elsewhere import servers_elsewhere
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
# The actions that stand out (the two kinds' action letters are distinct); the others secondary.
_STYLES = {
    ReminderTopicButton.DONE: discord.ButtonStyle.success,
    ReminderMemberButton.STOP: discord.ButtonStyle.danger,
}


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


_Reminder = TypeVar("_Reminder", ReminderTopicButton, ReminderMemberButton)


class _ReminderItem(OwnedKindButton[_Reminder]):
    """What both kinds of reminder button share: the refusal, the label and style, and a
    press of a readable id (`press_in`, which acts in the server the DM names)."""

    not_yours = NOT_YOURS

    def label_for(self, spec: _Reminder | None) -> str:
        return reminder_button_label(spec) if spec else self.default_label

    def style_for(self, spec: _Reminder | None) -> discord.ButtonStyle:
        return _STYLES.get(spec.action, self.default_style) if spec else self.default_style

    async def press(self, interaction: discord.Interaction) -> None:
        spec = self.spec
        if spec is None:
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        await self.press_in(interaction, spec)

    async def press_in(self, interaction: discord.Interaction, spec: _Reminder) -> None:
        raise NotImplementedError


class ReminderTopicItem(_ReminderItem[ReminderTopicButton], kind=ReminderTopicButton):
    """Done / Skip / Show example for the DM's topic, in the server the DM names."""

    async def press_in(self, interaction: discord.Interaction, spec: ReminderTopicButton) -> None:
        bot = _bot(interaction)
        guild = await servers_elsewhere(bot).guild(spec.guild_id)
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


class ReminderMemberItem(_ReminderItem[ReminderMemberButton], kind=ReminderMemberButton):
    """Stop reminders: turns the member's reminder off in the server the DM names. Review now:
    the member's first review due in that server, rated there."""

    async def press_in(self, interaction: discord.Interaction, spec: ReminderMemberButton) -> None:
        bot = _bot(interaction)
        guild = await servers_elsewhere(bot).guild(spec.guild_id)
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

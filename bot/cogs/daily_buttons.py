"""The buttons on the daily post: Done, My next topic and Check yourself, for whoever presses.

The post is one message for the whole channel, so its buttons belong to no one: each press
answers only the presser, ephemerally, about their own progress. Each button's custom_id
(`dp:`, bot/render/custom_ids.py) names the post's roadmap and topic, so the buttons keep
working after a restart and on older days' posts; the server is the interaction's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bot.cogs.answers import answer
from bot.cogs.buttons import persistent_view
from bot.cogs.check_yourself import (
    TOPIC_LEFT,
    check_send,
    check_start_button,
    live_topic,
    questions_of,
)
from bot.cogs.events import announce_mark
from bot.cogs.kind_buttons import KindButton
from bot.cogs.topic_card import card_for
from bot.records import DONE
from bot.render.custom_ids import DailyPostButton, NotifyMe
from bot.render.daily import (
    NO_CHECK_ON_POST,
    NOTIFY_ME_LABEL,
    daily_button_label,
    notify_me_answer,
)
from bot.render.permissions import notify_role_problem
from bot.render.progress_card import mark_reply
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

NOT_PINGED_NOW = "The daily post no longer pings this role, so Notify me does nothing now."
OUTDATED = "This button is outdated. Use `/roadmap next` to see your next topic."


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


class DailyPostItem(KindButton[DailyPostButton], kind=DailyPostButton):
    """One button of the daily post (`spec.action` says which), pressed by any member."""

    def label_for(self, spec: DailyPostButton | None) -> str:
        return daily_button_label(spec.action if spec else DailyPostButton.DONE)

    def style_for(self, spec: DailyPostButton | None) -> discord.ButtonStyle:
        if spec is None or spec.action == DailyPostButton.DONE:
            return discord.ButtonStyle.success
        return discord.ButtonStyle.secondary

    async def press(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        spec = self.spec
        guild_id, user_id = interaction.guild_id, interaction.user.id
        if spec is None or guild_id is None:
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        log.info(
            "daily button %s topic=%s guild=%s member=%s",
            spec.action,
            spec.topic_id,
            guild_id,
            user_id,
        )
        if spec.action == DailyPostButton.MY_NEXT:
            # The presser's own next topic, whichever roadmap they study.
            upcoming = await bot.services.roadmaps.next_topic(guild_id, user_id)
            card = card_for(upcoming.standing, user_id, reviews_due=upcoming.reviews_due)
            await answer(interaction, **card.send(), ephemeral=True)
            return
        found = live_topic(bot, spec.roadmap_id, spec.topic_id)
        if found is None:
            await answer(interaction, TOPIC_LEFT, ephemeral=True)
            return
        roadmap, topic = found
        if spec.action == DailyPostButton.CHECK:
            if questions_of(topic) is None:
                await answer(interaction, NO_CHECK_ON_POST, ephemeral=True)
                return
            await answer(interaction, **check_send(user_id, roadmap.id, topic), ephemeral=True)
            return
        result = await bot.services.study.mark(guild_id, user_id, roadmap, topic.id, DONE)
        announce_mark(bot, guild_id, user_id, result, interaction)
        reply = send_kwargs(mark_reply(result))
        if not result.standing.is_checked(result.topic.id):
            button = check_start_button(user_id, roadmap.id, result.topic)
            if button is not None:  # offer the check at once, as `/roadmap done` does
                reply["view"] = persistent_view(button)
        await answer(interaction, **reply, ephemeral=True)


class NotifyMeItem(KindButton[NotifyMe], kind=NotifyMe):
    """Notify me: adds the role the daily post pings to the presser, or removes it. Checked
    again at each press: the schedule must still ping that role, and the role must still be
    one members may give themselves (no permissions, manageable by the bot)."""

    default_label = NOTIFY_ME_LABEL

    async def press(self, interaction: discord.Interaction) -> None:
        guild, spec, member = interaction.guild, self.spec, interaction.user
        if spec is None or guild is None or not isinstance(member, discord.Member):
            await answer(interaction, OUTDATED, ephemeral=True)
            return
        status = await _bot(interaction).wiring.daily.status(guild.id, recent=0)
        if status is None or status.schedule.ping_role_id != spec.role_id:
            await answer(interaction, NOT_PINGED_NOW, ephemeral=True)
            return
        role = guild.get_role(spec.role_id)
        problem = notify_role_problem(guild, role)
        if problem is not None or role is None:
            await answer(interaction, problem or NOT_PINGED_NOW, ephemeral=True)
            return
        reason = "Notify me on the daily post"
        adding = role not in member.roles
        if adding:
            await member.add_roles(role, reason=reason)
        else:
            await member.remove_roles(role, reason=reason)
        log.info("notify me role=%s member=%s added=%s", role.id, member.id, adding)
        await answer(interaction, notify_me_answer(role.name, adding), ephemeral=True)


PERSISTENT_ITEMS = (DailyPostItem, NotifyMeItem)

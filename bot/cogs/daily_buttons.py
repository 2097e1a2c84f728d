"""The buttons on the daily post: Done, My next topic and Check yourself, for whoever presses.

The post is one message for the whole channel, so its buttons belong to no one: each press
answers only the presser, ephemerally, about their own progress. Each button's custom_id
(`dp:`, bot/render/custom_ids.py) names the post's roadmap and topic, so the buttons keep
working after a restart and on older days' posts; the server is the interaction's.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.answers import RESTARTING, answer, guard, stopping
from bot.cogs.buttons import persistent_view
from bot.cogs.check_yourself import (
    TOPIC_LEFT,
    check_send,
    check_start_button,
    live_topic,
    questions_of,
)
from bot.cogs.events import announce_mark
from bot.cogs.topic_card import card_for
from bot.cogs.tree import answer_error
from bot.records import DONE
from bot.render.custom_ids import DailyPostButton
from bot.render.daily import NO_CHECK_ON_POST, daily_button_label
from bot.render.progress_card import mark_reply
from bot.render.to_discord import send_kwargs

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

OUTDATED = "This button is outdated. Use `/roadmap next` to see your next topic."


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


class DailyPostItem(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=DailyPostButton.TEMPLATE
):
    """One button of the daily post (`spec.action` says which), pressed by any member."""

    def __init__(self, spec: DailyPostButton | None) -> None:
        action = spec.action if spec else DailyPostButton.DONE
        super().__init__(
            discord.ui.Button(
                label=daily_button_label(action),
                style=discord.ButtonStyle.success
                if action == DailyPostButton.DONE
                else discord.ButtonStyle.secondary,
                custom_id=spec.custom_id if spec else "dp:d:x:x",
            )
        )
        self.spec = spec

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DailyPostItem:
        return cls(DailyPostButton.from_match(match))

    async def callback(self, interaction: discord.Interaction) -> None:
        guard(interaction)
        if stopping(interaction):
            await answer(interaction, RESTARTING, ephemeral=True)
            return
        try:
            await self.press(interaction)
        except Exception as error:
            await answer_error(interaction, error)

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
        announce_mark(bot, guild_id, user_id, result)
        reply = send_kwargs(mark_reply(result))
        if not result.standing.is_checked(result.topic.id):
            button = check_start_button(user_id, roadmap.id, result.topic)
            if button is not None:  # offer the check at once, as `/roadmap done` does
                reply["view"] = persistent_view(button)
        await answer(interaction, **reply, ephemeral=True)


PERSISTENT_ITEMS = (DailyPostItem,)

"""Extension: the **Save to DMs** button, a copy of a card or an example the member keeps.

Ephemeral answers vanish when Discord is restarted or the channel reloads; the button sends the
presser a DM with the message it sits on: its embeds and its attached files (the example code a
phone copies). It carries nothing but its own id, so it works on any message and after a
restart, and anyone who can see the message may save it (to their own DMs).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.cogs.answers import answer
from bot.cogs.buttons import persistent_view
from bot.cogs.tree import handle_press
from bot.render.dms import CANNOT_DM, SAVE_DMS_CLOSED

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

SAVE_ID = "study:save"
SAVE_LABEL = "Save to DMs"
#: Attachments copied into the DM at most this large each (examples are a few KiB).
COPY_MAX_BYTES = 1024 * 1024

SAVED = "Saved: I sent you a copy in your DMs."
NOTHING_TO_SAVE = "There is nothing on this message to save."


class SaveButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(SAVE_ID)):
    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=SAVE_LABEL, style=discord.ButtonStyle.secondary, custom_id=SAVE_ID
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SaveButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_press(interaction, save_to_dms)


def save_button() -> SaveButton:
    return SaveButton()


def with_save_button(view: discord.ui.View | None = None) -> discord.ui.View:
    """`view` (stopped, of DynamicItems) with Save to DMs added, or a view of just it."""
    if view is None:
        return persistent_view(save_button())
    view.add_item(save_button())
    return view


async def save_to_dms(interaction: discord.Interaction) -> None:
    message = interaction.message
    if message is None or not (message.embeds or message.attachments or message.content):
        await answer(interaction, NOTHING_TO_SAVE, ephemeral=True)
        return
    files = [
        await attachment.to_file()
        for attachment in message.attachments
        if attachment.size <= COPY_MAX_BYTES
    ]
    where = interaction.guild.name if interaction.guild is not None else None
    header = f"Saved from **{discord.utils.escape_markdown(where)}**:" if where else "Saved:"
    try:
        await interaction.user.send(
            content=header,
            embeds=message.embeds,
            files=files,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.Forbidden as exc:
        if exc.code != CANNOT_DM:
            raise
        log.info("save to DMs: member=%s has DMs closed", interaction.user.id)
        await answer(interaction, SAVE_DMS_CLOSED, ephemeral=True)
        return
    log.info("saved a message to the DMs of member=%s", interaction.user.id)
    await answer(interaction, SAVED, ephemeral=True)


class SaveToDms(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_persistent_items(SaveButton)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(SaveToDms(bot))

"""Persistent buttons that belong to one member, and the view that carries them.

Every button of the bot is a `DynamicItem` whose `custom_id` carries what it needs (at most
Discord's 100 characters), so it keeps working after a restart with no state kept anywhere:
setup_hook registers the templates. Only the member a button was made for may press it.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.cogs.answers import answer
from bot.cogs.tree import handle_press

log = logging.getLogger(__name__)

NOT_YOURS = (
    "These buttons belong to the member who asked. Use `/roadmap next` to see your own next topic."
)


async def only_owner(
    interaction: discord.Interaction, owner_id: int, refusal: str = NOT_YOURS
) -> bool:
    """True for the owner; anyone else gets a polite ephemeral refusal (`refusal`)."""
    if interaction.user.id == owner_id:
        return True
    await answer(interaction, refusal, ephemeral=True)
    _log_refusal(interaction, owner_id)
    return False


def _log_refusal(interaction: discord.Interaction, owner_id: int) -> None:
    log.info(
        "refused button of member=%s to member=%s guild=%s",
        owner_id,
        interaction.user.id,
        interaction.guild_id,
    )


class OwnedButton:
    """Mixin for a DynamicItem made for one member (`owner_id`): anyone else is refused, and
    `press` runs with its failures answered like a command's (discord.py only logs them)."""

    owner_id: int
    #: What anyone else is told; a button that is not a topic card's says its own.
    not_yours: str = NOT_YOURS

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        _log_refusal(interaction, self.owner_id)
        await handle_press(interaction, self.refuse)  # answered like any press, errors too
        return False

    async def refuse(self, interaction: discord.Interaction) -> None:
        """What anyone else who presses gets: `not_yours`, ephemerally; a button whose presser
        can be given their own version of it (a topic card's) offers that instead."""
        await answer(interaction, self.not_yours, ephemeral=True)

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_press(interaction, self.press)

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of DynamicItem buttons only, handed over already stopped.

    discord.py dispatches dynamic items by their custom_id, so it need not keep the view; a
    running view sent with an ephemeral message is kept, with a task, for 15 minutes, which
    made memory grow with every card shown (seen in the soak of tests/bench/bench_memory.py).
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view

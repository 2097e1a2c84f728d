"""Persistent buttons that belong to one member, and the forget-me confirmation.

Every button of the bot is a `DynamicItem` whose `custom_id` carries what it needs (at most
Discord's 100 characters), so it keeps working after a restart with no state kept anywhere:
setup_hook registers the templates. Only the member a button was made for may press it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.answers import answer, answer_edit
from bot.cogs.tree import handle_press

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

FORGET_TEMPLATE = re.compile(r"study:forget:(?P<answer>yes|no):(?P<owner>[0-9]{1,20})")

NOT_YOURS = (
    "These buttons belong to the member who asked. Use `/roadmap next` to see your own next topic."
)


def _bot(interaction: discord.Interaction) -> StudyBot:
    return cast("StudyBot", interaction.client)


async def only_owner(
    interaction: discord.Interaction, owner_id: int, refusal: str = NOT_YOURS
) -> bool:
    """True for the owner; anyone else gets a polite ephemeral refusal (`refusal`)."""
    if interaction.user.id == owner_id:
        return True
    await answer(interaction, refusal, ephemeral=True)
    log.info(
        "refused button of member=%s to member=%s guild=%s",
        owner_id,
        interaction.user.id,
        interaction.guild_id,
    )
    return False


class OwnedButton:
    """Mixin for a DynamicItem made for one member (`owner_id`): anyone else is refused, and
    `press` runs with its failures answered like a command's (discord.py only logs them)."""

    owner_id: int
    #: What anyone else is told; a button that is not a topic card's says its own.
    not_yours: str = NOT_YOURS

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await only_owner(interaction, self.owner_id, self.not_yours)

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_press(interaction, self.press)

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class ForgetButton(
    OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=FORGET_TEMPLATE
):
    """ "Delete my data" / "Keep it" under the forget-me question."""

    not_yours = (
        "This question was asked of another member and can only delete their data. "
        "To delete yours, run `/roadmap forget-me` yourself."
    )

    def __init__(self, answer: str, owner_id: int) -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label="Delete my data" if yes else "Keep it",
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"study:forget:{answer}:{owner_id}",
            )
        )
        self.answer = answer
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ForgetButton:
        return cls(match["answer"], int(match["owner"]))

    async def press(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # the question is only asked in servers
        if self.answer != "yes":
            await answer_edit(
                interaction, content="Nothing was deleted; your progress is still here.", view=None
            )
            return
        deleted = await _bot(interaction).services.members.forget(
            interaction.guild_id, self.owner_id
        )
        log.info(
            "forgot member=%s guild=%s (%d rows)", self.owner_id, interaction.guild_id, deleted
        )
        await answer_edit(
            interaction,
            content="Done: everything the bot stored about you in this server is deleted.",
            view=None,
        )


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


def forget_buttons(owner_id: int) -> discord.ui.View:
    return persistent_view(ForgetButton("yes", owner_id), ForgetButton("no", owner_id))

"""Presses in a crowd are acknowledged before their work (bot/cogs/answers.py,
`acknowledge_first`); a press alone is answered in one response, the card itself."""

from __future__ import annotations

import asyncio

from bot.cogs.answers import CROWD
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

DEFERRED_UPDATE, UPDATE = 6, 7


async def test_a_press_alone_is_answered_with_the_card_in_one_response(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    second = bot.content.catalog.default.topics[1]
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    done = await emulator.click(card, "Done", sample.alice)
    assert done.type == UPDATE and not done.deferred
    assert done.message is not None and done.message.embeds[0]["title"] == second.title


async def test_a_crowd_of_presses_is_acknowledged_first_and_every_card_then_edited(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    second = bot.content.catalog.default.topics[1]
    members = [sample.guild.add_member(f"presser{n}") for n in range(4 * CROWD)]
    cards = [await emulator.slash(sample.guild, member, "roadmap next") for member in members]
    # Within the deferral timer's 2 s every press would be answered with its card alone; in
    # a crowd most are acknowledged first (a deferred update), then their card is edited.
    presses = await asyncio.gather(
        *(
            emulator.click(card, "Done", member, within=15)
            for card, member in zip(cards, members, strict=True)
        )
    )
    kinds = [press.type for press in presses]
    assert set(kinds) <= {DEFERRED_UPDATE, UPDATE}, kinds
    assert kinds.count(DEFERRED_UPDATE) >= len(members) - CROWD, kinds
    for press in presses:
        assert not press.refused, press.refused
        assert press.message is not None and press.message.embeds[0]["title"] == second.title
        assert "done." in press.message.content

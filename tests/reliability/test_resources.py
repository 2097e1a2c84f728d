"""The bot keeps nothing per interaction: what a member is shown leaves no task, view or timer
behind in the process (the memory soak of tests/bench/bench_memory.py found cards that did)."""

from __future__ import annotations

import asyncio
import gc

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

CARDS = 60


async def test_cards_buttons_and_confirmations_leave_nothing_behind(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    members = [sample.guild.add_member(f"learner{n}") for n in range(CARDS)]
    await emulator.slash(sample.guild, members[0], "roadmap next")  # warm up lazy caches
    gc.collect()
    tasks_before = len(asyncio.all_tasks())

    for member in members:
        card = await emulator.slash(sample.guild, member, "roadmap next")  # ephemeral, buttons
        await emulator.click(card, "Done", member)  # the card edited in place, new buttons
        await emulator.slash(sample.guild, member, "roadmap forget-me")  # confirmation buttons
    gc.collect()

    store = bot._connection._view_store
    assert len(asyncio.all_tasks()) <= tasks_before + 2  # not one per card
    assert store._synced_message_views == {} and store._views == {}
    assert store.persistent_views == []
    # The buttons still work, dispatched by their custom_id alone.
    pressed = await emulator.click(card, "Done", members[-1])
    # The card shows the topic after the first Done, so this press marks that one.
    assert pressed.content == "✅ **Functions** done."
    assert pressed.embed["title"] == "File handling"

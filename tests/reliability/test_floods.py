"""One member flooding the bot: cooldown answers for them, normal answers for everyone else."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.conftest import Launch
from tests.emulator.interactions import InteractionResult
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.audit import assert_few_invalid_requests

COOLDOWN = re.compile(r"You're going a bit fast: try again in \d+ s\.")
FLOOD = 100
COMMANDS = ("roadmap next", "roadmap progress", "roadmap help", "roadmap roadmaps")


async def test_a_member_sending_100_commands_a_second_is_slowed_and_others_are_not(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()

    async def flood(index: int) -> InteractionResult:
        await asyncio.sleep(index / FLOOD)  # 100 within one second, evenly spread
        return await emulator.slash(sample.guild, sample.alice, COMMANDS[index % len(COMMANDS)])

    flooding = [asyncio.ensure_future(flood(index)) for index in range(FLOOD)]
    others = []
    for _ in range(3):  # while the flood runs, bob and mod use the bot as usual
        await asyncio.sleep(0.2)
        others.append(await emulator.slash(sample.guild, sample.bob, "roadmap next"))
        others.append(await emulator.slash(sample.guild, sample.mod, "roadmap progress"))
    answers = await asyncio.gather(*flooding)

    slowed = [a for a in answers if COOLDOWN.fullmatch(a.content)]
    served = [a for a in answers if not COOLDOWN.fullmatch(a.content)]
    assert all(answer.ephemeral for answer in slowed)
    # Each command lets a member through a few times per window; the rest are told to wait.
    assert len(served) <= 8 * len(COMMANDS) and len(slowed) >= FLOOD - 8 * len(COMMANDS)
    assert all(answer.embeds for answer in served)
    assert not flooding[0].result().refused
    for answer in others:
        assert not COOLDOWN.fullmatch(answer.content) and answer.embeds, answer
    assert_few_invalid_requests(emulator)

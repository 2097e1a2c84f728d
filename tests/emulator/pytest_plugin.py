"""Pytest fixtures for end-to-end tests against the emulator (registered in tests/conftest.py).

    async def test_next(emulator, sample, start_bot):
        bot = await start_bot(make_bot())
        result = await emulator.slash(sample.guild, sample.alice, "roadmap next")

`emulator` fails the test when the bot hit an unknown route or sent a body that breaks Discord's
OpenAPI description; `start_bot` closes every bot it started, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import discord
import pytest

from tests.emulator.runner import running_client
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld, standard_world

ClientT = TypeVar("ClientT", bound=discord.Client)


@pytest.fixture
def sample() -> StandardWorld:
    """The standard world (one guild, #general, #announcements, Lounge, alice, bob, mod)."""
    return standard_world()


@pytest.fixture
async def emulator(sample: StandardWorld) -> AsyncIterator[Emulator]:
    """An emulator serving `sample`'s world on a free 127.0.0.1 port."""
    # Identify concurrency off (0 s): these tests restart bots within seconds, which the rule
    # (5 s per bucket) would delay; tests of the rule build an emulator with their interval.
    emu = Emulator(sample.world, identify_interval=0.0)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    if emu.unknown_routes and not emu.allow_unknown_routes:
        pytest.fail(
            "the bot called routes the emulator does not know:\n"
            + "\n".join(f"  {call}" for call in emu.unknown_routes),
            pytrace=False,
        )
    if emu.schema_problems:
        pytest.fail(
            "bodies that break Discord's OpenAPI description:\n"
            + "\n".join(f"  {p}" for p in emu.schema_problems[:20]),
            pytrace=False,
        )


@pytest.fixture
async def start_bot(emulator: Emulator) -> AsyncIterator[Callable[..., Awaitable[discord.Client]]]:
    """`await start_bot(client)`: run it against `emulator` until it is ready; closed at the end.
    Build the client with a short guild_ready_timeout (e.g. 0.05) or it waits 2 s to be ready."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            client: ClientT, *, patch: bool = True, ready_timeout: float = 10.0
        ) -> ClientT:
            return await stack.enter_async_context(
                running_client(
                    client,
                    emulator.world.token,
                    emulator.api_base,
                    emulator.gateway_url,
                    patch=patch,
                    ready_timeout=ready_timeout,
                )
            )

        yield start

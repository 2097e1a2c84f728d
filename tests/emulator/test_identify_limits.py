"""Identify concurrency as Discord enforces it: buckets `shard_id % max_concurrency`, one IDENTIFY
per bucket per interval, op 9 (not resumable) for one too soon; /gateway/bot tells the limits.
Raw gateway connections, so the test, not a client's own pacing, decides when each IDENTIFY goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.emulator.runner import running_client
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

INTERVAL = 0.6


@pytest.fixture
async def limited(sample: StandardWorld) -> AsyncIterator[Emulator]:
    emu = Emulator(sample.world, identify_interval=INTERVAL, max_concurrency=2)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


async def identify(
    http: aiohttp.ClientSession, emu: Emulator, shard: tuple[int, int]
) -> dict[str, Any]:
    """Connect, IDENTIFY as `shard`, and return the first frame after HELLO (READY or op 9)."""
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        hello = json.loads((await ws.receive(timeout=5)).data)
        assert hello["op"] == 10
        await ws.send_str(
            json.dumps(
                {
                    "op": 2,
                    "d": {
                        "token": emu.world.token,
                        "intents": 1,
                        "properties": {},
                        "shard": list(shard),
                    },
                }
            )
        )
        answer: dict[str, Any] = json.loads((await ws.receive(timeout=5)).data)
        await ws.close()
        return answer


async def test_a_second_identify_of_one_bucket_too_soon_gets_op_9(limited: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        first = await identify(http, limited, (0, 4))
        other_bucket = await identify(http, limited, (1, 4))
        same_bucket = await identify(http, limited, (2, 4))
        await asyncio.sleep(INTERVAL + 0.05)
        later = await identify(http, limited, (2, 4))
    assert (first["t"], other_bucket["t"]) == ("READY", "READY")
    assert same_bucket == {"op": 9, "d": False, "s": None, "t": None}
    assert later["t"] == "READY" and later["d"]["shard"] == [2, 4]
    assert [(r.shard[0], r.bucket, r.accepted) for r in limited.gateway.identify_log] == [
        (0, 0, True),
        (1, 1, True),
        (2, 0, False),
        (2, 0, True),
    ]
    assert len(limited.gateway.identifies_refused) == 1
    assert limited.gateway.identifies == 3  # a refused IDENTIFY starts no session


async def test_gateway_bot_tells_max_concurrency_and_the_starts_left(limited: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        await identify(http, limited, (0, 2))
        async with http.get(
            limited.api_base + "/gateway/bot",
            headers={"Authorization": f"Bot {limited.world.token}"},
        ) as response:
            body = await response.json()
    assert body["session_start_limit"]["max_concurrency"] == 2
    assert body["session_start_limit"]["total"] == 1000
    assert body["session_start_limit"]["remaining"] == 999


async def test_discord_pys_default_pacing_passes_at_discords_five_seconds(
    sample: StandardWorld,
) -> None:
    """Two shards in one bucket: discord.py waits 5 s before every IDENTIFY but the first, so
    the real rule (5 s) refuses none; the emulator's default is that rule."""
    emu = Emulator(sample.world)
    assert emu.gateway.identify_interval == 5.0 and emu.gateway.max_concurrency == 1
    await emu.start()
    try:
        client = discord.AutoShardedClient(
            intents=discord.Intents.none(), shard_count=2, guild_ready_timeout=0.05
        )
        async with running_client(
            client, emu.world.token, emu.api_base, emu.gateway_url, ready_timeout=20
        ):
            assert sorted(client.shards) == [0, 1]
    finally:
        await emu.stop()
    assert [r.accepted for r in emu.gateway.identify_log] == [True, True]
    gap = emu.gateway.identify_log[1].at - emu.gateway.identify_log[0].at
    assert gap >= 5.0

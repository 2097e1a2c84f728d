"""Pointing discord.py at an emulator and running a client against it, always closed afterwards.

discord.py's heartbeat runs in a thread: a client left open keeps pytest from exiting, so
`running_client` closes it in a `finally` whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def point_discord_at(api_base: str, gateway_url: str) -> Iterator[None]:
    """Patch discord.http.Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY; restore them after."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


async def _wait_ready(client: discord.Client, task: asyncio.Task[None], within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not client.is_ready():
        if task.done():
            error = task.exception()
            raise AssertionError(f"the bot stopped before it was ready: {error!r}") from error
        if loop.time() > deadline:
            raise AssertionError(f"the bot was not ready within {within} s")
        await asyncio.sleep(0.01)


async def close_client(client: discord.Client, task: asyncio.Task[None] | None) -> None:
    """Close the client and wait for its start() task, swallowing what a closing client raises."""
    try:
        await asyncio.wait_for(client.close(), 10)
    finally:
        if task is not None:
            if not task.done():
                try:
                    await asyncio.wait_for(asyncio.shield(task), 5)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it as never retrieved


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT,
    token: str,
    api_base: str,
    gateway_url: str,
    *,
    ready_timeout: float = 10.0,
    patch: bool = True,
) -> AsyncIterator[ClientT]:
    """Start `client` against the emulator, wait until it is ready, yield it, then close it.

    `patch=False` leaves discord.py's URLs alone, for a bot that sets them from its own
    settings (DISCORD_API_BASE / DISCORD_GATEWAY_URL)."""
    patcher = point_discord_at(api_base, gateway_url) if patch else contextlib.nullcontext()
    with patcher:
        task: asyncio.Task[None] | None = None
        try:
            task = asyncio.get_running_loop().create_task(client.start(token))
            await _wait_ready(client, task, ready_timeout)
            yield client
        finally:
            await close_client(client, task)

"""The memory benchmark's baseline: a bare discord.py client, importing nothing of the project.

    DISCORD_TOKEN=... DISCORD_API_BASE=... DISCORD_GATEWAY_URL=... python -m tests.bench.bare_client

Same intents as the bot (guilds only); prints `READY <servers>` once connected, then idles.
"""

from __future__ import annotations

import os

import discord
import yarl


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents)

    @client.event
    async def on_ready() -> None:
        print(f"READY {len(client.guilds)}", flush=True)

    client.run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()

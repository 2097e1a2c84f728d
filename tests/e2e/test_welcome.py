"""The welcome on joining a server: once, in the system channel, only where the bot may post."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import Guild, StandardWorld


def new_server(sample: StandardWorld, name: str, *, system_channel: bool = True) -> Guild:
    guild = sample.world.add_guild(name)
    lobby = guild.add_text_channel("lobby")
    if system_channel:
        guild.system_channel_id = lobby.id
    return guild


async def joined(bot, guild: Guild) -> None:  # type: ignore[no-untyped-def]
    """Wait until the running bot has the guild (its GUILD_CREATE handled)."""
    for _ in range(200):
        if bot.get_guild(guild.id) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bot never saw {guild.name}")


async def settle() -> None:
    # The welcome follows the join by one meta write and one POST: let them run.
    await asyncio.sleep(0.3)


async def test_first_join_welcomes_once_and_a_rejoin_says_nothing(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    guild = new_server(sample, "Night Owls")
    lobby = guild.channel_named("lobby")
    emulator.announce_guild(guild)
    await emulator.wait_for(lambda: len(emulator.messages(lobby)) == 1, what="the welcome")
    welcome = emulator.messages(lobby)[0]
    assert "/roadmap-admin setup" in welcome.content and "/roadmap next" in welcome.content
    assert len(welcome.content) < 500 and not welcome.mention_everyone

    emulator.remove_bot_from(guild)
    await asyncio.sleep(0.1)
    guild.add_bot_back()
    emulator.announce_guild(guild)
    await joined(bot, guild)
    await settle()
    assert len(emulator.messages(lobby)) == 1  # a rejoin is quiet

    await bot.close()
    bot = await launch()  # connecting again to the servers it is in: no welcome either
    await joined(bot, guild)
    await settle()
    assert len(emulator.messages(lobby)) == 1


async def test_no_welcome_without_a_system_channel_or_where_it_may_not_post(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    quiet = new_server(sample, "No System Channel", system_channel=False)
    locked = new_server(sample, "Read Only")
    locked.channel_named("lobby").set_permissions(locked.bot_role, deny=["send_messages"])
    for guild in (quiet, locked):
        emulator.announce_guild(guild)
        await joined(bot, guild)
    await settle()
    posted = emulator.recorder.to("POST /channels/{channel_id}/messages")
    assert posted == []
    assert emulator.invalid_request_count == 0  # it did not even try

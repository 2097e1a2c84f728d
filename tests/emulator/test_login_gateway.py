"""Login, READY and GUILD_CREATE, intents, tokens and command sync, seen through discord.py."""

from __future__ import annotations

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.emulator.runner import running_client
from tests.emulator.sample_bot import SampleBot


async def test_the_bot_sees_the_world_as_discord_py_objects(emulator, sample, bot):
    guild = bot.get_guild(sample.guild.id)
    assert guild is not None and guild.name == "Study Hall"
    assert bot.user.id == sample.world.bot.id and bot.application_id == sample.world.application_id
    assert guild.get_channel(sample.announcements.id).type is discord.ChannelType.news
    assert guild.get_channel(sample.lounge.id).type is discord.ChannelType.voice
    assert guild.me.top_role.id == sample.guild.bot_role.id
    assert guild.me.top_role.is_bot_managed()
    perms = guild.get_channel(sample.general.id).permissions_for(guild.me)
    assert perms.embed_links and perms.send_messages and not perms.administrator
    assert guild.get_role(sample.moderator_role.id).permissions.manage_guild


async def test_command_sync_fills_the_registry_interactions_resolve_against(emulator, bot):
    assert emulator.commands.names() == ["study", "study-admin"]
    fetched = await bot.tree.fetch_commands()
    assert sorted(command.name for command in fetched) == ["study", "study-admin"]
    admin = next(command for command in fetched if command.name == "study-admin")
    assert admin.default_member_permissions == discord.Permissions(manage_guild=True)


async def test_guild_sync_registers_commands_for_that_guild_only(emulator, sample, start_bot):
    await start_bot(SampleBot(sync_guild_id=sample.guild.id))
    assert emulator.commands.names(sample.guild.id) == ["study", "study-admin"]
    assert emulator.commands.names() == []


async def test_a_privileged_intent_the_portal_does_not_allow_stops_the_bot(emulator):
    intents = discord.Intents.default()
    intents.members = True
    client = SampleBot(intents=intents)
    with pytest.raises(AssertionError, match="PrivilegedIntentsRequired"):
        async with running_client(
            client, emulator.world.token, emulator.api_base, emulator.gateway_url
        ):
            pass
    assert client.is_closed()


async def test_an_allowed_members_intent_gets_every_member(emulator, sample, start_bot):
    sample.world.privileged_intents = discord.Intents(members=True)
    intents = discord.Intents.default()
    intents.members = True
    bot = await start_bot(SampleBot(intents=intents))
    guild = bot.get_guild(sample.guild.id)
    assert {m.name for m in guild.members} >= {"alice", "bob", "mod"}
    assert guild.chunked


async def test_a_wrong_token_fails_login_with_401(emulator):
    client = SampleBot()
    with pytest.raises(AssertionError, match="LoginFailure"):
        async with running_client(client, "not-the-token", emulator.api_base, emulator.gateway_url):
            pass
    assert emulator.calls[0].status == 401
    assert emulator.invalid_request_count == 1


async def test_discord_py_urls_are_restored_after_the_bot_stops(emulator):
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    async with running_client(
        SampleBot(), emulator.world.token, emulator.api_base, emulator.gateway_url
    ):
        assert emulator.api_base == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == emulator.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

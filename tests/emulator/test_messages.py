"""Channel posts, files, DMs, roles, history, nonces and Discord's size limits."""

from __future__ import annotations

import discord
import pytest


async def test_a_channel_post_with_a_file_is_stored_and_downloadable(emulator, sample, bot):
    answer = await emulator.slash(sample.guild, sample.alice, "study file")
    assert answer.content == "file posted"
    [posted] = emulator.messages(sample.general)
    assert posted.content == "here is the code"
    assert posted.attachments[0]["filename"] == "example.py"
    assert posted.files["example.py"] == b"print('hello from the emulator')\n"
    fetched = await bot.get_channel(sample.general.id).fetch_message(posted.id)
    assert await fetched.attachments[0].read() == b"print('hello from the emulator')\n"


async def test_a_dm_reaches_the_member(emulator, sample, bot):
    answer = await emulator.slash(sample.guild, sample.alice, "study dm")
    assert answer.content == "check your DMs"
    assert [m.content for m in emulator.dms(sample.alice)] == ["a private hello"]
    assert emulator.dms(sample.bob) == []


async def test_closed_dms_answer_50007(emulator, sample, bot):
    sample.alice.user.dms_open = False
    answer = await emulator.slash(sample.guild, sample.alice, "study dm")
    assert answer.content == "cannot DM you: 50007"
    assert emulator.dms(sample.alice) == []


async def test_a_role_is_given_below_the_bots_top_role(emulator, sample, bot):
    helper = sample.guild.add_role("Helper")
    answer = await emulator.slash(
        sample.guild, sample.mod, "study-admin give", member=sample.bob, role=helper
    )
    assert answer.content == "gave Helper to bob"
    assert helper in sample.bob.roles
    [change] = emulator.role_changes
    assert (change.user_id, change.role_id, change.added) == (sample.bob.id, helper.id, True)


async def test_a_role_above_the_bots_top_role_is_refused(emulator, sample, start_bot):
    high = sample.guild.add_role("Champion", position=sample.guild.bot_role.position + 1)
    from tests.emulator.sample_bot import SampleBot

    await start_bot(SampleBot())
    answer = await emulator.slash(
        sample.guild, sample.mod, "study-admin give", member=sample.bob, role=high
    )
    assert answer.content == "cannot: 50013"
    assert high not in sample.bob.roles and emulator.role_changes == []


async def test_roles_at_equal_positions_rank_as_discord_and_discord_py_rank_them(
    emulator, sample, bot
):
    """At equal positions the older role (the lower id) ranks higher, in both views."""
    newer = sample.guild.add_role("Newer", position=sample.guild.bot_role.position)
    emulator.changed(newer)
    await emulator.wait_for(
        lambda: bot.get_guild(sample.guild.id).get_role(newer.id), what="the role in the cache"
    )
    guild = bot.get_guild(sample.guild.id)
    assert guild.get_role(newer.id) < guild.me.top_role
    await (await guild.fetch_member(sample.bob.id)).add_roles(guild.get_role(newer.id))
    assert newer in sample.bob.roles

    sample.moderator_role.position = sample.member_role.position
    sample.alice.roles = [sample.moderator_role, sample.member_role]
    assert sample.member_role.id < sample.moderator_role.id
    assert sample.alice.top_role() is sample.member_role


async def test_edit_delete_and_history_through_discord_py(emulator, sample, bot):
    channel = bot.get_channel(sample.general.id)
    first = await channel.send("one")
    second = await channel.send("two")
    await first.edit(content="one, edited")
    await second.delete()
    emulator.post_as(sample.alice, sample.general, "hello bot")
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["", "one, edited"]  # no Message Content intent: others' text is hidden
    assert [m.content for m in emulator.messages(sample.general)] == ["one, edited", "hello bot"]
    assert emulator.messages(sample.general, include_deleted=True)[1].deleted


async def test_history_is_empty_without_read_message_history(emulator, sample, bot):
    await bot.get_channel(sample.general.id).send("kept")
    sample.general.set_permissions(sample.guild.bot_role, deny=["read_message_history"])
    assert [m async for m in bot.get_channel(sample.general.id).history(limit=5)] == []


async def test_a_repeated_nonce_returns_the_earlier_message(emulator, sample, bot):
    answer = await emulator.slash(sample.guild, sample.alice, "study post", nonce="gu1d-20250101")
    assert answer.content == "posted twice: same message"
    assert len(emulator.messages(sample.general)) == 1


async def test_a_nonce_is_forgotten_after_the_window(emulator, sample, bot):
    emulator.store.nonce_window = 0.0
    answer = await emulator.slash(sample.guild, sample.alice, "study post", nonce="n1")
    assert answer.content == "posted twice: different message"
    assert len(emulator.messages(sample.general)) == 2


async def test_a_nonce_over_25_characters_is_refused(emulator, sample, bot):
    answer = await emulator.slash(sample.guild, sample.alice, "study post", nonce="x" * 26)
    assert answer.content == "refused: 400 50035"
    assert emulator.messages(sample.general) == []


async def test_an_oversized_embed_is_refused_like_discord_does(emulator, sample, bot):
    answer = await emulator.slash(sample.guild, sample.alice, "study big")
    assert answer.content == "refused: 400 50035"
    assert emulator.messages(sample.general) == []
    [refused] = [c for c in emulator.calls if c.status == 400]
    assert refused.response["errors"]["embeds"]["0"]["description"]["_errors"][0]["code"] == (
        "BASE_TYPE_MAX_LENGTH"
    )


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"content": "x" * 2001}, ("content",)),
        ({"embeds": [discord.Embed(title="t" * 257)]}, ("embeds", "0", "title")),
        (
            {
                "embeds": [
                    discord.Embed(description="d" * 4000),
                    discord.Embed(description="d" * 2001),
                ]
            },
            ("embeds",),
        ),
    ],
)
async def test_message_limits_answer_50035_with_the_path(emulator, sample, bot, kwargs, path):
    with pytest.raises(discord.HTTPException) as caught:
        await bot.get_channel(sample.general.id).send(**kwargs)
    assert caught.value.status == 400 and caught.value.code == 50035
    errors = emulator.calls[-1].response["errors"]
    for part in path:
        errors = errors[part]
    assert "_errors" in errors


async def test_25_fields_fit_and_26_do_not(emulator, sample, bot):
    channel = bot.get_channel(sample.general.id)
    embed = discord.Embed(title="fields")
    for index in range(25):
        embed.add_field(name=f"f{index}", value="v")
    await channel.send(embed=embed)
    embed.add_field(name="one too many", value="v")
    with pytest.raises(discord.HTTPException, match="50035"):
        await channel.send(embed=embed)
    assert len(emulator.messages(sample.general)) == 1


async def test_mentions_follow_allowed_mentions(emulator, sample, bot):
    channel = bot.get_channel(sample.general.id)
    text = f"<@{sample.alice.id}> <@&{sample.member_role.id}> @everyone"
    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    await channel.send(text, allowed_mentions=discord.AllowedMentions(users=True))
    quiet, loud = emulator.messages(sample.general)
    assert (
        quiet.pinged_user_ids == [] and quiet.pinged_role_ids == [] and not quiet.mention_everyone
    )
    assert loud.pinged_user_ids == [sample.alice.id] and not loud.mention_everyone


async def test_a_thread_from_a_message_once_with_discords_refusals(emulator, sample, bot):
    channel = bot.get_channel(sample.general.id)
    posted = await channel.send("topic of the day")
    http = bot.http
    # Without Create Public Threads: 403 / 50013.
    with pytest.raises(discord.Forbidden) as refused:
        await http.start_thread_with_message(
            sample.general.id, posted.id, name="Loops", auto_archive_duration=1440
        )
    assert refused.value.code == 50013
    sample.general.set_permissions(sample.guild.bot_role, allow=["create_public_threads"])
    # A name over 100 characters: 400 / 50035 naming the field.
    with pytest.raises(discord.HTTPException) as too_long:
        await http.start_thread_with_message(
            sample.general.id, posted.id, name="x" * 101, auto_archive_duration=1440
        )
    assert too_long.value.code == 50035 and "name" in str(too_long.value)
    thread = await http.start_thread_with_message(
        sample.general.id, posted.id, name="Loops", auto_archive_duration=1440
    )
    # The thread takes the message's id, and the message now carries it.
    assert int(thread["id"]) == posted.id and thread["name"] == "Loops"
    assert int(thread["parent_id"]) == sample.general.id and thread["type"] == 11
    [stored] = emulator.messages(sample.general)
    assert stored.payload["thread"]["id"] == thread["id"] and stored.flags & 32
    # A second one on the same message: 400 / 160004.
    with pytest.raises(discord.HTTPException) as again:
        await http.start_thread_with_message(
            sample.general.id, posted.id, name="Loops again", auto_archive_duration=1440
        )
    assert again.value.status == 400 and again.value.code == 160004
    # Not in a voice channel: 400 / 50024 (the message is looked up after the channel).
    sample.lounge.set_permissions(sample.guild.bot_role, allow=["create_public_threads"])
    with pytest.raises(discord.HTTPException) as voice:
        await http.start_thread_with_message(
            sample.lounge.id, posted.id, name="Loops", auto_archive_duration=1440
        )
    assert voice.value.code == 50024

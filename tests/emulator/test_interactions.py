"""Slash commands, autocomplete, buttons, modals and Discord's acknowledgement rules."""

from __future__ import annotations

import pytest

from tests.emulator import CommandNotAvailable
from tests.emulator.sample_bot import SampleBot


async def test_slash_with_options_answers_ephemerally_by_default(emulator, sample, bot):
    result = await emulator.slash(
        sample.guild, sample.alice, "study topic", name="asyncio", count=3
    )
    assert result.type == 4 and result.ephemeral
    assert result.content == "topic asyncio x3"
    assert emulator.messages(sample.general) == []  # only alice sees it
    assert emulator.messages(sample.general, include_ephemeral=True) == [result.message]


async def test_a_public_answer_is_a_channel_message(emulator, sample, bot):
    result = await emulator.slash(
        sample.guild,
        sample.alice,
        "study topic",
        {"name": "typing", "public": True},
        in_channel=sample.announcements,
    )
    assert not result.ephemeral
    assert [m.content for m in emulator.messages(sample.announcements)] == ["topic typing x1"]
    assert result.message.payload["interaction_metadata"]["user"]["id"] == str(sample.alice.id)


async def test_autocomplete_returns_the_bots_choices(emulator, sample, bot):
    choices = await emulator.autocomplete(sample.guild, sample.alice, "study topic", "name", "t")
    assert choices == [
        {"name": "Testing", "value": "testing"},
        {"name": "Typing", "value": "typing"},
    ]


async def test_deferred_answer_is_completed_by_the_followup(emulator, sample, bot):
    result = await emulator.slash(sample.guild, sample.bob, "study slow")
    assert result.type == 5 and result.deferred
    assert result.content == "slow answer ready" and result.ephemeral
    assert not result.message.loading
    assert result.followups == [result.message]  # the first followup replaced "thinking..."


async def test_answers_are_edited_and_followed_up_through_the_webhook(emulator, sample, bot):
    result = await emulator.slash(sample.guild, sample.alice, "study steps")
    [extra] = await result.wait_for_followups(1)
    await emulator.wait_for(lambda: extra.edits, what="the followup's edit")
    assert result.content == "step 1 done" and not result.ephemeral
    assert extra.content == "step 2 done" and extra.ephemeral and extra is not result.message
    assert [m.content for m in emulator.messages(sample.general)] == ["step 1 done"]


async def test_a_button_edits_its_message(emulator, sample, bot):
    posted = await emulator.slash(sample.guild, sample.alice, "study task")
    assert [b["label"] for b in posted.message.buttons()] == ["Done", "Later"]
    clicked = await emulator.click(posted, "Done", sample.bob)
    assert clicked.type == 7
    assert clicked.message is posted.message
    assert posted.message.content == "Done by bob" and posted.message.components == []
    assert len(posted.message.edits) == 1


async def test_a_deferred_update_is_completed_by_editing_the_message(emulator, sample, bot):
    posted = await emulator.slash(sample.guild, sample.alice, "study task")
    later = await emulator.click(posted, "sample:later", sample.alice)
    assert later.type == 6 and later.message is posted.message
    assert posted.message.content == "moved to later" and posted.message.components == []


async def test_a_persistent_view_works_after_the_bot_restarts(emulator, sample, start_bot):
    first = await start_bot(SampleBot(boot=1))
    await emulator.slash(sample.guild, sample.alice, "study persist")
    [posted] = emulator.messages(sample.general)
    await first.close()
    await start_bot(SampleBot(boot=2))
    clicked = await emulator.click(posted, "sample:persistent", sample.bob)
    assert clicked.content == "counted bob (boot 2)" and clicked.ephemeral


async def test_a_modal_is_opened_and_submitted(emulator, sample, bot):
    opened = await emulator.slash(sample.guild, sample.alice, "study feedback")
    assert opened.type == 9 and opened.modal["title"] == "Feedback"
    answer = await emulator.submit_modal(opened, sample.alice, {"sample:feedback:text": "great"})
    assert answer.content == "thanks: great"


async def test_subcommand_group_with_channel_and_role_options(emulator, sample, bot):
    result = await emulator.slash(
        sample.guild,
        sample.mod,
        "study-admin daily set",
        channel=sample.general,
        ping=sample.member_role,
    )
    assert result.content == "daily in general, ping Member"


async def test_permission_setups_show_through_discord_py(emulator, sample, start_bot):
    high = sample.guild.add_role("Champions", position=sample.guild.bot_role.position + 1)
    sample.general.set_permissions(sample.guild.bot_role, deny=["embed_links"])
    await start_bot(SampleBot())
    missing = await emulator.slash(
        sample.guild, sample.mod, "study-admin daily set", channel=sample.general
    )
    assert missing.content == f"missing in <#{sample.general.id}>: ['embed_links']"
    above = await emulator.slash(
        sample.guild, sample.mod, "study-admin daily set", channel=sample.announcements, ping=high
    )
    assert above.content.endswith("ping Champions (role above mine)")


async def test_changes_while_the_bot_runs_reach_it_as_events(emulator, sample, bot):
    sample.general.set_permissions(sample.guild.bot_role, deny=["send_messages"])
    low = sample.guild.add_role("Helpers")
    emulator.changed(sample.general, low)
    await emulator.wait_for(
        lambda: bot.get_guild(sample.guild.id).get_role(low.id),
        what="the new role in the bot's cache",
    )
    result = await emulator.slash(
        sample.guild, sample.mod, "study-admin daily set", channel=sample.general, ping=low
    )
    assert result.content == f"missing in <#{sample.general.id}>: ['send_messages', 'embed_links']"


async def test_a_member_without_the_default_permissions_cannot_run_it(emulator, sample, bot):
    with pytest.raises(CommandNotAvailable, match="default_member_permissions"):
        await emulator.slash(
            sample.guild,
            sample.alice,
            "study-admin give",
            member=sample.bob,
            role=sample.member_role,
        )


async def test_unknown_commands_and_options_are_test_errors(emulator, sample, bot):
    with pytest.raises(CommandNotAvailable, match="not registered"):
        await emulator.slash(sample.guild, sample.alice, "nothing")
    with pytest.raises(AssertionError, match="no option"):
        await emulator.slash(sample.guild, sample.alice, "study topic", name="x", colour="red")


async def test_a_second_acknowledgement_gets_40060(emulator, sample, start_bot):
    await start_bot(SampleBot())
    await start_bot(SampleBot())  # two processes with one token: both answer
    result = await emulator.slash(sample.guild, sample.alice, "study topic", name="asyncio")
    assert result.content == "topic asyncio x1"
    await emulator.wait_for(lambda: result.refused, what="the second answer")
    assert result.refused[0][0] == 400 and result.refused[0][1]["code"] == 40060
    assert len(emulator.messages(sample.general, include_ephemeral=True)) == 1


async def test_a_first_answer_after_the_deadline_gets_10062(emulator, sample, bot):
    emulator.interaction_deadline = 0.05
    result = await emulator.slash(
        sample.guild, sample.alice, "study late", seconds=0.2, until="any"
    )
    assert result.refused == [(404, {"code": 10062, "message": "Unknown interaction"})]
    assert result.message is None
    await emulator.wait_for(lambda: bot.late_errors, what="the bot to see the refusal")
    assert bot.late_errors == [10062]


async def test_no_answer_fails_with_a_clear_message(emulator, sample, bot):
    with pytest.raises(AssertionError, match=r"did not answer in 0\.1 s"):
        await emulator.slash(sample.guild, sample.alice, "study late", seconds=0.5, within=0.1)

"""Nothing silent (issue 19), end to end: the moderators' log channel (a daily post turned off, a
reward role not given, reminders turned off by closed DMs, content errors once per version),
the role a member earned told to them, the announce channel, Undo taking back the role its
press earned, and a member whose followed roadmap left the content told once."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.cogs.answers import DEFER_AFTER
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from tests.content_files import write_roadmap
from tests.e2e.conftest import START, Launch
from tests.e2e.ticks import ticks
from tests.emulator.server import Emulator
from tests.emulator.world import Channel, Role, StandardWorld, permission_value

TICK = 0.05
BASICS = ("syntax-and-data-types", "functions", "file-handling", "error-handling")


@pytest.fixture
def mod_log(sample: StandardWorld) -> Channel:
    return sample.guild.add_text_channel("mod-log")


@pytest.fixture
def graduate(sample: StandardWorld) -> Role:
    sample.moderator_role.permissions |= permission_value(["manage_roles"])
    return sample.guild.add_role("Basics graduate", position=sample.moderator_role.position - 1)


def log_lines(emulator: Emulator, channel: Channel) -> list[str]:
    return [m.content for m in emulator.messages(channel) if m.content]


async def wait_lines(emulator: Emulator, channel: Channel, count: int) -> list[str]:
    await emulator.wait_for(
        lambda: len(log_lines(emulator, channel)) >= count, what=f"{count} log line(s)"
    )
    return log_lines(emulator, channel)


async def set_log(emulator: Emulator, sample: StandardWorld, channel: Channel) -> str:
    answer = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin log-channel", channel=channel
    )
    assert answer.ephemeral
    return answer.text()


async def test_log_channel_is_set_shown_and_turned_off(
    emulator: Emulator, sample: StandardWorld, launch: Launch, mod_log: Channel
) -> None:
    await launch()
    shown = await emulator.slash(sample.guild, sample.mod, "roadmap-admin log-channel")
    assert "No log channel is set" in shown.text()
    text = await set_log(emulator, sample, mod_log)
    assert f"<#{mod_log.id}>" in text and "reward role" in text
    shown = await emulator.slash(sample.guild, sample.mod, "roadmap-admin log-channel")
    assert f"<#{mod_log.id}>" in shown.text()
    both = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin log-channel", channel=mod_log, off=True
    )
    assert "not both" in both.text()
    off = await emulator.slash(sample.guild, sample.mod, "roadmap-admin log-channel", off=True)
    assert "log is off" in off.text()
    mod_log.set_permissions(sample.guild.bot_role, deny=["send_messages"])
    emulator.changed(mod_log)
    refused = await set_log(emulator, sample, mod_log)
    assert "Send Messages" in refused  # a channel the bot cannot post in is refused at once


async def test_a_daily_post_turned_off_is_reported_once_with_why_and_how(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    clock: ManualClock,
    mod_log: Channel,
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_log(emulator, sample, mod_log)
    await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin daily set",
        {"channel": sample.general, "time": "14:00", "timezone": "Europe/Berlin"},
    )  # fmt: skip
    emulator.faults.forbid_channel(sample.general.id)
    clock.set(START + timedelta(hours=1))
    [line] = await wait_lines(emulator, mod_log, 1)
    assert line.startswith("📴 The daily post is turned off:")
    assert "403" in line and "Send Messages" in line and "/roadmap-admin daily set" in line
    clock.set(START + timedelta(days=1, hours=1))
    await ticks(bot)
    assert len(log_lines(emulator, mod_log)) == 1  # turned off: no second attempt, no second line
    [message] = emulator.messages(mod_log)
    assert message.pinged_user_ids == [] and message.pinged_role_ids == []


async def test_reminders_turned_off_by_closed_dms_are_reported_in_words(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    clock: ManualClock,
    mod_log: Channel,
) -> None:
    bot = await launch(tick_interval=TICK)
    await set_log(emulator, sample, mod_log)
    for member in (sample.alice, sample.bob):
        await emulator.slash(sample.guild, member, "roadmap remind set", time="12:30")
        member.user.dms_open = False
    clock.set(START + timedelta(minutes=30))
    [line] = await wait_lines(emulator, mod_log, 1)
    # Both in one line: a fan-out meeting many closed DMs is one report per server.
    assert "the daily reminders of" in line and "direct messages are closed" in line
    assert f"<@{sample.alice.id}>" in line and f"<@{sample.bob.id}>" in line
    assert "50007" not in line and "Discord answered" not in line
    assert emulator.messages(mod_log)[0].pinged_user_ids == []  # named, not pinged

    mod = sample.mod
    await emulator.slash(sample.guild, mod, "roadmap remind set", time="12:45")
    mod.user.dms_open = False
    clock.set(START + timedelta(minutes=45))
    # Closed between ticks and the bot stopping: the batched line still goes out on close.
    await emulator.wait_for(
        lambda: bot.wiring.moderator_log.pending_reports > 0, what="a refused reminder"
    )
    await bot.close()
    lines = log_lines(emulator, mod_log)
    assert len(lines) == 2 and f"<@{mod.id}>'s daily reminder" in lines[1]


async def test_a_reward_role_not_given_is_reported_and_one_given_is_told_to_the_member(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    mod_log: Channel,
    graduate: Role,
) -> None:
    await launch()
    await set_log(emulator, sample, mod_log)
    await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage="basics", role=graduate
    )
    for topic in BASICS[:3]:
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    done = await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=BASICS[3])
    await done.wait_for_followups(1)
    told = done.followups[0]
    assert told.ephemeral and f"You earned the role <@&{graduate.id}>" in told.text()
    assert graduate in sample.bob.roles

    graduate.position = sample.guild.bot_role.position + 1  # moved above the bot meanwhile
    emulator.changed(graduate)
    for topic in BASICS:
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    [line] = await wait_lines(emulator, mod_log, 1)
    assert f"<@&{graduate.id}> to <@{sample.alice.id}>" in line
    assert "at or above my highest role" in line
    assert graduate not in sample.alice.roles


async def test_the_role_earned_follows_a_deferred_answer_of_the_done(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    graduate: Role,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Done slow enough to be deferred ("thinking"): the role it earned is given meanwhile,
    but told only after the Done's own answer, never in the answer's place (the first
    follow-up of a deferred command becomes its answer)."""
    await launch()
    await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage="basics", role=graduate
    )
    for topic in BASICS[:3]:
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    # The extension module the bot loaded (discord.py loads each extension afresh).
    study_cog = sys.modules["bot.cogs.study"]
    real_answer = study_cog.answer

    async def slow_answer(interaction: discord.Interaction, *args: Any, **kwargs: Any) -> None:
        # Longer than the answer guard waits before deferring; the reward goes out meanwhile.
        await asyncio.sleep(DEFER_AFTER + 1.5)
        await real_answer(interaction, *args, **kwargs)

    monkeypatch.setattr(study_cog, "answer", slow_answer)
    done = await emulator.slash(
        sample.guild, sample.bob, "roadmap done", topic=BASICS[3], within=15
    )
    card, told = await done.wait_for_followups(2, within=15)
    assert done.deferred and done.message is card
    assert "You earned the role" not in card.text() and "is now done" in card.text()
    assert told.ephemeral and f"You earned the role <@&{graduate.id}>" in told.text()
    assert graduate in sample.bob.roles


async def test_the_announce_channel_celebrates_a_finished_stage_unless_hidden(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    answer = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin announce", channel=sample.announcements
    )
    assert f"<#{sample.announcements.id}>" in answer.text()
    for topic in BASICS:
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await emulator.wait_for(
        lambda: len(emulator.messages(sample.announcements)) == 1, what="the celebration"
    )
    [post] = emulator.messages(sample.announcements)
    assert f"<@{sample.alice.id}> finished the stage" in post.content
    assert post.pinged_user_ids == []

    await emulator.slash(sample.guild, sample.bob, "roadmap settings", hide_progress=True)
    for topic in BASICS:
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    await emulator.slash(sample.guild, sample.bob, "roadmap progress")
    await asyncio.sleep(0.2)
    assert len(emulator.messages(sample.announcements)) == 1  # bob hides his progress
    off = await emulator.slash(sample.guild, sample.mod, "roadmap-admin announce", off=True)
    assert "no longer announced" in off.text()


async def test_undo_takes_back_the_role_its_press_earned_and_only_that(
    emulator: Emulator, sample: StandardWorld, launch: Launch, graduate: Role
) -> None:
    await launch()
    await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage="basics", role=graduate
    )
    for topic in BASICS[:3]:
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    card = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    done = await emulator.click(card, "Done", sample.bob)
    await emulator.wait_for(lambda: graduate in sample.bob.roles, what="the reward role")
    undone = await emulator.click(done, "Undo", sample.bob)
    assert undone.message is not None
    assert f"The role <@&{graduate.id}> that finishing this stage gave you is taken back." in (
        undone.message.content
    )
    assert graduate not in sample.bob.roles
    assert [(c.role_id, c.added) for c in emulator.role_changes] == [
        (graduate.id, True),
        (graduate.id, False),
    ]

    # A role a moderator gave by hand is not the bot's to take: finishing the stage gives
    # nothing new, and its Undo leaves the role.
    sample.alice.roles.append(graduate)
    emulator.changed(sample.alice)
    for topic in BASICS[:3]:
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    done = await emulator.click(card, "Done", sample.alice)
    assert done.message is not None and "finished!" in done.message.content  # stage complete
    undone = await emulator.click(done, "Undo", sample.alice)
    assert undone.message is not None and "taken back" not in undone.message.content
    assert graduate in sample.alice.roles
    assert [c.user_id for c in emulator.role_changes] == [sample.bob.id, sample.bob.id]


async def test_content_errors_are_reported_once_per_version_without_paths(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    mod_log: Channel,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "content"
    path = write_roadmap(folder, "backend", {"basics": ["syntax", "functions"]}, title="Backend")
    result = load_directory(folder)
    assert result.catalog is not None
    bot = await launch(content=ContentHolder(result.catalog), content_dir=folder)
    await set_log(emulator, sample, mod_log)
    broken = path.read_text().replace(
        'title: "Functions"', 'title: "Functions"\n        title: "x"'
    )
    path.write_text(broken)
    reloads = bot.get_cog("ContentReload")
    assert reloads is not None
    await reloads.reload("test")  # type: ignore[attr-defined]
    [line] = await wait_lines(emulator, mod_log, 1)
    assert "**Backend**" in line and "1 error" in line and "version served before" in line
    assert str(folder) not in line and "backend.yaml" not in line and "duplicate" not in line
    await reloads.reload("test again")  # type: ignore[attr-defined]
    await emulator.slash(sample.guild, sample.mod, "roadmap-admin log-channel")
    await asyncio.sleep(0.2)
    assert len(log_lines(emulator, mod_log)) == 1  # the same broken version: told once
    path.write_text(broken.replace('title: "x"', 'title: "y"\n        title: "z"'))
    await reloads.reload("another version")  # type: ignore[attr-defined]
    assert len(await wait_lines(emulator, mod_log, 2)) == 2


def _two_roadmaps(folder: Path, *, with_second: bool) -> Catalog:
    write_roadmap(folder, "backend", {"basics": ["syntax", "functions"]}, title="Backend")
    second = folder / "data.yaml"
    if with_second:
        write_roadmap(folder, "data", {"pandas": ["frames", "plots"]}, title="Data")
    elif second.exists():
        second.unlink()
    result = load_directory(folder)
    assert result.catalog is not None, [str(p) for p in result.problems]
    return result.catalog


async def test_a_member_whose_followed_roadmap_was_deleted_is_told_once(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    bot = await launch(catalog=_two_roadmaps(folder, with_second=True), content_dir=folder)
    await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap="data")
    await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await bot.close()

    await launch(catalog=_two_roadmaps(folder, with_second=False), content_dir=folder)
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await card.wait_for_followups(1)
    told = card.followups[0]
    assert told.ephemeral
    assert "`data` you followed is no longer" in told.text() and "**Backend**" in told.text()
    again = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    await asyncio.sleep(0.2)
    assert again.followups == []  # told once
    other = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    await asyncio.sleep(0.2)
    assert other.followups == []  # bob followed nothing: nothing to tell


async def test_a_member_whose_followed_roadmap_was_deleted_is_told_on_a_press_too(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    bot = await launch(catalog=_two_roadmaps(folder, with_second=True), content_dir=folder)
    await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap="data")
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await bot.close()

    await launch(catalog=_two_roadmaps(folder, with_second=False), content_dir=folder)
    pressed = await emulator.click(card, "Done", sample.alice)  # a press, no slash command
    await pressed.wait_for_followups(1)
    told = pressed.followups[0]
    assert told.ephemeral
    assert "`data` you followed is no longer" in told.text() and "**Backend**" in told.text()
    again = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    await asyncio.sleep(0.2)
    assert again.followups == []  # told once, whichever way it came


async def test_each_channel_setting_asks_only_for_the_permissions_its_posts_need(
    emulator: Emulator, sample: StandardWorld, launch: Launch, mod_log: Channel
) -> None:
    await launch()
    # The log and the celebrations are lines of text: no Embed Links, Attach Files or history.
    deny = ["embed_links", "attach_files", "read_message_history"]
    for channel in (mod_log, sample.announcements, sample.general):
        channel.set_permissions(sample.guild.bot_role, deny=deny)
        emulator.changed(channel)
    text = await set_log(emulator, sample, mod_log)
    assert f"<#{mod_log.id}>" in text and "missing" not in text
    announce = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin announce", channel=sample.announcements
    )
    assert f"<#{sample.announcements.id}>" in announce.text() and "missing" not in announce.text()
    # The weekly leaderboard is an embed, found again in the history after a lost answer.
    weekly = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin weekly",
        {"channel": sample.general, "day": "wednesday", "time": "14:00"},
    )  # fmt: skip
    assert weekly.text() == (
        f"I can't post the weekly leaderboard in <#{sample.general.id}>: I'm missing "
        "Embed Links and Read Message History there. Give me them and try again."
    )
    mod_log.set_permissions(sample.guild.bot_role, deny=["send_messages"])
    emulator.changed(mod_log)
    assert "I can't post my reports in" in await set_log(emulator, sample, mod_log)


async def test_a_misplaced_reward_role_is_reported_once_a_day_not_per_member(
    emulator: Emulator,
    sample: StandardWorld,
    *,
    launch: Launch,
    mod_log: Channel,
    graduate: Role,
    clock: ManualClock,
) -> None:
    await launch()
    await set_log(emulator, sample, mod_log)
    await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin reward set", stage="basics", role=graduate
    )
    graduate.position = sample.guild.bot_role.position + 1  # above the bot: refused for all
    emulator.changed(graduate)
    for topic in BASICS:
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    [line] = await wait_lines(emulator, mod_log, 1)
    assert f"<@&{graduate.id}> to <@{sample.alice.id}>" in line
    for topic in BASICS:  # the same role, stage and reason the same day: not said again
        await emulator.slash(sample.guild, sample.bob, "roadmap done", topic=topic)
    await asyncio.sleep(0.3)
    assert len(log_lines(emulator, mod_log)) == 1
    assert graduate not in sample.bob.roles

    clock.set(START + timedelta(days=1))  # the next day it is said again, once
    for topic in BASICS:
        await emulator.slash(sample.guild, sample.mod, "roadmap done", topic=topic)
    lines = await wait_lines(emulator, mod_log, 2)
    assert f"<@&{graduate.id}> to <@{sample.mod.id}>" in lines[1]

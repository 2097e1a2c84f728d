"""The bot itself: when it syncs commands, how it answers failures, cooldowns, what it logs."""

from __future__ import annotations

import gc
import logging
import re

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

GLOBAL_SYNC = "PUT /applications/{application_id}/commands"
GUILD_SYNC = "PUT /applications/{application_id}/guilds/{guild_id}/commands"


def _syncs(emulator: Emulator, route: str) -> int:
    return len(emulator.recorder.to(route))


async def test_global_sync_on_a_fresh_database_then_only_when_the_tree_changes(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    assert _syncs(emulator, GLOBAL_SYNC) == 1
    assert sorted(emulator.commands.names(None)) == ["roadmap", "roadmap-admin"]
    await bot.close()

    bot = await launch()  # same database, same commands: no sync
    assert _syncs(emulator, GLOBAL_SYNC) == 1
    await bot.close()

    await launch(extensions=("bot.cogs.member_commands",))  # the tree changed: sync again
    assert _syncs(emulator, GLOBAL_SYNC) == 2
    assert _syncs(emulator, GUILD_SYNC) == 0


async def test_dev_guild_adds_only_the_owner_commands_and_every_server_gets_the_global_ones(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch(dev_guild_id=sample.guild.id)
    await bot.close()
    await launch(dev_guild_id=sample.guild.id)  # a restart with the same tree
    assert _syncs(emulator, GLOBAL_SYNC) == 1
    assert _syncs(emulator, GUILD_SYNC) == 2  # the dev server's own commands, every start
    assert emulator.commands.names(None) == ["roadmap", "roadmap-admin"]
    # The owners' reload lives only in the dev server, and nothing there is listed twice.
    assert emulator.commands.names(sample.guild.id) == ["roadmap-owner"]
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Syntax and data types"


async def test_dev_guild_sync_all_puts_every_command_in_the_dev_server_and_none_globally(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch(dev_guild_id=sample.guild.id, dev_guild_sync_all=True)
    assert _syncs(emulator, GLOBAL_SYNC) == 0
    assert emulator.commands.names(None) == []
    assert emulator.commands.names(sample.guild.id) == [
        "roadmap",
        "roadmap-admin",
        "roadmap-owner",
    ]
    await bot.close()

    # Back to normal: the dev server's copies go, the global commands come.
    await launch(dev_guild_id=sample.guild.id)
    assert emulator.commands.names(sample.guild.id) == ["roadmap-owner"]
    assert emulator.commands.names(None) == ["roadmap", "roadmap-admin"]


async def test_an_unexpected_failure_answers_with_a_code_and_logs_the_traceback_under_it(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await launch()
    await bot.database.close()  # every query now fails: our bug, not the member's
    with caplog.at_level(logging.ERROR, logger="bot"):
        result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.ephemeral
    match = re.fullmatch(
        r"Something went wrong \(code ([0-9A-F]{6})\)\. "
        r"It has been logged; please try again later\.",
        result.content,
    )
    assert match, result.content
    assert "Traceback" not in result.content and "database" not in result.content
    logged = [r for r in caplog.records if match[1] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert f"guild={sample.guild.id} member={sample.alice.id}" in logged[0].getMessage()


async def test_a_button_failing_unexpectedly_answers_with_a_code_too(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await bot.database.close()
    pressed = await emulator.click(card, "Done", sample.alice)
    assert pressed.ephemeral
    assert pressed.content.startswith("Something went wrong (code ")


async def test_each_member_has_a_cooldown_per_command(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    answers = [await emulator.slash(sample.guild, sample.alice, "roadmap export") for _ in range(3)]
    assert answers[0].message.attachments and answers[1].message.attachments
    assert answers[2].ephemeral
    assert re.fullmatch(r"You're going a bit fast: try again in \d+ s\.", answers[2].content)
    other = await emulator.slash(sample.guild, sample.bob, "roadmap export")
    assert other.message.attachments  # bob is not slowed down by alice


async def test_every_command_and_button_is_logged_with_server_and_member(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await launch()
    with caplog.at_level(logging.INFO, logger="bot"):
        card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
        await emulator.click(card, "Skip", sample.alice)
        await emulator.slash(sample.guild, sample.bob, "roadmap stage", stage="nope")
    lines = [record.getMessage() for record in caplog.records]
    where = f"guild={sample.guild.id} member={sample.alice.id}"
    assert f"/roadmap next {where}" in lines
    assert any(line.startswith("button skip") and line.endswith(where) for line in lines)
    assert any(
        line.startswith(f"refused /roadmap stage guild={sample.guild.id} member={sample.bob.id}")
        for line in lines
    )
    assert all(emulator.world.token not in line for line in lines)


async def test_the_heap_is_frozen_once_after_the_first_ready_not_on_reconnects(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    gc.unfreeze()  # earlier bots of this test process froze theirs
    bot = await launch()
    await emulator.wait_for(lambda: gc.get_freeze_count() > 0, what="the heap to be frozen")
    frozen = gc.get_freeze_count()
    await emulator.gateway.reconnect()
    await emulator.wait_for(lambda: bot.is_ready() and emulator.gateway.connected)
    await emulator.slash(sample.guild, sample.alice, "roadmap next")
    # Frozen objects that die leave the count; a second freeze would add every live object.
    assert gc.get_freeze_count() <= frozen

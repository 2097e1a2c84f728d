"""`/roadmap help`: moderators (Manage Server) also see the `/roadmap-admin` commands."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_moderators_see_the_admin_commands_and_members_do_not(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    mine = await emulator.slash(sample.guild, sample.mod, "roadmap help")
    assert mine.ephemeral and len(mine.embeds) == 2
    members, moderators = (embed["description"] for embed in mine.embeds)
    assert "/roadmap next" in members
    assert mine.embeds[1]["title"] == "For moderators"
    assert "`/roadmap-admin setup <time> <timezone> [roadmap]`" in moderators
    for command in bot.command_groups.admin.walk_commands():
        if not hasattr(command, "walk_commands"):  # a group's subcommands are listed instead
            assert f"/{command.qualified_name}" in moderators

    theirs = await emulator.slash(sample.guild, sample.alice, "roadmap help")
    assert len(theirs.embeds) == 1 and "roadmap-admin" not in theirs.text()

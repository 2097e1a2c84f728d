"""Cogs hang commands under the shared groups; every command gets a per-member cooldown."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot.cogs.groups import CommandGroups, MemberCooldown, subcommand


class Reminders:
    """A cog-shaped object with a subgroup and two subcommands, as a feature would write it."""

    @subcommand("roadmap remind set", "Get a daily DM", cooldown=(2, 60.0))
    @app_commands.describe(time="24-hour local time")
    async def remind_set(self, interaction: discord.Interaction, time: str) -> None:
        """Sets a reminder."""

    @subcommand("roadmap-admin stats", "Server statistics")
    async def stats(self, interaction: discord.Interaction) -> None:
        """Shows statistics."""


def _interaction(user_id: int, guild_id: int | None = 1) -> discord.Interaction:
    # The checks read only these two attributes.
    return SimpleNamespace(guild_id=guild_id, user=SimpleNamespace(id=user_id))  # type: ignore[return-value]


def _run_checks(command: app_commands.Command, interaction: discord.Interaction) -> None:
    for check in command.checks:
        check(interaction)


def test_attach_puts_commands_under_their_groups_with_descriptions() -> None:
    groups = CommandGroups.create()
    cog = Reminders()
    groups.add_subgroup(cog, "roadmap", "remind", "Daily reminders")
    groups.attach(cog)
    assert [c.qualified_name for c in groups.member.walk_commands()] == [
        "roadmap remind",
        "roadmap remind set",
    ]
    stats = groups.admin.get_command("stats")
    assert stats is not None and stats.description == "Server statistics"
    assert groups.admin.default_permissions == discord.Permissions(manage_guild=True)

    groups.detach(cog)
    assert groups.member.commands == [] and groups.admin.commands == []


def test_attaching_twice_or_under_a_missing_group_fails_fast() -> None:
    groups = CommandGroups.create()
    with pytest.raises(LookupError, match="roadmap remind"):
        groups.attach(Reminders())
    groups.add_subgroup(object(), "roadmap", "remind", "Daily reminders")
    groups.attach(Reminders())
    with pytest.raises(ValueError, match="defined twice"):
        groups.attach(Reminders())


def test_cooldown_is_per_member_and_commands_refuse_direct_messages() -> None:
    groups = CommandGroups.create()
    cog = Reminders()
    groups.add_subgroup(cog, "roadmap", "remind", "Daily reminders")
    (remind_set, _) = groups.attach(cog)

    _run_checks(remind_set, _interaction(10))
    _run_checks(remind_set, _interaction(10))
    with pytest.raises(app_commands.CommandOnCooldown):
        _run_checks(remind_set, _interaction(10))
    _run_checks(remind_set, _interaction(11))  # another member is not slowed down
    with pytest.raises(app_commands.NoPrivateMessage):
        _run_checks(remind_set, _interaction(12, guild_id=None))


def test_each_bot_has_its_own_cooldowns() -> None:
    first, second = CommandGroups.create(), CommandGroups.create()
    for groups in (first, second):
        groups.add_subgroup(object(), "roadmap", "remind", "Daily reminders")
    (a, _), (b, _) = first.attach(Reminders()), second.attach(Reminders())
    for _ in range(2):
        _run_checks(a, _interaction(10))
    _run_checks(b, _interaction(10))  # a restarted bot starts with fresh buckets


def test_the_cooldown_forgets_idle_members_once_per_window_and_keeps_the_active() -> None:
    now = [1000.0]
    cooldown = MemberCooldown(2, 20.0, clock=lambda: now[0])
    for member in range(500):
        cooldown(_interaction(member))
    cooldown(_interaction(1))  # member 1 has used both uses
    assert len(cooldown) == 500

    now[0] += 15.0  # inside the window: nobody is forgotten, member 1 is still slowed down
    with pytest.raises(app_commands.CommandOnCooldown):
        cooldown(_interaction(1))
    assert len(cooldown) == 500

    now[0] += 10.0  # everyone's window has passed: one sweep forgets them all
    cooldown(_interaction(7))
    assert len(cooldown) == 1
    cooldown(_interaction(7))
    with pytest.raises(app_commands.CommandOnCooldown):
        cooldown(_interaction(7))  # the member who just came back is still counted

"""What a member reads when a command fails: domain errors and check failures as they are."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.cogs.tree import explain
from bot.errors import InvalidTime, UnknownTopic
from bot.render.permissions import permission_names


async def _callback(interaction: discord.Interaction) -> None:
    """Stands in for any command: the errors below are raised as if it had failed."""


def _failed(error: Exception) -> app_commands.CommandInvokeError:
    """The wrapper discord.py puts around an exception raised by a command's callback."""
    command = app_commands.Command(name="next", description="Your next topic", callback=_callback)
    return app_commands.CommandInvokeError(command, error)


def test_domain_error_is_shown_as_is_also_when_wrapped_by_discord_py() -> None:
    error = UnknownTopic("flsk", ["flask", "fastapi"])
    assert explain(error) == "Unknown topic `flsk`. Did you mean `flask`, `fastapi`?"
    assert "`25:61` is not a time" in explain(_failed(InvalidTime("25:61")))


def test_cooldown_says_when_to_try_again_in_whole_seconds() -> None:
    error = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10.0), 3.2)
    assert explain(error) == "You're going a bit fast: try again in 4 s."


def test_permissions_are_named_as_discord_shows_them() -> None:
    assert explain(app_commands.MissingPermissions(["manage_guild"])) == (
        "You need the Manage Server permission for this."
    )
    assert permission_names(["embed_links", "attach_files", "manage_roles"]) == (
        "Embed Links, Attach Files and Manage Roles"
    )


def test_direct_messages_and_other_checks_get_a_plain_refusal() -> None:
    assert "server" in explain(app_commands.NoPrivateMessage())
    assert explain(app_commands.CheckFailure()) == "You can't use this command here."


def test_our_own_bugs_are_not_explained_so_they_get_a_code() -> None:
    assert explain(KeyError("boom")) is None
    assert explain(_failed(ZeroDivisionError())) is None

"""The command tree that answers every failure with a short ephemeral message, never a traceback.

Domain errors (bot.errors.StudyError) and failed checks are the user's to fix, so they get their
own message. Anything else is our bug: the user gets "Something went wrong (code X)" and the log
gets the traceback under the same code, so a report can be matched to it.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.cogs.answers import RESTARTING, acknowledge_first, answer, guard, pressing, stopping
from bot.errors import StudyError, quoted
from bot.render.permissions import permission_names

log = logging.getLogger(__name__)


def explain(error: BaseException) -> str | None:
    """The message a user should see for an error they can act on; None for our own bugs."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, StudyError):
        return error.message
    if isinstance(error, app_commands.CommandOnCooldown):
        seconds = max(1, math.ceil(error.retry_after))
        return f"You're going a bit fast: try again in {seconds} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {permission_names(error.missing_permissions)} permission here."
    if isinstance(error, app_commands.TransformerError):
        return f"{quoted(error.value)} is not a valid {error.type.name.lower()}."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "This command has changed since Discord last heard of it; try again in a minute."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


#: Discord's answers when an interaction can no longer be answered: it expired (no first
#: answer within 3 s) or it was answered already. Nobody is left to tell, and it is no bug here.
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060


async def handle_press(
    interaction: discord.Interaction,
    press: Callable[[discord.Interaction], Awaitable[None]],
) -> None:
    """How every persistent button answers: the answer guard starts (it defers a slow press),
    a press in a crowd is acknowledged before its work (`acknowledge_first`), a press while
    the bot stops is told to retry, and an error the press raised is answered like a
    command's (`answer_error`), never left unanswered; one that succeeded dispatches
    `press_completion` (what the bot tells after any answer, e.g. a deleted roadmap)."""
    started = guard(interaction)
    if stopping(interaction):
        await answer(interaction, RESTARTING, ephemeral=True)
        return
    with pressing(interaction):
        try:
            await acknowledge_first(interaction, started)
            await press(interaction)
        except Exception as error:
            await answer_error(interaction, error)
        else:  # as a slash command's app_command_completion: listeners follow up after it
            interaction.client.dispatch("press_completion", interaction)


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user what went wrong, ephemerally; log our own bugs with a code."""
    where = f"guild={interaction.guild_id} member={interaction.user.id}"
    what = _describe(interaction)
    original = getattr(error, "original", error)
    if isinstance(original, discord.HTTPException) and original.code in (
        UNKNOWN_INTERACTION,
        ALREADY_ACKNOWLEDGED,
    ):
        log.warning(
            "could not answer %s %s: Discord answered %s %s",
            what,
            where,
            original.code,
            "(the interaction expired)" if original.code == UNKNOWN_INTERACTION else "(answered)",
        )
        return
    text = explain(error)
    if text is None:
        code = secrets.token_hex(3).upper()
        log.error("error %s in %s %s", code, what, where, exc_info=original)
        text = f"Something went wrong (code {code}). It has been logged; please try again later."
    else:
        log.info("refused %s %s: %s", what, where, text)
    try:
        await answer(interaction, text, ephemeral=True)
    except discord.HTTPException as exc:
        # The interaction may have expired or been answered elsewhere; nothing left to tell.
        log.warning("could not answer %s %s: %s", what, where, exc)


def _describe(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    return f"component {custom_id}" if custom_id else f"interaction {interaction.type.name}"


#: Discord's option types: what each must carry, and how a refusal names it.
_SUBCOMMANDS = (1, 2)
_EXPECTED: dict[int, str] = {
    3: "text",
    4: "a whole number",
    5: "true or false",
    6: "a member",
    7: "a channel",
    8: "a role",
    9: "a member or a role",
    10: "a number",
    11: "a file",
}
_RESOLVED_IN = {
    6: ("users",),
    7: ("channels",),
    8: ("roles",),
    9: ("users", "roles"),
    11: ("attachments",),
}


def _fits(kind: int, value: object, resolved: dict[str, Any]) -> bool:
    if kind == 3:
        return isinstance(value, str)
    if kind == 4:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == 5:
        return isinstance(value, bool)
    if kind == 10:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in _RESOLVED_IN:
        return (
            isinstance(value, str)
            and value.isdigit()
            and any(value in (resolved.get(where) or {}) for where in _RESOLVED_IN[kind])
        )
    return True  # a type this bot does not use: discord.py's own checks apply


def misfit_option(options: list[dict[str, Any]], resolved: dict[str, Any]) -> str | None:
    """A refusal for the first option whose value is not of its declared type (a client that
    is not Discord's can send anything), else None."""
    for option in options:
        kind = option.get("type")
        if kind in _SUBCOMMANDS:
            found = misfit_option(list(option.get("options") or []), resolved)
            if found is not None:
                return found
        elif isinstance(kind, int) and not _fits(kind, option.get("value"), resolved):
            name = quoted(option.get("name", "?"))
            return f"The option {name} must be {_EXPECTED.get(kind, 'something else')}."
    return None


def _asked_public(options: list[dict[str, Any]]) -> bool:
    """Whether the command's options (nested through subcommands) say `public: True`."""
    for option in options:
        if option.get("name") == "public" and option.get("value") is True:
            return True
        if _asked_public(option.get("options") or []):
            return True
    return False


class StudyTree(app_commands.CommandTree):
    """A CommandTree whose errors become short ephemeral answers (see module docstring), and
    whose commands are all answered in time (bot/cogs/answers.py)."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.application_command:
            data: dict[str, Any] = dict(interaction.data or {})
            options = list(data.get("options") or [])
            guard(interaction, ephemeral=not _asked_public(options))
            refusal = RESTARTING if stopping(interaction) else None
            refusal = refusal or misfit_option(options, dict(data.get("resolved") or {}))
            if refusal is not None:
                log.info(
                    "refused interaction guild=%s member=%s: %s",
                    interaction.guild_id,
                    interaction.user.id,
                    refusal,
                )
                await answer(interaction, refusal, ephemeral=True)
                return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await answer_error(interaction, error)

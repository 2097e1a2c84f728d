"""Extension: content hot reload on file change, on SIGHUP, by `/roadmap-owner reload`, and by
`python -m bot reload` (every process on the database: bot/services/reload_broadcast.py).

Content is shared by every server, so no server's moderators may reload it: the command is
registered only in DEV_GUILD_ID (not at all without one) and answers only the bot's owners
(OWNER_IDS, else the application's owner or team). The watcher and the SIGHUP handler are
background work: started after the commands are synced, stopped first thing in close().

Every reload, applied or refused, is dispatched as the discord.py event `content_reloaded`
with its ReloadOutcome (`async def on_content_reloaded(self, outcome)` in a cog): the wiring's
`reload_content` (bot/wiring.py) does both, and builds the watcher.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.answers import answer, defer
from bot.cogs.groups import MemberCooldown
from bot.errors import StudyError
from bot.render.reload import reload_report
from bot.render.to_discord import send_kwargs
from bot.services.content import ReloadOutcome

if TYPE_CHECKING:
    from bot.app import StudyBot

log = logging.getLogger(__name__)

OWNER_GROUP = "roadmap-owner"
RELOAD_COOLDOWN = (3, 30.0)
NOT_AN_OWNER = (
    "Only the bot's owners can reload the content: it is shared by every server. "
    "Owners are the users in OWNER_IDS, else the application's owner or team."
)


class ContentReload(commands.Cog):
    """Keeps the served content in step with the files in CONTENT_DIR."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.watcher = bot.wiring.watcher
        self._signal_tasks: set[asyncio.Task[ReloadOutcome]] = set()
        self._sighup_installed = False
        self._group: app_commands.Group | None = None

    async def cog_load(self) -> None:
        guild_id = self.bot.settings.dev_guild_id
        if guild_id is not None:
            self._group = self._owner_group()
            self.bot.tree.add_command(self._group, guild=discord.Object(id=guild_id))
        self.bot.add_background("content watcher", self._start, self._stop)

    async def cog_unload(self) -> None:
        guild_id = self.bot.settings.dev_guild_id
        if self._group is not None and guild_id is not None:
            self.bot.tree.remove_command(OWNER_GROUP, guild=discord.Object(id=guild_id))
            self._group = None

    def _owner_group(self) -> app_commands.Group:
        group = app_commands.Group(
            name=OWNER_GROUP,
            description="Bot owners only: manage the content shared by every server",
            guild_only=True,
        )
        command: app_commands.Command[ContentReload, ..., None] = app_commands.Command(
            name="reload",
            description="Reload the roadmap files now and show what changed (or every error)",
            callback=self.reload_command,
            parent=group,
        )
        command.add_check(MemberCooldown(*RELOAD_COOLDOWN))
        group.add_command(command)
        return group

    # -- the three triggers ----------------------------------------------------------------

    async def reload_command(self, interaction: discord.Interaction) -> None:
        if not await self._is_owner(interaction.user):
            raise StudyError(NOT_AN_OWNER)
        # Loading a large content folder can take longer than Discord waits for an answer.
        await defer(interaction)
        trigger = f"/{OWNER_GROUP} reload by member={interaction.user.id}"
        outcome = await self.reload(trigger)
        report = reload_report(outcome, content_dir=self.bot.settings.content_dir)
        await answer(interaction, **send_kwargs(report), ephemeral=True)

    async def reload(self, trigger: str) -> ReloadOutcome:
        """Reload now (after any reload under way) and tell listeners what happened."""
        return await self.bot.wiring.reload_content(trigger)

    def _on_sighup(self) -> None:
        log.info("SIGHUP received; reloading content")
        task = asyncio.get_running_loop().create_task(self.reload("SIGHUP"))
        self._signal_tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._signal_tasks.discard)

    async def _is_owner(self, user: discord.abc.User) -> bool:
        if self.bot.settings.owner_ids:
            return user.id in self.bot.settings.owner_ids
        return await self.bot.is_owner(user)  # the application's owner or team (fetched once)

    # -- background work -------------------------------------------------------------------

    async def _start(self) -> None:
        await self.watcher.start()
        await self.bot.reload_broadcast.start(self.reload)
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
            self._sighup_installed = True
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):
            # No SIGHUP on Windows, and handlers only work in the main thread.
            log.info("SIGHUP is not available here; content reloads on file change only")

    async def _stop(self) -> None:
        if self._sighup_installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self._sighup_installed = False
        await self.watcher.stop()
        await self.bot.reload_broadcast.stop()
        for task in list(self._signal_tasks):
            task.cancel()
        await asyncio.gather(*self._signal_tasks, return_exceptions=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(ContentReload(bot))

"""The bot process: StudyBot wires settings, database, content and clock together; run it or sync.

The database comes in opened (opening applies the migrations, so a failing migration stops the
process before it logs in). `setup_hook` (runs once per process, never in `on_ready`) attaches the
cogs from an explicit list (failing fast), registers the persistent buttons, syncs commands when it
should and starts background work. `close()` stops it all and closes the database.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import json
import logging
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.cogs.context import RoadmapHints, Services
from bot.cogs.groups import CommandGroups
from bot.cogs.tree import StudyTree
from bot.config import Settings
from bot.schedule.pacer import RestGate, RestPacer, rest_trace
from bot.schedule.runner import TICK_INTERVAL, TickRunner
from bot.services.clock import Clock, SystemClock
from bot.services.content import ContentHolder
from bot.store.database import Database
from bot.store.meta import MetaRepository

log = logging.getLogger(__name__)

#: Extension modules loaded by setup_hook, in order. A module that fails to load stops the bot.
EXTENSIONS: tuple[str, ...] = (
    "bot.cogs.members",
    "bot.cogs.admin",
    "bot.cogs.content_reload",
    "bot.cogs.daily",
    "bot.cogs.rewards",
    "bot.cogs.stats",
    "bot.cogs.reminders",
)

#: The meta key remembering the command tree that was last synced globally.
TREE_HASH_KEY = "command_tree_hash"

Hook = Callable[[], Awaitable[None]]


def command_tree_digest(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None
) -> str:
    """A stable hash of what syncing `tree` would send to Discord (for one guild or global)."""
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands(guild=guild)),
        key=lambda item: (item.get("type", 1), item["name"]),
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST and gateway traffic to another host (a proxy, or the test emulator).

    A plain (unsharded) client connects to DiscordWebSocket.DEFAULT_GATEWAY and reconnects to the
    `resume_gateway_url` Discord gives it, so both settings are enough to redirect it entirely.
    """
    if api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class StudyBot(commands.Bot):
    """The Study Companion bot; every resource comes in through the constructor."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        content: ContentHolder,
        clock: Clock | None = None,
        *,
        extensions: Sequence[str] = EXTENSIONS,
        sync_on_start: bool = True,
        tick_interval: float = TICK_INTERVAL,
        rest_gate: RestGate | None = None,
        rest_pacer: RestPacer | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # Every REST request passes this gate, so no second holds more than Discord's limit.
        self.rest_gate = rest_gate or RestGate()
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=StudyTree,
            # Nothing the bot sends pings anyone unless a message asks for it explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=rest_trace(self.rest_gate),
            **options,
        )
        self.settings = settings
        self.database = database
        self.content = content
        self.clock: Clock = clock or SystemClock()
        self.services = Services.create(database, self.clock)
        self.roadmap_hints = RoadmapHints()
        self._meta = MetaRepository(database)
        self.command_groups = CommandGroups.create()
        self._extensions_to_load = tuple(extensions)
        self._sync_on_start = sync_on_start
        self._background: list[tuple[str, Hook, Hook]] = []
        self._started: list[tuple[str, Hook]] = []
        self._persistent_items: list[type[discord.ui.DynamicItem[Any]]] = []
        self._closing: asyncio.Future[None] | None = None
        self._heap_frozen = False
        # One scheduler job runs every feature's tick (`ticks.add_tick`); one pacer spaces all
        # scheduled REST traffic (daily posts, reminders) evenly under the gate's bound.
        self.ticks = TickRunner(tick_interval)
        self.rest_pacer = rest_pacer or RestPacer()
        self.add_background("scheduler", self.ticks.start, self.ticks.stop)

    # -- wiring used by cogs -------------------------------------------------------------

    def add_background(self, name: str, start: Hook, stop: Hook) -> None:
        """Register work that runs while the bot runs (scheduler, watcher): started at the end
        of setup_hook (not for `python -m bot sync`), stopped first thing in close()."""
        self._background.append((name, start, stop))

    def add_persistent_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Button templates that must keep working after a restart (registered in setup_hook)."""
        self._persistent_items.extend(items)

    # -- lifecycle -----------------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self.install_commands()
        if self._sync_on_start:
            await self.sync_commands_on_start()
            for name, start, stop in self._background:
                await start()
                self._started.append((name, stop))
                log.info("started %s", name)

    async def install_commands(self) -> None:
        """Build the command tree and register the persistent buttons (no network needed,
        so the command-tree test calls it offline)."""
        for group in self.command_groups.tops():
            self.tree.add_command(group)
        for name in self._extensions_to_load:
            await self.load_extension(name)  # raises: a half-loaded bot must not run
        self.add_dynamic_items(*self._persistent_items)

    async def sync_commands_on_start(self) -> None:
        """DEV_GUILD_ID: sync there every start. Otherwise sync globally only when the tree
        changed since the last global sync (so a fresh database syncs once)."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild=%s", len(synced), guild.id)
            return
        digest = command_tree_digest(self.tree)
        if await self._meta.get(TREE_HASH_KEY) == digest:
            log.info("command tree unchanged since the last global sync; not syncing")
            return
        await self.sync_globally()

    async def sync_globally(self) -> int:
        synced = await self.tree.sync()
        await self._meta.set(TREE_HASH_KEY, command_tree_digest(self.tree))
        log.info("synced %d global commands", len(synced))
        return len(synced)

    async def close(self) -> None:
        # Called by a signal handler and again by `async with`; the second call only waits.
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._closing)

    async def _close_once(self) -> None:
        while self._started:
            name, stop = self._started.pop()
            try:
                await stop()
                log.info("stopped %s", name)
            except Exception:
                log.exception("stopping %s failed", name)
        await super().close()
        await self.database.close()

    # -- events --------------------------------------------------------------------------

    async def on_ready(self) -> None:
        # Only a log line: on_ready fires again after every reconnect, so no work starts here.
        # And one step, once: the caches just loaded (every guild, the content) live as long as
        # the process, so they leave the cyclic collector's reach; otherwise a full collection,
        # e.g. during a daily fan-out, walks all of them and stalls the loop for 100+ ms.
        # Collected first so that no garbage is frozen; once, so later garbage is never kept.
        if not self._heap_frozen:
            self._heap_frozen = True
            gc.collect()
            gc.freeze()
        log.info(
            "connected as %s (id=%s) to %d servers",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
        )

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any]
    ) -> None:
        log.info(
            "/%s guild=%s member=%s",
            command.qualified_name,
            interaction.guild_id,
            interaction.user.id,
        )


# -- process entry points (bot/__main__.py) ------------------------------------------------


def load_content(settings: Settings) -> ContentHolder | None:
    """The content to serve, or None after printing why it cannot be served (exit code 1)."""
    from bot.roadmap.loader import ContentDirectoryError, load_directory
    from bot.roadmap.problems import Problem

    try:
        result = load_directory(settings.content_dir)
    except ContentDirectoryError as exc:
        print(
            f"Cannot read the content: {exc} (set CONTENT_DIR to the roadmap folder).",
            file=sys.stderr,
        )
        return None
    from bot.render.audit import audit_problems

    found = audit_problems(result)
    for problem in sorted(result.problems + found, key=Problem.sort_key):
        print(problem, file=sys.stderr)
    if not result.ok or result.catalog is None or any(p.is_error for p in found):
        print(
            f"The content in {settings.content_dir} is invalid; fix the errors above "
            f"(`python -m bot check {settings.content_dir}` lists them) and start again.",
            file=sys.stderr,
        )
        return None
    return ContentHolder(result.catalog)


def run_bot(settings: Settings) -> int:
    """`python -m bot`: run until SIGTERM/SIGINT. Exit 0 after a graceful stop, 1 on failure."""
    return _with_bot(settings, _run_until_stopped, sync_on_start=True)


def run_sync(settings: Settings, guild_id: int | None = None) -> int:
    """`python -m bot sync [--guild ID]`: push the commands to Discord once and exit."""
    return _with_bot(
        settings, functools.partial(_sync_once, guild_id=guild_id), sync_on_start=False
    )


def _with_bot(
    settings: Settings,
    use: Callable[[StudyBot, str], Awaitable[int]],
    *,
    sync_on_start: bool,
) -> int:
    """Logging, token, content and URLs first (each failing with its exit code), then the
    database and the bot inside one event loop, handed to `use`."""
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level), root=True)
    token = settings.require_token()
    content = load_content(settings)
    if content is None:
        return 1
    point_discord_at(settings.api_base, settings.gateway_url)

    async def main() -> int:
        from bot.store.migrations import MigrationError

        try:
            database = await Database.open(settings.database_path)
        except (MigrationError, OSError, sqlite3.Error) as exc:
            log.error("cannot open the database %s: %s", settings.database_path, exc)
            return 1
        bot = StudyBot(settings, database, content, sync_on_start=sync_on_start)
        return await use(bot, token)

    return asyncio.run(main())


async def _run_until_stopped(bot: StudyBot, token: str) -> int:
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop(signame: str) -> None:
        if not closing:
            log.info("%s received; stopping", signame)
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord refused DISCORD_TOKEN; create a new token and put it in .env")
        return 2
    except Exception:
        log.exception("the bot stopped because of an error")
        return 1
    finally:
        for task in closing:
            await task
    return 0


async def _sync_once(bot: StudyBot, token: str, *, guild_id: int | None) -> int:
    try:
        async with bot:
            await bot.login(token)  # runs setup_hook: commands are attached, nothing started
            if guild_id is None:
                count = await bot.sync_globally()
                print(f"Synced {count} global commands (they may take up to an hour to appear).")
            else:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                count = len(await bot.tree.sync(guild=guild))
                print(f"Synced {count} commands to server {guild_id}.")
    except discord.LoginFailure:
        print(
            "Discord refused DISCORD_TOKEN; create a new token and put it in .env.", file=sys.stderr
        )
        return 2
    except discord.HTTPException as exc:
        print(f"Discord refused the sync: {exc}", file=sys.stderr)
        return 1
    return 0

"""StudyBot: settings, database, content and clock come in; the wiring, cogs and ticks go on.

The database comes in opened (opening applies the migrations, so a failing migration stops the
process before it logs in). The wiring (bot/wiring.py) builds everything the bot runs on;
`setup_hook` (runs once per process, never in `on_ready`) registers the wiring's ticks, attaches
the cogs from an explicit list (failing fast), registers the persistent buttons, syncs commands
when it should and starts background work. `close()` stops it all and closes the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import importlib
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.state import AutoShardedConnectionState

from bot.cogs.answers import InFlight
from bot.cogs.groups import CommandGroups
from bot.cogs.tree import StudyTree, answer_error
from bot.config import Settings
from bot.errors import StudyError
from bot.gateway_guard import GuardedConnectionState
from bot.health import HealthReport, HealthServer, build_report, content_version
from bot.render.permissions import DAILY_POST_PERMISSIONS, REWARD_PERMISSIONS, THREAD_PERMISSIONS
from bot.roadmap.loader import plural
from bot.schedule.pacer import RestGate, RestPacer, rest_trace
from bot.schedule.runner import TICK_INTERVAL
from bot.services.clock import Clock
from bot.services.content import ContentHolder, ReloadOutcome
from bot.services.identify import IdentifyPacer
from bot.sharding import ShardPlan
from bot.store.database import Database
from bot.wiring import (
    build_identify_pacer,
    build_reload_broadcast,
    build_rest_gate,
    build_wiring,
)

log = logging.getLogger(__name__)

#: Extension modules loaded by setup_hook, in order. A module that fails to load stops the bot.
EXTENSIONS: tuple[str, ...] = (
    "bot.cogs.member_commands",
    "bot.cogs.admin",
    "bot.cogs.content_reload",
    "bot.cogs.daily",
    "bot.cogs.rewards",
    "bot.cogs.stats",
    "bot.cogs.reminders",
    "bot.cogs.setup",
    "bot.cogs.welcome",
    "bot.cogs.save",
    "bot.cogs.catch_up",
    "bot.cogs.moderation",
)


def import_extensions(extensions: Sequence[str] = EXTENSIONS) -> None:
    """Import the cogs' modules ahead of `setup_hook` (which then only attaches them): a spare
    does it while it waits for a slot, so a take-over does not wait for the imports (a quarter
    of a second, seconds on a loaded machine)."""
    for name in extensions:
        importlib.import_module(name)


OLD_BUTTON = "This button is from an older message; use `/roadmap next` to see your next topic."

#: How long a stop waits for the interactions under way to answer.
STOP_GRACE = 10.0

#: Connections the REST client opens at most (discord.py's default: no bound). A crowd of
#: 2,000 presses would otherwise open 2,000 connections at once, and the handshakes (and a
#: server's full accept queue: SYNs retried after 1 s, 3 s) delay first answers past Discord's
#: 3 s; over kept-alive connections requests queue for milliseconds instead.
REST_CONNECTIONS = 64

#: The meta key remembering the command tree that was last synced globally.
TREE_HASH_KEY = "command_tree_hash"

Hook = Callable[[], Awaitable[None]]

#: What the invite URL asks for: the daily post's channel permissions, Create Public Threads
#: for its optional discussion thread, and Manage Roles for stage rewards (README, "Inviting
#: the bot").
INVITE_PERMISSIONS = discord.Permissions(
    **dict.fromkeys((*DAILY_POST_PERMISSIONS, *THREAD_PERMISSIONS, *REWARD_PERMISSIONS), True)
)


def invite_url(application_id: int) -> str:
    """The URL that adds the bot to a server, with its slash commands and permissions."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def command_tree_digest(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None
) -> str:
    """A stable hash of what syncing `tree` would send to Discord (for one guild or global)."""
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands(guild=guild)),
        key=lambda item: (item.get("type", 1), item["name"]),
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


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
        stop_grace: float = STOP_GRACE,
        shard_plan: ShardPlan | None = None,
        **options: Any,
    ) -> None:
        #: The shards this process runs (None: unsharded); set before the wiring is built.
        self.shard_plan = shard_plan
        intents = discord.Intents.none()
        intents.guilds = True
        # The bot never joins voice: discord.py's warnings about missing voice libraries
        # (PyNaCl, davey) would only tell an operator to install what is not needed.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        # Every REST request passes this gate, so no second holds more than Discord's limit.
        self.rest_gate = build_rest_gate(rest_gate)
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
        self.command_groups = CommandGroups.create()
        self._extensions_to_load = tuple(extensions)
        self._sync_on_start = sync_on_start
        self._background: list[tuple[str, Hook, Hook]] = []
        self._started: list[tuple[str, Hook]] = []
        self._persistent_items: list[type[discord.ui.DynamicItem[Any]]] = []
        self._closing: asyncio.Future[None] | None = None
        self._heap_freeze: asyncio.Task[None] | None = None
        self.in_flight = InFlight()
        self._stop_grace = stop_grace
        self._ready_once = False
        self.health_server: HealthServer | None = None
        self.wiring = build_wiring(
            self,
            settings=settings,
            database=database,
            content=content,
            clock=clock,
            pacer=rest_pacer,
            tick_interval=tick_interval,
            shards=shard_plan,
        )
        self.clock: Clock = self.wiring.clock
        self.services = self.wiring.services
        # One scheduler job runs every feature's tick (the wiring's, registered in setup_hook);
        # one pacer spaces all scheduled REST traffic evenly under the gate's bound.
        self.ticks = self.wiring.scheduler
        self.rest_pacer = self.wiring.pacer
        # `python -m bot reload` reaching this process (started with the content watcher).
        self.reload_broadcast = build_reload_broadcast(settings, database)
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

    async def login(self, token: str) -> None:
        if self.http.connector is discord.utils.MISSING:
            self.http.connector = aiohttp.TCPConnector(limit=REST_CONNECTIONS)
        await super().login(token)

    async def setup_hook(self) -> None:
        for name, tick in self.wiring.ticks:
            self.ticks.add_tick(name, tick)
        await self.install_commands()
        if self._sync_on_start:
            await self.sync_commands_on_start()
            self._heap_freeze = asyncio.create_task(self._freeze_heap_when_ready())
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
        """The dev server's commands on every start (instant there); the global ones only when
        the tree changed since the last global sync, so a fresh database syncs once and a
        restart sends nothing. With DEV_GUILD_SYNC_ALL, everything goes to the dev server and
        nothing globally, so no command is listed twice. Sharded, only the process running
        shard 0 syncs (the dev server's too): once per deploy, not once per process."""
        if self.shard_plan is not None and not self.shard_plan.runs_shard_zero:
            log.info("not syncing commands: the process running shard 0 does")
            return
        if self.settings.dev_guild_id is not None:
            await self.sync_guild(self.settings.dev_guild_id)
        if self.settings.dev_guild_sync_all:
            log.info("DEV_GUILD_SYNC_ALL is on: no global commands are synced")
            return
        digest = command_tree_digest(self.tree)
        if await self.wiring.meta.get(TREE_HASH_KEY) == digest:
            log.info("global commands unchanged since the last sync; not syncing")
            return
        await self.sync_globally()

    async def sync_globally(self) -> int:
        synced = await self.tree.sync()
        await self.wiring.meta.set(TREE_HASH_KEY, command_tree_digest(self.tree))
        log.info("synced %s", plural(len(synced), "global command"))
        return len(synced)

    async def sync_guild(self, guild_id: int) -> int:
        """Give one server exactly its own commands: in DEV_GUILD_ID the owner commands (every
        command with DEV_GUILD_SYNC_ALL), elsewhere none, which also clears a copy of the global
        commands an older version left there."""
        guild = discord.Object(id=guild_id)
        if guild_id == self.settings.dev_guild_id and self.settings.dev_guild_sync_all:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("synced %s to guild=%s", plural(len(synced), "command"), guild_id)
        return len(synced)

    async def close(self) -> None:
        # Called by a signal handler and again by `async with`; the second call only waits.
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._closing)

    async def _close_once(self) -> None:
        if self._heap_freeze is not None:
            self._heap_freeze.cancel()  # a bot stopped before it was ever ready
        await self._finish_interactions()
        while self._started:
            name, stop = self._started.pop()
            try:
                await stop()
                log.info("stopped %s", name)
            except Exception:
                log.exception("stopping %s failed", name)
        await super().close()
        await self.database.close()

    async def _finish_interactions(self) -> None:
        """Let the commands and presses under way answer (bounded) before anything they use
        (the database, the HTTP session) closes; ones arriving meanwhile are told to retry."""
        self.in_flight.stopping = True
        pending = set(self.in_flight.tasks)
        if not pending:
            return
        log.info("finishing %d interactions before stopping", len(pending))
        _, late = await asyncio.wait(pending, timeout=self._stop_grace)
        for task in late:
            task.cancel()
        if late:
            log.warning(
                "stopped %d interactions still running after %.0f s", len(late), self._stop_grace
            )

    def _get_state(self, **options: Any) -> GuardedConnectionState[Self]:
        # discord.py's own state, except that one malformed gateway frame is logged and
        # skipped instead of ending the process (bot/gateway_guard.py).
        return GuardedConnectionState(
            dispatch=self.dispatch,
            handlers=self._handlers,
            hooks=self._hooks,
            http=self.http,
            **options,
        )

    # -- events --------------------------------------------------------------------------

    async def on_ready(self) -> None:
        # Only a log line: on_ready fires again after every reconnect, so no work starts here.
        if self._ready_once:
            log.info("connected again: %s", plural(len(self.guilds), "server"))
            return
        self._ready_once = True
        log.info("%s", self.ready_line())
        self.log_content_version()

    def log_content_version(self) -> None:
        """Which content this process serves: every machine's must be the same, and a log line
        per process lets an operator compare them (README, "Running past one machine")."""
        log.info("serving content version %s", content_version(self.content.catalog))

    async def on_content_reloaded(self, outcome: ReloadOutcome) -> None:
        if outcome.applied:
            self.log_content_version()

    async def _freeze_heap_when_ready(self) -> None:
        """Once, after the first ready: the caches just loaded (every guild, the content) live
        as long as the process, so they leave the cyclic collector's reach; otherwise a full
        collection, e.g. during a daily fan-out, walks all of them and stalls the loop for
        100+ ms. Collected first so that no garbage is frozen; once, so later garbage is never
        kept."""
        await self.wait_until_ready()
        gc.collect()
        gc.freeze()

    def ready_shard_ids(self) -> set[int]:
        """The shards of this process connected and ready now (unsharded: shard 0)."""
        ws = self.ws
        if self.is_ready() and not self.is_closed() and ws is not None and ws.open:
            return {0}
        return set()

    async def health_report(self) -> HealthReport:
        """What GET /health answers (bot/health.py)."""
        return await build_report(
            self.shard_plan, self.ready_shard_ids(), self.database, self.content.catalog
        )

    def ready_line(self) -> str:
        """What an operator needs once logged in: who, in how many servers, how to invite."""
        servers = plural(len(self.guilds), "server")
        line = f"ready: {self.user} (id={self.user and self.user.id}) in {servers}"
        if not self.guilds and self.application_id is not None:
            line += f"; invite it to a server with {invite_url(self.application_id)}"
        return line

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # A button none of our templates knows (an older version's, or forged) would get no
        # answer at all: discord.py drops it. Answer it briefly instead.
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if any(
            item.__discord_ui_compiled_template__.fullmatch(custom_id)
            for item in self._persistent_items
        ):
            return
        log.info(
            "unknown button %s guild=%s member=%s",
            ascii(custom_id[:100]),
            interaction.guild_id,
            interaction.user.id,
        )
        await answer_error(interaction, StudyError(OLD_BUTTON))

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any]
    ) -> None:
        log.info(
            "/%s guild=%s member=%s",
            command.qualified_name,
            interaction.guild_id,
            interaction.user.id,
        )


class ShardServersArriving(asyncio.Queue[discord.Guild]):
    """One shard's GUILD_CREATEs after its READY, as discord.py's ready wait reads them: that
    wait ends only `guild_ready_timeout` (2 s) after the last one arrived, since it does not
    know how many will come. READY lists them, so once every server it listed has arrived and
    been read, `get` ends the wait at once the way the timeout would (TimeoutError). A server
    that never comes (an outage) leaves discord.py's timeout in charge, as before."""

    def __init__(self, expected: set[int]) -> None:
        super().__init__()
        self._missing = set(expected)

    def put_nowait(self, item: discord.Guild) -> None:
        self._missing.discard(item.id)
        super().put_nowait(item)

    async def get(self) -> discord.Guild:
        if not self._missing and self.empty():
            raise TimeoutError
        return await super().get()


class GuardedShardedState(GuardedConnectionState[Any], AutoShardedConnectionState):
    """The sharded client's connection state, with the same guard on malformed frames. It also
    keeps every gateway connection it was handed, so a stop can close the ones of shards still
    launching (discord.py closes only launched shards, and a launching connection's heartbeat
    thread would outlive the process's loop). A shard is ready as soon as every server its
    READY listed has arrived (ShardServersArriving), not 2 s after the last: a take-over's
    shards serve that much sooner."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.websockets: weakref.WeakSet[DiscordWebSocket] = weakref.WeakSet()

    def _update_references(self, ws: DiscordWebSocket) -> None:
        super()._update_references(ws)
        self.websockets.add(ws)

    def parse_ready(self, data: Any) -> None:
        shard_id = data["shard"][0]
        expected = {int(guild["id"]) for guild in data.get("guilds", ())}
        arriving = ShardServersArriving(expected)
        # discord.py keeps a queue already there (a READY again): its servers carry over.
        previous = self._ready_states.get(shard_id)
        while previous is not None and not previous.empty():
            arriving.put_nowait(previous.get_nowait())
        self._ready_states[shard_id] = arriving
        super().parse_ready(data)


class _StoppedBeforeIdentify(BaseException):
    """Raised by the identify hook when the bot stopped while a shard waited for its turn. A
    BaseException, so discord.py's launch (which retries any Exception every 5 s, logging a
    traceback) lets it through to `ShardedStudyBot.launch_shard`, which ends the launch."""


class ShardedStudyBot(StudyBot, commands.AutoShardedBot):
    """StudyBot as discord.py's AutoShardedBot, running the shards of one ShardPlan.

    Each IDENTIFY waits for its bucket's turn, shared through PostgreSQL by every process of the
    bot (bot/services/identify.py); on SQLite (one process) discord.py's own pacing. With an
    explicit shard count discord.py connects to DiscordWebSocket.DEFAULT_GATEWAY (set from
    DISCORD_GATEWAY_URL), not to the URL of /gateway/bot.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        content: ContentHolder,
        clock: Clock | None = None,
        *,
        shard_plan: ShardPlan,
        **options: Any,
    ) -> None:
        super().__init__(
            settings,
            database,
            content,
            clock,
            shard_plan=shard_plan,
            shard_count=shard_plan.count,
            shard_ids=list(shard_plan.ids),
            **options,
        )
        self._ready_shards: set[int] = set()
        self._stopping = asyncio.Event()
        self.identify_pacer: IdentifyPacer | None = build_identify_pacer(
            settings, database, self._max_concurrency, self._sleep_unless_stopping
        )

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        """A wait for an identify turn that a stop cuts short (the turn may be a minute off)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _max_concurrency(self) -> int:
        limits = await self.fetch_session_start_limits()
        # Every IDENTIFY takes one of the day's session starts; at 0 Discord resets the token.
        log.info(
            "session starts left today: %d of %d; identify buckets: %d",
            limits.remaining,
            limits.total,
            limits.max_concurrency,
        )
        if limits.remaining < len(self.shard_plan.ids if self.shard_plan else ()):
            log.warning(
                "only %d session starts left today for %d shards: Discord resets the token "
                "when they run out; stop restarting until %s",
                limits.remaining,
                len(self.shard_plan.ids if self.shard_plan else ()),
                f"{limits.reset_after / 1000:.0f} s from now",
            )
        return limits.max_concurrency

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.identify_pacer is None or shard_id is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        await self.identify_pacer.wait_turn(shard_id)
        if self._stopping.is_set():
            # A stop cut the wait short: the IDENTIFY must not go out (it would take one of
            # the day's session starts, out of turn, for a process on its way down).
            raise _StoppedBeforeIdentify(shard_id)

    async def launch_shard(
        self, gateway: yarl.URL, shard_id: int, *, initial: bool = False
    ) -> None:
        # discord.py retries a failed launch every 5 s for ever, even once the client is
        # closed: a process stopped while its shards launch (waiting for identify turns) would
        # never exit. Its retry calls this method again, so the check covers it too.
        if self.is_closed():
            return
        try:
            await super().launch_shard(gateway, shard_id, initial=initial)
        except _StoppedBeforeIdentify:
            log.info("shard %d not identified: the bot stopped while it waited its turn", shard_id)

    async def _close_once(self) -> None:
        self._stopping.set()
        await super()._close_once()
        state = self._connection
        if isinstance(state, GuardedShardedState):
            for ws in list(state.websockets):
                if ws.open or ws._keep_alive is not None:
                    with contextlib.suppress(Exception):
                        await ws.close(code=1000)

    def _get_state(self, **options: Any) -> GuardedShardedState:
        return GuardedShardedState(
            dispatch=self.dispatch,
            handlers=self._handlers,
            hooks=self._hooks,
            http=self.http,
            **options,
        )

    def ready_shard_ids(self) -> set[int]:
        shards = self.shards
        return {
            shard_id
            for shard_id in self._ready_shards
            if shard_id in shards and not shards[shard_id].is_closed()
        }

    async def on_shard_ready(self, shard_id: int) -> None:
        self._ready_shards.add(shard_id)
        log.info("shard %d ready", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._ready_shards.add(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._ready_shards.discard(shard_id)


def create_bot(
    settings: Settings,
    database: Database,
    content: ContentHolder,
    clock: Clock | None = None,
    *,
    shard_plan: ShardPlan | None = None,
    health_server: HealthServer | None = None,
    **options: Any,
) -> StudyBot:
    """The bot this process runs: a StudyBot, or with a shard plan a ShardedStudyBot; with
    HEALTH_PORT set, its health check starts with the rest of its background work (or, given
    `health_server` already answering, answers the bot's report from now on)."""
    bot: StudyBot
    if shard_plan is None:
        bot = StudyBot(settings, database, content, clock, **options)
    else:
        bot = ShardedStudyBot(settings, database, content, clock, shard_plan=shard_plan, **options)
    if health_server is not None:
        health_server.probe = bot.health_report
    if settings.health_port is not None:
        health = health_server or HealthServer(
            bot.health_report, settings.health_host, settings.health_port
        )
        bot.health_server = health
        bot.add_background("health check", health.start, health.stop)
    return bot

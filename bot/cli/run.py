"""`python -m bot` and `python -m bot sync`: the process around StudyBot.

Logging, the token, the content and the Discord URLs come first, each failing with its exit
code (README: 2 bad configuration, 1 failure); then the database and the bot run inside one
event loop until SIGTERM/SIGINT, or for one command sync.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
import yarl
from sqlalchemy.exc import SQLAlchemyError

from bot.app import StudyBot, create_bot, import_extensions
from bot.config import ConfigError, Settings
from bot.health import HealthServer, waiting_report
from bot.rest_proxy import retry_proxy_rate_limits, route_base
from bot.roadmap.loader import plural
from bot.services.content import ContentHolder
from bot.services.lease import SlotKeeper, hold_slot
from bot.store.database import Database
from bot.store.lease import LeaseLost

log = logging.getLogger(__name__)


#: Control characters (newline, escape...) shown as escapes: text a member typed can reach a
#: log line, and must neither forge another line nor drive the operator's terminal.
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 127)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


class OneLinePerEvent(logging.Filter):
    """Escapes control characters in a record's message (a traceback still follows it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = message.translate(_CONTROL_ESCAPES)
        if safe != message:
            record.msg, record.args = safe, None
        return True


class ProcessShards(logging.Filter):
    """Gives every record the field `shards`: this process's slot and shards ("slot=1
    shards=4-7/16"), so that the lines of many processes, merged, say whose each one is. The
    label may change once (a spare learns its slot when it takes one)."""

    def __init__(self, label: str = "slot=- shards=-") -> None:
        super().__init__()
        self.label = label

    def filter(self, record: logging.LogRecord) -> bool:
        record.shards = self.label
        return True


#: The one filter of this process's log handler when it is sharded.
PROCESS_SHARDS = ProcessShards()


def configure_logging(level: str, stream: Any = None, shards: str | None = None) -> None:
    """One line per event on stdout; ANSI colours only when a person watches a terminal.
    `shards` (a sharded process's slot and shards) goes on every line, after the level."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.addFilter(OneLinePerEvent())
    if shards is not None:
        PROCESS_SHARDS.label = shards
        handler.addFilter(PROCESS_SHARDS)
        # discord.py's colour formatter has no place for the field: plain lines, always.
        sharded = logging.Formatter(
            "[{asctime}] [{levelname:<8}] [{shards}] {name}: {message}",
            "%Y-%m-%d %H:%M:%S",
            style="{",
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
        discord.utils.setup_logging(
            handler=handler, formatter=sharded, level=logging.getLevelName(level)
        )
        return
    # Alembic narrates every start ("Context impl SQLiteImpl."), which an operator never acts
    # on; its warnings still show.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if handler.stream.isatty() and not os.environ.get("NO_COLOR"):
        discord.utils.setup_logging(handler=handler, level=logging.getLevelName(level))
        return
    plain = logging.Formatter(
        "[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
    )
    discord.utils.setup_logging(handler=handler, formatter=plain, level=logging.getLevelName(level))


def point_discord_at(
    api_base: str | None, gateway_url: str | None, interactions_api_base: str | None = None
) -> None:
    """Send discord.py's REST and gateway traffic to another host (a proxy, or the test emulator).

    A plain (unsharded) client connects to DiscordWebSocket.DEFAULT_GATEWAY and reconnects to the
    `resume_gateway_url` Discord gives it, so both settings are enough to redirect it entirely.
    A sharded one (an explicit shard count) connects there too, not to /gateway/bot's URL.
    `interactions_api_base` takes interaction callbacks and followups past a REST proxy, so a
    member's answer never queues behind a fan-out (bot.rest_proxy).
    """
    if api_base and interactions_api_base and interactions_api_base != api_base:
        route_base(api_base, interactions_api_base)
    elif api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def load_content(settings: Settings) -> ContentHolder | None:
    """The content to serve, or None after printing why it cannot be served (exit code 1).

    Raises ConfigError (exit code 2) when CONTENT_DIR is not a readable folder."""
    from bot.render.audit import accept_for_discord
    from bot.roadmap.loader import ContentDirectoryError

    try:
        accepted = accept_for_discord(settings.content_dir)
    except ContentDirectoryError as exc:
        raise ConfigError(
            f"cannot read the content: {exc} (set CONTENT_DIR to the roadmap folder)."
        ) from None
    for problem in accepted.problems:
        print(problem, file=sys.stderr)
    if accepted.catalog is None:
        print(
            f"The content in {settings.content_dir} is invalid; fix the errors above "
            f"(`python -m bot check {settings.content_dir}` lists them) and start again.",
            file=sys.stderr,
        )
        return None
    return ContentHolder(accepted.catalog)


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
    plan = settings.shard_plan() if not settings.is_spare else None
    # A spare learns its slot, and so its shards, once it holds a slot's lease.
    label = plan.label if plan is not None else "slot=spare shards=-"
    configure_logging(settings.log_level, shards=label if settings.shard_count else None)
    token = settings.require_token()
    content = load_content(settings)
    if content is None:
        return 1
    point_discord_at(settings.api_base, settings.gateway_url, settings.interactions_api_base)

    async def main() -> int:
        from bot.store.migrations import MigrationError

        nonlocal plan  # a slot's lease below may settle it (a spare's shards)
        waiting: HealthServer | None = None
        loop = asyncio.get_running_loop()
        database_lost: asyncio.Future[str] = loop.create_future()

        def on_fatal(reason: str) -> None:  # on the writer thread
            loop.call_soon_threadsafe(_settle, database_lost, reason)

        try:
            database = await Database.open(settings.database, on_fatal=on_fatal)
        except MigrationError as exc:
            if settings.database_url is None:  # a SQLite migration failed at start
                log.error("cannot open the database %s: %s", settings.database_name, exc)
                return 1
            # PostgreSQL is migrated once per deploy, never by a starting process (several
            # would race): a schema behind the code is a deploy step left out.
            log.error(
                "the database %s is not ready for this version: %s (exit code 2)",
                settings.database_name,
                exc,
            )
            return 2
        except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
            log.error("cannot open the database %s: %s", settings.database_name, exc)
            return 1
        keeper: SlotKeeper | None = None
        if sync_on_start and settings.shard_slots is not None and settings.database_url:
            # A slot's shards run in one process at a time: wait for its lease (a spare: any
            # free slot's) before connecting any shard. Meanwhile the health check answers, so
            # a supervisor sees a waiting spare alive; the bot takes that check over after.
            waiting = await _health_while_waiting(settings, database, content)
            try:
                # What a take-over would otherwise wait for; a cog that cannot load stops
                # the process before it takes a slot, not after.
                import_extensions()
                keeper = await hold_slot(settings.database_url, settings.shard_slots)
            except Exception as exc:
                if isinstance(exc, (OSError, LeaseLost, SQLAlchemyError)):
                    log.error("cannot take a slot's lease on %s: %s", settings.database_name, exc)
                else:
                    log.exception("the bot stopped because of an error")
                if waiting is not None:
                    await waiting.stop()
                await database.close()
                return 1
            plan = settings.shard_plan(keeper.slot)
            assert plan is not None
            PROCESS_SHARDS.label = plan.label
            log.info("running slot %s: shards %s", keeper.slot, plan.label)
            # A lease lost is another process free to take the slot: stop, as for a lost file.
            keeper.watch(lambda reason: _settle(database_lost, reason))
        # `sync` needs no gateway: a plain client, whatever the shards.
        bot = create_bot(
            settings,
            database,
            content,
            sync_on_start=sync_on_start,
            shard_plan=plan if sync_on_start else None,
            health_server=waiting,
        )
        if settings.api_base:
            # Behind a proxy, a 429 may come from the proxy itself, without Discord's body.
            retry_proxy_rate_limits(bot.http)
        watcher = loop.create_task(_stop_when_lost(bot, database_lost))
        try:
            code = await use(bot, token)
        finally:
            lost = database_lost.done()
            if not lost:
                watcher.cancel()
            if keeper is not None:
                await keeper.close()  # after the shards stopped: only then may a spare start
        if not lost:
            return code
        await watcher  # the stop it began (the database closing) ends before the loop does
        # A supervisor must see that this process cannot go on as it was: exit 1, not 0.
        return 1

    return asyncio.run(main())


async def _health_while_waiting(
    settings: Settings, database: Database, content: ContentHolder
) -> HealthServer | None:
    """The health check of a process still waiting for a slot (bot/health.waiting_report)."""
    if settings.health_port is None:
        return None
    server = HealthServer(
        lambda: waiting_report(database, content.catalog),
        settings.health_host,
        settings.health_port,
    )
    await server.start()
    return server


def _settle(future: asyncio.Future[str], reason: str) -> None:
    if not future.done():
        future.set_result(reason)


async def _stop_when_lost(bot: StudyBot, database_lost: asyncio.Future[str]) -> None:
    """Stop the bot (exit code 1) once the store says its database file is gone: every write
    is refused from then on, and a restart must not quietly start on an empty database."""
    reason = await database_lost
    log.critical("stopping: %s (exit code 1)", reason)
    await bot.close()


#: What a process without a way to Discord raises (DNS failure, connection refused, TLS...).
UNREACHABLE = (aiohttp.ClientConnectionError,)


def unreachable_line(settings: Settings, exc: BaseException) -> str:
    """One line for an operator instead of aiohttp's traceback: what, why, what to check."""
    where = settings.api_base or "discord.com"
    reason = str(exc) or type(exc).__name__
    check = "DISCORD_API_BASE and the proxy" if settings.api_base else "the network and DNS"
    return f"cannot reach Discord at {where}: {reason}. Check {check}, then start again."


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
    except UNREACHABLE as exc:
        # Only the first contact ends here: once connected, discord.py reconnects by itself
        # with backoff. A supervisor restarts the process (README: exit codes).
        log.error("%s", unreachable_line(bot.settings, exc))
        return 1
    except Exception:
        log.exception("the bot stopped because of an error")
        return 1
    finally:
        for task in closing:
            await task
    return 0


async def _sync_once(bot: StudyBot, token: str, *, guild_id: int | None) -> int:
    settings = bot.settings
    try:
        async with bot:
            await bot.login(token)  # runs setup_hook: commands are attached, nothing started
            if guild_id is not None:
                count = await bot.sync_guild(guild_id)
                print(f"Synced {plural(count, 'command')} to server {guild_id}.")
                return 0
            if settings.dev_guild_id is not None:
                count = await bot.sync_guild(settings.dev_guild_id)
                print(
                    f"Synced {plural(count, 'command')} to the dev server {settings.dev_guild_id}."
                )
            if settings.dev_guild_sync_all:
                print("DEV_GUILD_SYNC_ALL is on: no global commands were synced.")
            else:
                count = await bot.sync_globally()
                print(
                    f"Synced {plural(count, 'global command')} "
                    "(they may take up to an hour to appear)."
                )
    except discord.LoginFailure:
        print(
            "Discord refused DISCORD_TOKEN; create a new token and put it in .env.", file=sys.stderr
        )
        return 2
    except discord.HTTPException as exc:
        print(f"Discord refused the sync: {exc}", file=sys.stderr)
        return 1
    except UNREACHABLE as exc:
        print(unreachable_line(settings, exc), file=sys.stderr)
        return 1
    return 0

"""Sharded bot processes against the emulator on one PostgreSQL database (issue 18).

Two StudyBots, as two slots' processes would be (slot 0: shards 0-1, slot 1: shards 2-3 of 4),
start at once. Each IDENTIFY takes its bucket's turn through the database, so the emulator,
enforcing Discord's rule (one IDENTIFY per bucket per interval, op 9 otherwise), refuses none;
without the coordination (discord.py's own pacing, which knows only its own process) it refuses
one. Each process sees only its own shards' servers, and only the process of shard 0 syncs the
commands, once per command tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import discord
import pytest

from bot.app import ShardedStudyBot, ShardServersArriving, create_bot
from bot.config import Settings
from bot.roadmap.catalog import Catalog
from bot.services.content import ContentHolder
from bot.sharding import ShardPlan, SlotLayout, shard_of
from bot.store.database import Database
from bot.store.identify import IdentifyTurns
from bot.store.lease import LeaseConnection
from tests.e2e.conftest import CONTENT_DIR
from tests.emulator.remote import standalone_emulator
from tests.emulator.runner import close_client, point_discord_at
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld, World
from tests.process import bot_environment, start_bot, stop

SHARDS = 4
LAYOUT = SlotLayout.by_size(SHARDS, 2)
#: Discord's rule at a tenth of its 5 s, so that four identifies in one bucket take ~3 s.
INTERVAL = 0.5
#: What the bots are told the interval is: a little more than the emulator enforces, so that a
#: loaded test machine (bots and emulator share one event loop here) delaying one identify by a
#: few hundred ms does not make the next one of its bucket too soon. Without the coordination
#: identifies collide at ~0 s apart, which no slack hides.
BOT_INTERVAL = INTERVAL + 0.25
SYNC_ROUTE = "PUT /applications/{application_id}/commands"
DEV_SYNC_ROUTE = "PUT /applications/{application_id}/guilds/{guild_id}/commands"


def add_guilds_on_every_shard(world: World, count: int) -> None:
    """Servers until every shard has one (ids are time-based: one a millisecond apart)."""
    for number in itertools.count(1):
        shards = {shard_of(guild_id, count) for guild_id in world.guilds}
        if len(shards) == count:
            return
        world.add_guild(f"Server {number}")
        time.sleep(0.002)


@pytest.fixture
async def limited(sample: StandardWorld) -> AsyncIterator[Emulator]:
    add_guilds_on_every_shard(sample.world, SHARDS)
    emu = Emulator(sample.world, identify_interval=INTERVAL, max_concurrency=1)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def settings_for(emu: Emulator, database_url: str, dev_guild_id: int | None = None) -> Settings:
    return Settings(
        dev_guild_id=dev_guild_id,
        token=emu.world.token,
        database_url=database_url,
        content_dir=CONTENT_DIR,
        api_base=emu.api_base,
        gateway_url=emu.gateway_url,
        shard_count=SHARDS,
        identify_interval=BOT_INTERVAL,
    )


async def until(condition: Callable[[], bool], within: float) -> bool:
    """Whether `condition` holds within `within` seconds (checked every 20 ms)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


#: The connect() task of each bot `processes` started, while it runs.
CONNECTING: dict[ShardedStudyBot, asyncio.Task[None]] = {}


@contextlib.asynccontextmanager
async def processes(
    emu: Emulator,
    database_url: str,
    catalog: Catalog,
    plans: list[ShardPlan],
    *,
    coordinated: bool = True,
    ready: bool = True,
    guild_ready_timeout: float = 0.05,
    dev_guild_id: int | None = None,
) -> AsyncIterator[list[ShardedStudyBot]]:
    """One bot per plan, each with its own Database (as separate processes have). All log in
    (setup: commands, sync) first, then connect at the same moment, the hardest case for the
    identify rule; with `ready`, yielded once every bot is ready. All closed afterwards."""
    bots: list[ShardedStudyBot] = []
    tasks: list[asyncio.Task[None]] = []
    with point_discord_at(emu.api_base, emu.gateway_url):
        try:
            for plan in plans:
                database = await Database.open(database_url)
                bot = create_bot(
                    settings_for(emu, database_url, dev_guild_id),
                    database,
                    ContentHolder(catalog),
                    shard_plan=plan,
                    tick_interval=30.0,
                    guild_ready_timeout=guild_ready_timeout,
                )
                assert isinstance(bot, ShardedStudyBot)
                if not coordinated:
                    bot.identify_pacer = None  # discord.py's own before_identify_hook
                bots.append(bot)
            for bot in bots:
                await bot.login(emu.world.token)
            tasks = [asyncio.create_task(bot.connect()) for bot in bots]
            CONNECTING.update(zip(bots, tasks, strict=True))
            if ready:
                all_ready = await until(lambda: all(b.is_ready() for b in bots), 30)
                failed = [t.exception() for t in tasks if t.done()]
                assert all_ready, f"not every process was ready within 30 s: {failed}"
            yield bots
        finally:
            for bot, task in itertools.zip_longest(bots, tasks):
                CONNECTING.pop(bot, None)
                await close_client(bot, task)


async def test_two_slots_identify_in_turn_and_each_serves_its_own_shards(
    limited: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    plans = [LAYOUT.plan(0), LAYOUT.plan(1)]
    started = time.monotonic()
    async with processes(limited, postgres_migrated_database, shipped_catalog, plans) as bots:
        ready_after = time.monotonic() - started
        log = limited.gateway.identify_log
        print(f"4 shards in one bucket ready in {ready_after:.2f} s; identifies: {len(log)}")
        assert limited.gateway.identifies_refused == []
        assert sorted(record.shard[0] for record in log) == [0, 1, 2, 3]
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(log)]
        assert min(gaps) >= INTERVAL
        for bot, plan in zip(bots, plans, strict=True):
            assert isinstance(bot, ShardedStudyBot)
            assert sorted(bot.shards) == list(plan.ids)
            assert bot.ready_shard_ids() == set(plan.ids)
            seen = {guild.id for guild in bot.guilds}
            expected = {g for g in limited.world.guilds if plan.owns_guild(g)}
            assert seen == expected and seen
        # Shard 0's process syncs (a fresh database: the tree is new); slot 1 never does.
        syncs = [call for call in limited.calls if call.route == SYNC_ROUTE]
        assert len(syncs) == 1


async def test_a_shard_is_ready_once_the_servers_its_ready_listed_arrived(
    limited: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    """discord.py alone calls a shard ready `guild_ready_timeout` after its last GUILD_CREATE
    (2 s by default: two of a take-over's seconds); the bot ends that wait once every server
    READY listed has arrived. With the timeout at 30 s, both shards are ready long before it."""
    started = time.monotonic()
    async with processes(
        limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(0)],
        guild_ready_timeout=30.0,
    ) as (bot,):  # fmt: skip
        ready_after = time.monotonic() - started
        print(f"2 shards ready {ready_after:.2f} s after connecting began (timeout 30 s)")
        assert ready_after < 15.0
        assert bot.ready_shard_ids() == {0, 1}
        expected = {g for g in limited.world.guilds if LAYOUT.plan(0).owns_guild(g)}
        assert {guild.id for guild in bot.guilds} == expected and expected


async def test_the_ready_wait_ends_once_every_listed_server_was_read() -> None:
    """ShardServersArriving as discord.py's wait reads it (`wait_for(get(), timeout)`, a
    TimeoutError ending it): while a listed server is missing, `get` waits for it; once all
    arrived and were read, it ends the wait at once."""
    arriving = ShardServersArriving({1, 2})
    arriving.put_nowait(cast(discord.Guild, SimpleNamespace(id=1)))
    assert (await asyncio.wait_for(arriving.get(), 1)).id == 1
    with pytest.raises(TimeoutError):  # server 2 has not come: discord.py's timeout applies
        await asyncio.wait_for(arriving.get(), 0.05)
    arriving.put_nowait(cast(discord.Guild, SimpleNamespace(id=2)))
    assert (await asyncio.wait_for(arriving.get(), 1)).id == 2
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(arriving.get(), 30)
    assert time.monotonic() - started < 1.0


async def test_without_coordination_the_emulator_refuses_an_identify(
    limited: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    """The control: each process paced by discord.py alone identifies its first shard at once,
    so the two processes' first identifies of bucket 0 collide."""
    plans = [LAYOUT.plan(0), LAYOUT.plan(1)]
    async with processes(
        limited, postgres_migrated_database, shipped_catalog, plans, coordinated=False, ready=False
    ):
        refused = await until(lambda: bool(limited.gateway.identifies_refused), 10)
    assert refused, "two uncoordinated first identifies passed"


async def test_a_second_slot_never_syncs_and_shard_zero_syncs_once_per_tree(
    limited: Emulator,
    postgres_migrated_database: str,
    shipped_catalog: Catalog,
    sample: StandardWorld,
) -> None:
    """With DEV_GUILD_ID set as well: slot 1 syncs neither the global commands nor the dev
    server's; shard 0's process syncs the global ones once per tree, the dev server's at each
    start (as one process does)."""
    dev = sample.guild.id
    async with processes(
        limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(1)], dev_guild_id=dev
    ):
        pass
    syncs = [c for c in limited.calls if c.route in (SYNC_ROUTE, DEV_SYNC_ROUTE)]
    assert syncs == []  # slot 1 alone: none
    await asyncio.sleep(INTERVAL)
    for _ in range(2):  # shard 0's process, started twice on one command tree
        async with processes(
            limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(0)],
            dev_guild_id=dev,
        ):  # fmt: skip
            pass
        await asyncio.sleep(INTERVAL)  # the next start's first identify is not too soon
    assert len([c for c in limited.calls if c.route == SYNC_ROUTE]) == 1
    dev_syncs = limited.recorder.to(DEV_SYNC_ROUTE, guild_id=dev)
    assert [c.status for c in dev_syncs] == [200, 200]
    assert limited.commands.names(dev) == ["roadmap-owner"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def health_of(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/health") as response,
    ):
        return response.status, await response.json()


async def healthy_within(port: int, within: float, slot: int | None = None) -> dict[str, Any]:
    """The first 200 of the health check (of `slot`, when given: a process waiting for its
    slot's lease answers 200 without one)."""
    body: dict[str, Any] = {}
    for _ in range(int(within / 0.1)):
        with contextlib.suppress(aiohttp.ClientError):
            status, body = await health_of(port)
            if status == 200 and (slot is None or body["slot"] == slot):
                return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"not healthy within {within} s: {body}")


async def test_two_real_processes_by_slot(tmp_path: Path, postgres_migrated_database: str) -> None:
    """`python -m bot` twice, SHARD_SLOT=0 and 1 of 2 one-shard slots, on one PostgreSQL
    database, against the standalone emulator enforcing the identify rule: both healthy, no
    op 9, each line naming its slot, only slot 0 syncing; SIGTERM stops both with 0."""
    args = ("--identify-interval", str(INTERVAL), "--max-concurrency", "1")
    async with standalone_emulator(extra_args=args) as remote:
        await remote.state()
        ports = [free_port(), free_port()]
        logs = [tmp_path / "slot0" / "bot.log", tmp_path / "slot1" / "bot.log"]
        bots = []
        try:
            for slot, (port, log) in enumerate(zip(ports, logs, strict=True)):
                log.parent.mkdir()
                env = bot_environment(
                    remote,
                    tmp_path,
                    DATABASE_URL=postgres_migrated_database,
                    SHARD_COUNT="2",
                    SHARDS_PER_SLOT="1",
                    SHARD_SLOT=str(slot),
                    HEALTH_PORT=str(port),
                    DISCORD_IDENTIFY_INTERVAL=str(BOT_INTERVAL),
                )
                bots.append(await start_bot(env, log))
            bodies = [await healthy_within(port, 40, slot) for slot, port in enumerate(ports)]
            assert [(b["slot"], b["shards"], b["ready_shards"]) for b in bodies] == [
                (0, [0], [0]),
                (1, [1], [1]),
            ]
            state = await remote.state()
            assert state["shards"] == [[0, 2], [1, 2]]
            assert state["identifies_refused"] == 0
            assert len(await remote.calls("PUT /applications/{application_id}/commands")) == 1
            assert [await stop(bot) for bot in bots] == [0, 0]
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.kill()
                    await bot.wait()
    first, second = (log.read_text() for log in logs)
    assert "] [INFO    ] [slot=0 shards=0/2] bot.app: synced" in first
    assert "[slot=1 shards=1/2] bot.app: not syncing commands" in second
    assert "Traceback" not in first + second


def keep_alive_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("keep-alive-handler")]


async def test_a_process_stopped_while_waiting_for_its_turn_stops_at_once(
    limited: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    """Another process holds bucket 0's turns for the next minute; this one, waiting, is
    stopped: it exits within seconds and leaves no gateway connection or heartbeat behind."""
    database = await Database.open(postgres_migrated_database)
    try:
        await IdentifyTurns(database).take(0, 1, 60.0)  # the other process: now, then +60 s
        await IdentifyTurns(database).take(0, 1, 60.0)
    finally:
        await database.close()
    async with processes(
        limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(0)], ready=False
    ) as (bot,):
        assert await until(lambda: bool(limited.gateway.connected) or bool(keep_alive_threads()), 5)
        assert limited.gateway.identify_log == []  # connected (HELLO), waiting for its turn
        stopping = time.monotonic()
        await bot.close()
        connecting = CONNECTING[bot]
        # discord.py's connect() returns by itself (it used to retry the launch for ever).
        assert await until(connecting.done, 8), "connect() still running after close"
        stopped = time.monotonic() - stopping
        assert connecting.exception() is None
    print(f"stopped {stopped:.2f} s after close, while waiting for its identify turn")
    assert stopped < 8
    assert limited.gateway.identify_log == []
    assert await until(lambda: not keep_alive_threads(), 2), keep_alive_threads()


async def test_buckets_from_gateway_bot_identify_side_by_side(
    sample: StandardWorld, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    """max_concurrency 2 (from /gateway/bot): shards 0 and 2 share bucket 0, 1 and 3 bucket 1;
    each bucket's two identifies are an interval apart, the two buckets' side by side."""
    add_guilds_on_every_shard(sample.world, SHARDS)
    emu = Emulator(sample.world, identify_interval=INTERVAL, max_concurrency=2)
    await emu.start()
    try:
        plans = [LAYOUT.plan(0), LAYOUT.plan(1)]
        async with processes(emu, postgres_migrated_database, shipped_catalog, plans):
            log = emu.gateway.identify_log
    finally:
        await emu.stop()
    assert emu.gateway.identifies_refused == []
    at = {record.shard[0]: record.at for record in log}
    assert sorted(at) == [0, 1, 2, 3]
    assert abs(at[2] - at[0]) >= INTERVAL and abs(at[3] - at[1]) >= INTERVAL
    # The first turn of each bucket is now: the two buckets do not wait for each other.
    first_of_bucket = [min(at[0], at[2]), min(at[1], at[3])]
    assert abs(first_of_bucket[0] - first_of_bucket[1]) < INTERVAL


async def test_a_waiting_spare_answers_its_health_check_then_runs_the_slot_it_takes(
    tmp_path: Path, postgres_migrated_database: str
) -> None:
    """`SHARD_SLOT=spare` while both slots' leases are held elsewhere: /health answers 200
    (alive, no shard yet) so a supervisor leaves it be; once slot 1 is free the spare runs it."""
    holders = [await LeaseConnection.open(postgres_migrated_database) for _ in range(2)]
    try:
        assert await holders[0].try_take(0) and await holders[1].try_take(1)
        async with standalone_emulator() as remote:
            await remote.state()
            port, log = free_port(), tmp_path / "spare" / "bot.log"
            log.parent.mkdir()
            env = bot_environment(
                remote,
                tmp_path,
                DATABASE_URL=postgres_migrated_database,
                SHARD_COUNT="2",
                SHARDS_PER_SLOT="1",
                SHARD_SLOT="spare",
                HEALTH_PORT=str(port),
                DISCORD_IDENTIFY_INTERVAL=str(BOT_INTERVAL),
            )
            spare = await start_bot(env, log)
            try:
                waiting = await healthy_within(port, 30)
                assert (waiting["slot"], waiting["shards"], waiting["database_ok"]) == (
                    None,
                    [],
                    True,
                )
                assert (await remote.state())["connected"] == 0
                await holders[1].close()  # slot 1's process is gone
                body = await healthy_within(port, 20, slot=1)
                assert (body["slot"], body["shards"], body["ready_shards"]) == (1, [1], [1])
                assert (await remote.state())["shards"] == [[1, 2]]
                assert await stop(spare) == 0
            finally:
                if spare.returncode is None:
                    spare.kill()
                    await spare.wait()
    finally:
        for holder in holders:
            await holder.close()
    assert "[slot=1 shards=1/2]" in log.read_text()


async def test_few_session_starts_left_is_a_warning(
    limited: Emulator,
    postgres_migrated_database: str,
    shipped_catalog: Catalog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    limited.gateway.identifies = 999  # one of the day's 1,000 session starts left
    with caplog.at_level(logging.INFO, logger="bot.app"):
        async with processes(
            limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(0)]
        ):
            pass
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert "session starts left today: 1 of 1000; identify buckets: 1" in messages
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("only 1 session starts left today for 2 shards" in w for w in warnings), warnings

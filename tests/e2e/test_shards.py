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
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import ShardedStudyBot, create_bot
from bot.config import Settings
from bot.roadmap.catalog import Catalog
from bot.services.content import ContentHolder
from bot.sharding import ShardPlan, SlotLayout, shard_of
from bot.store.database import Database
from tests.e2e.conftest import CONTENT_DIR
from tests.emulator.runner import close_client, point_discord_at
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld, World

SHARDS = 4
LAYOUT = SlotLayout.by_size(SHARDS, 2)
#: Discord's rule at a tenth of its 5 s, so that four identifies in one bucket take ~3 s.
INTERVAL = 0.5
SYNC_ROUTE = "PUT /applications/{application_id}/commands"


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


def settings_for(emu: Emulator, database_url: str) -> Settings:
    return Settings(
        token=emu.world.token,
        database_url=database_url,
        content_dir=CONTENT_DIR,
        api_base=emu.api_base,
        gateway_url=emu.gateway_url,
        shard_count=SHARDS,
        identify_interval=INTERVAL,
    )


async def until(condition: Callable[[], bool], within: float) -> bool:
    """Whether `condition` holds within `within` seconds (checked every 20 ms)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


@contextlib.asynccontextmanager
async def processes(
    emu: Emulator,
    database_url: str,
    catalog: Catalog,
    plans: list[ShardPlan],
    *,
    coordinated: bool = True,
    ready: bool = True,
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
                    settings_for(emu, database_url),
                    database,
                    ContentHolder(catalog),
                    shard_plan=plan,
                    tick_interval=30.0,
                    guild_ready_timeout=0.05,
                )
                assert isinstance(bot, ShardedStudyBot)
                if not coordinated:
                    bot.identify_pacer = None  # discord.py's own before_identify_hook
                bots.append(bot)
            for bot in bots:
                await bot.login(emu.world.token)
            tasks = [asyncio.create_task(bot.connect()) for bot in bots]
            if ready:
                all_ready = await until(lambda: all(b.is_ready() for b in bots), 30)
                failed = [t.exception() for t in tasks if t.done()]
                assert all_ready, f"not every process was ready within 30 s: {failed}"
            yield bots
        finally:
            for bot, task in itertools.zip_longest(bots, tasks):
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
    limited: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    async with processes(limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(1)]):
        pass
    assert [c for c in limited.calls if c.route == SYNC_ROUTE] == []  # slot 1 alone: none
    for _ in range(2):  # shard 0's process, started twice on one command tree
        async with processes(
            limited, postgres_migrated_database, shipped_catalog, [LAYOUT.plan(0)]
        ):
            pass
        await asyncio.sleep(INTERVAL)  # the next start's first identify is not too soon
    assert len([c for c in limited.calls if c.route == SYNC_ROUTE]) == 1

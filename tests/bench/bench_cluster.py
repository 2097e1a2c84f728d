"""Cluster fan-out: N servers' daily posts due within one minute, across 3 bot processes.

    .venv/bin/python -m tests.bench.bench_cluster [--servers 5000] [--spread 60] [--tick 30]

Three real bot processes (slots 0, 1 and 2 of 6 shards, `python -m bot` through
tests/e2e/cluster_bot.py, with production's 30 s tick unless `--tick` says otherwise) on one
PostgreSQL database (a server started for the run, tests/postgres.py), sending through the REST
proxy (deploy/proxy, 45/s) to the emulator in this process, which enforces Discord's global 50
requests/s with a sliding window. N schedules fall due spread over `spread` seconds, on
multiples of the tick (as whole-minute schedules are in production).
Measured: the drain (from the first post due to the last one stored) against the ideal,
max(spread, N / 45 s) (goal <= 1.1x); the global 429s the emulator answered (goal 0); every
server posted exactly once; and `/roadmap next` round trips meanwhile (a member asks twice a
second; goal p99 < 1 s), against the same command before the fan-out.

While it drains, a timeline every 5 s shows where the time goes: the posts due so far and
stored so far, the posts stored in those 5 s (the proxy's rate allows 225), the proxy's backlog
(requests received and not yet answered: the bots keeping it fed or not), its mean upstream
time per request (Discord's answer, here the emulator's) and its wait for the sliding window,
and the CPU each part used (the emulator shares this process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from sqlalchemy import Connection, bindparam, update
from sqlalchemy.engine import make_url

from bot.sharding import shard_of
from bot.store.alembic_runner import upgrade_url
from bot.store.codec import encode_time
from bot.store.daily import DailyRepository
from bot.store.database import Database
from bot.store.schema import daily_schedules
from tests.bench.figures import BenchOptions, Figure, percentile
from tests.e2e.test_cluster import BotProcess, Cluster, cluster_of
from tests.emulator.server import Emulator
from tests.emulator.snowflakes import DISCORD_EPOCH_MS
from tests.emulator.world import Channel, Guild, Member, World
from tests.postgres import admin, binaries, start_server

SHARDS = 6
PER_SLOT = 2
PROXY_RATE = 45
DISCORD_LIMIT = 50
#: Members taking turns at `/roadmap next`, twice a second in all: each asks every 5 s, under
#: the command's cooldown (8 in 20 s per member).
LEARNERS = 10


def early_in_a_millisecond_of(shard: int) -> bool:
    """Whether a snowflake made now lands on `shard`, with time to spare before the next
    millisecond (a server's id is its creation time in milliseconds, above bit 22)."""
    now_ms = time.time() * 1000 - DISCORD_EPOCH_MS
    return int(now_ms) % SHARDS == shard and now_ms % 1 < 0.5


def bench_world(servers: int) -> tuple[World, list[tuple[Guild, Channel]], list[Member]]:
    """N servers spread over the 6 shards (each made in a millisecond that puts it on the next
    shard; on a loaded machine the odd one lands on another, so the counts are printed), each
    with a #study channel; in the first, the members who ask `/roadmap next`."""
    world = World()
    made: list[tuple[Guild, Channel]] = []
    per_shard = [0] * SHARDS
    for index in range(servers):
        shard = index % SHARDS
        while not early_in_a_millisecond_of(shard):
            time.sleep(0.0001)
        guild = world.add_guild(f"Server {index}")
        per_shard[shard_of(guild.id, SHARDS)] += 1
        made.append((guild, guild.add_text_channel("study")))
    print(f"servers per shard: {per_shard}")
    learners = [made[0][0].add_member(f"learner-{n}") for n in range(LEARNERS)]
    return world, made, learners


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A throwaway PostgreSQL server and a database migrated to head, for this run only."""
    bindir = binaries()
    if bindir is None:
        raise SystemExit("bench_cluster needs PostgreSQL's server binaries (tests/postgres.py)")
    # Each bot process may hold its pool (10, and 10 more at a peak), its lease's and its
    # listener's connections: 3 processes need more than the test server's usual 40.
    server = start_server(bindir, max_connections=120)
    try:
        await admin(server.url, "CREATE DATABASE bench_cluster")
        url = make_url(server.url).set(database="bench_cluster").render_as_string(False)
        await upgrade_url(url)
        yield url
    finally:
        server.stop()


def _set_due_times(conn: Connection, rows: list[dict[str, Any]]) -> None:
    statement = (
        update(daily_schedules)
        .where(daily_schedules.c.guild_id == bindparam("guild"))
        .values(next_fire_at=bindparam("fire_at"))
    )
    conn.execute(statement, rows)


async def seed(url: str, servers: list[tuple[Guild, Channel]]) -> None:
    """Every server's schedule, due tomorrow: written (slowly, through the repository) before
    any of them falls due, so the fan-out is fed at the rate of the due times, not of the
    seeding (which took ~100 s for 5,000 on a loaded machine, longer than the spread)."""
    now = datetime.now(UTC)
    at = now.time().replace(second=0, microsecond=0)  # today's time has just passed
    database = await Database.open(url)
    try:
        daily = DailyRepository(database)
        writes: list[Awaitable[object]] = [
            daily.save(
                guild_id=guild.id, channel_id=channel.id, local_time=at, time_zone="UTC",
                roadmap_id=None, ping_role_id=None, next_date=now.date(),
                next_fire_at=now + timedelta(days=1), now=now,
            )
            for guild, channel in servers
        ]  # fmt: skip
        # Ten at a time: the pool's size.
        for start in range(0, len(writes), 10):
            await asyncio.gather(*writes[start : start + 10])
    finally:
        await database.close()


async def make_due(
    url: str, servers: list[tuple[Guild, Channel]], first_due: datetime, spread: float, tick: float
) -> None:
    """Move the seeded schedules' due times to `first_due` + `spread` * i / N, rounded down to
    a multiple of the tick (in production schedules fall due on whole minutes, so none waits
    between two ticks), in one transaction (a second or so), so that none is due before all
    are set."""
    step = spread / len(servers)
    rows = [
        {
            "guild": guild.id,
            "fire_at": encode_time(first_due + timedelta(seconds=(step * index) // tick * tick)),
        }
        for index, (guild, _channel) in enumerate(servers)
    ]
    database = await Database.open(url)
    try:
        await database.write(_set_due_times, rows)
    finally:
        await database.close()
    late = (datetime.now(UTC) - first_due).total_seconds()
    if late > 0:
        print(f"warning: the due times were set {late:.1f} s after the first was due")


async def ask_next(emulator: Emulator, guild: Guild, members: list[Member], samples: list[float],
                   until: asyncio.Event) -> None:  # fmt: skip
    """`/roadmap next` twice a second, the members in turn, until `until` is set; each first
    answer's seconds (10 s for one never answered)."""
    turn = 0
    while not until.is_set():
        member = members[turn % len(members)]
        turn += 1
        try:
            result = await emulator.slash(guild, member, "roadmap next", within=10)
        except AssertionError:  # no answer within 10 s (or only after Discord's 3 s)
            samples.append(10.0)
        else:
            answered = result.first_response_seconds
            samples.append(10.0 if answered is None else answered)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), 0.5)


@dataclass
class Sample:
    """One row of the drain's timeline."""

    at: float  # seconds since the first post was due
    due: int
    stored: int
    proxy: dict[str, Any]
    cpu: dict[str, float]  # CPU seconds so far per part


def cpu_so_far(bots: list[BotProcess]) -> dict[str, float]:
    """CPU seconds used so far by this process (the emulator and the bench), the bot
    processes, and the rest of this process's children (the proxy, PostgreSQL)."""
    me = psutil.Process()
    used = {"emulator": sum(me.cpu_times()[:2]), "bots": 0.0, "proxy+pg": 0.0}
    bot_pids = {bot.process.pid for bot in bots}
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            part = "bots" if child.pid in bot_pids else "proxy+pg"
            used[part] += sum(child.cpu_times()[:2])
    return used


async def proxy_counters(session: aiohttp.ClientSession, api_base: str) -> dict[str, Any]:
    """The proxy's /health counters (deploy/proxy/server.mjs), {} when it does not answer."""
    url = api_base.split("/api/", 1)[0] + "/health"
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as answer:
            body: dict[str, Any] = await answer.json()
            return body
    return {}


def print_timeline(samples: list[Sample]) -> None:
    print("\n  t (s)   due  stored  +stored/5s  proxy open  upstream ms  window wait ms"
          "  CPU %: emulator  bots  proxy+pg")  # fmt: skip
    for before, now in itertools.pairwise(samples):
        seconds = now.at - before.at
        upstream_before, upstream_now = (
            before.proxy.get("upstream", {}),
            now.proxy.get("upstream", {}),
        )
        sent = upstream_now.get("sent", 0) - upstream_before.get("sent", 0)
        in_flight_ms = upstream_now.get("in_flight_ms", 0) - upstream_before.get("in_flight_ms", 0)
        waited_ms = upstream_now.get("waited_ms", 0) - upstream_before.get("waited_ms", 0)
        cpu = {part: (now.cpu[part] - before.cpu[part]) / seconds * 100 for part in now.cpu}
        print(
            f"  {now.at:5.0f} {now.due:5d} {now.stored:7d} {now.stored - before.stored:11d}"
            f" {now.proxy.get('open', -1):11d} {in_flight_ms / max(sent, 1):12.0f}"
            f" {waited_ms / max(sent, 1):14.0f}"
            f"  {cpu['emulator']:15.0f} {cpu['bots']:5.0f} {cpu['proxy+pg']:9.0f}"
        )


def posted(emulator: Emulator, servers: list[tuple[Guild, Channel]]) -> list[int]:
    bot_id = emulator.world.bot.id
    return [
        sum(1 for m in emulator.messages(channel) if m.author.id == bot_id)
        for _guild, channel in servers
    ]


async def fan_out(servers_count: int, spread: float, tick: float = 1.0) -> list[Figure]:
    world, servers, learners = bench_world(servers_count)
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    print(f"the processes' logs: {folder}")
    async with postgres_database() as url, cluster_of(
        world, url, folder, proxy=True, limit=DISCORD_LIMIT, proxy_rate=PROXY_RATE,
        shards=SHARDS, per_slot=PER_SLOT, check_openapi=False, tick=tick,
    ) as cluster:  # fmt: skip
        print(f"the scheduler's tick: {tick:g} s (30 s in production)")
        return await _measure(cluster, servers, learners, spread, tick)


async def _measure(
    cluster: Cluster,
    servers: list[tuple[Guild, Channel]],
    learners: list[Member],
    spread: float,
    tick: float,
) -> list[Figure]:
    emulator = cluster.emulator
    began = time.monotonic()
    bots = [await cluster.start(f"slot{slot}", str(slot)) for slot in range(SHARDS // PER_SLOT)]
    for bot in bots:
        await bot.wait_healthy(300)
    print(f"3 processes ready ({len(servers):,} servers) in {time.monotonic() - began:.1f} s")

    seeding = time.monotonic()
    await seed(cluster.url, servers)
    print(f"{len(servers):,} schedules seeded (due tomorrow) in {time.monotonic() - seeding:.1f} s")

    idle: list[float] = []
    done = asyncio.Event()
    asking = asyncio.create_task(ask_next(emulator, servers[0][0], learners, idle, done))
    await asyncio.sleep(5)
    done.set()
    await asking

    # The first post falls due on a whole multiple of the tick, as a schedule's whole minute
    # does in production (the bots tick on those multiples: bot/schedule/runner.py).
    soonest = (datetime.now(UTC) + timedelta(seconds=5)).timestamp()
    first_due = datetime.fromtimestamp(math.ceil(soonest / tick) * tick, UTC)
    await make_due(cluster.url, servers, first_due, spread, tick)
    due_at = time.monotonic() + (first_due - datetime.now(UTC)).total_seconds()
    busy: list[float] = []
    done = asyncio.Event()
    asking = asyncio.create_task(ask_next(emulator, servers[0][0], learners, busy, done))
    ideal = max(spread, len(servers) / PROXY_RATE)
    last_count, last_change = 0, time.monotonic()
    timeline: list[Sample] = []
    async with aiohttp.ClientSession() as session:
        while True:
            counts = posted(emulator, servers)
            arrived = sum(1 for n in counts if n)
            if arrived != last_count:
                last_count, last_change = arrived, time.monotonic()
            since_due = time.monotonic() - due_at
            if not timeline or since_due - timeline[-1].at >= 5 or arrived == len(servers):
                due = min(len(servers), max(0, int(len(servers) * since_due / spread) + 1))
                proxy = await proxy_counters(session, cluster.api_base)
                timeline.append(Sample(since_due, due, arrived, proxy, cpu_so_far(bots)))
            if arrived == len(servers):
                break
            if time.monotonic() - last_change > 60:
                raise AssertionError(f"the fan-out stalled at {arrived} of {len(servers)} posts")
            await asyncio.sleep(0.2)
    drain = last_change - max(due_at, 0.0)
    print_timeline(timeline)
    done.set()
    await asking
    doubled = sum(1 for n in posted(emulator, servers) if n > 1)
    limited = emulator.rate_limited_count
    idle_p99, busy_p99 = percentile(idle, 0.99), percentile(busy, 0.99)
    what = f"cluster fan-out of {len(servers):,} servers, 3 processes"
    print(f"\n{len(servers):,} daily posts due over {spread:.0f} s, 3 processes, proxy at "
          f"{PROXY_RATE}/s, emulator limit {DISCORD_LIMIT}/s")  # fmt: skip
    print(f"drain {drain:.1f} s, ideal {ideal:.1f} s, ratio {drain / ideal:.3f}")
    print(f"global 429s: {limited}; servers posted twice: {doubled}")
    print(f"/roadmap next p99: before {idle_p99 * 1000:.0f} ms ({len(idle)}), during the fan-out "
          f"{busy_p99 * 1000:.0f} ms ({len(busy)})")  # fmt: skip
    return [
        Figure(f"{what}: drain time", drain, "s", ideal, f"ideal max({spread:.0f} s, N / 45)",
               "<= 1.1x baseline", drain <= 1.1 * ideal),
        Figure(f"{what}: global 429s", limited, "", None, "", "0", limited == 0),
        Figure(f"{what}: servers posted twice", doubled, "", None, "", "0", doubled == 0),
        Figure(f"{what}: /roadmap next p99 meanwhile", busy_p99 * 1000, "ms", idle_p99 * 1000,
               "same cluster before the fan-out", "< 1000 ms", busy_p99 < 1.0),
    ]  # fmt: skip


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    # Production's 30 s tick: the drain then includes any wait for a tick (none when the first
    # post is due on a tick, as in production).
    return await fan_out(500 if options.quick else 5000, 10 if options.quick else 60, 30.0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=5000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument(
        "--tick", type=float, default=30.0, help="the bots' scheduler tick (production: 30)"
    )
    args = parser.parse_args()
    await fan_out(args.servers, args.spread, args.tick)


if __name__ == "__main__":
    asyncio.run(main())

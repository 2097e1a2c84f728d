"""The cluster (issue 18): three bot processes on one PostgreSQL database, two slots and a spare,
sending through the REST proxy (deploy/proxy) to the emulator, which enforces Discord's global
50 requests/s (a sliding window), routes each server to its shard and drops repeated nonces.

The run: 16 servers on 4 shards (slot 0: shards 0-1, slot 1: shards 2-3), each with a daily post
due, and 5 members each with a reminder due. Slot 1's process is killed with SIGKILL while its
fan-out runs, right after Discord stored its first post but before the bot heard back (the
emulator holds that answer); the spare takes slot 1's lease, connects shards 2-3 and settles
what the dead process left. Then every server has exactly one daily post, every member exactly
one reminder DM, the ledger has every row `sent`, and the emulator answered 0 global 429s.
`python -m bot reload` then reaches both live processes through LISTEN/NOTIFY.

The controls show the test can fail: straight at the emulator (no proxy) the two slots earn
global 429s; with the nonces left out (tests/e2e/cluster_bot.py, test-only) the spare's resend
of the post the dead process had sent doubles it.

A process whose lease session the database ends stops its shards and exits 1 rather than run
split-brained.

The processes run `bot.__main__.main` through tests/e2e/cluster_bot.py, which only shortens
the scheduler's tick (30 s in production) to 1 s, as the in-process e2e tests do with
`tick_interval`, and can drop nonces for the control.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from bot.records import DAILY, REMINDER
from bot.sharding import SlotLayout, shard_of
from bot.store.daily import DailyRepository
from bot.store.database import Database
from bot.store.lease import SLOT_LOCK
from bot.store.ledger import LedgerRepository
from bot.store.reminders import ReminderRepository
from tests.e2e.conftest import CONTENT_DIR
from tests.e2e.test_proxy import running_proxy
from tests.emulator.server import Emulator
from tests.emulator.snowflakes import DISCORD_EPOCH_MS
from tests.emulator.world import Channel, Guild, Member, World
from tests.postgres import plain_dsn
from tests.process import PROJECT_ROOT

#: 60 to 90 s each on a loaded machine: past the suite's 120 s default.
pytestmark = pytest.mark.timeout(300)

SHARDS = 4
PER_SLOT = 2
SERVERS_PER_SHARD = 4
MEMBERS_PER_SERVER = 5
IDENTIFY_SECONDS = 1.0
#: The slot whose process is killed, and so the one the spare takes.
VICTIM_SLOT = 1
LAYOUT = SlotLayout.by_size(SHARDS, PER_SLOT)
#: Discord's global limit (50 requests/s) and the proxy's rate under it (45/s), scaled down by
#: the same factor: three bot processes on a loaded 2-core test machine cannot reach 50/s
#: together (each spends milliseconds of CPU per send), but do reach 20/s, so the control
#: without the proxy meets the limit as a real cluster meets Discord's.
GLOBAL_LIMIT = 20
PROXY_RATE = 18
#: Seconds the take-over may take here (the goal, on a machine of its own, is 10 s).
TAKE_OVER_BOUND = 20.0
#: Seconds from the start of seeding to the moment everything seeded is due.
SEED_SECONDS = 5.0


@dataclass
class Server:
    guild: Guild
    channel: Channel
    members: list[Member]

    @property
    def slot(self) -> int:
        shard = shard_of(self.guild.id, SHARDS)
        return next(s for s in LAYOUT.slots if shard in LAYOUT.shards_of(s))


def early_in_a_millisecond_of(shard: int) -> bool:
    """Whether a snowflake made now lands on `shard`, with time to spare before the next
    millisecond (a server's id is its creation time in milliseconds, above bit 22)."""
    now_ms = time.time() * 1000 - DISCORD_EPOCH_MS
    return int(now_ms) % SHARDS == shard and now_ms % 1 < 0.5


def cluster_world() -> tuple[World, list[Server]]:
    """16 servers, 4 on each shard: ids are snowflakes of the current millisecond, so each
    server is made in a millisecond that puts it on the shard wanted."""
    world = World()
    servers: list[Server] = []
    for index in range(SHARDS * SERVERS_PER_SHARD):
        shard = index % SHARDS
        while not early_in_a_millisecond_of(shard):
            time.sleep(0.0002)
        guild = world.add_guild(f"Server {index}")
        assert shard_of(guild.id, SHARDS) == shard
        channel = guild.add_text_channel("study")
        members = [guild.add_member(f"s{index}-m{n}") for n in range(MEMBERS_PER_SERVER)]
        servers.append(Server(guild, channel, members))
    return world, servers


async def seed(url: str, servers: list[Server], victim_first: Server) -> None:
    """Every server's daily post and every member's reminder due in a moment (once all are
    written, so the fan-out starts at once in every process); `victim_first`'s post the
    earliest due of its slot, so it is the first its process sends."""
    now = datetime.now(UTC)
    at = now.time().replace(second=0, microsecond=0)  # today's time has just passed
    fire = now + timedelta(seconds=SEED_SECONDS)
    database = await Database.open(url)
    try:
        daily, reminders = DailyRepository(database), ReminderRepository(database)
        writes: list[Awaitable[object]] = [
            daily.save(
                guild_id=server.guild.id, channel_id=server.channel.id, local_time=at,
                time_zone="UTC", roadmap_id=None, ping_role_id=None, next_date=now.date(),
                next_fire_at=fire - timedelta(seconds=1 if server is victim_first else 0),
                now=now,
            )
            for server in servers
        ]  # fmt: skip
        writes += [
            reminders.save(
                server.guild.id, member.user.id, local_time=at, time_zone="UTC",
                next_date=now.date(), next_fire_at=fire, now=now,
            )
            for server in servers
            for member in server.members
        ]  # fmt: skip
        await asyncio.gather(*writes)
    finally:
        await database.close()
    left = (fire - datetime.now(UTC)).total_seconds()
    print(f"seeded {len(writes)} schedules; due {left:.1f} s later")


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range (32768 and up): a bot binds its
    health port seconds later (a spare only once it holds a slot), and meanwhile every other
    process on the machine that binds port 0 could be given a port picked from that range."""
    while True:
        port = random.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@dataclass
class BotProcess:
    name: str
    process: asyncio.subprocess.Process
    log: Path
    health_port: int
    #: Each health check asked: (status, seconds its answer took), the latest last.
    health_answers: list[tuple[int, float]] = field(default_factory=list)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def wait_for_line(self, needle: str, within: float) -> float:
        started = time.monotonic()
        while needle not in self.text():
            if self.process.returncode is not None:
                raise AssertionError(
                    f"{self.name} exited {self.process.returncode}:\n{self.tail()}"
                )
            if time.monotonic() - started > within:
                raise AssertionError(f"{self.name}: no {needle!r} in {within} s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def wait_healthy(self, within: float) -> dict[str, object]:
        """The health check's body once it answers 200 for a slot's shards (every one ready,
        the database up), asked only once this process's log says it listens on that port
        (nobody else's answer)."""
        deadline = time.monotonic() + within
        listening = f"health check on http://127.0.0.1:{self.health_port}/health"
        async with aiohttp.ClientSession() as session:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    if listening not in self.text():
                        raise aiohttp.ClientError("not listening yet")
                    url = f"http://127.0.0.1:{self.health_port}/health"
                    asked = time.monotonic()
                    async with session.get(url) as answer:
                        body: dict[str, object] = await answer.json()
                        self.health_answers.append((answer.status, time.monotonic() - asked))
                        # A process waiting for a slot's lease answers 200 too, running none.
                        if answer.status == 200 and body["shards"]:
                            return body
                if self.process.returncode is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} not healthy in {within} s:\n{self.tail()}")
                await asyncio.sleep(0.05)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


@dataclass
class Cluster:
    emulator: Emulator
    url: str
    api_base: str
    tmp_path: Path
    no_nonces: bool = False
    shards: int = SHARDS
    per_slot: int = PER_SLOT
    #: The scheduler's tick in seconds (30 in production): 1 s here, so a fan-out starts at once.
    tick: float = 1.0
    processes: list[BotProcess] = field(default_factory=list)

    def environment(self, slot: str, health_port: int) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DISCORD_", "DATABASE_", "SHARD", "HEALTH_", "CONTENT_DIR"))
        }
        env.update(
            PYTHONPATH=str(PROJECT_ROOT),
            DISCORD_TOKEN=self.emulator.world.token,
            DISCORD_API_BASE=self.api_base,
            DISCORD_GATEWAY_URL=self.emulator.gateway_url,
            DATABASE_URL=self.url,
            CONTENT_DIR=str(CONTENT_DIR),
            SHARD_COUNT=str(self.shards),
            SHARDS_PER_SLOT=str(self.per_slot),
            SHARD_SLOT=slot,
            HEALTH_PORT=str(health_port),
            DISCORD_IDENTIFY_INTERVAL=str(IDENTIFY_SECONDS),
            LOG_LEVEL="INFO",
            CLUSTER_TEST_TICK_SECONDS=str(self.tick),
        )
        if self.api_base != self.emulator.api_base:
            env["DISCORD_INTERACTIONS_API_BASE"] = self.emulator.api_base
        if self.no_nonces:
            env["CLUSTER_TEST_NO_NONCES"] = "1"
        return env

    async def start(self, name: str, slot: str, *, when: Path | None = None) -> BotProcess:
        """`python -m bot` for `slot` (a number, or `spare`); with `when`, it imports at once
        but starts only once that file exists."""
        log = self.tmp_path / f"{name}.log"
        port = free_port()
        env = self.environment(slot, port)
        if when is not None:
            env["CLUSTER_TEST_START_WHEN"] = str(when)
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.e2e.cluster_bot",
                env=env, cwd=self.tmp_path, stdout=out, stderr=out,
            )  # fmt: skip
        bot = BotProcess(name, process, log, port)
        self.processes.append(bot)
        return bot

    async def run_command(self, *args: str) -> str:
        env = self.environment("0", free_port())
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=self.tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(command.communicate(), 30)
        assert command.returncode == 0, output.decode()
        return output.decode()

    async def stop_all(self) -> None:
        for bot in self.processes:
            if bot.process.returncode is None:
                bot.process.send_signal(signal.SIGTERM)
        for bot in self.processes:
            try:
                await asyncio.wait_for(bot.process.wait(), 15)
            except TimeoutError:
                bot.process.kill()
                await bot.process.wait()


@contextlib.asynccontextmanager
async def cluster_of(
    world: World,
    url: str,
    tmp_path: Path,
    *,
    proxy: bool,
    no_nonces: bool = False,
    limit: int = GLOBAL_LIMIT,
    proxy_rate: int = PROXY_RATE,
    shards: int = SHARDS,
    per_slot: int = PER_SLOT,
    check_openapi: bool = True,
    tick: float = 1.0,
) -> AsyncIterator[Cluster]:
    """The emulator (global `limit`/s), the proxy (at `proxy_rate`/s) when asked, and a Cluster
    to start bot processes in; every process is stopped on the way out."""
    emulator = Emulator(world, identify_interval=IDENTIFY_SECONDS, check_openapi=check_openapi)
    await emulator.start()
    emulator.faults.global_rate_limit(limit)
    try:
        with contextlib.ExitStack() as stack:
            api_base = emulator.api_base
            if proxy:
                proxied = running_proxy(emulator, proxy_rate, discord_limit=limit)
                api_base = stack.enter_context(proxied).api_base
            cluster = Cluster(
                emulator, url, api_base, tmp_path, no_nonces=no_nonces, shards=shards,
                per_slot=per_slot, tick=tick,
            )  # fmt: skip
            try:
                yield cluster
            finally:
                await cluster.stop_all()
    finally:
        await emulator.stop()
    assert not emulator.unknown_routes, emulator.unknown_routes


def posts(emulator: Emulator, server: Server) -> int:
    bot_id = emulator.world.bot.id
    return sum(1 for m in emulator.messages(server.channel) if m.author.id == bot_id)


def reminder_dms(emulator: Emulator, server: Server) -> list[int]:
    return [len(emulator.dms(member)) for member in server.members]


async def ledger_statuses(url: str) -> dict[str, int]:
    database = await Database.open(url)
    try:
        ledger = LedgerRepository(database)
        rows = [*(await ledger.rows(DAILY)), *(await ledger.rows(REMINDER))]
    finally:
        await database.close()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


async def wait_delivered(cluster: Cluster, servers: list[Server], within: float) -> float:
    """Seconds until every server has its post, every member a DM, and no row is `sending`."""
    started = time.monotonic()
    expected = len(servers) * (1 + MEMBERS_PER_SERVER)
    while True:
        arrived = all(posts(cluster.emulator, s) >= 1 for s in servers) and all(
            n >= 1 for s in servers for n in reminder_dms(cluster.emulator, s)
        )
        if arrived:
            statuses = await ledger_statuses(cluster.url)
            if statuses.get("sent", 0) == expected:
                return time.monotonic() - started
        if time.monotonic() - started > within:
            logs = "\n\n".join(f"== {b.name}\n{b.tail()}" for b in cluster.processes)
            raise AssertionError(f"not delivered in {within} s: {statuses_now(cluster)}\n{logs}")
        await asyncio.sleep(0.1)


def peak_rate(emulator: Emulator) -> int:
    """The most requests under the global limit the emulator received in any one second."""
    times = sorted(
        c.at for c in emulator.calls if not c.path.startswith(("/interactions", "/webhooks"))
    )
    peak, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def statuses_now(cluster: Cluster) -> str:
    return f"429s={cluster.emulator.rate_limited_count}"


async def start_slots(
    cluster: Cluster, *, spare: bool, phases: dict[str, float] | None = None
) -> dict[str, float]:
    """Slots 0 and 1 up, each holding its lease with its shards ready (and the spare waiting
    for a slot to free); the phases' seconds, added to `phases` as each ends (so that a test
    failing midway still prints those it passed)."""
    phases = {} if phases is None else phases
    began = time.monotonic()
    slot0 = await cluster.start("slot0", "0")
    slot1 = await cluster.start("slot1", str(VICTIM_SLOT))
    # The spare starts beside them but asks for a slot only once both hold theirs.
    gate = cluster.tmp_path / "spare-may-start"
    standby = await cluster.start("spare", "spare", when=gate) if spare else None
    await slot0.wait_for_line("holding the lease of slot 0", 60)
    await slot1.wait_for_line(f"holding the lease of slot {VICTIM_SLOT}", 60)
    phases["start: both slots hold their lease"] = time.monotonic() - began
    if standby is not None:
        gate.touch()
        await standby.wait_for_line("waiting for one to free", 60)
    await slot0.wait_healthy(60)
    await slot1.wait_healthy(60)
    phases["start: 2 slots ready (4 shards), the spare waiting"] = time.monotonic() - began
    return phases


#: The spare's log lines that mark the take-over's phases, in the order they come.
TAKE_OVER_LINES = (
    ("lease taken", f"holding the lease of slot {VICTIM_SLOT}"),
    ("login began", "logging in using static token"),
    ("bot set up (cogs, tree, scheduler)", "started scheduler"),
    ("identify buckets known (/gateway/bot)", "identify buckets:"),
    ("shard 2 READY", "Shard ID 2 has connected"),
    ("shard 3 took its identify turn (the wait in the log)", "shard 3 waits"),
    ("shard 3 READY", "Shard ID 3 has connected"),
    ("shard 2 ready (its servers in)", "shard 2 ready"),
    ("shard 3 ready (its servers in)", "shard 3 ready"),
)


async def watch_phases(
    bot: BotProcess, lines: tuple[tuple[str, str], ...], since: float, seen: dict[str, float]
) -> None:
    """Record in `seen` when each line first shows in the bot's log, in seconds after
    `since` (polled every 20 ms); a line already there counts as -1 (before `since`)."""
    text = bot.text()
    for name, needle in lines:
        if needle in text:
            seen[name] = -1.0
    while len(seen) < len(lines):
        text, now = bot.text(), time.monotonic()
        for name, needle in lines:
            if name not in seen and needle in text:
                seen[name] = now - since
        await asyncio.sleep(0.02)


async def kill_mid_fan_out(
    cluster: Cluster, servers: list[Server], phases: dict[str, float] | None = None
) -> dict[str, float]:
    """The run up to the take-over: the cluster up, the fan-out due, slot 1 killed once
    Discord stored its first post (before the bot heard back), the spare ready on slot 1; the
    phases' seconds, added to `phases` as each ends."""
    emulator = cluster.emulator
    victims = [s for s in servers if s.slot == VICTIM_SLOT]
    first = victims[0]
    phases = await start_slots(cluster, spare=True, phases=phases)
    slot1, standby = cluster.processes[1], cluster.processes[2]
    emulator.faults.delay_answer(
        "POST /channels/{channel_id}/messages", seconds=60, channel_id=first.channel.id
    )
    await seed(cluster.url, servers, first)
    seeded = time.monotonic()
    while posts(emulator, first) == 0:
        if time.monotonic() - seeded > 20:
            raise AssertionError(f"slot 1 never sent its first post:\n{slot1.tail()}")
        await asyncio.sleep(0.01)
    slot1.process.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    seen: dict[str, float] = {}
    watching = asyncio.create_task(watch_phases(standby, TAKE_OVER_LINES, killed, seen))
    await slot1.process.wait()
    phases["fan-out due -> slot 1 killed"] = killed - seeded
    sent_by_victim = sum(posts(emulator, s) for s in victims) + sum(
        sum(reminder_dms(emulator, s)) for s in victims
    )
    print(f"slot 1 was killed after {sent_by_victim} of its {len(victims) * 6} sends arrived")
    try:
        body = await standby.wait_healthy(30)
    finally:
        watching.cancel()
        last = ", ".join(f"{s} in {took:.2f} s" for s, took in standby.health_answers[-3:])
        print(f"the spare's last health checks: {last}")
        for name, _needle in TAKE_OVER_LINES:
            if name in seen:
                phases[f"take-over: kill -> {name}"] = seen[name]
    healthy = time.monotonic() - killed
    phases["take-over: kill -> slot 1's shards ready on the spare"] = healthy
    assert body["slot"] == VICTIM_SLOT and body["shards"] == [2, 3], body
    phases["_killed_at"] = killed
    return phases


def print_phases(title: str, phases: dict[str, float]) -> None:
    print(title)
    for name, seconds in phases.items():
        if not name.startswith("_"):
            # A take-over phase done while the spare waited (before the kill) shows as such.
            print(f"  {name}: {'before the kill' if seconds < 0 else f'{seconds:.2f} s'}")


async def test_a_spare_takes_a_killed_slot_and_every_send_goes_out_once_without_a_429(
    postgres_migrated_database: str, tmp_path: Path
) -> None:
    world, servers = cluster_world()
    started = time.monotonic()
    phases: dict[str, float] = {}
    try:
        async with cluster_of(world, postgres_migrated_database, tmp_path, proxy=True) as cluster:
            await kill_mid_fan_out(cluster, servers, phases)
            killed = phases["_killed_at"]
            await wait_delivered(cluster, servers, within=40)
            phases["drain: kill -> every send recorded"] = time.monotonic() - killed
            await asyncio.sleep(1.0)  # time for a double to show
            emulator = cluster.emulator
            assert [posts(emulator, s) for s in servers] == [1] * len(servers)
            assert [reminder_dms(emulator, s) for s in servers] == [[1] * MEMBERS_PER_SERVER] * len(
                servers
            )
            assert emulator.rate_limited_count == 0
            assert await ledger_statuses(cluster.url) == {"sent": len(servers) * 6}

            # One reload request reaches both live processes (slot 0, and the spare on slot 1).
            asked = time.monotonic()
            said = await cluster.run_command("reload")
            assert "request 1" in said, said
            for bot in (cluster.processes[0], cluster.processes[2]):
                await bot.wait_for_line("Content reloaded (reload request 1)", 15)
            phases["python -m bot reload -> both processes reloaded"] = time.monotonic() - asked
            # Every process said which content it serves: the same files, the same version.
            versions = {
                re.findall(r"serving content version (\w+)", b.text())[0] for b in cluster.processes
            }
            assert len(versions) == 1, versions
    finally:  # the phases it passed, a failed run's too
        phases["total"] = time.monotonic() - started
        print_phases("cluster run, through the proxy:", phases)
    takeover = phases["take-over: kill -> slot 1's shards ready on the spare"]
    print(f"take-over {takeover:.1f} s (goal: 10 s)")
    # The goal is 10 s; a loaded test machine (imports alone take seconds) gets twice that.
    assert takeover <= TAKE_OVER_BOUND, f"take-over took {takeover:.1f} s"


async def test_control_straight_at_discord_the_two_slots_earn_global_429s(
    postgres_migrated_database: str, tmp_path: Path
) -> None:
    world, servers = cluster_world()
    phases: dict[str, float] = {}
    limited, peak = 0, 0
    try:
        async with cluster_of(world, postgres_migrated_database, tmp_path, proxy=False) as cluster:
            await start_slots(cluster, spare=False, phases=phases)
            await seed(cluster.url, servers, servers[0])
            seeded = time.monotonic()
            # Each process keeps under the limit by itself (its own RestGate); both together not.
            await wait_delivered(cluster, servers, within=60)
            phases["the fan-out of both slots"] = time.monotonic() - seeded
            limited, peak = cluster.emulator.rate_limited_count, peak_rate(cluster.emulator)
    finally:
        print_phases(f"control without the proxy: {limited} global 429s, peak {peak}/s", phases)
    assert limited > 0


async def test_control_without_nonces_the_take_over_doubles_a_post(
    postgres_migrated_database: str, tmp_path: Path
) -> None:
    world, servers = cluster_world()
    phases: dict[str, float] = {}
    counts: list[int] = []
    try:
        async with cluster_of(
            world, postgres_migrated_database, tmp_path, proxy=True, no_nonces=True
        ) as cluster:
            await kill_mid_fan_out(cluster, servers, phases)
            await wait_delivered(cluster, servers, within=40)
            await asyncio.sleep(1.0)
            counts = [posts(cluster.emulator, s) for s in servers]
    finally:
        doubled = sum(1 for n in counts if n > 1)
        print_phases(f"control without nonces: {doubled} servers got their post twice", phases)
    assert doubled >= 1


async def test_a_process_whose_lease_connection_fails_stops_its_shards_and_exits_1(
    postgres_migrated_database: str, tmp_path: Path
) -> None:
    """The database ends slot 0's lease session (as a failover or a cut network would): the
    process may no longer be the slot's only owner, so it stops its shards and exits 1."""
    world, _servers = cluster_world()
    async with cluster_of(world, postgres_migrated_database, tmp_path, proxy=False) as cluster:
        slot0 = await cluster.start("slot0", "0")
        body = await slot0.wait_healthy(60)
        assert body["shards"] == [0, 1] and body["ready_shards"] == [0, 1], body
        assert len(cluster.emulator.gateway.connected) == PER_SLOT
        admin = await asyncpg.connect(plain_dsn(postgres_migrated_database))
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND classid = $1 AND objid = 0",
                SLOT_LOCK,
            )
        finally:
            await admin.close()
        assert ended == 1
        cut = time.monotonic()
        code = await asyncio.wait_for(slot0.process.wait(), 30)
        stopped = time.monotonic() - cut
        print(f"slot 0's process exited {code} {stopped:.1f} s after its lease session ended")
        assert code == 1
        assert "lost the lease of slot 0" in slot0.text()
        assert cluster.emulator.gateway.connected == []

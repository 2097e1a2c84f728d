"""Daily fan-out: N servers due in the same minute, the emulator enforcing Discord's 50 requests/s.

    .venv/bin/python -m tests.bench.bench_daily [--servers 2000]

The real StudyBot (real scheduler tick, sender and pacer, a ManualClock) runs in this process
against the standalone emulator, whose global limit answers 429 past 50 requests per second.
N schedules in four time zones all fire at the same UTC minute. Measured: the drain time
against the ideal N / 50 s (goal <= 1.1x), the 429s received (goal 0) against the same fan-out
with the REST gate opened wide (the pacer alone), and the longest event-loop stall while
members keep using `/roadmap next`, during the fan-out against the same bot idle just before
(goal < 20 ms). The emulator runs in its own process so that its work and its records of every
call do not count in the bot's stalls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import StudyBot
from bot.config import Settings
from bot.roadmap.loader import load_directory
from bot.schedule.pacer import RestGate
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.store.daily import DailyRepository
from bot.store.database import Database
from tests.bench.figures import BenchOptions, Figure, percentile
from tests.emulator.remote import RemoteEmulator, standalone_emulator
from tests.emulator.runner import running_client

CONTENT = Path(__file__).resolve().parents[2] / "content"
DUE = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "Asia/Kathmandu", "America/New_York")
DISCORD_LIMIT = 50.0
STUDENTS = 60  # members taking turns at /roadmap next (each has a per-member cooldown)
IDLE_SECONDS = 4.0
HALL = "Study Hall"


@dataclass
class LoopWatch:
    """The longest gap between wake-ups of a task that asks to sleep `step` seconds."""

    step: float = 0.005
    longest: float = 0.0
    running: bool = True

    async def watch(self) -> None:
        while self.running:
            started = time.perf_counter()
            await asyncio.sleep(self.step)
            self.longest = max(self.longest, time.perf_counter() - started - self.step)


@dataclass
class Students:
    """Members who keep asking for their next topic; their round trips in milliseconds."""

    remote: RemoteEmulator
    samples: list[float] = field(default_factory=list)
    running: bool = True

    async def study(self) -> None:
        turn = 0
        while self.running:
            member = f"student-{turn % STUDENTS}"
            turn += 1
            started = time.perf_counter()
            answer = await self.remote.slash(HALL, member, "roadmap next")
            self.samples.append((time.perf_counter() - started) * 1000)
            assert answer.get("embeds"), answer
            await asyncio.sleep(0.05)


def world_spec(servers: int) -> dict[str, Any]:
    hall = {
        "name": HALL,
        "channels": [{"name": "general", "type": "text"}],
        "members": [{"name": f"student-{n}"} for n in range(STUDENTS)],
    }
    others = [
        {"name": f"Server {n}", "channels": [{"name": "daily", "type": "text"}]}
        for n in range(servers)
    ]
    return {"guilds": [hall, *others]}


async def seed_schedules(path: Path, channels: list[tuple[int, int]]) -> None:
    """One schedule per (server, channel), all due at DUE, in several zones (via the store)."""
    database = await Database.open(path)
    repository = DailyRepository(database)
    try:
        for index, (guild_id, channel_id) in enumerate(channels):
            zone = ZoneInfo(ZONES[index % len(ZONES)])
            local = DUE.astimezone(zone)
            await repository.save(
                guild_id=guild_id, channel_id=channel_id,
                local_time=local.time().replace(second=0, microsecond=0), time_zone=zone.key,
                roadmap_id=None,
                ping_role_id=None, next_date=local.date(), next_fire_at=DUE,
                now=DUE - timedelta(days=1),
            )  # fmt: skip
    finally:
        await database.close()


def sent_posts(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM deliveries WHERE kind = 'daily' AND status = 'sent'"
        ).fetchone()[0]


async def phase(
    remote: RemoteEmulator, seconds: float | None, path: Path | None = None, wanted: int = 0
) -> tuple[LoopWatch, Students, float]:
    """Run the loop watch and the students for `seconds`, or until `wanted` posts are recorded
    as sent (read in a thread, so the polling stays off the loop); returns them and the time."""
    watch, students = LoopWatch(), Students(remote)
    tasks = [asyncio.create_task(watch.watch()), asyncio.create_task(students.study())]
    started = time.perf_counter()
    try:
        if seconds is not None:
            await asyncio.sleep(seconds)
        else:
            assert path is not None
            while await asyncio.to_thread(sent_posts, path) < wanted:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        elapsed = time.perf_counter() - started
        watch.running = students.running = False
        await asyncio.gather(*tasks)
    return watch, students, elapsed


@dataclass
class FanOut:
    """One fan-out's measurements."""

    servers: int
    drain: float
    limited: int  # 429s received
    held: int  # requests the gate held back
    idle_watch: LoopWatch
    busy_watch: LoopWatch
    idle_students: Students
    busy_students: Students


async def fan_out(servers: int, *, gated: bool = True) -> FanOut:
    """`gated=False` opens the REST gate wide: only the pacer spaces the posts."""
    logging.disable(logging.WARNING)
    loaded = load_directory(CONTENT)
    assert loaded.catalog is not None, loaded.problems
    with tempfile.TemporaryDirectory() as folder:
        world_file = Path(folder) / "world.json"
        world_file.write_text(json.dumps(world_spec(servers)))
        path = Path(folder) / "bench.sqlite3"
        async with standalone_emulator(world_file=world_file, max_seconds=900) as remote:
            state = await remote.state()
            channels = [
                (int(g["id"]), int(g["channels"]["daily"]))
                for g in state["guilds"]
                if g["name"] != HALL
            ]
            started = time.perf_counter()
            await seed_schedules(path, channels)
            print(f"seeded {servers:,} schedules in {time.perf_counter() - started:.1f} s")
            clock = ManualClock(DUE - timedelta(minutes=10))
            bot = StudyBot(
                Settings(token=state["token"], database_path=path),
                await Database.open(path),
                ContentHolder(loaded.catalog),
                clock,
                tick_interval=0.1,
                guild_ready_timeout=0.05,
                rest_gate=None if gated else RestGate(limit=1_000_000),
            )
            async with running_client(bot, state["token"], state["api_base"], state["gateway_url"]):
                await remote.fault("global_rate_limit", requests_per_second=DISCORD_LIMIT)
                await asyncio.sleep(1.0)  # the guilds finish arriving; the idle baseline is idle
                idle_watch, idle_students, _ = await phase(remote, IDLE_SECONDS)
                limited_before = (await remote.state())["rate_limited"]
                clock.set(DUE)
                busy_watch, busy_students, drain = await phase(remote, None, path, servers)
                limited = (await remote.state())["rate_limited"] - limited_before
                held = bot.rest_gate.held

    return FanOut(servers, drain, limited, held, idle_watch, busy_watch, idle_students,
                  busy_students)  # fmt: skip


def report(gated: FanOut, ungated: FanOut | None) -> list[Figure]:
    servers, drain = gated.servers, gated.drain
    ideal = servers / DISCORD_LIMIT
    idle_p99 = percentile(gated.idle_students.samples, 0.99)
    busy_p99 = percentile(gated.busy_students.samples, 0.99)
    print(f"\n{servers:,} daily posts due at one minute, emulator limit {DISCORD_LIMIT:.0f}/s")
    print(f"drain {drain:.1f} s, ideal {ideal:.1f} s, ratio {drain / ideal:.3f}")
    print(f"429s received: {gated.limited} (requests our gate held back: {gated.held})")
    if ungated is not None:
        print(f"the same fan-out with the gate open (the pacer alone): {ungated.limited} 429s, "
              f"drain {ungated.drain:.1f} s")  # fmt: skip
    idle_stall, stall = gated.idle_watch.longest * 1000, gated.busy_watch.longest * 1000
    print(f"longest loop stall: idle {idle_stall:.1f} ms, during the fan-out {stall:.1f} ms")
    print(
        f"/roadmap next p99: idle {idle_p99:.1f} ms ({len(gated.idle_students.samples)}), "
        f"during the fan-out {busy_p99:.1f} ms ({len(gated.busy_students.samples)})"
    )
    what = f"daily fan-out of {servers:,} servers"
    return [
        Figure(f"{what}: drain time", drain, "s", ideal, f"ideal {servers:,} / 50 s",
               "<= 1.1x baseline", drain <= 1.1 * ideal),
        Figure(f"{what}: 429s received", gated.limited, "",
               None if ungated is None else ungated.limited, "same fan-out, pacer alone", "0",
               gated.limited == 0),
        Figure(f"{what}: longest event-loop stall", stall, "ms", idle_stall,
               "same bot idle", "< 20 ms", stall < 20),
        Figure(f"{what}: /roadmap next p99 meanwhile", busy_p99, "ms", idle_p99,
               "same bot idle", "", None),
    ]  # fmt: skip


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    servers = 300 if options.quick else 2000
    return report(await fan_out(servers), await fan_out(servers, gated=False))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the fan-out with the gate open"
    )
    args = parser.parse_args()
    gated = await fan_out(args.servers)
    report(gated, None if args.no_baseline else await fan_out(args.servers, gated=False))


if __name__ == "__main__":
    asyncio.run(main())

"""Memory: the bot process connected to 1,000 emulated servers, then a bounded soak.

    .venv/bin/python -m tests.bench.bench_memory [--guilds 1000] [--soak-minutes 10]

The bot runs as a real process (`python -m bot`) against the standalone emulator serving 1,000
servers. Baseline, measured in the same run: a bare discord.py client with the same intents
connected to the same servers (tests/bench/bare_client.py). Figures: RSS after connecting and
after traffic (goal < 120 MB), then a soak of mixed member traffic (commands, buttons,
autocomplete, exports, gateway reconnects, content reloads on SIGHUP) reporting the RSS slope,
the WAL file's size and open file descriptors, sampled every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from tests.bench.figures import BenchOptions, Figure
from tests.emulator.remote import PROJECT_ROOT, RemoteEmulator, standalone_emulator
from tests.process import bot_environment, start_bot

MB = 1024 * 1024
RSS_GOAL_MB = 120
LEARNERS = 4
SAMPLE_SECONDS = 5.0
WORKERS = 6
TOPICS = ("http", "sql", "flask", "functions", "orms", "django", "json-and-xml", "nosql")


def world_spec(guilds: int) -> dict[str, Any]:
    return {
        "guilds": [
            {
                "name": f"Server {g}",
                "channels": [{"name": "general"}, {"name": "news", "type": "announcement"}],
                "roles": [{"name": "Moderator", "permissions": ["manage_guild"]}],
                "members": [{"name": "mod", "roles": ["Moderator"]}]
                + [{"name": f"learner-{n}"} for n in range(LEARNERS)],
            }
            for g in range(guilds)
        ]
    }


# -- measuring a process ---------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MB


def tail(log: Path, characters: int = 3000) -> str:
    """The end of a process's log (small files: reading them does not hold the loop up)."""
    return log.read_text(errors="replace")[-characters:]


async def wait_for_line(log: Path, text: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 120
    while text not in tail(log, 1_000_000):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"no {text!r} in {log}:\n{tail(log)}")
        await asyncio.sleep(0.2)


async def settled_rss(pid: int, seconds: float = 3.0) -> float:
    """RSS once start-up garbage has had a moment to be collected: the median of a few reads."""
    samples = []
    for _ in range(int(seconds / 0.5)):
        await asyncio.sleep(0.5)
        samples.append(rss_mb(pid))
    return statistics.median(samples)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- traffic ---------------------------------------------------------------------------------------
@dataclass
class Traffic:
    """Counts of what members did and how often the bot failed to answer."""

    answered: int = 0
    unanswered: int = 0
    errors: list[str] = field(default_factory=list)


async def member_action(remote: RemoteEmulator, rng: random.Random, guilds: int) -> None:
    guild, member = f"Server {rng.randrange(guilds)}", f"learner-{rng.randrange(LEARNERS)}"
    roll = rng.random()
    if roll < 0.35:
        card = await remote.slash(guild, member, "roadmap next")
        buttons = [
            b["custom_id"]
            for row in (card["message"] or {}).get("components", [])
            for b in row["components"]
            if b.get("custom_id", "").startswith(("study:done:", "study:skip:"))
        ]
        if buttons:
            await remote.click(card["message"]["id"], rng.choice(buttons), member)
    elif roll < 0.5:
        await remote.slash(guild, member, "roadmap progress")
    elif roll < 0.6:
        await remote.autocomplete(guild, member, "roadmap done", "topic", rng.choice("fhsdjo"))
    elif roll < 0.7:
        await remote.slash(guild, member, rng.choice(["roadmap done", "roadmap reset"]),
                           {"topic": rng.choice(TOPICS)})  # fmt: skip
    elif roll < 0.78:
        await remote.slash(guild, member, "roadmap leaderboard")
    elif roll < 0.86:
        await remote.slash(guild, member, "roadmap stage", {"stage": str(rng.randint(1, 6))})
    elif roll < 0.92:
        await remote.slash(guild, member, "roadmap example", {"stage": str(rng.randint(1, 6))})
    elif roll < 0.97:
        await remote.slash(guild, member, "roadmap export")
    else:
        await remote.slash(guild, member, "roadmap settings", {"timezone": "Europe/Paris"})


async def traffic(
    remote: RemoteEmulator, guilds: int, seconds: float, counts: Traffic, seed: int
) -> None:
    """WORKERS members at a time, each pausing briefly between actions, for `seconds`."""
    deadline = time.monotonic() + seconds

    async def worker(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(0.05, 0.25))  # a member reads before acting again
            try:
                await member_action(remote, rng, guilds)
                counts.answered += 1
            except AssertionError as exc:  # the emulator: the bot did not answer in time
                counts.unanswered += 1
                counts.errors.append(str(exc)[:300])
            except (aiohttp.ClientError, ValueError) as exc:
                counts.errors.append(repr(exc)[:300])

    await asyncio.gather(*(worker(n) for n in range(WORKERS)))


# -- the soak --------------------------------------------------------------------------------------
@dataclass
class Sample:
    at: float  # minutes since the soak started
    rss: float  # MB
    wal: float  # MB
    database: float  # MB: the file and its WAL, the data SQLite's page cache follows
    fds: int


def size_mb(path: Path) -> float:
    return path.stat().st_size / MB if path.exists() else 0.0


def slope(samples: list[Sample]) -> float:
    """MB per minute, least squares over the samples after the first fifth (warm-up)."""
    kept = samples[len(samples) // 5 :]
    if len(kept) < 2:
        return 0.0
    return statistics.linear_regression([s.at for s in kept], [s.rss for s in kept]).slope


async def soak(
    remote: RemoteEmulator, bot: asyncio.subprocess.Process, database: Path, guilds: int,
    minutes: float,
) -> tuple[list[Sample], Traffic]:  # fmt: skip
    counts = Traffic()
    process = psutil.Process(bot.pid)
    wal = database.with_name(database.name + "-wal")
    samples: list[Sample] = []
    started = time.monotonic()
    load = asyncio.ensure_future(traffic(remote, guilds, minutes * 60, counts, seed=1))
    next_reconnect, next_reload = 60.0, 90.0
    while not load.done():
        elapsed = time.monotonic() - started
        samples.append(Sample(
            elapsed / 60, process.memory_info().rss / MB,
            size_mb(wal), size_mb(database) + size_mb(wal),
            process.num_fds(),
        ))  # fmt: skip
        if elapsed >= next_reconnect:  # Discord asks every bot to reconnect now and then
            await remote.gateway("reconnect")
            next_reconnect += 120
        if elapsed >= next_reload:  # an operator's SIGHUP: the content is reloaded
            bot.send_signal(signal.SIGHUP)
            next_reload += 180
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(load), SAMPLE_SECONDS)
    await load
    print(
        f"soak: {counts.answered:,} interactions answered, {counts.unanswered} unanswered, "
        f"{len(samples)} samples"
    )
    by_minute = {int(s.at): s.rss for s in samples}  # the last sample of each minute
    print("RSS by minute (MB): " + " ".join(f"{rss:.1f}" for rss in by_minute.values()))
    for error in counts.errors[:5]:
        print(f"  error: {error}")
    return samples, counts


# -- the whole benchmark ---------------------------------------------------------------------------
async def measure(guilds: int, soak_minutes: float, traffic_seconds: float) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        world = tmp / "world.json"
        world.write_text(json.dumps(world_spec(guilds)))
        max_seconds = 600 + soak_minutes * 60
        async with standalone_emulator(world_file=world, max_seconds=max_seconds) as remote:
            env = bot_environment(remote, tmp)
            # The baseline first: a bare client holding the same servers.
            bare_log = tmp / "bare.log"
            with bare_log.open("wb") as out:
                bare = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.bench.bare_client",
                    env=env, cwd=PROJECT_ROOT, stdout=out, stderr=out,
                )  # fmt: skip
            try:
                await wait_for_line(bare_log, f"READY {guilds}", bare)
                bare_rss = await settled_rss(bare.pid)
            finally:
                await stop(bare)
            print(f"bare discord.py client, {guilds:,} servers: RSS {bare_rss:.1f} MB")
            await remote.wait_until(lambda s: s["connected"] == 0, within=30, what="disconnect")

            log = tmp / "bot.log"
            bot = await start_bot(env, log)
            try:
                await wait_for_line(log, f"in {guilds} servers", bot)
                idle_rss = await settled_rss(bot.pid)
                print(f"Study Companion, {guilds:,} servers, connected: RSS {idle_rss:.1f} MB")
                counts = Traffic()
                await traffic(remote, guilds, traffic_seconds, counts, seed=0)
                busy_rss = await settled_rss(bot.pid)
                print(
                    f"Study Companion after {counts.answered:,} interactions in "
                    f"{traffic_seconds:g} s: RSS {busy_rss:.1f} MB"
                )
                samples, soaked = await soak(
                    remote, bot, Path(env["DATABASE_PATH"]), guilds, soak_minutes
                )
            finally:
                await stop(bot)
            if "Traceback" in tail(log, 10_000_000):
                print("the bot logged a traceback:\n" + tail(log))

    where = f"{guilds:,} servers"
    first, last = samples[0], samples[-1]
    growth = slope(samples)
    wal_max = max(s.wal for s in samples)
    soak_label = f"soak {soak_minutes:g} min"
    return [
        Figure(f"RSS of the bot connected to {where}", idle_rss, "MB", bare_rss,
               "bare discord.py client", f"< {RSS_GOAL_MB} MB", idle_rss < RSS_GOAL_MB),
        Figure(f"RSS after {counts.answered:,} interactions, {where}", busy_rss, "MB", bare_rss,
               "bare discord.py client", f"< {RSS_GOAL_MB} MB", busy_rss < RSS_GOAL_MB),
        Figure(f"{soak_label}: RSS growth after warm-up", growth, "MB/min", None, "",
               "< 0.5 MB/min", growth < 0.5),
        Figure(f"{soak_label}: RSS at the end", last.rss, "MB", first.rss, "at the start",
               f"< {RSS_GOAL_MB} MB", last.rss < RSS_GOAL_MB),
        Figure(f"{soak_label}: largest WAL file", wal_max, "MB", 1000 * 4096 / MB,
               "SQLite's auto-checkpoint size", "< 16 MB", wal_max < 16),
        Figure(f"{soak_label}: database (file + WAL) at the end", last.database, "MB",
               first.database, "at the start", "informative (the page cache follows it)"),
        Figure(f"{soak_label}: open file descriptors at the end", last.fds, "fds", first.fds,
               "at the start", "no growth", last.fds <= first.fds + 2),
        Figure(f"{soak_label}: interactions answered", soaked.answered, "", None, "",
               "none unanswered", soaked.unanswered == 0),
    ]  # fmt: skip


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    if options.quick:
        return await measure(200, min(options.soak_minutes, 1.0), 10)
    return await measure(1000, options.soak_minutes, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--traffic-seconds", type=float, default=30.0)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.guilds, args.soak_minutes, args.traffic_seconds))
    for figure in figures:
        print(f"{figure.figure}: {figure.value:.2f} {figure.unit} (goal {figure.goal})")


if __name__ == "__main__":
    main()

"""A crowd: 2,000 members pressing Done at the same moment, each on their own card.

    .venv/bin/python -m tests.bench.bench_presses [--members 2000]

The bot runs as a real process (`python -m bot`) against the standalone emulator in its own
process; every member first opens `/roadmap next` (not measured), then the emulator creates all
the Done presses in one loop turn (control API `click_many`) and records when each first
response arrived. Discord refuses a first response later than 3 s ("The application did not
respond"); the emulator here accepts late ones (its deadline is raised) so that they are timed.
Figures: how many came later than 3 s (goal 0), p50/p99/slowest time to first response, and
every press saved. Baseline, measured in the same run: a press alone, one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from tests.bench.figures import BenchOptions, Figure, percentile
from tests.emulator.remote import RemoteEmulator, standalone_emulator
from tests.process import bot_environment, start_bot, stop

GUILD = "Crowd"
DISCORD_DEADLINE = 3.0
ALONE = 20  # presses one at a time, for the baseline
OPENING_AT_ONCE = 50  # the setup's /roadmap next calls in flight at a time


def world_spec(members: int) -> dict[str, Any]:
    return {
        "guilds": [
            {
                "name": GUILD,
                "channels": [{"name": "general", "type": "text"}],
                "members": [{"name": f"member-{n}"} for n in range(members)],
            }
        ]
    }


def done_button(card: dict[str, Any]) -> str:
    return next(
        b["custom_id"]
        for row in card["message"]["components"]
        for b in row["components"]
        if b.get("custom_id", "").startswith("study:done:")
    )


#: `python -m bot` under cProfile: SIGUSR1 starts profiling (the event loop's thread, where
#: the signal's handler runs), SIGUSR2 stops it and writes the stats to BOT_PROFILE_OUT.
PROFILED_BOT = """
import cProfile, os, runpy, signal, sys, time
profile = cProfile.Profile(time.process_time)
def start(*_): profile.enable()
def dump(*_): profile.disable(); profile.dump_stats(os.environ["BOT_PROFILE_OUT"])
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, dump)
sys.argv = ["bot"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def start_profiled_bot(
    env: dict[str, str], log: Path, profile: Path
) -> asyncio.subprocess.Process:
    """The bot as start_bot starts it, under PROFILED_BOT."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", PROFILED_BOT, env={**env, "BOT_PROFILE_OUT": str(profile)},
            cwd=log.parent, stdout=out, stderr=out,
        )  # fmt: skip


def cpu_seconds(bot_pid: int) -> dict[str, float]:
    """CPU time so far of the bot (its event loop's thread, and its other threads: the store's
    writer and readers), of the emulator (this process's other child), and of this process:
    where a slow answer's time went."""
    me = psutil.Process()
    used = {"bot": 0.0, "bot loop": 0.0, "emulator": 0.0, "driver": sum(me.cpu_times()[:2])}
    for child in me.children():
        with contextlib.suppress(psutil.Error):
            if child.pid != bot_pid:
                used["emulator"] += sum(child.cpu_times()[:2])
                continue
            used["bot"] += sum(child.cpu_times()[:2])
            # On Linux the main thread's id is the process's.
            main = [t for t in child.threads() if t.id == bot_pid]
            used["bot loop"] += sum(t.user_time + t.system_time for t in main)
    return used


async def open_cards(remote: RemoteEmulator, names: list[str]) -> list[tuple[str, str, str]]:
    """Each member's card: (message id, Done's custom_id, member)."""
    clicks: list[tuple[str, str, str]] = []
    for start in range(0, len(names), OPENING_AT_ONCE):
        batch = names[start : start + OPENING_AT_ONCE]
        cards = await asyncio.gather(
            *(remote.slash(GUILD, name, "roadmap next", within=60) for name in batch)
        )
        clicks += [
            (card["message"]["id"], done_button(card), name)
            for card, name in zip(cards, batch, strict=True)
        ]
    return clicks


async def measure(members: int, profile: Path | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        world = tmp / "world.json"
        world.write_text(json.dumps(world_spec(members + ALONE)))
        # Late answers are accepted (and timed); the schema checks, which the test suites run,
        # would make the emulator the bottleneck here (ms per payload).
        extra = (
            "--interaction-deadline", "120", "--answer-timeout", "120", "--no-openapi-check",
        )  # fmt: skip
        async with standalone_emulator(
            world_file=world, max_seconds=900, extra_args=extra
        ) as remote:
            env = bot_environment(remote, tmp)
            log = tmp / "bot.log"
            if profile is None:
                bot = await start_bot(env, log)
            else:
                bot = await start_profiled_bot(env, log, profile)
            try:
                await remote.wait_until(lambda s: s["connected"] == 1, within=60, what="connect")
                alone_names = [f"member-{members + n}" for n in range(ALONE)]
                crowd_names = [f"member-{n}" for n in range(members)]
                started = time.perf_counter()
                alone_clicks = await open_cards(remote, alone_names)
                crowd_clicks = await open_cards(remote, crowd_names)
                print(f"{members + ALONE:,} cards opened in {time.perf_counter() - started:.1f} s")
                alone: list[float] = []
                for click in alone_clicks:
                    (timing,) = await remote.click_many([click], within=60)
                    alone.append(timing["first_response_seconds"])
                started = time.perf_counter()
                if profile is not None:
                    bot.send_signal(signal.SIGUSR1)
                before = cpu_seconds(bot.pid)
                timings = await remote.click_many(crowd_clicks, within=120)
                elapsed = time.perf_counter() - started
                used = {name: cpu_seconds(bot.pid)[name] - before[name] for name in before}
                if profile is not None:
                    bot.send_signal(signal.SIGUSR2)
                    await asyncio.sleep(2)  # the stats are written
                print(
                    f"{members:,} presses answered in {elapsed:.1f} s; CPU seconds meanwhile: "
                    + ", ".join(f"{name} {value:.2f}" for name, value in used.items())
                    + f"; the bot's CPU a press {used['bot'] / members * 1000:.2f} ms "
                    + f"(event loop {used['bot loop'] / members * 1000:.2f} ms); load average "
                    + " ".join(f"{load:.1f}" for load in psutil.getloadavg())
                )
            finally:
                await stop(bot, within=60)
            database = Path(env["DATABASE_PATH"])
            with sqlite3.connect(database) as conn:
                done = conn.execute(
                    "SELECT COUNT(DISTINCT user_id) FROM progress WHERE status = 'done'"
                ).fetchone()[0]
            conn.close()
            if "Traceback" in log.read_text(errors="replace"):
                print("the bot logged a traceback:\n" + log.read_text(errors="replace")[-3000:])

    seconds = [t["first_response_seconds"] for t in timings]
    unanswered = [t for t in timings if t["first_response_seconds"] is None]
    answered = sorted(s for s in seconds if s is not None)
    late = sum(1 for s in answered if s > DISCORD_DEADLINE) + len(unanswered)
    confirmed = sum(1 for t in timings if "** done." in t.get("text", ""))
    for problem in unanswered[:3]:
        print(f"  unanswered: {problem.get('error')}")
    alone_p50 = statistics.median(alone)
    p50, p99 = percentile(answered, 0.5), percentile(answered, 0.99)
    print(
        f"first response: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, slowest "
        f"{answered[-1] * 1000:.0f} ms; {late} later than 3 s; {confirmed} said done; "
        f"{done} done in the database; alone p50 {alone_p50 * 1000:.1f} ms"
    )
    crowd = f"{members:,} members pressing Done at once"
    return [
        Figure(f"{crowd}: first responses later than 3 s", late, "", None, "",
               "0", late == 0),
        Figure(f"{crowd}: time to first response, p99", p99 * 1000, "ms", alone_p50 * 1000,
               "one press alone, p50", "< 3,000 ms", p99 < DISCORD_DEADLINE),
        Figure(f"{crowd}: time to first response, p50", p50 * 1000, "ms", alone_p50 * 1000,
               "one press alone, p50"),
        Figure(f"{crowd}: presses saved", done - ALONE, "", members, "presses",
               "every press", done - ALONE == members),
    ]  # fmt: skip


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    return await measure(200 if options.quick else 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--profile", type=Path, help="write the bot's cProfile stats here")
    args = parser.parse_args()
    profile = args.profile.resolve() if args.profile else None
    for figure in asyncio.run(measure(args.members, profile)):
        print(f"{figure.figure}: {figure.value:.1f} {figure.unit} (goal {figure.goal})")


if __name__ == "__main__":
    main()

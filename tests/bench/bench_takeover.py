"""Take-over: from `kill -9` of a slot's process to its shards ready on the spare.

    .venv/bin/python -m tests.bench.bench_takeover [--runs 2]

The cluster of tests/e2e/test_cluster.py (two slots and a spare on PostgreSQL, the REST proxy,
the emulator with Discord's identify interval shortened as there), run `--runs` times: slot 1
is killed once Discord stored its first post of a fan-out, and the spare takes its lease,
logs in, identifies its two shards and reports them ready on its health check. Every send
still goes out exactly once (checked, as in the test). The figure is the slowest take-over of
the runs (goal <= 10 s), against the same run's cold start of the two slots (both processes
from nothing to their shards ready): a take-over is a start with the lease wait removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

from tests.bench.bench_cluster import postgres_database
from tests.bench.figures import BenchOptions, Figure
from tests.e2e.test_cluster import (
    cluster_of,
    cluster_world,
    kill_mid_fan_out,
    posts,
    print_phases,
    wait_delivered,
)

TAKE_OVER = "take-over: kill -> slot 1's shards ready on the spare"
COLD_START = "start: 2 slots ready (4 shards), the spare waiting"


async def one_run(number: int) -> dict[str, float]:
    world, servers = cluster_world()
    with tempfile.TemporaryDirectory(prefix="bench-takeover-") as folder:
        async with contextlib.AsyncExitStack() as stack:
            url = await stack.enter_async_context(postgres_database())
            cluster = await stack.enter_async_context(
                cluster_of(world, url, Path(folder), proxy=True)
            )
            phases = await kill_mid_fan_out(cluster, servers)
            await wait_delivered(cluster, servers, within=40)
            await asyncio.sleep(1.0)  # time for a double to show
            doubled = [s for s in servers if posts(cluster.emulator, s) != 1]
            assert not doubled, f"{len(doubled)} servers did not get exactly one post"
    print_phases(f"run {number}:", phases)
    return phases


async def takeovers(runs: int) -> list[Figure]:
    results = []
    for number in range(1, runs + 1):
        started = time.monotonic()
        results.append(await one_run(number))
        print(f"run {number} took {time.monotonic() - started:.0f} s")
    worst = max(r[TAKE_OVER] for r in results)
    cold = max(r[COLD_START] for r in results)
    print(f"\ntake-over (slowest of {runs}): {worst:.2f} s; cold start of two slots {cold:.2f} s")
    return [
        Figure(
            f"take-over after kill -9, slowest of {runs} runs", worst, "s", cold,
            "cold start of two slots, same runs", "<= 10 s", worst <= 10,
        ),
    ]  # fmt: skip


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    return await takeovers(1 if options.quick else 2)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    await takeovers(args.runs)


if __name__ == "__main__":
    asyncio.run(main())

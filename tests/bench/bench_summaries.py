"""Whole-server answers from the summary tables against today's queries, in the same run.

    .venv/bin/python -m tests.bench.bench_summaries [--members N] [--keep PATH]

On bench_store's server (100,000 members x 20 topics, two months of completions): the month,
week and all-time leaderboards and the moderators' stats, first by the queries over every row
(`LeaderboardService(summaries=False)`), then from the summaries: the first answer (which builds
the server's rows, as after the upgrade or a content change) and then many, each for another
caller. Then marks per second with 200 members at once, without and with the summaries kept up
to date by each mark (the same marks; without comes first, so the summaries are built after
it), the writer's time for a mark's summary statements, and a check that the answers still
equal today's queries after all those marks. Goal: p99 < 50 ms at 100,000 members.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

import bot.store.progress as progress_store
from bot.services.clock import SystemClock
from bot.services.leaderboard import LeaderboardService
from bot.services.progress import StudyService
from bot.store.codec import encode_time
from bot.store.database import Database
from bot.store.summaries import refresh_member
from tests.bench.bench_store import FIRST_USER, GUILD, ROADMAP, build, pct, row, timed
from tests.bench.figures import BenchOptions, Figure

GOAL_MS = 50.0
PERIODS = ("month", "week", "all")


async def marks_per_second(
    study: StudyService, members: int, marks: int, concurrency: int, seed: int
) -> tuple[float, float]:
    """(marks per second, process CPU ms per mark) for `marks` marks by `concurrency` members
    at once, each a random topic of a random member, done or skipped."""
    rng = random.Random(seed)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(marks):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            user = FIRST_USER + rng.randrange(members)
            topic = ROADMAP.topics[rng.randrange(len(ROADMAP.topics))].id
            await study.mark(GUILD, user, ROADMAP, topic, rng.choice(("done", "skipped")))

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return marks / elapsed, (time.process_time() - cpu_started) * 1000 / marks


def _read_rows_many(conn: Connection, users: list[int]) -> float:
    """Microseconds per member of a mark's own first statement (its read of the member's rows),
    the yardstick of `_refresh_many` on the same connection in the same run."""
    started = time.perf_counter()
    for user in users:
        progress_store._rows(conn, GUILD, user, ROADMAP.id)
    return (time.perf_counter() - started) * 1e6 / len(users)


def _refresh_many(conn: Connection, users: list[int]) -> float:
    """Microseconds per member of a mark's summary statements (a Done's: both), on the writer."""
    now = encode_time(datetime.now(UTC))  # the periods a completion now counts in
    started = time.perf_counter()
    for user in users:
        refresh_member(conn, GUILD, user, ROADMAP.id, completion_at=now)
    return (time.perf_counter() - started) * 1e6 / len(users)


async def measure(
    path: Path, members: int, calls: int, marks: int, concurrency: int
) -> list[Figure]:
    figures: list[Figure] = []
    rng = random.Random(3)
    callers = [FIRST_USER + rng.randrange(members) for _ in range(calls)]
    print(f"{'':<44} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    async with await Database.open(path) as db:
        clock = SystemClock()
        study = StudyService(db, clock)
        today = LeaderboardService(db, clock, summaries=False)
        summaries = LeaderboardService(db, clock)

        # Marks without the summaries' statements first: nothing is built yet, and the rows
        # they change are counted by the build that follows.
        kept = progress_store.refresh_member
        progress_store.refresh_member = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            # A first round warms the page cache, so both measured rounds start warm.
            await marks_per_second(study, members, marks // 4, concurrency, seed=4)
            rate_without, cpu_without = await marks_per_second(
                study, members, marks, concurrency, seed=5
            )
        finally:
            progress_store.refresh_member = kept
        print(f"marks/s, {concurrency} at once, no summaries: {rate_without:,.0f}", end=" ")
        print(f"({cpu_without:.3f} ms CPU a mark)")

        def board(service: LeaderboardService, period: str) -> Callable[[int], Awaitable[Any]]:
            async def call(i: int) -> Any:
                return await service.leaderboard(GUILD, ROADMAP, period, callers[i])

            return call

        async def stats_of(service: LeaderboardService) -> Any:
            return await service.server_stats(GUILD, ROADMAP)

        before: dict[str, list[float]] = {}
        for period in PERIODS:
            before[period] = await timed(3, board(today, period))
            print(row(f"today's query: leaderboard {period}", before[period]))
        before["stats"] = await timed(3, lambda i: stats_of(today))
        print(row("today's query: moderator stats", before["stats"]))

        first: dict[str, list[float]] = {}
        first["stats"] = await timed(1, lambda i: stats_of(summaries))  # builds, keeps the week
        for period in PERIODS:
            first[period] = await timed(1, board(summaries, period))
        for name, samples in first.items():
            print(row(f"summaries, first answer ({name}: builds)", samples))

        after: dict[str, list[float]] = {}
        for period in PERIODS:
            after[period] = await timed(calls, board(summaries, period))
        after["stats"] = await timed(calls, lambda i: stats_of(summaries))
        for name in (*PERIODS, "stats"):
            samples = after[name]
            verdict = "goal < 50 ms: " + ("met" if pct(samples, 0.99) < GOAL_MS else "MISSED")
            label = "moderator stats" if name == "stats" else f"leaderboard {name}"
            print(row(f"summaries: {label}", samples, verdict))
            figures.append(Figure(
                f"{label} from the summaries, {members:,} members, p99",
                pct(samples, 0.99), "ms", statistics.median(before[name]),
                "today's query, median", "< 50 ms", pct(samples, 0.99) < GOAL_MS,
            ))  # fmt: skip
        figures.append(Figure(
            f"first whole-server answer after the upgrade or a content change, {members:,} members",
            first["stats"][0], "ms", statistics.median(before["stats"]),
            "today's stats query, median",
        ))  # fmt: skip

        rate_with, cpu_with = await marks_per_second(study, members, marks, concurrency, seed=5)
        print(f"marks/s, {concurrency} at once, summaries kept: {rate_with:,.0f}", end=" ")
        print(f"({cpu_with:.3f} ms CPU a mark)")
        figures.append(Figure(
            f"marks per second, {concurrency} members at once, summaries kept up to date",
            rate_with, "/s", rate_without, "same marks without the summaries", ">= 2,000 /s",
            rate_with >= 2000,
        ))  # fmt: skip
        sample = [FIRST_USER + rng.randrange(members) for _ in range(2000)]
        per_member = await db.write(_refresh_many, sample)
        yardstick = await db.write(_read_rows_many, sample)
        print(f"a Done's summary statements on the writer: {per_member:.1f} us"
              f" (the mark's read of the member's rows: {yardstick:.1f} us)")  # fmt: skip
        figures.append(Figure(
            "writer time of a Done's two summary statements", per_member, "us", yardstick,
            "the mark's read of the member's rows",
        ))  # fmt: skip

        # Exact after all those marks: the summaries answer as today's queries.
        for period in PERIODS:
            for caller in callers[:5]:
                got = await summaries.leaderboard(GUILD, ROADMAP, period, caller)
                assert got == await today.leaderboard(GUILD, ROADMAP, period, caller), period
        assert await stats_of(summaries) == await stats_of(today)
        print("answers equal today's queries after the marks: yes")
        assert await db.integrity_check() == "ok"
    return figures


async def build_and_measure(
    members: int, calls: int, marks: int, concurrency: int, keep: Path | None = None
) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.sqlite3"
        if not path.exists():
            async with await Database.open(path):
                pass  # creates the file and applies the real migrations
            seconds = build(path, members)
            print(f"built {members:,} members x {len(ROADMAP.topics)} topics in {seconds:.1f} s")
        return await measure(path, members, calls, marks, concurrency)


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    if options.quick:
        return await build_and_measure(10_000, 100, 2000, 100)
    return await build_and_measure(100_000, 300, 20_000, 200)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--marks", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    await build_and_measure(args.members, args.calls, args.marks, args.concurrency, args.keep)


if __name__ == "__main__":
    asyncio.run(main())

"""Whole-server answers from the summary tables against today's queries, in the same run.

    .venv/bin/python -m tests.bench.bench_summaries [--members N] [--keep PATH]

On bench_store's server (100,000 members x 20 topics, two months of completions): the month,
week and all-time leaderboards and the moderators' stats, first by the queries over every row
(`LeaderboardService(summaries=False)`), then from the summaries, many, each for another caller.
Goal: p99 < 50 ms at 100,000 members.

The first answer after the upgrade and after a content change (its fingerprint changed: all the
server's rows are built again), both ways in the same run: before, the build inside the
moderator's call, as one write holding the writer throughout (`build_in_one_write`); now, the
answer from the full queries on a reader (goal < 1.5 s) and the build in the background in short
writes (goal: none longer than ~50 ms), with 200 members marking all along: marks per second
during the build against the same marks with no build.

Then marks per second with 200 members at once, without and with the summaries kept up to date
by each mark (the same marks; without comes first, so the summaries are built after it), the
writer's time for a mark's summary statements, and a check that the answers still equal today's
queries after all those marks.
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
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import SystemClock
from bot.services.leaderboard import LeaderboardService, every_kept_period, summary_content
from bot.services.progress import StudyService
from bot.services.timezones import zone_or_utc
from bot.store.codec import encode_time
from bot.store.database import Database
from bot.store.summaries import SummaryRepository, refresh_member
from tests.bench.bench_store import FIRST_USER, GUILD, ROADMAP, build, pct, row, timed
from tests.bench.figures import BenchOptions, Figure

GOAL_MS = 50.0
PERIODS = ("month", "week", "all")
#: The first answer while the rows are built: the full queries' time.
FIRST_ANSWER_GOAL_MS = 1500.0
#: The longest single write of a background build.
BUILD_WRITE_GOAL_MS = 50.0


def _moved(roadmap: Roadmap) -> Roadmap:
    """`roadmap` after a reload that renamed its last topic (the old id's progress counts for
    the new one): another fingerprint, so every row of the server is built again."""
    *stages, last = roadmap.stages
    *topics, final = last.topics
    renamed = Topic(id=f"{final.id}-v2", title=final.title, summary="-", replaces=(final.id,))
    moved = Stage(id=last.id, title=last.title, summary="-", topics=(*topics, renamed))
    return Roadmap(id=roadmap.id, title=roadmap.title, summary="-", stages=(*stages, moved))


async def marks_while(
    study: StudyService, members: int, concurrency: int, busy: Callable[[], bool], seed: int
) -> tuple[int, float]:
    """(marks, seconds) of `concurrency` members marking random topics while `busy()`."""
    rng = random.Random(seed)
    count = 0

    async def worker() -> None:
        nonlocal count
        while busy():
            user = FIRST_USER + rng.randrange(members)
            topic = ROADMAP.topics[rng.randrange(len(ROADMAP.topics))].id
            await study.mark(GUILD, user, ROADMAP, topic, rng.choice(("done", "skipped")))
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count, time.perf_counter() - started


async def answers_while(
    service: LeaderboardService, callers: list[int], busy: Callable[[], bool]
) -> list[float]:
    """Milliseconds of month leaderboards asked while `busy()`: ten, two seconds apart (a
    moderator now and then, not a second load beside the marks measured meanwhile)."""
    samples: list[float] = []
    while busy() and len(samples) < 10:
        started = time.perf_counter()
        await service.leaderboard(GUILD, ROADMAP, "month", callers[len(samples) % len(callers)])
        samples.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(2.0)
    return samples


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

        # Before: the first answer built the rows inside the moderator's call, in one write.
        repository = SummaryRepository(db)
        keep = every_kept_period(clock.now(), zone_or_utc(None))
        moved = _moved(ROADMAP)
        old: dict[str, float] = {}
        for label, content in (("the upgrade", ROADMAP), ("a content change", moved)):
            started = time.perf_counter()
            await repository.build_in_one_write(GUILD, summary_content(content), keep)
            await summaries.leaderboard(GUILD, content, "all", callers[0])
            old[label] = (time.perf_counter() - started) * 1000
            print(f"before: first answer after {label} (builds in the call): {old[label]:,.0f} ms")
        # Now (the content changed back): the answer from the full queries, the build behind.
        started = time.perf_counter()
        await summaries.leaderboard(GUILD, ROADMAP, "all", callers[0])
        first_wait = (time.perf_counter() - started) * 1000
        building = summaries.builds
        print(f"now: first answer after a content change: {first_wait:,.0f} ms", end=" ")
        print(f"(build under way: {'yes' if building.busy else 'NO'})")
        (marked, marking), during = await asyncio.gather(
            marks_while(study, members, concurrency, lambda: building.busy, seed=6),
            answers_while(summaries, callers, lambda: building.busy),
        )
        await building.idle()
        report = building.last
        assert report is not None and report.finished, report
        writes = sorted(report.write_seconds)
        longest = writes[-1] * 1000
        print(
            f"background build: {report.seconds:.1f} s, {report.writes} writes, median"
            f" {statistics.median(writes) * 1000:.1f} ms, p99 {pct(writes, 0.99) * 1000:.1f} ms,"
            f" longest {longest:.1f} ms (goal <= {BUILD_WRITE_GOAL_MS:.0f} ms)"
        )
        rate_during = marked / marking
        print(f"marks/s, {concurrency} at once, during the build: {rate_during:,.0f}")
        if during:
            print(row("leaderboard month during the build (full queries)", during))
        figures.append(Figure(
            f"first leaderboard after a content change, {members:,} members: the moderator's wait",
            first_wait, "ms", old["a content change"], "the build inside the call (before)",
            f"< {FIRST_ANSWER_GOAL_MS:,.0f} ms", first_wait < FIRST_ANSWER_GOAL_MS,
        ))  # fmt: skip
        figures.append(Figure(
            f"longest single write of the background build, {members:,} members",
            longest, "ms", old["a content change"], "the one write of the build before",
            f"<= {BUILD_WRITE_GOAL_MS:.0f} ms", longest <= BUILD_WRITE_GOAL_MS,
        ))  # fmt: skip

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

        rate_with, cpu_with = await marks_per_second(study, members, marks, concurrency, seed=5)
        print(f"marks/s, {concurrency} at once, summaries kept: {rate_with:,.0f}", end=" ")
        print(f"({cpu_with:.3f} ms CPU a mark)")
        figures.append(Figure(
            f"marks per second, {concurrency} members at once, summaries kept up to date",
            rate_with, "/s", rate_without, "same marks without the summaries", ">= 2,000 /s",
            rate_with >= 2000,
        ))  # fmt: skip
        figures.append(Figure(
            f"marks per second, {concurrency} members at once, during a background build",
            rate_during, "/s", rate_with, "the same marks, no build",
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

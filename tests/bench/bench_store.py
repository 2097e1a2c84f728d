"""Store benchmark: next topic and marks on a server of 100,000 members x 20 topics.

    .venv/bin/python -m tests.bench.bench_store [--members N] [--keep PATH]

Builds the database (executemany in big transactions), then measures, in the same run, a bare
aiosqlite point query (the floor any read pays), `StudyService.next_topic` per call, marks per
second sustained under concurrency (with the server's summary rows built first, as a running
bot has them, so each mark keeps them up to date), and the server-wide queries. Goals: next
topic p99 < 2 ms, >= 2,000 marks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import SystemClock
from bot.services.leaderboard import LeaderboardService
from bot.services.progress import StudyService
from bot.store.codec import encode_time
from bot.store.database import Database
from tests.bench.figures import BenchOptions, Figure

GUILD = 123_456_789_012_345_678
FIRST_USER = 300_000_000_000_000_000
TOPICS_PER_STAGE = 5
STAGES = 4
ROADMAP = Roadmap(
    id="python-backend",
    title="Python backend",
    summary="Bench roadmap.",
    stages=tuple(
        Stage(
            id=f"stage-{s}",
            title=f"Stage {s}",
            summary="-",
            topics=tuple(
                Topic(id=f"topic-{s}-{t}", title=f"Topic {s}.{t}", summary="-")
                for t in range(TOPICS_PER_STAGE)
            ),
        )
        for s in range(STAGES)
    ),
)


def build(path: Path, members: int) -> float:
    """Fill the migrated database at `path`; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(1)
    topic_ids = [t.id for t in ROADMAP.topics]
    now = datetime.now(UTC)
    # A pool of moments over the last 60 days: encoding two million timestamps one by one
    # would dominate the build.
    moments = [now - timedelta(seconds=rng.randint(0, 60 * 86_400)) for _ in range(10_000)]
    pool = [(encode_time(m), m.date().isoformat()) for m in moments]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # building only; the bot runs with NORMAL
    batch: list[tuple] = []
    log: list[tuple] = []
    for index in range(members):
        user = FIRST_USER + index
        reached = rng.randint(0, len(topic_ids))
        for position, topic in enumerate(topic_ids):
            at, day = pool[rng.randrange(len(pool))]
            if position < reached:
                status = "skipped" if rng.random() < 0.1 else "done"
            else:
                status = "in_progress"
            batch.append(
                (GUILD, user, ROADMAP.id, topic, status, at, at, at if status == "done" else None)
            )
            if status == "done":
                log.append((GUILD, user, ROADMAP.id, topic, at, day))
        if len(batch) >= 200_000 or index == members - 1:
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO progress (guild_id, user_id, roadmap_id, topic_id, status,"
                " started_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
            conn.executemany(
                "INSERT INTO completions (guild_id, user_id, roadmap_id, topic_id,"
                " completed_at, local_date) VALUES (?, ?, ?, ?, ?, ?)",
                log,
            )
            conn.execute("COMMIT")
            batch, log = [], []
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


async def timed(calls: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """Milliseconds per call, one call after another."""
    samples = []
    for index in range(calls):
        started = time.perf_counter()
        await call(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(name: str, samples: list[float], note: str = "") -> str:
    return (
        f"{name:<34} {pct(samples, 0.5):>8.3f} {pct(samples, 0.99):>8.3f}"
        f" {statistics.fmean(samples):>8.3f}  {note}"
    )


async def measure(
    path: Path, members: int, calls: int, marks: int, concurrency: int
) -> list[Figure]:
    """Measure, print the rows, and return the headline figures."""
    figures: list[Figure] = []
    rng = random.Random(2)
    users = [FIRST_USER + rng.randrange(members) for _ in range(calls)]
    print(f"{'':<34} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")

    async with aiosqlite.connect(path, isolation_level=None) as bare:
        query = (
            "SELECT status FROM progress"
            " WHERE guild_id = ? AND user_id = ? AND roadmap_id = ? AND topic_id = ?"
        )

        async def point(i: int) -> object:
            return await bare.execute_fetchall(query, (GUILD, users[i], ROADMAP.id, "topic-0-0"))

        await timed(200, point)  # warm the page cache
        baseline = await timed(calls, point)
        print(row("baseline: bare aiosqlite point query", baseline))

    async with await Database.open(path) as db:
        study = StudyService(db, SystemClock())

        async def next_topic(i: int) -> object:
            return await study.next_topic(GUILD, users[i], ROADMAP)

        await timed(200, next_topic)
        nexts = await timed(calls, next_topic)
        verdict = "goal < 2 ms: " + ("met" if pct(nexts, 0.99) < 2 else "MISSED")
        print(row("next_topic (service, per call)", nexts, verdict))
        figures.append(Figure(
            f"next topic from the store, {members:,} members, p99", pct(nexts, 0.99), "ms",
            pct(baseline, 0.99), "bare aiosqlite point query", "< 2 ms", pct(nexts, 0.99) < 2,
        ))  # fmt: skip

        # A running bot builds a server's summary rows at its start (SummaryUpkeep), and every
        # mark keeps them up to date: marks are measured with them built, as in production.
        boards = LeaderboardService(db, SystemClock())
        started = time.perf_counter()
        for period in ("all", "month", "week"):
            await boards.leaderboard(GUILD, ROADMAP, period, FIRST_USER)
        await boards.builds.idle()
        print(f"summary rows built in the background in {time.perf_counter() - started:.1f} s")

        async def one_mark(i: int) -> object:
            user = FIRST_USER + rng.randrange(members)
            topic = ROADMAP.topics[rng.randrange(len(ROADMAP.topics))].id
            return await study.mark(GUILD, user, ROADMAP, topic, rng.choice(("done", "skipped")))

        sequential = await timed(min(calls, 2000), one_mark)
        print(
            row("mark, one at a time", sequential, f"{1000 / statistics.fmean(sequential):,.0f}/s")
        )

        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(marks):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                await one_mark(i)
                latencies.append((time.perf_counter() - started) * 1000)

        commits_before = db.commits
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu_ms = (time.process_time() - cpu_started) * 1000 / marks
        rate = marks / elapsed
        per_commit = marks / max(1, db.commits - commits_before)
        verdict = (
            f"{rate:,.0f} marks/s, {per_commit:.0f}/commit, {cpu_ms:.3f} ms CPU/mark;"
            " goal >= 2,000/s: " + ("met" if rate >= 2000 else "MISSED")
        )
        print(row(f"mark, {concurrency} concurrent", latencies, verdict))
        figures.append(Figure(
            f"marks per second, {concurrency} members at once", rate, "/s",
            1000 / statistics.fmean(sequential), "one at a time", ">= 2,000 /s", rate >= 2000,
        ))  # fmt: skip

        for period in ("all", "month", "week"):

            async def board(i: int, period: str = period) -> object:
                return await boards.leaderboard(GUILD, ROADMAP, period, users[i])

            print(row(f"leaderboard {period}", await timed(3, board), "(whole server)"))
        await boards.builds.idle()  # none asked for: the marks kept the rows up to date

        async def stats(i: int) -> object:
            return await boards.server_stats(GUILD, ROADMAP)

        server_stats = await timed(3, stats)
        print(row("moderator stats", server_stats, "(whole server)"))
        # The same answer from the full queries over the server's rows (no `INDEXED BY`), which
        # is what the stats ran before the summaries: the "no slower than 1.2x".
        full = LeaderboardService(db, SystemClock(), summaries=False)

        async def full_stats(i: int) -> object:
            return await full.server_stats(GUILD, ROADMAP)

        full_queries = await timed(3, full_stats)
        assert await stats(0) == await full_stats(0), "the summaries answer differently"
        print(row("moderator stats, full queries", full_queries, "(the same answer)"))
        value, baseline = statistics.median(server_stats), statistics.median(full_queries)
        figures.append(Figure(
            f"moderator stats over {members:,} members (whole server)", value, "ms",
            baseline, "the full queries, no INDEXED BY", "<= 1.2x baseline",
            value <= 1.2 * baseline,
        ))  # fmt: skip
        assert await db.integrity_check() == "ok"
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--marks", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    await build_and_measure(args.members, args.calls, args.marks, args.concurrency, args.keep)


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    if options.quick:
        return await build_and_measure(10_000, 1000, 2000, 100)
    return await build_and_measure(100_000, 5000, 20_000, 200)


async def build_and_measure(
    members: int, calls: int, marks: int, concurrency: int, keep: Path | None = None
) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.sqlite3"
        if not path.exists():
            async with await Database.open(path):
                pass  # creates the file and applies the real migrations
            seconds = build(path, members)
            print(
                f"built {members:,} members x {len(ROADMAP.topics)} topics"
                f" in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)"
            )
        return await measure(path, members, calls, marks, concurrency)


if __name__ == "__main__":
    asyncio.run(main())

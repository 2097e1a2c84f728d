"""What a point read costs through the store, against raw drivers in the same run.

    .venv/bin/python -m tests.bench.bench_point_read [--quick]

One progress row by its primary key, read N times one after another (no concurrency, so each
figure is the cost of one statement, the hop to the reader thread included):
- raw `sqlite3` on the loop's thread (the floor: no thread hop, no SQLAlchemy);
- SQLAlchemy Core on a sync connection, same thread (what SQLAlchemy adds per statement);
- raw `aiosqlite` (what the readers were before the port: a thread hop per statement);
- `Database.read` with the same Core statement (the readers now: Core on a reader thread);
- `Database.read` with it as `bot.store.dialect.Prepared` (compiled once, the driver's cursor).
The goal holds the store to raw aiosqlite plus 0.1 ms at the median.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import aiosqlite
from sqlalchemy import Connection, and_, bindparam, insert, select

from bot.store.database import Database
from bot.store.dialect import Prepared, sqlite_engine
from bot.store.schema import progress
from tests.bench.figures import BenchOptions, Figure, percentile

GUILD, USER, ROADMAP = 1, 2, "python-backend"
ROW_SQL = (
    "SELECT topic_id, status, started_at, updated_at, completed_at FROM progress"
    " WHERE guild_id = ? AND user_id = ? AND roadmap_id = ? AND topic_id = ?"
)
ROW = select(
    progress.c.topic_id,
    progress.c.status,
    progress.c.started_at,
    progress.c.updated_at,
    progress.c.completed_at,
).where(
    and_(
        progress.c.guild_id == GUILD,
        progress.c.user_id == USER,
        progress.c.roadmap_id == ROADMAP,
        progress.c.topic_id == "topic-7",
    )
)
NOW = "2026-12-01T09:30:00.000000Z"


def _seed(conn: Connection) -> None:
    conn.execute(
        insert(progress),
        [
            {
                "guild_id": GUILD,
                "user_id": USER,
                "roadmap_id": ROADMAP,
                "topic_id": f"topic-{n}",
                "status": "done",
                "started_at": NOW,
                "updated_at": NOW,
                "completed_at": NOW,
            }
            for n in range(30)
        ],
    )


PREPARED_ROW = Prepared(
    select(
        progress.c.topic_id,
        progress.c.status,
        progress.c.started_at,
        progress.c.updated_at,
        progress.c.completed_at,
    ).where(
        and_(
            progress.c.guild_id == bindparam("guild_id"),
            progress.c.user_id == bindparam("user_id"),
            progress.c.roadmap_id == bindparam("roadmap_id"),
            progress.c.topic_id == bindparam("topic_id"),
        )
    )
)


def _read_row(conn: Connection) -> tuple[object, ...] | None:
    row = conn.execute(ROW).first()
    return None if row is None else tuple(row)


def _read_prepared(conn: Connection) -> tuple[object, ...] | None:
    rows = PREPARED_ROW.rows(
        conn, guild_id=GUILD, user_id=USER, roadmap_id=ROADMAP, topic_id="topic-7"
    )
    return rows[0] if rows else None


def _micros(samples: list[float]) -> tuple[float, float]:
    return percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6


async def measure(path: Path, reads: int) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    async with await Database.open(path) as db:
        await db.write(_seed)
        params = (GUILD, USER, ROADMAP, "topic-7")

        raw = sqlite3.connect(path)
        samples = []
        for _ in range(reads):
            started = time.perf_counter()
            raw.execute(ROW_SQL, params).fetchone()
            samples.append(time.perf_counter() - started)
        raw.close()
        results["raw sqlite3, same thread"] = _micros(samples)

        engine = sqlite_engine(path, begin_immediate=False)
        with engine.connect() as opened:
            conn = opened.execution_options(isolation_level="AUTOCOMMIT")
            samples = []
            for _ in range(reads):
                started = time.perf_counter()
                _read_row(conn)
                samples.append(time.perf_counter() - started)
        engine.dispose()
        results["SQLAlchemy Core, sync, same thread"] = _micros(samples)

        async with aiosqlite.connect(path) as bare:
            samples = []
            for _ in range(reads):
                started = time.perf_counter()
                await bare.execute_fetchall(ROW_SQL, params)
                samples.append(time.perf_counter() - started)
        results["raw aiosqlite"] = _micros(samples)

        samples = []
        for _ in range(reads):
            started = time.perf_counter()
            await db.read(_read_row)
            samples.append(time.perf_counter() - started)
        results["Database.read (Core on a reader thread)"] = _micros(samples)

        samples = []
        for _ in range(reads):
            started = time.perf_counter()
            await db.read(_read_prepared)
            samples.append(time.perf_counter() - started)
        results["Database.read (Prepared on a reader thread)"] = _micros(samples)
    return results


async def run(options: BenchOptions) -> list[Figure]:
    reads = 2_000 if options.quick else 20_000
    with tempfile.TemporaryDirectory() as folder:
        results = await measure(Path(folder) / "bench.sqlite3", reads)
    print(f"{reads:,} point reads of one progress row, one after another:")
    for name, (p50, p99) in results.items():
        print(f"  {name:46s} p50 {p50:7.1f} us   p99 {p99:7.1f} us")
    store_p50 = results["Database.read (Core on a reader thread)"][0]
    prepared_p50 = results["Database.read (Prepared on a reader thread)"][0]
    bare_p50 = results["raw aiosqlite"][0]
    return [
        Figure(
            "point read through the store, Prepared, p50",
            prepared_p50 / 1000,
            "ms",
            baseline=bare_p50 / 1000,
            baseline_label="raw aiosqlite",
            goal="<= raw aiosqlite + 0.05 ms",
            met=prepared_p50 <= bare_p50 + 50,
        ),
        Figure(
            "point read through the store, p50",
            store_p50 / 1000,
            "ms",
            baseline=bare_p50 / 1000,
            baseline_label="raw aiosqlite",
            goal="<= raw aiosqlite + 0.1 ms",
            met=store_p50 <= bare_p50 + 100,
        ),
    ]


def main() -> None:
    figures = asyncio.run(run(BenchOptions(quick="--quick" in sys.argv)))
    for figure in figures:
        print(figure)


if __name__ == "__main__":
    main()

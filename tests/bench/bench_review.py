"""`/roadmap review` round trip against `/roadmap next`'s, same bot, same run, with 100,000
members holding review cards.

    .venv/bin/python -m tests.bench.bench_review [--members 100000] [--requests 150] [--rounds 4]

Every member reached a random point of the shipped roadmap (progress rows for the topics behind
them, their next one in progress) and holds a review card for each topic done, some due today
and some later; the members who send the commands have reviews due, so `/roadmap review` asks
a question from the topic's check. Both commands run against the same in-process emulator in
alternating rounds, so drift on a shared machine hits both alike. A round trip is the time from
the emulator sending INTERACTION_CREATE to it accepting the interaction callback.
Goal: `/roadmap review` p99 <= 1.5x `/roadmap next`'s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert

from bot.app import StudyBot
from bot.config import Settings
from bot.records import DONE, IN_PROGRESS
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Roadmap
from bot.services.clock import SystemClock
from bot.services.content import ContentHolder
from bot.store.codec import encode_date, encode_time
from bot.store.database import Database
from bot.store.schema import progress, review_cards
from tests.bench.bench_next import pct
from tests.bench.figures import BenchOptions, Figure
from tests.emulator.runner import running_client
from tests.emulator.server import Emulator
from tests.emulator.world import Member, standard_world

CONTENT = Path(__file__).resolve().parents[2] / "content"
FIRST_SYNTHETIC_USER = 400_000_000_000_000_000
WORLD_MEMBERS = 400  # members who send the commands; the others are only data
BATCH = 20_000  # rows per executemany


def seed(
    conn: Connection,
    roadmap: Roadmap,
    *,
    guild_id: int,
    user_ids: list[int],
    senders: set[int],
    now: datetime,
) -> tuple[int, int]:
    """Progress rows and review cards for every member, in batches (`executemany`)."""
    rng = random.Random(17)
    topic_ids = [topic.id for topic in roadmap.topics]
    today = now.date()
    rows: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    counts = [0, 0]

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= BATCH):
            conn.execute(insert(progress), rows)
            counts[0] += len(rows)
            rows.clear()
        if cards and (force or len(cards) >= BATCH):
            conn.execute(insert(review_cards), cards)
            counts[1] += len(cards)
            cards.clear()

    for user_id in user_ids:
        # The members who send the commands have at least three topics behind them.
        low = 3 if user_id in senders else 1
        reached = rng.randint(low, len(topic_ids) - 1)
        for position, topic_id in enumerate(topic_ids[: reached + 1]):
            at = encode_time(now - timedelta(days=rng.randint(1, 60)))
            done = position < reached
            rows.append(
                {
                    "guild_id": guild_id,
                    "user_id": user_id,
                    "roadmap_id": roadmap.id,
                    "topic_id": topic_id,
                    "status": DONE if done else IN_PROGRESS,
                    "started_at": at,
                    "updated_at": at,
                    "completed_at": at if done else None,
                    "checked_at": None,
                }
            )
            if done:
                due: date = today + timedelta(days=rng.randint(-5, 20))
                if user_id in senders and position == 0:
                    due = today - timedelta(days=1)  # a review is due for every sender
                cards.append(
                    {
                        "guild_id": guild_id,
                        "user_id": user_id,
                        "roadmap_id": roadmap.id,
                        "topic_id": topic_id,
                        "due": encode_date(due),
                        "stability": rng.uniform(1.0, 30.0),
                        "difficulty": rng.uniform(1.0, 9.0),
                        "state": "review",
                        "step": None,
                        "last_review": at,
                    }
                )
        flush()
    flush(force=True)
    return counts[0], counts[1]


async def measure(
    emulator: Emulator, members: list[Member], command: str, requests: int, offset: int
) -> list[float]:
    """Milliseconds per `command`, one after another, each from the next member."""
    guild = members[0].guild
    samples = []
    for index in range(requests):
        member = members[(offset + index) % len(members)]
        started = time.perf_counter()
        result = await emulator.slash(guild, member, command)
        samples.append((time.perf_counter() - started) * 1000)
        assert result.embeds, result
        if command == "roadmap review":
            assert str(result.embeds[0].get("title", "")).startswith("Review · "), result
    return samples


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=150, help="per command per round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    await round_trips(args.members, args.requests, args.rounds)


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    if options.quick:
        return await round_trips(5_000, 60, 2)
    return await round_trips(100_000, 150, 4)


async def round_trips(members: int, requests: int, rounds: int) -> list[Figure]:
    """Measure and print; the p99 figure of `/roadmap review` against `/roadmap next`."""
    logging.disable(logging.WARNING)
    loaded = load_directory(CONTENT)
    assert loaded.catalog is not None, loaded.problems
    catalog = loaded.catalog
    sample = standard_world()
    world_members = [sample.guild.add_member(f"m{n}") for n in range(WORLD_MEMBERS)]
    user_ids = [m.id for m in world_members]
    user_ids += [FIRST_SYNTHETIC_USER + n for n in range(members - len(user_ids))]

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        database = await Database.open(path)
        started = time.perf_counter()
        seeded_rows, seeded_cards = await database.write(
            lambda conn: seed(
                conn,
                catalog.default,
                guild_id=sample.guild.id,
                user_ids=user_ids,
                senders={m.id for m in world_members},
                now=datetime.now(UTC),
            )
        )
        await database.close()
        print(
            f"seeded {len(user_ids):,} members: {seeded_rows:,} progress rows, "
            f"{seeded_cards:,} review cards in {time.perf_counter() - started:.1f} s"
        )

        emulator = Emulator(sample.world, check_openapi=False)
        await emulator.start()
        settings = Settings(token=sample.world.token, database_path=path)
        results: dict[str, list[float]] = {"roadmap next": [], "roadmap review": []}
        try:
            study = StudyBot(
                settings,
                await Database.open(path),
                ContentHolder(catalog),
                SystemClock(),
                guild_ready_timeout=0.05,
            )
            async with running_client(
                study, sample.world.token, emulator.api_base, emulator.gateway_url
            ):
                for command in results:  # warm-up
                    await measure(emulator, world_members, command, 20, 0)
                for round_number in range(rounds):
                    offset = round_number * requests
                    order = list(results) if round_number % 2 == 0 else list(results)[::-1]
                    for command in order:
                        results[command] += await measure(
                            emulator, world_members, command, requests, offset
                        )
        finally:
            await emulator.stop()

    nxt, review = results["roadmap next"], results["roadmap review"]
    print(
        f"\nround trips, {len(review)} requests per command ({rounds} alternating rounds), "
        f"{len(user_ids):,} members holding {seeded_cards:,} review cards"
    )
    print(f"{'':<18} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, samples in results.items():
        print(
            f"/{name:<17} {pct(samples, 0.5):>8.2f} {pct(samples, 0.99):>8.2f}"
            f" {statistics.fmean(samples):>8.2f}"
        )
    ratio = pct(review, 0.99) / pct(nxt, 0.99)
    verdict = "met" if ratio <= 1.5 else "NOT met"
    print(f"p99 ratio review/next: {ratio:.2f}x (goal <= 1.5x: {verdict})")
    return [
        Figure(
            f"/roadmap review round trip, {len(user_ids):,} members with review cards, p99",
            pct(review, 0.99), "ms", pct(nxt, 0.99), "/roadmap next, same run",
            "<= 1.5x baseline", ratio <= 1.5,
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())

"""`/roadmap next` round trip through the emulator, against a bare discord.py bot, same run.

    .venv/bin/python -m tests.bench.bench_next [--members 10000] [--requests 300] [--rounds 3]
                                               [--no-postgres]

The Study Companion answers with 10,000 members' progress in its database (the shipped
roadmap); the bare bot answers the same command with a static embed and one button. Both run
against the same in-process emulator (payload checks on, OpenAPI checks off), in alternating
rounds so drift on a shared machine hits both alike. A round trip is the time from the emulator
sending INTERACTION_CREATE to it accepting the interaction callback. Goal: p50 <= 1.5x and
p99 <= 2x the bare bot. The same bot on PostgreSQL (a throwaway server, tests/postgres.py, with
the same rows) runs in the same rounds: goal p50 <= 2x the bare bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import Connection

from bot.app import StudyBot
from bot.config import Settings
from bot.records import DONE, IN_PROGRESS, SKIPPED
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import SystemClock
from bot.services.content import ContentHolder
from bot.store.database import Database
from bot.store.progress import StatusChange, _apply_change
from tests.bench.bench_cluster import postgres_database
from tests.bench.figures import BenchOptions, Figure
from tests.emulator.runner import running_client
from tests.emulator.server import Emulator
from tests.emulator.world import Member, standard_world

CONTENT = Path(__file__).resolve().parents[2] / "content"
FIRST_SYNTHETIC_USER = 400_000_000_000_000_000
WORLD_MEMBERS = 400  # members who send the commands; the others are only data


def seed(
    conn: Connection, roadmap: Roadmap, guild_id: int, user_ids: list[int], now: datetime
) -> int:
    """Every member reached a random point of the roadmap; their next topic is in progress.
    Uses the store's own write path, in one transaction."""
    rng = random.Random(7)
    topic_ids = [topic.id for topic in roadmap.topics]
    changes = 0
    for user_id in user_ids:
        reached = rng.randint(0, len(topic_ids) - 1)
        for position, topic_id in enumerate(topic_ids[: reached + 1]):
            if position < reached:
                status = SKIPPED if rng.random() < 0.1 else DONE
            else:
                status = IN_PROGRESS
            at = now - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86_399))
            change = StatusChange(guild_id, user_id, roadmap.id, (topic_id,), status, at, at.date())
            _apply_change(conn, change)
            changes += 1
    return changes


def _small_roadmap() -> Roadmap:
    topics = tuple(Topic(f"topic-{n}", f"Topic {n}", "A topic.") for n in range(3))
    return Roadmap(
        "second", "Second roadmap", "Another one.", (Stage("only", "Only", "-", topics),)
    )


class BareBot(commands.Bot):
    """The baseline: plain discord.py answering `/roadmap next` with a static card."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05
        )
        self.embed = discord.Embed(
            title="Syntax and data types",
            description="Learn how Python reads. " * 40,
            colour=0x3776AB,
        ).set_footer(text="Stage 1/6 · 0 of 20 topics · 0%")

    async def setup_hook(self) -> None:
        group = app_commands.Group(name="roadmap", description="Study", guild_only=True)

        @group.command(name="next", description="Your next topic")
        async def next_topic(interaction: discord.Interaction, public: bool = False) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(discord.ui.Button(label="Done", custom_id="bare:done"))
            await interaction.response.send_message(
                embed=self.embed, view=view, ephemeral=not public
            )

        self.tree.add_command(group)
        await self.tree.sync()  # the same command shape as the Study Companion's


async def measure(
    emulator: Emulator, members: list[Member], requests: int, offset: int
) -> list[float]:
    """Milliseconds per `/roadmap next`, one after another, each from the next member."""
    guild = members[0].guild
    samples = []
    for index in range(requests):
        member = members[(offset + index) % len(members)]
        started = time.perf_counter()
        result = await emulator.slash(guild, member, "roadmap next")
        samples.append((time.perf_counter() - started) * 1000)
        assert result.embeds, result
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def seeded(target: Path | str, roadmap: Roadmap, guild_id: int, user_ids: list[int]) -> str:
    database = await Database.open(target)
    try:
        started, now, changes = time.perf_counter(), datetime.now(UTC), 0
        # In writes of 200 members: on PostgreSQL each member's change takes an advisory lock
        # held to the transaction's end, and the server's lock table holds a few thousand.
        for first in range(0, len(user_ids), 200):
            chunk = user_ids[first : first + 200]
            changes += await database.write(seed, roadmap, guild_id, chunk, now)
    finally:
        await database.close()
    return f"{changes:,} progress changes in {time.perf_counter() - started:.1f} s"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=150, help="per bot per round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--two-roadmaps",
        action="store_true",
        help="serve a second roadmap too, so the bot must look up which one each member follows",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite and the bare bot only")
    args = parser.parse_args()
    await round_trips(
        args.members,
        args.requests,
        args.rounds,
        two_roadmaps=args.two_roadmaps,
        postgres=not args.no_postgres,
    )


async def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py)."""
    if options.quick:
        return await round_trips(2_000, 60, 1)
    return await round_trips(10_000, 300, 3)


async def round_trips(
    members: int, requests: int, rounds: int, *, two_roadmaps: bool = False, postgres: bool = True
) -> list[Figure]:
    """Measure and print; the p50 and p99 figures against the bare bot."""
    logging.disable(logging.WARNING)

    loaded = load_directory(CONTENT)
    assert loaded.catalog is not None, loaded.problems
    catalog = loaded.catalog
    if two_roadmaps:
        catalog = Catalog([*catalog.roadmaps, _small_roadmap()])
    sample = standard_world()
    world_members = [sample.guild.add_member(f"m{n}") for n in range(WORLD_MEMBERS)]
    user_ids = [m.id for m in world_members]
    user_ids += [FIRST_SYNTHETIC_USER + n for n in range(members - len(user_ids))]

    results: dict[str, list[float]] = {"bare discord.py bot": [], "Study Companion": []}
    if postgres:
        results["Study Companion, PostgreSQL"] = []
    async with contextlib.AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: dict[str, Path | str] = {"Study Companion": folder / "bench.sqlite3"}
        if postgres:
            targets["Study Companion, PostgreSQL"] = await stack.enter_async_context(
                postgres_database()
            )
        for name, target in targets.items():
            done = await seeded(target, catalog.default, sample.guild.id, user_ids)
            print(f"{name}: seeded {len(user_ids):,} members, {done}")

        emulator = Emulator(sample.world, check_openapi=False)
        await emulator.start()
        stack.push_async_callback(emulator.stop)
        for round_number in range(rounds):
            offset = round_number * requests
            async with running_client(
                BareBot(), sample.world.token, emulator.api_base, emulator.gateway_url
            ):
                await measure(emulator, world_members, 20, offset)  # warm-up
                results["bare discord.py bot"] += await measure(
                    emulator, world_members, requests, offset
                )
            for name, target in targets.items():
                settings = Settings(
                    token=sample.world.token,
                    database_path=folder / "bench.sqlite3",
                    database_url=target if isinstance(target, str) else None,
                )
                study = StudyBot(
                    settings,
                    await Database.open(target),
                    ContentHolder(catalog),
                    SystemClock(),
                    guild_ready_timeout=0.05,
                )
                async with running_client(
                    study, sample.world.token, emulator.api_base, emulator.gateway_url
                ):
                    await measure(emulator, world_members, 20, offset)
                    results[name] += await measure(emulator, world_members, requests, offset)

    bare, ours = results["bare discord.py bot"], results["Study Companion"]
    print(
        f"\n/roadmap next round trip, {len(ours)} requests per bot "
        f"({rounds} alternating rounds), {len(user_ids):,} members in the database, "
        f"{len(catalog)} roadmap(s) served"
    )
    print(f"{'':<22} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, samples in results.items():
        print(
            f"{name:<22} {pct(samples, 0.5):>8.2f} {pct(samples, 0.99):>8.2f}"
            f" {statistics.fmean(samples):>8.2f}"
        )
    p50_ratio = pct(ours, 0.5) / pct(bare, 0.5)
    p99_ratio = pct(ours, 0.99) / pct(bare, 0.99)
    print(f"{'ratio':<22} {p50_ratio:>7.2f}x {p99_ratio:>7.2f}x")
    print(
        f"goal: p50 <= 1.5x ({'met' if p50_ratio <= 1.5 else 'NOT met'}), "
        f"p99 <= 2x ({'met' if p99_ratio <= 2 else 'NOT met'})"
    )
    what = f"/roadmap next round trip, {len(user_ids):,} members in the database"
    figures = [
        Figure(
            f"{what}, p50", pct(ours, 0.5), "ms", pct(bare, 0.5), "bare discord.py bot",
            "<= 1.5x baseline", p50_ratio <= 1.5,
        ),
        Figure(
            f"{what}, p99", pct(ours, 0.99), "ms", pct(bare, 0.99), "bare discord.py bot",
            "<= 2x baseline", p99_ratio <= 2,
        ),
    ]  # fmt: skip
    on_postgres = results.get("Study Companion, PostgreSQL")
    if on_postgres:
        pg_ratio = pct(on_postgres, 0.5) / pct(bare, 0.5)
        print(
            f"PostgreSQL: p50 {pg_ratio:.2f}x the bare bot (goal <= 2x: "
            f"{'met' if pg_ratio <= 2 else 'NOT met'}), "
            f"{pct(on_postgres, 0.5) / pct(ours, 0.5):.2f}x SQLite's"
        )
        figures += [
            Figure(
                f"{what}, on PostgreSQL, p50", pct(on_postgres, 0.5), "ms", pct(bare, 0.5),
                "bare discord.py bot", "<= 2x baseline", pg_ratio <= 2,
            ),
            Figure(
                f"{what}, on PostgreSQL, p50 vs SQLite", pct(on_postgres, 0.5), "ms",
                pct(ours, 0.5), "the same bot on SQLite, same rounds", "informative",
            ),
        ]  # fmt: skip
    return figures


if __name__ == "__main__":
    asyncio.run(main())

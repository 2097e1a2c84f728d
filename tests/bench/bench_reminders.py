"""Reminder fan-out: N members' reminders due at the same minute, one ReminderPlanner tick
through the real SQLite store, with an instant in-memory DM sender (Discord's pacing is the
daily benchmark's subject; this measures the planner's own cost).

Reviews included: every member holds progress and review cards (seeded as bench_review does,
each with a review due), so each DM's request also counts the member's reviews due, as the
running bot's does (the planner is given what bot/wiring.py gives it: `ReminderContents`, one
batched read per batch of members).

The heap is frozen once everything is set up, as the bot freezes it after its first ready
(`StudyBot._freeze_heap_when_ready`): what start-up loaded (the imports, the content) lives as
long as the process, and a full collection walking it stalls the loop ~100 ms on this machine.
Full collections still run during the tick (their count is printed); they walk only what was
allocated since.

Figures: time to plan, claim, send and record N reminders, against the DailyPlanner doing the
same for N servers in the same run; the daily posts' tick against their ledger statements
run alone in one transaction (the store's floor; the tick before the delivery ledger took
~338 ms); and the longest event-loop stall during the reminder tick (goal < 20 ms), against
the same ticker with the loop idle.

    .venv/bin/python -m tests.bench.bench_reminders [--quick]
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from bot.roadmap.loader import load_directory
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.daily import DailyPlanner
from bot.services.delivery import DailyPostRequest, ReminderRequest, SendOutcome
from bot.services.reminder_contents import ReminderContents
from bot.services.reminders import ReminderPlanner
from bot.store import ledger as ledger_store
from bot.store.codec import encode_time
from bot.store.daily import DailyRepository, post_key
from bot.store.database import Database
from bot.store.ledger import Claim, claim_rows
from bot.store.reminder_reads import ReminderReads
from bot.store.reminders import ReminderRepository
from bot.store.reviews import ReviewRepository
from bot.store.settings import MemberSettingsRepository
from tests.bench.bench_reload import stall_during
from tests.bench.bench_review import seed
from tests.bench.figures import BenchOptions, Figure

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
GUILD = 10**17
FIRST_USER = 2 * 10**17


class InstantDiscord:
    """Answers every send at once, as if Discord took no time."""

    def __init__(self) -> None:
        self.sent = 0
        self.with_reviews = 0

    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        self.sent += 1
        self.with_reviews += request.reviews_due > 0
        await asyncio.sleep(0)
        return SendOutcome.sent(self.sent, channel_id=request.user_id + 1)

    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        self.sent += 1
        await asyncio.sleep(0)
        return SendOutcome.sent(self.sent)

    async def find_daily_post(self, channel_id: int, local_date: date) -> SendOutcome:
        return SendOutcome.missing()


class FullCollections:
    """Counts the garbage collector's full (generation 2) collections while active."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._seen)

    def _seen(self, phase: str, info: dict[str, int]) -> None:
        self.count += phase == "stop" and info["generation"] == 2


def freeze_heap() -> None:
    """What the bot does once ready: collect, then leave every object alive now out of the
    collector's walks."""
    gc.collect()
    gc.freeze()


async def _reminder_tick(
    folder: Path, content: ContentHolder, count: int
) -> tuple[float, float, int, int, int, int]:
    clock = ManualClock(START)
    roadmap = content.catalog.default
    async with await Database.open(folder / "reminders.sqlite3") as db:
        members = [FIRST_USER + i for i in range(count)]
        _, cards = await db.write(
            lambda conn: seed(
                conn, roadmap, guild_id=GUILD, user_ids=members, senders=set(members), now=START
            )
        )
        discord = InstantDiscord()
        planner = ReminderPlanner(
            ReminderRepository(db),
            clock,
            discord,
            ReminderContents(ReminderReads(db), ReviewRepository(db), content, clock),
            MemberSettingsRepository(db).zones,
        )
        await asyncio.gather(
            *(planner.set(GUILD, FIRST_USER + i, "13:00", "UTC") for i in range(count))
        )
        clock.set(START + timedelta(hours=1))
        freeze_heap()
        with FullCollections() as collections:
            elapsed, stall, _ = await stall_during(planner.tick)
        return elapsed, stall, discord.sent, discord.with_reviews, cards, collections.count


async def _daily_tick(folder: Path, content: ContentHolder, count: int) -> tuple[float, int]:
    clock = ManualClock(START)
    async with await Database.open(folder / "daily.sqlite3") as db:
        discord = InstantDiscord()
        planner = DailyPlanner(DailyRepository(db), content, clock, discord)
        await asyncio.gather(
            *(planner.configure(GUILD + i, 1, "13:00", "UTC") for i in range(count))
        )
        clock.set(START + timedelta(hours=1))
        elapsed, _, _ = await stall_during(planner.tick)
        return elapsed, discord.sent


async def _daily_statements_alone(folder: Path, content: ContentHolder, count: int) -> float:
    """The same posts' ledger statements (claim, attempt, sent, cursor moved) run directly,
    one after the other in one write transaction: what the store alone needs for them, with
    none of the planner's, the ledger's or the event loop's work."""
    clock = ManualClock(START)
    async with await Database.open(folder / "statements.sqlite3") as db:
        planner = DailyPlanner(DailyRepository(db), content, clock, InstantDiscord())
        await asyncio.gather(
            *(planner.configure(GUILD + i, 1, "13:00", "UTC") for i in range(count))
        )
        day = (START + timedelta(hours=1)).date()
        keys = [post_key(GUILD + i, day) for i in range(count)]
        claims = [Claim(key, channel_id=1, roadmap_id="r", topic_id="t") for key in keys]
        at = encode_time(START + timedelta(hours=1))

        def statements(conn: Connection) -> float:
            started = time.perf_counter()
            claim_rows(conn, claims, START)
            for key in keys:
                ledger_store._begin_attempt(conn, key, at)
                after_sent = DailyRepository.after_sent(key.guild_id, day)
                ledger_store._finish(
                    conn, key, status="sent", now=at, message_id=1, error=None,
                    effect=after_sent,
                )  # fmt: skip
            return time.perf_counter() - started

        return await db.write(statements)


async def run(options: BenchOptions) -> list[Figure]:
    count = 200 if options.quick else 2000
    loaded = load_directory(CONTENT_DIR)
    assert loaded.catalog is not None
    content = ContentHolder(loaded.catalog)
    with tempfile.TemporaryDirectory() as folder:
        _, idle_stall, _ = await stall_during(lambda: asyncio.sleep(0.5))
        elapsed, stall, sent, with_reviews, cards, collections = await _reminder_tick(
            Path(folder), content, count
        )
        daily_elapsed, posted = await _daily_tick(Path(folder), content, count)
        statements_alone = await _daily_statements_alone(Path(folder), content, count)
    assert sent == count and posted == count, (sent, posted)
    assert with_reviews == count, with_reviews  # every DM counted its reviews due
    print(
        f"{count:,} reminders (members holding {cards:,} review cards, every one with "
        f"reviews due) in one tick: {elapsed * 1000:.0f} ms "
        f"({count / elapsed:,.0f}/s), longest stall {stall * 1000:.1f} ms "
        f"({collections} full collections during it); "
        f"{count:,} daily posts: {daily_elapsed * 1000:.0f} ms (their ledger statements alone "
        f"{statements_alone * 1000:.0f} ms; 2,000 took ~338 ms before the ledger); "
        f"idle stall {idle_stall * 1000:.1f} ms"
    )
    return [
        Figure(f"{count:,} reminders due at one minute, reviews included: one tick",
               elapsed * 1000, "ms",
               daily_elapsed * 1000, f"daily posts for {count:,} servers", "informative"),
        Figure(f"{count:,} daily posts due at one minute: one tick", daily_elapsed * 1000, "ms",
               statements_alone * 1000, "their ledger statements alone, one transaction",
               "near the pre-ledger 338 ms", daily_elapsed < 0.4 if count == 2000 else None),
        Figure(f"{count:,} reminders, reviews included: longest event-loop stall",
               stall * 1000, "ms",
               idle_stall * 1000, "same ticker, loop idle", "< 20 ms", stall * 1000 < 20),
    ]  # fmt: skip


def main() -> None:
    asyncio.run(run(BenchOptions(quick="--quick" in sys.argv)))


if __name__ == "__main__":
    main()

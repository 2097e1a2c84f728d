"""Identify turns in the database: each bucket's turns at least `spacing` apart by the database's
clock, buckets independent, and two processes (two Database objects on one PostgreSQL database)
taking turns at once never share one."""

from __future__ import annotations

import asyncio
import itertools

from bot.store.alembic_runner import upgrade_url
from bot.store.database import Database
from bot.store.identify import IdentifyTurns
from bot.store.meta import MetaRepository

SPACING = 0.4


async def test_turns_of_one_bucket_queue_and_other_buckets_do_not(store_db: Database) -> None:
    turns = IdentifyTurns(store_db)
    waits = [await turns.take(0, 2, SPACING) for _ in range(3)]
    other = await turns.take(1, 2, SPACING)
    assert waits[0] == 0.0 and other == 0.0
    # Each turn follows the one before by the spacing (the calls took a little time).
    assert SPACING - 0.1 < waits[1] <= SPACING
    assert 2 * SPACING - 0.2 < waits[2] <= 2 * SPACING
    assert await MetaRepository(store_db).get("identify_turn:2:0") is not None


async def test_a_turn_after_the_spacing_is_now(store_db: Database) -> None:
    turns = IdentifyTurns(store_db)
    assert await turns.take(3, 4, 0.1) == 0.0
    await asyncio.sleep(0.15)
    assert await turns.take(3, 4, 0.1) == 0.0


async def test_two_processes_taking_at_once_never_share_a_turn(postgres_database: str) -> None:
    takers = 2
    await upgrade_url(postgres_database)
    databases = [await Database.open(postgres_database) for _ in range(takers)]
    try:
        loop = asyncio.get_running_loop()

        async def take(database: Database) -> float:
            wait = await IdentifyTurns(database).take(0, 1, SPACING)
            return loop.time() + wait  # when this process would identify

        starts = sorted(
            await asyncio.gather(*(take(database) for database in databases for _ in range(3)))
        )
    finally:
        for database in databases:
            await database.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(starts) == 3 * takers
    # Measured here, after each answer came back (a loaded machine delays some by tens of ms):
    # turns shared would show as gaps near 0, turns in sequence as gaps near the spacing.
    assert min(gaps) > SPACING / 2, gaps

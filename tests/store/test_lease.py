"""The slot lease on a real PostgreSQL server: one holder per slot, a spare takes a slot within
about a poll once its holder's session ends, and a holder whose connection fails is told."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from bot.services.lease import SlotKeeper
from bot.store.lease import LeaseConnection, LeaseLost
from tests.postgres import plain_dsn


async def test_of_two_leases_on_one_slot_one_wins_and_the_other_takes_it_once_freed(
    postgres_database: str,
) -> None:
    first = await LeaseConnection.open(postgres_database)
    second = await LeaseConnection.open(postgres_database)
    try:
        assert await first.try_take(0)
        assert not await second.try_take(0)
        assert await second.try_take(1)  # another slot is free
        assert await first.try_take(0)  # the holder asking again still holds it

        spare = SlotKeeper(second, [0], poll=0.1)
        taking = asyncio.create_task(spare.acquire())
        await asyncio.sleep(0.5)
        assert not taking.done()  # slot 0 is held: the spare waits
        freed = time.monotonic()
        await first.close()  # the winner's session ends
        slot = await asyncio.wait_for(taking, 5)
        took = time.monotonic() - freed
        print(f"the spare took slot 0 {took:.2f} s after the holder's connection closed")
        assert slot == 0 and spare.slot == 0
        assert took < 2.0
    finally:
        await first.close()
        await second.close()


async def test_a_killed_holder_frees_its_slot_and_is_told_it_lost_it(
    postgres_database: str,
) -> None:
    holder = await LeaseConnection.open(postgres_database)
    spare_lease = await LeaseConnection.open(postgres_database)
    keeper = SlotKeeper(holder, [3], ping_every=0.2, ping_timeout=1.0)
    spare = SlotKeeper(spare_lease, [3], poll=0.1)
    lost: list[str] = []
    try:
        assert await keeper.acquire() == 3
        keeper.watch(lost.append)
        taking = asyncio.create_task(spare.acquire())
        await asyncio.sleep(0.3)
        assert not taking.done()

        # The database ends the holder's session, as a failover or a network cut would.
        killed = time.monotonic()
        admin = await asyncpg.connect(plain_dsn(postgres_database))
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = 3 AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert ended == 1
        assert await asyncio.wait_for(taking, 5) == 3
        for _ in range(50):
            if lost:
                break
            await asyncio.sleep(0.1)
        told = time.monotonic() - killed
        print(f"the holder was told it lost slot 3 after {told:.2f} s")
        assert lost and "slot 3" in lost[0]
        with pytest.raises(LeaseLost):
            await holder.try_take(3)
    finally:
        await keeper.close()
        await spare.close()

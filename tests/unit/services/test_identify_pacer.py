"""IdentifyPacer: a shard's bucket is `shard_id % max_concurrency` (asked once), its turn comes
from the shared queue with Discord's interval plus a margin, and it sleeps until the turn."""

from __future__ import annotations

import asyncio

from bot.services.identify import IDENTIFY_MARGIN, IdentifyPacer


class FakeTurns:
    def __init__(self, waits: list[float]) -> None:
        self.waits = waits
        self.taken: list[tuple[int, int, float]] = []

    async def take(self, bucket: int, max_concurrency: int, spacing: float) -> float:
        self.taken.append((bucket, max_concurrency, spacing))
        return self.waits.pop(0)


async def test_buckets_spacing_and_sleeping() -> None:
    asked: list[int] = []
    slept: list[float] = []

    async def max_concurrency() -> int:
        asked.append(1)
        await asyncio.sleep(0)
        return 4

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    turns = FakeTurns([0.0, 1.5, 0.0])
    pacer = IdentifyPacer(turns, max_concurrency, interval=5.0, sleep=sleep)  # type: ignore[arg-type]
    waited = await asyncio.gather(pacer.wait_turn(5), pacer.wait_turn(9), pacer.wait_turn(2))
    assert waited == [0.0, 1.5, 0.0]
    assert turns.taken == [
        (1, 4, 5.0 + IDENTIFY_MARGIN),
        (1, 4, 5.0 + IDENTIFY_MARGIN),
        (2, 4, 5.0 + IDENTIFY_MARGIN),
    ]
    assert slept == [1.5]  # no sleep for a turn that is now
    assert asked == [1]  # /gateway/bot asked once, however many shards identify

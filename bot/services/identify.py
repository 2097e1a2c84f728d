"""When a shard may IDENTIFY: its bucket's turn, coordinated across processes.

Discord's rule: one IDENTIFY per bucket (`shard_id % max_concurrency`, the `max_concurrency` of
/gateway/bot) per 5 s, counted across every process of the bot; one sooner is refused (op 9)
and costs one of the day's 1,000 session starts. Each shard takes the next turn of its bucket
from the database (bot/store/identify.py) and sleeps until it, outside any transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.store.identify import IdentifyTurns

log = logging.getLogger(__name__)

#: Discord's spacing of two IDENTIFYs in one bucket.
DISCORD_IDENTIFY_INTERVAL = 5.0
#: Added to the spacing: a turn is kept to within the event loop's lag and the network's, and
#: an identify that arrives late must not bring the next one of its bucket within the interval.
IDENTIFY_MARGIN = 0.25


class IdentifyPacer:
    """Waits for a shard's identify turn. `max_concurrency` asks Discord (once) how many
    buckets there are."""

    def __init__(
        self,
        turns: IdentifyTurns,
        max_concurrency: Callable[[], Awaitable[int]],
        *,
        interval: float = DISCORD_IDENTIFY_INTERVAL,
        margin: float = IDENTIFY_MARGIN,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._turns = turns
        self._fetch_max_concurrency = max_concurrency
        self._spacing = interval + margin
        self._sleep = sleep
        self._max_concurrency: int | None = None
        self._fetching = asyncio.Lock()

    async def max_concurrency(self) -> int:
        async with self._fetching:
            if self._max_concurrency is None:
                self._max_concurrency = max(1, int(await self._fetch_max_concurrency()))
            return self._max_concurrency

    async def wait_turn(self, shard_id: int) -> float:
        """Sleep until `shard_id` may IDENTIFY; the seconds waited."""
        buckets = await self.max_concurrency()
        bucket = shard_id % buckets
        wait = await self._turns.take(bucket, buckets, self._spacing)
        if wait > 0:
            log.info(
                "shard %d waits %.2f s for its identify turn (bucket %d of %d)",
                shard_id,
                wait,
                bucket,
                buckets,
            )
            await self._sleep(wait)
        return wait

"""Our own pacing of REST traffic under Discord's global limit (50 requests per second).

discord.py only slows down after a 429; a thousand daily posts due in one minute would earn many
of them. The pacer spaces requests evenly instead, so the fan-out drains at the limit without one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Below Discord's 50/s: requests spaced at this rate arrive at most ~48 in any one-second window
# even when network jitter bunches a few of them.
DEFAULT_RATE = 47.0


class RestPacer:
    """Hands out send slots at most `rate` per second, in the order they were asked for.

    Each caller reserves the next free slot synchronously (no lock, no task) and sleeps until it;
    a cancelled caller only wastes its own slot. `burst` lets that many requests go back to back
    after an idle period, which keeps a lone reminder instant while a fan-out stays paced.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self._interval = 1.0 / rate
        self._burst_span = (burst - 1) * self._interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_slot = float("-inf")
        self.granted = 0

    def reserve(self) -> float:
        """Reserve the next slot; returns how many seconds the caller must wait for it."""
        now = self._monotonic()
        # After idling, up to `burst` slots may lie in the past; never more.
        slot = max(self._next_slot, now - self._burst_span)
        self._next_slot = slot + self._interval
        self.granted += 1
        return max(0.0, slot - now)

    async def acquire(self) -> None:
        """Wait for a slot; call once per REST request."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)

    @property
    def backlog(self) -> float:
        """Seconds until the last reserved slot: how far the queue of paced requests reaches."""
        return max(0.0, self._next_slot - self._monotonic())

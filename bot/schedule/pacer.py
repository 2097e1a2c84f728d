"""Our own pacing of REST traffic under Discord's global limit (50 requests per second).

discord.py only slows down after a 429; a thousand daily posts due in one minute would earn many
of them. Two parts keep us under the limit without one: the pacer spaces scheduled sends evenly
(so a fan-out drains near the limit and never floods the event loop), and the gate, which every
REST request passes through discord.py's `http_trace` hook, makes it impossible for any
one-second window to hold more than the limit, however the requests bunch up on the way.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import yarl

log = logging.getLogger(__name__)

#: Scheduled sends per second: under the gate's bound, so the gate rarely has to hold one.
DEFAULT_RATE = 48.0
#: Requests in any one second the gate lets through: Discord allows 50; one stays spare.
DEFAULT_GATE_LIMIT = 49
#: A request with no answer after this long (our own timeout is 60 s) stops holding a slot.
STALE_AFTER = 120.0
#: Path parts of the REST routes Discord's global limit does not cover.
GLOBAL_LIMIT_EXEMPT = ("/interactions/", "/webhooks/")


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


class RestGate:
    """A hard bound under the global limit: at most `limit` requests in any `window` seconds,
    as Discord counts them, whatever the latency, jitter or stalls on either side.

    Discord counts a request at some moment between our sending it and our reading its answer.
    So a request may start only while fewer than `limit` others are either still in flight or
    answered less than `window` seconds ago: then no window on Discord's side can hold more.
    The pacer spaces the traffic; this gate only holds a request back when something bunched
    it up (a slow database write, a stalled loop, a burst of other requests).
    """

    def __init__(
        self,
        limit: int = DEFAULT_GATE_LIMIT,
        window: float = 1.0,
        *,
        stale_after: float = STALE_AFTER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._stale_after = stale_after
        self._monotonic = monotonic
        self._in_flight: dict[int, float] = {}  # ticket -> when it started
        self._answered: deque[float] = deque()  # when recent requests were answered
        self._tickets = itertools.count()
        self._turn = asyncio.Lock()  # FIFO: requests pass the gate in the order they came
        self._finished = asyncio.Event()
        self.held = 0  # requests that had to wait at the gate (a figure for benchmarks)

    def _occupied(self, now: float) -> int:
        while self._answered and now - self._answered[0] >= self.window:
            self._answered.popleft()
        for ticket, started in list(self._in_flight.items()):
            if now - started >= self._stale_after:
                # An answer that never came (a lost trace event) must not shut the gate.
                log.warning(
                    "REST gate: a request unanswered for %.0f s stops counting", now - started
                )
                del self._in_flight[ticket]
        return len(self._in_flight) + len(self._answered)

    async def enter(self) -> int:
        """Wait until a request may start; returns the ticket to hand back to `leave`."""
        async with self._turn:
            waited = False
            while True:
                now = self._monotonic()
                if self._occupied(now) < self.limit:
                    ticket = next(self._tickets)
                    self._in_flight[ticket] = now
                    self.held += waited
                    return ticket
                waited = True
                # Room comes back when the oldest answer leaves the window, or when an answer
                # arrives (it then starts its window), or when a lost request goes stale.
                self._finished.clear()
                delay = min(self._in_flight.values(), default=now) + self._stale_after - now
                if self._answered:
                    delay = min(delay, self._answered[0] + self.window - now)
                try:
                    async with asyncio.timeout(delay):
                        await self._finished.wait()
                except TimeoutError:
                    pass

    @property
    def in_flight(self) -> int:
        """Requests that passed the gate and have no answer yet."""
        return len(self._in_flight)

    def leave(self, ticket: int) -> None:
        """The request's answer arrived (or it failed): it counts for one more window."""
        if self._in_flight.pop(ticket, None) is not None:
            self._answered.append(self._monotonic())
            self._finished.set()


def counts_towards_global_limit(url: yarl.URL) -> bool:
    """Discord's global limit covers REST calls, except interaction responses and webhooks
    (which is how interaction follow-ups are sent); the gateway's websocket is no REST call."""
    if url.scheme not in ("http", "https"):
        return False
    return not any(part in url.path for part in GLOBAL_LIMIT_EXEMPT)


def rest_trace(gate: RestGate) -> aiohttp.TraceConfig:
    """An aiohttp trace (discord.py's `http_trace` option) that passes every REST request the
    client makes through `gate`: daily posts, reminders, role grants, lookups alike."""
    config = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        context.gate_ticket = (
            await gate.enter() if counts_towards_global_limit(params.url) else None
        )

    async def on_done(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        ticket = getattr(context, "gate_ticket", None)
        if ticket is not None:
            context.gate_ticket = None
            gate.leave(ticket)

    config.on_request_start.append(on_start)
    config.on_request_end.append(on_done)
    config.on_request_exception.append(on_done)
    return config

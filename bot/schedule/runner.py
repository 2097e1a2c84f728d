"""The one APScheduler job of the bot: every `interval` seconds, on whole multiples of it, it
runs every registered tick (and once at start).

Daily posts and personal reminders each register a tick (`add_tick`); the database says what
is due, so a tick that runs late or twice does no harm, and nothing is lost while the job is
not running. The job settings matter: `max_instances=1` and `coalesce=True` keep ticks from
piling up behind a long fan-out, and `misfire_grace_time=None` because APScheduler's default
of one second silently drops a tick whenever the event loop was busy at the due moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

#: Seconds between ticks in production. Ticks run on whole multiples of it, so a post due on a
#: whole minute is sent by the tick at that minute; a tick that runs long delays the next one.
TICK_INTERVAL = 30.0
#: On shutdown, a tick still running gets this long before it is cancelled. Its unfinished
#: sends stay claimed as `sending` in the database and are settled after the restart.
STOP_GRACE = 5.0

Tick = Callable[[], Awaitable[object]]


class TickRunner:
    """Runs the registered ticks together, one run at a time, from one interval job."""

    def __init__(self, interval: float = TICK_INTERVAL, *, stop_grace: float = STOP_GRACE) -> None:
        if interval <= 0:
            raise ValueError("the tick interval must be positive")
        self.interval = interval
        self._stop_grace = stop_grace
        self._ticks: dict[str, Tick] = {}
        self._scheduler: AsyncIOScheduler | None = None
        self._current: asyncio.Task[None] | None = None
        self.runs = 0  # finished runs, for tests and logs

    def add_tick(self, name: str, tick: Tick) -> None:
        """Run `await tick()` on every tick from now on; `name` appears in the logs."""
        if name in self._ticks:
            raise ValueError(f"a tick named {name!r} is already registered")
        self._ticks[name] = tick

    def remove_tick(self, name: str) -> None:
        self._ticks.pop(name, None)

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    @property
    def next_interval_run(self) -> datetime | None:
        """When the interval job runs next (None when stopped)."""
        job = self._scheduler.get_job("ticks") if self._scheduler is not None else None
        return None if job is None else job.next_run_time

    async def start(self) -> None:
        """Start the interval job; its first run is at once, so claims a crash left unfinished
        are settled right after a restart."""
        if self._scheduler is not None:
            return
        # APScheduler logs INFO lines at start ("Adding job tentatively") and two per run, every
        # 30 s, forever: noise to an operator. Our ticks log their work; its warnings still show.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = time.time()
        scheduler.add_job(self._run, "date", run_date=datetime.fromtimestamp(now, UTC), id="first")
        scheduler.add_job(
            self._run,
            "interval",
            seconds=self.interval,
            # On whole multiples of the interval (:00 and :30 of each minute in production):
            # posts and reminders fall due on whole minutes, so the tick that sends them runs
            # at the moment they are due, not up to an interval later.
            start_date=datetime.fromtimestamp(math.ceil(now / self.interval) * self.interval, UTC),
            id="ticks",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Stop the job; give a running tick `stop_grace` seconds, then cancel it."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        current = self._current
        if current is not None and not current.done():
            done, _ = await asyncio.wait({current}, timeout=self._stop_grace)
            if not done:
                current.cancel()
                await asyncio.gather(current, return_exceptions=True)

    async def run_once(self) -> None:
        """One tick of every registered tick, concurrently (a long daily fan-out does not hold
        up reminders). A failing tick is logged and the others still run."""
        ticks = list(self._ticks.items())
        results = await asyncio.gather(*(tick() for _, tick in ticks), return_exceptions=True)
        for (name, _), result in zip(ticks, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("tick %s failed", name, exc_info=result)
        self.runs += 1

    async def _run(self) -> None:
        # The work runs in a task of its own: APScheduler cancels its job tasks on shutdown,
        # while stop() gives a running tick its grace period first.
        if self._current is not None and not self._current.done():
            return
        self._current = asyncio.ensure_future(self.run_once())
        # A cancellation here is the scheduler shutting down; stop() decides about the tick.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._current)

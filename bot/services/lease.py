"""Which slot this process runs, and giving it up rather than running split-brained.

A slot's process (`SHARD_SLOT=N`) and a spare (`SHARD_SLOT=spare`, or a list of slots it may
take) do the same: every `poll` seconds try each candidate slot's lease in order and keep the
first one free (bot/store/lease.py). A slot's own process thus waits while a spare still runs
its slot, and a spare takes a dead process's slot within about one poll of PostgreSQL letting
the lock go. Once it holds a slot, the process checks the lease connection every `ping_every`
seconds: when it fails (or answers nothing for `ping_timeout`), another process may already
hold the slot, so `on_lost` is told to stop the shards and exit non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from bot.store.lease import LeaseConnection, LeaseLost

log = logging.getLogger(__name__)

#: Seconds between two tries at the candidate slots: a take-over starts within this of the
#: dead process's session ending (each try is one round trip per candidate slot).
POLL_SECONDS = 0.2
#: Seconds between two checks of the lease connection once a slot is held.
PING_SECONDS = 1.0
#: A check unanswered for this long counts as the connection lost.
PING_TIMEOUT = 5.0


class SlotKeeper:
    """Takes one of `candidates` and keeps it for the life of the process."""

    def __init__(
        self,
        lease: LeaseConnection,
        candidates: Sequence[int],
        *,
        poll: float = POLL_SECONDS,
        ping_every: float = PING_SECONDS,
        ping_timeout: float = PING_TIMEOUT,
    ) -> None:
        if not candidates:
            raise ValueError("no slot to take")
        self.lease = lease
        self.candidates = tuple(candidates)
        self.poll = poll
        self.ping_every = ping_every
        self.ping_timeout = ping_timeout
        self.slot: int | None = None
        self._watch: asyncio.Task[None] | None = None

    async def acquire(self) -> int:
        """The first candidate slot whose lease this process got, waiting as long as it takes.
        Raises LeaseLost when the lease connection fails meanwhile."""
        waiting_said = False
        while True:
            for slot in self.candidates:
                if await self.lease.try_take(slot):
                    self.slot = slot
                    log.info("holding the lease of slot %d", slot)
                    return slot
            if not waiting_said:
                names = ", ".join(str(slot) for slot in self.candidates)
                log.info("slot %s taken by another process; waiting for one to free", names)
                waiting_said = True
            await asyncio.sleep(self.poll)

    def watch(self, on_lost: Callable[[str], object]) -> None:
        """Check the lease in the background; `on_lost(reason)` once, when it fails."""
        if self._watch is None:
            self._watch = asyncio.create_task(self._keep(on_lost), name="slot-lease")

    async def _keep(self, on_lost: Callable[[str], object]) -> None:
        while True:
            # Woken at once when the driver sees the socket close, else after ping_every.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lease.lost.wait(), self.ping_every)
            try:
                await self.lease.ping(self.ping_timeout)
            except LeaseLost as exc:
                log.critical("lost the lease of slot %s: %s", self.slot, exc)
                on_lost(f"the database connection holding slot {self.slot}'s lease failed")
                return

    async def close(self) -> None:
        """Stop checking and end the lease's session (the slot is free at once)."""
        task, self._watch = self._watch, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.lease.close()


async def hold_slot(url: str, candidates: Sequence[int], **options: float) -> SlotKeeper:
    """Open a lease connection on `url` and wait until this process holds one of
    `candidates` (`keeper.slot`). Raises LeaseLost (or the driver's error) when the database
    cannot be reached."""
    keeper = SlotKeeper(await LeaseConnection.open(url), candidates, **options)
    try:
        await keeper.acquire()
    except BaseException:
        await keeper.close()
        raise
    return keeper

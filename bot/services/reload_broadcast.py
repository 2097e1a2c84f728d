"""`python -m bot reload` reaching every process: a notification for speed, a poll for sure.

Each process remembers the reload generation it has acted on (bot/store/notify.py). It wakes
when PostgreSQL notifies it, or every `poll` seconds anyway (a notification sent while it was
reconnecting is never replayed), reads the generation, and reloads once when it moved, however
many requests came meanwhile. A listener that fails is opened again on the next poll; until
then the poll alone carries the requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.store.notify import ReloadListener, ReloadRequests

log = logging.getLogger(__name__)

#: Seconds between two reads of the generation, notified or not.
POLL_SECONDS = 5.0

#: Opens a listener calling its argument on each notification (None on SQLite: no listener).
OpenListener = Callable[[Callable[[str], object]], Awaitable[ReloadListener]]


class ReloadBroadcast:
    """Calls `reload(trigger)` whenever another process (or `python -m bot reload`) asks."""

    def __init__(
        self,
        requests: ReloadRequests,
        open_listener: OpenListener | None,
        *,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.requests = requests
        self._open_listener = open_listener
        self.poll = poll
        self.seen = 0
        self._listener: ReloadListener | None = None
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.lost.is_set()

    async def start(self, reload: Callable[[str], Awaitable[object]]) -> None:
        """Take the generation as it is now as done, listen, and watch for a new one."""
        if self._task is not None:
            return
        self.seen = await self.requests.generation()
        await self._listen()
        self._task = asyncio.create_task(self._watch(reload), name="reload-broadcast")
        how = "notifications and a poll" if self._open_listener else "a poll"
        log.info("content reload requests: generation %d, by %s every %g s", self.seen, how,
                 self.poll)  # fmt: skip

    async def _listen(self) -> None:
        if self._open_listener is None or self.listening:
            return
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        try:
            self._listener = await self._open_listener(self._notified)
        except Exception as exc:
            log.warning("cannot listen for reload requests (polling instead): %s", exc)

    def _notified(self, payload: str) -> None:
        log.info("reload request %s notified", payload)
        self._woken.set()

    async def _watch(self, reload: Callable[[str], Awaitable[object]]) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.poll)
            self._woken.clear()
            try:
                await self._listen()
                generation = await self.requests.generation()
            except Exception as exc:
                log.warning("cannot read the reload requests: %s", exc)
                continue
            if generation <= self.seen:
                continue
            self.seen = generation
            try:
                await reload(f"reload request {generation}")
            except Exception:
                log.exception("reloading content on request %d failed", generation)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

"""The summary rows of whole-server answers built in the background, never inside a call.

`SummaryBuilds` runs the builds (bot/store/summaries.py: a server's rows in short writes, a
range of members each) one at a time, one per server and roadmap: an answer that finds its
server's rows not ready answers from the full queries and asks for a build here, which returns
at once. The same build is never queued twice; a failure is logged and retried at the next ask.

`SummaryUpkeep` asks for them ahead for the servers of this process's shards that have summaries,
a daily or weekly post, or members who follow a roadmap: at the bot's start, after a content
reload, right after a new week or month begins in one of those servers' zones (its next period
is added, the old one's rows deleted), and every `interval` in any case.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.services.clock import Clock, SystemClock
from bot.services.content import ContentHolder
from bot.services.roadmaps import MemberRoadmaps
from bot.services.timezones import zone_or_utc
from bot.store.summaries import (
    BUILD_CHUNK_ROWS,
    BuildReport,
    KeptServer,
    PeriodStart,
    SummaryContent,
    SummaryRepository,
)

if TYPE_CHECKING:
    from bot.services.leaderboard import LeaderboardService

log = logging.getLogger(__name__)

#: How often the upkeep looks for servers whose rows need a build at the latest (it also looks
#: right after each new week or month of their zones).
UPKEEP_INTERVAL = 900.0
#: How long after a period's first instant the upkeep looks: a timer may fire a little early,
#: and the loop's clock and the wall clock drift apart a little.
BOUNDARY_MARGIN = 1.0
#: After each build write, a rest this many times as long as the write took: the build takes at
#: most half of the writer's time, so marks keep flowing beside it (and it takes twice as long).
BUILD_REST = 1.0


@dataclass(frozen=True, slots=True)
class BuildOrder:
    """A build asked for: the server's rows of `content.roadmap_id`, keeping `keep`."""

    guild_id: int
    content: SummaryContent
    keep: tuple[PeriodStart, ...]

    @property
    def server(self) -> tuple[int, str]:
        return self.guild_id, self.content.roadmap_id


class SummaryBuilds:
    """One background build at a time, in the order asked; the latest order per server."""

    def __init__(
        self,
        repository: SummaryRepository,
        *,
        rows: int = BUILD_CHUNK_ROWS,
        rest: float = BUILD_REST,
    ) -> None:
        self._repository = repository
        self._rows = rows
        self._rest = rest
        self._pending: dict[tuple[int, str], BuildOrder] = {}
        self._current: BuildOrder | None = None
        self._worker: asyncio.Task[None] | None = None
        self._stopped = False
        #: The report of the last build that wrote rows (for logs, tests and benchmarks; one
        #: that found nothing to do, a single write, does not replace it).
        self.last: BuildReport | None = None
        self.built = 0  # builds that built rows and switched them to built
        self.failures = 0

    def request(
        self, guild_id: int, content: SummaryContent, keep: tuple[PeriodStart, ...]
    ) -> None:
        """Build the server's rows soon (returns at once); nothing when the same build is
        already queued or running."""
        order = BuildOrder(guild_id, content, keep)
        if self._stopped or order == self._current or self._pending.get(order.server) == order:
            return
        self._pending[order.server] = order
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())

    @property
    def busy(self) -> bool:
        return self._worker is not None

    async def idle(self) -> None:
        """Wait until every build asked for so far has ended."""
        while self._worker is not None:
            await asyncio.shield(self._worker)

    async def stop(self) -> None:
        """Cancel the build under way and forget the queued ones (the next start asks again)."""
        self._stopped = True
        self._pending.clear()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    async def _work(self) -> None:
        try:
            while self._pending:
                server = next(iter(self._pending))
                order = self._current = self._pending.pop(server)
                try:
                    await self._build(order)
                except Exception:
                    self.failures += 1
                    log.exception(
                        "summary build failed guild=%s roadmap=%s; retried at the next ask",
                        *server,
                    )
                finally:
                    self._current = None
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None

    async def _build(self, order: BuildOrder) -> None:
        started = time.perf_counter()
        build = await self._repository.begin_build(
            order.guild_id, order.content, order.keep, rows=self._rows
        )
        if build is None:
            log.info(
                "summary build of guild=%s roadmap=%s runs elsewhere; not started here",
                *order.server,
            )
            return
        # Each step is one short write: marks and answers go on between them.
        try:
            while True:
                if not await build.step():
                    break
                await asyncio.sleep(build.report.write_seconds[-1] * self._rest)
        except asyncio.CancelledError:
            # Stopping: the next process (a restart, a rolling deploy) builds the server at
            # once instead of waiting for this build's heartbeat to age.
            with contextlib.suppress(Exception):
                await asyncio.shield(build.abandon())
            raise
        report = build.report
        self.built += report.finished and build.job.chunked
        if report.writes > 1:
            self.last = report
            log.info(
                "summary build guild=%s roadmap=%s: %s in %.1f s, %d writes, longest %.1f ms",
                *order.server,
                "superseded" if report.superseded else "built",
                time.perf_counter() - started,
                report.writes,
                report.longest_write * 1000,
            )


def next_period_start(now: datetime, zones: Iterable[str | None]) -> datetime | None:
    """The first instant after `now` of a week or month that a server in one of `zones` keeps
    (None: no zones)."""
    # Imported here: bot/services/leaderboard.py, where the kept periods are decided, imports
    # this module.
    from bot.services.leaderboard import every_kept_period

    starts = [
        start.since
        for zone in set(zones)
        for start in every_kept_period(now, zone_or_utc(zone))
        if start.since > now
    ]
    return min(starts, default=None)


class SummaryUpkeep:
    """Asks for the builds of the servers worth keeping ready: at start, after a reload, at each
    new week or month of their zones, and periodically."""

    def __init__(
        self,
        leaderboard: LeaderboardService,
        roadmaps: MemberRoadmaps,
        content: ContentHolder,
        servers: Callable[[], Awaitable[list[KeptServer]]],
        *,
        clock: Clock | None = None,
        interval: float = UPKEEP_INTERVAL,
    ) -> None:
        self._leaderboard = leaderboard
        self._roadmaps = roadmaps
        self._content = content
        self._servers = servers
        self._clock = clock or SystemClock()
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: The earliest next week or month start in the kept servers' zones, as of the last look.
        self.next_period: datetime | None = None
        self.looks = 0  # looks by the background task (for tests and logs)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._leaderboard.stop_builds()

    def content_changed(self) -> None:
        """A reload was applied: look again now (a roadmap's fingerprint may have changed)."""
        self._wake.set()

    async def build_ahead(self) -> int:
        """Ask for the build of every kept server whose rows are not complete; how many. Also
        notes when the next week or month begins in their zones (`next_period`)."""
        now = self._clock.now()
        asked = 0
        seen: set[tuple[int, str]] = set()
        servers = await self._servers()
        for server in servers:
            if server.roadmap_id is None:
                roadmap = await self._roadmaps.server_roadmap(server.guild_id)
            else:
                found = self._content.catalog.get(server.roadmap_id)
                if found is None:  # the roadmap left the content
                    continue
                roadmap = found
            if (server.guild_id, roadmap.id) not in seen:
                seen.add((server.guild_id, roadmap.id))
                asked += await self._leaderboard.build_ahead(server.guild_id, roadmap)
        self.next_period = next_period_start(now, (server.time_zone for server in servers))
        return asked

    def _until_next_look(self) -> float:
        """Seconds to the next look: the interval, or less when a period begins sooner."""
        if self.next_period is None:
            return self._interval
        until = (self.next_period - self._clock.now()).total_seconds() + BOUNDARY_MARGIN
        return max(0.0, min(self._interval, until))

    async def _keep(self) -> None:
        while True:
            self._wake.clear()
            try:
                asked = await self.build_ahead()
                if asked:
                    log.info("summary builds asked for ahead: %d", asked)
                wait = self._until_next_look()
            except Exception:
                log.exception("summary upkeep failed; tried again in %.0f s", self._interval)
                wait = self._interval
            self.looks += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

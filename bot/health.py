"""The health check a supervisor polls: `GET /health` on HEALTH_HOST:HEALTH_PORT.

200 with a JSON body when every shard of this process is ready and the database answers, 503
with the same body otherwise: `{"slot", "shards", "ready_shards", "database_ok",
"content_version", "healthy"}`. A tiny aiohttp server (aiohttp comes with discord.py) on
127.0.0.1 by default, started with the bot's background work and stopped with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import Connection, select

from bot.roadmap.catalog import Catalog
from bot.sharding import ShardPlan
from bot.store.database import Database

log = logging.getLogger(__name__)

#: How long the database may take to answer `SELECT 1` before the check says it is down.
DATABASE_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    slot: int | None
    shards: list[int]
    ready_shards: list[int]
    database_ok: bool
    content_version: str

    @property
    def healthy(self) -> bool:
        return self.database_ok and self.ready_shards == self.shards

    def body(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


_versions: dict[int, tuple[Catalog, str]] = {}


def content_version(catalog: Catalog) -> str:
    """A short hash of the content served: equal on two machines serving the same roadmaps
    (the same files), different after any change. Computed once per catalog."""
    cached = _versions.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    digest = hashlib.sha256(repr(catalog.roadmaps).encode()).hexdigest()[:12]
    _versions.clear()  # one catalog is served at a time
    _versions[id(catalog)] = (catalog, digest)
    return digest


def _select_one(conn: Connection) -> int:
    return int(conn.scalar(select(1)) or 0)


async def database_answers(database: Database) -> bool:
    """Whether a read reaches the database within DATABASE_TIMEOUT seconds."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            return await database.read(_select_one) == 1
    except Exception as exc:  # a health check reports a failure, never raises it
        log.warning("health check: the database does not answer: %s", exc or type(exc).__name__)
        return False


async def build_report(
    plan: ShardPlan | None,
    ready_shards: set[int],
    database: Database,
    catalog: Catalog,
) -> HealthReport:
    """The report for a process running `plan` (None: unsharded, shard 0 of 1)."""
    shards = list(plan.ids) if plan is not None else [0]
    return HealthReport(
        slot=plan.slot if plan is not None else None,
        shards=shards,
        ready_shards=sorted(ready_shards & set(shards)),
        database_ok=await database_answers(database),
        content_version=content_version(catalog),
    )


async def waiting_report(database: Database, catalog: Catalog) -> HealthReport:
    """A process waiting for a slot's lease (a spare, or a slot whose old process still holds
    it) runs no shard yet: healthy while its database answers, so a supervisor leaves it be."""
    return HealthReport(
        slot=None,
        shards=[],
        ready_shards=[],
        database_ok=await database_answers(database),
        content_version=content_version(catalog),
    )


class HealthServer:
    """Answers GET /health with `probe()`'s report: 200 when healthy, 503 when not. The probe
    may be replaced while it runs (a process waiting for a slot hands its check to the bot)."""

    def __init__(self, probe: Callable[[], Awaitable[HealthReport]], host: str, port: int) -> None:
        self.probe = probe
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def _health(self, request: web.Request) -> web.Response:
        report = await self.probe()
        return web.json_response(report.body(), status=200 if report.healthy else 503)

    async def start(self) -> None:
        if self._runner is not None:
            return  # already answering (started while the process waited for a slot)
        app = web.Application()
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # a free port (tests): report the one taken
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("health check on http://%s:%d/health", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

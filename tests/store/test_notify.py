"""Reload requests reaching every process: on real PostgreSQL two Database/listener pairs both
reload at once on a notification (the poll set far too slow to be what carried it); a listener
that is cut off is covered by the poll and listens again; on SQLite the poll alone does it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from bot.cli.reload import run_reload
from bot.config import Settings
from bot.services.reload_broadcast import OpenListener, ReloadBroadcast
from bot.store.alembic_runner import upgrade_url
from bot.store.database import Database
from bot.store.notify import RELOAD_CHANNEL, ReloadListener, ReloadRequests
from tests.postgres import plain_dsn


class Reloads:
    """What one process's reloads were, with when each came."""

    def __init__(self) -> None:
        self.triggers: list[str] = []
        self.arrived = asyncio.Event()

    async def __call__(self, trigger: str) -> None:
        self.triggers.append(trigger)
        self.arrived.set()


def listener_on(url: str) -> OpenListener:
    async def open_listener(on_request: Callable[[str], object]) -> ReloadListener:
        return await ReloadListener.open(url, on_request)

    return open_listener


async def test_a_reload_request_reaches_both_processes_by_notification(
    postgres_database: str,
) -> None:
    await upgrade_url(postgres_database)
    databases = [await Database.open(postgres_database) for _ in range(3)]
    broadcasts = [
        ReloadBroadcast(ReloadRequests(db), listener_on(postgres_database), poll=60)
        for db in databases[:2]
    ]
    seen = [Reloads(), Reloads()]
    try:
        for broadcast, reloads in zip(broadcasts, seen, strict=True):
            await broadcast.start(reloads)
            assert broadcast.listening
        asked = time.monotonic()
        generation = await ReloadRequests(databases[2]).request()
        await asyncio.wait_for(asyncio.gather(*(r.arrived.wait() for r in seen)), 5)
        took = time.monotonic() - asked
        print(f"both processes reloaded {took * 1000:.0f} ms after the request")
        assert generation == 1
        assert [r.triggers for r in seen] == [["reload request 1"]] * 2
        assert took < 2  # the poll (60 s) did not carry it

        # Two requests before anyone looks: one reload each, of the newest generation.
        for reloads in seen:
            reloads.arrived.clear()
        await ReloadRequests(databases[2]).request()
        await ReloadRequests(databases[2]).request()
        await asyncio.wait_for(asyncio.gather(*(r.arrived.wait() for r in seen)), 5)
        await asyncio.sleep(0.3)
        assert all(r.triggers[-1] == "reload request 3" for r in seen)
        assert all(len(r.triggers) in (2, 3) for r in seen)
    finally:
        for broadcast in broadcasts:
            await broadcast.stop()
        for db in databases:
            await db.close()


async def test_a_cut_off_listener_is_covered_by_the_poll_and_listens_again(
    postgres_database: str,
) -> None:
    await upgrade_url(postgres_database)
    process, operator = (
        await Database.open(postgres_database),
        await Database.open(postgres_database),
    )
    broadcast = ReloadBroadcast(ReloadRequests(process), listener_on(postgres_database), poll=0.3)
    reloads = Reloads()
    try:
        await broadcast.start(reloads)
        admin = await asyncpg.connect(plain_dsn(postgres_database))
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE $1",
                f"LISTEN%{RELOAD_CHANNEL}%",
            )
        finally:
            await admin.close()
        assert ended == 1
        for _ in range(50):
            if not broadcast.listening:
                break
            await asyncio.sleep(0.05)
        assert not broadcast.listening
        await ReloadRequests(operator).request()  # notified to no one: the poll finds it
        await asyncio.wait_for(reloads.arrived.wait(), 5)
        assert reloads.triggers == ["reload request 1"]
        for _ in range(50):
            if broadcast.listening:
                break
            await asyncio.sleep(0.05)
        assert broadcast.listening
    finally:
        await broadcast.stop()
        await process.close()
        await operator.close()


async def test_on_sqlite_the_poll_alone_carries_a_request(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    broadcast = ReloadBroadcast(ReloadRequests(db), None, poll=0.1)
    reloads = Reloads()
    try:
        await ReloadRequests(db).request()  # before the start: already done, not reloaded
        await broadcast.start(reloads)
        assert broadcast.seen == 1
        await asyncio.sleep(0.3)
        assert reloads.triggers == []
        assert await ReloadRequests(db).request() == 2
        await asyncio.wait_for(reloads.arrived.wait(), 5)
        assert reloads.triggers == ["reload request 2"]
    finally:
        await broadcast.stop()
        await db.close()


def test_python_m_bot_reload_adds_a_request_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_path=tmp_path / "bot.sqlite3")
    assert run_reload(settings) == 0
    assert run_reload(settings) == 0
    said = capsys.readouterr().out
    assert "reload the content (request 1)" in said and "(request 2)" in said
    assert "within 5 s" in said  # SQLite: the poll carries it

    async def generation() -> int:
        async with await Database.open(settings.database_path) as db:
            return await ReloadRequests(db).generation()

    assert asyncio.run(generation()) == 2

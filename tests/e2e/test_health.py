"""GET /health as a supervisor polls it: 503 until every shard of the process is ready, 200 with
slot, shards, ready shards, database and content version once they are, 503 again when the
database stops answering. Unsharded on SQLite, and a sharded slot on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import StudyBot, create_bot
from bot.config import Settings
from bot.health import HealthReport, content_version
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services.content import ContentHolder
from bot.sharding import SlotLayout
from bot.store.database import Database
from tests.e2e.conftest import CONTENT_DIR
from tests.emulator.runner import close_client, point_discord_at, running_client
from tests.emulator.server import Emulator


async def get_health(bot: StudyBot) -> tuple[int, dict[str, Any]]:
    assert bot.health_server is not None
    url = f"http://127.0.0.1:{bot.health_server.port}/health"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def health_within(
    bot: StudyBot, wanted: Callable[[int, dict[str, Any]], bool], within: float
) -> dict[str, Any]:
    """The first health body (polled every 50 ms) for which `wanted(status, body)` holds."""
    status, body = 0, {}
    for _ in range(int(within / 0.05)):
        status, body = await get_health(bot)
        if wanted(status, body):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"health never as wanted within {within} s: {status} {body}")


def settings_for(emulator: Emulator, **values: Any) -> Settings:
    return Settings(
        token=emulator.world.token,
        content_dir=CONTENT_DIR,
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
        health_port=0,  # a free port, reported by the server
        **values,
    )


@contextlib.asynccontextmanager
async def logged_in(bot: StudyBot, emulator: Emulator) -> AsyncIterator[StudyBot]:
    """Set up and logged in (the health check is up) but not connected to the gateway."""
    with point_discord_at(emulator.api_base, emulator.gateway_url):
        try:
            await bot.login(emulator.world.token)
            yield bot
        finally:
            await close_client(bot, None)


async def test_unsharded_health_follows_the_gateway_and_the_database(
    emulator: Emulator, tmp_path: Path, shipped_catalog: Catalog
) -> None:
    database = await Database.open(tmp_path / "bot.sqlite3")
    bot = create_bot(
        settings_for(emulator, database_path=tmp_path / "bot.sqlite3"),
        database,
        ContentHolder(shipped_catalog),
        tick_interval=30.0,
        guild_ready_timeout=0.05,
    )
    async with logged_in(bot, emulator):
        status, body = await get_health(bot)
        assert status == 503 and body["ready_shards"] == [] and body["healthy"] is False
        assert body["database_ok"] is True
    bot = create_bot(
        settings_for(emulator, database_path=tmp_path / "bot.sqlite3"),
        await Database.open(tmp_path / "bot.sqlite3"),
        ContentHolder(shipped_catalog),
        tick_interval=30.0,
        guild_ready_timeout=0.05,
    )
    async with running_client(bot, emulator.world.token, emulator.api_base, emulator.gateway_url):
        status, body = await get_health(bot)
        assert status == 200, body
        assert body == {
            "slot": None,
            "shards": [0],
            "ready_shards": [0],
            "database_ok": True,
            "content_version": content_version(shipped_catalog),
            "healthy": True,
        }
        assert re.fullmatch(r"[0-9a-f]{12}", body["content_version"])
        await bot.database.close()  # the database goes away under a running process
        status, body = await get_health(bot)
        assert status == 503 and body["database_ok"] is False and body["ready_shards"] == [0]


async def test_a_sharded_slot_is_healthy_once_its_shards_are_ready(
    emulator: Emulator, postgres_migrated_database: str, shipped_catalog: Catalog
) -> None:
    plan = SlotLayout.by_size(4, 2).plan(1)
    bot = create_bot(
        settings_for(emulator, database_url=postgres_migrated_database, shard_count=4),
        await Database.open(postgres_migrated_database),
        ContentHolder(shipped_catalog),
        shard_plan=plan,
        tick_interval=30.0,
        guild_ready_timeout=0.05,
    )
    async with running_client(bot, emulator.world.token, emulator.api_base, emulator.gateway_url):
        status, body = await get_health(bot)
        assert status == 200, body
        assert (body["slot"], body["shards"], body["ready_shards"]) == (1, [2, 3], [2, 3])
        # Discord ends both sessions (op 9, not resumable): the shards identify again, each
        # waiting for its bucket's turn (Discord's 5 s here), and the check says so meanwhile.
        await emulator.gateway.invalidate_session(resumable=False)
        down = await health_within(bot, lambda status, body: status == 503, 5)
        assert down["ready_shards"] != [2, 3] and down["database_ok"] is True
        await health_within(bot, lambda status, body: status == 200, 20)


def test_healthy_needs_every_shard_and_the_database() -> None:
    def report(ready: list[int], database_ok: bool = True) -> HealthReport:
        return HealthReport(0, [0, 1], ready, database_ok, "abc")

    assert report([0, 1]).healthy
    assert not report([0]).healthy
    assert not report([0, 1], database_ok=False).healthy


def test_content_version_changes_with_the_content(shipped_catalog: Catalog, tmp_path: Path) -> None:
    """Same files, same version (two machines agree); one word changed, another version."""
    text = (CONTENT_DIR / "python-backend.yaml").read_text(encoding="utf-8")
    (tmp_path / "python-backend.yaml").write_text(text, encoding="utf-8")
    same = load_directory(tmp_path).catalog
    (tmp_path / "python-backend.yaml").write_text(
        text.replace("title:", "title: Edited", 1), encoding="utf-8"
    )
    edited = load_directory(tmp_path).catalog
    assert same is not None and edited is not None
    assert content_version(same) == content_version(shipped_catalog)
    assert content_version(edited) != content_version(shipped_catalog)

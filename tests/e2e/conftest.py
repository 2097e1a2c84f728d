"""End-to-end fixtures: the real StudyBot (real discord.py, SQLite, content) against the emulator.

    async def test_next(emulator, sample, launch):
        bot = await launch()
        result = await emulator.slash(sample.guild, sample.alice, "roadmap next")

`launch()` may be called again after `await bot.close()` to restart on the same database;
`clock` is the ManualClock every bot of the test shares, so a test moves time itself. Other
keyword arguments go to StudyBot (a test's own `rest_gate` or `rest_pacer`, say).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import EXTENSIONS, StudyBot
from bot.config import Settings
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.store.database import Database
from tests.emulator.server import Emulator

#: The roadmap the bot runs on in these suites: a frozen copy, not the shipped content.
CONTENT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "roadmap"

#: A Wednesday noon: leaderboard weeks start on the Monday before.
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

Launch = Callable[..., Awaitable[StudyBot]]


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    """The roadmaps in content/, loaded once (a Catalog is immutable)."""
    result = load_directory(CONTENT_DIR)
    assert result.ok and result.catalog is not None, "\n".join(map(str, result.problems))
    return result.catalog


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
def launch(
    emulator: Emulator,
    start_bot: Callable[..., Awaitable[StudyBot]],
    shipped_catalog: Catalog,
    clock: ManualClock,
    database_path: Path,
) -> Launch:
    """`await launch(...)`: a StudyBot on the test's database, ready; closed after the test."""

    async def start(
        *,
        catalog: Catalog | None = None,
        content: ContentHolder | None = None,
        extensions: Sequence[str] = EXTENSIONS,
        dev_guild_id: int | None = None,
        dev_guild_sync_all: bool = False,
        owner_ids: frozenset[int] = frozenset(),
        content_dir: Path = CONTENT_DIR,
        tick_interval: float = 30.0,
        **bot_options: Any,
    ) -> StudyBot:
        settings = Settings(
            token=emulator.world.token,
            database_path=database_path,
            content_dir=content_dir,
            dev_guild_id=dev_guild_id,
            dev_guild_sync_all=dev_guild_sync_all,
            owner_ids=owner_ids,
            api_base=emulator.api_base,
            gateway_url=emulator.gateway_url,
        )
        holder = content or ContentHolder(catalog or shipped_catalog)
        database = await Database.open(database_path)
        bot = StudyBot(
            settings,
            database,
            holder,
            clock,
            extensions=extensions,
            tick_interval=tick_interval,
            guild_ready_timeout=0.05,
            **bot_options,
        )
        try:
            return await start_bot(bot)
        except BaseException:
            await database.close()
            raise

    return start

"""End-to-end fixtures: the real StudyBot (real discord.py, store, content) against the emulator.

    async def test_next(emulator, sample, launch):
        bot = await launch()
        result = await emulator.slash(sample.guild, sample.alice, "roadmap next")

`launch()` may be called again after `await bot.close()` to restart on the same database;
`clock` is the ManualClock every bot of the test shares, so a test moves time itself. Other
keyword arguments go to StudyBot (a test's own `rest_gate` or `rest_pacer`, say).

The store: SQLite at `database_path` for every test; the modules in `BOTH_BACKENDS` run each
test a second time on a fresh PostgreSQL database (tests/postgres.py), a copy of a template
migrated once per session with `upgrade_url` as a deploy does (the bot opens it and checks the
head; migrating each test's own database cost about a second a test). Not the whole suite: it would
double the e2e time for little, and these modules cover every repository the bot writes in a
command or a scheduled send. A test there that asks for `database_path` itself (it reads the
SQLite file) stays SQLite-only. A new SQLite database starts as a copy of a file migrated once per
session (tests/sqlite_template.py: ~0.05 s a launch instead of ~0.35 s); a launch that finds the
file there (a restart) opens it as it is.
"""

from __future__ import annotations

import inspect
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
from tests.sqlite_template import copy_migrated_sqlite

#: The roadmap the bot runs on in these suites: a frozen copy, not the shipped content.
CONTENT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "roadmap"

#: A Wednesday noon: leaderboard weeks start on the Monday before.
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

Launch = Callable[..., Awaitable[StudyBot]]

#: The e2e modules whose every test runs on SQLite and on PostgreSQL (README "Development and
#: tests"): /roadmap next and done, the study loop, the daily post, reminders, export and
#: forget-me, stats, the leaderboard and standing, moderation (log channel, announce, reward
#: Undo) and the weekly post. PostgreSQL runs cost about twice SQLite's.
BOTH_BACKENDS = frozenset(
    {
        "test_next",
        "test_study_commands",
        "test_study_loop",
        "test_daily",
        "test_reminders",
        "test_account",
        "test_stats",
        "test_standing",
        "test_moderation",
        "test_weekly",
        # The buttons and flows whose state crosses processes (issue 18): a DM's press or a
        # daily post's button answered by any slot, a reward's grant and its Undo.
        "test_reminder_buttons",
        "test_daily_buttons",
        "test_rewards",
        "test_undo",
        "test_catch_up",
        "test_setup",
    }
)
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    reads_the_file = "database_path" in inspect.signature(metafunc.function).parameters
    if module in BOTH_BACKENDS and not reads_the_file:
        metafunc.parametrize("store_backend", BACKENDS, indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite", or "postgresql" for the second run of a BOTH_BACKENDS test."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def bot_database(
    request: pytest.FixtureRequest, store_backend: str, database_path: Path
) -> Path | str:
    """What the test's bots open: the SQLite path, or a fresh PostgreSQL database's URL."""
    if store_backend == "postgresql":
        return str(request.getfixturevalue("postgres_migrated_database"))
    return database_path


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
def launch(  # noqa: PLR0917 (pytest passes fixtures by name)
    emulator: Emulator,
    start_bot: Callable[..., Awaitable[StudyBot]],
    shipped_catalog: Catalog,
    clock: ManualClock,
    bot_database: Path | str,
    migrated_sqlite_template: Path,
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
        on_postgresql = isinstance(bot_database, str)
        settings = Settings(
            token=emulator.world.token,
            database_path=Settings().database_path if on_postgresql else Path(bot_database),
            database_url=str(bot_database) if on_postgresql else None,
            content_dir=content_dir,
            dev_guild_id=dev_guild_id,
            dev_guild_sync_all=dev_guild_sync_all,
            owner_ids=owner_ids,
            api_base=emulator.api_base,
            gateway_url=emulator.gateway_url,
        )
        holder = content or ContentHolder(catalog or shipped_catalog)
        if not on_postgresql:
            copy_migrated_sqlite(migrated_sqlite_template, Path(bot_database))
        database = await Database.open(bot_database)
        assert database.dialect == ("postgresql" if on_postgresql else "sqlite")
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

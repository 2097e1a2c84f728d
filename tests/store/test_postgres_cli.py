"""DATABASE_URL and SHARD_COUNT as an operator meets them: `python -m bot migrate` on
PostgreSQL, a bot that refuses a schema behind the code (exit 2, never migrating at start),
`backup` pointing at pg_dump, and SHARD_COUNT refused on SQLite. Each case runs the real process.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.store.alembic_runner import head_revision, upgrade_url
from bot.store.database import Database
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env of the project gets read
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "CONTENT_DIR": str(ROOT / "content"),
            # Nothing listens here: the bot must stop before it would try to connect.
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_migrate_brings_postgresql_to_head_then_reports_up_to_date(
    tmp_path: Path, postgres_database: str
) -> None:
    latest = head_revision()
    first = run_bot(tmp_path, "migrate", DATABASE_URL=postgres_database)
    assert first.returncode == 0, first.stderr
    assert f"Alembic revision (none) -> {latest}" in first.stdout
    assert "0003_baseline.py" in first.stdout
    # The operator's line names the server and database, never the password.
    assert first.stdout.startswith("postgresql+asyncpg://127.0.0.1:")
    second = run_bot(tmp_path, "migrate", DATABASE_URL=postgres_database)
    assert second.returncode == 0, second.stderr
    assert f"up to date (Alembic revision {latest})" in second.stdout
    # No SQLite file was made beside it.
    assert not (tmp_path / "data").exists()
    async with await Database.open(postgres_database) as db:
        assert db.dialect == "postgresql"


async def test_the_bot_does_not_migrate_postgresql_at_start(
    tmp_path: Path, postgres_database: str
) -> None:
    result = run_bot(tmp_path, DATABASE_URL=postgres_database, DISCORD_TOKEN="x.y.z")
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "run `python -m bot migrate` first" in output
    assert "revision none" in output
    # Still unmigrated: the process only looked.
    migrated = await upgrade_url(postgres_database)
    assert migrated.before is None


async def test_a_database_one_revision_behind_stops_the_bot_until_migrated(
    tmp_path: Path, postgres_database: str
) -> None:
    """At the revision before head (migrated by the code of the deploy before), the bot
    exits 2 naming both revisions and the command; `migrate` then applies that one revision."""
    latest = head_revision()
    assert latest is not None
    before = tmp_path / "migrations-before"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, before, ignore=shutil.ignore_patterns("__pycache__"))
    [newest] = (before / "versions").glob(f"{latest}_*.py")
    newest.unlink()
    previous = head_revision(before)
    assert previous is not None and previous != latest
    assert (await upgrade_url(postgres_database, before)).after == previous

    result = run_bot(tmp_path, DATABASE_URL=postgres_database, DISCORD_TOKEN="x.y.z")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert (
        f"the database is at revision {previous}, the code at {latest}; "
        "run `python -m bot migrate` first"
    ) in output
    migrated = run_bot(tmp_path, "migrate", DATABASE_URL=postgres_database)
    assert migrated.returncode == 0, migrated.stderr
    assert f"Alembic revision {previous} -> {latest}" in migrated.stdout


def test_postgres_url_that_cannot_be_reached_is_a_failure_not_a_traceback(
    tmp_path: Path,
) -> None:
    result = run_bot(
        tmp_path,
        DATABASE_URL="postgresql+asyncpg://nobody:secret@127.0.0.1:9/none",
        DISCORD_TOKEN="x.y.z",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "cannot open the database postgresql+asyncpg://127.0.0.1:9/none" in output
    assert "secret" not in output


def test_backup_on_postgresql_points_at_pg_dump(tmp_path: Path) -> None:
    result = run_bot(
        tmp_path,
        "backup",
        str(tmp_path / "copy"),
        DATABASE_URL="postgresql+asyncpg://u@127.0.0.1:9/study",
    )
    assert result.returncode == 2
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "copy").exists()


def test_shard_count_without_database_url_is_refused(tmp_path: Path) -> None:
    result = run_bot(tmp_path, SHARD_COUNT="2", DISCORD_TOKEN="x.y.z")
    assert result.returncode == 2
    assert "SHARD_COUNT needs DATABASE_URL" in result.stderr
    assert not (tmp_path / "data").exists()


def test_database_url_settings() -> None:
    settings = load_settings(
        {"DATABASE_URL": "postgres://bot:pw@db.example:5432/study", "SHARD_COUNT": "4"},
        dotenv=False,
    )
    assert settings.database == "postgresql+asyncpg://bot:pw@db.example:5432/study"
    assert settings.database_name == "postgresql+asyncpg://db.example:5432/study"
    assert settings.shard_count == 4
    assert "pw" not in repr(settings)
    unset = load_settings({}, dotenv=False)
    assert unset.database == Path("data/bot.sqlite3")
    assert unset.database_url is None and unset.shard_count is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"DATABASE_URL": "postgresql+asyncpg://u@h"}, "must name a host and a database"),
        ({"DATABASE_URL": "postgresql+asyncpg://u@h/d", "SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"DATABASE_URL": "postgresql+asyncpg://u@h/d", "SHARD_COUNT": "x"}, "SHARD_COUNT"),
    ],
)
def test_bad_database_settings(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ, dotenv=False)

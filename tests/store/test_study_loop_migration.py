"""Revision 0005 (the study loop) on a database at 0004 with rows, on SQLite and PostgreSQL:
every row is kept, a topic is not checked, reviews are on, no review card exists yet, and the
new table works at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select

from bot.store.alembic_runner import head_revision
from bot.store.database import Database
from bot.store.progress import ProgressRepository
from bot.store.reviews import ReviewRepository
from bot.store.schema import completions, member_settings, progress
from tests.store.old_migrations import upgraded_from

G, U = 1_234_567_890_123_456_789, 1_234_567_890_123_456_790
T = "2024-05-01T09:30:00.000000Z"
ROW = dict(
    guild_id=G, user_id=U, roadmap_id="py", topic_id="t1", status="done",
    started_at=T, updated_at=T, completed_at=T,
)  # fmt: skip
SETTINGS = dict(guild_id=G, user_id=U, time_zone="Europe/Paris", hide_progress=1, updated_at=T)
HEAD = head_revision()
LOGGED = dict(
    guild_id=G, user_id=U, roadmap_id="py", topic_id="t1", completed_at=T, local_date="2024-05-01"
)


def _old_rows(conn: Connection) -> None:
    # Only the columns 0004 had are named: Core leaves 0005's new columns out.
    conn.execute(insert(progress).values(**ROW))
    conn.execute(insert(member_settings).values(**SETTINGS))
    conn.execute(insert(completions).values(**LOGGED))


async def _check_kept(db: Database) -> None:
    assert await db.schema_revision() == HEAD
    (row,) = await ProgressRepository(db).rows(G, U, "py")
    assert (row.topic_id, row.status, row.completed, row.checked) == ("t1", "done", T, None)
    reviews = ReviewRepository(db)
    assert await reviews.enabled(G, U)  # the new column's default for an existing member
    assert await reviews.cards(G, U, "py") == []
    kept = await db.read(
        lambda conn: conn.execute(
            select(member_settings.c.time_zone, member_settings.c.hide_progress)
        ).all()
    )
    assert [tuple(r) for r in kept] == [("Europe/Paris", 1)]
    logged = await db.read(lambda conn: conn.scalar(select(completions.c.topic_id)))
    assert logged == "t1"
    card = {
        "due": date(2024, 5, 4),
        "stability": 2.3,
        "difficulty": 2.1,
        "state": "learning",
        "step": 1,
        "last_review": datetime(2024, 5, 1, tzinfo=UTC),
    }
    assert await reviews.add(G, U, "py", "t1", card)
    assert [c.topic_id for c in await reviews.due(G, U, "py", date(2024, 5, 4))] == ["t1"]


FIRST = "0005_study_loop.py"


async def test_a_0004_sqlite_database_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with upgraded_from(path, tmp_path, "0004", _old_rows, first=FIRST) as db:
        await _check_kept(db)


async def test_a_0004_postgres_database_keeps_its_rows(
    postgres_database: str, tmp_path: Path
) -> None:
    async with upgraded_from(postgres_database, tmp_path, "0004", _old_rows, first=FIRST) as db:
        await _check_kept(db)

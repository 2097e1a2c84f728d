"""WAL checkpoints run on their own thread, not inside the writer's commits."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert

from bot.store.checkpoints import FALLBACK_PAGES, Checkpointer
from bot.store.database import Database
from bot.store.schema import meta


def _fill(conn: Connection, start: int) -> None:
    conn.execute(insert(meta), [{"key": f"k{start + n}", "value": "x" * 500} for n in range(200)])


def _log_pages(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


async def test_the_writer_leaves_checkpoints_to_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as db:
        pragma = await db.write_sqlite(
            lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        )
        assert pragma == FALLBACK_PAGES
        for start in range(0, 2000, 200):
            await db.write(_fill, start)
        assert _log_pages(path) > 0
        # The thread copies the whole log into the file within a few intervals.
        checkpointer = db._checkpointer
        assert checkpointer is not None
        for _ in range(200):
            if checkpointer.last is not None and checkpointer.last[1] > 0:
                break
            await asyncio.sleep(0.05)
        assert checkpointer.last is not None
        busy, logged, copied = checkpointer.last
        assert busy == 0 and logged == copied > 0


async def test_a_checkpoint_copies_the_whole_log(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path) as db:
        checkpointer = Checkpointer(path, interval_s=3600)  # only when asked
        await checkpointer.start()
        try:
            await db.write(_fill, 0)
            busy, logged, copied = checkpointer.run_once()
            assert busy == 0 and logged == copied and logged > 0
        finally:
            await checkpointer.stop()


async def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "gone.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        await Checkpointer(missing).start()
    assert not missing.exists()

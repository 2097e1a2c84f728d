"""Durability and concurrency: SIGKILL mid-stream loses no acknowledged write; concurrent
marks from two open databases on one file (as when `migrate` or `backup` runs beside the bot)
all land without "database is locked"; an online backup taken meanwhile is consistent."""

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection, Table, func, select

from bot.services.clock import SystemClock
from bot.services.progress import StudyService
from bot.store.database import Database
from bot.store.schema import completions, progress
from tests.store.crash_writer import GUILD, ROADMAP

ROOT = Path(__file__).resolve().parents[2]
KILLS = 15


def _rows_in(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.count()).select_from(table)))


def _acknowledged_by_killed_writer(db_path: Path, first_user: int, wait_lines: int) -> set:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", str(db_path), str(first_user)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    acknowledged = set()
    try:
        assert proc.stdout is not None
        while len(acknowledged) < wait_lines:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer ended early: {proc.stderr.read().decode()}")
            acknowledged.add(tuple(line.decode().split()))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Lines already in the pipe were printed before the kill: they count too, unless cut.
        for raw in proc.stdout.read().decode().splitlines(keepends=True):
            if raw.endswith("\n"):
                acknowledged.add(tuple(raw.split()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return acknowledged


def test_sigkill_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.sqlite3"
    rng = random.Random(7)
    acknowledged: set = set()
    for run in range(KILLS):
        acknowledged |= _acknowledged_by_killed_writer(
            db_path, first_user=(run + 1) * 10_000_000, wait_lines=rng.randint(20, 400)
        )
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = set(
            conn.execute(
                "SELECT CAST(user_id AS TEXT), topic_id FROM progress"
                " WHERE guild_id = ? AND status = 'done'",
                (GUILD,),
            )
        )
        logged = set(
            conn.execute(
                "SELECT CAST(user_id AS TEXT), topic_id FROM completions WHERE guild_id = ?",
                (GUILD,),
            )
        )
    finally:
        conn.close()
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged marks lost, e.g. {sorted(missing)[:5]}"
    assert acknowledged <= logged
    assert len(acknowledged) >= KILLS * 20


async def test_a_thousand_concurrent_marks_all_land(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Database.open(path)
    second = await Database.open(path)  # a second writer on the same file, as another process
    try:
        studies = [StudyService(first, SystemClock()), StudyService(second, SystemClock())]
        marks = [
            studies[user % 2].mark(GUILD, user, ROADMAP, f"t{user % 3}", "done")
            for user in range(1, 1001)
        ]
        backup = first.backup(tmp_path / "during.sqlite3")
        results = await asyncio.gather(*marks, backup, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
        assert all(r.status == "done" for r in results[:1000])
        assert await first.read(_rows_in, progress) == 1000
        assert await second.read(_rows_in, completions) == 1000
    finally:
        await first.close()
        await second.close()
    copy = sqlite3.connect(tmp_path / "during.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        in_copy = copy.execute("SELECT COUNT(*) FROM progress").fetchone()[0]
        logged = copy.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
    finally:
        copy.close()
    # A snapshot: whatever it holds is consistent (each mark's two rows together).
    assert 0 <= in_copy <= 1000 and logged == in_copy

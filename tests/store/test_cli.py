"""`python -m bot migrate` and `python -m bot backup PATH` as an operator runs them."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store.alembic_runner import BASELINE, head_revision
from bot.store.migrations import apply_migrations

ROOT = Path(__file__).resolve().parents[2]


def run_bot(tmp_path: Path, *args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(db),
        "DISCORD_TOKEN": "",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env of the project gets read
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_creates_then_reports_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "new" / "bot.sqlite3"
    latest = head_revision()
    first = run_bot(tmp_path, "migrate", db=db)
    assert first.returncode == 0, first.stderr
    assert f"Alembic revision (none) -> {latest}" in first.stdout
    assert "0003_baseline.py" in first.stdout
    second = run_bot(tmp_path, "migrate", db=db)
    assert second.returncode == 0
    assert f"up to date (Alembic revision {latest})" in second.stdout


def test_migrate_carries_over_a_database_of_the_numbered_sql(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    apply_migrations(conn)
    conn.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
    conn.close()
    result = run_bot(tmp_path, "migrate", db=db)
    assert result.returncode == 0, result.stderr
    # Stamped at the baseline, then every revision after it runs.
    assert f"Alembic revision (none) -> {head_revision()} (" in result.stdout
    assert f"carried over from numbered SQL schema version 2 (stamped {BASELINE})" in result.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta").fetchall() == [("yes",)]
    conn.close()


def test_backup_copies_and_refuses_an_existing_path(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    assert run_bot(tmp_path, "migrate", db=db).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO meta (key, value) VALUES ('who', 'me')")
    conn.commit()
    conn.close()

    target = tmp_path / "backups" / "copy.sqlite3"
    made = run_bot(tmp_path, "backup", str(target), db=db)
    assert made.returncode == 0, made.stderr
    assert f"to {target}" in made.stdout
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT value FROM meta").fetchall() == [("me",)]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()

    before = target.read_bytes()
    again = run_bot(tmp_path, "backup", str(target), db=db)
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["copy.sqlite3"]


def test_backup_without_a_database_fails_cleanly(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "backup", str(tmp_path / "b.sqlite3"), db=tmp_path / "none.db")
    assert result.returncode == 1
    assert "there is no database at" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "b.sqlite3").exists()


def test_migrate_reports_a_failing_migration(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("CREATE TABLE progress (x INTEGER)")  # clashes with the baseline
    conn.commit()
    conn.close()
    result = run_bot(tmp_path, "migrate", db=db)
    assert result.returncode == 1
    assert "0003_baseline.py: revision 0003 failed" in result.stderr
    assert "already exists" in result.stderr
    assert "left at its previous version" in result.stderr
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT name FROM sqlite_schema").fetchall() == [("progress",)]
    conn.close()

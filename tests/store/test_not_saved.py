"""A write SQLite refuses for a passing cause becomes NotSaved, whose words a member can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import NotSaved
from bot.store.writer import not_saved


def _refusal(run) -> BaseException:
    with pytest.raises(sqlite3.Error) as caught:
        run()
    return not_saved(caught.value)


def test_a_full_disk_is_not_saved_with_its_reason(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "full.sqlite3", isolation_level=None)
    conn.execute("CREATE TABLE notes (body BLOB)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
    error = _refusal(lambda: conn.execute("INSERT INTO notes VALUES (zeroblob(100000))"))
    assert isinstance(error, NotSaved) and error.reason == "the server's disk is full"
    conn.close()


def test_a_read_only_database_is_not_saved_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE notes (body TEXT)").connection.close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    error = _refusal(lambda: conn.execute("INSERT INTO notes VALUES ('x')"))
    assert isinstance(error, NotSaved) and error.reason == "the database is read-only"
    conn.close()


def test_other_errors_stay_what_they_are() -> None:
    error = sqlite3.IntegrityError("UNIQUE constraint failed: notes.id")
    assert not_saved(error) is error

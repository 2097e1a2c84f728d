"""The summaries' per-mark statements read only the member's rows, and the servers kept ahead
are found by searches (SQLite's query plans)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Connection, select

from bot.store import progress, reviews, summaries
from bot.store.database import Database
from bot.store.dialect import sqlite_engine


def plan_of(conn: Connection, sql: str) -> list[str]:
    """SQLite's query plan of `sql`, every named parameter bound to 1."""
    driver = conn.connection.driver_connection
    assert driver is not None
    names = set(re.findall(r":(\w+)", sql))
    return [row[3] for row in driver.execute("EXPLAIN QUERY PLAN " + sql, dict.fromkeys(names, 1))]


@asynccontextmanager
async def migrated(tmp_path: Path) -> AsyncIterator[Connection]:
    """A connection to a new SQLite database made by the real migrations."""
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass
    engine = sqlite_engine(path)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


async def test_a_marks_period_update_reads_the_members_log_by_its_index(tmp_path: Path) -> None:
    async with migrated(tmp_path) as conn:
        for prepared in (summaries._member_periods(conn), summaries._member_score(conn)):
            plan = plan_of(conn, prepared.sqlite_sql)
            # No full read of a server's log or progress: every table by a search.
            assert not [step for step in plan if step.startswith("SCAN")], plan
            assert "completions_by_roadmap_time" not in " ".join(plan), plan
        plan_text = " ".join(plan_of(conn, summaries._member_periods(conn).sqlite_sql))
        assert "completions_by_member_time (guild_id=? AND user_id=?" in plan_text


async def test_a_marks_reads_search_the_members_rows_by_primary_key(tmp_path: Path) -> None:
    # 0009 dropped the indexes by status and by due date: the member's rows are still found by
    # the primary key's prefix, never by a scan of the server's rows.
    async with migrated(tmp_path) as conn:
        for prepared, table in (
            (progress._SELECT_ROWS, "progress"),
            (reviews._SELECT_DUE, "review_cards"),
            (reviews._SELECT_ALL, "review_cards"),
        ):
            plan = " ".join(plan_of(conn, prepared.sqlite_sql))
            assert f"SEARCH {table} USING PRIMARY KEY (guild_id=? AND user_id=?" in plan, plan


async def test_the_followed_roadmaps_are_found_by_searches_of_their_index(tmp_path: Path) -> None:
    # The servers whose members follow a roadmap, for the summaries built ahead: each pair a
    # few searches of member_settings_followed (0010), never a read of every follower.
    async with migrated(tmp_path) as conn:
        followed = summaries._followed_roadmaps()
        query = select(followed.c.guild_id, followed.c.roadmap_id)
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        driver = conn.connection.driver_connection
        assert driver is not None
        plan = [row[3] for row in driver.execute("EXPLAIN QUERY PLAN " + sql)]
        reads = [step for step in plan if "member_settings" in step]
        assert len(reads) >= 4, plan
        for step in reads:
            assert step.startswith("SEARCH"), plan
            assert "USING COVERING INDEX member_settings_followed" in step, plan

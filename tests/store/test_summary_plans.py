"""The summaries' per-mark statements read only the member's rows (SQLite's query plans)."""

from __future__ import annotations

from pathlib import Path

from bot.store import summaries
from bot.store.database import Database
from bot.store.dialect import sqlite_engine


async def test_a_marks_period_update_reads_the_members_log_by_its_index(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with await Database.open(path):
        pass  # the real migrations
    engine = sqlite_engine(path)
    try:
        with engine.connect() as conn:
            for prepared in (summaries._member_periods(conn), summaries._member_score(conn)):
                sql = prepared._compiled(conn)[0]
                plan = [
                    row[3]
                    for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + sql, (1,) * sql.count("?")
                    )
                ]
                # No full read of a server's log or progress: every table by a search.
                assert not [step for step in plan if step.startswith("SCAN")], plan
                assert "completions_by_roadmap_time" not in " ".join(plan), plan
            sql = summaries._member_periods(conn)._compiled(conn)[0]
            plan_text = " ".join(
                row[3]
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (1,) * sql.count("?"))
            )
            assert "completions_by_member_time (guild_id=? AND user_id=?" in plan_text
    finally:
        engine.dispose()

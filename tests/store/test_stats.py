"""Server-wide aggregates on SQLite and on PostgreSQL: leaderboards (renamed ids counted once,
hidden members left out, shared ranks, the caller beyond the limit), the stage funnel and the
active members; and the index SQLite reads a period's leaderboard through."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, text

from bot.records import Score
from bot.store.database import Database
from bot.store.schema import completions, progress
from bot.store.settings import MemberSettingsRepository
from bot.store.stats import StatsRepository, _period_scores, _ranked

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
G = 10**18
ALICE, BOB, CAROL, DAN = 10**17, 10**17 + 1, 2**63 - 1, 10**17 + 2
# Stored id -> the live id it counts for: "old-b" was renamed "b".
LIVE_OF = {"a": "a", "b": "b", "old-b": "b", "c": "c"}


def _at(days_ago: float) -> str:
    moment = NOW - timedelta(days=days_ago)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _fill(conn: Connection) -> None:
    # (member, topic, status, completed days ago)
    rows = [
        (ALICE, "a", "done", 1),
        (ALICE, "old-b", "done", 20),
        (ALICE, "b", "done", 2),  # the same topic as old-b: counts once
        (BOB, "a", "done", 30),
        (BOB, "c", "skipped", None),
        (CAROL, "a", "done", 3),
        (CAROL, "c", "done", 3),
        (DAN, "gone", "done", 1),  # an id that left the content: never counts
        (DAN, "a", "in_progress", None),
    ]
    for user, topic, status, days in rows:
        at = _at(days if days is not None else 0)
        conn.execute(
            insert(progress).values(
                guild_id=G,
                user_id=user,
                roadmap_id="rm",
                topic_id=topic,
                status=status,
                started_at=at,
                updated_at=at,
                completed_at=at if status == "done" else None,
            )
        )
        if status == "done":
            conn.execute(
                insert(completions).values(
                    guild_id=G,
                    user_id=user,
                    roadmap_id="rm",
                    topic_id=topic,
                    completed_at=at,
                    local_date=at[:10],
                )
            )
    # Another server and another roadmap never count.
    for guild, roadmap in ((G + 1, "rm"), (G, "other")):
        conn.execute(
            insert(completions).values(
                guild_id=guild,
                user_id=BOB,
                roadmap_id=roadmap,
                topic_id="a",
                completed_at=_at(1),
                local_date="2024-05-14",
            )
        )


async def test_leaderboards_all_time_and_since(store_db: Database) -> None:
    await store_db.write(_fill)
    stats = StatsRepository(store_db)
    top, caller = await stats.leaderboard(G, "rm", LIVE_OF, since=None, caller_id=BOB, limit=10)
    assert top == [Score(ALICE, 2, 1), Score(CAROL, 2, 1), Score(BOB, 1, 3)]
    assert caller == Score(BOB, 1, 3)

    top, caller = await stats.leaderboard(
        G, "rm", LIVE_OF, since=NOW - timedelta(days=7), caller_id=ALICE, limit=1
    )
    assert top == [Score(ALICE, 2, 1)] and caller == Score(ALICE, 2, 1)
    top, caller = await stats.leaderboard(
        G, "rm", LIVE_OF, since=NOW - timedelta(days=7), caller_id=CAROL, limit=1
    )
    assert top == [Score(ALICE, 2, 1)] and caller == Score(CAROL, 2, 1)  # beyond the limit

    await MemberSettingsRepository(store_db).update(G, ALICE, NOW, hide_progress=True)
    top, caller = await stats.leaderboard(G, "rm", LIVE_OF, since=None, caller_id=ALICE, limit=10)
    assert top == [Score(CAROL, 2, 1), Score(BOB, 1, 2)] and caller is None
    top, _ = await stats.leaderboard(G, "rm", {}, since=None, caller_id=ALICE, limit=10)
    assert top == []


async def test_stage_funnel_and_active_members(store_db: Database) -> None:
    await store_db.write(_fill)
    stats = StatsRepository(store_db)
    # Stage 0: a; stage 1: b (and its old id); stage 2: c. Any status counts for the funnel.
    stage_of = {"a": 0, "b": 1, "old-b": 1, "c": 2}
    assert await stats.furthest_stages(G, "rm", stage_of) == {1: 1, 2: 2, 0: 1}
    assert await stats.furthest_stages(G, "rm", {}) == {}
    assert await stats.active_members(G, "rm", NOW - timedelta(days=7)) == 3  # A, C, D
    assert await stats.active_members(G, "rm", NOW - timedelta(days=2.5)) == 2


async def test_a_period_leaderboard_reads_the_periods_rows_by_time(db: Database) -> None:
    # With statistics saying the roadmap column tells rows apart poorly (one roadmap, as on
    # most servers), SQLite would group by walking the per-member index, reading the server's
    # whole history; the query's shape leaves it the index on (roadmap, completed_at).
    statement = _ranked(_period_scores(G, "rm", LIVE_OF, _at(7)), G, ALICE, 10)

    def plan(conn: Connection) -> list[str]:
        conn.execute(text("ANALYZE"))
        conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'completions'"))
        conn.execute(
            text(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES"
                " ('completions', 'completions_by_member_day', '2000000 2000000 20 2'),"
                " ('completions', 'completions_by_roadmap_time', '2000000 2000000 2000000 2 1 1')"
            )
        )
        conn.execute(text("ANALYZE sqlite_schema"))  # reload the statistics just written
        compiled = statement.compile(conn, compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        return [str(row[3]) for row in rows]

    steps = await db.write(plan)
    searches = [step for step in steps if "completions" in step and "SEARCH" in step]
    assert searches and all("completions_by_roadmap_time" in step for step in searches), steps

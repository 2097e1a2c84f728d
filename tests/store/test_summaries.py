"""The summary tables (bot/store/summaries.py) answer exactly as the queries over every row do.

The same leaderboards (all time, week, month) and stats are asked of the summaries and of
today's queries (`LeaderboardService(summaries=False)`) after a random sequence of everything
that changes progress or completions: done, skip, in progress, reset, a passed check, Undo,
forget-me, a server's deletion, content reloads moving and renaming topics, hidden members, the
server's zone, and weeks and months going by. Also: a database with rows made before revision
0007 answers correctly at once after the upgrade; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, create_engine, insert
from sqlalchemy.ext.asyncio import create_async_engine

from bot.records import DONE, IN_PROGRESS, SKIPPED
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import ManualClock
from bot.services.leaderboard import LeaderboardService, Period
from bot.services.progress import StudyService
from bot.services.standing import topic_ids
from bot.store.alembic_runner import upgrade_sqlite, upgrade_url
from bot.store.database import Database
from bot.store.erasure import MemberDataRepository
from bot.store.migrations import DEFAULT_MIGRATIONS_DIR
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.schema import completions, member_settings, progress
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from bot.store.undo import UndoRepository, UndoRequest

G, OTHER = 10**18, 10**18 + 1
USERS = tuple(2**62 + n for n in range(7))
START = datetime(2024, 5, 29, 21, 0, tzinfo=UTC)  # a Wednesday, two days before June


def _roadmap(stages: list[list[tuple[str, tuple[str, ...]]]]) -> Roadmap:
    return Roadmap(
        id="rm",
        title="Roadmap",
        summary="-",
        stages=tuple(
            Stage(
                id=f"s{n}",
                title=f"Stage {n}",
                summary="-",
                topics=tuple(
                    Topic(id=t, title=t.upper(), summary="-", replaces=old) for t, old in topics
                ),
            )
            for n, topics in enumerate(stages)
        ),
    )


V1 = _roadmap([[("a", ()), ("b", ()), ("c", ())], [("d", ()), ("e", ())], [("f", ()), ("g", ())]])
# A reload: d moves to the first stage, e becomes e2 (its progress counts for e2), g leaves,
# h arrives, and the stages change order.
V2 = _roadmap(
    [[("f", ()), ("h", ())], [("a", ()), ("d", ()), ("b", ())], [("c", ()), ("e2", ("e",))]]
)
# And one where e2 is renamed again and b also claims c's progress.
V3 = _roadmap(
    [[("a", ()), ("b", ("c",))], [("e3", ("e2", "e")), ("d", ())], [("f", ()), ("g", ())]]
)


async def _same_answers(
    fast: LeaderboardService,
    slow: LeaderboardService,
    roadmap: Roadmap,
    note: str,
    callers: tuple[int, ...] = (USERS[0], USERS[3], 42),
) -> None:
    for guild in (G, OTHER):
        for period in Period:
            for n, caller in enumerate(callers):
                limit = 2 if n % 2 else 10  # a short board leaves the caller out of the top
                got = await fast.leaderboard(guild, roadmap, period, caller, limit=limit)
                want = await slow.leaderboard(guild, roadmap, period, caller, limit=limit)
                assert got == want, f"{note}: {guild} {period} caller {caller} limit {limit}"
        got_stats = await fast.server_stats(guild, roadmap)
        assert got_stats == await slow.server_stats(guild, roadmap), f"{note}: stats {guild}"


async def _random_history(db: Database, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    clock = ManualClock(START)
    study = StudyService(db, clock)
    fast = LeaderboardService(db, clock)
    slow = LeaderboardService(db, clock, summaries=False)
    members = MemberSettingsRepository(db)
    servers = ServerSettingsRepository(db)
    undo = UndoRepository(db)
    data = MemberDataRepository(db)
    rows = ProgressRepository(db)
    roadmap = V1
    last_marks: list[tuple[int, int, str, str, str | None]] = []  # for Undo
    await _same_answers(fast, slow, roadmap, "empty")
    for step in range(steps):
        guild = G if rng.random() < 0.8 else OTHER
        user = rng.choice(USERS)
        topic = rng.choice(roadmap.topics)
        roll = rng.random()
        if roll < 0.45:
            status = rng.choice((DONE, DONE, SKIPPED, IN_PROGRESS))
            result = await study.mark(guild, user, roadmap, topic.id, status)
            if result.changed and status in (DONE, SKIPPED):
                last_marks.append((guild, user, topic.id, status, result.previous_status))
            what = f"mark {status}"
        elif roll < 0.55:
            await study.reset(guild, user, roadmap, topic.id)
            what = "reset"
        elif roll < 0.62:
            # A passed check: done (when it is not) and checked, in one change.
            await rows.change(
                StatusChange(
                    guild,
                    user,
                    roadmap.id,
                    topic_ids(roadmap, topic),
                    DONE,
                    clock.now(),
                    clock.now().date(),
                    check_passed=True,
                )
            )
            what = "check passed"
        elif roll < 0.72 and last_marks:
            g, u, t, given, before = last_marks.pop(rng.randrange(len(last_marks)))
            await undo.undo(UndoRequest(g, u, roadmap.id, t, given, before))
            what = "undo"
        elif roll < 0.75:
            await data.delete_member(guild, user)
            what = "forget-me"
        elif roll < 0.77:
            await data.delete_server(OTHER)
            what = "server deletion"
        elif roll < 0.80:
            roadmap = rng.choice((V1, V2, V3))
            last_marks.clear()  # Undo buttons of another content are not the point here
            what = f"content {roadmap.topics[0].id}"
        elif roll < 0.84:
            await members.update(guild, user, clock.now(), hide_progress=rng.random() < 0.5)
            what = "hide"
        elif roll < 0.87:
            zone = rng.choice(("Asia/Kolkata", "America/Los_Angeles", "UTC", "Pacific/Kiritimati"))
            await servers.update(guild, clock.now(), time_zone=zone)
            what = f"zone {zone}"
        else:
            clock.set(clock.now() + timedelta(hours=rng.choice((1, 7, 30, 80, 200))))
            what = "time passes"
        if step % 4 == 0 or what.startswith(("content", "time", "undo", "forget", "zone")):
            callers = (rng.choice(USERS), rng.choice(USERS))  # the second with a short board
            note = f"seed {seed} step {step} after {what}"
            await _same_answers(fast, slow, roadmap, note, callers)
    await _same_answers(fast, slow, roadmap, f"seed {seed} at the end")


async def test_summaries_answer_as_the_full_queries_after_random_changes(
    store_db: Database,
) -> None:
    await _random_history(store_db, seed=19, steps=50)


async def test_summaries_answer_as_the_full_queries_other_seeds(db: Database) -> None:
    for seed in (1, 2):
        await _random_history(db, seed=seed, steps=120)


async def test_the_writes_keep_the_rows_without_a_rebuild(db: Database) -> None:
    """After the first answer built them, marks update the rows themselves: the summaries are
    not rebuilt (the stored build stays) and still answer as the full queries."""
    clock = ManualClock(START)
    study = StudyService(db, clock)
    fast = LeaderboardService(db, clock)
    slow = LeaderboardService(db, clock, summaries=False)
    await study.mark(G, USERS[0], V1, "a", DONE)
    await fast.leaderboard(G, V1, Period.WEEK, USERS[0])
    await fast.leaderboard(G, V1, Period.MONTH, USERS[0])
    built = await db.read(lambda conn: conn.exec_driver_sql("SELECT * FROM period_heads").all())
    for user, topic in ((USERS[1], "b"), (USERS[0], "c"), (USERS[1], "a"), (USERS[2], "d")):
        await study.mark(G, user, V1, topic, DONE)
    await study.reset(G, USERS[0], V1, "a")
    assert (
        await db.read(lambda conn: conn.exec_driver_sql("SELECT * FROM period_heads").all())
        == built
    )
    board = await fast.leaderboard(G, V1, Period.WEEK, USERS[0])
    top = [(s.user_id, s.count) for s in board.entries]
    assert top == [(USERS[0], 2), (USERS[1], 2), (USERS[2], 1)]
    assert board == await slow.leaderboard(G, V1, Period.WEEK, USERS[0])
    everything = await fast.leaderboard(G, V1, Period.ALL, USERS[0])
    top = [(s.user_id, s.count) for s in everything.entries]
    assert top == [(USERS[1], 2), (USERS[0], 1), (USERS[2], 1)]
    stats = await fast.server_stats(G, V1)
    assert (stats.started, [r.members for r in stats.reached]) == (3, [3, 1, 0])
    assert stats == await slow.server_stats(G, V1)


async def test_prepare_builds_ahead_so_the_answers_build_nothing(db: Database) -> None:
    clock = ManualClock(START)
    study = StudyService(db, clock)
    boards = LeaderboardService(db, clock)
    for user in USERS[:3]:
        await study.mark(G, user, V2, "a", DONE)
    await boards.prepare(G, V2)
    builds: list[object] = []
    real_write = db.write

    async def counted_write(operation, *args):  # type: ignore[no-untyped-def]
        builds.append(operation)
        return await real_write(operation, *args)

    db.write = counted_write  # type: ignore[method-assign]
    try:
        for period in Period:
            board = await boards.leaderboard(G, V2, period, USERS[0])
            assert [s.count for s in board.entries] == [1, 1, 1]
        assert (await boards.server_stats(G, V2)).started == 3
    finally:
        db.write = real_write  # type: ignore[method-assign]
    assert builds == []


# -- a database with rows made before revision 0007 ------------------------------------------------
T = "2024-05-28T09:30:00.000000Z"


def _scripts_at_0006(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts-0006"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for later in (folder / "versions").glob("000[7-9]_*.py"):
        later.unlink()
    return folder


def _old_rows(conn: Connection) -> None:
    for n, user in enumerate(USERS):
        for topic in ("a", "b", "c", "d", "e", "f", "g")[: n + 1]:
            status = SKIPPED if topic == "b" and n % 2 else DONE
            conn.execute(
                insert(progress).values(
                    guild_id=G, user_id=user, roadmap_id="rm", topic_id=topic, status=status,
                    started_at=T, updated_at=T, completed_at=T if status == DONE else None,
                )
            )  # fmt: skip
            if status == DONE:
                conn.execute(
                    insert(completions).values(
                        guild_id=G, user_id=user, roadmap_id="rm", topic_id=topic,
                        completed_at=T, local_date=T[:10],
                    )
                )  # fmt: skip
    conn.execute(
        insert(member_settings).values(guild_id=G, user_id=USERS[6], hide_progress=1, updated_at=T)
    )


async def _answers_at_once(db: Database) -> None:
    clock = ManualClock(START)
    fast = LeaderboardService(db, clock)
    slow = LeaderboardService(db, clock, summaries=False)
    board = await fast.leaderboard(G, V2, Period.ALL, USERS[0])
    # USERS[6] hides; e's progress counts for e2; g left the content.
    assert [s.count for s in board.entries] == [5, 5, 3, 3, 1, 1]
    await _same_answers(fast, slow, V2, "after the upgrade")


async def test_a_0006_sqlite_database_answers_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    assert upgrade_sqlite(path, _scripts_at_0006(tmp_path)).after == "0006"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            _old_rows(conn)
    finally:
        engine.dispose()
    async with await Database.open(path) as db:
        assert db.migration.applied[0] == "0007_summaries.py"
        await _answers_at_once(db)


async def test_a_0006_postgres_database_answers_at_once(
    postgres_database: str, tmp_path: Path
) -> None:
    assert (await upgrade_url(postgres_database, _scripts_at_0006(tmp_path))).after == "0006"
    engine = create_async_engine(postgres_database)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_old_rows)
    finally:
        await engine.dispose()
    assert (await upgrade_url(postgres_database)).applied[0] == "0007_summaries.py"
    async with await Database.open(postgres_database) as db:
        await _answers_at_once(db)


async def test_concurrent_marks_and_a_build_stay_exact(store_db: Database) -> None:
    """Many members marking at once (on PostgreSQL each mark its own transaction, the counts
    rows shared) while a first answer builds the rows: no deadlock, and exact afterwards."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    fast = LeaderboardService(store_db, clock)
    slow = LeaderboardService(store_db, clock, summaries=False)
    members = [2**61 + n for n in range(24)]
    rng = random.Random(7)

    async def marks(user: int) -> None:
        for topic in rng.sample(V1.topics, 5):
            await study.mark(G, user, V1, topic.id, rng.choice((DONE, DONE, SKIPPED)))
        await study.reset(G, user, V1, rng.choice(V1.topics).id)

    await asyncio.gather(
        *(marks(user) for user in members[:12]),
        fast.leaderboard(G, V1, Period.WEEK, members[0]),
        fast.server_stats(G, V1),
        *(marks(user) for user in members[12:]),
    )
    for period in Period:
        for caller in (members[0], members[5]):
            got = await fast.leaderboard(G, V1, period, caller, limit=3)
            assert got == await slow.leaderboard(G, V1, period, caller, limit=3)
    assert await fast.server_stats(G, V1) == await slow.server_stats(G, V1)

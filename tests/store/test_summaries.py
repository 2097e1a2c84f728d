"""The summary tables (bot/store/summaries.py) answer exactly as the queries over every row do.

The same leaderboards (all time, week, month) and stats are asked of the summaries and of
today's queries (`LeaderboardService(summaries=False)`) after a random sequence of everything
that changes progress or completions: done, skip, in progress, reset, a passed check, Undo,
forget-me, a server's deletion, content reloads moving and renaming topics, hidden members, the
server's zone, and weeks and months going by; the builds run in the background meanwhile, in
writes of a few members each, and a deterministic test puts those changes between every two
writes of a build. Before comparing, the rows are made complete (built, asked for nothing more),
so the answers compared are the summaries' own. Also: a database with rows made before revision
0007 answers correctly at once after the upgrade; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, insert, select

from bot.records import DONE, IN_PROGRESS, SKIPPED
from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.clock import ManualClock
from bot.services.content import ContentHolder
from bot.services.leaderboard import (
    LeaderboardService,
    Period,
    every_kept_period,
    summary_content,
)
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.roadmaps import MemberRoadmaps
from bot.services.servers import ServerService
from bot.services.standing import topic_ids
from bot.services.summary_builds import SummaryBuilds, SummaryUpkeep
from bot.services.timezones import zone_or_utc
from bot.sharding import ShardPlan
from bot.store.database import Database
from bot.store.erasure import MemberDataRepository
from bot.store.progress import ProgressRepository, StatusChange
from bot.store.schema import (
    completions,
    daily_schedules,
    member_settings,
    period_heads,
    progress,
)
from bot.store.settings import MemberSettingsRepository, ServerSettingsRepository
from bot.store.summaries import SummaryRepository
from bot.store.undo import UndoRepository, UndoRequest
from tests.store.old_migrations import upgraded_from

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


def _summaries(db: Database, clock: ManualClock, rows: int = 3) -> LeaderboardService:
    """The summaries' service, its builds a few members' rows a write (`rows` progress rows),
    so that the test's seven members take several writes."""
    return LeaderboardService(db, clock, builds=SummaryBuilds(SummaryRepository(db), rows=rows))


async def _complete(fast: LeaderboardService, roadmap: Roadmap, guild: int) -> None:
    """Let the builds under way end, then build what is still due: afterwards the rows are
    complete (no build asked for), so every answer comes from them."""
    await fast.builds.idle()
    await fast.build_ahead(guild, roadmap)
    await fast.builds.idle()
    assert not await fast.build_ahead(guild, roadmap), "the rows are not complete after a build"


async def _same_answers(
    fast: LeaderboardService,
    slow: LeaderboardService,
    roadmap: Roadmap,
    note: str,
    callers: tuple[int, ...] = (USERS[0], USERS[3], 42),
) -> None:
    for guild in (G, OTHER):
        await _complete(fast, roadmap, guild)
        for period in Period:
            for n, caller in enumerate(callers):
                limit = 2 if n % 2 else 10  # a short board leaves the caller out of the top
                got = await fast.leaderboard(guild, roadmap, period, caller, limit=limit)
                want = await slow.leaderboard(guild, roadmap, period, caller, limit=limit)
                assert got == want, f"{note}: {guild} {period} caller {caller} limit {limit}"
        got_stats = await fast.server_stats(guild, roadmap)
        assert got_stats == await slow.server_stats(guild, roadmap), f"{note}: stats {guild}"
        assert not fast.builds.busy, f"{note}: an answer found the rows not complete"


async def _random_history(db: Database, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    clock = ManualClock(START)
    study = StudyService(db, clock)
    fast = _summaries(db, clock, rows=rng.choice((1, 3, 100)))
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
            if rng.random() < 0.7:  # a build starts, and the next changes go on beside it
                await fast.build_ahead(guild, roadmap)
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
        if rng.random() < 0.3:
            # An answer now (the rows may be half built: then from the full queries, and a
            # build asked for), while the builds go on.
            note = f"seed {seed} step {step} after {what}, a build under way"
            period = rng.choice(tuple(Period))
            got = await fast.leaderboard(guild, roadmap, period, user, limit=3)
            assert got == await slow.leaderboard(guild, roadmap, period, user, limit=3), note
        if step % 4 == 0 or what.startswith(("content", "time", "undo", "forget", "zone")):
            callers = (rng.choice(USERS), rng.choice(USERS))  # the second with a short board
            note = f"seed {seed} step {step} after {what}"
            await _same_answers(fast, slow, roadmap, note, callers)
    await _same_answers(fast, slow, roadmap, f"seed {seed} at the end")
    await fast.builds.idle()


async def test_summaries_answer_as_the_full_queries_after_random_changes(
    store_db: Database,
) -> None:
    await _random_history(store_db, seed=19, steps=50)


async def test_summaries_answer_as_the_full_queries_other_seeds(db: Database) -> None:
    for seed in (1, 2):
        await _random_history(db, seed=seed, steps=120)


async def test_the_writes_keep_the_rows_without_a_rebuild(db: Database) -> None:
    """After a build, marks update the rows themselves: the summaries are not rebuilt (the
    stored build stays) and still answer as the full queries."""
    clock = ManualClock(START)
    study = StudyService(db, clock)
    fast = _summaries(db, clock)
    slow = LeaderboardService(db, clock, summaries=False)
    await study.mark(G, USERS[0], V1, "a", DONE)
    await fast.leaderboard(G, V1, Period.WEEK, USERS[0])
    await _complete(fast, V1, G)
    built = await db.read(lambda conn: conn.exec_driver_sql("SELECT * FROM period_heads").all())
    assert len(built) == 4  # this week and the next, this month and the next
    for user, topic in ((USERS[1], "b"), (USERS[0], "c"), (USERS[1], "a"), (USERS[2], "d")):
        await study.mark(G, user, V1, topic, DONE)
    await study.reset(G, USERS[0], V1, "a")
    assert (
        await db.read(lambda conn: conn.exec_driver_sql("SELECT * FROM period_heads").all())
        == built
    )
    board = await fast.leaderboard(G, V1, Period.WEEK, USERS[0])
    assert not fast.builds.busy  # answered from the rows, nothing to build
    top = [(s.user_id, s.count) for s in board.entries]
    assert top == [(USERS[0], 2), (USERS[1], 2), (USERS[2], 1)]
    assert board == await slow.leaderboard(G, V1, Period.WEEK, USERS[0])
    everything = await fast.leaderboard(G, V1, Period.ALL, USERS[0])
    top = [(s.user_id, s.count) for s in everything.entries]
    assert top == [(USERS[1], 2), (USERS[0], 1), (USERS[2], 1)]
    stats = await fast.server_stats(G, V1)
    assert (stats.started, [r.members for r in stats.reached]) == (3, [3, 1, 0])
    assert stats == await slow.server_stats(G, V1)
    assert not fast.builds.busy


async def test_an_answer_never_waits_for_a_build(db: Database) -> None:
    """Rows not built: the answer comes from the full queries, right, and the build is asked
    for and runs after the call returned (a member's rows a write, so it takes several)."""
    clock = ManualClock(START)
    study = StudyService(db, clock)
    fast = _summaries(db, clock, rows=1)
    slow = LeaderboardService(db, clock, summaries=False)
    for n, user in enumerate(USERS):
        for topic in V1.topics[: n + 1]:
            await study.mark(G, user, V1, topic.id, DONE)
    board = await fast.leaderboard(G, V1, Period.MONTH, USERS[2])
    assert fast.builds.busy, "no build was asked for, or it ran inside the call"
    assert board == await slow.leaderboard(G, V1, Period.MONTH, USERS[2])
    assert [s.count for s in board.entries] == [7, 6, 5, 4, 3, 2, 1]
    await fast.builds.idle()
    report = fast.builds.last
    assert report is not None and report.finished
    assert report.writes >= len(USERS) + 1  # the first write, then one member a write
    assert not await fast.build_ahead(G, V1)  # complete
    assert await fast.leaderboard(G, V1, Period.MONTH, USERS[2]) == board


async def test_build_ahead_means_the_answers_start_no_build(db: Database) -> None:
    clock = ManualClock(START)
    study = StudyService(db, clock)
    boards = _summaries(db, clock)
    for user in USERS[:3]:
        await study.mark(G, user, V2, "a", DONE)
    assert await boards.build_ahead(G, V2)
    await boards.builds.idle()
    writes: list[object] = []
    real_write = db.write

    async def counted_write(operation, *args):  # type: ignore[no-untyped-def]
        writes.append(operation)
        return await real_write(operation, *args)

    db.write = counted_write  # type: ignore[method-assign]
    try:
        for period in Period:
            board = await boards.leaderboard(G, V2, period, USERS[0])
            assert [s.count for s in board.entries] == [1, 1, 1]
        assert (await boards.server_stats(G, V2)).started == 3
        assert not boards.builds.busy
    finally:
        db.write = real_write  # type: ignore[method-assign]
    assert writes == []


async def _random_change(
    rng: random.Random, db: Database, clock: ManualClock, roadmap: Roadmap, undoable: list
) -> str:
    """One change of a member's progress or log (as the history above): what it was."""
    study = StudyService(db, clock)
    guild = G if rng.random() < 0.85 else OTHER
    user = rng.choice(USERS)
    topic = rng.choice(roadmap.topics)
    roll = rng.random()
    if roll < 0.5:
        status = rng.choice((DONE, DONE, SKIPPED, IN_PROGRESS))
        result = await study.mark(guild, user, roadmap, topic.id, status)
        if result.changed and status in (DONE, SKIPPED):
            undoable.append((guild, user, topic.id, status, result.previous_status))
        return f"mark {status}"
    if roll < 0.65:
        await study.reset(guild, user, roadmap, topic.id)
        return "reset"
    if roll < 0.75:
        change = StatusChange(
            guild, user, roadmap.id, topic_ids(roadmap, topic), DONE, clock.now(),
            clock.now().date(), check_passed=True,
        )  # fmt: skip
        await ProgressRepository(db).change(change)
        return "check passed"
    if roll < 0.9 and undoable:
        g, u, t, given, before = undoable.pop(rng.randrange(len(undoable)))
        await UndoRepository(db).undo(UndoRequest(g, u, roadmap.id, t, given, before))
        return "undo"
    await MemberDataRepository(db).delete_member(guild, user)
    return "forget-me"


async def test_changes_between_every_two_writes_of_a_build_are_kept(store_db: Database) -> None:
    """A build of one member's rows a write, with marks, skips, resets, passed checks, Undo and
    forget-me between every two of its writes (members already built and not yet): after the
    build the rows answer exactly as the full queries. Each round first moves the content (a
    reload moving and renaming topics) or the time (a new week and month: periods added and
    dropped), so every kind of build is stepped through."""
    clock = ManualClock(START)
    fast = _summaries(store_db, clock)
    slow = LeaderboardService(store_db, clock, summaries=False)
    repository = SummaryRepository(store_db)
    rng = random.Random(1919)
    undoable: list = []
    roadmap = V1
    for _ in range(12):
        await _random_change(rng, store_db, clock, roadmap, undoable)
    for round_ in range(6):
        if round_ % 2:
            clock.set(clock.now() + timedelta(days=rng.choice((3, 8, 31))))
        else:
            roadmap = (V2, V3, V1)[round_ // 2]
            undoable.clear()
        content = summary_content(roadmap)
        keep = every_kept_period(clock.now(), zone_or_utc(None))
        build = await repository.begin_build(G, content, keep, rows=1)
        assert build is not None
        changes = []
        while await build.step():
            for _ in range(rng.randint(0, 3)):
                changes.append(await _random_change(rng, store_db, clock, roadmap, undoable))
        assert build.report.finished and not build.report.superseded, round_
        assert build.report.writes >= 3 or not build.job.chunked  # ranges: several writes
        note = f"round {round_} ({build.report.writes} writes) after {changes}"
        await _same_answers(fast, slow, roadmap, note)


async def test_a_content_change_during_a_build_supersedes_it(store_db: Database) -> None:
    """Another content stored while a build runs (a reload, in this process or another, while
    the build is between two writes): the build stops without counting its rows as built, and
    the next build for the content served answers exactly."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    fast = _summaries(store_db, clock)
    slow = LeaderboardService(store_db, clock, summaries=False)
    repository = SummaryRepository(store_db)
    for n, user in enumerate(USERS):
        for topic in V1.topics[n:]:
            await study.mark(G, user, V1, topic.id, DONE)
    keep = every_kept_period(clock.now(), zone_or_utc(None))
    build = await repository.begin_build(G, summary_content(V2), keep, rows=1)
    assert build is not None
    assert await build.step()
    # The other server's build stores V3 (the same roadmap id): content shared by servers.
    other = await repository.begin_build(OTHER, summary_content(V3), keep, rows=1)
    assert other is not None
    await study.mark(G, USERS[0], V3, "e3", DONE)
    assert not await build.step()
    assert build.report.superseded and not build.report.finished
    await other.run()
    await _same_answers(fast, slow, V3, "after the superseded build")


async def test_content_stored_again_after_another_rebuilds_every_server(
    store_db: Database,
) -> None:
    """Two processes serving two contents for a while (a rolling deploy): a server built with
    V1, then V3 stored (another server's build) and a mark counted by V3's mapping, then V1
    stored again: the server's rows, though built with V1 once, are rebuilt (the mark meanwhile
    counted by another mapping), and answer as V1's full queries."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    fast = _summaries(store_db, clock)
    slow = LeaderboardService(store_db, clock, summaries=False)
    repository = SummaryRepository(store_db)
    keep = every_kept_period(clock.now(), zone_or_utc(None))
    for user in USERS[:3]:
        await study.mark(G, user, V1, "a", DONE)
    await _complete(fast, V1, G)
    other = await repository.begin_build(OTHER, summary_content(V3), keep)
    assert other is not None
    await other.run()
    await study.mark(G, USERS[0], V3, "e3", DONE)  # V3 counts it; V1 has no such topic
    again = await repository.begin_build(G, summary_content(V1), keep, rows=1)
    assert again is not None and again.job.members, "built with V1 once: not rebuilt"
    await again.run()
    await _same_answers(fast, slow, V1, "V1 stored again")


async def test_a_stopped_build_leaves_its_server_to_the_next_at_once(store_db: Database) -> None:
    """The bot stops during a build: the build gives its marker up, so the next process builds
    the server at once (not after the heartbeat aged), and exactly."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    for n, user in enumerate(USERS):
        await study.mark(G, user, V1, V1.topics[n].id, DONE)
    # A long rest after each write: the stop comes between two of them.
    builds = SummaryBuilds(SummaryRepository(store_db), rows=1, rest=50.0)
    stopping = LeaderboardService(store_db, clock, builds=builds)
    await stopping.leaderboard(G, V1, Period.ALL, USERS[0])  # asks for the build

    def marker(conn: Connection) -> str | None:
        return conn.exec_driver_sql("SELECT fingerprint FROM summary_builds").scalar()

    for _ in range(200):
        if (await store_db.read(marker) or "").startswith("building "):
            break
        await asyncio.sleep(0.01)
    await builds.stop()
    assert await store_db.read(marker) == "stale"
    keep = every_kept_period(clock.now(), zone_or_utc(None))
    following = await SummaryRepository(store_db).begin_build(G, summary_content(V1), keep)
    assert following is not None, "the stopped build still holds the server"
    assert (await following.run()).finished
    fast = _summaries(store_db, clock)
    await _same_answers(fast, LeaderboardService(store_db, clock, summaries=False), V1, "after")


async def test_a_live_build_elsewhere_is_not_doubled(store_db: Database) -> None:
    """While another process's build of the server is alive (its marker's heartbeat recent),
    no second build of it starts; once its heartbeat is old (its process died), one does."""
    clock = ManualClock(START)
    await StudyService(store_db, clock).mark(G, USERS[0], V1, "a", DONE)
    repository = SummaryRepository(store_db)
    content, keep = summary_content(V1), every_kept_period(clock.now(), zone_or_utc(None))
    first = await repository.begin_build(G, content, keep, rows=1)
    assert first is not None and first.job.chunked
    assert await repository.begin_build(G, content, keep, rows=1) is None
    later = datetime.now(UTC) + timedelta(minutes=5)
    second = await repository.begin_build(G, content, keep, rows=1, clock=lambda: later)
    assert second is not None
    assert not await first.step()  # superseded by the take-over
    report = await second.run()
    assert report.finished and not report.superseded


# -- a database with rows made before revision 0007 ------------------------------------------------
T = "2024-05-28T09:30:00.000000Z"


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
    fast = _summaries(db, clock)
    slow = LeaderboardService(db, clock, summaries=False)
    board = await fast.leaderboard(G, V2, Period.ALL, USERS[0])  # the full query; builds
    # USERS[6] hides; e's progress counts for e2; g left the content.
    assert [s.count for s in board.entries] == [5, 5, 3, 3, 1, 1]
    await _same_answers(fast, slow, V2, "after the upgrade")
    assert await fast.leaderboard(G, V2, Period.ALL, USERS[0]) == board


async def test_a_0006_sqlite_database_answers_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with upgraded_from(path, tmp_path, "0006", _old_rows, first="0007_summaries.py") as db:
        await _answers_at_once(db)


async def test_a_0006_postgres_database_answers_at_once(
    postgres_database: str, tmp_path: Path
) -> None:
    first = "0007_summaries.py"
    async with upgraded_from(postgres_database, tmp_path, "0006", _old_rows, first=first) as db:
        await _answers_at_once(db)


async def test_concurrent_marks_and_a_build_stay_exact(store_db: Database) -> None:
    """Many members marking at once (on PostgreSQL each mark its own transaction, the counts
    rows shared) while a build runs beside them: no deadlock, and exact afterwards."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    fast = _summaries(store_db, clock, rows=10)
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
    await _complete(fast, V1, G)
    for period in Period:
        for caller in (members[0], members[5]):
            got = await fast.leaderboard(G, V1, period, caller, limit=3)
            assert got == await slow.leaderboard(G, V1, period, caller, limit=3)
    assert await fast.server_stats(G, V1) == await slow.server_stats(G, V1)


def _daily_post(conn: Connection, guild_id: int) -> None:
    conn.execute(
        insert(daily_schedules).values(
            guild_id=guild_id, channel_id=1, local_time="09:00", time_zone="UTC",
            next_date="2024-05-30", next_fire_at="2024-05-30T09:00:00.000000Z",
            created_at=T, updated_at=T,
        )
    )  # fmt: skip


async def _kept(
    repository: SummaryRepository, plan: ShardPlan | None
) -> list[tuple[int, str | None]]:
    return [(s.guild_id, s.roadmap_id) for s in await repository.kept_servers(plan)]


async def test_the_upkeep_builds_ahead_the_kept_servers(store_db: Database) -> None:
    """At start (and after a reload, and every interval) the upkeep asks for the builds of the
    servers with a daily post or summaries built before, on this process's shards: afterwards
    their answers find complete rows, also once a new week and month began."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    fast = _summaries(store_db, clock)
    slow = LeaderboardService(store_db, clock, summaries=False)
    for user in USERS[:4]:
        await study.mark(G, user, V1, "a", DONE)
        await study.mark(OTHER, user, V1, "b", DONE)
    await store_db.write(_daily_post, G)  # G: a daily post (of the server's roadmap)
    await fast.build_ahead(OTHER, V1)  # OTHER: built before, with V1
    await fast.builds.idle()
    repository = SummaryRepository(store_db)
    shard = (G >> 22) % 4
    assert await _kept(repository, ShardPlan(4, (shard,))) == [(G, None), (OTHER, "rm")]
    assert await _kept(repository, ShardPlan(4, ((shard + 1) % 4,))) == []

    content = ContentHolder(Catalog([V2]))  # a reload moved topics
    roadmaps = MemberRoadmaps(
        content, MemberService(store_db, clock), ServerService(store_db, clock), study
    )
    upkeep = SummaryUpkeep(
        fast, roadmaps, content, lambda: repository.kept_servers(None), clock=clock
    )
    built = fast.builds.built
    await upkeep.start()
    try:
        for _ in range(250):  # the upkeep's first look, at its start
            if fast.builds.built == built + 2:
                break
            await asyncio.sleep(0.02)
        assert fast.builds.built == built + 2
        assert await upkeep.build_ahead() == 0  # both complete: nothing asked
        clock.set(clock.now() + timedelta(days=9))  # a new week and a new month
        assert await upkeep.build_ahead() == 2
        await fast.builds.idle()
        assert await upkeep.build_ahead() == 0
    finally:
        await upkeep.stop()
    heads = await store_db.read(
        lambda conn: conn.exec_driver_sql("SELECT starts_on FROM period_heads").scalars().all()
    )
    # This week and the next, this month and the next, of each server: the old ones dropped.
    assert sorted(heads) == sorted(2 * ["2024-06-03", "2024-06-10", "2024-06-01", "2024-07-01"])
    await _same_answers(fast, slow, V2, "after the upkeep")


def _upkeep(db: Database, fast: LeaderboardService, clock: ManualClock) -> SummaryUpkeep:
    content = ContentHolder(Catalog([V1]))
    study = StudyService(db, clock)
    roadmaps = MemberRoadmaps(content, MemberService(db, clock), ServerService(db, clock), study)
    repository = SummaryRepository(db)
    return SummaryUpkeep(
        fast, roadmaps, content, lambda: repository.kept_servers(None), clock=clock
    )


async def _within(seconds: float, holds: Callable[[], Awaitable[bool]]) -> bool:
    """Whether `holds()` comes true within `seconds` of real time (asked every 20 ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await holds():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_a_server_with_only_followers_is_built_ahead(store_db: Database) -> None:
    """A server whose members follow a roadmap, with no daily or weekly post, is kept ready
    too: each roadmap followed there, only on its own shards, unless the bot left it; its
    first answers then find complete rows (no build asked for)."""
    clock = ManualClock(START)
    study = StudyService(store_db, clock)
    settings = MemberSettingsRepository(store_db)
    for user in USERS[:3]:
        await study.mark(G, user, V1, "a", DONE)
        await settings.update(G, user, clock.now(), followed_roadmap="rm")
    await settings.update(G, USERS[3], clock.now(), followed_roadmap="gone")
    await settings.update(G, USERS[4], clock.now(), hide_progress=True)  # follows nothing
    await settings.update(OTHER, USERS[0], clock.now(), time_zone="Asia/Kolkata")
    # A server the bot was removed from is not kept, whoever follows there.
    await settings.update(OTHER + 1, USERS[0], clock.now(), followed_roadmap="rm")
    await ServerSettingsRepository(store_db).update(OTHER + 1, clock.now(), left_at=clock.now())
    repository = SummaryRepository(store_db)
    shard = (G >> 22) % 4
    assert await _kept(repository, ShardPlan(4, (shard,))) == [(G, "gone"), (G, "rm")]
    assert await _kept(repository, ShardPlan(4, ((shard + 1) % 4,))) == []
    fast = _summaries(store_db, clock)
    upkeep = _upkeep(store_db, fast, clock)

    async def built() -> bool:
        return fast.builds.built == 1 and not fast.builds.busy

    await upkeep.start()
    try:
        assert await _within(5, built)
    finally:
        await upkeep.stop()
    # "gone" is not in the content: nothing to build for it. "rm" is complete:
    assert not await fast.build_ahead(G, V1)
    slow = LeaderboardService(store_db, clock, summaries=False)
    for period in Period:
        got = await fast.leaderboard(G, V1, period, USERS[0], limit=3)
        assert got == await slow.leaderboard(G, V1, period, USERS[0], limit=3)
    assert not fast.builds.busy  # and they asked for no build


def _weeks_kept(conn: Connection) -> list[str]:
    heads = period_heads.c
    query = select(heads.starts_on).where(heads.guild_id == G, heads.period == "week")
    return sorted(conn.scalars(query))


async def test_the_upkeep_looks_right_after_a_new_week_begins(store_db: Database) -> None:
    """The upkeep looks again as soon as a week (or month) begins in a kept server's zone, not
    only every 15 minutes: the new week's next week is kept and the old week goes."""
    boundary = datetime(2024, 6, 9, 18, 30, tzinfo=UTC)  # Monday 10 June, 00:00 in India
    clock = ManualClock(boundary - timedelta(seconds=0.2))
    await ServerSettingsRepository(store_db).update(G, clock.now(), time_zone="Asia/Kolkata")
    await store_db.write(_daily_post, G)
    study = StudyService(store_db, clock)
    for user in USERS[:3]:
        await study.mark(G, user, V1, "a", DONE)
    fast = _summaries(store_db, clock)
    upkeep = _upkeep(store_db, fast, clock)

    async def first_look_done() -> bool:
        return upkeep.looks == 1 and not fast.builds.busy

    async def new_week_kept() -> bool:
        return await store_db.read(_weeks_kept) == ["2024-06-10", "2024-06-17"]

    await upkeep.start()
    try:
        assert await _within(5, first_look_done)
        assert upkeep.next_period == boundary
        assert await store_db.read(_weeks_kept) == ["2024-06-03", "2024-06-10"]
        clock.set(boundary + timedelta(seconds=0.1))  # the new week began, in India
        # Within the margin after the boundary (1 s), not at the next look 15 minutes later.
        assert await _within(5, new_week_kept), await store_db.read(_weeks_kept)
        await fast.builds.idle()
        assert upkeep.looks == 2
        assert upkeep.next_period == boundary + timedelta(days=7)
    finally:
        await upkeep.stop()
    assert not await fast.build_ahead(G, V1)  # complete

"""Summary tables for whole-server answers: leaderboards (all time, week, month) and the stats
funnel of a server of 100,000 members in milliseconds instead of a pass over all its rows.

What the summaries hold (schema.py, revision 0007):
- `member_scores`: per member and roadmap, live topics done and the furthest stage reached;
- `period_scores`: per kept period (`period_heads`: a week or month from its first instant in
  the server's zone) and member, live topics completed and completions logged since then;
- `member_counts` / `period_counts`: how many members have each score and stage (and how many
  were active in a period), kept by triggers on the two tables above (revision 0007), so a rank
  or the funnel sums a few rows rather than counting a server's members.

Both depend on the content (which stored ids count, for which live topic, in which stage): the
mapping they count by is stored per roadmap (`summary_topics`, fingerprinted in
`summary_contents`), and every write recomputes from it. Every write that changes a member's
progress or completions calls `refresh_member` in its own transaction (bot/store/progress.py,
bot/store/undo.py), which recomputes that member's rows from their own rows, so no path can
drift; forget-me and a server's deletion erase the rows (bot/store/erasure.py).

Builds. A server's rows are built when they were built against another fingerprint (first use
after the upgrade, a content reload that moved topics) or the periods to keep changed (a new
week or month, the server's zone). An answer never waits for one: it answers from the full
queries (bot/store/stats.py, on a reader) and asks for the build, which runs in the background
(bot/services/summary_builds.py) in short writes, so the writer is never held for long:
1. `_begin_build` stores the content (when it changed, every server's rows of that roadmap are
   marked "stale": built or being built, in any process, they are built again), adds the
   periods to keep (one without a completion logged since its start, such as next week, is
   complete at once: empty), renames the ones no longer wanted ("drop <id>"), and, when rows
   are to be built, writes the build's marker ("building <token> <heartbeat>") in
   `summary_builds` in place of a fingerprint: no answer takes them for ready.
2. `_build_range`, one write per range of members [low, high) (`BUILD_CHUNK_ROWS` progress rows):
   stops (superseded) unless the marker is its own and the stored content its content;
   recomputes the range's member and period rows from their own progress and log, moving the
   counts by the difference (the triggers off); renews the heartbeat. The last range's write also
   writes the fingerprint: the switch, in the same transaction as the last rows.
3. `_drop_rows`: a dropped period's rows a chunk at a time, its head and counts in the last.

Why a build with marks between its writes is exact (tests/store/test_summaries.py puts done,
skip, reset, passed checks, Undo and forget-me between every two writes of one):
- (I1) At every commit the counts rows are the histogram of the score rows: the triggers keep
  them per change; a build's write moves them by its range's difference in its transaction.
- (I2) Once the content is stored, each member's rows are recomputed from their own rows under it
  by every change of theirs (`refresh_member`, which covers every kept period that had begun by
  the change) and by the build write of their range. Writes are serialized per row: SQLite has
  one writer; on PostgreSQL each build write takes the summary tables' lock (`lock_tables`), so a
  mark in flight commits before it reads, and a later mark recomputes after it committed. So a
  member's rows, once written by either after the content was stored, stay exact.
- (I3) A build switches only when its ranges covered every member id, each range after its first
  write saw the stored content be its own, with its marker unchanged: no other content was stored
  meanwhile (storing one marks every server's rows of the roadmap stale, built or being built), so
  by (I2) every row is exact at the switch and by (I1) every count. A period added by the build
  is kept by the marks from then on, and its earlier completions by the ranges.
- Two builds of one server never run at once: one per server in a process (SummaryBuilds), and
  across processes the marker: a marker whose heartbeat is younger than `BUILD_STALE_AFTER` is a
  live build, which another process leaves alone; an older one (its process died) is taken over,
  and the old build, if it was only slow, stops at its next write (the marker is not its own).
  A build stopped with its process gives its marker up at once (`SummaryBuild.abandon`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    func,
    literal,
    literal_column,
    select,
    true,
    union,
    union_all,
    update,
)
from sqlalchemy.types import Integer, Text

from bot.records import DONE
from bot.sharding import ShardPlan
from bot.store.codec import encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, insert, lock_tables
from bot.store.schema import (
    DiscordId,
    completions,
    daily_schedules,
    guild_settings,
    member_counts,
    member_scores,
    member_settings,
    period_counts,
    period_heads,
    period_scores,
    progress,
    summary_building,
    summary_builds,
    summary_contents,
    summary_topics,
    weekly_schedules,
)
from bot.store.shards import narrowed
from bot.store.stats import Score, not_an_index_column

#: Periods whose scores are kept (`period_heads.period`).
PERIODS = ("week", "month")
#: A stored instant later than any period's start: `completion_at` for "a completion at some
#: time" (an Undo removes one), so every kept period is recomputed.
LATEST_INSTANT = "9999-12-31T23:59:59.999999Z"


@dataclass(frozen=True, slots=True)
class SummaryContent:
    """What the summaries of one roadmap count by: each stored topic id (live ids and the old
    ids they replace) -> (the live id it counts for, its stage's 0-based position or None)."""

    roadmap_id: str
    topics: Mapping[str, tuple[str, int | None]]
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        canonical = json.dumps(sorted((k, v[0], v[1]) for k, v in self.topics.items()))
        digest = hashlib.sha256(f"{self.roadmap_id}\n{canonical}".encode()).hexdigest()
        object.__setattr__(self, "fingerprint", digest[:32])


@dataclass(frozen=True, slots=True)
class PeriodStart:
    """A period to keep: `period` (week or month) from its first local day `starts_on`, whose
    first instant is `since` (UTC)."""

    period: str
    starts_on: date
    since: datetime


_topic = summary_topics.c
_row = progress.c
_log = completions.c
_head = period_heads.c
_period = period_scores.c
_member = member_scores.c


def _guild_param() -> Any:
    return bindparam("guild_id", type_=DiscordId)


def _user_param() -> Any:
    return bindparam("user_id", type_=DiscordId)


def _roadmap_param() -> Any:
    return bindparam("roadmap_id", type_=Text)


def _counted_topic(topic_id: Any, roadmap_id: Any) -> Any:
    return and_(_topic.roadmap_id == roadmap_id, _topic.topic_id == topic_id)


_done_live = func.count(distinct(case((_row.status == DONE, _topic.live_id))))
# `topic_id || ''`: the same value, but no column of progress's index, so SQLite reads the
# member's progress rows and looks each up in summary_topics (a member has a few rows; a
# roadmap may have hundreds of topics), rather than the other way round.
_with_topics = progress.join(
    summary_topics, _counted_topic(_row.topic_id.concat(literal("")), _row.roadmap_id)
)
_log_with_topics = completions.outerjoin(
    summary_topics, _counted_topic(_log.topic_id, _log.roadmap_id)
)

# -- the writes' part: one member, recomputed from their own rows ----------------------------------
# Per mark these run on the writer thread (whose statements per second bound the marks per
# second): compiled once per dialect (`Prepared`), each one statement.
_MEMBER_SCORE: dict[str, Prepared] = {}
_MEMBER_PERIODS: dict[str, Prepared] = {}


def _member_score(conn: Connection) -> Prepared:
    prepared = _MEMBER_SCORE.get(conn.dialect.name)
    if prepared is None:
        # An aggregate without GROUP BY yields one row even when the member has no counted
        # progress left (a reset): the row becomes (0, NULL) rather than staying stale.
        scores = select(
            _guild_param(),
            _roadmap_param(),
            _user_param(),
            _done_live,
            func.max(_topic.stage),
        ).select_from(_with_topics)
        scores = scores.where(
            _row.guild_id == _guild_param(),
            _row.user_id == _user_param(),
            _row.roadmap_id == _roadmap_param(),
        )
        statement = insert(conn, member_scores).from_select(
            ["guild_id", "roadmap_id", "user_id", "done", "furthest"], scores
        )
        new = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[_member.guild_id, _member.roadmap_id, _member.user_id],
            set_={"done": new.done, "furthest": new.furthest},
            # An unchanged score is left as it is: no page written, no counts trigger run
            # (a skip of a topic in progress, say, changes neither number).
            where=_member.done.is_distinct_from(new.done)
            | _member.furthest.is_distinct_from(new.furthest),
        )
        prepared = _MEMBER_SCORE[conn.dialect.name] = Prepared(statement)
    return prepared


def _member_periods(conn: Connection) -> Prepared:
    prepared = _MEMBER_PERIODS.get(conn.dialect.name)
    if prepared is None:
        # Joined one after the other (not the log-with-topics as one nested join, which
        # SQLite materialised for every server of the member), the member's log read by
        # its index (`completions_by_member_time`, 0008) once per kept period. Without that
        # index SQLite picked `completions_by_roadmap_time` and read the whole server's log
        # of the period on every mark, a cost growing with the server and the month.
        joined = period_heads.outerjoin(
            completions,
            and_(
                _log.guild_id == _guild_param(),
                _log.user_id == _user_param(),
                _log.roadmap_id == _head.roadmap_id,
                _log.completed_at >= _head.since,
            ),
        ).outerjoin(summary_topics, _counted_topic(_log.topic_id, _log.roadmap_id))
        scores = (
            select(
                _head.id,
                _guild_param(),
                _user_param(),
                func.count(distinct(_topic.live_id)),
                func.count(_log.id),
            )
            .select_from(joined)
            .where(
                _head.guild_id == _guild_param(),
                _head.roadmap_id == _roadmap_param(),
                # A period that starts after the completion changed does not count it.
                _head.since <= bindparam("changed_at", type_=Text),
            )
            .group_by(_head.id)
        )
        statement = insert(conn, period_scores).from_select(
            ["head_id", "guild_id", "user_id", "done", "logged"], scores
        )
        new = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[_period.head_id, _period.user_id],
            set_={"done": new.done, "logged": new.logged},
            where=_period.done.is_distinct_from(new.done)
            | _period.logged.is_distinct_from(new.logged),
        )
        prepared = _MEMBER_PERIODS[conn.dialect.name] = Prepared(statement)
    return prepared


def refresh_member(
    conn: Connection,
    guild_id: int,
    user_id: int,
    roadmap_id: str,
    *,
    completion_at: str | None,
) -> None:
    """Recompute a member's summary rows of a roadmap inside the write that changed them.

    Call it after any change of the member's progress rows in the roadmap. `completion_at`:
    the stored instant of a completion the change appended to or removed from the log (the
    periods that started by then are recomputed too); None when the log did not change."""
    key = {"guild_id": guild_id, "user_id": user_id, "roadmap_id": roadmap_id}
    _member_score(conn).run(conn, **key)
    if completion_at is not None:
        _member_periods(conn).run(conn, **key, changed_at=completion_at)


# -- builds: a server's rows from scratch ----------------------------------------------------------
def _store_content(conn: Connection, content: SummaryContent) -> None:
    conn.execute(delete(summary_topics).where(_topic.roadmap_id == content.roadmap_id))
    if content.topics:
        conn.execute(
            summary_topics.insert(),
            [
                {"roadmap_id": content.roadmap_id, "topic_id": k, "live_id": v[0], "stage": v[1]}
                for k, v in content.topics.items()
            ],
        )
    statement = insert(conn, summary_contents).values(
        roadmap_id=content.roadmap_id, fingerprint=content.fingerprint
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[summary_contents.c.roadmap_id],
            set_={"fingerprint": statement.excluded.fingerprint},
        )
    )


def _build_head(conn: Connection, head_id: int, guild_id: int, roadmap_id: str, since: str) -> None:
    """The period's rows from the completions log, then its counts (in bulk: a build runs
    with the counts triggers off, see `_prepare`)."""
    conn.execute(delete(period_scores).where(_period.head_id == head_id))
    conn.execute(delete(period_counts).where(period_counts.c.head_id == head_id))
    member = not_an_index_column(_log.user_id)
    scores = (
        select(
            literal_column(str(int(head_id))),
            _log.guild_id,
            member,
            func.count(distinct(_topic.live_id)),
            func.count(),
        )
        .select_from(_log_with_topics)
        .where(
            _log.guild_id == guild_id,
            _log.roadmap_id == roadmap_id,
            _log.completed_at >= since,
        )
        .group_by(_log.guild_id, member)
    )
    conn.execute(
        period_scores.insert().from_select(
            ["head_id", "guild_id", "user_id", "done", "logged"], scores
        )
    )
    of_head = _period.head_id == head_id
    counted = [
        select(_period.head_id, _period.guild_id, literal("done"), _period.done, func.count())
        .where(of_head)
        .group_by(_period.head_id, _period.guild_id, _period.done),
        select(_period.head_id, _period.guild_id, literal("active"), literal(1), func.count())
        .where(of_head, _period.logged > 0)
        .group_by(_period.head_id, _period.guild_id),
    ]
    for counts in counted:
        conn.execute(
            period_counts.insert().from_select(
                ["head_id", "guild_id", "metric", "value", "members"], counts
            )
        )


def _build_members(conn: Connection, guild_id: int, content: SummaryContent) -> None:
    """The members' rows from their progress, then their counts (in bulk, see `_prepare`)."""
    roadmap_id = content.roadmap_id
    of_roadmap = (_member.guild_id == guild_id) & (_member.roadmap_id == roadmap_id)
    conn.execute(delete(member_scores).where(of_roadmap))
    counts = member_counts.c
    conn.execute(
        delete(member_counts).where(counts.guild_id == guild_id, counts.roadmap_id == roadmap_id)
    )
    # Without old ids in the content each stored id is its own live topic, and a member has
    # one row per id: counting the done rows is counting the live topics, without DISTINCT's
    # sort per member (a third of a build's time).
    aliased = any(stored != live for stored, (live, _) in content.topics.items())
    done = _done_live if aliased else func.sum(case((_row.status == DONE, 1), else_=0))
    scores = (
        select(_row.guild_id, _row.roadmap_id, _row.user_id, done, func.max(_topic.stage))
        .select_from(_with_topics)
        .where(_row.guild_id == guild_id, _row.roadmap_id == roadmap_id)
        .group_by(_row.guild_id, _row.roadmap_id, _row.user_id)
    )
    conn.execute(
        member_scores.insert().from_select(
            ["guild_id", "roadmap_id", "user_id", "done", "furthest"], scores
        )
    )
    key = (_member.guild_id, _member.roadmap_id)
    counted = [
        select(*key, literal("done"), _member.done, func.count())
        .where(of_roadmap)
        .group_by(*key, _member.done),
        select(*key, literal("stage"), _member.furthest, func.count())
        .where(of_roadmap, _member.furthest.is_not(None))
        .group_by(*key, _member.furthest),
    ]
    for rows in counted:
        conn.execute(
            member_counts.insert().from_select(
                ["guild_id", "roadmap_id", "metric", "value", "members"], rows
            )
        )


@dataclass(frozen=True, slots=True)
class _State:
    content: str | None  # the roadmap's stored fingerprint
    built: str | None  # the fingerprint this server's rows were built against
    heads: dict[tuple[str, str], tuple[int, str]]  # (period, starts_on) -> (head id, since)


# Answers run these on a reader, several per answer: compiled once (`Prepared`), since building
# and compiling a Core statement costs more than SQLite takes to run these.
_CONTENT = Prepared(
    select(summary_contents.c.fingerprint).where(summary_contents.c.roadmap_id == _roadmap_param())
)
_BUILT = Prepared(
    select(summary_builds.c.fingerprint).where(
        summary_builds.c.guild_id == _guild_param(),
        summary_builds.c.roadmap_id == _roadmap_param(),
    )
)
_HEADS = Prepared(
    select(_head.period, _head.starts_on, _head.id, _head.since).where(
        _head.guild_id == _guild_param(), _head.roadmap_id == _roadmap_param()
    )
)


def _state(conn: Connection, guild_id: int, roadmap_id: str, periods: Sequence[str]) -> _State:
    key = {"guild_id": guild_id, "roadmap_id": roadmap_id}
    content = _CONTENT.rows(conn, roadmap_id=roadmap_id)
    built = _BUILT.rows(conn, **key)
    heads = {
        (period, starts_on): (int(head_id), since)
        for period, starts_on, head_id, since in _HEADS.rows(conn, **key)
        if period in periods
    }
    return _State(content[0][0] if content else None, built[0][0] if built else None, heads)


def _wanted(starts: Sequence[PeriodStart]) -> dict[tuple[str, str], str]:
    return {(s.period, encode_date(s.starts_on)): encode_time(s.since) for s in starts}


def _add_heads(
    conn: Connection,
    guild_id: int,
    roadmap_id: str,
    state: _State,
    wanted: dict[tuple[str, str], str],
) -> list[tuple[int, str]]:
    """The wanted periods the server's rows do not keep yet, added; their (head id, since)."""
    added = []
    for (period, starts_on), since in wanted.items():
        kept = state.heads.get((period, starts_on))
        if kept is not None and kept[1] == since:
            continue
        head = {"period": period, "starts_on": starts_on, "since": since}
        head_id = conn.scalar(
            period_heads.insert()
            .values(guild_id=guild_id, roadmap_id=roadmap_id, **head)
            .returning(_head.id)
        )
        assert head_id is not None
        added.append((int(head_id), since))
    return added


def _prepare(
    conn: Connection, guild_id: int, content: SummaryContent, starts: Sequence[PeriodStart]
) -> None:
    """Bring the server's summary rows to `content` and keep exactly the periods `starts`
    among the kinds they name (older periods of those kinds are dropped)."""
    lock_tables(conn, member_scores, period_scores)
    # The counts triggers skip what this transaction writes; the builds count in bulk.
    conn.execute(summary_building.insert().values(started_at="build"))
    roadmap_id = content.roadmap_id
    kinds = sorted({start.period for start in starts})
    state = _state(conn, guild_id, roadmap_id, PERIODS)  # checked again under the lock
    if state.content != content.fingerprint:
        _store_content(conn, content)
    rebuild = state.built != content.fingerprint
    if rebuild:
        _build_members(conn, guild_id, content)
        statement = insert(conn, summary_builds).values(
            guild_id=guild_id, roadmap_id=roadmap_id, fingerprint=content.fingerprint
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[summary_builds.c.guild_id, summary_builds.c.roadmap_id],
                set_={"fingerprint": statement.excluded.fingerprint},
            )
        )
    wanted = _wanted(starts)
    for (period, starts_on), (head_id, since) in state.heads.items():
        if period in kinds and wanted.get((period, starts_on)) != since:
            conn.execute(delete(period_scores).where(_period.head_id == head_id))
            conn.execute(delete(period_counts).where(period_counts.c.head_id == head_id))
            conn.execute(delete(period_heads).where(_head.id == head_id))
        elif rebuild:
            _build_head(conn, head_id, guild_id, roadmap_id, since)
    for head_id, since in _add_heads(conn, guild_id, roadmap_id, state, wanted):
        _build_head(conn, head_id, guild_id, roadmap_id, since)
    conn.execute(delete(summary_building))


# -- builds in the background: short writes, a range of members each -----------------------------
#: Progress rows a build write covers (about 125 members of a 20-topic roadmap): each write
#: stays short at 100,000 members (tests/bench/bench_summaries.py prints the longest).
BUILD_CHUNK_ROWS = 2_500
#: A build's marker without a heartbeat for this long is a build that died (its process
#: stopped): another may take over.
BUILD_STALE_AFTER = timedelta(minutes=2)
#: `summary_builds.fingerprint` while a build runs: "building <token> <heartbeat>", never a
#: fingerprint, so no answer takes the half-built rows for ready ones.
_BUILDING = "building"
#: `period_heads.starts_on` of a head no longer wanted, whose rows go a chunk at a time.
_DROPPING = "drop"


def _marker(token: str, now: datetime) -> str:
    return f"{_BUILDING} {token} {encode_time(now)}"


def _live_build(built: str | None, now: datetime) -> bool:
    """Whether `built` is the marker of a build with a recent heartbeat (in any process)."""
    if built is None or not built.startswith(f"{_BUILDING} "):
        return False
    heartbeat = built.rsplit(" ", 1)[-1]
    return heartbeat > encode_time(now - BUILD_STALE_AFTER)


def _token_of(built: str | None) -> str | None:
    parts = (built or "").split(" ")
    return parts[1] if len(parts) == 3 and parts[0] == _BUILDING else None


@dataclass(frozen=True, slots=True)
class BuildJob:
    """What a build of one server's summaries of one roadmap does, decided in its first write."""

    guild_id: int
    content: SummaryContent
    token: str  # this build's marker in `summary_builds` while it runs
    members: bool  # every member's rows again (built against another content, or never)
    heads: tuple[tuple[int, str], ...]  # (head id, since) whose period rows are built
    drops: tuple[int, ...]  # heads no longer wanted: their rows go after the switch

    @property
    def chunked(self) -> bool:
        """Whether rows are built (member range by range) before the server's rows count as
        ready; False: only new empty periods were added, or old ones go."""
        return self.members or bool(self.heads)


def _logged_since(conn: Connection, guild_id: int, roadmap_id: str, since: str) -> bool:
    """Whether the server's log of the roadmap has a completion at or after `since`."""
    found = select(literal(1)).where(
        _log.guild_id == guild_id, _log.roadmap_id == roadmap_id, _log.completed_at >= since
    )
    return conn.scalar(found.limit(1)) is not None


def _set_built(conn: Connection, guild_id: int, roadmap_id: str, value: str) -> None:
    statement = insert(conn, summary_builds).values(
        guild_id=guild_id, roadmap_id=roadmap_id, fingerprint=value
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[summary_builds.c.guild_id, summary_builds.c.roadmap_id],
            set_={"fingerprint": statement.excluded.fingerprint},
        )
    )


@dataclass(frozen=True, slots=True)
class _BuildRequest:
    guild_id: int
    content: SummaryContent
    starts: tuple[PeriodStart, ...]  # the periods to keep
    token: str
    now: datetime


def _begin_build(conn: Connection, request: _BuildRequest) -> tuple[BuildJob | None, float]:
    """The build's first write: the content stored, the periods to keep added (a period
    without completions yet, such as next week, is complete at once: empty) and the ones no
    longer wanted marked for deletion, the marker set when rows are to be built. Returns the
    job (None when another build of the server is alive) and the seconds this write ran."""
    started = time.perf_counter()
    lock_tables(conn, member_scores, period_scores)
    guild_id, content, starts, token = (
        request.guild_id,
        request.content,
        request.starts,
        request.token,
    )
    roadmap_id = content.roadmap_id
    state = _state(conn, guild_id, roadmap_id, PERIODS)
    if _live_build(state.built, request.now):
        return None, time.perf_counter() - started
    if state.content != content.fingerprint:
        _store_content(conn, content)
        # From now on every mark counts by the new mapping, in every server: each server's rows
        # of the roadmap (built, or being built, in any process) are stale, even those built
        # with this content before another was stored meanwhile, and are built again.
        conn.execute(
            update(summary_builds)
            .where(summary_builds.c.roadmap_id == roadmap_id)
            .values(fingerprint="stale")
        )
        state = _State(content.fingerprint, "stale", state.heads)
    members = state.built != content.fingerprint
    kinds = {start.period for start in starts}
    wanted = _wanted(starts)
    heads: list[tuple[int, str]] = []
    drops: list[int] = []
    for (period, starts_on), (head_id, since) in state.heads.items():
        if starts_on.startswith(_DROPPING):
            drops.append(head_id)
        elif period in kinds and wanted.get((period, starts_on)) != since:
            # Renamed, so the period's key is free for the head that replaces it; marks keep
            # its rows until the last of them goes.
            conn.execute(
                update(period_heads)
                .where(_head.id == head_id)
                .values(starts_on=f"{_DROPPING} {head_id}")
            )
            drops.append(head_id)
        elif members:
            heads.append((head_id, since))
    for head_id, since in _add_heads(conn, guild_id, roadmap_id, state, wanted):
        # Marks keep the head from now on; rows to build only for completions already logged.
        if members or _logged_since(conn, guild_id, roadmap_id, since):
            heads.append((head_id, since))
    job = BuildJob(guild_id, content, token, members, tuple(heads), tuple(drops))
    if job.chunked:
        _set_built(conn, guild_id, roadmap_id, _marker(token, request.now))
    return job, time.perf_counter() - started


#: The bounds of the first and last range of members (Discord ids are positive and below 2^63).
_LOWEST_ID, _PAST_HIGHEST_ID = 0, 2**63 - 1
_low_param = bindparam("low", type_=DiscordId)
_high_param = bindparam("high", type_=DiscordId)


def _in_range(column: Any) -> Any:
    return and_(column >= _low_param, column < _high_param)


class _RangeStatements:
    """A build's statements for one range of members (`low`, `high` bound), made once per
    build and dialect and run as `Prepared`: making Core statements anew for every range, and
    SQLAlchemy's work per execution, cost a third of running them. Each write is few statements
    since, on a busy process, each one waits for the interpreter lock again."""

    def __init__(self, job: BuildJob) -> None:
        self.job = job
        self._made: dict[str, list[Prepared]] = {}

    def rebuild(self, conn: Connection, low: int, high: int) -> None:
        """The job's rows of the members in [low, high) from their own rows, the counts moved
        by the difference: the range's old rows uncounted, replaced, the new ones counted (the
        triggers are off: `summary_building`)."""
        made = self._made.get(conn.dialect.name)
        if made is None:
            made = self._made[conn.dialect.name] = [Prepared(s) for s in self._statements(conn)]
        for statement in made:
            statement.run(conn, low=low, high=high)

    def _statements(self, conn: Connection) -> list[Any]:
        job = self.job
        guild_id, roadmap_id = job.guild_id, job.content.roadmap_id
        statements: list[Any] = []
        if job.members:
            of_members = and_(
                _member.guild_id == guild_id,
                _member.roadmap_id == roadmap_id,
                _in_range(_member.user_id),
            )
            metrics: list[tuple[str, Any, Any]] = [
                ("done", _member.done, true()),
                ("stage", _member.furthest, _member.furthest.is_not(None)),
            ]
            keys = [_member.guild_id, _member.roadmap_id]
            uncount, count = (
                _counts_change(conn, member_counts, keys, metrics, scope=of_members, sign=sign)
                for sign in (-1, 1)
            )
            statements += [uncount, delete(member_scores).where(of_members)]
            done: Any = _done_live
            if all(stored == live for stored, (live, _) in job.content.topics.items()):
                # Each stored id its own live topic, one row per id: counting the done rows
                # is counting the live topics, without DISTINCT's sort per member.
                done = func.sum(case((_row.status == DONE, 1), else_=0))
            # The range of members by progress's primary key, each row's topic looked up in
            # the stored content (what the marks count by too).
            with_topics = progress.join(
                summary_topics, _counted_topic(_row.topic_id, _row.roadmap_id)
            )
            scores = [_row.guild_id, _row.roadmap_id, _row.user_id, done, func.max(_topic.stage)]
            statements += [_range_rows(job, member_scores, with_topics, progress, scores), count]
        if job.heads:
            # Literal ids (a few integers): a bound list would be expanded per execution.
            head_ids: list[Any] = [literal_column(str(int(head_id))) for head_id, _ in job.heads]
            of_periods = and_(_period.head_id.in_(head_ids), _in_range(_period.user_id))
            metrics = [
                ("done", _period.done, true()),
                ("active", literal_column("1"), _period.logged > 0),
            ]
            keys = [_period.head_id, _period.guild_id]
            uncount, count = (
                _counts_change(conn, period_counts, keys, metrics, scope=of_periods, sign=sign)
                for sign in (-1, 1)
            )
            statements += [uncount, delete(period_scores).where(of_periods)]
            # The members' own log by its index (completions_by_member_time: member, roadmap,
            # time), each completion matched with the kept periods it falls in: one pass.
            in_periods = completions.join(
                period_heads, and_(_head.id.in_(head_ids), _log.completed_at >= _head.since)
            ).outerjoin(summary_topics, _counted_topic(_log.topic_id, _log.roadmap_id))
            logged = [
                _head.id,
                _log.guild_id,
                _log.user_id,
                func.count(distinct(_topic.live_id)),
                func.count(),
            ]
            statements += [_range_rows(job, period_scores, in_periods, completions, logged), count]
        return statements


def _range_rows(job: BuildJob, target: Any, source: Any, of: Any, values: list[Any]) -> Any:
    """The insert of `target`'s rows of the range's members: `values` (one a column of
    `target`, in its order; the last two the scores) from `source`, whose table `of` has the
    job's server, roadmap and the range's members, grouped by the others."""
    rows = (
        select(*values)
        .select_from(source)
        .where(
            of.c.guild_id == job.guild_id,
            _in_range(of.c.user_id),
            of.c.roadmap_id == job.content.roadmap_id,
        )
        .group_by(*values[:-2])
    )
    return target.insert().from_select([column.name for column in target.columns], rows)


def _counts_change(
    conn: Connection,
    counts: Any,
    keys: list[Any],
    metrics: list[tuple[str, Any, Any]],
    *,
    scope: Any,
    sign: int,
) -> Any:
    """Add (`sign` 1) or take away (-1) the histogram of the score rows in `scope` to or from
    their counts rows: one statement, each metric's (name, value, condition on the row)."""
    parts = [
        select(*keys, literal(name), value, func.count() * literal_column(str(sign)))
        .where(scope, condition)
        .group_by(*keys, value)
        for name, value, condition in metrics
    ]
    statement = insert(conn, counts).from_select(
        [*(key.name for key in keys), "metric", "value", "members"], union_all(*parts)
    )
    return statement.on_conflict_do_update(
        index_elements=list(counts.primary_key.columns),
        set_={"members": counts.c.members + statement.excluded.members},
    )


@dataclass(frozen=True, slots=True)
class _Step:
    high: int | None  # where the next range starts (None: this was the last)
    superseded: bool  # another build (or content) took over: this one stops
    seconds: float  # how long the write ran


_RANGE_END = Prepared(
    select(_row.user_id)
    .where(_row.guild_id == _guild_param(), _row.user_id >= _low_param)
    .order_by(_row.user_id)
    .limit(1)
    .offset(bindparam("rows", type_=Integer))
)
_NEXT_MEMBER = Prepared(
    select(func.min(_row.user_id)).where(_row.guild_id == _guild_param(), _row.user_id > _low_param)
)


def _range_end(conn: Connection, guild_id: int, low: int, rows: int) -> int | None:
    """The first member after `rows` progress rows of the server from `low` (None: fewer are
    left)."""
    found = _RANGE_END.rows(conn, guild_id=guild_id, low=low, rows=rows)
    high = int(found[0][0]) if found else None
    if high is not None and high <= low:  # one member holds `rows` rows
        (following,) = _NEXT_MEMBER.rows(conn, guild_id=guild_id, low=low)
        high = None if following[0] is None else int(following[0])
    return high


@dataclass(frozen=True, slots=True)
class _Range:
    statements: _RangeStatements
    low: int
    rows: int
    now: datetime


_BUILD_STATE = Prepared(
    select(
        select(summary_builds.c.fingerprint)
        .where(
            summary_builds.c.guild_id == _guild_param(),
            summary_builds.c.roadmap_id == _roadmap_param(),
        )
        .scalar_subquery(),
        select(summary_contents.c.fingerprint)
        .where(summary_contents.c.roadmap_id == _roadmap_param())
        .scalar_subquery(),
    )
)
_BUILDING_ON = Prepared(summary_building.insert().values(started_at=bindparam("token")))
_BUILDING_OFF = Prepared(delete(summary_building))
# Bound names other than the columns': an UPDATE reserves those for its SET clause.
_MARK_BUILT = Prepared(
    update(summary_builds)
    .where(
        summary_builds.c.guild_id == bindparam("of_guild", type_=DiscordId),
        summary_builds.c.roadmap_id == bindparam("of_roadmap", type_=Text),
    )
    .values(fingerprint=bindparam("built", type_=Text))
)


def _build_range(conn: Connection, step: _Range) -> _Step:
    """One build write: the rows of the members from `low` (up to `rows` progress rows), or,
    for the last range, those and the switch: the server's rows count as built."""
    started = time.perf_counter()
    lock_tables(conn, member_scores, period_scores)
    job = step.statements.job
    key = {"guild_id": job.guild_id, "roadmap_id": job.content.roadmap_id}
    ((built, content),) = _BUILD_STATE.rows(conn, **key)
    if _token_of(built) != job.token or content != job.content.fingerprint:
        return _Step(None, True, time.perf_counter() - started)
    high = _range_end(conn, job.guild_id, step.low, step.rows)
    _BUILDING_ON.run(conn, token=job.token)
    step.statements.rebuild(conn, step.low, _PAST_HIGHEST_ID if high is None else high)
    _BUILDING_OFF.run(conn)
    done = job.content.fingerprint if high is None else _marker(job.token, step.now)
    _MARK_BUILT.run(conn, of_guild=job.guild_id, of_roadmap=job.content.roadmap_id, built=done)
    return _Step(high, False, time.perf_counter() - started)


def _abandon(conn: Connection, job: BuildJob) -> None:
    """A build stopped half-way (its process stopping): its marker becomes "stale" at once, so
    that the next process builds the server without waiting for the heartbeat to age."""
    statement = update(summary_builds).where(
        summary_builds.c.guild_id == job.guild_id,
        summary_builds.c.roadmap_id == job.content.roadmap_id,
        summary_builds.c.fingerprint.startswith(f"{_BUILDING} {job.token} "),
    )
    conn.execute(statement.values(fingerprint="stale"))


def _drop_rows(conn: Connection, head_id: int, rows: int) -> tuple[bool, float]:
    """Up to `rows` rows of a head no longer wanted; the last write deletes the head, its counts
    and what marks added meanwhile. (Whether the head is gone, the seconds the write ran.)"""
    started = time.perf_counter()
    lock_tables(conn, member_scores, period_scores)
    conn.execute(summary_building.insert().values(started_at="drop"))
    first = (
        select(_period.user_id)
        .where(_period.head_id == head_id)
        .order_by(_period.user_id)
        .limit(rows)
        .scalar_subquery()
    )
    deleted = conn.execute(
        delete(period_scores).where(_period.head_id == head_id, _period.user_id.in_(first))
    ).rowcount
    gone = deleted < rows
    if gone:
        conn.execute(delete(period_scores).where(_period.head_id == head_id))
        conn.execute(delete(period_counts).where(period_counts.c.head_id == head_id))
        conn.execute(delete(period_heads).where(_head.id == head_id))
    conn.execute(delete(summary_building))
    return gone, time.perf_counter() - started


@dataclass(slots=True)
class BuildReport:
    """What a build did: its writes, the longest one's time on the writer, how it ended."""

    writes: int = 0
    longest_write: float = 0.0  # seconds
    seconds: float = 0.0  # from the first write's start to the last one's end
    finished: bool = False  # the rows count as built (or nothing needed building)
    superseded: bool = False  # another build or another content took over
    write_seconds: list[float] = field(default_factory=list)  # each write's, in order

    def add(self, seconds: float) -> None:
        self.writes += 1
        self.longest_write = max(self.longest_write, seconds)
        self.write_seconds.append(seconds)


class SummaryBuild:
    """One server's build in short writes, each a range of members (see the module): `await
    step()` until it answers False. Marks and answers go on between the steps."""

    def __init__(
        self,
        db: Database,
        job: BuildJob,
        *,
        rows: int,
        clock: Callable[[], datetime],
        report: BuildReport,
    ) -> None:
        self._db = db
        self.job = job
        self._rows = rows
        self._clock = clock
        self._statements = _RangeStatements(job) if job.chunked else None
        self._low: int = _LOWEST_ID
        self._built = not job.chunked
        self._drops = list(job.drops)
        self.report = report
        self._started = time.perf_counter()
        report.finished = self._built

    async def step(self) -> bool:
        """Run the next write; False once nothing is left (or the build was superseded)."""
        if not self._built:
            assert self._statements is not None
            range_ = _Range(self._statements, self._low, self._rows, self._clock())
            step = await self._db.write(_build_range, range_)
            self.report.add(step.seconds)
            if step.superseded:
                self.report.superseded = True
                self._drops.clear()
                return self._end()
            if step.high is None:
                self._built = self.report.finished = True
            else:
                self._low = step.high
            return True
        if self._drops:
            gone, seconds = await self._db.write(_drop_rows, self._drops[0], self._rows)
            self.report.add(seconds)
            if gone:
                self._drops.pop(0)
            return True
        return self._end()

    def _end(self) -> bool:
        self.report.seconds = time.perf_counter() - self._started
        return False

    async def abandon(self) -> None:
        """Give the server up before the switch (the process stops): its rows are left for
        the next build, which may start at once. Nothing after the switch."""
        if not self._built:
            await self._db.write(_abandon, self.job)

    async def run(self) -> BuildReport:
        """Every step, one after the other."""
        while await self.step():
            pass
        return self.report


# -- answers ---------------------------------------------------------------------------------------
# `= 1` as a literal: the partial index `member_settings_hidden` is for that condition.
_HIDDEN = select(member_settings.c.user_id).where(
    member_settings.c.guild_id == _guild_param(),
    member_settings.c.hide_progress == literal_column("1"),
)
_hidden_members = member_settings.c


@dataclass(frozen=True, slots=True)
class _Board:
    """The statements of one kind of leaderboard (all time, or one kept period)."""

    top: Prepared  # the visible members by score, best first
    mine: Prepared  # the caller's score, when visible
    above: Prepared  # how many visible members score more than `score`


def _board(table: Any, scope: Any, counts: Any, counts_scope: Any) -> _Board:
    user, score = table.c.user_id, table.c.done
    visible = user.not_in(_HIDDEN)
    top = (
        select(user, score)
        .where(scope, score > 0, visible)
        .order_by(score.desc(), user)
        .limit(bindparam("limit", type_=Integer))
    )
    mine = select(score).where(scope, user == _user_param(), score > 0, visible)
    # The counts rows of the higher scores (one per score) less the hidden members among them
    # (few: each one a primary-key read), instead of counting the members' own rows.
    more = (
        select(func.coalesce(func.sum(counts.c.members), 0))
        .where(counts_scope, counts.c.metric == "done", counts.c.value > bindparam("score"))
        .scalar_subquery()
    )
    hidden_score = (
        select(score)
        .where(scope, user == _hidden_members.user_id)
        .correlate(member_settings)
        .scalar_subquery()
    )
    hidden_more = (
        select(func.count())
        .select_from(member_settings)
        .where(
            _hidden_members.guild_id == _guild_param(),
            _hidden_members.hide_progress == literal_column("1"),
            hidden_score > bindparam("score"),
        )
        .scalar_subquery()
    )
    return _Board(Prepared(top), Prepared(mine), Prepared(select(more - hidden_more)))


_counts = member_counts.c
_ALL_TIME = _board(
    member_scores,
    and_(_member.guild_id == _guild_param(), _member.roadmap_id == _roadmap_param()),
    member_counts,
    and_(_counts.guild_id == _guild_param(), _counts.roadmap_id == _roadmap_param()),
)
_head_param = bindparam("head_id", type_=Integer)
_IN_PERIOD = _board(
    period_scores,
    _period.head_id == _head_param,
    period_counts,
    period_counts.c.head_id == _head_param,
)
_STAGES = Prepared(
    select(_counts.value, _counts.members).where(
        _counts.guild_id == _guild_param(),
        _counts.roadmap_id == _roadmap_param(),
        _counts.metric == "stage",
        _counts.members > 0,
    )
)
_ACTIVE = Prepared(
    select(period_counts.c.members).where(
        period_counts.c.head_id == _head_param,
        period_counts.c.metric == "active",
        period_counts.c.value == 1,
    )
)


def _ranking(
    conn: Connection, board: _Board, key: dict[str, Any], caller_id: int, limit: int
) -> tuple[list[Score], Score | None]:
    """The top `limit` visible members (best first) and the caller's score; equal scores
    share a rank (1 + the visible members scoring more)."""
    top: list[Score] = []
    for index, (member, count) in enumerate(board.top.rows(conn, **key, limit=limit)):
        rank = top[-1].rank if top and top[-1].count == count else index + 1
        top.append(Score(int(member), int(count), rank))
    caller = next((s for s in top if s.user_id == caller_id), None)
    if caller is not None:
        return top, caller
    mine = board.mine.rows(conn, **key, user_id=caller_id)
    if not mine:
        return top, None
    score = int(mine[0][0])
    ((above,),) = board.above.rows(conn, **key, score=score)
    return top, Score(caller_id, score, int(above) + 1)


_Answer = tuple[list[Score], Score | None] | tuple[dict[int, int], int]
A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class Summarised(Generic[A]):
    """An answer from the summaries, or None when the server's rows are not ready for it
    (answer from the full queries then); `complete`: the rows are exactly as wanted (the
    content, every period to keep and no other), so no build is due."""

    answer: A | None
    complete: bool


@dataclass(frozen=True, slots=True)
class _Question:
    guild_id: int
    content: SummaryContent
    period: PeriodStart | None  # the answer's period (None: all time)
    keep: tuple[PeriodStart, ...]  # every period the server's rows keep
    kind: str  # "leaderboard" or "stats"
    caller_id: int = 0
    limit: int = 0


def _answer(conn: Connection, question: _Question) -> Summarised[_Answer]:
    """The answer, when the server's rows are built against the question's content and keep
    its period; and whether they are complete (see `Summarised`)."""
    guild_id, content, period = question.guild_id, question.content, question.period
    state = _state(conn, guild_id, content.roadmap_id, PERIODS)
    built = state.content == content.fingerprint and state.built == content.fingerprint
    kinds = {start.period for start in question.keep}
    kept = {key: since for key, (_, since) in state.heads.items() if key[0] in kinds}
    complete = built and kept == _wanted(question.keep)
    head_id = None
    if period is not None:
        head = state.heads.get((period.period, encode_date(period.starts_on)))
        if head is not None and head[1] == encode_time(period.since):
            head_id = head[0]
    if not built or (period is not None and head_id is None):
        return Summarised(None, False)
    key: dict[str, Any] = {"guild_id": guild_id, "roadmap_id": content.roadmap_id}
    answer: _Answer
    if question.kind == "stats":
        stages = {int(s): int(n) for s, n in _STAGES.rows(conn, **key)}
        active = _ACTIVE.rows(conn, head_id=head_id)
        answer = (stages, int(active[0][0]) if active else 0)
    elif head_id is None:
        answer = _ranking(conn, _ALL_TIME, key, question.caller_id, question.limit)
    else:
        in_period = {"guild_id": guild_id, "head_id": head_id}
        answer = _ranking(conn, _IN_PERIOD, in_period, question.caller_id, question.limit)
    return Summarised(answer, complete)


def _first_followed(guild_id: Any) -> Any:
    """The least roadmap followed in `guild_id` (NULL: none): one search of the index."""
    m = member_settings.alias()
    return (
        select(func.min(m.c.followed_roadmap))
        .where(m.c.guild_id == guild_id, m.c.followed_roadmap.is_not(None))
        .scalar_subquery()
    )


def _next_following_server(guild_id: Any, *outer: Any) -> Any:
    """The least server after `guild_id` where someone follows a roadmap (NULL: none);
    `outer`: the tables of the enclosing statement `guild_id` comes from."""
    m = member_settings.alias()
    return (
        select(func.min(m.c.guild_id))
        .where(m.c.guild_id > guild_id, m.c.followed_roadmap.is_not(None))
        .correlate(*outer)
        .scalar_subquery()
    )


def _followed_roadmaps() -> Any:
    """(server, roadmap) of every roadmap a member follows, each pair once, by skipping
    through `member_settings_followed` (0010): each next pair a few searches of the index
    rather than a read of every follower (a server may have 100,000). In order; the last row
    is (NULL, NULL)."""
    first = _next_following_server(literal(_LOWEST_ID - 1, DiscordId))
    pairs = select(first.label("guild_id"), _first_followed(first).label("roadmap_id")).cte(
        "followed", recursive=True
    )
    here = pairs.alias("here")
    m = member_settings.alias()
    # The next roadmap followed in the same server, else the first one of the next server.
    same_server = (
        select(func.min(m.c.followed_roadmap))
        .where(m.c.guild_id == here.c.guild_id, m.c.followed_roadmap > here.c.roadmap_id)
        .scalar_subquery()
    )
    # Correlated by name: it is also nested in `_first_followed`'s subquery.
    following = _next_following_server(here.c.guild_id, here)
    step = select(
        case((same_server.is_(None), following), else_=here.c.guild_id),
        func.coalesce(same_server, _first_followed(following)),
    ).where(here.c.guild_id.is_not(None))
    return pairs.union_all(step)


@dataclass(frozen=True, slots=True)
class KeptServer:
    """A server whose summaries of a roadmap are built ahead."""

    guild_id: int
    roadmap_id: str | None  # None: the server's own roadmap
    time_zone: str | None  # the server's zone, whose weeks and months it keeps (None: UTC)


def _kept_servers(conn: Connection, plan: ShardPlan | None) -> list[KeptServer]:
    """Every server (and roadmap) whose summaries are worth building ahead: built before, with
    a daily or weekly post, or with members who follow a roadmap (each roadmap followed); on
    `plan`'s shards, not left; with the server's zone."""
    followed = _followed_roadmaps()
    sources = [
        narrowed(
            select(summary_builds.c.guild_id, summary_builds.c.roadmap_id),
            summary_builds.c.guild_id,
            plan,
        ),
        narrowed(
            select(daily_schedules.c.guild_id, daily_schedules.c.roadmap_id),
            daily_schedules.c.guild_id,
            plan,
        ),
        narrowed(
            select(weekly_schedules.c.guild_id, literal(None, Text)),
            weekly_schedules.c.guild_id,
            plan,
        ),
        narrowed(
            select(followed.c.guild_id, followed.c.roadmap_id).where(
                followed.c.guild_id.is_not(None)
            ),
            followed.c.guild_id,
            plan,
        ),
    ]
    kept = union(*sources).subquery()
    zones = guild_settings.c
    rows = conn.execute(
        select(kept.c.guild_id, kept.c.roadmap_id, zones.time_zone)
        .select_from(kept.outerjoin(guild_settings, zones.guild_id == kept.c.guild_id))
        .where(zones.left_at.is_(None))  # not a server the bot was removed from
        .order_by(kept.c.guild_id, kept.c.roadmap_id.nulls_first())
    )
    return [KeptServer(int(guild_id), roadmap_id, zone) for guild_id, roadmap_id, zone in rows]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SummaryRepository:
    """Whole-server answers from the summary tables, and their builds in short writes (see the
    module)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def leaderboard(
        self,
        guild_id: int,
        content: SummaryContent,
        *,
        period: PeriodStart | None,
        keep: Sequence[PeriodStart],
        caller_id: int,
        limit: int,
    ) -> Summarised[tuple[list[Score], Score | None]]:
        """The top `limit` visible members by live topics done (all time when `period` is
        None; else completed since its start), and the caller's score (None when they have
        none or hide); no answer when the rows are not ready. `keep`: the periods the
        server's rows should keep (a build is due when they do not)."""
        question = _Question(
            guild_id, content, period, tuple(keep), "leaderboard", caller_id, limit
        )
        answer = await self._db.read(_answer, question)
        return cast(Summarised[tuple[list[Score], Score | None]], answer)

    async def stats(
        self,
        guild_id: int,
        content: SummaryContent,
        week: PeriodStart,
        keep: Sequence[PeriodStart],
    ) -> Summarised[tuple[dict[int, int], int]]:
        """(stage position -> members whose furthest progress is in it, members who logged a
        completion in the roadmap since `week`'s start), as `leaderboard` answers."""
        question = _Question(guild_id, content, week, tuple(keep), "stats")
        answer = await self._db.read(_answer, question)
        return cast(Summarised[tuple[dict[int, int], int]], answer)

    async def begin_build(
        self,
        guild_id: int,
        content: SummaryContent,
        keep: Sequence[PeriodStart],
        *,
        rows: int = BUILD_CHUNK_ROWS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> SummaryBuild | None:
        """Start building the server's rows for `content`, keeping exactly the periods `keep`
        among the kinds it names: its first write. None when another build of the server runs
        (in this process or another); else step the build (`SummaryBuild`) to its end."""
        token = secrets.token_hex(6)
        request = _BuildRequest(guild_id, content, tuple(keep), token, clock())
        job, seconds = await self._db.write(_begin_build, request)
        if job is None:
            return None
        report = BuildReport()
        report.add(seconds)
        return SummaryBuild(self._db, job, rows=rows, clock=clock, report=report)

    async def build_in_one_write(
        self, guild_id: int, content: SummaryContent, keep: Sequence[PeriodStart]
    ) -> None:
        """The server's rows built as before the background builds: in one write holding the
        writer throughout (seconds at 100,000 members). Kept as the benchmarks' baseline."""
        await self._db.write(_prepare, guild_id, content, tuple(keep))

    async def kept_servers(self, plan: ShardPlan | None) -> list[KeptServer]:
        """The servers (and roadmaps) whose summaries are built ahead, by server."""
        return await self._db.read(_kept_servers, plan)

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
`summary_contents`), and every write recomputes from it. A server's rows are (re)built when an
answer is asked for and they were built against another fingerprint (first use after the
upgrade, or after a content reload moved topics) or a period is not kept yet, inside that call.

Exactness: every write that changes a member's progress or completions calls `refresh_member`
in its own transaction (bot/store/progress.py, bot/store/undo.py), which recomputes that member's
rows from their own rows, so no path can drift; forget-me and a server's deletion erase the rows
(bot/store/erasure.py). On PostgreSQL a build locks the summary tables (marks wait for it, and it
waits for marks in flight), so no change falls between a build's read and its write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
)
from sqlalchemy.types import Integer, Text

from bot.records import DONE
from bot.store.codec import encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, insert, lock_tables
from bot.store.schema import (
    DiscordId,
    completions,
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
)
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
        statement = statement.on_conflict_do_update(
            index_elements=[_member.guild_id, _member.roadmap_id, _member.user_id],
            set_={"done": statement.excluded.done, "furthest": statement.excluded.furthest},
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
        statement = statement.on_conflict_do_update(
            index_elements=[_period.head_id, _period.user_id],
            set_={"done": statement.excluded.done, "logged": statement.excluded.logged},
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


def _ready(state: _State, content: SummaryContent, starts: Sequence[PeriodStart]) -> bool:
    kept = {key: since for key, (_, since) in state.heads.items()}
    return (
        state.content == content.fingerprint
        and state.built == content.fingerprint
        and kept == _wanted(starts)
    )


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
    for (period, starts_on), since in wanted.items():
        kept = state.heads.get((period, starts_on))
        if kept is not None and kept[1] == since:
            continue
        head_id = conn.scalar(
            period_heads.insert()
            .values(
                guild_id=guild_id,
                roadmap_id=roadmap_id,
                period=period,
                starts_on=starts_on,
                since=since,
            )
            .returning(_head.id)
        )
        assert head_id is not None
        _build_head(conn, int(head_id), guild_id, roadmap_id, since)
    conn.execute(delete(summary_building))


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


@dataclass(frozen=True, slots=True)
class _Question:
    guild_id: int
    content: SummaryContent
    starts: tuple[PeriodStart, ...]  # the periods to keep; the answer is of the first
    kind: str  # "leaderboard" or "stats"
    caller_id: int = 0
    limit: int = 0


def _answer(conn: Connection, question: _Question) -> _Answer | None:
    """The answer, or None when the server's rows are not ready for the question's content
    and periods (then `_prepare` first)."""
    guild_id, content, starts = question.guild_id, question.content, question.starts
    kinds = sorted({start.period for start in starts})
    state = _state(conn, guild_id, content.roadmap_id, kinds)
    if not _ready(state, content, starts):
        return None
    key: dict[str, Any] = {"guild_id": guild_id, "roadmap_id": content.roadmap_id}
    if starts:
        head_id = state.heads[(starts[0].period, encode_date(starts[0].starts_on))][0]
    if question.kind == "stats":
        stages = {int(s): int(n) for s, n in _STAGES.rows(conn, **key)}
        active = _ACTIVE.rows(conn, head_id=head_id)
        return stages, int(active[0][0]) if active else 0
    caller_id, limit = question.caller_id, question.limit
    if not starts:
        return _ranking(conn, _ALL_TIME, key, caller_id, limit)
    in_period = {"guild_id": guild_id, "head_id": head_id}
    return _ranking(conn, _IN_PERIOD, in_period, caller_id, limit)


class SummaryRepository:
    """Whole-server answers from the summary tables (built on first use, see the module)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _ask(self, question: _Question) -> Any:
        for _ in range(3):  # the rows are ready, or made ready and asked again
            answer = await self._db.read(_answer, question)
            if answer is not None:
                return answer
            await self._db.write(_prepare, question.guild_id, question.content, question.starts)
        # Only when other processes with other content rebuild the rows between each write
        # and read of this call.
        raise RuntimeError(f"summaries of {question.content.roadmap_id} keep changing")

    async def leaderboard(
        self,
        guild_id: int,
        content: SummaryContent,
        *,
        period: Sequence[PeriodStart],
        caller_id: int,
        limit: int,
    ) -> tuple[list[Score], Score | None]:
        """The top `limit` visible members by live topics done (all time when `period` is
        empty; else completed since `period[0]`, with `period[1:]` (the next period) kept
        ready too), and the caller's score (None when they have none or hide)."""
        question = _Question(guild_id, content, tuple(period), "leaderboard", caller_id, limit)
        answer: tuple[list[Score], Score | None] = await self._ask(question)
        return answer

    async def stats(
        self, guild_id: int, content: SummaryContent, week: Sequence[PeriodStart]
    ) -> tuple[dict[int, int], int]:
        """(stage position -> members whose furthest progress is in it, members who logged a
        completion in the roadmap since `week[0]`); `week[1:]` is kept ready too."""
        answer: tuple[dict[int, int], int] = await self._ask(
            _Question(guild_id, content, tuple(week), "stats")
        )
        return answer

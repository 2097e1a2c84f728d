"""Daily post schedules (`daily_schedules`): their SQL, and the writes a post's ledger row
makes to its schedule.

A tick's claim of a post is one transaction: the schedule moves from the date it waited at to
the next one (only if no moderator or other tick changed it since it was read), the dates the
bot was offline through are recorded as missed, and the post's ledger row is inserted as
`sending` (store/ledger.py), before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, bindparam, case, literal_column, select, update

from bot.records import DAILY, DailySchedule, Delivery
from bot.sharding import ShardPlan
from bot.store.codec import decode_date, decode_time, encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, PreparedSelect, insert
from bot.store.ledger import (
    Claim,
    DeliveryKey,
    Effect,
    LedgerRepository,
    claim_rows,
    record_thread,
    replace_claim,
)
from bot.store.schema import daily_schedules, deliveries, guild_settings
from bot.store.shards import narrowed

#: Written in the ledger for the dates the bot was offline through.
OFFLINE = "the bot was offline too long"


@dataclass(frozen=True, slots=True)
class TickClaim:
    """One due schedule's step: record missed dates, claim a post, move to the next date.

    Applied only if the schedule still has `revision` and `from_date` (else a moderator changed
    it, or another tick moved it, since it was read: it is left alone and read again later)."""

    guild_id: int
    revision: int
    from_date: date
    missed: tuple[date, ...]
    post: Claim | None
    next_date: date
    next_fire_at: datetime


def post_key(guild_id: int, day: date) -> DeliveryKey:
    """A server's daily post of one local date: the server is the subject."""
    return DeliveryKey.of(DAILY, guild_id, guild_id, day)


_s = daily_schedules.c
_SCHEDULE = select(
    _s.guild_id, _s.channel_id, _s.local_time, _s.time_zone, _s.roadmap_id, _s.ping_role_id,
    _s.enabled, _s.disabled_reason, _s.next_date, _s.next_fire_at, _s.cursor_roadmap_id,
    _s.last_topic_id, _s.last_position, _s.last_posted_date, _s.jump_topic_id, _s.revision,
    guild_settings.c.default_roadmap, _s.open_thread,
).select_from(
    daily_schedules.outerjoin(guild_settings, guild_settings.c.guild_id == _s.guild_id)
)  # fmt: skip


# Built once, with named parameters (an UPDATE's own column names are reserved for its SET
# clause, hence the `at_` prefix): building and keying a statement per call costs more than
# running it.
# `enabled = 1` is written into the SQL: the partial index of due schedules says the same.
_ENABLED = _s.enabled == literal_column("1")
_BY_GUILD = _SCHEDULE.where(_s.guild_id == bindparam("at_guild"))
_DUE = (
    _SCHEDULE.where(
        _ENABLED, _s.next_fire_at <= bindparam("at_now"), guild_settings.c.left_at.is_(None)
    )
    .order_by(_s.next_fire_at)
    .limit(bindparam("at_limit"))
)
# A tick's read of a batch of due schedules, on the reader's cursor (see `_CLAIMED_SCHEDULES`).
_DUE_PREPARED = Prepared(_DUE)
_ADVANCE = (
    update(daily_schedules)
    .where(
        _s.guild_id == bindparam("at_guild"),
        _s.revision == bindparam("at_revision"),
        _s.next_date == bindparam("at_date"),
        _ENABLED,
    )
    .values(next_date=bindparam("new_date"), next_fire_at=bindparam("new_fire_at"))
)
# A tick's claim of a batch runs on the writer thread as SQL compiled once, on SQLite's
# cursor: through SQLAlchemy, the read of the batch's schedules and their executemany cost the
# writer several ms of Python per batch, holding the GIL against the event loop.
_CLAIMED_SCHEDULES = PreparedSelect(
    select(_s.guild_id, _s.revision, _s.next_date)
    .where(_s.guild_id.in_(bindparam("at_guilds", expanding=True)), _ENABLED)
    .with_for_update()
)
_ADVANCE_PREPARED = Prepared(_ADVANCE)
_d = deliveries.c


def _posted(column: Any) -> Any:
    """A column of the post's own ledger row, read inside the cursor's UPDATE."""
    return (
        select(column)
        .where(
            _d.kind == DAILY,
            _d.guild_id == bindparam("at_guild"),
            _d.subject_id == bindparam("at_guild"),
            _d.period == bindparam("at_date"),
        )
        .scalar_subquery()
    )


# One statement: the cursor moves to the post's roadmap, topic and position.
_MOVE_CURSOR = (
    update(daily_schedules)
    .where(
        _s.guild_id == bindparam("at_guild"),
        _s.last_posted_date.is_(None) | (_s.last_posted_date < bindparam("at_date")),
    )
    .values(
        cursor_roadmap_id=_posted(_d.roadmap_id),
        last_topic_id=_posted(_d.topic_id),
        last_position=_posted(_d.topic_position),
        last_posted_date=bindparam("at_date"),
        jump_topic_id=case(
            (_s.jump_topic_id == _posted(_d.topic_id), None), else_=_s.jump_topic_id
        ),
    )
)
# Every sent post runs it on the writer thread: compiled once, on SQLite's cursor (through
# SQLAlchemy it cost ~250 us of the writer's Python per post, holding the GIL against the loop).
_MOVE_CURSOR_PREPARED = Prepared(_MOVE_CURSOR)


def _schedule(row: Sequence[Any]) -> DailySchedule:
    next_fire_at = decode_time(row[9])
    assert next_fire_at is not None
    return DailySchedule(
        guild_id=int(row[0]),
        channel_id=int(row[1]),
        local_time=time.fromisoformat(row[2]),
        time_zone=row[3],
        roadmap_id=row[4],
        ping_role_id=row[5],
        enabled=bool(row[6]),
        disabled_reason=row[7],
        next_date=decode_date(row[8]),
        next_fire_at=next_fire_at,
        cursor_roadmap_id=row[10],
        last_topic_id=row[11],
        last_position=row[12],
        last_posted_date=decode_date(row[13]) if row[13] else None,
        jump_topic_id=row[14],
        revision=int(row[15]),
        default_roadmap=row[16],
        open_thread=bool(row[17]),
    )


def _read_schedule(conn: Connection, guild_id: int) -> DailySchedule | None:
    row = conn.execute(_BY_GUILD, {"at_guild": guild_id}).first()
    return _schedule(row) if row is not None else None


def _due(
    conn: Connection, now: str, limit: int, statement: Prepared = _DUE_PREPARED
) -> list[DailySchedule]:
    return [_schedule(row) for row in statement.rows(conn, at_now=now, at_limit=limit)]


class DailyRepository:
    """Reads and writes of daily schedules, over the shared Database; `ledger` holds the posts."""

    def __init__(self, db: Database, shards: ShardPlan | None = None) -> None:
        self.db = db
        # With shards, a tick reads only the schedules of the servers on this process's shards.
        self._due = Prepared(narrowed(_DUE, _s.guild_id, shards))
        self.ledger = LedgerRepository(db, shards)

    # --- reads -------------------------------------------------------------------------------

    async def schedule(self, guild_id: int) -> DailySchedule | None:
        return await self.db.read(_read_schedule, guild_id)

    async def due(self, now: datetime, limit: int) -> list[DailySchedule]:
        """Enabled schedules whose next post time has come, in servers the bot is still in."""
        return await self.db.read(_due, encode_time(now), limit, self._due)

    async def recent_posts(self, guild_id: int, limit: int = 5) -> list[Delivery]:
        return await self.ledger.recent(DAILY, guild_id, guild_id, limit)

    # --- writes ------------------------------------------------------------------------------

    async def save(
        self,
        *,
        guild_id: int,
        channel_id: int,
        local_time: time,
        time_zone: str,
        roadmap_id: str | None,
        ping_role_id: int | None,
        next_date: date,
        next_fire_at: datetime,
        now: datetime,
        open_thread: bool = False,
    ) -> DailySchedule:
        """Create or replace the server's schedule (turning it on); the topic cursor is kept."""
        at = encode_time(now)
        values = {
            "open_thread": int(open_thread),
            "channel_id": channel_id,
            "local_time": f"{local_time:%H:%M}",
            "time_zone": time_zone,
            "roadmap_id": roadmap_id,
            "ping_role_id": ping_role_id,
            "enabled": 1,
            "disabled_reason": None,
            "next_date": encode_date(next_date),
            "next_fire_at": encode_time(next_fire_at),
            "updated_at": at,
        }
        return await self.db.write(_save, guild_id, values, at)

    async def turn_off(self, guild_id: int, reason: str, now: datetime) -> bool:
        """Stop posting; False when there was no active schedule."""
        return await self.db.write(_disable, guild_id, reason, encode_time(now))

    async def jump(self, guild_id: int, topic_id: str, now: datetime) -> bool:
        """Make `topic_id` the next post's topic; False when the server has no schedule."""
        return await self.db.write(_jump, guild_id, topic_id, encode_time(now))

    async def claim(self, claims: Sequence[TickClaim], now: datetime) -> list[bool]:
        """Apply each tick step in one transaction; True where its post row was inserted
        (it is ours to send), False where the step was stale or the date already had a row."""
        return await self.db.write(_claim_all, claims, now)

    async def claim_now(self, revision: int, post: Claim, now: datetime) -> Delivery | None:
        """`post-now`: claim today's row (replacing a missed, failed or unknown one). Returns
        None when claimed, else the row that stands in the way (already sent or being sent);
        raises LookupError when the schedule changed since it was read."""
        return await self.db.write(_claim_now, revision, post, now)

    # --- what a recorded outcome changes in the schedule (store/ledger.py runs them) ----------

    @staticmethod
    def after_sent(guild_id: int, day: date, thread_id: int | None = None) -> Effect:
        """Move the topic cursor to the post's topic, only forward in time: a late resolution
        of an older claim leaves a newer post's cursor alone. The thread opened on the post,
        if any, is remembered on its ledger row."""

        def effect(conn: Connection) -> None:
            _move_cursor(conn, guild_id, encode_date(day))
            if thread_id is not None:
                record_thread(conn, post_key(guild_id, day), thread_id)

        return effect

    @staticmethod
    def after_refused(guild_id: int, reason: str, now: datetime) -> Effect:
        """Discord will never take the post: the schedule stops, saying why."""
        return lambda conn: _disable(conn, guild_id, reason, encode_time(now))


# --- write operations --------------------------------------------------------------------------


def _save(conn: Connection, guild_id: int, values: dict[str, Any], now: str) -> DailySchedule:
    statement = insert(conn, daily_schedules).values(guild_id=guild_id, created_at=now, **values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[_s.guild_id],
            set_={
                **{name: statement.excluded[name] for name in values},
                "revision": _s.revision + 1,
            },
        )
    )
    saved = _read_schedule(conn, guild_id)
    assert saved is not None
    return saved


def _disable(conn: Connection, guild_id: int, reason: str, now: str) -> bool:
    result = conn.execute(
        update(daily_schedules)
        .where(_s.guild_id == guild_id, _s.enabled == 1)
        .values(enabled=0, disabled_reason=reason, revision=_s.revision + 1, updated_at=now)
    )
    return result.rowcount == 1


def _jump(conn: Connection, guild_id: int, topic_id: str, now: str) -> bool:
    result = conn.execute(
        update(daily_schedules)
        .where(_s.guild_id == guild_id)
        .values(jump_topic_id=topic_id, revision=_s.revision + 1, updated_at=now)
    )
    return result.rowcount == 1


def _claim_all(conn: Connection, claims: Sequence[TickClaim], now: datetime) -> list[bool]:
    if not claims:
        return []
    # The schedules still as the tick read them, locked (PostgreSQL) until the transaction
    # ends; then all move in one batched statement (one statement per batch, not per server).
    # Selected by a plain IN and compared here: SQLite scans the whole table for a row value
    # IN, and SQLAlchemy's expansion of one costs the writer ~20 ms of Python per batch.
    read_at = {c.guild_id: (c.revision, encode_date(c.from_date)) for c in claims}
    unchanged = {
        int(guild_id)
        for guild_id, revision, next_date in _CLAIMED_SCHEDULES.rows(
            conn, at_guilds=sorted(read_at)
        )
        if (int(revision), next_date) == read_at[int(guild_id)]
    }
    moved = [claim for claim in claims if claim.guild_id in unchanged]
    _ADVANCE_PREPARED.run_many(
        conn,
        [
            {
                "at_guild": c.guild_id,
                "at_revision": c.revision,
                "at_date": encode_date(c.from_date),
                "new_date": encode_date(c.next_date),
                "new_fire_at": encode_time(c.next_fire_at),
            }
            for c in moved
        ],
    )
    rows = [
        Claim(post_key(claim.guild_id, day), status="missed", error=OFFLINE)
        for claim in moved
        for day in claim.missed
    ]
    rows += [claim.post for claim in moved if claim.post is not None]
    ours = claim_rows(conn, rows, now)
    return [claim.post is not None and claim.post.key in ours for claim in claims]


def _claim_now(conn: Connection, revision: int, post: Claim, now: datetime) -> Delivery | None:
    guild_id = post.key.guild_id
    current = conn.execute(
        select(_s.guild_id).where(_s.guild_id == guild_id, _s.revision == revision)
    ).first()
    if current is None:
        raise LookupError("the schedule changed")
    # The schedule itself need not move: when today's time comes, the tick finds this row and
    # only advances to tomorrow.
    return replace_claim(conn, post, now)


def _move_cursor(conn: Connection, guild_id: int, day: str) -> None:
    _MOVE_CURSOR_PREPARED.run(conn, at_guild=guild_id, at_date=day)

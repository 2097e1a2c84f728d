"""The delivery ledger (`deliveries`): one row per scheduled send, all its SQL.

A row's key (kind, guild_id, subject_id, period) is the idempotency key of one send: it is
inserted as `sending` before anything is sent (`INSERT ... ON CONFLICT DO NOTHING`, so of two
processes claiming one key exactly one gets it), and every later change of status is an atomic
`UPDATE ... WHERE status = 'sending'` checked by its row count, so nothing held in memory decides
whether a message goes out (DESIGN section 4). The schedules' own stores (store/daily.py,
store/reminders.py) claim through `claim_rows` inside their transactions, which also advance
their schedules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)

from bot.records import Delivery
from bot.sharding import ShardPlan
from bot.store.codec import decode_time, encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, PreparedClaim
from bot.store.schema import deliveries
from bot.store.shards import narrowed

#: A write a kind's store makes in the same transaction as a recorded outcome (the daily
#: post's topic cursor, a refused reminder turned off...). It runs only when the status changed.
Effect = Callable[[Connection], object]

#: Statuses a moderator's `post-now` may replace: nothing went out for that period.
REPLACEABLE = ("missed", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """The idempotency key of one scheduled send."""

    kind: str
    guild_id: int
    subject_id: int
    period: str

    @classmethod
    def of(cls, kind: str, guild_id: int, subject_id: int, day: date) -> DeliveryKey:
        return cls(kind, guild_id, subject_id, encode_date(day))


@dataclass(frozen=True, slots=True)
class Claim:
    """A ledger row to insert: `sending` for a send about to go out (with what a resend
    needs), or already settled (`missed` for periods the bot was offline through)."""

    key: DeliveryKey
    status: str = "sending"
    error: str | None = None
    channel_id: int | None = None
    roadmap_id: str | None = None
    topic_id: str | None = None
    topic_position: int | None = None
    ping_role_id: int | None = None
    scheduled_for: datetime | None = None


_COLUMNS = (
    deliveries.c.kind,
    deliveries.c.guild_id,
    deliveries.c.subject_id,
    deliveries.c.period,
    deliveries.c.status,
    deliveries.c.claimed_at,
    deliveries.c.attempts,
    deliveries.c.first_attempt_at,
    deliveries.c.finished_at,
    deliveries.c.message_id,
    deliveries.c.error,
    deliveries.c.channel_id,
    deliveries.c.roadmap_id,
    deliveries.c.topic_id,
    deliveries.c.topic_position,
    deliveries.c.ping_role_id,
    deliveries.c.scheduled_for,
    deliveries.c.thread_id,
)
_KEY = ("kind", "guild_id", "subject_id", "period")


def _delivery(row: Sequence[Any]) -> Delivery:
    claimed_at = decode_time(row[5])
    assert claimed_at is not None
    return Delivery(
        kind=row[0],
        guild_id=int(row[1]),
        subject_id=int(row[2]),
        period=row[3],
        status=row[4],
        claimed_at=claimed_at,
        attempts=int(row[6]),
        first_attempt_at=decode_time(row[7]),
        finished_at=decode_time(row[8]),
        message_id=row[9],
        error=row[10],
        channel_id=row[11],
        roadmap_id=row[12],
        topic_id=row[13],
        topic_position=row[14],
        ping_role_id=row[15],
        scheduled_for=decode_time(row[16]),
        thread_id=row[17],
    )


def key_of(row: Delivery) -> DeliveryKey:
    return DeliveryKey(row.kind, row.guild_id, row.subject_id, row.period)


# Statements are built once, with named parameters: building and keying a statement per call
# costs more than running it. (An UPDATE's own column names are reserved for its SET clause,
# hence the `at_` prefix of the key's parameters.)
_d = deliveries.c
_AT_KEY = and_(
    _d.kind == bindparam("at_kind"),
    _d.guild_id == bindparam("at_guild"),
    _d.subject_id == bindparam("at_subject"),
    _d.period == bindparam("at_period"),
)
# Written into the SQL, not bound: SQLite plans `status = 'sending'` with the partial index in
# mind, and a bound value made each status change several times slower.
_SENDING = _d.status == literal_column("'sending'")
_GET = select(*_COLUMNS).where(_AT_KEY)
_UNFINISHED = (
    select(*_COLUMNS)
    .where(_d.kind == bindparam("at_kind"), _SENDING)
    .order_by(_d.claimed_at)
    .limit(bindparam("at_limit"))
)
_RECENT = (
    select(*_COLUMNS)
    .where(
        _d.kind == bindparam("at_kind"),
        _d.guild_id == bindparam("at_guild"),
        _d.subject_id == bindparam("at_subject"),
    )
    .order_by(_d.period.desc())
    .limit(bindparam("at_limit"))
)
_BEGIN_ATTEMPT = (
    update(deliveries)
    .where(_AT_KEY, _SENDING)
    .values(
        attempts=_d.attempts + literal_column("1"),
        first_attempt_at=func.coalesce(_d.first_attempt_at, bindparam("at_now")),
    )
)
_FINISH = (
    update(deliveries)
    .where(_AT_KEY, _SENDING)
    .values(
        status=bindparam("new_status"),
        finished_at=bindparam("at_now"),
        message_id=bindparam("new_message_id"),
        error=bindparam("new_error"),
    )
)
_NOTE_ERROR = update(deliveries).where(_AT_KEY, _SENDING).values(error=bindparam("new_error"))
_SET_THREAD = update(deliveries).where(_AT_KEY).values(thread_id=bindparam("new_thread"))
_REPLACE = delete(deliveries).where(_AT_KEY, _d.status.in_(REPLACEABLE))
# The status changes every send makes run on the writer thread as SQL compiled once: through
# SQLAlchemy each cost ~100 us of Python holding the GIL against the event loop (the 2,000
# reminders' tick stalled the loop for tens of ms), against ~10 us on the driver's cursor.
_BEGIN_ATTEMPT_PREPARED = Prepared(_BEGIN_ATTEMPT)
_FINISH_PREPARED = Prepared(_FINISH)
_NOTE_ERROR_PREPARED = Prepared(_NOTE_ERROR)


def _at(key: DeliveryKey) -> dict[str, Any]:
    return {
        "at_kind": key.kind,
        "at_guild": key.guild_id,
        "at_subject": key.subject_id,
        "at_period": key.period,
    }


def _values(claim: Claim, now: str) -> dict[str, Any]:
    settled = claim.status != "sending"
    return {
        "kind": claim.key.kind,
        "guild_id": claim.key.guild_id,
        "subject_id": claim.key.subject_id,
        "period": claim.key.period,
        "status": claim.status,
        "channel_id": claim.channel_id,
        "roadmap_id": claim.roadmap_id,
        "topic_id": claim.topic_id,
        "topic_position": claim.topic_position,
        "ping_role_id": claim.ping_role_id,
        "scheduled_for": encode_time(claim.scheduled_for) if claim.scheduled_for else None,
        "claimed_at": now,
        "finished_at": now if settled else None,
        "error": claim.error,
    }


# --- statements for the kinds' stores, inside their transactions -------------------------------


# A tick's claims of a batch: the insert compiled once, each row inserted on SQLite's cursor
# (through SQLAlchemy's insertmanyvalues a batch cost the writer ~10 ms of Python).
_CLAIM = PreparedClaim(
    deliveries,
    _KEY,
    (*_KEY, "status", "channel_id", "roadmap_id", "topic_id", "topic_position", "ping_role_id",
     "scheduled_for", "claimed_at", "finished_at", "error"),
)  # fmt: skip


def claim_rows(conn: Connection, claims: Sequence[Claim], now: datetime) -> set[DeliveryKey]:
    """Insert the rows whose key is still free (one batched statement on PostgreSQL); the keys
    inserted (those are ours to send). A key that exists, whoever wrote it, is left as it is."""
    if not claims:
        return set()
    at = encode_time(now)
    inserted = _CLAIM.inserted(conn, [_values(claim, at) for claim in claims])
    return {DeliveryKey(kind, int(g), int(s), p) for kind, g, s, p in inserted}


def record_thread(conn: Connection, key: DeliveryKey, thread_id: int) -> None:
    """Remember the thread opened on a sent post (a daily post's discussion thread)."""
    conn.execute(_SET_THREAD, {**_at(key), "new_thread": thread_id})


def replace_claim(conn: Connection, claim: Claim, now: datetime) -> Delivery | None:
    """Claim a key even over a row through which nothing went out (`REPLACEABLE`): None when
    claimed, else the row that stands in the way (sent, or being sent)."""
    conn.execute(_REPLACE, _at(claim.key))
    if claim_rows(conn, [claim], now):
        return None
    return _delivery(conn.execute(_GET, _at(claim.key)).one())


# --- reads ---------------------------------------------------------------------------------------


def _unfinished(
    conn: Connection, kind: str, limit: int, statement: Any = _UNFINISHED
) -> list[Delivery]:
    rows = conn.execute(statement, {"at_kind": kind, "at_limit": limit})
    return [_delivery(row) for row in rows]


def _recent(
    conn: Connection, kind: str, guild_id: int, subject_id: int, limit: int
) -> list[Delivery]:
    parameters = {"at_kind": kind, "at_guild": guild_id, "at_subject": subject_id}
    rows = conn.execute(_RECENT, {**parameters, "at_limit": limit})
    return [_delivery(row) for row in rows]


def _rows(conn: Connection, kind: str, guild_id: int | None) -> list[Delivery]:
    query = select(*_COLUMNS).where(deliveries.c.kind == kind)
    if guild_id is not None:
        query = query.where(deliveries.c.guild_id == guild_id)
    order = (deliveries.c.guild_id, deliveries.c.subject_id, deliveries.c.period)
    return [_delivery(row) for row in conn.execute(query.order_by(*order))]


def _get(conn: Connection, key: DeliveryKey) -> Delivery | None:
    row = conn.execute(_GET, _at(key)).first()
    return _delivery(row) if row is not None else None


# --- writes --------------------------------------------------------------------------------------


def _begin_attempt(conn: Connection, key: DeliveryKey, now: str) -> bool:
    return _BEGIN_ATTEMPT_PREPARED.run(conn, **_at(key), at_now=now) == 1


def _finish(
    conn: Connection,
    key: DeliveryKey,
    *,
    status: str,
    now: str,
    message_id: int | None,
    error: str | None,
    effect: Effect | None,
) -> bool:
    changes = {
        "new_status": status,
        "at_now": now,
        "new_message_id": message_id,
        "new_error": error,
    }
    if _FINISH_PREPARED.run(conn, **_at(key), **changes) != 1:
        return False  # settled by someone else meanwhile (another process, a resolver)
    if effect is not None:
        effect(conn)
    return True


def _note_error(conn: Connection, key: DeliveryKey, error: str) -> bool:
    return _NOTE_ERROR_PREPARED.run(conn, **_at(key), new_error=error) == 1


T = TypeVar("T")
_Call = tuple[Callable[[Connection], Any], "asyncio.Future[Any]"]


def _run_group(conn: Connection, calls: Sequence[_Call]) -> list[Any]:
    # A caller gone meanwhile (cancelled at shutdown) is left out, as the writer leaves out a
    # cancelled write: an attempt is never counted for a send that will not happen.
    return [None if future.cancelled() else operation(conn) for operation, future in calls]


class WriteGroup:
    """Status changes asked for in the same event-loop iteration, run as one write operation.

    A fan-out begins and records dozens of sends at once; one by one, each is a write of its
    own (a savepoint and its release around one statement on the writer thread, a future and
    a wake-up on the loop, a transaction on PostgreSQL). Together they cost that once. Each
    call gets its own result; an error of the write is every call's (the rows stay `sending`
    and are settled as any unfinished row)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[_Call] = []

    async def write(self, operation: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)  # after every task ready now has asked
        self._pending.append((operation, future))
        return await future

    def _flush(self) -> None:
        calls, self._pending = self._pending, []
        write = asyncio.ensure_future(self._db.write(_run_group, calls))
        write.add_done_callback(lambda done: _settle(done, calls))


def _settle(write: asyncio.Future[list[Any]], calls: Sequence[_Call]) -> None:
    error = None if write.cancelled() else write.exception()
    results = write.result() if error is None and not write.cancelled() else None
    for index, (_, future) in enumerate(calls):
        if future.done():
            continue
        if results is not None:
            future.set_result(results[index])
        elif error is not None:
            future.set_exception(error)
        else:
            future.cancel()


class LedgerRepository:
    """The ledger's reads and status changes, over the shared Database."""

    def __init__(self, db: Database, shards: ShardPlan | None = None) -> None:
        self.db = db
        self._group = WriteGroup(db)
        # With shards, the crash resolver reads only the rows of this process's servers: a
        # spare that took a slot over settles what its dead process left, and no one else's.
        self._unfinished = narrowed(_UNFINISHED, _d.guild_id, shards)

    async def get(self, key: DeliveryKey) -> Delivery | None:
        return await self.db.read(_get, key)

    async def unfinished(self, kind: str, limit: int = 500) -> list[Delivery]:
        """Rows of `kind` still `sending`: in flight somewhere, or left by a crash."""
        return await self.db.read(_unfinished, kind, limit, self._unfinished)

    async def recent(
        self, kind: str, guild_id: int, subject_id: int, limit: int = 5
    ) -> list[Delivery]:
        """The subject's latest rows of `kind`, newest period first."""
        return await self.db.read(_recent, kind, guild_id, subject_id, limit)

    async def last(self, kind: str, guild_id: int, subject_id: int) -> Delivery | None:
        rows = await self.recent(kind, guild_id, subject_id, 1)
        return rows[0] if rows else None

    async def rows(self, kind: str, guild_id: int | None = None) -> list[Delivery]:
        """Every row of `kind` (of one server), by server, subject and period."""
        return await self.db.read(_rows, kind, guild_id)

    async def claim(self, claims: Sequence[Claim], now: datetime) -> set[DeliveryKey]:
        """Claim rows on their own (a kind whose claim moves no schedule)."""
        return await self.db.write(claim_rows, claims, now)

    async def begin_attempt(self, key: DeliveryKey, now: datetime) -> bool:
        """Count a send about to begin (from now on Discord may know the nonce); False when the
        row is no longer `sending` (settled meanwhile), so nothing must be sent."""
        return await self._group.write(partial(_begin_attempt, key=key, now=encode_time(now)))

    async def finish(
        self,
        key: DeliveryKey,
        *,
        status: str,
        now: datetime,
        message_id: int | None = None,
        error: str | None = None,
        effect: Effect | None = None,
    ) -> bool:
        """Settle a `sending` row as `status`, running `effect` in the same transaction; False
        (and no effect) when the row was no longer `sending`."""
        finish = partial(
            _finish,
            key=key,
            status=status,
            now=encode_time(now),
            message_id=message_id,
            error=error,
            effect=effect,
        )
        return await self._group.write(finish)

    async def note_error(self, key: DeliveryKey, error: str) -> bool:
        """A send failed for a passing reason; the row stays `sending` to be retried."""
        return await self._group.write(partial(_note_error, key=key, error=error))

"""Personal reminders: the member's reminder (member_settings) and when it fires next
(reminder_schedules); the DMs themselves are rows of the delivery ledger (store/ledger.py),
keyed by server, member and local date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from bot.records import REMINDER, Delivery, Reminder
from bot.sharding import ShardPlan
from bot.store.codec import decode_date, decode_time, encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, PreparedSelect, insert
from bot.store.ledger import Claim, DeliveryKey, Effect, LedgerRepository, claim_rows
from bot.store.schema import completions, guild_settings, member_settings, reminder_schedules
from bot.store.shards import narrowed


@dataclass(frozen=True, slots=True)
class ReminderClaim:
    """What a tick writes for one due reminder in one transaction: the DM (if any) claimed as
    `sending`, and the schedule moved from `from_date` to `next_date`."""

    guild_id: int
    user_id: int
    from_date: date
    send: Claim | None
    next_date: date
    next_fire_at: datetime


def reminder_key(guild_id: int, user_id: int, day: date) -> DeliveryKey:
    """One member's reminder DM of one local date: the member is the subject."""
    return DeliveryKey.of(REMINDER, guild_id, user_id, day)


_r, _m = reminder_schedules.c, member_settings.c
_REMINDER = select(
    _r.guild_id, _r.user_id, _m.reminder_time, _m.reminder_time_zone, _r.next_date,
    _r.next_fire_at, _r.dm_channel_id, _m.reminder_only_if_idle,
).select_from(
    reminder_schedules.join(
        member_settings, (_m.guild_id == _r.guild_id) & (_m.user_id == _r.user_id)
    )
).where(_m.reminder_time.is_not(None))  # fmt: skip


# Built once, with named parameters (see store/ledger.py).
_BY_MEMBER = _REMINDER.where(
    _r.guild_id == bindparam("at_guild"), _r.user_id == bindparam("at_user")
)
# The bot left that server: no DMs about it (its data goes 30 days later).
_LEFT = select(guild_settings.c.guild_id).where(
    guild_settings.c.guild_id == _r.guild_id, guild_settings.c.left_at.is_not(None)
)
_DUE = (
    _REMINDER.where(_r.next_fire_at <= bindparam("at_now"), ~_LEFT.exists())
    .order_by(_r.next_fire_at)
    .limit(bindparam("at_limit"))
)
_ADVANCE = (
    update(reminder_schedules)
    .where(
        _r.guild_id == bindparam("at_guild"),
        _r.user_id == bindparam("at_user"),
        _r.next_date == bindparam("at_date"),
    )
    .values(next_date=bindparam("new_date"), next_fire_at=bindparam("new_fire_at"))
)
# A tick's claim of a batch and its read of due reminders run as SQL compiled once, on
# SQLite's cursor: through SQLAlchemy their rows and parameters cost the writer and the
# readers several ms of Python per batch, holding the GIL against the event loop.
_DUE_PREPARED = Prepared(_DUE)
_CLAIMED_SCHEDULES = PreparedSelect(
    select(_r.guild_id, _r.user_id, _r.next_date)
    .where(
        _r.guild_id.in_(bindparam("at_guilds", expanding=True)),
        _r.user_id.in_(bindparam("at_users", expanding=True)),
    )
    .with_for_update()
)
_ADVANCE_PREPARED = Prepared(_ADVANCE)

# Only a channel that changed is written: every DM after the first goes to the channel
# already remembered, and an UPDATE that changes nothing still writes the row's page.
_DM_CHANNEL = (
    update(reminder_schedules)
    .where(
        _r.guild_id == bindparam("at_guild"),
        _r.user_id == bindparam("at_user"),
        _r.dm_channel_id.is_distinct_from(bindparam("new_channel")),
    )
    .values(dm_channel_id=bindparam("new_channel"))
)
_DM_CHANNEL_PREPARED = Prepared(_DM_CHANNEL)


def _reminder(row: Sequence[Any]) -> Reminder:
    next_fire_at = decode_time(row[5])
    assert next_fire_at is not None
    return Reminder(
        guild_id=int(row[0]),
        user_id=int(row[1]),
        local_time=time.fromisoformat(row[2]),
        time_zone=row[3],
        next_date=decode_date(row[4]),
        next_fire_at=next_fire_at,
        dm_channel_id=row[6],
        only_if_idle=bool(row[7]),
    )


def _get(conn: Connection, guild_id: int, user_id: int) -> Reminder | None:
    row = conn.execute(_BY_MEMBER, {"at_guild": guild_id, "at_user": user_id}).first()
    return _reminder(row) if row is not None else None


def _due(
    conn: Connection, now: str, limit: int, statement: Prepared = _DUE_PREPARED
) -> list[Reminder]:
    return [_reminder(row) for row in statement.rows(conn, at_now=now, at_limit=limit)]


def _save(
    conn: Connection,
    guild_id: int,
    user_id: int,
    settings: dict[str, Any],
    schedule: dict[str, Any],
) -> Reminder:
    member = insert(conn, member_settings).values(guild_id=guild_id, user_id=user_id, **settings)
    conn.execute(
        member.on_conflict_do_update(
            index_elements=[_m.guild_id, _m.user_id],
            set_={name: member.excluded[name] for name in settings},
        )
    )
    # The DM channel id stays: it is the same channel whatever the time.
    fires = insert(conn, reminder_schedules).values(guild_id=guild_id, user_id=user_id, **schedule)
    conn.execute(
        fires.on_conflict_do_update(
            index_elements=[_r.guild_id, _r.user_id],
            set_={name: fires.excluded[name] for name in schedule},
        )
    )
    saved = _get(conn, guild_id, user_id)
    assert saved is not None
    return saved


def _studied_on(conn: Connection, days: Sequence[tuple[int, int, str]]) -> set[tuple[int, int]]:
    """The (server, member) pairs of `days` with a completion on that local date: one
    statement for a whole batch, on the completions' (server, member, local date) index."""
    _c = completions.c
    # Plain INs, the exact (server, member, date) compared here: SQLite scans the whole table
    # for a row value IN (and SQLAlchemy's expansion of one is costly).
    wanted = set(days)
    rows = conn.execute(
        select(_c.guild_id, _c.user_id, _c.local_date)
        .distinct()
        .where(
            _c.guild_id.in_(sorted({guild_id for guild_id, _, _ in wanted})),
            _c.user_id.in_(sorted({user_id for _, user_id, _ in wanted})),
            _c.local_date.in_(sorted({day for _, _, day in wanted})),
        )
    )
    return {
        (int(guild_id), int(user_id))
        for guild_id, user_id, day in rows
        if (int(guild_id), int(user_id), day) in wanted
    }


def _turn_off(conn: Connection, guild_id: int, user_id: int, now: str) -> bool:
    result = conn.execute(
        update(member_settings)
        .where(_m.guild_id == guild_id, _m.user_id == user_id, _m.reminder_time.is_not(None))
        .values(reminder_time=None, reminder_time_zone=None, updated_at=now)
    )
    conn.execute(delete(reminder_schedules).where(_r.guild_id == guild_id, _r.user_id == user_id))
    return result.rowcount == 1


def _claim_all(conn: Connection, claims: Sequence[ReminderClaim], now: datetime) -> list[bool]:
    if not claims:
        return []
    # The schedules still waiting where the tick read them, locked (PostgreSQL) until the
    # transaction ends; then all move in one batched statement: one statement per batch, not
    # one per reminder, keeps the writer's Python work (and its hold on the GIL) small.
    # Selected by plain INs and compared here: SQLite scans the whole table for a row value
    # IN, and SQLAlchemy's expansion of one costs the writer ~20 ms of Python per batch.
    read_at = {(c.guild_id, c.user_id): encode_date(c.from_date) for c in claims}
    waiting = {
        (int(guild_id), int(user_id))
        for guild_id, user_id, next_date in _CLAIMED_SCHEDULES.rows(
            conn,
            at_guilds=sorted({guild_id for guild_id, _ in read_at}),
            at_users=sorted({user_id for _, user_id in read_at}),
        )
        if read_at.get((int(guild_id), int(user_id))) == next_date
    }
    moving = [c for c in claims if (c.guild_id, c.user_id) in waiting]
    _ADVANCE_PREPARED.run_many(
        conn,
        [
            {
                "at_guild": c.guild_id,
                "at_user": c.user_id,
                "at_date": encode_date(c.from_date),
                "new_date": encode_date(c.next_date),
                "new_fire_at": encode_time(c.next_fire_at),
            }
            for c in moving
        ],
    )
    ours = claim_rows(conn, [c.send for c in moving if c.send is not None], now)
    return [claim.send is not None and claim.send.key in ours for claim in claims]


def _remember_dm_channel(conn: Connection, guild_id: int, user_id: int, channel_id: int) -> None:
    # Every sent DM runs this on the writer thread: compiled once (see store/ledger.py).
    _DM_CHANNEL_PREPARED.run(conn, at_guild=guild_id, at_user=user_id, new_channel=channel_id)


class ReminderRepository:
    """Reminders and their schedules, over the shared Database; `ledger` holds the DMs."""

    def __init__(self, db: Database, shards: ShardPlan | None = None) -> None:
        self._db = db
        # A reminder belongs to a member of a server: the server's shard plans it.
        self._due = Prepared(narrowed(_DUE, _r.guild_id, shards))
        self.ledger = LedgerRepository(db, shards)

    # --- the member's commands --------------------------------------------------------------

    async def save(
        self,
        guild_id: int,
        user_id: int,
        *,
        local_time: time,
        time_zone: str,
        next_date: date,
        next_fire_at: datetime,
        now: datetime,
        only_if_idle: bool = False,
    ) -> Reminder:
        """Set (or change) the reminder and restart its schedule, in one transaction."""
        settings = {
            "reminder_time": f"{local_time:%H:%M}",
            "reminder_time_zone": time_zone,
            "reminder_only_if_idle": int(only_if_idle),
            "updated_at": encode_time(now),
        }
        schedule = {
            "next_date": encode_date(next_date),
            "next_fire_at": encode_time(next_fire_at),
        }
        return await self._db.write(_save, guild_id, user_id, settings, schedule)

    async def turn_off(self, guild_id: int, user_id: int, now: datetime) -> bool:
        """Turn the reminder off; False when it was not on."""
        return await self._db.write(_turn_off, guild_id, user_id, encode_time(now))

    async def get(self, guild_id: int, user_id: int) -> Reminder | None:
        return await self._db.read(_get, guild_id, user_id)

    async def last_delivery(self, guild_id: int, user_id: int) -> Delivery | None:
        return await self.ledger.last(REMINDER, guild_id, user_id)

    # --- the tick ---------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        return await self._db.read(_due, encode_time(now), limit, self._due)

    async def studied_on(self, days: Sequence[tuple[int, int, date]]) -> set[tuple[int, int]]:
        """Of these (server, member, local date), the (server, member) who completed a topic
        on that date (an idle-only reminder skips them): one read for the batch."""
        if not days:
            return set()
        encoded = [(guild_id, user_id, encode_date(day)) for guild_id, user_id, day in days]
        return await self._db.read(_studied_on, encoded)

    async def claim(self, claims: Sequence[ReminderClaim], now: datetime) -> list[bool]:
        """Claim each DM and advance each schedule, in one transaction. A claim is ours (True)
        only when the schedule still waited at `from_date` (no other tick moved it) and no row
        existed for that date."""
        return await self._db.write(_claim_all, claims, now)

    # --- what a recorded outcome changes (store/ledger.py runs them) --------------------------

    @staticmethod
    def after_sent(guild_id: int, user_id: int, dm_channel_id: int | None) -> Effect | None:
        """Remember the DM channel: it saves opening it again for the next reminder."""
        if dm_channel_id is None:
            return None
        return lambda conn: _remember_dm_channel(conn, guild_id, user_id, dm_channel_id)

    @staticmethod
    def after_refused(guild_id: int, user_id: int, now: datetime) -> Effect:
        """Discord will not deliver it (DMs closed): the reminder is off."""
        return lambda conn: _turn_off(conn, guild_id, user_id, encode_time(now))

"""Topic progress and the append-only completions log.

A status change is one write operation: it reads the member's rows, applies the change, appends
to the log when a topic becomes done, and returns the rows before and after so the caller can
tell what changed without another round trip. It is given plain values only (the member's local
day is the caller's to work out beforehand, from `zones_and_days`), so nothing but store code
runs inside the write transaction. The completion days (for the streak) are read before the
write, with the zones, on a reader: the writer is the one thread every mark queues for, and the
days after a change are the days before plus the day it logged (`ChangeOutcome.logged`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import starmap
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy import insert as plain_insert

from bot.records import DONE, ProgressRow, check_status, latest_of
from bot.store.codec import decode_date, encode_date, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, insert, lock_name_for_transaction
from bot.store.reviews import card_values, delete_cards, insert_new_card
from bot.store.schema import completions, progress
from bot.store.settings import zones_of
from bot.store.summaries import refresh_member


@dataclass(frozen=True, slots=True)
class StatusChange:
    """Set (or with `status=None`, reset) one topic of one member.

    `topic_ids` is the live topic id first, then the old ids whose progress counts for it.
    `only_if_unset` leaves a topic alone that already has any status (opening a topic marks it
    in progress, but must not undo a done one). `local_day` is the member's local date of the
    change: the completions log records it, so a change to done needs it; other changes may
    leave it None.

    `check_passed` records a passed self-check (`checked_at`) with the change; `review_card`
    (the `CARD_COLUMNS` values of bot/store/reviews.py) is the topic's first review card,
    created in the same transaction when the topic becomes done or checked (a topic that has a
    card keeps it). A reset deletes the topic's cards with its rows.
    """

    guild_id: int
    user_id: int
    roadmap_id: str
    topic_ids: tuple[str, ...]
    status: str | None
    at: datetime
    local_day: date | None
    only_if_unset: bool = False
    check_passed: bool = False
    review_card: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    before: tuple[ProgressRow, ...]  # the member's rows in that roadmap, before
    after: tuple[ProgressRow, ...]  # ... and after the change
    previous: ProgressRow | None  # the row that decided the topic's status before
    changed: bool
    local_date: date | None  # the change's `local_day`
    logged: bool = False  # a completion on `local_date` was appended to the log
    checked: bool = False  # this change recorded a passed check the topic did not have


_row = progress.c
_KEY = ("guild_id", "user_id", "roadmap_id")
_log = completions.c
_of_member = (_row.guild_id == bindparam("guild_id")) & (_row.user_id == bindparam("user_id"))
_in_roadmap = _of_member & (_row.roadmap_id == bindparam("roadmap_id"))

# A mark runs these on the writer thread, whose statements per second bound the marks per
# second: compiled once (`Prepared`), not per call.
_SELECT_ROWS = Prepared(
    select(
        _row.topic_id,
        _row.status,
        _row.started_at,
        _row.updated_at,
        _row.completed_at,
        _row.checked_at,
    ).where(_in_roadmap)
)
_SELECT_DAYS = Prepared(
    select(_log.local_date)
    .distinct()
    .where(_log.guild_id == bindparam("guild_id"), _log.user_id == bindparam("user_id"))
    .order_by(_log.local_date)
)
_LOG = Prepared(
    plain_insert(completions).values(
        {name: bindparam(name) for name in (*_KEY, "topic_id", "completed_at", "local_date")}
    )
)
_RESET = delete(progress).where(
    _in_roadmap, _row.topic_id.in_(bindparam("topic_ids", expanding=True))
)
_UPSERTS: dict[str, Prepared] = {}  # by dialect name: each spells ON CONFLICT its own way

#: The advisory lock namespace of "one member's progress" (see `_lock_member`).
_MEMBER_LOCK = 0x5C_0001


def _upsert(conn: Connection) -> Prepared:
    prepared = _UPSERTS.get(conn.dialect.name)
    if prepared is None:
        statement = insert(conn, progress).values(
            {column.name: bindparam(column.name) for column in progress.columns}
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[_row.guild_id, _row.user_id, _row.roadmap_id, _row.topic_id],
            set_={
                "status": excluded.status,
                "updated_at": excluded.updated_at,
                "completed_at": excluded.completed_at,
                "checked_at": excluded.checked_at,
            },
        )
        prepared = _UPSERTS[conn.dialect.name] = Prepared(statement)
    return prepared


def _lock_member(conn: Connection, guild_id: int, user_id: int) -> None:
    """Concurrent changes of one member, one after the other (PostgreSQL; SQLite's writer is
    one already). A change reads the member's rows and writes what follows from them, and
    under READ COMMITTED a concurrent change could read the same rows: both would log the
    same completion. Locking the rows read is not enough (a row about to be inserted cannot
    be locked), so the member's key is locked before the read."""
    lock_name_for_transaction(conn, _MEMBER_LOCK, f"{guild_id}:{user_id}")


def _rows(conn: Connection, guild_id: int, user_id: int, roadmap_id: str) -> list[ProgressRow]:
    found = _SELECT_ROWS.rows(conn, guild_id=guild_id, user_id=user_id, roadmap_id=roadmap_id)
    return list(starmap(ProgressRow, found))


def _days(conn: Connection, guild_id: int, user_id: int) -> list[date]:
    return [
        decode_date(day) for (day,) in _SELECT_DAYS.rows(conn, guild_id=guild_id, user_id=user_id)
    ]


def _apply_change(conn: Connection, change: StatusChange) -> ChangeOutcome:
    key = {"guild_id": change.guild_id, "user_id": change.user_id, "roadmap_id": change.roadmap_id}
    _lock_member(conn, change.guild_id, change.user_id)
    before = tuple(_rows(conn, change.guild_id, change.user_id, change.roadmap_id))
    previous = latest_of(before, change.topic_ids)
    live_id = change.topic_ids[0]
    at = encode_time(change.at)
    after, changed, checked = before, False, False
    if change.status is None:
        conn.execute(_RESET, {**key, "topic_ids": list(change.topic_ids)})
        delete_cards(conn, key, list(change.topic_ids))
        after = tuple(r for r in before if r.topic_id not in change.topic_ids)
        changed = len(after) != len(before)
        return _outcome(
            conn, change, before=before, after=after, previous=previous, changed=changed
        )
    changed = (previous is None or not change.only_if_unset) and (
        previous is None or previous.status != change.status
    )
    checked = change.check_passed and (previous is None or previous.checked is None)
    if changed or checked:
        status = change.status if changed or previous is None else previous.status
        if changed:
            completed = at if status == DONE else None
        else:
            completed = previous.completed if previous else None
        row = ProgressRow(
            live_id,
            status,
            previous.started if previous else at,
            at,
            completed,
            at if checked else (previous.checked if previous else None),
        )
        _upsert(conn).run(
            conn,
            **key,
            topic_id=live_id,
            status=row.status,
            started_at=row.started,
            updated_at=at,
            completed_at=completed,
            checked_at=row.checked,
        )
        if change.review_card is not None and (status == DONE or row.checked is not None):
            insert_new_card(conn, key, live_id, card_values(change.review_card))
        if changed and status == DONE:
            assert change.local_day is not None  # checked by ProgressRepository.change
            _LOG.run(
                conn,
                **key,
                topic_id=live_id,
                completed_at=at,
                local_date=encode_date(change.local_day),
            )
        # The rows after the change, without reading them back.
        after = (*(r for r in before if r.topic_id != live_id), row)
    return _outcome(
        conn,
        change,
        before=before,
        after=after,
        previous=previous,
        changed=changed,
        checked=checked,
    )


def _outcome(
    conn: Connection,
    change: StatusChange,
    *,
    before: tuple[ProgressRow, ...],
    after: tuple[ProgressRow, ...],
    previous: ProgressRow | None,
    changed: bool,
    checked: bool = False,
) -> ChangeOutcome:
    logged = changed and change.status == DONE
    if changed:  # the whole-server summaries follow every change of the rows (summaries.py)
        refresh_member(
            conn,
            change.guild_id,
            change.user_id,
            change.roadmap_id,
            completion_at=encode_time(change.at) if logged else None,
        )
    return ChangeOutcome(before, after, previous, changed, change.local_day, logged, checked)


def _zones_and_days(
    conn: Connection, guild_id: int, user_id: int
) -> tuple[tuple[str | None, str | None], list[date]]:
    return zones_of(conn, guild_id, user_id), _days(conn, guild_id, user_id)


class ProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def rows(self, guild_id: int, user_id: int, roadmap_id: str) -> list[ProgressRow]:
        """Every progress row of a member in one roadmap (including ids no longer in content)."""
        return await self._db.read(_rows, guild_id, user_id, roadmap_id)

    async def completion_days(self, guild_id: int, user_id: int) -> list[date]:
        """Distinct local dates on which the member completed a topic, oldest first."""
        return await self._db.read(_days, guild_id, user_id)

    async def zones_and_days(
        self, guild_id: int, user_id: int
    ) -> tuple[tuple[str | None, str | None], list[date]]:
        """((member's zone, server's zone), `completion_days`): what a change to done needs
        before its write (the local day to log, the streak), in one round trip."""
        return await self._db.read(_zones_and_days, guild_id, user_id)

    async def change(self, change: StatusChange) -> ChangeOutcome:
        """Apply one status change atomically; returns once it is committed."""
        if change.status is not None:
            check_status(change.status)
        if not change.topic_ids:
            raise ValueError("a status change needs the topic id")
        if change.status == DONE and change.local_day is None:
            raise ValueError("a change to done needs the member's local day (the log's date)")
        return await self._db.write(_apply_change, change)

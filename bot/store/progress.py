"""Topic progress and the append-only completions log.

A status change is one write operation: it reads the member's rows, applies the change, appends
to the log when a topic becomes done, and returns the rows before and after (and the member's
completion days) so the caller can tell what changed without another round trip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import starmap

from bot.records import DONE, check_status
from bot.store.codec import decode_date, decode_time, encode_date, encode_time
from bot.store.database import Database
from bot.store.settings import ZONES_SQL


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One stored row. Timestamps stay as stored (fixed-width UTC text, which orders like the
    instants it encodes) and are decoded on access: a mark reads every row of the member but
    needs hardly any of them as datetimes."""

    topic_id: str
    status: str
    started: str
    updated: str
    completed: str | None

    @property
    def started_at(self) -> datetime:
        return _instant(self.started)

    @property
    def updated_at(self) -> datetime:
        return _instant(self.updated)

    @property
    def completed_at(self) -> datetime | None:
        return None if self.completed is None else _instant(self.completed)


def _instant(text: str) -> datetime:
    moment = decode_time(text)
    assert moment is not None
    return moment


def latest_of(rows: Iterable[ProgressRow], topic_ids: Collection[str]) -> ProgressRow | None:
    """The row that decides a topic's status when progress may sit under several ids (the
    topic's own and the old ids it `replaces`): the most recently updated one; on a tie, the
    first id in `topic_ids` (the live id) wins."""
    order = {topic_id: index for index, topic_id in enumerate(topic_ids)}
    best: ProgressRow | None = None
    for row in rows:
        if row.topic_id not in order:
            continue
        if best is None or (row.updated, -order[row.topic_id]) > (
            best.updated,
            -order[best.topic_id],
        ):
            best = row
    return best


@dataclass(frozen=True, slots=True)
class StatusChange:
    """Set (or with `status=None`, reset) one topic of one member.

    `topic_ids` is the live topic id first, then the old ids whose progress counts for it.
    `only_if_unset` leaves a topic alone that already has any status (opening a topic marks it
    in progress, but must not undo a done one). `local_day` is the member's local date of the
    change, or the caller's rule turning (member's zone, server's zone) names into it; the names
    are then read in the same transaction, saving the caller a round trip.
    """

    guild_id: int
    user_id: int
    roadmap_id: str
    topic_ids: tuple[str, ...]
    status: str | None
    at: datetime
    local_day: date | Callable[[str | None, str | None], date]
    only_if_unset: bool = False
    with_days: bool = True  # read the completion days (for the streak) in the same transaction


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    before: tuple[ProgressRow, ...]  # the member's rows in that roadmap, before
    after: tuple[ProgressRow, ...]  # ... and after the change
    previous: ProgressRow | None  # the row that decided the topic's status before
    changed: bool
    local_date: date  # the member's local date of the change
    days: tuple[date, ...]  # distinct local days with a completion, oldest first


_SELECT_ROWS = """
    SELECT topic_id, status, started_at, updated_at, completed_at FROM progress
    WHERE guild_id = ? AND user_id = ? AND roadmap_id = ?
"""
_SELECT_DAYS = """
    SELECT DISTINCT local_date FROM completions WHERE guild_id = ? AND user_id = ?
    ORDER BY local_date
"""
_UPSERT = """
    INSERT INTO progress
        (guild_id, user_id, roadmap_id, topic_id, status, started_at, updated_at, completed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (guild_id, user_id, roadmap_id, topic_id) DO UPDATE SET
        status = excluded.status,
        updated_at = excluded.updated_at,
        completed_at = excluded.completed_at
"""
_LOG = """
    INSERT INTO completions (guild_id, user_id, roadmap_id, topic_id, completed_at, local_date)
    VALUES (?, ?, ?, ?, ?, ?)
"""


def _apply_change(conn: sqlite3.Connection, change: StatusChange) -> ChangeOutcome:
    key = (change.guild_id, change.user_id, change.roadmap_id)
    if isinstance(change.local_day, date):
        local = change.local_day
    else:
        zones = conn.execute(ZONES_SQL, (change.guild_id, change.user_id, change.guild_id))
        local = change.local_day(*zones.fetchone())
    before = tuple(starmap(ProgressRow, conn.execute(_SELECT_ROWS, key)))
    previous = latest_of(before, change.topic_ids)
    live_id = change.topic_ids[0]
    at = encode_time(change.at)
    after, changed = before, False
    if change.status is None:
        placeholders = ",".join("?" * len(change.topic_ids))
        conn.execute(
            "DELETE FROM progress WHERE guild_id = ? AND user_id = ? AND roadmap_id = ? "
            f"AND topic_id IN ({placeholders})",
            (*key, *change.topic_ids),
        )
        after = tuple(r for r in before if r.topic_id not in change.topic_ids)
        changed = len(after) != len(before)
    elif (previous is None or not change.only_if_unset) and (
        previous is None or previous.status != change.status
    ):
        completed = at if change.status == DONE else None
        row = ProgressRow(
            live_id, change.status, previous.started if previous else at, at, completed
        )
        conn.execute(_UPSERT, (*key, live_id, row.status, row.started, at, completed))
        if change.status == DONE:
            conn.execute(_LOG, (*key, live_id, at, encode_date(local)))
        # The rows after the change, without reading them back.
        after, changed = (*(r for r in before if r.topic_id != live_id), row), True
    days: tuple[date, ...] = ()
    if change.with_days:
        days = tuple(decode_date(r[0]) for r in conn.execute(_SELECT_DAYS, key[:2]))
    return ChangeOutcome(before, after, previous, changed, local, days)


class ProgressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def rows(self, guild_id: int, user_id: int, roadmap_id: str) -> list[ProgressRow]:
        """Every progress row of a member in one roadmap (including ids no longer in content)."""
        raw = await self._db.fetchall(_SELECT_ROWS, (guild_id, user_id, roadmap_id))
        return list(starmap(ProgressRow, raw))

    async def completion_days(self, guild_id: int, user_id: int) -> list[date]:
        """Distinct local dates on which the member completed a topic, oldest first."""
        raw = await self._db.fetchall(_SELECT_DAYS, (guild_id, user_id))
        return [decode_date(r[0]) for r in raw]

    async def change(self, change: StatusChange) -> ChangeOutcome:
        """Apply one status change atomically; returns once it is committed."""
        if change.status is not None:
            check_status(change.status)
        if not change.topic_ids:
            raise ValueError("a status change needs the topic id")
        return await self._db.write_sqlite(_apply_change, change)

"""Personal reminders: the member's reminder (member_settings), when it fires next
(reminder_schedules) and the ledger of DMs, one row per server, member and local date
(reminder_deliveries, the idempotency key). Tables from migrations 0001 and 0002.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.records import Delivery, Reminder
from bot.store.codec import decode_date, decode_time, encode_date, encode_time
from bot.store.database import Database, Row


@dataclass(frozen=True, slots=True)
class ReminderClaim:
    """What a tick writes for one due reminder in one transaction: the DM of `send_date` (if
    any) claimed as `sending`, and the schedule moved from `from_date` to `next_date`."""

    guild_id: int
    user_id: int
    from_date: date
    send_date: date | None
    topic_id: str | None
    next_date: date
    next_fire_at: datetime


_REMINDER_COLUMNS = (
    "s.guild_id, s.user_id, m.reminder_time, m.reminder_time_zone, s.next_date,"
    " s.next_fire_at, s.dm_channel_id"
)
_DELIVERY_COLUMNS = (
    "guild_id, user_id, local_date, status, topic_id, claimed_at, attempts, first_attempt_at,"
    " message_id, error"
)


def _reminder(row: Row) -> Reminder:
    return Reminder(
        int(row[0]),
        int(row[1]),
        row[2],
        row[3],
        decode_date(row[4]),
        decode_time(row[5]) or datetime.min,
        row[6],
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        int(row[0]),
        int(row[1]),
        decode_date(row[2]),
        row[3],
        row[4],
        decode_time(row[5]) or datetime.min,
        int(row[6]),
        decode_time(row[7]),
        row[8],
        row[9],
    )


def _turn_off(conn: sqlite3.Connection, guild_id: int, user_id: int, at: str) -> int:
    cursor = conn.execute(
        "UPDATE member_settings SET reminder_time = NULL, reminder_time_zone = NULL,"
        " updated_at = ? WHERE guild_id = ? AND user_id = ? AND reminder_time IS NOT NULL",
        (at, guild_id, user_id),
    )
    conn.execute(
        "DELETE FROM reminder_schedules WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return cursor.rowcount


class ReminderRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the member's commands --------------------------------------------------------------

    async def save(
        self,
        guild_id: int,
        user_id: int,
        *,
        local_time: str,
        time_zone: str,
        next_date: date,
        next_fire_at: datetime,
        now: datetime,
    ) -> Reminder:
        """Set (or change) the reminder and restart its schedule, in one transaction."""

        def write(conn: sqlite3.Connection) -> None:
            at = encode_time(now)
            conn.execute(
                "INSERT INTO member_settings (guild_id, user_id, reminder_time,"
                " reminder_time_zone, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " reminder_time = excluded.reminder_time,"
                " reminder_time_zone = excluded.reminder_time_zone,"
                " updated_at = excluded.updated_at",
                (guild_id, user_id, local_time, time_zone, at),
            )
            # The DM channel id stays: it is the same channel whatever the time.
            conn.execute(
                "INSERT INTO reminder_schedules (guild_id, user_id, next_date, next_fire_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " next_date = excluded.next_date, next_fire_at = excluded.next_fire_at",
                (guild_id, user_id, encode_date(next_date), encode_time(next_fire_at)),
            )

        await self._db.write_sqlite(write)
        reminder = await self.get(guild_id, user_id)
        assert reminder is not None
        return reminder

    async def turn_off(self, guild_id: int, user_id: int, now: datetime) -> bool:
        """Turn the reminder off; False when it was not on."""
        return bool(await self._db.write_sqlite(_turn_off, guild_id, user_id, encode_time(now)))

    async def get(self, guild_id: int, user_id: int) -> Reminder | None:
        row = await self._db.fetchone(
            f"SELECT {_REMINDER_COLUMNS} FROM reminder_schedules s JOIN member_settings m"
            " USING (guild_id, user_id) WHERE s.guild_id = ? AND s.user_id = ?"
            " AND m.reminder_time IS NOT NULL",
            (guild_id, user_id),
        )
        return _reminder(row) if row else None

    async def last_delivery(self, guild_id: int, user_id: int) -> Delivery | None:
        row = await self._db.fetchone(
            f"SELECT {_DELIVERY_COLUMNS} FROM reminder_deliveries"
            " WHERE guild_id = ? AND user_id = ? ORDER BY local_date DESC LIMIT 1",
            (guild_id, user_id),
        )
        return _delivery(row) if row else None

    async def deliveries(self, guild_id: int, user_id: int) -> list[Delivery]:
        rows = await self._db.fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM reminder_deliveries"
            " WHERE guild_id = ? AND user_id = ? ORDER BY local_date",
            (guild_id, user_id),
        )
        return [_delivery(row) for row in rows]

    # --- the tick ---------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        rows = await self._db.fetchall(
            f"SELECT {_REMINDER_COLUMNS} FROM reminder_schedules s JOIN member_settings m"
            " USING (guild_id, user_id) WHERE s.next_fire_at <= ?"
            " AND m.reminder_time IS NOT NULL"
            # The bot left that server: no DMs about it (its data goes 30 days later).
            " AND NOT EXISTS (SELECT 1 FROM guild_settings g"
            " WHERE g.guild_id = s.guild_id AND g.left_at IS NOT NULL)"
            " ORDER BY s.next_fire_at LIMIT ?",
            (encode_time(now), limit),
        )
        return [_reminder(row) for row in rows]

    async def claim(self, claims: list[ReminderClaim], now: datetime) -> list[bool]:
        """Claim each DM and advance each schedule, in one transaction. A claim is ours (True)
        only when the schedule still waited at `from_date` (no other tick moved it) and no row
        existed for that date."""

        def write(conn: sqlite3.Connection) -> list[bool]:
            at = encode_time(now)
            ours = []
            for claim in claims:
                moved = conn.execute(
                    "UPDATE reminder_schedules SET next_date = ?, next_fire_at = ?"
                    " WHERE guild_id = ? AND user_id = ? AND next_date = ?",
                    (
                        encode_date(claim.next_date),
                        encode_time(claim.next_fire_at),
                        claim.guild_id,
                        claim.user_id,
                        encode_date(claim.from_date),
                    ),
                ).rowcount
                inserted = 0
                if moved and claim.send_date is not None:
                    inserted = conn.execute(
                        "INSERT OR IGNORE INTO reminder_deliveries (guild_id, user_id,"
                        " local_date, status, topic_id, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            claim.guild_id,
                            claim.user_id,
                            encode_date(claim.send_date),
                            "sending",
                            claim.topic_id,
                            at,
                        ),
                    ).rowcount
                ours.append(bool(inserted))
            return ours

        return await self._db.write_sqlite(write)

    async def begin_attempt(self, guild_id: int, user_id: int, day: date, now: datetime) -> bool:
        """Count a send about to begin; False when the row is no longer `sending`."""

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "UPDATE reminder_deliveries SET attempts = attempts + 1,"
                " first_attempt_at = COALESCE(first_attempt_at, ?)"
                " WHERE guild_id = ? AND user_id = ? AND local_date = ? AND status = 'sending'",
                (encode_time(now), guild_id, user_id, encode_date(day)),
            ).rowcount

        return bool(await self._db.write_sqlite(write))

    async def mark_sent(
        self,
        guild_id: int,
        user_id: int,
        day: date,
        message_id: int,
        *,
        dm_channel_id: int | None,
        now: datetime,
    ) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE reminder_deliveries SET status = 'sent', message_id = ?, finished_at = ?,"
                " error = NULL WHERE guild_id = ? AND user_id = ? AND local_date = ?",
                (message_id, encode_time(now), guild_id, user_id, encode_date(day)),
            )
            if dm_channel_id is not None:
                conn.execute(
                    "UPDATE reminder_schedules SET dm_channel_id = ?"
                    " WHERE guild_id = ? AND user_id = ?",
                    (dm_channel_id, guild_id, user_id),
                )

        await self._db.write_sqlite(write)

    async def mark_refused(
        self, guild_id: int, user_id: int, day: date, reason: str, now: datetime
    ) -> None:
        """Discord will not deliver it (DMs closed): the row says why and the reminder is off."""

        def write(conn: sqlite3.Connection) -> None:
            at = encode_time(now)
            conn.execute(
                "UPDATE reminder_deliveries SET status = 'failed', error = ?, finished_at = ?"
                " WHERE guild_id = ? AND user_id = ? AND local_date = ?",
                (reason, at, guild_id, user_id, encode_date(day)),
            )
            _turn_off(conn, guild_id, user_id, at)

        await self._db.write_sqlite(write)

    async def note_error(self, guild_id: int, user_id: int, day: date, reason: str) -> None:
        await self._db.write_sqlite(
            lambda conn: conn.execute(
                "UPDATE reminder_deliveries SET error = ?"
                " WHERE guild_id = ? AND user_id = ? AND local_date = ?",
                (reason, guild_id, user_id, encode_date(day)),
            )
        )

    async def settle(
        self, guild_id: int, user_id: int, day: date, *, status: str, error: str, now: datetime
    ) -> None:
        """Close a `sending` row for good without a message (`missed` or `unknown`)."""
        await self._db.write_sqlite(
            lambda conn: conn.execute(
                "UPDATE reminder_deliveries SET status = ?, error = ?, finished_at = ?"
                " WHERE guild_id = ? AND user_id = ? AND local_date = ? AND status = 'sending'",
                (status, error, encode_time(now), guild_id, user_id, encode_date(day)),
            )
        )

    async def unfinished(self) -> list[Delivery]:
        rows = await self._db.fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM reminder_deliveries WHERE status = 'sending'"
            " ORDER BY claimed_at"
        )
        return [_delivery(row) for row in rows]

    async def dm_channel(self, guild_id: int, user_id: int) -> int | None:
        row = await self._db.fetchone(
            "SELECT dm_channel_id FROM reminder_schedules WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return row[0] if row else None

"""Daily post schedules and their ledger (`daily_schedules`, `daily_posts`): all their SQL.

The ledger row of (server, local date) is the idempotency key of a post: it is inserted as
`sending` in the same transaction that advances the schedule, before anything is sent, so no
restart, overlapping tick or `post-now` can produce a second post for that date.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from bot.records import DailyPost, DailySchedule
from bot.store.codec import decode_date, decode_time, encode_date, encode_time
from bot.store.database import Database

# Statuses a moderator's `post-now` may replace: nothing went out for that date.
REPLACEABLE = ("missed", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class PostClaim:
    """The ledger row to insert as `sending` for one post."""

    local_date: date
    channel_id: int
    roadmap_id: str
    topic_id: str
    topic_position: int
    ping_role_id: int | None
    scheduled_for: datetime | None


@dataclass(frozen=True, slots=True)
class TickClaim:
    """One due schedule's step: record missed dates, claim a post, move to the next date.

    Applied only if the schedule still has `revision` and `from_date` (else a moderator changed
    it, or another tick moved it, since it was read: it is left alone and read again later)."""

    guild_id: int
    revision: int
    from_date: date
    missed: tuple[date, ...]
    post: PostClaim | None
    next_date: date
    next_fire_at: datetime


_SCHEDULE_COLUMNS = (
    "s.guild_id, s.channel_id, s.local_time, s.time_zone, s.roadmap_id, s.ping_role_id, "
    "s.enabled, s.disabled_reason, s.next_date, s.next_fire_at, s.cursor_roadmap_id, "
    "s.last_topic_id, s.last_position, s.last_posted_date, s.jump_topic_id, s.revision, "
    "g.default_roadmap"
)
_SCHEDULE_FROM = "daily_schedules s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
_POST_COLUMNS = (
    "guild_id, local_date, status, channel_id, roadmap_id, topic_id, topic_position, "
    "ping_role_id, scheduled_for, claimed_at, attempts, first_attempt_at, finished_at, "
    "message_id, error"
)


def _schedule(row: tuple[Any, ...]) -> DailySchedule:
    return DailySchedule(
        guild_id=row[0],
        channel_id=row[1],
        local_time=row[2],
        time_zone=row[3],
        roadmap_id=row[4],
        ping_role_id=row[5],
        enabled=bool(row[6]),
        disabled_reason=row[7],
        next_date=decode_date(row[8]),
        next_fire_at=_time(row[9]),
        cursor_roadmap_id=row[10],
        last_topic_id=row[11],
        last_position=row[12],
        last_posted_date=decode_date(row[13]) if row[13] else None,
        jump_topic_id=row[14],
        revision=row[15],
        default_roadmap=row[16],
    )


def _post(row: tuple[Any, ...]) -> DailyPost:
    return DailyPost(
        guild_id=row[0],
        local_date=decode_date(row[1]),
        status=row[2],
        channel_id=row[3],
        roadmap_id=row[4],
        topic_id=row[5],
        topic_position=row[6],
        ping_role_id=row[7],
        scheduled_for=decode_time(row[8]),
        claimed_at=_time(row[9]),
        attempts=row[10],
        first_attempt_at=decode_time(row[11]),
        finished_at=decode_time(row[12]),
        message_id=row[13],
        error=row[14],
    )


def _time(text: str) -> datetime:
    moment = decode_time(text)
    assert moment is not None
    return moment


class DailyRepository:
    """Reads and writes of daily schedules and the post ledger, over the shared Database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reads -------------------------------------------------------------------------------

    async def schedule(self, guild_id: int) -> DailySchedule | None:
        row = await self.db.fetchone(
            f"SELECT {_SCHEDULE_COLUMNS} FROM {_SCHEDULE_FROM} WHERE s.guild_id = ?", (guild_id,)
        )
        return _schedule(row) if row else None

    async def due(self, now: datetime, limit: int) -> list[DailySchedule]:
        """Enabled schedules whose next post time has come, in servers the bot is still in."""
        rows = await self.db.fetchall(
            f"SELECT {_SCHEDULE_COLUMNS} FROM {_SCHEDULE_FROM} "
            "WHERE s.enabled = 1 AND s.next_fire_at <= ? AND g.left_at IS NULL "
            "ORDER BY s.next_fire_at LIMIT ?",
            (encode_time(now), limit),
        )
        return [_schedule(row) for row in rows]

    async def post(self, guild_id: int, day: date) -> DailyPost | None:
        row = await self.db.fetchone(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE guild_id = ? AND local_date = ?",
            (guild_id, encode_date(day)),
        )
        return _post(row) if row else None

    async def recent_posts(self, guild_id: int, limit: int = 5) -> list[DailyPost]:
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE guild_id = ? "
            "ORDER BY local_date DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_post(row) for row in rows]

    async def unfinished_posts(self, limit: int = 500) -> list[DailyPost]:
        """Claims still `sending`: in flight in this process, or left by a crash."""
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE status = 'sending' "
            "ORDER BY claimed_at LIMIT ?",
            (limit,),
        )
        return [_post(row) for row in rows]

    async def all_posts(self) -> list[DailyPost]:
        """Every ledger row (tests and simulations)."""
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLUMNS} FROM daily_posts ORDER BY guild_id, local_date"
        )
        return [_post(row) for row in rows]

    # --- writes ------------------------------------------------------------------------------

    async def save(
        self,
        *,
        guild_id: int,
        channel_id: int,
        local_time: str,
        time_zone: str,
        roadmap_id: str | None,
        ping_role_id: int | None,
        next_date: date,
        next_fire_at: datetime,
        now: datetime,
    ) -> DailySchedule:
        """Create or replace the server's schedule (turning it on); the topic cursor is kept."""
        await self.db.write_sqlite(
            partial(
                _save,
                guild_id=guild_id,
                channel_id=channel_id,
                local_time=local_time,
                time_zone=time_zone,
                roadmap_id=roadmap_id,
                ping_role_id=ping_role_id,
                next_date=encode_date(next_date),
                next_fire_at=encode_time(next_fire_at),
                now=encode_time(now),
            )
        )
        saved = await self.schedule(guild_id)
        assert saved is not None
        return saved

    async def turn_off(self, guild_id: int, reason: str, now: datetime) -> bool:
        """Stop posting; False when there was no active schedule."""
        return await self.db.write_sqlite(_disable, guild_id, reason, encode_time(now))

    async def jump(self, guild_id: int, topic_id: str, now: datetime) -> bool:
        """Make `topic_id` the next post's topic; False when the server has no schedule."""
        return await self.db.write_sqlite(_jump, guild_id, topic_id, encode_time(now))

    async def claim(self, claims: list[TickClaim], now: datetime) -> list[bool]:
        """Apply each tick step in one transaction; True where its post row was inserted
        (it is ours to send), False where the step was stale or the date already had a row."""
        return await self.db.write_sqlite(_claim_all, claims, encode_time(now))

    async def claim_now(
        self, guild_id: int, revision: int, post: PostClaim, now: datetime
    ) -> DailyPost | None:
        """`post-now`: claim today's row (replacing a missed, failed or unknown one). Returns
        None when claimed, else the row that stands in the way (already sent or being sent);
        raises LookupError when the schedule changed since it was read."""
        row = await self.db.write_sqlite(_claim_now, guild_id, revision, post, encode_time(now))
        return _post(row) if row else None

    async def mark_sent(self, guild_id: int, day: date, message_id: int, now: datetime) -> bool:
        """Record the post as sent and move the topic cursor to its topic."""
        return await self.db.write_sqlite(
            _mark_sent, guild_id, encode_date(day), message_id, encode_time(now)
        )

    async def mark_failed(
        self, guild_id: int, day: date, error: str, now: datetime, *, disable: bool
    ) -> None:
        """Discord refused the post; with `disable`, the schedule stops with that reason."""
        await self.db.write_sqlite(
            partial(
                _mark_failed,
                guild_id=guild_id,
                day=encode_date(day),
                error=error,
                now=encode_time(now),
                disable=disable,
            )
        )

    async def settle(
        self, guild_id: int, day: date, *, status: str, error: str, now: datetime
    ) -> None:
        """Close an unfinished claim as `unknown` (a crash history could not settle: never sent
        blindly again) or `missed` (it never reached Discord and is now too late)."""
        await self.db.write_sqlite(
            partial(
                _finish,
                guild_id=guild_id,
                day=encode_date(day),
                status=status,
                error=error,
                now=encode_time(now),
            )
        )

    async def begin_attempt(self, guild_id: int, day: date, now: datetime) -> bool:
        """Count a send about to begin (from now on Discord may know the nonce); False when the
        claim is no longer `sending` (settled meanwhile), so nothing must be sent."""
        return await self.db.write_sqlite(
            _begin_attempt, guild_id, encode_date(day), encode_time(now)
        )

    async def note_error(self, guild_id: int, day: date, error: str) -> None:
        """A send failed for a passing reason; the claim stays `sending` to be retried."""
        await self.db.write_sqlite(_note_error, guild_id, encode_date(day), error)


# --- write operations (run on the writer thread) ---------------------------------------------


def _save(
    conn: sqlite3.Connection,
    *,
    guild_id: int,
    channel_id: int,
    local_time: str,
    time_zone: str,
    roadmap_id: str | None,
    ping_role_id: int | None,
    next_date: str,
    next_fire_at: str,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO daily_schedules (guild_id, channel_id, local_time, time_zone, roadmap_id, "
        "ping_role_id, enabled, disabled_reason, next_date, next_fire_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
        "local_time = excluded.local_time, time_zone = excluded.time_zone, "
        "roadmap_id = excluded.roadmap_id, ping_role_id = excluded.ping_role_id, enabled = 1, "
        "disabled_reason = NULL, next_date = excluded.next_date, "
        "next_fire_at = excluded.next_fire_at, revision = revision + 1, "
        "updated_at = excluded.updated_at",
        (
            guild_id,
            channel_id,
            local_time,
            time_zone,
            roadmap_id,
            ping_role_id,
            next_date,
            next_fire_at,
            now,
            now,
        ),
    )


def _disable(conn: sqlite3.Connection, guild_id: int, reason: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE daily_schedules SET enabled = 0, disabled_reason = ?, revision = revision + 1, "
        "updated_at = ? WHERE guild_id = ? AND enabled = 1",
        (reason, now, guild_id),
    )
    return cursor.rowcount == 1


def _jump(conn: sqlite3.Connection, guild_id: int, topic_id: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE daily_schedules SET jump_topic_id = ?, revision = revision + 1, updated_at = ? "
        "WHERE guild_id = ?",
        (topic_id, now, guild_id),
    )
    return cursor.rowcount == 1


def _insert_post(conn: sqlite3.Connection, guild_id: int, post: PostClaim, now: str) -> bool:
    cursor = conn.execute(
        "INSERT OR IGNORE INTO daily_posts (guild_id, local_date, status, channel_id, roadmap_id, "
        "topic_id, topic_position, ping_role_id, scheduled_for, claimed_at) "
        "VALUES (?, ?, 'sending', ?, ?, ?, ?, ?, ?, ?)",
        (
            guild_id,
            encode_date(post.local_date),
            post.channel_id,
            post.roadmap_id,
            post.topic_id,
            post.topic_position,
            post.ping_role_id,
            encode_time(post.scheduled_for) if post.scheduled_for else None,
            now,
        ),
    )
    return cursor.rowcount == 1


def _claim_all(conn: sqlite3.Connection, claims: list[TickClaim], now: str) -> list[bool]:
    results: list[bool] = []
    for claim in claims:
        moved = conn.execute(
            "UPDATE daily_schedules SET next_date = ?, next_fire_at = ? "
            "WHERE guild_id = ? AND revision = ? AND next_date = ? AND enabled = 1",
            (
                encode_date(claim.next_date),
                encode_time(claim.next_fire_at),
                claim.guild_id,
                claim.revision,
                encode_date(claim.from_date),
            ),
        )
        if moved.rowcount != 1:
            results.append(False)
            continue
        conn.executemany(
            "INSERT OR IGNORE INTO daily_posts (guild_id, local_date, status, claimed_at, "
            "finished_at, error) VALUES (?, ?, 'missed', ?, ?, 'the bot was offline too long')",
            [(claim.guild_id, encode_date(day), now, now) for day in claim.missed],
        )
        results.append(
            claim.post is not None and _insert_post(conn, claim.guild_id, claim.post, now)
        )
    return results


def _claim_now(
    conn: sqlite3.Connection, guild_id: int, revision: int, post: PostClaim, now: str
) -> tuple[Any, ...] | None:
    day = encode_date(post.local_date)
    current = conn.execute(
        "SELECT 1 FROM daily_schedules WHERE guild_id = ? AND revision = ?", (guild_id, revision)
    ).fetchone()
    if current is None:
        raise LookupError("the schedule changed")
    # The schedule itself need not move: when today's time comes, the tick finds this row and
    # only advances to tomorrow.
    existing = conn.execute(
        f"SELECT {_POST_COLUMNS} FROM daily_posts WHERE guild_id = ? AND local_date = ?",
        (guild_id, day),
    ).fetchone()
    if existing is not None:
        if existing[2] not in REPLACEABLE:
            return existing
        conn.execute(
            "DELETE FROM daily_posts WHERE guild_id = ? AND local_date = ?", (guild_id, day)
        )
    _insert_post(conn, guild_id, post, now)
    return None


def _mark_sent(
    conn: sqlite3.Connection, guild_id: int, day: str, message_id: int, now: str
) -> bool:
    cursor = conn.execute(
        "UPDATE daily_posts SET status = 'sent', message_id = ?, finished_at = ?, error = NULL "
        "WHERE guild_id = ? AND local_date = ? AND status IN ('sending', 'unknown')",
        (message_id, now, guild_id, day),
    )
    if cursor.rowcount != 1:
        return False
    # The cursor only moves forward in time: a late resolution of an older claim leaves a
    # newer post's cursor alone.
    conn.execute(
        "UPDATE daily_schedules SET cursor_roadmap_id = p.roadmap_id, last_topic_id = p.topic_id, "
        "last_position = p.topic_position, last_posted_date = p.local_date, "
        "jump_topic_id = CASE WHEN jump_topic_id = p.topic_id THEN NULL ELSE jump_topic_id END "
        "FROM (SELECT roadmap_id, topic_id, topic_position, local_date FROM daily_posts "
        "      WHERE guild_id = ? AND local_date = ?) AS p "
        "WHERE daily_schedules.guild_id = ? "
        "AND (last_posted_date IS NULL OR last_posted_date < p.local_date)",
        (guild_id, day, guild_id),
    )
    return True


def _finish(
    conn: sqlite3.Connection, *, guild_id: int, day: str, status: str, error: str, now: str
) -> None:
    conn.execute(
        "UPDATE daily_posts SET status = ?, error = ?, finished_at = ? "
        "WHERE guild_id = ? AND local_date = ? AND status = 'sending'",
        (status, error, now, guild_id, day),
    )


def _mark_failed(
    conn: sqlite3.Connection, *, guild_id: int, day: str, error: str, now: str, disable: bool
) -> None:
    _finish(conn, guild_id=guild_id, day=day, status="failed", error=error, now=now)
    if disable:
        _disable(conn, guild_id, error, now)


def _begin_attempt(conn: sqlite3.Connection, guild_id: int, day: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE daily_posts SET attempts = attempts + 1, "
        "first_attempt_at = COALESCE(first_attempt_at, ?) "
        "WHERE guild_id = ? AND local_date = ? AND status = 'sending'",
        (now, guild_id, day),
    )
    return cursor.rowcount == 1


def _note_error(conn: sqlite3.Connection, guild_id: int, day: str, error: str) -> None:
    conn.execute(
        "UPDATE daily_posts SET error = ? "
        "WHERE guild_id = ? AND local_date = ? AND status = 'sending'",
        (error, guild_id, day),
    )

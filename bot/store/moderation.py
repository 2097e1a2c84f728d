"""What the moderators' features store: the log and announce channels (`guild_settings`), the
log's sent notices (`moderator_notices`), the reward roles the bot gave (`reward_grants`), the
weekly leaderboard schedules (`weekly_schedules`, their sends in `deliveries`), and clearing a
member's choice of a roadmap that left the content.

Every write is safe under concurrency on PostgreSQL too: a notice is claimed by
`INSERT ... ON CONFLICT DO NOTHING` (whoever inserts it sends it), a grant is taken back by a
`DELETE ... RETURNING`, and a weekly claim moves its schedule only while it still waits at the
week the tick read (an atomic `UPDATE ... WHERE next_period = ...`, checked by its row count)
before the ledger row is inserted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from bot.records import WEEKLY, Delivery, WeeklySchedule
from bot.sharding import ShardPlan
from bot.store.codec import decode_time, encode_time
from bot.store.database import Database
from bot.store.dialect import insert
from bot.store.ledger import Claim, DeliveryKey, Effect, LedgerRepository, claim_rows
from bot.store.schema import (
    daily_schedules,
    guild_settings,
    member_settings,
    moderator_notices,
    reward_grants,
    weekly_schedules,
)
from bot.store.shards import narrowed


@dataclass(frozen=True, slots=True)
class ModerationChannels:
    """A server's log channel and announce channel (None: not set)."""

    guild_id: int
    log_channel_id: int | None = None
    announce_channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class LoggedServer:
    """A server with a log channel, and the roadmaps it uses (for content reports)."""

    guild_id: int
    log_channel_id: int
    default_roadmap: str | None
    daily_roadmap: str | None


def weekly_key(guild_id: int, period: str) -> DeliveryKey:
    """A server's weekly post of one ISO week: the server is the subject."""
    return DeliveryKey(WEEKLY, guild_id, guild_id, period)


_g = guild_settings.c
_w = weekly_schedules.c
_CHANNEL_COLUMNS = {"log_channel_id", "announce_channel_id"}


# --- channels --------------------------------------------------------------------------------


def _channels(conn: Connection, guild_id: int) -> ModerationChannels:
    row = conn.execute(
        select(_g.log_channel_id, _g.announce_channel_id).where(_g.guild_id == guild_id)
    ).first()
    if row is None:
        return ModerationChannels(guild_id)
    return ModerationChannels(guild_id, row[0], row[1])


def _set_channel(
    conn: Connection, guild_id: int, column: str, channel_id: int | None, now: str
) -> None:
    statement = insert(conn, guild_settings).values(
        guild_id=guild_id, updated_at=now, **{column: channel_id}
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[_g.guild_id], set_={column: channel_id, "updated_at": now}
        )
    )


def _logged_servers(conn: Connection) -> list[LoggedServer]:
    rows = conn.execute(
        select(_g.guild_id, _g.log_channel_id, _g.default_roadmap, daily_schedules.c.roadmap_id)
        .select_from(
            guild_settings.outerjoin(daily_schedules, daily_schedules.c.guild_id == _g.guild_id)
        )
        .where(_g.log_channel_id.is_not(None), _g.left_at.is_(None))
        .order_by(_g.guild_id)
    )
    return [LoggedServer(int(g), int(c), default, daily) for g, c, default, daily in rows]


# --- notices and grants ------------------------------------------------------------------------


def _claim_notice(conn: Connection, guild_id: int, key: str, now: str) -> bool:
    statement = (
        insert(conn, moderator_notices)
        .values(guild_id=guild_id, notice_key=key, sent_at=now)
        .on_conflict_do_nothing(index_elements=["guild_id", "notice_key"])
    )
    return conn.execute(statement).rowcount == 1


def _record_grant(conn: Connection, values: dict[str, Any]) -> None:
    statement = insert(conn, reward_grants).values(**values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["guild_id", "user_id", "roadmap_id", "stage_id"],
            set_={"role_id": values["role_id"], "granted_at": values["granted_at"]},
        )
    )


def _grant_key(guild_id: int, user_id: int, roadmap_id: str, stage_id: str) -> Any:
    c = reward_grants.c
    return (
        (c.guild_id == guild_id)
        & (c.user_id == user_id)
        & (c.roadmap_id == roadmap_id)
        & (c.stage_id == stage_id)
    )


def _grant(conn: Connection, guild_id: int, user_id: int, roadmap_id: str, stage_id: str) -> Any:
    key = _grant_key(guild_id, user_id, roadmap_id, stage_id)
    return conn.scalar(select(reward_grants.c.role_id).where(key))


def _take_back(
    conn: Connection, guild_id: int, user_id: int, roadmap_id: str, stage_id: str
) -> Any:
    key = _grant_key(guild_id, user_id, roadmap_id, stage_id)
    # DELETE ... RETURNING: of two Undo presses at once, exactly one gets the role to take back.
    return conn.scalar(delete(reward_grants).where(key).returning(reward_grants.c.role_id))


def _clear_followed(conn: Connection, guild_id: int, user_id: int, expected: str) -> bool:
    m = member_settings.c
    result = conn.execute(
        update(member_settings)
        .where(m.guild_id == guild_id, m.user_id == user_id, m.followed_roadmap == expected)
        .values(followed_roadmap=None)
    )
    return result.rowcount == 1


def _followed(conn: Connection, guild_id: int, user_id: int) -> str | None:
    m = member_settings.c
    return conn.scalar(
        select(m.followed_roadmap).where(m.guild_id == guild_id, m.user_id == user_id)
    )


def _following_others(
    conn: Connection, known: Sequence[str], limit: int
) -> list[tuple[int, int, str]]:
    m = member_settings.c
    rows = conn.execute(
        select(m.guild_id, m.user_id, m.followed_roadmap)
        .where(m.followed_roadmap.is_not(None), m.followed_roadmap.not_in(list(known)))
        .limit(limit)
    )
    return [(int(g), int(u), str(r)) for g, u, r in rows]


def _hidden(conn: Connection, guild_id: int, user_id: int) -> bool:
    m = member_settings.c
    value = conn.scalar(select(m.hide_progress).where(m.guild_id == guild_id, m.user_id == user_id))
    return bool(value)


# --- weekly schedules ----------------------------------------------------------------------------

_WEEKLY = select(
    _w.guild_id,
    _w.channel_id,
    _w.weekday,
    _w.local_time,
    _w.time_zone,
    _w.enabled,
    _w.disabled_reason,
    _w.next_period,
    _w.next_fire_at,
)


def _weekly(row: Sequence[Any]) -> WeeklySchedule:
    fire_at = decode_time(row[8])
    assert fire_at is not None
    return WeeklySchedule(
        guild_id=int(row[0]),
        channel_id=int(row[1]),
        weekday=int(row[2]),
        local_time=time.fromisoformat(row[3]),
        time_zone=row[4],
        enabled=bool(row[5]),
        disabled_reason=row[6],
        next_period=row[7],
        next_fire_at=fire_at,
    )


def _read_weekly(conn: Connection, guild_id: int) -> WeeklySchedule | None:
    row = conn.execute(_WEEKLY.where(_w.guild_id == guild_id)).first()
    return _weekly(row) if row is not None else None


def _save_weekly(conn: Connection, guild_id: int, values: dict[str, Any], now: str) -> Any:
    statement = insert(conn, weekly_schedules).values(guild_id=guild_id, created_at=now, **values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[_w.guild_id],
            set_={name: statement.excluded[name] for name in values},
        )
    )
    return _read_weekly(conn, guild_id)


def _disable_weekly(conn: Connection, guild_id: int, reason: str, now: str) -> bool:
    result = conn.execute(
        update(weekly_schedules)
        .where(_w.guild_id == guild_id, _w.enabled == 1)
        .values(enabled=0, disabled_reason=reason, updated_at=now)
    )
    return result.rowcount == 1


_DUE_WEEKLY = (
    _WEEKLY.select_from(weekly_schedules.outerjoin(guild_settings, _g.guild_id == _w.guild_id))
    .where(_w.enabled == 1, _w.next_fire_at <= bindparam("at_now"), _g.left_at.is_(None))
    .order_by(_w.next_fire_at)
    .limit(bindparam("at_limit"))
)


def _due_weekly(conn: Connection, statement: Any, now: str, limit: int) -> list[WeeklySchedule]:
    rows = conn.execute(statement, {"at_now": now, "at_limit": limit})
    return [_weekly(row) for row in rows]


@dataclass(frozen=True, slots=True)
class WeeklyStep:
    """A due weekly schedule's step: claim (or record as missed) the week it waited at, and
    move on to the next week. Applied only while it still waits at `from_period`."""

    guild_id: int
    from_period: str
    claim: Claim
    next_period: str
    next_fire_at: datetime


def _claim_weekly(conn: Connection, steps: Sequence[WeeklyStep], now: datetime) -> list[bool]:
    at = encode_time(now)
    moved: list[WeeklyStep] = []
    for step in steps:
        # Atomic: of two ticks (or processes) reading the same week, one moves the schedule.
        result = conn.execute(
            update(weekly_schedules)
            .where(
                _w.guild_id == step.guild_id,
                _w.next_period == step.from_period,
                _w.enabled == 1,
            )
            .values(
                next_period=step.next_period,
                next_fire_at=encode_time(step.next_fire_at),
                updated_at=at,
            )
        )
        if result.rowcount == 1:
            moved.append(step)
    ours = claim_rows(conn, [step.claim for step in moved], now)
    return [step.claim.status == "sending" and step.claim.key in ours for step in steps]


class ModerationRepository:
    """The moderators' settings, notices, grants and weekly schedules, over the Database."""

    def __init__(self, db: Database, shards: ShardPlan | None = None) -> None:
        self.db = db
        # With shards, a weekly tick reads only the schedules and unfinished sends of the
        # servers on this process's shards, as the daily post's does.
        self._due_statement = narrowed(_DUE_WEEKLY, _w.guild_id, shards)
        self.ledger = LedgerRepository(db, shards)

    # --- channels ------------------------------------------------------------------------------

    async def channels(self, guild_id: int) -> ModerationChannels:
        return await self.db.read(_channels, guild_id)

    async def set_log_channel(self, guild_id: int, channel_id: int | None, now: datetime) -> None:
        await self.db.write(_set_channel, guild_id, "log_channel_id", channel_id, encode_time(now))

    async def set_announce_channel(
        self, guild_id: int, channel_id: int | None, now: datetime
    ) -> None:
        await self.db.write(
            _set_channel, guild_id, "announce_channel_id", channel_id, encode_time(now)
        )

    async def logged_servers(self) -> list[LoggedServer]:
        """Servers with a log channel (the bot still in them), with the roadmaps they use."""
        return await self.db.read(_logged_servers)

    # --- notices, grants, member choices --------------------------------------------------------

    async def claim_notice(self, guild_id: int, key: str, now: datetime) -> bool:
        """True once per (server, key): the caller then reports it; False when already done."""
        return bool(await self.db.write(_claim_notice, guild_id, key, encode_time(now)))

    async def record_grant(
        self, guild_id: int, user_id: int, roadmap_id: str, stage_id: str, *, role_id: int,
        now: datetime,
    ) -> None:  # fmt: skip
        values = {
            "guild_id": guild_id, "user_id": user_id, "roadmap_id": roadmap_id,
            "stage_id": stage_id, "role_id": role_id, "granted_at": encode_time(now),
        }  # fmt: skip
        await self.db.write(_record_grant, values)

    async def grant(
        self, guild_id: int, user_id: int, roadmap_id: str, stage_id: str
    ) -> int | None:
        """The role the bot gave for that stage, if it did."""
        role = await self.db.read(_grant, guild_id, user_id, roadmap_id, stage_id)
        return None if role is None else int(role)

    async def take_back_grant(
        self, guild_id: int, user_id: int, roadmap_id: str, stage_id: str
    ) -> int | None:
        """Forget the grant and return its role (None: the bot gave none, or it is taken)."""
        role = await self.db.write(_take_back, guild_id, user_id, roadmap_id, stage_id)
        return None if role is None else int(role)

    async def followed_roadmap(self, guild_id: int, user_id: int) -> str | None:
        return await self.db.read(_followed, guild_id, user_id)

    async def clear_followed_roadmap(self, guild_id: int, user_id: int, expected: str) -> bool:
        """Forget the member's choice while it is still `expected`; whether it was cleared."""
        return bool(await self.db.write(_clear_followed, guild_id, user_id, expected))

    async def following_others(
        self, known: Sequence[str], limit: int
    ) -> list[tuple[int, int, str]]:
        """(server, member, roadmap) of members following a roadmap not in `known`, at most
        `limit` of them (one scan of member_settings, on a reader)."""
        return await self.db.read(_following_others, tuple(known), limit)

    async def hides_progress(self, guild_id: int, user_id: int) -> bool:
        return await self.db.read(_hidden, guild_id, user_id)

    # --- weekly schedules -------------------------------------------------------------------------

    async def weekly(self, guild_id: int) -> WeeklySchedule | None:
        return await self.db.read(_read_weekly, guild_id)

    async def save_weekly(
        self, *, guild_id: int, channel_id: int, weekday: int, local_time: time,
        time_zone: str, next_period: str, next_fire_at: datetime, now: datetime,
    ) -> WeeklySchedule:  # fmt: skip
        """Create or replace the server's weekly schedule, turned on."""
        at = encode_time(now)
        values = {
            "channel_id": channel_id, "weekday": weekday, "local_time": f"{local_time:%H:%M}",
            "time_zone": time_zone, "enabled": 1, "disabled_reason": None,
            "next_period": next_period, "next_fire_at": encode_time(next_fire_at),
            "updated_at": at,
        }  # fmt: skip
        saved = await self.db.write(_save_weekly, guild_id, values, at)
        assert isinstance(saved, WeeklySchedule)
        return saved

    async def turn_off_weekly(self, guild_id: int, reason: str, now: datetime) -> bool:
        return bool(await self.db.write(_disable_weekly, guild_id, reason, encode_time(now)))

    async def due_weekly(self, now: datetime, limit: int) -> list[WeeklySchedule]:
        """Enabled weekly schedules whose time has come, in servers the bot is still in."""
        return await self.db.read(_due_weekly, self._due_statement, encode_time(now), limit)

    async def claim_weekly(self, steps: Sequence[WeeklyStep], now: datetime) -> list[bool]:
        """Apply each step in one transaction; True where its `sending` row is ours to send."""
        return await self.db.write(_claim_weekly, steps, now)

    async def recent_weekly(self, guild_id: int, limit: int = 3) -> list[Delivery]:
        return await self.ledger.recent(WEEKLY, guild_id, guild_id, limit)

    @staticmethod
    def after_weekly_refused(guild_id: int, reason: str, now: datetime) -> Effect:
        """Discord will never take the weekly post: the schedule stops, saying why."""
        return lambda conn: _disable_weekly(conn, guild_id, reason, encode_time(now))

"""Member settings (per server) and server settings. A missing row means "all defaults"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from bot.store.codec import decode_time, encode_time
from bot.store.database import Database
from bot.store.dialect import Prepared, insert
from bot.store.schema import guild_settings, member_settings


@dataclass(frozen=True, slots=True)
class MemberSettings:
    guild_id: int
    user_id: int
    time_zone: str | None = None
    hide_progress: bool = False
    followed_roadmap: str | None = None
    reminder_time: str | None = None  # local `HH:MM`; None when reminders are off
    reminder_time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class ServerSettings:
    guild_id: int
    default_roadmap: str | None = None
    time_zone: str | None = None
    left_at: datetime | None = None  # when the bot was removed from the server


# Column names are never user input: each setter names its column from these sets.
_MEMBER_COLUMNS = frozenset(
    {"time_zone", "hide_progress", "followed_roadmap", "reminder_time", "reminder_time_zone"}
)
_SERVER_COLUMNS = frozenset({"default_roadmap", "time_zone", "left_at"})

_member = member_settings.c
_server = guild_settings.c
_of_member = (_member.guild_id == bindparam("guild_id")) & (_member.user_id == bindparam("user_id"))
_of_server = _server.guild_id == bindparam("guild_id")

# Point reads on every command's path (which roadmap, which zone): compiled once (`Prepared`).
_SELECT_MEMBER = Prepared(
    select(
        _member.time_zone,
        _member.hide_progress,
        _member.followed_roadmap,
        _member.reminder_time,
        _member.reminder_time_zone,
    ).where(_of_member)
)
_SELECT_SERVER = Prepared(
    select(_server.default_roadmap, _server.time_zone, _server.left_at).where(_of_server)
)
# One statement for a member's value and the server's beside it: one round trip, and a row
# (of NULLs) even when neither has settings.
_SELECT_ZONES = Prepared(
    select(
        select(_member.time_zone).where(_of_member).scalar_subquery(),
        select(_server.time_zone).where(_of_server).scalar_subquery(),
    )
)
_SELECT_ROADMAP_CHOICES = Prepared(
    select(
        select(_member.followed_roadmap).where(_of_member).scalar_subquery(),
        select(_server.default_roadmap).where(_of_server).scalar_subquery(),
    )
)
_SELECT_LEFT_BEFORE = (
    select(_server.guild_id)
    .where(_server.left_at.is_not(None), _server.left_at < bindparam("cutoff"))
    .order_by(_server.guild_id)
)


def _upsert(
    conn: Connection, table: Table, keys: dict[str, int], values: dict[str, Any], at: str
) -> None:
    changes = {**values, "updated_at": at}
    statement = insert(conn, table).values(**keys, **changes)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={column: statement.excluded[column] for column in changes},
        )
    )


def _member_row(conn: Connection, guild_id: int, user_id: int) -> tuple[Any, ...] | None:
    rows = _SELECT_MEMBER.rows(conn, guild_id=guild_id, user_id=user_id)
    return rows[0] if rows else None


def _pair(conn: Connection, statement: Prepared, guild_id: int, user_id: int) -> tuple[Any, Any]:
    ((first, second),) = statement.rows(conn, guild_id=guild_id, user_id=user_id)
    return first, second


def zones_of(conn: Connection, guild_id: int, user_id: int) -> tuple[str | None, str | None]:
    """(member's zone, server's zone) on `conn`, either None when not set."""
    return _pair(conn, _SELECT_ZONES, guild_id, user_id)


def _server_row(conn: Connection, guild_id: int) -> tuple[Any, ...] | None:
    rows = _SELECT_SERVER.rows(conn, guild_id=guild_id)
    return rows[0] if rows else None


def _left_before(conn: Connection, cutoff: str) -> list[int]:
    return [int(guild_id) for guild_id in conn.scalars(_SELECT_LEFT_BEFORE, {"cutoff": cutoff})]


class MemberSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, user_id: int) -> MemberSettings:
        row = await self._db.read(_member_row, guild_id, user_id)
        if row is None:
            return MemberSettings(guild_id, user_id)
        return MemberSettings(guild_id, user_id, row[0], bool(row[1]), row[2], row[3], row[4])

    async def update(self, guild_id: int, user_id: int, at: datetime, **values: Any) -> None:
        """Set the named columns (see MemberSettings) for one member, creating the row."""
        unknown = set(values) - _MEMBER_COLUMNS
        if unknown or not values:
            raise ValueError(f"not member settings: {sorted(unknown) or 'nothing'}")
        if "hide_progress" in values:
            values["hide_progress"] = int(bool(values["hide_progress"]))
        keys = {"guild_id": guild_id, "user_id": user_id}
        await self._db.write(_upsert, member_settings, keys, values, encode_time(at))

    async def zones(self, guild_id: int, user_id: int) -> tuple[str | None, str | None]:
        """(member's zone, server's zone), either None when not set: one round trip."""
        return await self._db.read(zones_of, guild_id, user_id)

    async def roadmap_choices(self, guild_id: int, user_id: int) -> tuple[str | None, str | None]:
        """(roadmap the member follows, server's default roadmap), either None: one round trip."""
        return await self._db.read(_pair, _SELECT_ROADMAP_CHOICES, guild_id, user_id)


class ServerSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> ServerSettings:
        row = await self._db.read(_server_row, guild_id)
        if row is None:
            return ServerSettings(guild_id)
        return ServerSettings(guild_id, row[0], row[1], decode_time(row[2]))

    async def update(self, guild_id: int, at: datetime, **values: Any) -> None:
        """Set the named columns (see ServerSettings) for one server, creating the row."""
        unknown = set(values) - _SERVER_COLUMNS
        if unknown or not values:
            raise ValueError(f"not server settings: {sorted(unknown) or 'nothing'}")
        if isinstance(values.get("left_at"), datetime):
            values["left_at"] = encode_time(values["left_at"])
        keys = {"guild_id": guild_id}
        await self._db.write(_upsert, guild_settings, keys, values, encode_time(at))

    async def left_before(self, cutoff: datetime) -> list[int]:
        """Servers the bot left before `cutoff` (and has not rejoined)."""
        return await self._db.read(_left_before, encode_time(cutoff))

"""Member settings (per server) and server settings. A missing row means "all defaults"."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.codec import decode_time, encode_time
from bot.store.database import Database


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


def _upsert(
    conn: sqlite3.Connection, table: str, keys: dict[str, int], values: dict[str, Any], at: str
) -> None:
    columns = [*keys, *values, "updated_at"]
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*values, "updated_at"])
    conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
        (*keys.values(), *values.values(), at),
    )


#: (member's zone, server's zone) for parameters (guild_id, user_id, guild_id): one round trip.
ZONES_SQL = (
    "SELECT (SELECT time_zone FROM member_settings WHERE guild_id = ? AND user_id = ?),"
    " (SELECT time_zone FROM guild_settings WHERE guild_id = ?)"
)


class MemberSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, user_id: int) -> MemberSettings:
        row = await self._db.fetchone(
            "SELECT time_zone, hide_progress, followed_roadmap, reminder_time, reminder_time_zone"
            " FROM member_settings WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
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
        await self._db.write_sqlite(_upsert, "member_settings", keys, values, encode_time(at))

    async def zones(self, guild_id: int, user_id: int) -> tuple[str | None, str | None]:
        """(member's zone, server's zone), either None when not set: one round trip."""
        row = await self._db.fetchone(ZONES_SQL, (guild_id, user_id, guild_id))
        return (row[0], row[1]) if row else (None, None)

    async def roadmap_choices(self, guild_id: int, user_id: int) -> tuple[str | None, str | None]:
        """(roadmap the member follows, server's default roadmap), either None: one round trip."""
        row = await self._db.fetchone(
            "SELECT (SELECT followed_roadmap FROM member_settings"
            " WHERE guild_id = ? AND user_id = ?),"
            " (SELECT default_roadmap FROM guild_settings WHERE guild_id = ?)",
            (guild_id, user_id, guild_id),
        )
        return (row[0], row[1]) if row else (None, None)


class ServerSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> ServerSettings:
        row = await self._db.fetchone(
            "SELECT default_roadmap, time_zone, left_at FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
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
        await self._db.write_sqlite(
            _upsert, "guild_settings", {"guild_id": guild_id}, values, encode_time(at)
        )

    async def left_before(self, cutoff: datetime) -> list[int]:
        """Servers the bot left before `cutoff` (and has not rejoined)."""
        rows = await self._db.fetchall(
            "SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL AND left_at < ?"
            " ORDER BY guild_id",
            (encode_time(cutoff),),
        )
        return [int(r[0]) for r in rows]

"""A member's own settings in a server, the roadmap they follow, and their data (export, erase)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from bot.roadmap.catalog import require_roadmap_id
from bot.services.clock import Clock
from bot.services.timezones import parse_zone
from bot.store.codec import encode_time
from bot.store.database import Database
from bot.store.erasure import MemberDataRepository
from bot.store.settings import MemberSettings, MemberSettingsRepository

#: Words that clear a member's own time zone, so the server's (else UTC) applies again.
ZONE_CLEAR_WORDS = frozenset({"default", "server", "none", "reset"})

EXPORT_FORMAT = "study-companion-export/1"


class MemberService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._settings = MemberSettingsRepository(db)
        self._data = MemberDataRepository(db)
        self._clock = clock

    async def settings(self, guild_id: int, user_id: int) -> MemberSettings:
        return await self._settings.get(guild_id, user_id)

    async def update_settings(
        self,
        guild_id: int,
        user_id: int,
        *,
        time_zone: str | None = None,
        hide_progress: bool | None = None,
    ) -> MemberSettings:
        """Change what was given (None leaves a setting alone) and return the settings now.

        The time zone must be an IANA name (InvalidTimeZone else); one of ZONE_CLEAR_WORDS
        clears it. Everything is validated before anything is written.
        """
        values: dict[str, Any] = {}
        if time_zone is not None:
            if time_zone.strip().lower() in ZONE_CLEAR_WORDS:
                values["time_zone"] = None
            else:
                values["time_zone"] = parse_zone(time_zone).key
        if hide_progress is not None:
            values["hide_progress"] = hide_progress
        if values:
            await self._settings.update(guild_id, user_id, self._clock.now(), **values)
        return await self._settings.get(guild_id, user_id)

    async def follow(
        self,
        guild_id: int,
        user_id: int,
        roadmap_id: str | None,
        available: Iterable[tuple[str, str]],
    ) -> str | None:
        """Follow `roadmap_id` in this server (one of `available` (id, title) pairs, else
        UnknownRoadmap with suggestions); None goes back to the server's default."""
        chosen = None if roadmap_id is None else require_roadmap_id(roadmap_id, available)
        await self._settings.update(guild_id, user_id, self._clock.now(), followed_roadmap=chosen)
        return chosen

    async def roadmap_for(
        self,
        guild_id: int,
        user_id: int,
        *,
        available: Collection[str],
        catalog_default: str,
    ) -> str:
        """The roadmap a member works on: their choice, else the server's default, else the
        catalog's default. A choice whose roadmap left the content is passed over."""
        followed, server_default = await self._settings.roadmap_choices(guild_id, user_id)
        return pick_roadmap(followed, server_default, available, catalog_default)

    async def export(self, guild_id: int, user_id: int) -> bytes:
        """Everything stored about the member in this server, as UTF-8 JSON. Ids are strings
        (Discord ids do not fit a JavaScript number)."""
        tables = await self._data.export(guild_id, user_id)
        document = {
            "format": EXPORT_FORMAT,
            "guild_id": str(guild_id),
            "user_id": str(user_id),
            "exported_at": encode_time(self._clock.now()),
            "data": {
                table: [_json_row(row) for row in rows] for table, rows in tables.items() if rows
            },
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")

    async def forget(self, guild_id: int, user_id: int) -> int:
        """Delete every row of the member in this server; returns how many rows went."""
        deleted = await self._data.delete_member(guild_id, user_id)
        return sum(deleted.values())


def pick_roadmap(
    followed: str | None,
    server_default: str | None,
    available: Collection[str],
    catalog_default: str,
) -> str:
    """The roadmap rule of `roadmap_for` on values already read (the reminder tick reads a
    whole batch's choices at once): the member's choice, else the server's default, else the
    catalog's; a choice whose roadmap left the content is passed over."""
    for choice in (followed, server_default):
        if choice is not None and choice in available:
            return choice
    return catalog_default


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if key.endswith("_id") and isinstance(value, int) else value
        for key, value in row.items()
        if key not in ("guild_id", "user_id")
    }

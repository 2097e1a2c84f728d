"""Server-level use cases: default roadmap and time zone, stage reward roles, and the life cycle
of a server's data (kept for 30 days after the bot is removed, then deleted)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.records import StageReward
from bot.roadmap.catalog import require_roadmap_id, require_stage
from bot.roadmap.model import Roadmap
from bot.services.clock import Clock
from bot.services.timezones import parse_zone
from bot.store.database import Database
from bot.store.erasure import MemberDataRepository
from bot.store.meta import MetaRepository
from bot.store.rewards import RewardRepository
from bot.store.settings import ServerSettings, ServerSettingsRepository

log = logging.getLogger(__name__)

#: How long a server's data outlives the bot's removal from it.
RETENTION = timedelta(days=30)

#: How often the scheduler's retention tick deletes departed servers' data: the tick runs every
#: 30 s, and a day's precision is all the 30 days need.
PURGE_EVERY = timedelta(hours=1)

#: The meta key prefix (then the server id) marking a server the bot has welcomed.
WELCOMED_KEY = "welcomed:"


class ServerService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._settings = ServerSettingsRepository(db)
        self._rewards = RewardRepository(db)
        self._data = MemberDataRepository(db)
        self._meta = MetaRepository(db)
        self._clock = clock
        self._last_purge: datetime | None = None

    async def settings(self, guild_id: int) -> ServerSettings:
        return await self._settings.get(guild_id)

    async def set_default_roadmap(
        self, guild_id: int, roadmap_id: str, available: Iterable[tuple[str, str]]
    ) -> str:
        """Make one of `available` (id, title) pairs the server's default (UnknownRoadmap)."""
        chosen = require_roadmap_id(roadmap_id, available)
        await self._settings.update(guild_id, self._clock.now(), default_roadmap=chosen)
        return chosen

    async def set_time_zone(self, guild_id: int, time_zone: str) -> str:
        """The server's zone for leaderboard periods and members without their own zone."""
        key = parse_zone(time_zone).key
        await self._settings.update(guild_id, self._clock.now(), time_zone=key)
        return key

    # --- stage rewards --------------------------------------------------------------------

    async def set_reward(
        self, guild_id: int, roadmap: Roadmap, stage_text: str, role_id: int
    ) -> StageReward:
        """Give `role_id` to members who finish that stage (UnknownStage when no such)."""
        stage = require_stage(roadmap, stage_text)
        reward = StageReward(guild_id, roadmap.id, stage.id, role_id)
        await self._rewards.set(reward)
        return reward

    async def remove_reward(self, guild_id: int, roadmap: Roadmap, stage_text: str) -> bool:
        """Whether a reward was set for that stage."""
        stage = require_stage(roadmap, stage_text)
        return await self._rewards.remove(guild_id, roadmap.id, stage.id)

    async def rewards(self, guild_id: int) -> list[StageReward]:
        return await self._rewards.in_server(guild_id)

    async def reward_for(self, guild_id: int, roadmap_id: str, stage_id: str) -> int | None:
        """The role to give for finishing that stage, if any."""
        return await self._rewards.for_stage(guild_id, roadmap_id, stage_id)

    # --- life cycle -----------------------------------------------------------------------

    async def bot_removed(self, guild_id: int) -> None:
        """Start the retention clock for a server the bot was removed from."""
        await self._settings.update(guild_id, self._clock.now(), left_at=self._clock.now())

    async def bot_added(self, guild_id: int) -> None:
        """The bot is (back) in the server: its data stays."""
        if (await self._settings.get(guild_id)).left_at is not None:
            await self._settings.update(guild_id, self._clock.now(), left_at=None)

    async def claim_welcome(self, guild_id: int) -> bool:
        """Whether the bot should welcome this server now: true once per server, ever (the
        mark outlives a removal and the deletion of the server's data, so a rejoin is quiet)."""
        return await self._meta.add(f"{WELCOMED_KEY}{guild_id}", self._clock.now().isoformat())

    async def purge_departed_when_due(self) -> list[int]:
        """The retention tick: `purge_departed` at most once per PURGE_EVERY (at once on a
        process's first tick); the ids it purged, [] when it was not due."""
        now = self._clock.now()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return []
        self._last_purge = now
        return await self.purge_departed()

    async def purge_departed(self) -> list[int]:
        """Delete all data of servers the bot left more than RETENTION ago; their ids."""
        cutoff = self._clock.now() - RETENTION
        purged = []
        for guild_id in await self._settings.left_before(cutoff):
            deleted = await self._data.delete_server(guild_id, left_before=cutoff)
            if deleted is None:
                continue  # the bot came back meanwhile
            purged.append(guild_id)
            log.info(
                "deleted the data of server %s, %d rows, %s after the bot left",
                guild_id,
                sum(deleted.values()),
                RETENTION,
            )
        return purged

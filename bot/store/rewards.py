"""Stage reward roles: the role a server gives to members who finish a stage of a roadmap."""

from __future__ import annotations

import sqlite3

from bot.records import StageReward
from bot.store.database import Database


def _set(conn: sqlite3.Connection, reward: StageReward) -> None:
    conn.execute(
        "INSERT INTO stage_rewards (guild_id, roadmap_id, stage_id, role_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, roadmap_id, stage_id) DO UPDATE SET role_id = excluded.role_id",
        (reward.guild_id, reward.roadmap_id, reward.stage_id, reward.role_id),
    )


def _remove(conn: sqlite3.Connection, guild_id: int, roadmap_id: str, stage_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM stage_rewards WHERE guild_id = ? AND roadmap_id = ? AND stage_id = ?",
        (guild_id, roadmap_id, stage_id),
    )
    return cursor.rowcount > 0


class RewardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(self, reward: StageReward) -> None:
        """Give `reward.role_id` for that stage (replacing any role set before)."""
        await self._db.write_sqlite(_set, reward)

    async def remove(self, guild_id: int, roadmap_id: str, stage_id: str) -> bool:
        """Whether there was a reward to remove."""
        return await self._db.write_sqlite(_remove, guild_id, roadmap_id, stage_id)

    async def for_stage(self, guild_id: int, roadmap_id: str, stage_id: str) -> int | None:
        row = await self._db.fetchone(
            "SELECT role_id FROM stage_rewards"
            " WHERE guild_id = ? AND roadmap_id = ? AND stage_id = ?",
            (guild_id, roadmap_id, stage_id),
        )
        return int(row[0]) if row else None

    async def in_server(self, guild_id: int) -> list[StageReward]:
        rows = await self._db.fetchall(
            "SELECT roadmap_id, stage_id, role_id FROM stage_rewards WHERE guild_id = ?"
            " ORDER BY roadmap_id, stage_id",
            (guild_id,),
        )
        return [StageReward(guild_id, r[0], r[1], int(r[2])) for r in rows]

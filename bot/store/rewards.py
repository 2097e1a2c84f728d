"""Stage reward roles: the role a server gives to members who finish a stage of a roadmap."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from bot.records import StageReward
from bot.store.database import Database
from bot.store.dialect import insert
from bot.store.schema import stage_rewards

_reward = stage_rewards.c


def _set(conn: Connection, reward: StageReward) -> None:
    statement = insert(conn, stage_rewards).values(
        guild_id=reward.guild_id,
        roadmap_id=reward.roadmap_id,
        stage_id=reward.stage_id,
        role_id=reward.role_id,
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[_reward.guild_id, _reward.roadmap_id, _reward.stage_id],
            set_={"role_id": statement.excluded.role_id},
        )
    )


def _remove(conn: Connection, guild_id: int, roadmap_id: str, stage_id: str) -> bool:
    statement = delete(stage_rewards).where(
        _reward.guild_id == guild_id,
        _reward.roadmap_id == roadmap_id,
        _reward.stage_id == stage_id,
    )
    return conn.execute(statement).rowcount > 0


def _role_for(conn: Connection, guild_id: int, roadmap_id: str, stage_id: str) -> int | None:
    role_id = conn.scalar(
        select(_reward.role_id).where(
            _reward.guild_id == guild_id,
            _reward.roadmap_id == roadmap_id,
            _reward.stage_id == stage_id,
        )
    )
    return None if role_id is None else int(role_id)


def _in_server(conn: Connection, guild_id: int) -> list[StageReward]:
    rows = conn.execute(
        select(_reward.roadmap_id, _reward.stage_id, _reward.role_id)
        .where(_reward.guild_id == guild_id)
        .order_by(_reward.roadmap_id, _reward.stage_id)
    )
    return [StageReward(guild_id, roadmap_id, stage, int(role)) for roadmap_id, stage, role in rows]


class RewardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(self, reward: StageReward) -> None:
        """Give `reward.role_id` for that stage (replacing any role set before)."""
        await self._db.write(_set, reward)

    async def remove(self, guild_id: int, roadmap_id: str, stage_id: str) -> bool:
        """Whether there was a reward to remove."""
        return await self._db.write(_remove, guild_id, roadmap_id, stage_id)

    async def for_stage(self, guild_id: int, roadmap_id: str, stage_id: str) -> int | None:
        return await self._db.read(_role_for, guild_id, roadmap_id, stage_id)

    async def in_server(self, guild_id: int) -> list[StageReward]:
        return await self._db.read(_in_server, guild_id)

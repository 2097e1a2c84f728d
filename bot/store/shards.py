"""The servers of this process's shards, as a SQL condition, so that a process planning daily
posts and reminders never even reads another slot's rows.

Discord puts a server on shard `(guild_id >> 22) % shard_count` (bot/sharding.py); both SQLite
and PostgreSQL compute that from the id column. A process without a shard plan (one process
runs everything) has no condition.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column

from bot.sharding import ShardPlan


def on_shards(guild_id: Any, plan: ShardPlan | None) -> Any:
    """`(guild_id >> 22) % count IN (ids)` for `plan`'s shards; None with no plan, or when the
    plan runs every shard (nothing to leave out)."""
    if plan is None or len(plan.ids) == plan.count:
        return None
    # Literal numbers, not bound ones: the statement is built once per repository, and the
    # planner sees the condition as it is written.
    shifted = guild_id.op(">>")(literal_column("22"))
    shard = shifted.op("%")(literal_column(str(plan.count)))
    return shard.in_([literal_column(str(shard_id)) for shard_id in plan.ids])


def narrowed(statement: Any, guild_id: Any, plan: ShardPlan | None) -> Any:
    """`statement` limited to the servers of `plan`'s shards (unchanged without a plan)."""
    condition = on_shards(guild_id, plan)
    return statement if condition is None else statement.where(condition)

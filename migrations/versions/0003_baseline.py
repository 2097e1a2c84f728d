"""Baseline: the schema the numbered SQL migrations 0001_init.sql and 0002_daily.sql built.

A database those files made (PRAGMA user_version = 2) is stamped at this revision, not
upgraded; a new database runs it. Written out in full (not from bot/store/schema.py) so that the
history never changes when the current schema does. The tests compare what it builds with what
the SQL files built, table by table and index by index.

Revision ID: 0003
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# INTEGER on SQLite (the declared type the SQL files used; the rowid alias as a lone primary
# key), BIGINT on PostgreSQL.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DELIVERY = "status IN ('sending', 'sent', 'failed', 'missed', 'unknown')"
NO_ROWID = {"sqlite_with_rowid": False}


def _flag(name: str, default: str) -> sa.Column[int]:
    check = sa.CheckConstraint(f"{name} IN (0, 1)")
    return sa.Column(name, sa.Integer, check, nullable=False, server_default=sa.text(default))


def _counter(name: str, default: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text(default))


def _ledger_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("claimed_at", sa.Text, nullable=False),
        _counter("attempts", "0"),
        sa.Column("first_attempt_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("message_id", ID),
        sa.Column("error", sa.Text),
    ]


def _partial_index(name: str, table: str, columns: list[str], where: str) -> None:
    condition = sa.text(where)
    op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    # 0001: progress, the completions log, member and server settings, stage rewards, meta.
    op.create_table(
        "progress",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("topic_id", sa.Text, nullable=False),
        sa.Column(
            "status",
            sa.Text,
            sa.CheckConstraint("status IN ('done', 'skipped', 'in_progress')"),
            nullable=False,
        ),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("completed_at", sa.Text),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "topic_id"),
        **NO_ROWID,
    )
    op.create_index(
        "progress_by_roadmap_status",
        "progress",
        ["guild_id", "roadmap_id", "status", "user_id", "topic_id"],
    )
    op.create_table(
        "completions",
        sa.Column("id", ID, primary_key=True, autoincrement=True, nullable=True),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("topic_id", sa.Text, nullable=False),
        sa.Column("completed_at", sa.Text, nullable=False),
        sa.Column("local_date", sa.Text, nullable=False),
    )
    op.create_index(
        "completions_by_member_day", "completions", ["guild_id", "user_id", "local_date"]
    )
    op.create_index(
        "completions_by_roadmap_time",
        "completions",
        ["guild_id", "roadmap_id", "completed_at", "user_id", "topic_id"],
    )
    op.create_table(
        "member_settings",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("time_zone", sa.Text),
        _flag("hide_progress", "0"),
        sa.Column("followed_roadmap", sa.Text),
        sa.Column("reminder_time", sa.Text),
        sa.Column("reminder_time_zone", sa.Text),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id"),
        **NO_ROWID,
    )
    _partial_index(
        "member_settings_hidden", "member_settings", ["guild_id", "user_id"], "hide_progress = 1"
    )
    _partial_index(
        "member_settings_reminders",
        "member_settings",
        ["reminder_time", "guild_id", "user_id"],
        "reminder_time IS NOT NULL",
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", ID, primary_key=True, autoincrement=False, nullable=True),
        sa.Column("default_roadmap", sa.Text),
        sa.Column("time_zone", sa.Text),
        sa.Column("left_at", sa.Text),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    _partial_index("guild_settings_left", "guild_settings", ["left_at"], "left_at IS NOT NULL")
    op.create_table(
        "stage_rewards",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("stage_id", sa.Text, nullable=False),
        sa.Column("role_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "roadmap_id", "stage_id"),
        **NO_ROWID,
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True, nullable=True),
        sa.Column("value", sa.Text, nullable=False),
        **NO_ROWID,
    )

    # 0002: daily posts and personal reminders, each with its delivery ledger.
    op.create_table(
        "daily_schedules",
        sa.Column("guild_id", ID, primary_key=True, autoincrement=False, nullable=True),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("local_time", sa.Text, nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column("roadmap_id", sa.Text),
        sa.Column("ping_role_id", ID),
        _flag("enabled", "1"),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("next_date", sa.Text, nullable=False),
        sa.Column("next_fire_at", sa.Text, nullable=False),
        sa.Column("cursor_roadmap_id", sa.Text),
        sa.Column("last_topic_id", sa.Text),
        sa.Column("last_position", sa.Integer),
        sa.Column("last_posted_date", sa.Text),
        sa.Column("jump_topic_id", sa.Text),
        _counter("revision", "1"),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    _partial_index("daily_schedules_due", "daily_schedules", ["next_fire_at"], "enabled = 1")
    op.create_table(
        "daily_posts",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("local_date", sa.Text, nullable=False),
        sa.Column("status", sa.Text, sa.CheckConstraint(DELIVERY), nullable=False),
        sa.Column("channel_id", ID),
        sa.Column("roadmap_id", sa.Text),
        sa.Column("topic_id", sa.Text),
        sa.Column("topic_position", sa.Integer),
        sa.Column("ping_role_id", ID),
        sa.Column("scheduled_for", sa.Text),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("guild_id", "local_date"),
        **NO_ROWID,
    )
    _partial_index("daily_posts_unfinished", "daily_posts", ["claimed_at"], "status = 'sending'")
    op.create_table(
        "reminder_schedules",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("next_date", sa.Text, nullable=False),
        sa.Column("next_fire_at", sa.Text, nullable=False),
        sa.Column("dm_channel_id", ID),
        sa.PrimaryKeyConstraint("guild_id", "user_id"),
        sa.ForeignKeyConstraint(
            ["guild_id", "user_id"],
            ["member_settings.guild_id", "member_settings.user_id"],
            ondelete="CASCADE",
        ),
        **NO_ROWID,
    )
    op.create_index("reminder_schedules_due", "reminder_schedules", ["next_fire_at"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("local_date", sa.Text, nullable=False),
        sa.Column("status", sa.Text, sa.CheckConstraint(DELIVERY), nullable=False),
        sa.Column("topic_id", sa.Text),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "local_date"),
        **NO_ROWID,
    )
    _partial_index(
        "reminder_deliveries_unfinished",
        "reminder_deliveries",
        ["claimed_at"],
        "status = 'sending'",
    )


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup instead")
